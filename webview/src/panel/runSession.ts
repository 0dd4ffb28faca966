/**
 * Everything a forward pass needs besides the graph, kept across edits: the
 * backend (probed once, switched on request), the weights' origin (seeded He
 * initialisation or a loaded file, re-matched to each new graph), and the
 * input's origin (a built-in sample or an image's bytes, re-made for each
 * new input shape). The DOM-free half of the panel's Run button.
 */
import type { NetworkGraph } from '../../../src/core/semantics/graph';
import {
  ForwardEngine,
  RunCancelledError,
  heInitializationInSlices,
  initBackend,
  probeBackends,
  wasmBinaryUrl,
  chooseBackend,
  weightsFromSafetensors,
  weightsFromTfjsLayers,
  type BackendChoice,
  type BackendName,
  type BackendProbe,
  type RunResult,
  type WeightSet,
} from '../engine';
import { makeImageInput, makeInput, type InputResult } from '../input';
import { ConvWorkerPool, workersFor } from '../engine/parallel/pool';
import { unitGradient, type Unit, type UnitGradient } from '../engine/unitGradient';

/** Where the input comes from: a built-in sample by id, or an image file's bytes. */
export type InputSource = { kind: 'sample'; id: string } | { kind: 'image'; name: string; bytes: Uint8Array };

/** Where the weights come from: seeded He initialisation, or a file the user loaded. */
export type WeightsSource =
  | { kind: 'he'; seed: number }
  | { kind: 'safetensors'; name: string; bytes: Uint8Array; labels?: string[] }
  | { kind: 'tfjs'; name: string; modelJson: unknown; shards: { name: string; bytes: Uint8Array }[]; labels?: string[] };

/** What `run` asks of the caller, besides the graph. */
export interface RunRequest {
  graph: NetworkGraph;
  /** The document's text, so weight errors can quote the statement. */
  source: string;
  /** Node ids whose outputs to read back, or every node. */
  keep: number[] | 'all';
  signal: AbortSignal;
  /** The share done of each phase: making the default weights, then running the layers. */
  onProgress(share: number, phase: 'weights' | 'layers'): void;
}

/** A finished run, with remarks worth showing (how the input was made, how weights were matched). */
export interface SessionResult extends RunResult {
  notes: string[];
}

/** How long a run waits for the convolution workers to start before it runs on the panel's thread alone. */
const WORKER_WAIT_MS = 3000;

const delay = (ms: number) => new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms));

/** Copies bytes into a fresh ArrayBuffer (a Uint8Array may view part of a bigger one). */
function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer as ArrayBuffer;
}

export class RunSession {
  private probes: Promise<BackendProbe[]> | undefined;
  private choice: BackendChoice | undefined;
  private preferred: BackendName | undefined;
  private engine: ForwardEngine | undefined;
  private engineGraph: NetworkGraph | undefined;
  private engineWeights: WeightsSource | undefined;
  private weightNotes: string[] = [];
  /** The convolution workers, started the first time WASM runs; undefined inside when none could start. */
  private workers: Promise<ConvWorkerPool | undefined> | undefined;
  /** Why the convolutions run on one thread, said once with the next run's notes. */
  private workerNote: string | undefined;

  /** The input of the last run, channels first: the receptive-field view draws on it and differentiates with respect to it. */
  lastInput: { data: Float32Array; shape: number[] } | undefined;

  input: InputSource = { kind: 'sample', id: '' };
  weights: WeightsSource = { kind: 'he', seed: 1 };

  constructor(private readonly wasmBaseUrl: string) {}

  /** What the browser offers, asked once per panel. */
  private probed(): Promise<BackendProbe[]> {
    this.probes ??= probeBackends();
    return this.probes;
  }

  /** What the browser offers and what would be chosen, without initialising any backend. */
  async probe(): Promise<BackendChoice> {
    return chooseBackend(await this.probed(), this.preferred);
  }

  /** The backend in use, once a run has initialised one. */
  get backend(): BackendChoice | undefined {
    return this.choice;
  }

  /** Switches to `name` (undefined: automatic) before the next run. */
  prefer(name: BackendName | undefined): void {
    if (name === this.preferred) return;
    this.preferred = name;
    this.choice = undefined;
  }

