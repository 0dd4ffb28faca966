/**
 * "What does this pixel see?": click a pixel of any feature map and the panel
 * shows that unit's receptive field, in a section above the maps (moving over
 * the maps with Shift held shows the theoretical field alone, which is cheap).
 * - The theoretical field from the core (`unitWindow`: the window, which may
 *   run into the padding, and the positions the unit really reads), drawn on
 *   the input.
 * - The layers on every path that reaches the unit, marked in the diagram
 *   (`unitPaths`), with the merges whose paths see the input around different
 *   centres and the gates through which the unit sees the whole input.
 * - The effective field: the gradient of the unit with respect to the input
 *   for the current weights and input (engine/unitGradient.ts), as a heat map,
 *   with the share of the theoretical field that holds 50% and 95% of its mass.
 */
import { unitPaths, unitWindow, type NetworkGraph, type UnitPaths, type UnitWindow } from '../../../src/core';
import type { NodeOutput } from '../engine/runner';
import type { GradientOptions, Unit, UnitGradient } from '../engine/unitGradient';
import { injectStyle } from '../styles/theme';
import { element } from './dom';
import { gradientMass, massShares } from './receptiveFieldStats';
import { fieldPicture, receptiveFieldCss } from './receptiveFieldView';

/** What the part needs from the rest of the panel. */
export interface ReceptiveFieldSources {
  /** Marks the diagram's boxes for these graph nodes; null clears the marks. */
  highlightPath(graphNodes: ReadonlySet<number> | null): void;
  /** The input of the last run, channels first. */
  input(): { data: Float32Array; shape: number[] } | undefined;
  /** The unit's input gradient for the last run's weights and input; it gives the page back between layers, reports progress and stops on the signal. */
  gradient(unit: Unit, options: Pick<GradientOptions, 'signal' | 'onProgress'>): Promise<UnitGradient>;
}

/** A unit the user picked, with everything the core says about it. */
interface Picked {
  unit: Unit;
  field: UnitWindow;
  paths: UnitPaths;
  /** Whether the effective field was asked for (a click), or only the theoretical one (Shift + move). */
  withGradient: boolean;
}

const percent = (share: number) => `${share < 0.001 ? (share * 100).toFixed(3) : share < 0.1 ? (share * 100).toFixed(2) : (share * 100).toFixed(1)}%`;
const count = (n: number) => n.toLocaleString('en-US');

/** `rows 3–9, columns −2–4` style ranges, with the axis names of the input's rank. */
function rangesText(ranges: [number, number][]): string {
  const names = ranges.length === 1 ? ['positions'] : ranges.length === 2 ? ['rows', 'columns'] : ['frames', 'rows', 'columns'];
  const signed = (v: number) => (v < 0 ? `\u2212${-v}` : String(v));
  return ranges.map(([lo, hi], axis) => `${names[axis]} ${signed(lo)}–${signed(hi)}`).join(', ');
}

function sizeText(ranges: [number, number][]): string {
  return ranges.map(([lo, hi]) => hi - lo + 1).join('x');
}

function where(graph: NetworkGraph, id: number): string {
  const node = graph.nodes[id];
  return node.op === 'input' ? 'the input' : `${node.written} (line ${node.range.start.line + 1})`;
}

/** The unit a pointer event over a feature-map canvas points at, or undefined elsewhere. */
function unitUnderPointer(event: MouseEvent, nodeId: number, shape: number[], maps: HTMLElement): Unit | undefined {
  const canvas = event.target instanceof HTMLCanvasElement && event.target.dataset.testid === 'feature-map' ? event.target : undefined;
  if (!canvas || shape.length < 2 || shape.length > 4) return undefined;
  const box = canvas.getBoundingClientRect();
  if (box.width === 0 || box.height === 0) return undefined;
  const column = Math.min(canvas.width - 1, Math.max(0, Math.floor(((event.clientX - box.left) / box.width) * canvas.width)));
  const row = Math.min(canvas.height - 1, Math.max(0, Math.floor(((event.clientY - box.top) / box.height) * canvas.height)));
  return unitOfCanvas(canvas, nodeId, shape, maps, row, column);
}

