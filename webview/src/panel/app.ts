/**
 * The preview panel's controller: the one place that wires the host
 * connection, the analysis core, the diagram, the forward pass and the views
 * together. Each of those knows nothing of the others.
 */
import { withCommas, analyze, networkIndexAt, type Analysis, type NetworkAnalysis, type NetworkGraph, type Range } from '../../../src/core';
import { savedTextLimit, type HostMessage, type LoadedWeightsFile } from '../../../src/protocol/preview';
import { DiagramView } from '../diagram/view';
import type { DiagramDiagnostic } from '../diagram/model';
import type { BackendChoice, BackendName, NodeOutput } from '../engine';
import { RunCancelledError, UnsupportedOpError, unlessCancelled } from '../engine/errors';
import { inputKind } from '../input/shape';
import { defaultSampleFor, samplesFor } from '../input/sampleList';
import type { Host } from './host';
import { noNetworkYet, type PanelElements } from './layout';
import type { RunChoices, RunPhases, RunProgressPhase, RunSession, SessionResult, WeightsSource } from './runSession';
import { keptValuesBudget, readDuringRun } from './keepPlan';
import type { ReceptiveFieldPanel } from '../views/receptiveFieldPanel';
import { afterPaint, markOnce } from '../marks';
import { errorParserLoading } from '../lazyParser';

/**
 * The weights the panel runs, as the file they came from, for an export to
 * carry them; nothing for the seeded He initialisation, which the export
 * makes itself with the same seed. A model.json goes back as JSON of the
 * object the panel read (its weights are in the shards, unchanged).
 */
function loadedWeightsFile(weights: WeightsSource): { weights?: LoadedWeightsFile } {
  if (weights.kind === 'he') return {};
  if (weights.kind === 'safetensors') return { weights: { name: weights.name, bytes: weights.bytes } };
  return { weights: { name: weights.name, bytes: new TextEncoder().encode(JSON.stringify(weights.modelJson)), extraFiles: weights.shards } };
}

/** Option values of the input and weights menus that open a file instead of naming a source. */
const pickImage = '__pick-image__';
const pickWeights = '__pick-weights__';
const heWeights = 'he';
const automatic = 'auto';
/** How long the text must rest before the panel prepares a run of it in the background. */
const prepareAfterMs = 400;
/**
 * The least time between two moves of the progress bar during a run. Each
 * move makes the browser paint a frame of the panel; moving it after every
 * layer painted about 25 frames during a 0.4 s ResNet-18 run, a fifth of the
 * run's time on the page's thread.
 */
const progressEveryMs = 100;

/** How long a Run waits before it says it is waiting for the engine (see `run`). */
const runStatusAfterMs = 150;

/** What a Run's progress line says it is doing, with how many filters are ready while it waits for them. */
function runProgressTitle(phase: RunProgressPhase, count: { done: number; total: number } | undefined): string {
  if (phase === 'weights') return 'Making the default weights (He initialisation)';
  if (phase === 'filters') return `Preparing the filters${count ? `: ${count.done} of ${count.total}` : ''}`;
  return 'Running the layers';
}

/** A line in the panel's message area. */
interface Message {
  text: string;
  error: boolean;
}

/** The outcome of the last run, kept until the graph changes. */
interface LastRun {
  graph: NetworkGraph;
  result: SessionResult;
}

/**
 * Names for the classes of an output: a `labels.txt` that came with the
 * weights when it has one name per class, else the ImageNet-1k names for a
 * 1,000-way output, else none ("class N"); `source` says which, for the caption.
 */
function classNames(weights: WeightsSource, classes: number, imagenetClassNames: readonly string[]): { labels?: readonly string[]; source: string } {
  const labels = weights.kind === 'he' ? undefined : weights.labels;
  if (labels && labels.length === classes) return { labels, source: 'names from labels.txt' };
  const mismatch = labels ? `labels.txt has ${labels.length} names for ${classes} classes, so they are not used` : '';
  if (classes === imagenetClassNames.length) return { labels: imagenetClassNames, source: mismatch ? `${mismatch}; ImageNet class names` : 'ImageNet class names' };
  return { source: mismatch };
}

/** The views of a Run's results, loaded after the first diagram (see ../views/results.ts). */
type ResultViews = typeof import('../views/results');

