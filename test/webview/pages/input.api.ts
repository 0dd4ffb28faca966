/**
 * The contract of the input test page (input.page.ts), kept free of DOM types
 * so that the Node-side tests can import it.
 */
import type { SampleInfo } from '../../../webview/src/input/catalog';
import type { InputOptions } from '../../../webview/src/input/types';

/** A result with its data as an array. */
export type PlainResult = { ok: true; data: number[]; shape: number[]; note?: string } | { ok: false; error: string };

/** Statistics of a tensor that stays in the page. */
export type Summary = { ok: true; length: number; shape: number[]; min: number; max: number; mean: number; variance: number; note?: string } | { ok: false; error: string };

export interface InputPage {
  samples: readonly SampleInfo[];
  sample(id: string, shape: number[], options?: InputOptions): PlainResult;
  summary(id: string, shape: number[], options?: InputOptions): Summary;
  fromBytes(bytes: number[], shape: number[], options?: InputOptions, name?: string): Promise<PlainResult>;
  fromFile(bytes: number[], shape: number[], name: string): Promise<PlainResult>;
  /** Whether making sample `id` from scratch twice gives identical numbers (the picture cache bypassed). */
  deterministic(id: string, shape: number[]): boolean;
  resize(plane: number[], width: number, height: number, outWidth: number, outHeight: number): number[];
}