/** The unit at `at` of a focused feature-map canvas (the keyboard's cursor), in the same terms as `unitUnderPointer`. */
function unitOfCanvas(canvas: HTMLCanvasElement, nodeId: number, shape: number[], maps: HTMLElement, row: number, column: number): Unit | undefined {
  if (shape.length < 2 || shape.length > 4) return undefined;
  const channel = Number(canvas.dataset.channel);
  if (shape.length === 2) return { node: nodeId, channel, at: [column] };
  if (shape.length === 3) return { node: nodeId, channel, at: [row, column] };
  const slider = maps.querySelector<HTMLInputElement>('[data-testid="frame-slider"]');
  const frame = slider ? Number(slider.value) : Math.floor(shape[1] / 2);
  return { node: nodeId, channel, at: [frame, row, column] };
}

/** The receptive-field section of the side panel, above the feature maps. */
export class ReceptiveFieldPanel {
  readonly section: HTMLElement;
  private graph: NetworkGraph | undefined;
  private output: NodeOutput | undefined;
  private picked: Picked | undefined;
  /** Bumped by every pick and clear: a gradient that returns after a newer pick is dropped. */
  private generation = 0;
  /** Stops the effective field being computed (a newer pick, a clear, or Cancel). */
  private computing: AbortController | undefined;
  /** Announces the unit the keyboard picked, for screen readers. */
  private readonly announcer: HTMLElement;

  constructor(
    private readonly maps: HTMLElement,
    private readonly sources: ReceptiveFieldSources,
  ) {
    injectStyle('rf-style', receptiveFieldCss);
    this.section = element('section', { class: 'rf-section', 'data-testid': 'rf-section', 'aria-label': 'Receptive field' });
    this.section.hidden = true;
    // Above the maps, so the field shows where the eye is, however many maps there are.
    maps.before(this.section);
    maps.addEventListener('click', (event) => this.pointAt(event, true));
    // Shift + move: the theoretical field follows the pointer. The gradient waits for a click: it costs about a
    // forward and a backward pass (seconds for VGG-16 on WASM), computed layer by layer between the page's events.
    maps.addEventListener('mousemove', (event) => {
      if (event.shiftKey) this.pointAt(event, false);
    });
    // The keyboard: a focused map's arrow keys move the picked unit (its theoretical field, as Shift + move), Enter or Space computes the effective field too.
    this.announcer = element('p', { class: 'rf-announcer', 'data-testid': 'rf-announcer', role: 'status', 'aria-live': 'polite' });
    maps.before(this.announcer);
    maps.addEventListener('keydown', (event) => this.keyAt(event));
  }

  private keyAt(event: KeyboardEvent): void {
    const { graph, output } = this;
    const canvas = event.target instanceof HTMLCanvasElement && event.target.dataset.testid === 'feature-map' ? event.target : undefined;
    if (!graph || !output || !canvas) return;
    const moves: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    const move = moves[event.key];
    const pick = event.key === 'Enter' || event.key === ' ';
    if (!move && !pick) return;
    event.preventDefault();
    const channel = Number(canvas.dataset.channel);
    // The cursor starts on the picked unit when it is on this map, else at the map's centre.
    const current = this.picked?.unit.channel === channel && this.picked.unit.node === output.node ? this.picked.unit.at.slice(-2) : undefined;
    const rows = output.shape.length === 2 ? 1 : canvas.height;
    let [row, column] = current ? (current.length === 1 ? [0, current[0]] : current) : [Math.floor((rows - 1) / 2), Math.floor((canvas.width - 1) / 2)];
    if (move) {
      row = Math.min(rows - 1, Math.max(0, row + move[0]));
      column = Math.min(canvas.width - 1, Math.max(0, column + move[1]));
    }
    const unit = unitOfCanvas(canvas, output.node, output.shape, this.maps, row, column);
    if (!unit) return;
    const same = this.picked && this.picked.unit.channel === unit.channel && this.picked.unit.at.every((i, axis) => i === unit.at[axis]);
    if (!(same && move && this.picked?.withGradient)) this.pick(graph, unit, pick || (same === true && this.picked!.withGradient));
    const field = this.picked?.field;
    this.announcer.textContent = field
      ? `Channel ${unit.channel}, position (${unit.at.join(', ')}): the field is ${rangesText(field.window)}${field.visible ? `, reading ${rangesText(field.visible)} of the input` : ', only padding'}.${pick ? ' Computing the effective field.' : ''}`
      : `Channel ${unit.channel}, position (${unit.at.join(', ')}): no receptive field.`;
  }

  /**
   * The feature maps now show `output` of a node of `graph`: a pick on another
   * node or graph is cleared; after a new run of the same node (another
   * input, other weights) the picked unit is shown again with the new values.
   */
  show(graph: NetworkGraph, output: NodeOutput | undefined): void {
    const sameNode = this.graph === graph && output !== undefined && this.output?.node === output.node;
    const newValues = this.output !== output;
    const previous = this.picked;
    this.graph = graph;
    this.output = output;
    if (!sameNode) this.clear();
    else if (previous && newValues) this.pick(graph, previous.unit, previous.withGradient);
  }

