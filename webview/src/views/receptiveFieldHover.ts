/**
 * The diagram's receptive-field card: hovering a box shows its layer's field
 * size, jump and start (from the core's graphReceptiveFields, the same rules
 * as the editor's hover) and a small sketch of the field on the input grid:
 * the input, unit 0's field (centred on `start`, `size` wide) and the centres
 * of the units, `jump` apart.
 */
import { graphReceptiveFields, formatNumber, type NetworkGraph, type ReceptiveField } from '../../../src/core';
import { injectStyle } from '../styles/theme';
import { element, svgElement } from './dom';
import { receptiveFieldCss } from './receptiveFieldView';

const signed = (v: number) => (v < 0 ? `\u2212${formatNumber(-v)}` : formatNumber(v));

/** "212x212, jump 32x32, start (15.5, 15.5)". */
export function fieldFacts(field: ReceptiveField): string {
  return `${field.size.map(formatNumber).join('x')}, jump ${field.jump.map(formatNumber).join('x')}, start (${field.start.map(signed).join(', ')})`;
}

/** The sketch: the input's last two axes (or its one axis), unit 0's field, and the centres of up to 12 units per axis. */
export function fieldSketch(field: ReceptiveField, inputSizes: number[]): SVGSVGElement {
  const axes = field.size.length;
  const pick = (values: number[]) => (axes === 1 ? [0, values[0]] : values.slice(-2));
  const [height, width] = axes === 1 ? [Math.max(1, inputSizes[0] / 8), inputSizes[0]] : inputSizes.slice(-2);
  const [sizeY, sizeX] = axes === 1 ? [height, field.size[0]] : pick(field.size);
  const [startY, startX] = axes === 1 ? [height / 2 - 0.5, field.start[0]] : pick(field.start);
  const [jumpY, jumpX] = axes === 1 ? [height, field.jump[0]] : pick(field.jump);
  const left = startX + 0.5 - sizeX / 2;
  const top = startY + 0.5 - sizeY / 2;
  const x0 = Math.min(0, left);
  const y0 = Math.min(0, top);
  const x1 = Math.max(width, left + sizeX);
  const y1 = Math.max(height, top + sizeY);
  const svg = svgElement('svg', { viewBox: `${x0} ${y0} ${x1 - x0} ${y1 - y0}`, 'data-testid': 'rf-sketch', role: 'img', 'aria-label': 'The field of unit 0 on the input grid' });
  svg.append(svgElement('rect', { x: 0, y: 0, width, height, class: 'rf-padding' }));
  const dot = Math.max(x1 - x0, y1 - y0) / 60;
  const cols = Math.min(12, Math.max(1, Math.floor((width - 1 - startX) / jumpX) + 1));
  const rows = axes === 1 ? 1 : Math.min(12, Math.max(1, Math.floor((height - 1 - startY) / jumpY) + 1));
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) svg.append(svgElement('circle', { cx: startX + 0.5 + c * jumpX, cy: startY + 0.5 + r * jumpY, r: dot, class: 'rf-grid' }));
  }
  svg.append(svgElement('rect', { x: left, y: top, width: sizeX, height: sizeY, fill: 'none', class: 'rf-window', 'vector-effect': 'non-scaling-stroke', 'data-testid': 'rf-sketch-field' }));
  return svg;
}

/** Shows the card while the pointer is over a box of the diagram in `container`. */
export class ReceptiveFieldHover {
  private readonly card: HTMLElement;
  private fieldsOf: { graph: NetworkGraph; fields: (ReceptiveField | null)[] } | undefined;

  constructor(
    container: HTMLElement,
    private readonly graph: () => NetworkGraph | undefined,
    private readonly graphNodesOf: (boxId: string) => number[],
  ) {
    injectStyle('rf-style', receptiveFieldCss);
    this.card = element('div', { class: 'rf-card', 'data-testid': 'rf-card' });
    this.card.hidden = true;
    // The card sits in the diagram's corner; the diagram section is the positioned box.
    if (getComputedStyle(container).position === 'static') container.style.position = 'relative';
    container.append(this.card);
    container.addEventListener('mouseover', (event) => this.over(event));
    container.addEventListener('mouseleave', () => (this.card.hidden = true));
  }

  private fields(graph: NetworkGraph): (ReceptiveField | null)[] {
    if (this.fieldsOf?.graph !== graph) this.fieldsOf = { graph, fields: graphReceptiveFields(graph) };
    return this.fieldsOf.fields;
  }

  private over(event: MouseEvent): void {
    const box = event.target instanceof Element ? event.target.closest('.cnnd-node') : null;
    const graph = this.graph();
    if (!box || !graph) {
      if (!box) this.card.hidden = true;
      return;
    }
    const id = this.graphNodesOf(box.getAttribute('data-id') ?? '').at(-1);
    const node = id === undefined ? undefined : graph.nodes[id];
    const field = id === undefined ? null : (this.fields(graph)[id] ?? null);
    if (!node) {
      this.card.hidden = true;
      return;
    }
    const title = element('strong', {}, `${node.written} (line ${node.range.start.line + 1})`);
    if (!field) {
      this.card.replaceChildren(
        title,
        element('div', { 'data-testid': 'rf-card-facts' }, node.outShape.length < 2 ? 'No spatial axes: each output sees the whole input.' : 'No receptive field (the layer failed).'),
      );
      this.card.hidden = false;
      return;
    }
    const facts = element('div', { 'data-testid': 'rf-card-facts' }, `Receptive field ${fieldFacts(field)}`);
    const parts: Node[] = [title, facts];
    if (field.gate !== undefined) parts.push(element('div', { class: 'rf-warning' }, `Through the gate ${field.gate}, each unit depends on the whole input; the numbers are the local field.`));
    parts.push(fieldSketch(field, graph.nodes[0].outShape.slice(1)), element('div', {}, 'Dashed: unit 0’s field on the input (grey); dots: the units’ centres.'));
    this.card.replaceChildren(...parts);
    this.card.hidden = false;
  }
}
