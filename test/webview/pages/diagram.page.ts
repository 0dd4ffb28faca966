/**
 * Exposes a DiagramView to the browser test (test/webview/diagram.test.ts):
 * the page analyses the source itself, as the panel's data arrives already
 * analysed, and reports the drawing as plain data read from the DOM.
 */
import { analyze } from '../../../src/core';
import { DiagramView } from '../../../webview/src/diagram/view';
import type { DiagramPage, Drawn, Selection } from './diagram.api';

declare global {
  interface Window {
    diagramPage: DiagramPage;
  }
}

const container = document.createElement('div');
container.id = 'diagram';
// A fixed size like a panel's, so fit and zoom have something to measure.
container.style.cssText = 'position: absolute; left: 0; top: 0; width: 800px; height: 600px;';
document.body.appendChild(container);

const selections: Selection[] = [];
let view: DiagramView | undefined;

function ids(selector: string, attribute = 'data-id'): string[] {
  return [...container.querySelectorAll(selector)].map((e) => e.getAttribute(attribute) ?? '');
}

function drawn(): Drawn {
  return {
    nodes: ids('.cnnd-node'),
    frames: ids('.cnnd-frame', 'data-group').map(Number),
    collapsedBoxes: ids('.cnnd-node.cnnd-collapsed'),
    errorBoxes: ids('.cnnd-node.cnnd-sev-error'),
    highlighted: ids('.cnnd-node.cnnd-highlight'),
    highlightedFrames: ids('.cnnd-frame.cnnd-highlight', 'data-group').map(Number),
    selected: ids('.cnnd-node.cnnd-selected'),
    transform: container.querySelector('.cnnd-layer')?.getAttribute('transform') ?? '',
    layoutRuns: view?.layoutRuns ?? 0,
    collapsed: view?.collapsed() ?? [],
  };
}

function theView(): DiagramView {
  view ??= new DiagramView(container, { onSelect: (selection) => selections.push(selection) });
  return view;
}

