/**
 * The contract of the receptive-field test page (receptiveField.page.ts),
 * free of DOM types so Node-side tests can import it. Tensors travel as plain
 * arrays.
 */
import type { PlainWeights } from './engine.api';

export interface GradientRequest {
  /** A `.cnn` file; its first network is differentiated. */
  source: string;
  /** Weights in PyTorch layout, by graph node id; without them, the panel's He initialisation with `seed`. */
  weights?: PlainWeights;
  seed?: number;
  /** The input, channels first. */
  input: number[];
  unit: { node: number; channel: number; at: number[] };
}

export type GradientReply = { ok: true; backend: string; value: number; gradient: number[]; shape: number[]; ms: number; leakedTensors: number } | { ok: false; error: string; leakedTensors: number };

/** Times for `npm run bench`: one forward pass (the panel's Run) and the unit's effective field, with the same weights and input. */
export interface GradientTiming {
  forwardMs: number[];
  /** The first effective field, which also builds the filters it needs. */
  firstMs: number;
  /** The later ones. */
  gradientMs: number[];
  value: number;
}

export interface ReceptiveFieldPage {
  /** Initialises `backend` with the WASM binaries at `wasmBaseUrl`; the backend that is active. */
  use(wasmBaseUrl: string, backend: 'wasm' | 'cpu'): Promise<string>;
  /** unitGradient (the panel's effective field) for the request. */
  gradient(request: GradientRequest): Promise<GradientReply>;
  /**
   * Starts unitGradient with a signal that aborts after `steps` progress reports
   * (never, when negative); what it reported and how it ended.
   */
  cancelAfter(request: GradientRequest, steps: number): Promise<{ reports: [number, number][]; outcome: string; leakedTensors: number }>;
  /** Times `runs` forward passes and `runs` effective fields of `unit` (He weights, seed 1; a fixed input), on the panel's thread. */
  time(source: string, unit: GradientRequest['unit'], runs: number): Promise<GradientTiming>;
}
