/**
 * The contract of the views test page (views.page.ts), kept free of DOM
 * types so that the Node-side test can import it. Typed arrays do not cross
 * page.evaluate, so tensors travel as plain arrays.
 */

/** What a rendered feature-map view shows, read back from the DOM. */
export interface MapsReport {
  /** Every `data-testid="feature-map"` canvas: its pixel size, its size on screen and its `image-rendering`. */
  canvases: { width: number; height: number; cssWidth: number; cssHeight: number; rendering: string }[];
  /** The channel labels under the maps. */
  labels: string[];
  gridFound: boolean;
  legendFound: boolean;
  /** The legend's end texts and which scale it shows. */
  legendMin: string;
  legendMax: string;
  legendScale: string;
  caption: string;
  range: string;
  notes: string[];
  /** Text of a `maps-error` message, if any. */
  error: string | null;
  /** Whether a depth slider is shown, and its value and maximum. */
  slider: { value: number; max: number } | null;
}

/** What a rendered histogram shows. */
export interface HistogramReport {
  containerTestId: string | null;
  bars: number;
  /** `data-count` of each bar, left to right. */
  counts: number[];
  /** Bar heights in SVG units. */
  heights: number[];
  zeroBins: number;
  min: string;
  max: string;
  summary: string;
}

/** What a rendered top-classes view shows, row by row. */
export interface TopClassesReport {
  containerTestId: string | null;
  rows: { index: number; label: string; percent: string; barWidth: string }[];
}

/** What a rendered timing view shows. */
export interface TimingReport {
  containerTestId: string | null;
  total: string;
  rows: { node: number; cells: string[]; barWidth: string; slowest: boolean }[];
  other: string[] | null;
}

/** Feature-map options as the test passes them (the view's own type, restated without DOM). */
export interface MapsOptions {
  maxChannels?: number;
  scale?: 'shared' | 'per-channel';
  colors?: 'auto' | 'viridis' | 'diverging';
}

export interface ViewsPage {
  /** Renders a feature-map view of `data` with `shape` into a fresh container and reports it. */
  renderMaps(shape: number[], data: number[], options?: MapsOptions): MapsReport;
  /** The RGBA of pixel (x, y) of feature-map canvas `index` of the last rendered view. */
  pixel(index: number, x: number, y: number): number[];
  /** Moves the depth slider of the last rendered view to `frame`, as a user would. */
  setFrame(frame: number): void;
  renderHistogram(data: number[], bins?: number): HistogramReport;
  renderTopClasses(probabilities: number[], labels?: string[]): TopClassesReport;
  renderTiming(timings: { node: number; op: string; ms: number }[], totalMs: number, backend: string): TimingReport;
  /** Renders timings with `label` for every layer into a column `width` pixels wide; where the table and its Share cells end. */
  timingFits(
    timings: { node: number; op: string; ms: number }[],
    label: string,
    width: number,
  ): { containerRight: number; tableRight: number; shareRights: number[]; wrappedNumbers: string[]; clippedNumbers: string[] };
}
