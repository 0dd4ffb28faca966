/**
 * The live diagram of the preview panel: builds the model, lays it out
 * (through a cache keyed by structure, so edits that change only numbers skip
 * ELK), draws it as SVG, and turns clicks into selections and group toggles.
 * The panel controller owns everything else (messages, state, toolbar).
 */
import type { Range, NetworkGraph } from '../../../src/core';
import { diagramPageCss, svgCss } from '../styles/diagramCss';
import { injectStyle, livePalette, resolvedPalette } from '../styles/theme';
import { standaloneSvg, svgToPng } from './export';
import type { SavedLayout } from '../../../src/protocol/preview';
import { LayoutCache, elkIsWarm, saveLayout, warmUpLayout, type Box, type DiagramLayout } from './layout';
import { quickLayout } from './quickLayout';
import { boxOfGraphNode, matchLine } from './lookup';
import { buildDiagramModel, type DiagramDiagnostic, type DiagramModel, type DiagramNode } from './model';
import { diagramParts, escapeXml, svgDefs, type DiagramParts, type RenderState } from './render';
import { Viewport, type Transform } from './viewport';
import { afterPaint, markAfterPaint, markOnce } from '../marks';

export type { DiagramDiagnostic } from './model';

/** What the diagram reports to its owner. */
export interface DiagramCallbacks {
  /**
   * A node (or collapsed group) was chosen: reveal its statement in the
   * editor and select it for feature maps. `graphNodes` are the graph node
   * ids it stands for, in graph order; the last one is the output to show.
   * `focus` is true for a double-click or Enter, which move the focus to the
   * editor; a single click or an arrow key leaves it in the diagram.
   */
  onSelect(selection: { id: string; graphNodes: number[]; range: Range; focus: boolean }): void;
  /** The user collapsed or expanded a group; `ids` is the new `collapsed()` list, to save in webview state. */
  onCollapsedChange?(ids: number[]): void;
  /** The first drawing is on screen (painted: see ../marks.ts), once per view; the panel loads what it left out then. */
  onFirstPaint?(): void;
}

const svgNamespace = 'http://www.w3.org/2000/svg';
/** Zoom steps of the toolbar buttons and the + and - keys. */
const zoomStep = 1.25;
/**
 * ELK runs on the panel's only thread: past this many boxes a layout takes
 * seconds, during which the panel would not respond, so the view falls back to
 * the default collapse, and says so when even that is too many.
 */
export const maxDrawnBoxes = 1500;

/** The diagram of one network inside `container`, which it fills. */
export class DiagramView {
  private readonly root: HTMLDivElement;
  private readonly svg: SVGSVGElement;
  private readonly layer: SVGGElement;
  private readonly status: HTMLDivElement;
  private readonly viewport: Viewport;
  private readonly cache = new LayoutCache();
  private readonly resizeObserver: ResizeObserver | undefined;
  private readonly cleanup: (() => void)[] = [];

  private graph: NetworkGraph | undefined;
  private diagnostics: DiagramDiagnostic[] = [];
  /** Whether a drawing was made (see `onFirstPaint`). */
  private drawnOnce = false;
  /** Said above the drawing when it is not the current text's (the last diagram that analysed, kept through a typo). */
  private note: string | undefined;
  /** Explicit collapsed groups; undefined means the model's default for the network. */
  private collapsedIds: number[] | undefined;
  private model: DiagramModel | undefined;
  private layout: DiagramLayout | undefined;
  private selectedGraphNode: number | null = null;
  /** Graph nodes on the paths to a clicked feature-map unit (receptiveFieldPanel.ts); their boxes are marked. */
  private pathNodes: ReadonlySet<number> | null = null;
  private cursorLine: number | null = null;
  /** Element lookups of the current drawing, so state changes touch classes instead of redrawing. */
  private nodeElements = new Map<string, Element>();
  private frameElements = new Map<number, Element>();
  /** The markup each box and frame was last drawn with (without selection or cursor classes), to redraw only what changed. */
  private drawnNodes = new Map<string, string>();
  private drawnFrames = new Map<number, string>();
  /**
   * Fit at the next draw: set by the first update and by a change of network,
   * kept until a drawing is actually fitted (a newer update may supersede the
   * one that asked, and a hidden panel has no size to fit into).
   */
  private fitPending = false;
  /** Whether the drawing on screen is the quick layout shown while ELK loads (`data-layout` on the root says so too). */
  private provisional = false;
  /** Whether the last fit was of a provisional drawing, so ELK's drawing that replaces it is fitted again. */
  private fittedProvisional = false;
  /** The transform that fit set, to tell whether the user has panned or zoomed since. */
  private fittedTransform: Transform | undefined;
  /** Where the pointer is over the drawing's area (pixels from its top left), or undefined when it is elsewhere. */
  private pointer: { x: number; y: number } | undefined;
  /** Bumped by every render request; a layout that returns after a newer request is dropped. */
  private generation = 0;
  private pending: Promise<void> = Promise.resolve();
  private disposed = false;