export class PreviewApp {
  private uri = '';
  private text: string | undefined;
  private analysis: Analysis | undefined;
  private graph: NetworkGraph | undefined;
  /** The last graph of each network that analysed completely: drawn, with the error marked, while a typo breaks the text. */
  private lastGood = new Map<string, NetworkGraph>();
  private networkName: string | undefined;
  private selected: number | null = null;
  private lastRun: LastRun | undefined;
  private running: AbortController | undefined;
  private readonly diagram: DiagramView;
  /** What the user chose to run with (the input and weights menus); the run session reads it. */
  private readonly choices: RunChoices = { input: { kind: 'sample', id: '' }, weights: { kind: 'he', seed: 1 } };
  /** The backend chosen in the menu; undefined: automatic. */
  private preferredBackend: BackendName | undefined;
  /**
   * The run session (./runSession.ts: the backend, the weights, the input,
   * the convolution workers), a chunk of its own: it loads once the first
   * diagram is painted, or when something needs it first.
   */
  private sessionLoading: Promise<RunSession> | undefined;
  /** The run session, once it has loaded. */
  private session: RunSession | undefined;
  /** Click a feature-map pixel: its receptive field on the input, its paths in the diagram, its effective field. Made with the result views. */
  private field: ReceptiveFieldPanel | undefined;
  /** The views of a Run's results (../views/results.ts), a chunk loaded after the first diagram. */
  private resultViewsLoading: Promise<ResultViews> | undefined;
  /** A render in progress: sources that arrive meanwhile wait for it, and only the newest is drawn. */
  private rendering: Promise<void> = Promise.resolve();
  private pendingSource: Extract<HostMessage, { type: 'source' }> | undefined;
  /** The shown network's diagnostics, found once per analysis. */
  private graphDiagnostics: DiagramDiagnostic[] = [];
  private graphMessages: Message[] = [];
  /** Runs finished so far, shown as `data-runs` on the side panel so a test (or a screen reader's observer) can tell new results from old. */
  private finishedRuns = 0;
  /** Runs started so far (finished, failed or cancelled), shown as `data-started`. */
  private startedRuns = 0;
  /**
   * Weights on their way to the panel: a picked file being read and sent, or
   * weights that came with an imported model waiting for its source to be
   * drawn. Settles once they are in use (or did not come). A Run pressed
   * meanwhile waits for them and runs once, with them.
   */
  private weightsArriving: Promise<void> | undefined;
  /** Settles the arrival of weights a source message announced (Import Model…), once they came and are in use. */
  private announcedWeights: ((arrival: Promise<void>) => void) | undefined;
  /** The run waiting for arriving weights: their arrival lets it go on instead of starting a second run. */
  private waitingForWeights: AbortController | undefined;
  private runMessages: Message[] = [];
  /** Bumped by each `showSelected`, so a slow read does not draw over a newer selection. */
  private showing = 0;
  /** The structure whose layout the saved state holds. */
  private savedLayoutKey: string | undefined;
  /** Whether the backend menu was filled (after the first diagram). */
  private backendsShown = false;
  /** What the backend menu and note show, so `showBackends` redraws them only when it changes. */
  private backendsShownAs: string | undefined;
  /** The background preparation of the shown network (backend, weights, a warm-up pass), stopped by a run or a newer network. */
  private preparing: AbortController | undefined;
  private prepareTimer: ReturnType<typeof setTimeout> | undefined;
  /**
   * Where the last finished Run's time went, from the click to its results
   * on screen, and how much of the forward pass the convolutions shared with
   * the workers took (the benchmark prints it).
   */
  lastRunPhases: (RunPhases & { sharedMs: number; showMs: number; totalMs: number }) | undefined;

  constructor(
    private readonly ui: PanelElements,
    private readonly host: Host,
    private readonly assetsUrl: string,
  ) {
    this.diagram = new DiagramView(ui.diagram, {
      onSelect: (selection) => this.onSelect(selection.graphNodes, selection.range, selection.focus),
      onCollapsedChange: (ids) => this.host.saveState({ collapsed: ids }),
      onFirstPaint: () => this.followFirstPaint(),
    });
    const saved = host.state;
    if (saved?.collapsed) this.diagram.setCollapsed(saved.collapsed);
    // A panel restored after a reload draws its saved layout at once instead of waiting for ELK; so does a panel
    // opened again on a document whose layouts the extension kept.
    if (saved?.layout) {
      this.diagram.seedLayout(saved.layout);
      this.savedLayoutKey = saved.layout.structureKey;
    }
    for (const layout of host.initialLayouts()) this.diagram.seedLayout(layout);
    if (saved?.uri) this.uri = saved.uri;
    this.networkName = saved?.network;
    if (saved?.backend && saved.backend !== automatic) this.preferredBackend = saved.backend as BackendName;
    if (saved?.selected !== undefined) this.selected = saved.selected;
    this.wireControls();
    host.onMessage((message) => this.receive(message));
    // The text the page came with is drawn at once; the host sends it again after `ready`, and an unchanged text is skipped.
    const initial = host.initialMessage();
    if (initial) this.receive(initial);
    // The backends are probed (a WebGPU adapter, a WebGL context: hundreds of milliseconds of the page's
    // thread on a software renderer) after the first diagram is on screen, not before it.
    markOnce('ready');
    host.post({ type: 'ready' });
  }

  private wireControls(): void {
    const ui = this.ui;
    ui.networkSelect.addEventListener('change', () => {
      this.networkName = ui.networkSelect.value;
      this.host.saveState({ network: this.networkName });
      this.selected = null;
      void this.render();
    });
    ui.fitButton.addEventListener('click', () => this.diagram.fit());
    ui.zoomInButton.addEventListener('click', () => this.diagram.zoomIn());
    ui.zoomOutButton.addEventListener('click', () => this.diagram.zoomOut());
    ui.exportSvgButton.addEventListener('click', () => void this.exportSvg());
    ui.exportPngButton.addEventListener('click', () => void this.exportPng());
    ui.exportNetworkButton.addEventListener('click', () => this.host.post({ type: 'exportNetwork', network: this.networkName, ...loadedWeightsFile(this.choices.weights) }));
    ui.runButton.addEventListener('click', () => void this.run());
    ui.cancelButton.addEventListener('click', () => this.running?.abort());
    ui.inputSelect.addEventListener('change', () => void this.chooseInput());
    ui.weightsSelect.addEventListener('change', () => void this.chooseWeights());
    ui.backendSelect.addEventListener('change', () => {
      const value = ui.backendSelect.value;
      this.preferredBackend = value === automatic ? undefined : (value as BackendName);
      this.session?.prefer(this.preferredBackend);
      this.host.saveState({ backend: value });
      void this.showBackends();
    });
    this.wireDrop();
  }

