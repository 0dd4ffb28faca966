/**
 * Messages between the extension host (src/client/preview.ts) and the preview
 * webview (webview/src/main.ts). The webview analyses the source itself with
 * the pure core, so the host only sends text, the cursor and file contents;
 * both sides import these types, so a change here is a compile error on the
 * side that forgot it.
 */
import type { ProtocolRange } from './messages';

/** The webview panel's type, also the serializer's key. */
export const previewViewType = 'cnnLens.preview';

/** What the webview keeps with `setState`, so the panel comes back after a reload. */
export interface PreviewState {
  /** The `.cnn` document the panel follows. */
  uri: string;
  /** The network shown, by name; the first one when absent or gone. */
  network?: string;
  /** The backend the user chose, when not automatic. */
  backend?: string;
  /** The built-in input sample chosen. */
  sample?: string;
  /** The graph node whose feature maps are shown. */
  selected?: number;
  /** The diagram's collapsed groups, by graph group id. */
  collapsed?: number[];
  /** The last diagram layout, so a panel restored after a reload draws without waiting for ELK. */
  layout?: SavedLayout;
  /**
   * The document's text as the panel last drew it (left out for a text longer
   * than {@link savedTextLimit}), so a panel restored after a reload draws
   * before VS Code has opened the document again.
   */
  text?: string;
}

/** The longest text (in UTF-16 code units) the panel keeps in its state; the state is saved on every edit. */
export const savedTextLimit = 256 * 1024;