  /**
   * Starts one worker fewer than the machine has cores, so WASM convolutions
   * use them all (see engine/parallel). None on a one-core machine; a failure
   * is noted and the engine runs on the panel's thread alone.
   */
  private async startWorkers(): Promise<ConvWorkerPool | undefined> {
    const count = workersFor(navigator.hardwareConcurrency);
    if (!count) return undefined;
    try {
      return await ConvWorkerPool.start({ scriptUrl: `${this.wasmBaseUrl}convWorker.js`, wasmUrl: await wasmBinaryUrl(this.wasmBaseUrl), workers: count });
    } catch (error) {
      this.workerNote = `Convolutions run on one thread: ${(error as Error).message ?? String(error)}.`;
      return undefined;
    }
  }

  /** Makes the input tensor for the graph's input shape from the chosen source. */
  async makeInput(shape: number[]): Promise<InputResult> {
    if (this.input.kind === 'image') return makeImageInput(this.input.bytes, shape, {}, this.input.name);
    return makeInput(this.input.id, shape);
  }

  private async loadWeights(graph: NetworkGraph, source: string, request: RunRequest): Promise<WeightSet> {
    const from = this.weights;
    if (from.kind === 'he') {
      this.weightNotes = [];
      const weights = await heInitializationInSlices(graph, from.seed, { signal: request.signal, onProgress: (share) => request.onProgress(share, 'weights') });
      if (!weights) throw new RunCancelledError();
      return weights;
    }
    const loaded =
      from.kind === 'safetensors'
        ? weightsFromSafetensors(graph, ownBuffer(from.bytes), { source })
        : weightsFromTfjsLayers(graph, from.modelJson, Object.fromEntries(from.shards.map((shard) => [shard.name, ownBuffer(shard.bytes)])), { source });
    this.weightNotes = loaded.notes.map((note) => `${from.name}: ${note}.`);
    return loaded.weights;
  }

  /**
   * Runs the graph. The engine (and the tfjs tensors made from its weights)
   * is kept while neither the graph nor the weights' source changes, so a
   * second run of the same network skips the upload.
   */
  async run(request: RunRequest): Promise<SessionResult> {
    if (!this.choice) this.choice = await initBackend({ wasmBaseUrl: this.wasmBaseUrl, preferred: this.preferred, probes: await this.probed() });
    // Workers help only the WASM backend; they start here, so they load while the first run's weights are made.
    if (this.choice.chosen === 'wasm') this.workers ??= this.startWorkers();
    if (!this.engine || this.engineGraph !== request.graph || this.engineWeights !== this.weights) {
      this.engine?.dispose();
      this.engine = undefined;
      const weights = await this.loadWeights(request.graph, request.source, request);
      this.engine = new ForwardEngine(request.graph, weights, request.source);
      this.engineGraph = request.graph;
      this.engineWeights = this.weights;
    }
    const input = await this.makeInput(request.graph.nodes[0].outShape);
    if (!input.ok) throw new Error(input.error);
    this.lastInput = { data: input.data, shape: request.graph.nodes[0].outShape };
    // A run waits for the workers a little (they load in well under a second), never for a worker that hangs.
    const workers = this.choice.chosen === 'wasm' ? await Promise.race([this.workers, delay(WORKER_WAIT_MS)]) : undefined;
    const result = await this.engine.run(input.data, { keep: request.keep, signal: request.signal, workers, onProgress: (done, total) => request.onProgress(done / total, 'layers') });
    if (result.workersFailed) {
      workers?.terminate();
      this.workers = Promise.resolve(undefined);
      this.workerNote = `The convolution workers stopped (${result.workersFailed}); this run finished on the panel's thread, which runs the convolutions alone from now on.`;
    }
    const notes = [...(input.note ? [input.note] : []), ...this.weightNotes, ...(this.workerNote ? [this.workerNote] : [])];
    this.workerNote = undefined;
    return { ...result, notes };
  }

  /** The gradient of one unit with respect to the last run's input, for its weights (the effective receptive field). */
  unitGradient(unit: Unit): Promise<UnitGradient> {
    if (!this.engine || !this.lastInput) return Promise.reject(new Error('run the network first'));
    return unitGradient(this.engine.graph, this.engine.weights, this.lastInput.data, unit);
  }

  /** Frees the engine's tensors and stops the convolution workers (the panel is closing). */
  dispose(): void {
    this.engine?.dispose();
    this.engine = undefined;
    this.engineGraph = undefined;
    void this.workers?.then((pool) => pool?.terminate());
    this.workers = undefined;
  }
}
