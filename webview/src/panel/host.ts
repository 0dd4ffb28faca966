/**
 * The webview's side of the typed protocol (src/protocol/preview.ts): posting
 * to the extension host, listening to it, and requests that wait for their
 * answer. Outside VS Code (browser tests) there is no `acquireVsCodeApi`; the
 * page then records what it would have posted, and tests send host messages
 * with `window.postMessage`.
 */
import { checkHostMessage, checkSavedLayout, requestIdOf, type HostMessage, type PreviewState, type SavedLayout, type WebviewMessage } from '../../../src/protocol/preview';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** The connection to the extension host. */
export class Host {
  private readonly api: VsCodeApi;
  private nextRequest = 1;
  private readonly waiting = new Map<number, (message: HostMessage) => void>();
  private readonly listeners: ((message: HostMessage) => void)[] = [];
  /** Messages posted, kept when there is no VS Code (for tests). */
  readonly posted: WebviewMessage[] = [];

  constructor() {
    this.api =
      typeof acquireVsCodeApi === 'function'
        ? acquireVsCodeApi()
        : { postMessage: (message) => this.posted.push(message as WebviewMessage), getState: () => this.memoryState, setState: (state) => (this.memoryState = state) };
    window.addEventListener('message', (event: MessageEvent) => {
      const checked = checkHostMessage(event.data);
      if (!checked.ok) {
        console.warn(`CNN Lens preview: ${checked.reason}`);
        // An answer that cannot be read still ends its request, with the reason, so the panel never waits forever.
        const id = requestIdOf(event.data);
        const type = (event.data as { type?: unknown } | null)?.type;
        if (id !== undefined && this.waiting.has(id) && (type === 'file' || type === 'saved')) {
          this.waiting.get(id)!({ type, requestId: id, error: `the extension sent a malformed answer (${checked.reason})` });
          this.waiting.delete(id);
        }
        return;
      }
      const message = checked.message;
      if ((message.type === 'file' || message.type === 'saved') && this.waiting.has(message.requestId)) {
        this.waiting.get(message.requestId)!(message);
        this.waiting.delete(message.requestId);
        return;
      }
      for (const listener of this.listeners) listener(message);
    });
  }

  private memoryState: unknown;

  /**
   * The message the page was written with: the extension puts the document's
   * first `source` message in the body's `data-source`, so the panel can draw
   * without waiting for a round trip. None when there is none or it does not
   * check (it then comes as a message after `ready`, as before).
   */
  initialMessage(): HostMessage | undefined {
    const json = document.body.dataset.source;
    if (!json) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch {
      console.warn("CNN Lens preview: the page's data-source is not JSON");
      return undefined;
    }
    const checked = checkHostMessage(value);
    if (!checked.ok) console.warn(`CNN Lens preview: ${checked.reason}`);
    return checked.ok ? checked.message : undefined;
  }

  /**
   * The layouts the extension kept for this document (`data-layouts`:
   * ELK's, from earlier panels), so a structure laid out before is drawn in
   * its final layout at once. Ones that do not check are left out.
   */
  initialLayouts(): SavedLayout[] {
    const json = document.body.dataset.layouts;
    if (!json) return [];
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch {
      console.warn("CNN Lens preview: the page's data-layouts is not JSON");
      return [];
    }
    if (!Array.isArray(value)) return [];
    return value.flatMap((entry) => {
      const checked = checkSavedLayout(entry);
      if (!checked.ok) console.warn(`CNN Lens preview: ${checked.reason}`);
      return checked.ok ? [checked.message] : [];
    });
  }

  post(message: WebviewMessage): void {
    this.api.postMessage(message);
  }

  onMessage(listener: (message: HostMessage) => void): void {
    this.listeners.push(listener);
  }

  get state(): PreviewState | undefined {
    return this.api.getState() as PreviewState | undefined;
  }

  saveState(patch: Partial<PreviewState>): void {
    const current = this.state;
    if (!current?.uri && !patch.uri) return;
    this.api.setState({ ...current, ...patch });
  }

  /** Asks the host for a file and waits for the answer. */
  pickFile(purpose: 'image' | 'weights'): Promise<Extract<HostMessage, { type: 'file' }>> {
    const requestId = this.nextRequest++;
    return new Promise((resolve) => {
      this.waiting.set(requestId, (message) => resolve(message as Extract<HostMessage, { type: 'file' }>));
      this.post({ type: 'pickFile', requestId, purpose });
    });
  }

  /** Asks the host to save bytes where the user chooses. */
  save(suggestedName: string, bytes: Uint8Array): Promise<Extract<HostMessage, { type: 'saved' }>> {
    const requestId = this.nextRequest++;
    return new Promise((resolve) => {
      this.waiting.set(requestId, (message) => resolve(message as Extract<HostMessage, { type: 'saved' }>));
      this.post({ type: 'save', requestId, suggestedName, bytes });
    });
  }
}