  private receive(message: HostMessage): void {
    if (message.type === 'source') {
      // Weights the host sends after this source: a Run pressed before they come waits for them.
      if (message.weights && !this.announcedWeights) void this.expectWeights(new Promise<void>((resolve) => (this.announcedWeights = (arrival) => void arrival.then(resolve, resolve))));
      this.pendingSource = message;
      this.rendering = this.rendering.then(() => this.takeSource());
    } else if (message.type === 'cursor') {
      this.diagram.highlightLine(message.line);
    } else if (message.type === 'weights') {
      // Imported weights: wait for the imported source, then load them as a picked file.
      this.rendering = this.expectWeights(this.rendering.then(() => this.useWeights({ name: message.name, bytes: message.bytes })));
      this.announcedWeights?.(this.rendering);
      this.announcedWeights = undefined;
    }
  }

  /** Analyses the newest text that arrived and redraws; older ones that queued up are skipped. */
  private async takeSource(): Promise<void> {
    const message = this.pendingSource;
    this.pendingSource = undefined;
    if (!message) return;
    markOnce('source');
    const switched = message.network !== undefined && message.network !== this.networkName;
    if (switched) this.networkName = message.network;
    this.uri = message.uri;
    // The text goes into the state too (when small enough), so a panel restored after a reload draws before the document is open.
    this.host.saveState({ uri: message.uri, network: this.networkName, text: message.text.length <= savedTextLimit ? message.text : undefined });
    // The same text for another network (one the host names, or the one holding the cursor of a new Open Preview) draws that network.
    if (message.text === this.text && this.analysis) {
      if (this.followCursor(message) || switched) await this.render();
      return;
    }
    this.text = message.text;
    this.analysis = analyze(message.text, { graph: true });
    // A syntax error met before chevrotain's parser had loaded (it loads on the first one: ../lazyParser.ts): the
    // text is analysed again once it has, so the diagram and its marks are the editor's, not the reading without it.
    const parserLoading = errorParserLoading();
    if (parserLoading) {
      const loaded = await parserLoading.then(
        () => true,
        () => false,
      );
      if (loaded && this.text === message.text) this.analysis = analyze(message.text, { graph: true });
    }
    this.followCursor(message);
    markOnce('analysed');
    this.ui.title.textContent = message.fileName;
    await this.render();
    if (!this.backendsShown) {
      this.backendsShown = true;
      // After the paint: the menu needs the run session and the engine, which the first diagram does not wait for.
      afterPaint(() => void this.showBackends().catch(() => undefined));
    }
  }

  /**
   * Chooses the network that holds the editor's cursor, when the source says
   * where it is ("Open Preview" without a network named) and it lies in one;
   * a cursor outside every network keeps the one shown. Says whether the
   * choice changed.
   */
  private followCursor(message: Extract<HostMessage, { type: 'source' }>): boolean {
    if (message.network !== undefined || !message.cursor || !this.analysis) return false;
    const at = networkIndexAt(this.analysis, message.cursor);
    const name = at >= 0 ? this.analysis.networks[at].name : undefined;
    if (name === undefined || name === this.networkName) return false;
    this.networkName = name;
    this.host.saveState({ network: name });
    return true;
  }

  /**
   * The network `name` of the plain analysis of the current text. The analysis with graphs expands every repeat pass
   * and block call, so it stops (at the work budget, or past the most layers a graph records) on networks that the
   * plain analysis, which extrapolates repeats and reuses calls, finishes with their totals, as the code lens shows.
   */
  private plainNetwork(name: string): NetworkAnalysis | undefined {
    return this.text === undefined ? undefined : analyze(this.text).networks.find((n) => n.name === name);
  }

