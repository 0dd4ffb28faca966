/**
 * Everything a forward pass needs besides the graph, kept across edits: the
 * backend (probed once, switched on request), the weights' origin (seeded He
 * initialisation or a loaded file, re-matched to each new graph), and the
 * input's origin (a built-in sample or an image's bytes, re-made for each
 * new input shape). The DOM-free half of the panel's Run button.
 *
 * This module, with the input making and the convolution workers it uses, is
 * a chunk of its own: the panel loads it once its first diagram is painted,
 * or when it is first needed (panel/app.ts), so the first diagram's script
 * does not carry it.
 */
import type { NetworkGraph } from '../../../src/core';
import type { BackendName, BackendProbe, ForwardEngine, RunResult, WeightSet } from '../engine';
import { chooseBackend, type BackendChoice } from '../engine/backendPolicy';
import { RunCancelledError, unlessCancelled } from '../engine/errors';
import { makeImageInput, makeInput, prepareSamplePicture, type InputResult } from '../input';
import { yieldToBrowser } from '../engine/schedule';
import { ConvWorkerPool, workersFor } from '../engine/parallel/pool';
import { elementCount } from '../../../src/core';
import type { GradientOptions, Unit, UnitGradient } from '../engine/unitGradient';

/** The engine's tfjs half (engine/runtime.ts). */
type EngineRuntime = typeof import('../engine/runtime');
let runtime: Promise<EngineRuntime> | undefined;

/**
 * Loads the engine's tfjs half once per page. It is a chunk of its own, so
 * the diagram is on screen before tfjs is fetched and compiled; the panel
 * asks for it right after the first diagram (backend probing, preparation).
 */
export function loadEngineRuntime(): Promise<EngineRuntime> {
  runtime ??= import('../engine/runtime');
  return runtime;
}

/** Where the input comes from: a built-in sample by id, or an image file's bytes. */
export type InputSource = { kind: 'sample'; id: string } | { kind: 'image'; name: string; bytes: Uint8Array };

/** Where the weights come from: seeded He initialisation, or a file the user loaded. */
export type WeightsSource =
  | { kind: 'he'; seed: number }
  | { kind: 'safetensors'; name: string; bytes: Uint8Array; labels?: string[] }
  | { kind: 'tfjs'; name: string; modelJson: unknown; shards: { name: string; bytes: Uint8Array }[]; labels?: string[] };

/** What the user chose to run with: the panel's input and weights menus. The session reads them when it prepares or runs. */
export interface RunChoices {
  input: InputSource;
  weights: WeightsSource;
}

/** What a preparation is doing: starting the backend and making the weights, making the input, or the warm-up pass. */
export type PreparationStage = 'engine' | 'input' | 'warm-up';

/** How `prepare` runs: what stops it, how many values a Run keeps (the warm-up keeps as many), and who hears its stages. */
export interface PrepareOptions {
  signal: AbortSignal;
  keepValues?: number;
  onStage?: (stage: PreparationStage) => void;
}

/** What a run is doing: making the default weights, preparing the convolutions' filters (the engine's one-time work), or running the layers. */
export type RunProgressPhase = 'weights' | 'filters' | 'layers';

/** What `run` asks of the caller, besides the graph. */
export interface RunRequest {
  graph: NetworkGraph;
  /** The document's text, so weight errors can quote the statement. */
  source: string;
  /** Node ids whose outputs to read back during the run (the network's output always is). */
  keep: number[];
  /** Keep the layers' outputs on the backend, up to this many values, for `SessionResult.kept` (see engine/retained.ts). */
  keepValues?: number;
  signal: AbortSignal;
  /**
   * The share done of each phase: making the default weights, preparing the
   * convolutions' filters (with how many are done, of how many), then running the layers.
   */
  onProgress(share: number, phase: RunProgressPhase, count?: { done: number; total: number }): void;
}

/**
 * Where a run's time went before and during the forward pass, in
 * milliseconds: waiting for the backend and the engine (the weights made and
 * uploaded, or a preparation finishing), making the input, and the pass.
 */