/** A placed rectangle of a saved layout. */
export interface SavedBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A diagram layout as plain JSON (the webview's DiagramLayout, with its maps as entry lists), under its model's structure key. */
export interface SavedLayout {
  structureKey: string;
  width: number;
  height: number;
  nodes: [string, SavedBox][];
  edges: [string, { points: { x: number; y: number }[]; label?: SavedBox }][];
  frames: [number, SavedBox][];
}

/** Host → webview. */
export type HostMessage =
  /**
   * The document's text, sent at start and after each edit (debounced by the host).
   * `weights` names a weight file the host sends next (Import Model… wrote it),
   * so that a Run pressed before it arrives waits for it instead of running twice.
   * `cursor` (sent by "Open Preview" without a network named) is where the
   * editor's cursor is: the panel shows the network that holds it, which it
   * finds in its own analysis, so the command need not ask the language server first.
   */
  | { type: 'source'; uri: string; fileName: string; version: number; text: string; network?: string; weights?: string; cursor?: { line: number; character: number } }
  /** The editor's cursor moved: highlight the layer on that 0-based line. */
  | { type: 'cursor'; uri: string; line: number }
  /** The answer to `pickFile`: the file's bytes, or why there are none (the user cancelled, or it could not be read). */
  | {
      type: 'file';
      requestId: number;
      name?: string;
      bytes?: Uint8Array;
      extraFiles?: { name: string; bytes: Uint8Array }[];
      /** Class names, one per line of a `labels.txt` beside picked weights, in class-index order. */
      labels?: string[];
      error?: string;
    }
  /** Load these weights as if the user had picked them with Load weights… (Import Model… wrote them beside the imported file). */
  | { type: 'weights'; name: string; bytes: Uint8Array }
  /** The answer to `save`. */
  | { type: 'saved'; requestId: number; path?: string; error?: string };

/**
 * The weight file the panel runs, as it was loaded (Load weights… or Import
 * Model…): a safetensors file, or a tfjs `model.json` with its weight shards.
 */
export interface LoadedWeightsFile {
  /** The file's own name, no folder. */
  name: string;
  bytes: Uint8Array;
  /** A model.json's weight shards, named as its manifest names them. */
  extraFiles?: { name: string; bytes: Uint8Array }[];
}

/** Webview → host. */
export type WebviewMessage =
  /** The webview has loaded and listens; the host answers with `source`. */
  | { type: 'ready' }
  /**
   * Reveal a range of the document in its editor (a diagram node was chosen).
   * As in VS Code's Outline, a single click or an arrow key only shows the
   * line and leaves the focus in the panel; `focus` (a double-click, or Enter)
   * moves the focus to the editor too.
   */
  | { type: 'reveal'; uri: string; range: ProtocolRange; focus?: boolean }
  /**
   * Ask the user for a file from the workspace: an input image, or trained
   * weights (a safetensors file, or a tfjs `model.json` whose weight shards the
   * host reads too and sends as `extraFiles`).
   */
  | { type: 'pickFile'; requestId: number; purpose: 'image' | 'weights' }
  /** Save an export (diagram SVG or PNG) where the user chooses. */
  | { type: 'save'; requestId: number; suggestedName: string; bytes: Uint8Array }
  /**
   * Export the network shown (PyTorch, ONNX or Keras): the host runs `CNN Lens:
   * Export Network…` with the weights the panel runs, when they are a loaded
   * file (absent: the seeded He initialisation, which the export makes itself).
   */
  | { type: 'exportNetwork'; network?: string; weights?: LoadedWeightsFile }
  /** A model file (`.onnx`, `.keras`) dropped on the panel: the host imports it as `CNN Lens: Import Model…` does. */
  | { type: 'importModel'; name: string; bytes: Uint8Array }
  /** Show a message in VS Code (e.g. the forward pass failed). */
  | { type: 'notify'; level: 'info' | 'warning' | 'error'; message: string }
  /**
   * ELK laid out the document's diagram: the host keeps the document's last
   * few layouts and writes them into the page of a preview opened on it
   * later (`data-layouts`), which then draws the final layout at once.
   */
  | { type: 'layout'; layout: SavedLayout };

/**
 * A message checked at the boundary: the message itself (with its bytes as
 * plain `Uint8Array`s), or why it was rejected, in words for a log.
 */
export type Checked<T> = { ok: true; message: T } | { ok: false; reason: string };

type Fields = Record<string, unknown>;

/** A problem with one field, thrown inside the checkers and turned into a `reason`. */
class FieldError extends Error {}

function fail(reason: string): never {
  throw new FieldError(reason);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') {
    const type = (value as Fields).type;
    // A Node Buffer serialised as JSON: the bug this check exists for.
    if (type === 'Buffer' && Array.isArray((value as Fields).data)) return 'a JSON-serialised Node Buffer ({type: "Buffer", data: [...]})';
    return `an object with keys ${Object.keys(value).slice(0, 5).join(', ') || '(none)'}`;
  }
  return typeof value === 'string' ? `the string ${JSON.stringify(value.slice(0, 40))}` : `${typeof value} ${String(value)}`;
}

function stringField(fields: Fields, key: string, optional = false): string | undefined {
  const value = fields[key];
  if (value === undefined && optional) return undefined;
  if (typeof value !== 'string') fail(`'${key}' should be a string, not ${describe(value)}`);
  return value;
}

/** An optional true/false field. */
function booleanField(fields: Fields, key: string): boolean | undefined {
  const value = fields[key];
  if (value === undefined || typeof value === 'boolean') return value;
  fail(`'${key}' should be true or false, not ${describe(value)}`);
}

function countField(fields: Fields, key: string, optional = false): number | undefined {
  const value = fields[key];
  if (value === undefined && optional) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) fail(`'${key}' should be a whole number of at least 0, not ${describe(value)}`);
  return value;
}

function oneOf<T extends string>(fields: Fields, key: string, allowed: readonly T[]): T {
  const value = fields[key];
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) fail(`'${key}' should be one of ${allowed.join(', ')}, not ${describe(value)}`);
  return value as T;
}

/**
 * File contents as a `Uint8Array` of their own: a `Uint8Array` (a view is
 * copied out, so the reader never sees its neighbours) or an `ArrayBuffer`.
 * Anything else (a JSON-serialised Node Buffer, an array of numbers) is
 * rejected rather than read as 0 bytes.
 */