  /** Draws the chosen network of the current analysis. */
  private async render(): Promise<void> {
    const analysis = this.analysis;
    if (!analysis) return;
    const graphs = analysis.graphs ?? [];
    const select = this.ui.networkSelect;
    select.replaceChildren(...graphs.map((g) => new Option(g.name, g.name)));
    select.hidden = graphs.length < 2;
    const graph = graphs.find((g) => g.name === this.networkName) ?? graphs[0];
    if (!graph) {
      this.graph = undefined;
      this.ui.totals.textContent = '';
      this.ui.runButton.disabled = true;
      this.ui.runButton.title = noNetworkYet;
      this.showMessages([{ text: 'This file declares no network yet: write `network Name { input(3x32x32) ... }`.', error: false }]);
      return;
    }
    select.value = graph.name;
    if (graph.name !== this.graph?.name) this.selected = null;
    this.graph = graph;
    const network = analysis.networks.find((n) => n.name === graph.name);
    this.ui.totals.textContent = network ? totalsText(network.stopped ? (this.plainNetwork(network.name) ?? network) : network) : '';
    this.graphDiagnostics = this.diagnosticsOf(graph);
    // The input menu and Run's state follow the graph before the diagram is drawn: a Run pressed as soon as the totals
    // show must find this graph's input, not the empty choice the panel starts with.
    this.refreshInputs(graph);
    this.showGraphProblems(graph);
    if (graph.complete) this.lastGood.set(graph.name, graph);
    // A typo should not shrink the diagram to the layers before it: keep the last good one and mark the failing statement on it.
    const kept = graph.complete ? undefined : this.lastGood.get(graph.name);
    const error = this.graphDiagnostics.find((d) => d.severity === 'error');
    const keptNote = kept && error ? `Line ${error.range.start.line + 1}: ${error.message} This is the last diagram that analysed, with that statement marked.` : undefined;
    await this.diagram.update(kept ?? graph, this.graphDiagnostics, keptNote);
    const layout = this.diagram.savedLayout();
    if (layout && layout.structureKey !== this.savedLayoutKey) {
      this.savedLayoutKey = layout.structureKey;
      this.host.saveState({ layout });
      // The extension keeps it for the next panel on this document (src/client/layoutStore.ts).
      this.host.post({ type: 'layout', layout });
    }
    this.diagram.select(this.selected);
    if (this.lastRun && this.lastRun.graph !== graph) this.markStale();
    this.schedulePreparation();
  }

  /**
   * Once the text has rested a moment, gets the shown network ready to run
   * (RunSession.prepare: the backend, the weights, a warm-up pass), so the
   * first Run is as quick as the next. Typing stops it; so does Run, which
   * takes over what is ready. On the side panel, `data-preparing` names the
   * stage under way (engine, input, warm-up) and `data-prepared` says when it
   * is done (for tests and the benchmark).
   */
  private schedulePreparation(): void {
    this.stopPreparation();
    if (this.prepareTimer) clearTimeout(this.prepareTimer);
    delete this.ui.side.dataset.prepared;
    const graph = this.graph;
    if (!graph?.complete || !this.text || !inputKind(graph.nodes[0]?.outShape ?? []).ok) return;
    const source = this.text;
    this.prepareTimer = setTimeout(() => {
      // A running forward pass uses the engine a preparation for another graph would free; the run's end schedules it again.
      if (this.running || graph !== this.graph) return;
      const controller = new AbortController();
      this.preparing = controller;
      const onStage = (stage: string) => {
        if (this.preparing === controller) this.ui.side.dataset.preparing = stage;
      };
      void this.runSession()
        // prepare() never throws; a session that could not load prepares nothing, and Run says why.
        .then((session) => !controller.signal.aborted && session.prepare(graph, source, { signal: controller.signal, keepValues: keptValuesBudget, onStage }))
        .catch(() => false)
        .then((ready) => {
          if (this.preparing !== controller) return;
          this.preparing = undefined;
          delete this.ui.side.dataset.preparing;
          if (!ready) return;
          this.ui.side.dataset.prepared = 'true';
          // The backend note says now how many threads share the convolutions, so the first Run does not move the panel to say it.
          void this.showBackends();
        });
    }, prepareAfterMs);
  }

  /** Stops the background preparation, if one is under way (what it made so far stays for the next run). */
  private stopPreparation(): void {
    this.preparing?.abort();
    this.preparing = undefined;
    delete this.ui.side.dataset.preparing;
  }

  /** The file's diagnostics that fall inside the network's declaration. */
  private diagnosticsOf(graph: NetworkGraph): DiagramDiagnostic[] {
    const analysis = this.analysis!;
    const declaration = analysis.networks.find((n) => n.name === graph.name)?.declaration;
    const range = declaration?.range;
    return analysis.diagnostics
      .filter((d) => !range || (d.range.start.line >= range.start.line && d.range.start.line <= range.end.line))
      .map((d) => ({ range: d.range, severity: d.severity, message: d.message }));
  }

  /** Says before any run why the forward pass cannot run (errors in the network, an input it cannot make), or what it runs despite errors. */
  private showGraphProblems(graph: NetworkGraph): void {
    const problems: Message[] = [];
    if (!graph.complete) {
      const first = this.graphDiagnostics.find((d) => d.severity === 'error');
      const where = first ? ` Line ${first.range.start.line + 1}: ${first.message}` : '';
      problems.push({ text: `Run is off until ${graph.name}'s errors are fixed (the failing statement is marked in the diagram).${where}`, error: true });
    } else {
      // A wrong `->` assertion leaves every shape known: the network runs as the layers compute it.
      const errors = this.graphDiagnostics.filter((d) => d.severity === 'error').length;
      if (errors)
        problems.push({
          text: `${graph.name} has ${errors} error${errors === 1 ? '' : 's'} (marked in the diagram) that leave every shape known; the forward pass runs the layers as they compute.`,
          error: false,
        });
    }
    const kind = inputKind(graph.nodes[0]?.outShape ?? []);
    if (!kind.ok) problems.push({ text: `The forward pass needs an input it can make: ${kind.error}`, error: false });
    this.showMessages(problems);
    this.ui.runButton.disabled = !graph.complete || !kind.ok || this.running !== undefined;
    // A disabled button says why on hover, as the message area does.
    const why = !graph.complete ? 'Run is off: the network has an error (see the message and the marked box).' : !kind.ok ? `Run is off: ${kind.error}` : '';
    this.ui.runButton.title = why || (this.running ? 'A forward pass is running' : 'Run a forward pass and show feature maps');
  }