export interface RunPhases {
  engineMs: number;
  inputMs: number;
  forwardMs: number;
}

/** A finished run, with remarks worth showing (how the input was made, how weights were matched). */
export interface SessionResult extends RunResult {
  notes: string[];
  phases: RunPhases;
}

/** How long a run waits for the convolution workers to start before it runs on the panel's thread alone. */
const WORKER_WAIT_MS = 3000;
/**
 * How long a preparation waits for them. Much longer: on a busy machine
 * they took more than the run's 3 s to load, the warm-up then ran without
 * them, and the first Run paid for sending every filter to them.
 */
const WORKER_PREPARE_WAIT_MS = 30_000;
/** The most warm-up passes a preparation makes (see `prepare`); it makes at least two. */
const MOST_WARM_UP_PASSES = 5;
/** A warm-up pass longer than this is not followed by another, beyond the second. */
const REPEAT_WARM_UP_UNDER_MS = 3000;

const delay = (ms: number) => new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms));

/**
 * An engine being made for a graph and weights (the backend, the weights,
 * their tensors, the convolutions' filters laid out and shared with the
 * workers), shared by a preparation and the Run that follows it.
 */
interface EngineBuild {
  graph: NetworkGraph;
  weights: WeightsSource;
  engine: Promise<ForwardEngine>;
  /** Stops the build (a newer graph replaced it). */
  controller: AbortController;
}

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
  /** The backend starting, shared by a preparation and a run. */
  private backendStart: Promise<BackendChoice> | undefined;
  private build: EngineBuild | undefined;
  /** The warm-up pass of a preparation, stopped when a run starts or another preparation replaces it. */
  private warmUp: AbortController | undefined;
  private weightNotes: string[] = [];
  /** The convolution workers, started the first time WASM runs; undefined inside when none could start. */
  private workers: Promise<ConvWorkerPool | undefined> | undefined;
  /** Set by `dispose`: nothing starts workers after it. */
  private disposed = false;
  /** Why the convolutions run on one thread, said once with the next run's notes. */
  private workerNote: string | undefined;
  /** The input last made, for the source and shape it was made from: a preparation makes it, and runs reuse it. */
  private inputMade: { source: InputSource; shape: string; result: Promise<InputResult> } | undefined;

  /** How many threads shared the last pass's convolutions (a warm-up's or a run's) on the backend in use; undefined before any pass. */
  threads: number | undefined;

  /** The input of the last run, channels first: the receptive-field view draws on it and differentiates with respect to it. */
  lastInput: { data: Float32Array; shape: number[] } | undefined;

  /**
   * @param choices The input and weights the user chose, owned by the panel, which fills its menus before this
   * session is loaded; the session reads them at each preparation and run.
   */
  constructor(
    private readonly wasmBaseUrl: string,
    private readonly choices: RunChoices,
  ) {}

  /** What the browser offers, asked once per panel. */
  private probed(): Promise<BackendProbe[]> {
    this.probes ??= loadEngineRuntime().then((engine) => engine.probeBackends());
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
    this.threads = undefined;
    this.backendStart = undefined;
    // A warm-up on the old backend warms nothing the next run uses.
    this.warmUp?.abort();
  }

  /**
   * Starts the convolution workers now when the backend the probe would
   * choose is WASM, without waiting for the backend to start: they take
   * a few hundred milliseconds to load, which a Run pressed at once waited for.
   */
  startWorkersEarly(): void {
    void this.probe()
      .then((choice) => {
        if (choice.chosen === 'wasm') this.startWorkersOnce();
      })
      // A failed probe shows when the backend starts.
      .catch(() => undefined);
  }

  /** Starts the backend once (or after `prefer` changed it); a run and a preparation share the start. */
  private startBackend(): Promise<BackendChoice> {
    if (this.choice) return Promise.resolve(this.choice);
    const start = (this.backendStart ??= (async () => (await loadEngineRuntime()).initBackend({ wasmBaseUrl: this.wasmBaseUrl, preferred: this.preferred, probes: await this.probed() }))());
    return start.then((choice) => {
      if (this.backendStart === start) this.choice = choice;
      // Workers help only the WASM backend; usually they started before it (`startWorkersEarly`), else they start with it.
      if (choice.chosen === 'wasm') this.startWorkersOnce();
      return choice;
    });
  }

  /**
   * Gets everything ready for a Run of `graph` before the user presses it:
   * the backend and the convolution workers start, the weights are made and
   * uploaded and the convolutions' filters laid out and shared with the workers
   * (`engineFor`: a Run pressed meanwhile waits for them), the input is made, and
   * warm-up passes on it (two or more) fill the engine's other caches, grow the
   * backend's memory to what a Run keeping `keepValues` values needs and
   * run the browser's optimised code in, so the first Run takes about as
   * long as the next ones. Their results are thrown away. A newer preparation, a run, or `signal` stops it; it never
   * throws (a failure shows when the user runs).
   */
  async prepare(graph: NetworkGraph, source: string, { signal, keepValues = 0, onStage }: PrepareOptions): Promise<boolean> {
    this.warmUp?.abort();
    const warmUp = new AbortController();
    this.warmUp = warmUp;
    signal.addEventListener('abort', () => warmUp.abort(), { once: true });
    try {
      onStage?.('engine');
      // The input too, made while the engine is built (both work in slices): the landscape sample alone took a third
      // of the first Run before it was made here, and a Run pressed at once then waited for it after the engine.
      const inputMade = this.inputFor(graph.nodes[0].outShape);
      const choice = await this.startBackend();
      const engine = await unlessCancelled(this.engineFor(graph, source, undefined), warmUp.signal);
      onStage?.('input');
      const input = await unlessCancelled(inputMade, warmUp.signal);
      const workers = choice.chosen === 'wasm' ? await unlessCancelled(Promise.race([this.workers, delay(WORKER_PREPARE_WAIT_MS)]), warmUp.signal) : undefined;
      // The plain CPU backend (the last resort) takes seconds per large layer, with the page's thread held for each:
      // warming it up would make the panel sluggish for longer than the warm-up saves.
      if (engine.warm || choice.chosen === 'cpu') return true;
      onStage?.('warm-up');
      const warmInput = input.ok ? input.data : new Float32Array(elementCount(graph.nodes[0].outShape));
      // Passes with the same options as a Run, so they go through the same code. The first does what one-time work is left
      // (the filters of layers `prepareFilters` leaves alone, the backend's packed weights). Then the browser is still optimising:
      // it compiles WebAssembly in two tiers, quick code first and optimised code in the background for the functions a
      // pass used, and in code-server a pass right after two warm-up passes still took twice as long as later ones. So
      // passes go on while each is clearly quicker than the one before (a pass of several seconds warms up within itself).
      let previousMs = Infinity;
      for (let pass = 1; pass <= MOST_WARM_UP_PASSES; pass++) {
        const start = performance.now();
        const result = await engine.run(warmInput, { keep: [], keepValues, signal: warmUp.signal, workers });
        result.kept?.dispose();
        this.threads = result.threads;
        engine.warm = true;
        const tookMs = performance.now() - start;
        if (pass >= 2 && (tookMs > 0.9 * previousMs || tookMs > REPEAT_WARM_UP_UNDER_MS)) break;
        previousMs = tookMs;
      }
      return true;
    } catch {
      return false;
    } finally {
      if (this.warmUp === warmUp) this.warmUp = undefined;
    }
  }

  /**
   * The engine for `graph` with the session's weights: the one kept from
   * before, the one a preparation is making, or a new one (the previous is
   * freed). The build stops only when a newer graph replaces it.
   */
  private engineFor(graph: NetworkGraph, source: string, onProgress: RunRequest['onProgress'] | undefined): Promise<ForwardEngine> {
    if (this.engine && this.engineGraph === graph && this.engineWeights === this.choices.weights) return Promise.resolve(this.engine);
    if (this.build && this.build.graph === graph && this.build.weights === this.choices.weights) {
      if (onProgress) this.buildProgress = onProgress;
      return this.build.engine;
    }
    this.build?.controller.abort();
    this.engine?.dispose();
    this.engine = undefined;
    this.engineGraph = undefined;
    const controller = new AbortController();
    const weightsSource = this.choices.weights;
    this.buildProgress = onProgress;
    const build = { graph, weights: weightsSource, controller } as EngineBuild;
    build.engine = (async () => {
      const weights = await this.loadWeights(graph, source, weightsSource, controller.signal, (share) => this.buildProgress?.(share, 'weights'));
      if (controller.signal.aborted) throw new RunCancelledError();
      const engine = new (await loadEngineRuntime()).ForwardEngine(graph, weights, source);
      // The one-time work of a first pass, done here so that a Run pressed meanwhile waits for it (it shows how far it is)
      // and then runs a pass like the next ones; a warm-up pass that a Run stops would lose it.
      const choice = await this.startBackend();
      const workers = choice.chosen === 'wasm' ? await Promise.race([this.workers, delay(WORKER_WAIT_MS)]) : undefined;
      try {
        await engine.prepareFilters({
          workers,
          signal: controller.signal,
          onProgress: (done, total) => this.buildProgress?.(done / total, 'filters', { done, total }),
        });
      } catch (error) {
        engine.dispose();
        throw error;
      }
      if (this.build === build) {
        this.engine = engine;
        this.engineGraph = graph;
        this.engineWeights = weightsSource;
        this.build = undefined;
      }
      return engine;
    })();
    // A failed or stopped build is not reused: the next run makes a new one (and says why it failed).
    build.engine.catch(() => {
      if (this.build === build) this.build = undefined;
    });
    this.build = build;
    return build.engine;
  }

  /** Who hears the weights' progress: the run waiting on the build, if any. */
  private buildProgress: RunRequest['onProgress'] | undefined;

  /** Starts the workers unless they started before or the panel has closed (workers started then would outlive it). */
  private startWorkersOnce(): void {
    if (!this.disposed) this.workers ??= this.startWorkers();
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
      return await ConvWorkerPool.start({ scriptUrl: `${this.wasmBaseUrl}convWorker.js`, wasmUrl: await (await loadEngineRuntime()).wasmBinaryUrl(this.wasmBaseUrl), workers: count });
    } catch (error) {
      this.workerNote = `Convolutions run on one thread: ${(error as Error).message ?? String(error)}.`;
      return undefined;
    }
  }

  /**
   * The input for the graph's input shape from the chosen source, made once
   * per source and shape: a preparation makes it (a slow sample painted a
   * few rows at a time, so the page stays responsive) and the runs that
   * follow reuse it. Nothing writes into it: the engine copies it into a tensor.
   */
  inputFor(shape: number[]): Promise<InputResult> {
    const source = this.choices.input;
    const key = shape.join('x');
    const made = this.inputMade;
    const same =
      made !== undefined &&
      made.shape === key &&
      (source.kind === 'sample' ? made.source.kind === 'sample' && made.source.id === source.id : made.source.kind === 'image' && made.source.bytes === source.bytes);
    if (same) return made.result;
    const result = source.kind === 'image' ? makeImageInput(source.bytes, shape, {}, source.name) : prepareSamplePicture(source.id, yieldToBrowser).then(() => makeInput(source.id, shape));
    this.inputMade = { source, shape: key, result };
    // A failed making is not kept: the next run tries again and says why.
    result.catch(() => {
      if (this.inputMade?.result === result) this.inputMade = undefined;
    });
    return result;
  }

  private async loadWeights(graph: NetworkGraph, source: string, from: WeightsSource, signal: AbortSignal, onProgress: (share: number) => void): Promise<WeightSet> {
    const engine = await loadEngineRuntime();
    if (from.kind === 'he') {
      this.weightNotes = [];
      const weights = await engine.heInitializationInSlices(graph, from.seed, { signal, onProgress });
      if (!weights) throw new RunCancelledError();
      return weights;
    }
    const loaded =
      from.kind === 'safetensors'
        ? engine.weightsFromSafetensors(graph, ownBuffer(from.bytes), { source })
        : engine.weightsFromTfjsLayers(graph, from.modelJson, Object.fromEntries(from.shards.map((shard) => [shard.name, ownBuffer(shard.bytes)])), { source });
    this.weightNotes = loaded.notes.map((note) => `${from.name}: ${note}.`);
    return loaded.weights;
  }

  /**
   * Runs the graph. The engine (and the tfjs tensors made from its weights)
   * is kept while neither the graph nor the weights' source changes, so a
   * second run of the same network skips the upload.
   */
  async run(request: RunRequest): Promise<SessionResult> {
    // A preparation's warm-up pass gives way; its backend start and weights are this run's too.
    this.warmUp?.abort();
    const { signal } = request;
    const started = performance.now();
    // Made (or found made) while the engine is built, not after it.
    const inputMade = this.inputFor(request.graph.nodes[0].outShape);
    const choice = await unlessCancelled(this.startBackend(), signal);
    let engine: ForwardEngine;
    try {
      engine = await unlessCancelled(this.engineFor(request.graph, request.source, request.onProgress), signal);
    } finally {
      // A cancelled run stops hearing the build, which goes on (the next run needs it): its progress would show after the run.
      if (this.buildProgress === request.onProgress) this.buildProgress = undefined;
    }
    const engineReady = performance.now();
    const input = await unlessCancelled(inputMade, signal);
    if (!input.ok) throw new Error(input.error);
    this.lastInput = { data: input.data, shape: request.graph.nodes[0].outShape };
    // A run waits for the workers a little (they load in well under a second), never for a worker that hangs.
    const workers = choice.chosen === 'wasm' ? await unlessCancelled(Promise.race([this.workers, delay(WORKER_WAIT_MS)]), signal) : undefined;
    const inputReady = performance.now();
    const result = await engine.run(input.data, { keep: request.keep, keepValues: request.keepValues, signal, workers, onProgress: (done, total) => request.onProgress(done / total, 'layers') });
    engine.warm = true;
    this.threads = result.threads;
    if (result.workersFailed) {
      workers?.terminate();
      this.workers = Promise.resolve(undefined);
      this.workerNote = `The convolution workers stopped (${result.workersFailed}); this run finished on the panel's thread, which runs the convolutions alone from now on.`;
    }
    const notes = [...(input.note ? [input.note] : []), ...this.weightNotes, ...(this.workerNote ? [this.workerNote] : [])];
    this.workerNote = undefined;
    const phases = { engineMs: engineReady - started, inputMs: inputReady - engineReady, forwardMs: performance.now() - inputReady };
    return { ...result, notes, phases };
  }

  /** The gradient of one unit with respect to the last run's input, for its weights (the effective receptive field). */
  unitGradient(unit: Unit, options: Omit<GradientOptions, 'cached'> = {}): Promise<UnitGradient> {
    const engine = this.engine;
    const input = this.lastInput;
    if (!engine || !input) return Promise.reject(new Error('run the network first'));
    return loadEngineRuntime().then((runtime) =>
      runtime.unitGradient(engine.graph, engine.weights, input.data, unit, { ...options, cached: (node, key, build) => engine.cachedFor(node, key, build) }),
    );
  }

  /** Frees the engine's tensors and stops the convolution workers (the panel is closing). */
  dispose(): void {
    this.disposed = true;
    this.warmUp?.abort();
    this.build?.controller.abort();
    this.build = undefined;
    this.engine?.dispose();
    this.engine = undefined;
    this.engineGraph = undefined;
    void this.workers?.then((pool) => pool?.terminate());
    this.workers = undefined;
  }
}