  /** Removes the field and the diagram's marks. */
  clear(): void {
    this.generation++;
    this.computing?.abort();
    this.computing = undefined;
    this.picked = undefined;
    this.section.hidden = true;
    this.section.replaceChildren();
    this.sources.highlightPath(null);
  }

  private pointAt(event: MouseEvent, withGradient: boolean): void {
    const { graph, output } = this;
    if (!graph || !output) return;
    const unit = unitUnderPointer(event, output.node, output.shape, this.maps);
    if (!unit) return;
    const current = this.picked;
    const same = current && current.unit.channel === unit.channel && current.unit.at.every((i, axis) => i === unit.at[axis]);
    if (same && (!withGradient || current.withGradient)) return;
    this.pick(graph, unit, withGradient);
  }

  /** Shows the field of `unit` of the current node, and its effective field when `withGradient`. */
  pick(graph: NetworkGraph, unit: Unit, withGradient = true): void {
    const generation = ++this.generation;
    // A new pick cancels the effective field still being computed for the last one.
    this.computing?.abort();
    this.computing = undefined;
    const field = unitWindow(graph, unit.node, unit.at);
    const paths = unitPaths(graph, unit.node, unit.at);
    const input = this.sources.input();
    if (!field || !paths || !input) {
      this.picked = undefined;
      this.section.hidden = false;
      this.section.replaceChildren(
        element(
          'p',
          { class: 'rf-text rf-error', 'data-testid': 'rf-error' },
          `No receptive field for unit (${unit.at.join(', ')}): ${!input ? 'run the network first' : 'it cannot be traced back to the input'}.`,
        ),
      );
      return;
    }
    this.picked = { unit, field, paths, withGradient };
    this.sources.highlightPath(new Set(paths.nodes));
    this.draw(graph, input);
    if (withGradient) void this.effective(graph, input, generation);
  }

  private draw(graph: NetworkGraph, input: { data: Float32Array; shape: number[] }): void {
    const { unit, field, paths } = this.picked!;
    const node = graph.nodes[unit.node];
    const section = this.section;
    section.hidden = false;
    section.dataset.node = String(unit.node);
    section.dataset.unit = [unit.channel, ...unit.at].join(',');
    const title = element(
      'h3',
      { 'data-testid': 'rf-title' },
      `Receptive field of channel ${unit.channel}, position (${unit.at.join(', ')}) of ${where(graph, unit.node)} → ${node.outShape.join('x')}`,
    );
    const sizes = input.shape.slice(1);
    const padding = field.window.some(([lo, hi], axis) => lo < 0 || hi > sizes[axis] - 1);
    const reads = field.visible
      ? `It reads ${rangesText(field.visible)} of the input (${sizeText(field.visible)}, solid outline)${padding ? '; the rest of the window is padding (hatched, dashed outline)' : ''}.`
      : 'It reads only padding: no input position reaches it.';
    const windowText = element('p', { class: 'rf-text', 'data-testid': 'rf-window-text' }, `Theoretical field: the window ${rangesText(field.window)} (${sizeText(field.window)}). ${reads}`);
    const pathLines: HTMLElement[] = [
      element('p', { class: 'rf-text', 'data-testid': 'rf-paths' }, `The diagram marks the ${paths.nodes.length - 1} layer${paths.nodes.length === 2 ? '' : 's'} on the paths that reach this unit.`),
    ];
    for (const gate of paths.gates) {
      pathLines.push(
        element(
          'p',
          { class: 'rf-text rf-warning', 'data-testid': 'rf-gate' },
          `Through the gate ${where(graph, gate)}, the unit depends on the whole input; the window above is the local field without the gate.`,
        ),
      );
    }
    for (const disagreement of paths.disagreements) {
      const each = disagreement.paths.map((p) => `from ${where(graph, p.from)} centred on (${p.centre.join(', ')}), ${sizeText(p.window)}`).join('; ');
      pathLines.push(
        element(
          'p',
          { class: 'rf-text rf-warning', 'data-testid': 'rf-disagreement' },
          `The paths into ${where(graph, disagreement.merge)} disagree on where this unit looks: ${each}. The window is their union.`,
        ),
      );
    }
    const pictures = element('div', { class: 'rf-pictures' });
    const theoretical = element('figure');
    theoretical.append(...fieldPicture({ input, window: field.window, visible: field.visible, testId: 'rf-input' }), element('figcaption', {}, 'The input, with the theoretical field'));
    const effective = element('figure', { 'data-testid': 'rf-effective-figure' });
    effective.append(element('figcaption', { 'data-testid': 'rf-erf' }, this.picked!.withGradient ? 'Effective field: computing the gradient…' : 'Effective field: click the pixel to compute it.'));
    pictures.append(theoretical, effective);
    section.replaceChildren(title, windowText, ...pathLines, pictures);
  }