  /** Replaces the messages about the network; those about the last run or file stay. */
  private showMessages(messages: Message[]): void {
    this.graphMessages = messages;
    this.drawMessages();
  }

  /** Adds a message about a run, a file or an export; cleared when the next run starts. */
  private addMessage(text: string, error: boolean): void {
    this.runMessages.push({ text, error });
    this.drawMessages();
  }

  private drawMessages(): void {
    this.ui.messages.replaceChildren(
      ...[...this.graphMessages, ...this.runMessages].map((m) => {
        const div = document.createElement('div');
        div.className = m.error ? 'message error' : 'message';
        div.textContent = m.text;
        return div;
      }),
    );
  }

  /** Fills the input menu with the samples that fit this input shape, keeping the user's choice when it still fits. */
  private refreshInputs(graph: NetworkGraph): void {
    const shape = graph.nodes[0]?.outShape ?? [];
    const kind = inputKind(shape);
    const select = this.ui.inputSelect;
    const options: HTMLOptionElement[] = kind.ok ? samplesFor(kind.kind).map((s) => new Option(s.label, s.id)) : [];
    const current = this.choices.input;
    if (kind.ok && kind.kind !== 'signal1d') {
      if (current.kind === 'image') options.push(new Option(`Image: ${current.name}`, `image:${current.name}`));
      options.push(new Option('Image from the workspace…', pickImage));
    }
    select.replaceChildren(...options);
    if (current.kind === 'image' && kind.ok && kind.kind !== 'signal1d') select.value = `image:${current.name}`;
    else {
      const fits = (id: string | undefined) => id !== undefined && options.some((o) => o.value === id);
      // The user's own pick stays while it fits the input; otherwise each network starts with the sample made for its shape.
      const picked = this.host.state?.sample;
      const id = fits(picked) ? picked! : kind.ok ? defaultSampleFor(shape) : '';
      this.choices.input = { kind: 'sample', id };
      select.value = id;
    }
    if (this.ui.weightsSelect.options.length === 0) this.ui.weightsSelect.append(new Option('He initialisation (seed 1)', heWeights), new Option('Load weights…', pickWeights));
  }

  private async chooseInput(): Promise<void> {
    const value = this.ui.inputSelect.value;
    if (value === pickImage) {
      const file = await this.host.pickFile('image');
      if (file.bytes && file.name) this.useImage(file.name, file.bytes);
      else if (file.error && file.error !== 'cancelled') this.addMessage(`Could not use that image: ${file.error}`, true);
      if (this.graph) this.refreshInputs(this.graph);
      return;
    }
    if (value.startsWith('image:')) return;
    this.choices.input = { kind: 'sample', id: value };
    this.host.saveState({ sample: value });
    if (this.lastRun) void this.run();
  }

  private useImage(name: string, bytes: Uint8Array): void {
    this.choices.input = { kind: 'image', name, bytes };
    if (this.graph) this.refreshInputs(this.graph);
    if (this.lastRun) void this.run();
  }

  private async chooseWeights(): Promise<void> {
    const select = this.ui.weightsSelect;
    if (select.value === heWeights) {
      this.choices.weights = { kind: 'he', seed: 1 };
      return;
    }
    if (select.value !== pickWeights) return;
    await this.expectWeights(this.pickWeightsFile());
  }

  /** Marks weights as on their way until `arrival` settles (see `weightsArriving`); returns `arrival`. */
  private expectWeights(arrival: Promise<void>): Promise<void> {
    const settled = arrival.catch(() => undefined);
    this.weightsArriving = settled;
    void settled.then(() => {
      if (this.weightsArriving === settled) this.weightsArriving = undefined;
    });
    return arrival;
  }

  /** Asks the host for a weight file and uses it; a cancelled or failed pick keeps the weights in use. */
  private async pickWeightsFile(): Promise<void> {
    const select = this.ui.weightsSelect;
    const file = await this.host.pickFile('weights');
    const previous = this.choices.weights;
    if (!file.bytes || !file.name) {
      if (file.error && file.error !== 'cancelled') this.addMessage(`Could not read the weights: ${file.error}`, true);
      select.value = previous.kind === 'he' ? heWeights : `file:${previous.name}`;
      return;
    }
    this.useWeights({ name: file.name, bytes: file.bytes, extraFiles: file.extraFiles, labels: file.labels });
  }