  constructor(
    private readonly container: HTMLElement,
    private readonly callbacks: DiagramCallbacks,
  ) {
    // ELK sets itself up on its first layout; do that now, while the panel waits for its first analysis.
    void warmUpLayout();
    const palette = livePalette();
    injectStyle('cnnd-svg-style', svgCss(palette));
    injectStyle('cnnd-page-style', diagramPageCss(palette));
    const doc = container.ownerDocument;
    this.root = doc.createElement('div');
    this.root.className = 'cnnd-root';
    this.root.tabIndex = 0;
    this.root.setAttribute('role', 'img');
    this.root.setAttribute('aria-label', 'Network diagram: the arrow keys choose a layer and show its line, Enter goes to it');
    this.svg = doc.createElementNS(svgNamespace, 'svg');
    this.svg.innerHTML = svgDefs;
    this.layer = doc.createElementNS(svgNamespace, 'g');
    this.layer.setAttribute('class', 'cnnd-layer');
    this.svg.appendChild(this.layer);
    this.status = doc.createElement('div');
    this.status.className = 'cnnd-status';
    this.root.append(this.svg, this.status);
    container.appendChild(this.root);
    this.viewport = new Viewport(this.root, this.layer);

    const onClick = (e: MouseEvent) => this.click(e, false);
    const onDoubleClick = (e: MouseEvent) => this.click(e, true);
    const onKey = (e: KeyboardEvent) => {
      if (e.key === '0') this.fit();
      else if (!this.key(e.key)) return;
      e.preventDefault();
    };
    // Focus or find-in-page can scroll even an overflow-hidden box; only the viewport's transform may move the drawing.
    const onScroll = () => {
      this.root.scrollTop = 0;
      this.root.scrollLeft = 0;
    };
    // Where the pointer rests, so that ELK's layout replacing the quick one keeps the box under it in place.
    const onPointer = (e: PointerEvent) => {
      const rect = this.root.getBoundingClientRect();
      this.pointer = { x: e.clientX - rect.left, y: e.clientY - rect.top };
    };
    const onLeave = () => (this.pointer = undefined);
    this.root.addEventListener('click', onClick);
    this.root.addEventListener('dblclick', onDoubleClick);
    this.root.addEventListener('keydown', onKey);
    this.root.addEventListener('scroll', onScroll);
    this.root.addEventListener('pointermove', onPointer);
    this.root.addEventListener('pointerdown', onPointer);
    this.root.addEventListener('pointerleave', onLeave);
    this.cleanup.push(
      () => this.root.removeEventListener('click', onClick),
      () => this.root.removeEventListener('dblclick', onDoubleClick),
      () => this.root.removeEventListener('keydown', onKey),
      () => this.root.removeEventListener('scroll', onScroll),
      () => this.root.removeEventListener('pointermove', onPointer),
      () => this.root.removeEventListener('pointerdown', onPointer),
      () => this.root.removeEventListener('pointerleave', onLeave),
    );
    if (typeof ResizeObserver !== 'undefined') {
      this.resizeObserver = new ResizeObserver(() => {
        if (this.fitPending && this.layout) this.fit();
      });
      this.resizeObserver.observe(this.root);
    }
  }

