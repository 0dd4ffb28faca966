/** Adding up what statements cost: parameters, multiply-accumulates and activations. */
import type { ParamCounts } from '../types';
import type { StatementResult } from './results';

/** Parameters, MACs and activations together, as a network or compound statement sums them. */
export interface Totals {
  params: ParamCounts;
  macs: number;
  activations: number;
}

/** No parameters at all. */
export function zeroParams(): ParamCounts {
  return { trainable: 0, nonTrainable: 0 };
}

/** Nothing counted yet. */
export function zeroTotals(): Totals {
  return { params: zeroParams(), macs: 0, activations: 0 };
}

/** The totals of a list of results, each counted once. */
export function sumResults(results: StatementResult[]): Totals {
  const totals = zeroTotals();
  for (const result of results) addInto(totals, result, 1);
  return totals;
}

/** Adds `part` into `totals` `times` times (a fast-forwarded repeat adds a pass many times at once). */
export function addInto(totals: Totals, part: Totals, times: number): void {
  totals.params.trainable += part.params.trainable * times;
  totals.params.nonTrainable += part.params.nonTrainable * times;
  totals.macs += part.macs * times;
  totals.activations += part.activations * times;
}