  /** Makes a weight file the session's weights, adds it to the menu and runs. */
  private useWeights(file: { name: string; bytes: Uint8Array; extraFiles?: { name: string; bytes: Uint8Array }[]; labels?: string[] }): void {
    const select = this.ui.weightsSelect;
    if (file.name.endsWith('.json')) {
      let modelJson: unknown;
      try {
        modelJson = JSON.parse(new TextDecoder().decode(file.bytes));
      } catch (error) {
        this.addMessage(`${file.name} is not JSON: ${(error as Error).message}`, true);
        select.value = heWeights;
        return;
      }
      this.choices.weights = { kind: 'tfjs', name: file.name, modelJson, shards: file.extraFiles ?? [], labels: file.labels };
    } else {
      this.choices.weights = { kind: 'safetensors', name: file.name, bytes: file.bytes, labels: file.labels };
    }
    const label = `Weights: ${file.name}`;
    const option = [...select.options].find((o) => o.value === `file:${file.name}`) ?? new Option(label, `file:${file.name}`);
    if (!option.parentElement) select.insertBefore(option, select.lastElementChild);
    select.value = option.value;
    // A Run pressed while these weights were on their way goes on with them; otherwise loading them runs.
    const waiting = this.waitingForWeights !== undefined && this.waitingForWeights === this.running;
    if (this.graph?.complete && !waiting) void this.run();
  }

  /** Lists the backends with their status and says which one runs, and why. */
  private async showBackends(): Promise<void> {
    const session = await this.runSession();
    const choice: BackendChoice = session.backend ?? (await session.probe());
    const select = this.ui.backendSelect;
    const preferred = this.host.state?.backend ?? automatic;
    const automaticChoice = choice.backends.find((b) => b.name === choice.chosen);
    const threads = session.backend?.chosen === choice.chosen ? (session.threads ?? 1) : 1;
    // Every run ends here: the menu and the note are rebuilt only when they change, so an unchanged toolbar needs no new layout.
    const shown = JSON.stringify([choice, preferred, threads]);
    if (shown === this.backendsShownAs) return;
    this.backendsShownAs = shown;
    select.replaceChildren(
      new Option(`Automatic${automaticChoice ? ` (${automaticChoice.name})` : ''}`, automatic),
      ...choice.backends.map((b) => {
        const option = new Option(`${b.name}: ${b.status}`, b.name);
        option.disabled = !b.available;
        return option;
      }),
    );
    select.value = [...select.options].some((o) => o.value === preferred && !o.disabled) ? preferred : automatic;
    const shared = threads > 1 ? ` Large convolutions are shared by ${threads} threads (${threads - 1} ${threads === 2 ? 'worker' : 'workers'} and the panel).` : '';
    this.ui.backendNote.textContent = `Backend: ${choice.chosen}. ${choice.reason}${shared}`;
  }

  /** Runs the forward pass of the shown network and shows the selected layer. */
  async run(): Promise<void> {
    const graph = this.graph;
    if (!graph || !this.text) return;
    const clicked = performance.now();
    this.running?.abort();
    this.stopPreparation();
    const controller = new AbortController();
    this.running = controller;
    // The last run's kept outputs make room for this run's; its results on screen stay until this one ends.
    this.lastRun?.result.kept?.dispose();
    const ui = this.ui;
    ui.runButton.disabled = true;
    ui.cancelButton.hidden = false;
    ui.progress.hidden = false;
    ui.progress.value = 0;
    this.runMessages = [];
    this.showGraphProblems(graph);
    ui.runButton.disabled = true;
    let progressShown = performance.now();
    let progressPhase: RunProgressPhase | undefined;
    // Until the layers run, the Run says what it waits for (a Run pressed while the panel prepares it waits for that work),
    // once the wait is long enough to read: a warm Run reaches its layers within a frame or two, and the words would flicker.
    const waitShown = setTimeout(() => {
      if (progressPhase === undefined) ui.runStatus.textContent = 'Starting the engine…';
    }, runStatusAfterMs);
    ui.side.dataset.started = String(++this.startedRuns);
    try {
      if (this.weightsArriving) {
        ui.progress.title = 'Waiting for the weights being loaded';
        this.waitingForWeights = controller;
        try {
          await unlessCancelled(this.weightsArriving, controller.signal);
        } finally {
          if (this.waitingForWeights === controller) this.waitingForWeights = undefined;
        }
      }
      const session = await unlessCancelled(this.runSession(), controller.signal);
      const result = await session.run({
        graph,
        source: this.text,
        keep: readDuringRun(this.selected),
        keepValues: keptValuesBudget,
        signal: controller.signal,
        onProgress: (share, phase, count) => {
          const now = performance.now();
          if (phase === progressPhase && now - progressShown < progressEveryMs) return;
          progressShown = now;
          progressPhase = phase;
          ui.progress.value = share;
          ui.progress.title = runProgressTitle(phase, count);
          ui.runStatus.textContent = phase === 'layers' ? '' : `${ui.progress.title}…`;
        },
      });
      if (controller.signal.aborted) {
        result.kept?.dispose();
        return;
      }
      this.lastRun = { graph, result };
      for (const note of result.notes) this.addMessage(note, false);
      const shown = performance.now();
      await this.showBackends();
      await this.showSelected();
      const done = performance.now();
      const sharedMs = result.timings.reduce((sum, timing) => sum + (timing.threads ? timing.ms : 0), 0);
      this.lastRunPhases = { ...result.phases, sharedMs, showMs: done - shown, totalMs: done - clicked };
      ui.side.dataset.runs = String(++this.finishedRuns);
      ui.side.dataset.prepared = 'true';
    } catch (error) {
      // A run replaced by a newer one (a new input, say) was cancelled by the panel, not the user: say nothing.
      if (error instanceof RunCancelledError) {
        if (this.running === controller) this.addMessage('The forward pass was cancelled.', false);
      } else {
        if (error instanceof UnsupportedOpError) this.addMessage(`The forward pass cannot run: ${error.message}.`, true);
        else this.addMessage(`The forward pass failed: ${(error as Error).message ?? String(error)}`, true);
        // Results of an earlier run beside this error would read as this run's: they go.
        this.clearResults('No results: the last run failed (see the message above).');
      }
    } finally {
      clearTimeout(waitShown);
      if (this.running === controller) {
        this.running = undefined;
        ui.cancelButton.hidden = true;
        ui.progress.hidden = true;
        ui.runStatus.textContent = '';
        if (this.graph) this.showGraphProblems(this.graph);
        else ui.runButton.disabled = false;
        if (this.graph !== graph) this.schedulePreparation();
      }
    }
  }

