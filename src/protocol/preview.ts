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
}

/** Host → webview. */
export type HostMessage =
  /** The document's text, sent at start and after each edit (debounced by the host). */
  | { type: 'source'; uri: string; fileName: string; version: number; text: string; network?: string }
  /** The editor's cursor moved: highlight the layer on that 0-based line. */
  | { type: 'cursor'; uri: string; line: number }
  /** The answer to `pickFile`: the file's bytes, or why there are none (the user cancelled, or it could not be read). */
  | { type: 'file'; requestId: number; name?: string; bytes?: Uint8Array; extraFiles?: { name: string; bytes: Uint8Array }[]; error?: string }
  /** Load these weights as if the user had picked them with Load weights… (Import Model… wrote them beside the imported file). */
  | { type: 'weights'; name: string; bytes: Uint8Array }
  /** The answer to `save`. */
  | { type: 'saved'; requestId: number; path?: string; error?: string };

/** Webview → host. */
export type WebviewMessage =
  /** The webview has loaded and listens; the host answers with `source`. */
  | { type: 'ready' }
  /** Reveal a range of the document in its editor (a diagram node was clicked). */
  | { type: 'reveal'; uri: string; range: ProtocolRange }
  /**
   * Ask the user for a file from the workspace: an input image, or trained
   * weights (a safetensors file, or a tfjs `model.json` whose weight shards the
   * host reads too and sends as `extraFiles`).
   */
  | { type: 'pickFile'; requestId: number; purpose: 'image' | 'weights' }
  /** Save an export (diagram SVG or PNG) where the user chooses. */
  | { type: 'save'; requestId: number; suggestedName: string; bytes: Uint8Array }
  /** Export the network shown (PyTorch, ONNX or Keras): the host runs `CNN Lens: Export Network…`. */
  | { type: 'exportNetwork'; network?: string }
  /** Show a message in VS Code (e.g. the forward pass failed). */
  | { type: 'notify'; level: 'info' | 'warning' | 'error'; message: string };