  /**
   * Re-renders for a new graph and diagnostics, keeping zoom and scroll; it
   * fits only on the first render or when the network's name changes (another
   * network of the file, or a renamed one). Resolves when drawn, or when a
   * newer update has superseded this one. `note` is said above the drawing
   * (say, that it is the last diagram that analysed, kept through an error).
   */
  update(graph: NetworkGraph, diagnostics: DiagramDiagnostic[], note?: string): Promise<void> {
    this.note = note;
    const renamed = this.graph === undefined || this.graph.name !== graph.name;
    if (renamed && this.graph !== undefined) {
      // Another network's group ids mean nothing here, and neither does its selection.
      this.collapsedIds = undefined;
      this.selectedGraphNode = null;
    }
    this.graph = graph;
    this.diagnostics = diagnostics;
    if (renamed) this.fitPending = true;
    return this.render();
  }

  /**
   * Highlights the boxes (or frames) whose statement covers this 0-based
   * line. When the line differs from the last one, it also pans to the first
   * of them if it is out of view; calling it again with the same line (say
   * after each update) leaves the view where the user put it.
   */
  highlightLine(line: number): void {
    const moved = line !== this.cursorLine;
    this.cursorLine = line;
    this.applyState();
    if (!moved) return;
    // A statement inside a block lights up every call's instance. When the
    // selected box is one of them (the user clicked it, and the editor moved
    // to its statement), the view stays on that instance, not the first one.
    const selected = this.model && this.selectedGraphNode !== null ? boxOfGraphNode(this.model, this.selectedGraphNode)?.id : undefined;
    const match = this.model ? matchLine(this.model, line) : undefined;
    const target = selected !== undefined && match?.nodes.includes(selected) ? this.layout?.nodes.get(selected) : this.highlightedBoxes()[0];
    if (target) this.viewport.reveal(target);
  }

  /** Marks a graph node as selected (e.g. restored state); null clears the selection. Does not call `onSelect`. */
  select(graphNodeId: number | null): void {
    this.selectedGraphNode = graphNodeId;
    this.applyState();
  }

  /** Marks the boxes that stand for any of these graph nodes (the paths that reach one unit); null clears the marks. */
  highlightPath(graphNodes: ReadonlySet<number> | null): void {
    this.pathNodes = graphNodes;
    this.applyState();
  }

  /** The graph nodes a drawn box stands for (`data-id` of a `.cnnd-node`), in graph order. */
  graphNodesOf(boxId: string): number[] {
    return [...(this.model?.nodes.find((n) => n.id === boxId)?.graphNodes ?? [])];
  }

  /** Shows the whole drawing, centred, never enlarged past 1:1; a drawing too long to read whole is fitted to the width, from its top (Viewport.fit). */
  fit(): void {
    if (!this.layout) return;
    if (this.root.clientWidth === 0 || this.root.clientHeight === 0) {
      this.fitPending = true;
      return;
    }
    this.fitPending = false;
    this.fittedProvisional = this.provisional;
    this.viewport.fit(this.layout.width, this.layout.height);
    this.fittedTransform = this.viewport.get();
  }

  /** Zooms in one step around the panel's centre. */
  zoomIn(): void {
    this.viewport.zoomBy(zoomStep);
  }

  /** Zooms out one step around the panel's centre. */
  zoomOut(): void {
    this.viewport.zoomBy(1 / zoomStep);
  }

  /** The whole drawing as a standalone SVG document, in the current theme's colours, without selection or cursor marks. */
  exportSvg(): string {
    if (!this.model || !this.layout) {
      return `<svg xmlns="${svgNamespace}" width="1" height="1" viewBox="0 0 1 1"><title>${escapeXml(this.graph?.name ?? 'CNN Lens diagram')}</title></svg>`;
    }
    return standaloneSvg(this.model, this.layout, resolvedPalette(this.root));
  }

  /** The whole drawing as a PNG at twice its size (less for very large drawings). */
  exportPng(): Promise<Blob> {
    const svg = this.exportSvg();
    const width = Math.ceil(Math.max(1, this.layout?.width ?? 1));
    const height = Math.ceil(Math.max(1, this.layout?.height ?? 1));
    return svgToPng(svg, width, height, 2);
  }

  /** Collapsed group ids, to save and restore in webview state. */
  collapsed(): number[] {
    return [...(this.model?.collapsed ?? this.collapsedIds ?? [])];
  }