  private async effective(graph: NetworkGraph, input: { data: Float32Array; shape: number[] }, generation: number): Promise<void> {
    const picked = this.picked;
    if (!picked) return;
    // Let the theoretical field and the "computing" caption paint first: on WASM and the CPU each layer holds the thread.
    await new Promise((done) => setTimeout(done, 30));
    if (generation !== this.generation) return;
    const controller = new AbortController();
    this.computing = controller;
    const caption = () => this.section.querySelector<HTMLElement>('[data-testid="rf-erf"]');
    const progress = element('progress', { 'data-testid': 'rf-progress', max: '1', value: '0', 'aria-label': 'Effective field computed' });
    const cancel = element('button', { type: 'button', 'data-testid': 'rf-cancel' }, 'Cancel');
    cancel.addEventListener('click', () => controller.abort());
    this.section.querySelector('[data-testid="rf-effective-figure"]')?.append(progress, cancel);
    let result: UnitGradient;
    try {
      result = await this.sources.gradient(picked.unit, {
        signal: controller.signal,
        // The gradient gives the page back between layers: the diagram and the maps answer meanwhile.
        onProgress: (done, total) => {
          progress.value = done / total;
          const text = caption();
          if (text && generation === this.generation)
            text.textContent = `Effective field: computing the gradient… ${Math.round((100 * done) / total)}% (layer by layer; another pick or Cancel stops it)`;
        },
      });
    } catch (error) {
      if (generation !== this.generation) return;
      progress.remove();
      cancel.remove();
      const text = caption();
      if (text)
        text.textContent = controller.signal.aborted
          ? 'Effective field: cancelled. Click the pixel (or press Enter on it) to compute it.'
          : `The effective field could not be computed: ${(error as Error).message ?? String(error)}.`;
      return;
    } finally {
      if (this.computing === controller) this.computing = undefined;
    }
    if (generation !== this.generation) return;
    const figure = this.section.querySelector<HTMLElement>('[data-testid="rf-effective-figure"]');
    if (!figure) return;
    const mass = gradientMass(result.gradient, result.shape);
    const sizes = result.shape.slice(1);
    const { field } = picked;
    const done = element('figcaption', { 'data-testid': 'rf-erf' });
    figure.dataset.value = String(result.value);
    if (!field.visible) {
      done.textContent = 'Effective field: the unit reads only padding, so its gradient is zero.';
      figure.replaceChildren(done);
      return;
    }
    const shares = massShares(mass, sizes, field.visible);
    const unitName = sizes.length === 1 ? 'positions' : sizes.length === 3 ? 'voxels' : 'pixels';
    if (shares.total === 0) {
      done.textContent = `Effective field: the gradient of this unit is zero everywhere for these weights and this input (its value is ${result.value.toPrecision(4)}; after a ReLU that is a unit that is off). Try another unit or input.`;
      figure.replaceChildren(done);
      return;
    }
    const [half, most] = shares.levels;
    done.textContent =
      `Effective field (|∂unit/∂input| summed over channels, these weights and input): ` +
      `50% of the gradient mass lies in ${count(half.positions)} ${unitName}, ${percent(half.share)} of the theoretical field; ` +
      `95% in ${count(most.positions)}, ${percent(most.share)}. ` +
      `(The smallest set of ${unitName}, heaviest first, over the ${count(shares.fieldPositions)} that the unit reads.)`;
    figure.dataset.half = String(half.share);
    figure.dataset.most = String(most.share);
    figure.replaceChildren(...fieldPicture({ input, window: field.window, visible: field.visible, mass, testId: 'rf-effective' }), done);
    if (shares.outside > 1e-6 * shares.total) {
      figure.append(
        element(
          'p',
          { class: 'rf-text rf-error' },
          `${percent(shares.outside / shares.total)} of the gradient lies outside the theoretical field: please report this, it contradicts the field's computation.`,
        ),
      );
    }
  }
}