function bytesField(fields: Fields, key: string): Uint8Array {
  const value = fields[key];
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  // Another realm's typed arrays fail `instanceof`; their tag still says what they are.
  const tag = Object.prototype.toString.call(value);
  if (tag === '[object Uint8Array]') return new Uint8Array(value as ArrayLike<number>);
  if (tag === '[object ArrayBuffer]') return new Uint8Array(value as ArrayBuffer);
  return fail(`'${key}' should be bytes (a Uint8Array or ArrayBuffer), not ${describe(value)}`);
}

function recordOf(value: unknown, what: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`${what} should be an object, not ${describe(value)}`);
  return value as Fields;
}

function positionField(fields: Fields, key: string): { line: number; character: number } {
  const position = recordOf(fields[key], `'${key}'`);
  return { line: countField(position, 'line')!, character: countField(position, 'character')! };
}

/** A bare file name: the host writes it into a folder of its own, so no separator, `.` or `..`. */
function plainFileName(fields: Fields, key: string): string {
  const name = stringField(fields, key)!;
  if (!name || /[\\/]/.test(name) || name === '..' || name === '.') fail(`'${key}' should be a plain file name, not ${describe(name)}`);
  return name;
}

/** The loaded weight file of an export request; shard names must stay in the model's folder, as when they were read. */
function loadedWeightsField(fields: Fields): LoadedWeightsFile {
  const name = plainFileName(fields, 'name');
  const bytes = bytesField(fields, 'bytes');
  const extra = fields.extraFiles;
  if (extra === undefined) return { name, bytes };
  if (!Array.isArray(extra)) fail(`'weights.extraFiles' should be an array, not ${describe(extra)}`);
  const extraFiles = extra.map((file, index) => {
    const entry = recordOf(file, `weights.extraFiles[${index}]`);
    const shard = stringField(entry, 'name')!;
    const problem = shardPathProblem(shard);
    if (problem) fail(`weights.extraFiles[${index}] is named ${JSON.stringify(shard)}, refused because ${problem}`);
    return { name: shard, bytes: bytesField(entry, 'bytes') };
  });
  return { name, bytes, extraFiles };
}