  /**
   * Collapses exactly these groups (ids that are not collapsible are ignored)
   * and redraws; `settled()` says when. Called before the first `update`, it
   * restores saved state without drawing the default first.
   */
  setCollapsed(ids: number[]): void {
    this.collapsedIds = [...ids];
    if (this.graph) void this.render();
  }

  /** Resolves when the latest update, toggle or `setCollapsed` has been drawn. */
  settled(): Promise<void> {
    return this.pending;
  }

  /** How many times ELK ran: an update whose structure was laid out before reuses that layout. */
  /** The layout on screen as plain JSON, to save with the panel's state; undefined before the first drawing. */
  savedLayout(): SavedLayout | undefined {
    return this.model && this.layout && !this.provisional ? saveLayout(this.model.structureKey, this.layout) : undefined;
  }

  /** Takes a layout saved by an earlier panel, so a drawing of the same structure needs no ELK run. */
  seedLayout(saved: SavedLayout): void {
    this.cache.seed(saved);
  }

  get layoutRuns(): number {
    return this.cache.misses;
  }

  /** Removes the drawing and every listener. */
  dispose(): void {
    this.disposed = true;
    this.generation++;
    this.resizeObserver?.disconnect();
    for (const undo of this.cleanup) undo();
    this.viewport.dispose();
    this.root.remove();
  }

  private render(): Promise<void> {
    const graph = this.graph;
    if (!graph || this.disposed) return this.pending;
    const generation = ++this.generation;
    let model = buildDiagramModel(graph, { diagnostics: this.diagnostics, ...(this.collapsedIds ? { collapsed: this.collapsedIds } : {}) });
    if (model.nodes.length > maxDrawnBoxes && this.collapsedIds) {
      this.collapsedIds = undefined;
      model = buildDiagramModel(graph, { diagnostics: this.diagnostics });
    }
    if (model.nodes.length > maxDrawnBoxes) {
      this.model = undefined;
      this.layout = undefined;
      this.layer.innerHTML = '';
      this.status.textContent = `${graph.name} has ${model.nodes.length} layers outside block calls and repeats, too many to draw; group them into blocks to see the diagram.`;
      this.pending = Promise.resolve();
      return this.pending;
    }
    // Until ELK is loaded and set up (seconds on a first panel), a layout of its own goes on screen at once and
    // ELK's replaces it (quickLayout.ts); the saved state and `settled()` wait for ELK's.
    const provisional = !elkIsWarm() && !this.cache.has(model.structureKey);
    if (provisional) {
      this.draw(model, quickLayout(model), true);
      if (this.fitPending) this.fit();
    }
    const drawn = this.cache.get(model).then(
      (layout) => {
        if (generation !== this.generation) return;
        const anchor = this.provisional ? this.anchorBox() : undefined;
        // A provisional drawing fitted and left alone is fitted again (ELK's may be wider or longer); one the user is
        // pointing at, or has panned or zoomed, keeps its box in place instead (see anchorBox).
        if (this.provisional && !this.fitPending) this.fitPending = this.fittedProvisional && !anchor;
        this.draw(model, layout, false);
        if (anchor) {
          const moved = layout.nodes.get(anchor.id);
          if (moved) this.viewport.moveTo(moved, anchor.screen);
        }
        if (this.fitPending) this.fit();
        markOnce('layout-final');
      },
      (error: unknown) => {
        if (generation !== this.generation) return;
        // A layout failure is a bug, not the user's: say so in the panel rather than leave a stale drawing.
        this.model = undefined;
        this.layout = undefined;
        this.layer.innerHTML = '';
        this.status.textContent = `The diagram could not be laid out: ${error instanceof Error ? error.message : String(error)}`;
      },
    );
    this.pending = drawn;
    return drawn;
  }