window.diagramPage = {
  selections,
  async update(text) {
    const analysis = analyze(text, { graph: true });
    const graph = analysis.graphs?.[0];
    if (!graph) throw new Error('the text has no network');
    const start = performance.now();
    await theView().update(graph, analysis.diagnostics);
    return { ...drawn(), ms: performance.now() - start };
  },
  drawn,
  highlightLine(line) {
    theView().highlightLine(line);
    return drawn();
  },
  select(graphNodeId) {
    theView().select(graphNodeId);
    return drawn();
  },
  zoomIn() {
    theView().zoomIn();
    return drawn();
  },
  async settled() {
    await theView().settled();
    return drawn();
  },
  async setCollapsed(list) {
    theView().setCollapsed(list);
    await theView().settled();
    return drawn();
  },
  exportSvg() {
    const text = theView().exportSvg();
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    const error = doc.querySelector('parsererror');
    const root = doc.documentElement;
    return {
      length: text.length,
      parseError: error ? error.textContent : null,
      rootName: root.namespaceURI === 'http://www.w3.org/2000/svg' ? root.localName : `${root.namespaceURI} ${root.localName}`,
      width: Number(root.getAttribute('width')),
      height: Number(root.getAttribute('height')),
      titles: [...doc.querySelectorAll('.cnnd-title')].map((e) => e.firstChild?.textContent ?? ''),
      usesCssVariables: text.includes('var(--'),
    };
  },
  async exportPng() {
    const blob = await theView().exportPng();
    const bytes = new Uint8Array(await blob.arrayBuffer());
    const image = await createImageBitmap(blob);
    return { type: blob.type, size: blob.size, signature: [...bytes.slice(0, 8)], width: image.width, height: image.height };
  },
  boxFill: () => getComputedStyle(container.querySelector('.cnnd-box')!).fill,
  probe: (list) => list.forEach((id) => container.querySelector(`.cnnd-node[data-id="${id}"]`)?.setAttribute('data-probe', '')),
  probed: (list) => list.map((id) => container.querySelector(`.cnnd-node[data-id="${id}"]`)?.hasAttribute('data-probe') ?? false),
  async restoredLayoutRuns(text) {
    const graph = analyze(text, { graph: true }).graphs![0];
    const first = new DiagramView(container, { onSelect: () => undefined });
    await first.update(graph, []);
    const saved = JSON.parse(JSON.stringify(first.savedLayout()));
    first.dispose();
    const restored = new DiagramView(container, { onSelect: () => undefined });
    restored.seedLayout(saved);
    await restored.update(graph, []);
    const result = { layoutRuns: restored.layoutRuns, boxes: container.querySelectorAll('.cnnd-node').length };
    restored.dispose();
    return result;
  },
  async firstDrawing(text) {
    const graph = analyze(text, { graph: true }).graphs![0];
    const own = document.createElement('div');
    own.style.cssText = container.style.cssText;
    document.body.appendChild(own);
    const fresh = new DiagramView(own, { onSelect: () => undefined });
    const state = () => ({ boxes: own.querySelectorAll('.cnnd-node').length, layout: own.querySelector('.cnnd-root')?.getAttribute('data-layout') ?? '', saved: fresh.savedLayout() !== undefined });
    const drawing = fresh.update(graph, []);
    const atOnce = state();
    await drawing;
    const settled = { ...state(), layoutRuns: fresh.layoutRuns };
    fresh.dispose();
    own.remove();
    return { atOnce, settled };
  },
  async pointedFirstDrawing(text, index) {
    const graph = analyze(text, { graph: true }).graphs![0];
    const own = document.createElement('div');
    own.style.cssText = container.style.cssText;
    document.body.appendChild(own);
    const fresh = new DiagramView(own, { onSelect: () => undefined });
    const drawing = fresh.update(graph, []);
    const box = () => own.querySelectorAll<SVGGElement>('.cnnd-node')[index];
    const placed = () => {
      const element = box();
      const rect = element.getBoundingClientRect();
      const panel = own.getBoundingClientRect();
      const [x, y] = (/translate\(([-\d.]+),([-\d.]+)\)/.exec(element.getAttribute('transform') ?? '') ?? []).slice(1).map(Number);
      const size = element.querySelector<SVGRectElement>('.cnnd-box')!;
      return {
        id: element.getAttribute('data-id') ?? '',
        screen: { x: rect.left + rect.width / 2 - panel.left, y: rect.top + rect.height / 2 - panel.top },
        drawing: { x: x + size.width.baseVal.value / 2, y: y + size.height.baseVal.value / 2 },
      };
    };
    const provisional = placed();
    const root = own.querySelector('.cnnd-root')!;
    const rect = box().getBoundingClientRect();
    root.dispatchEvent(new PointerEvent('pointermove', { bubbles: true, clientX: rect.left + rect.width / 2, clientY: rect.top + rect.height / 2 }));
    await drawing;
    const result = { provisional, final: placed(), layout: root.getAttribute('data-layout') ?? '' };
    fresh.dispose();
    own.remove();
    return result;
  },
  fit() {
    theView().fit();
    return drawn();
  },
  textSizes() {
    const panel = container.getBoundingClientRect();
    return [...container.querySelectorAll<SVGTextElement>('.cnnd-node text')].map((text) => {
      const rect = text.getBoundingClientRect();
      return {
        text: text.textContent ?? '',
        fontPx: parseFloat(getComputedStyle(text).fontSize),
        scale: text.getScreenCTM()?.a ?? 0,
        height: rect.height,
        visible: rect.bottom > panel.top && rect.top < panel.bottom && rect.right > panel.left && rect.left < panel.right,
      };
    });
  },
  drawingBox() {
    const panel = container.getBoundingClientRect();
    const rect = container.querySelector('.cnnd-layer')!.getBoundingClientRect();
    return { left: rect.left - panel.left, right: rect.right - panel.left, top: rect.top - panel.top, panelWidth: panel.width };
  },
  dispose() {
    theView().dispose();
    view = undefined;
    return container.childElementCount === 0;
  },
};