  /**
   * Times a forward pass of the shown network that reads back only its
   * output and keeps nothing for browsing, as the benchmark's yardstick for
   * Run (test/bench/preview.ts). Shows nothing; the milliseconds, or NaN when
   * there is nothing to run.
   */
  async timeOutputOnly(): Promise<number> {
    const graph = this.graph;
    if (!graph?.complete || !this.text) return NaN;
    const session = await this.runSession();
    const start = performance.now();
    await session.run({ graph, source: this.text, keep: [], signal: new AbortController().signal, onProgress: () => undefined });
    return performance.now() - start;
  }

  /** A diagram node was chosen: reveal it in the editor (moving the focus there when asked) and show its feature maps. */
  private onSelect(graphNodes: number[], range: Range, focus: boolean): void {
    this.host.post({ type: 'reveal', uri: this.uri, range, ...(focus ? { focus } : {}) });
    this.selected = graphNodes.length ? graphNodes[graphNodes.length - 1] : null;
    this.host.saveState({ selected: this.selected ?? undefined });
    this.diagram.select(this.selected);
    if (this.lastRun) void this.showSelected();
  }

  /**
   * Shows the selected node's output from the last run (the network's output
   * when nothing is selected): read during the run, or now from the tensors
   * the run kept. A newer selection made while this one is read wins.
   */
  private async showSelected(): Promise<void> {
    const run = this.lastRun;
    if (!run) return;
    const graph = run.graph;
    const id = this.selected ?? graph.output;
    const node = id === null ? undefined : graph.nodes[id];
    const shown = ++this.showing;
    const { renderTiming, renderTopClasses, renderFeatureMaps, renderHistogram, classScoresOutput, toProbabilities, imagenetClassNames } = await this.resultViews();
    const field = this.field!;
    const output: NodeOutput | undefined = id === null ? undefined : (run.result.outputs.get(id) ?? (await run.result.kept?.read(id)));
    if (shown !== this.showing || run !== this.lastRun) return;
    const ui = this.ui;
    const label = (nodeId: number) => {
      const n = graph.nodes[nodeId];
      return n ? `${n.written} (line ${n.range.start.line + 1})` : String(nodeId);
    };
    // A batch norm or ReLU fused into the convolution before it has no time of its own: say where it went.
    const fusedInto = new Map(run.result.timings.flatMap((t) => (t.fusedInto === undefined ? [] : [[t.node, t.fusedInto] as const])));
    const sharedBy = new Map(run.result.timings.flatMap((t) => (t.threads === undefined ? [] : [[t.node, t.threads] as const])));
    const timingLabel = (nodeId: number) => {
      const into = fusedInto.get(nodeId);
      const threads = sharedBy.get(nodeId);
      if (into !== undefined) return `${label(nodeId)}, fused into ${label(into)}`;
      return threads === undefined ? label(nodeId) : `${label(nodeId)}, shared by ${threads} threads`;
    };
    const threads = run.result.threads;
    renderTiming(ui.timing, run.result.timings, timingLabel, run.result.totalMs, threads > 1 ? `${run.result.backend} (${threads} threads)` : run.result.backend);
    const last = graph.output === null ? undefined : graph.nodes[graph.output];
    const scores = last ? classScoresOutput([last.op], run.result.output.shape) : undefined;
    if (scores) {
      const classes = run.result.output.shape[0];
      const names = classNames(this.choices.weights, classes, imagenetClassNames);
      const notes = [scores === 'logits' ? `after a softmax the panel applies: ${last!.op} gives logits` : '', names.source].filter(Boolean);
      renderTopClasses(ui.topClasses, toProbabilities(run.result.output.data, scores), names.labels, notes.length ? `(${notes.join('; ')})` : undefined);
    } else ui.topClasses.replaceChildren();
    if (!node || !output) {
      field.show(graph, undefined);
      ui.layerTitle.textContent = node ? `${label(node.id)}: run again to see this layer (the run kept the outputs that fit its ${withCommas(keptValuesBudget)}-value budget)` : 'Select a layer';
      ui.maps.replaceChildren();
      ui.histogram.replaceChildren();
      return;
    }
    ui.layerTitle.textContent = `${label(node.id)} → ${output.shape.join('x')}`;
    renderFeatureMaps(ui.maps, output);
    field.show(graph, output);
    renderHistogram(ui.histogram, output.data);
  }

