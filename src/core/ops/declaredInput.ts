/** The `in=` assertion that convolutions and dense layers share. */
import type { OpContext } from './types';

/** Reads the `in=` assertion and reports `channel-mismatch`; returns the channel count the layer's weights have. */
export function declaredInput(context: OpContext, axis = 0, what = 'input channels'): number {
  const actual = context.input.shape[axis];
  if (!context.has('in')) return actual;
  const declared = context.int('in', { min: 1 });
  if (declared !== undefined && declared !== actual) {
    context.report(
      'channel-mismatch',
      `${context.name} declares in=${declared} but receives ${actual} ${what}; PyTorch would fail here at run time. Set in=${actual} or change the layer before.`,
      'in',
      [context.setArgumentFix('in', String(actual), `Set in=${actual}`)],
    );
    return declared;
  }
  return actual;
}