function finiteNumber(fields: Fields, key: string): number {
  const value = fields[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(`'${key}' should be a finite number, not ${describe(value)}`);
  return value;
}

function boxOf(value: unknown, what: string): SavedBox {
  const box = recordOf(value, what);
  return { x: finiteNumber(box, 'x'), y: finiteNumber(box, 'y'), width: finiteNumber(box, 'width'), height: finiteNumber(box, 'height') };
}

/** `[key, value]` pairs of a saved layout's map, each key checked by `key` and each value read by `read`. */
function entriesOf<K, V>(value: unknown, what: string, key: (k: unknown) => k is K, read: (v: unknown, what: string) => V): [K, V][] {
  if (!Array.isArray(value)) fail(`${what} should be an array, not ${describe(value)}`);
  return value.map((entry, index): [K, V] => {
    if (!Array.isArray(entry) || entry.length !== 2 || !key(entry[0])) fail(`${what}[${index}] should be a [key, value] pair, not ${describe(entry)}`);
    return [entry[0], read(entry[1], `${what}[${index}]`)];
  });
}

/**
 * A saved diagram layout (from the host's store or a webview's `layout`
 * message), rebuilt from checked fields only: a damaged one is refused with
 * its reason instead of drawing boxes at NaN.
 */
export function checkSavedLayout(value: unknown): Checked<SavedLayout> {
  try {
    const fields = recordOf(value, 'a saved layout');
    const isString = (k: unknown): k is string => typeof k === 'string';
    const isCount = (k: unknown): k is number => typeof k === 'number' && Number.isSafeInteger(k);
    const layout: SavedLayout = {
      structureKey: stringField(fields, 'structureKey')!,
      width: finiteNumber(fields, 'width'),
      height: finiteNumber(fields, 'height'),
      nodes: entriesOf(fields.nodes, "'nodes'", isString, boxOf),
      edges: entriesOf(fields.edges, "'edges'", isString, (edge, what) => {
        const route = recordOf(edge, what);
        if (!Array.isArray(route.points)) fail(`${what}.points should be an array, not ${describe(route.points)}`);
        const points = route.points.map((point, index) => {
          const p = recordOf(point, `${what}.points[${index}]`);
          return { x: finiteNumber(p, 'x'), y: finiteNumber(p, 'y') };
        });
        return route.label === undefined ? { points } : { points, label: boxOf(route.label, `${what}.label`) };
      }),
      frames: entriesOf(fields.frames, "'frames'", isCount, boxOf),
    };
    return { ok: true, message: layout };
  } catch (error) {
    if (error instanceof FieldError) return { ok: false, reason: `the layout: ${error.message}` };
    throw error;
  }
}

function checked<T>(value: unknown, side: string, read: (fields: Fields, type: string) => T): Checked<T> {
  try {
    const fields = recordOf(value, `a ${side} message`);
    const type = stringField(fields, 'type')!;
    return { ok: true, message: read(fields, type) };
  } catch (error) {
    if (error instanceof FieldError) {
      const type = typeof value === 'object' && value !== null && typeof (value as Fields).type === 'string' ? ` '${(value as Fields).type}'` : '';
      return { ok: false, reason: `${side} message${type} rejected: ${error.message}` };
    }
    throw error;
  }
}

/**
 * Checks a message from the webview before the host acts on it. The webview
 * runs our own script, but what crosses `postMessage` is untyped at run time:
 * a bad `level` or range must not end as an unhandled rejection in the host.
 */
export function checkWebviewMessage(value: unknown): Checked<WebviewMessage> {
  return checked(value, 'webview → host', (fields, type): WebviewMessage => {
    switch (type) {
      case 'ready':
        return { type };
      case 'reveal': {
        const range = recordOf(fields.range, "'range'");
        const start = positionField(range, 'start');
        const end = positionField(range, 'end');
        if (end.line < start.line || (end.line === start.line && end.character < start.character)) fail("'range' ends before it starts");
        const focus = booleanField(fields, 'focus');
        return { type, uri: stringField(fields, 'uri')!, range: { start, end }, ...(focus === undefined ? {} : { focus }) };
      }
      case 'pickFile':
        return { type, requestId: countField(fields, 'requestId')!, purpose: oneOf(fields, 'purpose', ['image', 'weights'] as const) };
      case 'save': {
        // The name seeds the save dialog beside the document: a bare file name, never a path.
        const suggestedName = plainFileName(fields, 'suggestedName');
        return { type, requestId: countField(fields, 'requestId')!, suggestedName, bytes: bytesField(fields, 'bytes') };
      }
      case 'exportNetwork': {
        const network = stringField(fields, 'network', true);
        if (fields.weights === undefined) return { type, network };
        return { type, network, weights: loadedWeightsField(recordOf(fields.weights, "'weights'")) };
      }
      case 'importModel': {
        const name = stringField(fields, 'name')!;
        // The name becomes the written .cnn file's name beside the document: a bare file name, never a path.
        if (!/\.(onnx|keras)$/i.test(name) || /[\\/]/.test(name)) fail(`'name' should be a plain .onnx or .keras file name, not ${describe(name)}`);
        return { type, name, bytes: bytesField(fields, 'bytes') };
      }
      case 'notify':
        return { type, level: oneOf(fields, 'level', ['info', 'warning', 'error'] as const), message: stringField(fields, 'message')! };
      case 'layout': {
        const layout = checkSavedLayout(fields.layout);
        return layout.ok ? { type, layout: layout.message } : fail(layout.reason);
      }
      default:
        return fail(`unknown type ${describe(type)}`);
    }
  });
}

/** Checks a message from the host before the webview acts on it; file contents must arrive as bytes, never as a serialised Buffer. */
export function checkHostMessage(value: unknown): Checked<HostMessage> {
  return checked(value, 'host → webview', (fields, type): HostMessage => {
    switch (type) {
      case 'source':
        return {
          type,
          uri: stringField(fields, 'uri')!,
          fileName: stringField(fields, 'fileName')!,
          version: countField(fields, 'version')!,
          text: stringField(fields, 'text')!,
          network: stringField(fields, 'network', true),
          weights: stringField(fields, 'weights', true),
          cursor: fields.cursor === undefined ? undefined : positionField(fields, 'cursor'),
        };
      case 'cursor':
        return { type, uri: stringField(fields, 'uri')!, line: countField(fields, 'line')! };
      case 'file': {
        const requestId = countField(fields, 'requestId')!;
        const error = stringField(fields, 'error', true);
        if (error !== undefined) return { type, requestId, error };
        const extra = fields.extraFiles;
        if (extra !== undefined && !Array.isArray(extra)) fail(`'extraFiles' should be an array, not ${describe(extra)}`);
        const extraFiles = (extra as unknown[] | undefined)?.map((file, index) => {
          const entry = recordOf(file, `extraFiles[${index}]`);
          return { name: stringField(entry, 'name')!, bytes: bytesField(entry, 'bytes') };
        });
        const labels = fields.labels;
        if (labels !== undefined && (!Array.isArray(labels) || labels.some((label) => typeof label !== 'string'))) fail(`'labels' should be an array of strings, not ${describe(labels)}`);
        return {
          type,
          requestId,
          name: stringField(fields, 'name')!,
          bytes: bytesField(fields, 'bytes'),
          ...(extraFiles ? { extraFiles } : {}),
          ...(labels ? { labels: labels as string[] } : {}),
        };
      }
      case 'weights':
        return { type, name: stringField(fields, 'name')!, bytes: bytesField(fields, 'bytes') };
      case 'saved':
        return { type, requestId: countField(fields, 'requestId')!, path: stringField(fields, 'path', true), error: stringField(fields, 'error', true) };
      default:
        return fail(`unknown type ${describe(type)}`);
    }
  });
}

/** The request a malformed answer was meant for, so the waiting side can be told instead of waiting forever. */
export function requestIdOf(value: unknown): number | undefined {
  const id = typeof value === 'object' && value !== null ? (value as Fields).requestId : undefined;
  return typeof id === 'number' && Number.isSafeInteger(id) ? id : undefined;
}

/**
 * Why a weight shard path from a tfjs `model.json` may not be read, or
 * undefined when it may. Shards must lie in the model's own folder or below
 * it: no absolute paths, drive letters, URLs or `..` segments, so a
 * downloaded model cannot make the host read (and post to the webview) a file
 * the user never picked.
 */
export function shardPathProblem(path: string): string | undefined {
  if (typeof path !== 'string' || path.trim() === '') return 'the path is empty';
  if (path.startsWith('/') || path.startsWith('\\')) return 'it is an absolute path';
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(path)) return 'it names a drive or a URL scheme';
  if (path.includes('\0')) return 'it contains a NUL character';
  const segments = path.split(/[\\/]/);
  if (segments.some((segment) => segment === '..')) return "it leaves the model's folder with '..'";
  if (segments.some((segment) => segment === '' || segment === '.')) return 'it has an empty or "." segment';
  return undefined;
}

/**
 * Class names from the text of a labels file: one per line, in class-index
 * order; blank lines at the end are dropped, and a trailing carriage return
 * (a file written on Windows) is not part of a name.
 */
export function parseLabels(text: string): string[] {
  const lines = text.split('\n').map((line) => line.replace(/\r$/, '').trim());
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * File contents as a plain `Uint8Array` with a buffer of its own, ready to
 * post. `workspace.fs.readFile` returns a Node Buffer in the extension host,
 * and VS Code serialises webview messages with JSON.stringify, which calls
 * Buffer's `toJSON` before VS Code can transfer the bytes: the webview would
 * get `{type: "Buffer", data: [...]}`. A plain copy travels as bytes.
 */
export function plainBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}
