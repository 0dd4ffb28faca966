/**
 * The contract of the diagram test page (diagram.page.ts), kept free of DOM
 * types so that the Node-side test can import it.
 */
import type { Range } from '../../../src/core/diagnostics';

/** What one `onSelect` call carried. */
export interface Selection {
  id: string;
  graphNodes: number[];
  range: Range;
  /** True for a double-click or Enter, which move the focus to the editor. */
  focus: boolean;
}

/** The drawing as the DOM shows it after a render. */
export interface Drawn {
  /** `data-id` of every `.cnnd-node`, in document order. */
  nodes: string[];
  /** `data-group` of every frame. */
  frames: number[];
  /** `data-id`s of boxes with the given marker classes. */
  collapsedBoxes: string[];
  errorBoxes: string[];
  highlighted: string[];
  highlightedFrames: number[];
  selected: string[];
  /** The pan/zoom transform attribute of the drawing's layer. */
  transform: string;
  /** How many times ELK ran in this view so far. */
  layoutRuns: number;
  /** The view's `collapsed()`. */
  collapsed: number[];
}

/** An exported file, checked inside the page. */
export interface SvgExport {
  length: number;
  /** The parser's complaint, or null when the text is well-formed SVG. */
  parseError: string | null;
  rootName: string;
  /** The root's width and height attributes. */
  width: number;
  height: number;
  /** Text content of every `.cnnd-title` element. */
  titles: string[];
  /** Whether the file still refers to CSS variables, which no file outside VS Code could resolve. */
  usesCssVariables: boolean;
}

export interface PngExport {
  type: string;
  size: number;
  /** The first eight bytes: the PNG signature. */
  signature: number[];
  /** The decoded image's size. */
  width: number;
  height: number;
}

export interface DiagramPage {
  /** Analyses `text` in the page and updates the one diagram view (created on first use); resolves with the drawing and the update's duration. */
  update(text: string): Promise<Drawn & { ms: number }>;
  drawn(): Drawn;
  selections: Selection[];
  highlightLine(line: number): Drawn;
  select(graphNodeId: number | null): Drawn;
  zoomIn(): Drawn;
  /** Waits until pending toggles are drawn. */
  settled(): Promise<Drawn>;
  setCollapsed(ids: number[]): Promise<Drawn>;
  exportSvg(): SvgExport;
  exportPng(): Promise<PngExport>;
  dispose(): boolean;
  /** The computed fill of the first box's rectangle: proves the stylesheet applied. */
  boxFill(): string;
  /** Puts a `data-probe` attribute on these boxes' elements, to tell later whether a redraw replaced them. */
  probe(ids: string[]): void;
  /** Whether each box's element still carries the probe. */
  probed(ids: string[]): boolean[];
  /** Draws `text` in a new view, saves its layout as JSON (as the panel's state does), then draws it in another view seeded with that: the second view's ELK runs and box count. */
  restoredLayoutRuns(text: string): Promise<{ layoutRuns: number; boxes: number }>;
  /**
   * Draws `text` in a new view (call it in a fresh page, before ELK has run there): what is on screen as soon as
   * `update` returns, and once it settles, with whether the view would save its layout in the panel's state.
   */
  firstDrawing(text: string): Promise<{ atOnce: FirstDrawingState; settled: FirstDrawingState & { layoutRuns: number } }>;
  /**
   * A first drawing (ELK not loaded yet) with the pointer resting on box
   * `index` of the quick layout, until ELK's layout replaces it: that box's
   * centre on screen and in drawing units, in each layout.
   */
  pointedFirstDrawing(text: string, index: number): Promise<{ provisional: PlacedBox; final: PlacedBox; layout: string }>;
  /** Presses Fit (the toolbar's button and the 0 key call this). */
  fit(): Drawn;
  /** Every text of every box as drawn: its CSS font size, the screen scale the pan/zoom gives it, its on-screen height and whether it is in the panel. */
  textSizes(): TextSize[];
  /** Where the drawing lies in the panel (pixels from the panel's left and top edges), and the panel's width. */
  drawingBox(): { left: number; right: number; top: number; panelWidth: number };
}

/** One text of a box, measured on screen. */
export interface TextSize {
  text: string;
  fontPx: number;
  scale: number;
  height: number;
  visible: boolean;
}

/** A box's centre on screen (pixels from the panel's top left) and in the drawing's own units. */
export interface PlacedBox {
  id: string;
  screen: { x: number; y: number };
  drawing: { x: number; y: number };
}

/** A view's drawing at one moment of its first update: boxes on screen, `data-layout` ('provisional' or 'final'), and whether it has a layout to save. */
export interface FirstDrawingState {
  boxes: number;
  layout: string;
  saved: boolean;
}