  /**
   * Loads what the first diagram's script left out, once that diagram is
   * painted: the run session (which a Run, the preparation and the backend
   * menu need) and the views of a Run's results (with the diagram's hover
   * card), so neither waits for a Run to be fetched.
   */
  private followFirstPaint(): void {
    void this.runSession().catch(() => undefined);
    void this.resultViews().catch(() => undefined);
  }

  /** The run session, loaded once (see `sessionLoading`); after a failed load, the next call tries again. */
  private runSession(): Promise<RunSession> {
    this.sessionLoading ??= import('./runSession').then(
      ({ RunSession }) => {
        const session = new RunSession(this.assetsUrl, this.choices);
        session.prefer(this.preferredBackend);
        session.startWorkersEarly();
        this.session = session;
        return session;
      },
      (error: unknown) => {
        this.sessionLoading = undefined;
        throw error;
      },
    );
    return this.sessionLoading;
  }

  /** The views of a Run's results, loaded once; the receptive field panel and the diagram's hover card are made with them. */
  private resultViews(): Promise<ResultViews> {
    this.resultViewsLoading ??= import('../views/results').then(
      (views) => {
        this.field = new views.ReceptiveFieldPanel(this.ui.maps, {
          highlightPath: (nodes) => this.diagram.highlightPath(nodes),
          input: () => this.session?.lastInput,
          gradient: (unit, options) => this.runSession().then((session) => session.unitGradient(unit, options)),
        });
        new views.ReceptiveFieldHover(
          this.ui.diagram,
          () => this.graph,
          (box) => this.diagram.graphNodesOf(box),
        );
        return views;
      },
      (error: unknown) => {
        // The next Run tries again.
        this.resultViewsLoading = undefined;
        throw error;
      },
    );
    return this.resultViewsLoading;
  }

  /** Removes the last run's results (top classes, maps, histogram, timing), saying why in the layer title. */
  private clearResults(why: string): void {
    this.lastRun?.result.kept?.dispose();
    this.lastRun = undefined;
    this.field?.clear();
    const ui = this.ui;
    for (const view of [ui.topClasses, ui.maps, ui.histogram, ui.timing]) view.replaceChildren();
    ui.layerTitle.textContent = why;
  }

  private markStale(): void {
    this.ui.layerTitle.textContent = 'The network changed: Run again to update the feature maps';
  }

  private wireDrop(): void {
    const hint = this.ui.dropHint;
    const carriesFiles = (event: DragEvent) => event.dataTransfer?.types.includes('Files') ?? false;
    // VS Code's webview frame watches dragenter and dragover too: unless the page
    // took the event (preventDefault), it hands a file drag to the workbench, which
    // then stops pointer events to the panel until a dragend that the panel's
    // drag never sends it. Taking both events keeps the drop, and the clicks, here.
    const accept = (event: DragEvent) => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
      hint.hidden = false;
    };
    document.addEventListener('dragenter', accept);
    document.addEventListener('dragover', accept);
    document.addEventListener('dragleave', (event) => {
      if (event.relatedTarget === null) hint.hidden = true;
    });
    // A drag that ends anywhere (dropped elsewhere, or cancelled with Escape) leaves no hint covering the panel.
    document.addEventListener('dragend', () => (hint.hidden = true));
    document.addEventListener('drop', (event) => {
      event.preventDefault();
      hint.hidden = true;
      const file = event.dataTransfer?.files[0];
      if (!file) return;
      // A model file is imported by the host, as "Import Model…" does: it writes the .cnn file and opens its preview.
      if (isModelFileName(file.name)) {
        this.addMessage(`Importing ${file.name}…`, false);
        void file.arrayBuffer().then((buffer) => this.host.post({ type: 'importModel', name: file.name, bytes: new Uint8Array(buffer) }));
        return;
      }
      void file.arrayBuffer().then((buffer) => this.useImage(file.name, new Uint8Array(buffer)));
    });
  }

  private async exportSvg(): Promise<void> {
    const svg = this.diagram.exportSvg();
    await this.save(`${this.graph?.name ?? 'network'}.svg`, new TextEncoder().encode(svg));
  }

  private async exportPng(): Promise<void> {
    const blob = await this.diagram.exportPng();
    await this.save(`${this.graph?.name ?? 'network'}.png`, new Uint8Array(await blob.arrayBuffer()));
  }

  private async save(name: string, bytes: Uint8Array): Promise<void> {
    const answer = await this.host.save(name, bytes);
    if (answer.path) this.addMessage(`Saved ${answer.path}.`, false);
    else if (answer.error && answer.error !== 'cancelled') this.addMessage(`Could not save ${name}: ${answer.error}`, true);
  }
}

/** Whether a dropped file is a model to import (ONNX, Keras archive) rather than an input image. */
export function isModelFileName(name: string): boolean {
  return /\.(onnx|keras)$/i.test(name);
}

/** The panel's one line of totals; a network whose analysis stopped part-way (too-large) has none, rather than the sums of what came before the stop. */
function totalsText(network: NetworkAnalysis): string {
  if (network.stopped) return 'totals unknown (the analysis stopped part-way) · output ?';
  const params = network.params.trainable + network.params.nonTrainable;
  return `${withCommas(params)} parameters · ${withCommas(network.macs)} MACs · output ${network.output ? network.output.join('x') : '?'}`;
}