  /**
   * The box of the provisional drawing that ELK's must keep where it is on
   * screen, and where that is (its centre, in pixels from the drawing area's
   * top left): the box under the pointer (or the nearest one) while the
   * pointer is over the drawing, so nothing jumps away from under it; else,
   * when the user has panned or zoomed since the fit, the box nearest the
   * middle of the view. None when the view is the untouched fit: ELK's
   * drawing is fitted again then.
   */
  private anchorBox(): { id: string; screen: { x: number; y: number } } | undefined {
    const layout = this.layout;
    if (!layout || layout.nodes.size === 0) return undefined;
    const { x, y, k } = this.viewport.get();
    const fitted = this.fittedTransform;
    const untouched = fitted !== undefined && fitted.x === x && fitted.y === y && fitted.k === k;
    const target = this.pointer ?? (untouched ? undefined : { x: this.root.clientWidth / 2, y: this.root.clientHeight / 2 });
    if (!target) return undefined;
    let best: { id: string; screen: { x: number; y: number }; distance: number } | undefined;
    for (const [id, box] of layout.nodes) {
      const screen = { x: x + (box.x + box.width / 2) * k, y: y + (box.y + box.height / 2) * k };
      // Distance to the box's edge on screen: zero inside it, so the box under the pointer wins.
      const dx = Math.max(0, Math.abs(target.x - screen.x) - (box.width * k) / 2);
      const dy = Math.max(0, Math.abs(target.y - screen.y) - (box.height * k) / 2);
      const distance = Math.hypot(dx, dy);
      if (!best || distance < best.distance) best = { id, screen, distance };
    }
    return best && { id: best.id, screen: best.screen };
  }

  private draw(model: DiagramModel, layout: DiagramLayout, provisional: boolean): void {
    // The same layout object means the same structure: boxes, edges and frames keep their places.
    const sameLayout = layout === this.layout && model.nodes.length > 0 && this.nodeElements.size === model.nodes.length;
    this.model = model;
    this.layout = layout;
    this.provisional = provisional;
    this.root.dataset.layout = provisional ? 'provisional' : 'final';
    this.status.textContent = this.note ?? (model.complete ? '' : 'Analysis stopped at an error: the diagram shows the layers up to the one that failed.');
    this.status.classList.toggle('cnnd-status-note', this.note !== undefined);
    if (model.nodes.length === 0) {
      this.layer.innerHTML = `<text class="cnnd-empty" x="16" y="24">${escapeXml(model.name)} has no layers to draw yet.</text>`;
      this.remember({ frames: [], edges: [], nodes: [] });
      return;
    }
    // Selection and cursor classes are left to applyState, so the markup depends on the model alone and compares across edits.
    const parts = diagramParts(model, layout);
    if (sameLayout) this.patch(parts);
    else this.layer.innerHTML = [...parts.frames.map(([, m]) => m), ...parts.edges, ...parts.nodes.map(([, m]) => m)].join('');
    this.remember(parts);
    this.applyState();
    markOnce('drawn');
    markAfterPaint('painted');
    if (!this.drawnOnce) {
      this.drawnOnce = true;
      const painted = this.callbacks.onFirstPaint;
      if (painted) afterPaint(() => painted());
    }
  }

  /**
   * Replaces only the boxes and frames whose markup changed: an edit of one
   * number touches a few boxes, and re-parsing all of ResNet-50's would take
   * most of the time budget of a keystroke.
   */
  private patch(parts: DiagramParts): void {
    const range = this.layer.ownerDocument.createRange();
    range.selectNodeContents(this.layer);
    const replace = (element: Element | undefined, markup: string) => {
      // Parsed in the layer's context, so the markup becomes SVG elements.
      const fresh = range.createContextualFragment(markup).firstElementChild;
      if (element && fresh) element.replaceWith(fresh);
    };
    for (const [id, markup] of parts.nodes) if (this.drawnNodes.get(id) !== markup) replace(this.nodeElements.get(id), markup);
    for (const [id, markup] of parts.frames) if (this.drawnFrames.get(id) !== markup) replace(this.frameElements.get(id), markup);
  }

  /** Records what is drawn: the elements to touch later and the markup they came from. */
  private remember(parts: DiagramParts): void {
    this.drawnNodes = new Map(parts.nodes);
    this.drawnFrames = new Map(parts.frames);
    this.nodeElements = new Map();
    for (const element of this.layer.querySelectorAll('.cnnd-node')) this.nodeElements.set(element.getAttribute('data-id') ?? '', element);
    this.frameElements = new Map();
    for (const element of this.layer.querySelectorAll('.cnnd-frame')) this.frameElements.set(Number(element.getAttribute('data-group')), element);
  }

