/**
 * Custom messages between the CNN Lens language server and its clients (the
 * VS Code extension, and later the preview). Both sides import these types,
 * so a change here is a compile error on the side that forgot it.
 */

/** A zero-based position, as in the Language Server Protocol. */
export interface ProtocolPosition {
  line: number;
  character: number;
}

/** A half-open range, as in the Language Server Protocol. */
export interface ProtocolRange {
  start: ProtocolPosition;
  end: ProtocolPosition;
}

/** The totals of one network, as the status bar, the summary command and the code lenses show them. */
export interface NetworkSummary {
  name: string;
  /** The whole `network NAME { ... }` declaration. */
  range: ProtocolRange;
  /** `3x224x224`, or null when `input(...)` is missing or invalid. */
  input: string | null;
  /** The final output shape, or null when an error stopped shape inference. */
  output: string | null;
  /**
   * Null, like the other totals, when the analysis stopped part-way (`too-large`): the sums then cover only the statements
   * before the stop, so the totals are unknown (as `cnn check --json` says with null).
   */
  trainableParams: number | null;
  nonTrainableParams: number | null;
  /** Multiply-accumulates for one sample (bias adds excluded). */
  macs: number | null;
  /** Output elements of every layer: activation memory in values for batch 1. */
  activations: number | null;
  /** Activation memory in bytes for batch 1 at 4 bytes (float32) per value. */
  activationBytes: number | null;
  /** Receptive field of the last spatial tensor, per spatial axis; null once no spatial axis was left at the start. */
  receptiveField: { size: number[]; jump: number[] } | null;
  /** Error diagnostics inside the network's declaration. */
  errors: number;
  /** Training memory for the `cnnLens.training` settings; null when a statement failed (the figures would be partial). */
  memory: NetworkSummaryMemory | null;
  /** The summary table as `cnn summary` prints it (the core renders both); empty when the request said `table: false`. */
  table: string;
  /** For each line of `table`, the 0-based source line of the statement that row shows, or null (titles, rules, totals). */
  tableLines: (number | null)[];
}

/** A network's training memory in bytes, for one batch size, optimizer and precision (see src/core/memory/training.ts). */
export interface NetworkSummaryMemory {
  batch: number;
  optimizer: 'sgd' | 'momentum' | 'adam';
  precision: 'fp32' | 'mixed';
  savedActivations: number;
  parameters: number;
  gradients: number;
  optimizerState: number;
  trainingPeak: number;
  inferencePeak: number;
  /** `cnnLens.training.memoryBudget` in bytes, or null when unset. */
  budget: number | null;
  /** The largest batch whose training peak fits the budget (0 when none does); null without a budget. */
  largestBatch: number | null;
}

/** Parameters of `cnnLens/networkSummary`. */
export interface NetworkSummaryParams {
  textDocument: { uri: string };
  /** The cursor; picks the active network. Without it, the first network is active. */
  position?: ProtocolPosition;
  /**
   * Whether to send each network's summary table (default true). A client that shows only the totals (a status bar)
   * passes false: a megabyte file's table takes seconds to write.
   */
  table?: boolean;
  /**
   * Whether to send only the cursor's network (default false): `networks` then holds that one alone (`active` 0), or
   * nothing. A client that shows one network (a status bar) passes true: a file of 20,000 small networks is 10 MB of totals.
   */
  activeOnly?: boolean;
  /**
   * Whether to compute training memory (default true). With false the reply comes from the plain analysis, as soon as
   * the diagnostics do, with every `memory` null: a status bar shows the totals at once and asks again for the memory,
   * which needs the analysis with graphs (seconds for a megabyte file).
   */
  memory?: boolean;
}

/** The reply to `cnnLens/networkSummary`: every network of the file, and which one holds the cursor. */
export interface NetworkSummaryResult {
  uri: string;
  /** The document version these totals were computed from. */
  version: number;
  networks: NetworkSummary[];
  /** Index into `networks` of the network at the cursor (or the first one); null when the file has none. */
  active: number | null;
}

/** Method name of the network summary request. */
export const networkSummaryMethod = 'cnnLens/networkSummary';

/** Settings the server reads from the `cnnLens` configuration section (or from initializationOptions). */
export interface CnnLensSettings {
  inlayHints: { shapes: boolean; params: boolean };
  diagnostics: { debounceMs: number };
  /** What training memory is computed for; `memoryBudget` ("24GB", "16GiB", or "" for none) warns when the peak exceeds it. */
  training: { batchSize: number; optimizer: 'sgd' | 'momentum' | 'adam'; precision: 'fp32' | 'mixed'; memoryBudget: string };
  /** The most outline symbols, folding ranges, code lenses and inlay hints (per request) computed for one file. */
  maxItemsComputed: number;
}

/** The settings a client gets when it sends none. */
export const defaultSettings: CnnLensSettings = {
  inlayHints: { shapes: true, params: false },
  diagnostics: { debounceMs: 150 },
  training: { batchSize: 32, optimizer: 'sgd', precision: 'fp32', memoryBudget: '' },
  maxItemsComputed: 5000,
};

/**
 * The server's export command (`workspace/executeCommand`), for any editor:
 * writes the network as PyTorch, ONNX or Keras files with the preview's
 * seeded weights (or `weights`, a safetensors file or tfjs model.json).
 */
export const exportNetworkCommand = 'cnnLens.server.exportNetwork';

/** The one argument of `cnnLens.server.exportNetwork`. */
export interface ExportNetworkArguments {
  /** The open `.cnn` document. */
  uri: string;
  target: 'pytorch' | 'onnx' | 'keras';
  /** The network to export; the file's first when absent. */
  network?: string;
  /** A file path (`.py`, `.onnx`) or, for keras, a directory path. */
  output: string;
  /** Also write the weights as safetensors keyed by the PyTorch module's state_dict() names (pytorch). */
  weightsOut?: string;
  /** A weights file to export instead of the seeded initialisation. */
  weights?: string;
}

/** The reply: the files written, or why nothing was. */
export type ExportNetworkResult = { ok: true; files: string[] } | { ok: false; error: string };