  private renderState(): RenderState {
    const state: RenderState = {};
    if (!this.model) return state;
    if (this.selectedGraphNode !== null) state.selected = boxOfGraphNode(this.model, this.selectedGraphNode)?.id ?? null;
    if (this.cursorLine !== null) {
      const match = matchLine(this.model, this.cursorLine);
      state.highlighted = new Set(match.nodes);
      state.highlightedFrames = new Set(match.frames);
    }
    return state;
  }

  /** Moves the selection and cursor classes without redrawing. */
  private applyState(): void {
    const state = this.renderState();
    const path = this.pathNodes;
    const onPath = new Set(path && this.model ? this.model.nodes.filter((n) => n.graphNodes.some((g) => path.has(g))).map((n) => n.id) : []);
    for (const [id, element] of this.nodeElements) {
      element.classList.toggle('cnnd-selected', state.selected === id);
      element.classList.toggle('cnnd-highlight', state.highlighted?.has(id) ?? false);
      element.classList.toggle('cnnd-path', onPath.has(id));
    }
    for (const [id, element] of this.frameElements) element.classList.toggle('cnnd-highlight', state.highlightedFrames?.has(id) ?? false);
  }

  private highlightedBoxes(): Box[] {
    if (!this.model || !this.layout || this.cursorLine === null) return [];
    const match = matchLine(this.model, this.cursorLine);
    const layout = this.layout;
    return [...match.nodes.map((id) => layout.nodes.get(id)), ...match.frames.map((id) => layout.frames.get(id))].filter((b): b is Box => b !== undefined);
  }

  private click(e: MouseEvent, focus: boolean): void {
    // The click that ends a pan is not a selection.
    if (this.viewport.wasDrag() || !this.model) return;
    const target = e.target instanceof Element ? e.target : null;
    if (!target) return;
    const toggle = target.closest('[data-toggle], [data-frame]');
    if (toggle) {
      // The second click of a double-click on a toggle has toggled already.
      if (!focus) this.toggle(Number(toggle.getAttribute('data-toggle') ?? toggle.getAttribute('data-frame')));
      return;
    }
    const element = target.closest('.cnnd-node');
    const node = element && this.model.nodes.find((n) => n.id === element.getAttribute('data-id'));
    if (node) this.choose(node, focus);
  }

  /**
   * Moves through the boxes from the keyboard, in the network's order: the
   * arrow keys choose the next or previous box (Home and End the first and
   * last) and show its line, and Enter goes to the chosen box's line. False
   * for keys the diagram leaves alone.
   */
  private key(key: string): boolean {
    if (!this.model || this.model.nodes.length === 0) return false;
    const nodes = this.model.nodes;
    const at = this.selectedGraphNode === null ? -1 : nodes.findIndex((n) => n.graphNodes.includes(this.selectedGraphNode!));
    const step: Record<string, number | undefined> = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1 };
    let next: number;
    if (key === 'Enter') {
      if (at < 0) return false;
      next = at;
    } else if (key === 'Home') next = 0;
    else if (key === 'End') next = nodes.length - 1;
    else if (step[key] !== undefined) next = at < 0 ? 0 : Math.min(nodes.length - 1, Math.max(0, at + step[key]!));
    else return false;
    const node = nodes[next];
    this.choose(node, key === 'Enter');
    const box = this.layout?.nodes.get(node.id);
    if (box) this.viewport.reveal(box);
    return true;
  }

  private choose(node: DiagramNode, focus: boolean): void {
    this.selectedGraphNode = node.graphNodes[node.graphNodes.length - 1];
    this.applyState();
    this.callbacks.onSelect({ id: node.id, graphNodes: [...node.graphNodes], range: node.range, focus });
  }

  private toggle(groupId: number): void {
    if (!this.model || !this.model.collapsible.includes(groupId)) return;
    const current = new Set(this.model.collapsed);
    if (current.has(groupId)) current.delete(groupId);
    else current.add(groupId);
    this.collapsedIds = [...current];
    const ids = [...this.collapsedIds];
    void this.render().then(() => {
      // Keep what was clicked in view: the frame that replaced a box, or the box that replaced a frame.
      const box = this.layout?.frames.get(groupId) ?? this.layout?.nodes.get(`g${groupId}`);
      if (box) this.viewport.reveal(box);
    });
    this.callbacks.onCollapsedChange?.(ids);
  }
}
