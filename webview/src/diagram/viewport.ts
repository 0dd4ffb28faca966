/**
 * Pan and zoom of the drawing: a translate-and-scale transform on one SVG
 * group, driven by drag, wheel (pinch and ctrl+wheel zoom, plain wheel pans)
 * and keys. The transform survives re-renders because only this object owns it.
 */

/** Zoom `k` and the screen position of the drawing's origin. */
export interface Transform {
  x: number;
  y: number;
  k: number;
}

/** Zoom limits: far enough out to see ResNet-152 whole, close enough to read a box. */
export const minZoom = 0.02;
export const maxZoom = 4;

/**
 * The least zoom at which Fit leaves the boxes readable: the diagram's
 * smallest text (the 10 px badges, the 11 px shapes and parameter counts) is
 * then at least 9 px on screen.
 */
export const readableZoom = 0.9;

/** Handles input on `host` and writes the transform to `layer`. */
export class Viewport {
  private transform: Transform = { x: 0, y: 0, k: 1 };
  private drag: { pointer: number; x: number; y: number; moved: boolean } | undefined;
  /** True right after a drag ended, so the click that follows a pan is ignored. */
  private dragged = false;
  private readonly listeners: [EventTarget, string, EventListener][] = [];

  constructor(
    private readonly host: HTMLElement,
    private readonly layer: SVGGElement,
    private readonly onChange: () => void = () => {},
  ) {
    this.listen(host, 'pointerdown', (e) => this.pointerDown(e as PointerEvent));
    this.listen(host, 'pointermove', (e) => this.pointerMove(e as PointerEvent));
    this.listen(host, 'pointerup', (e) => this.pointerUp(e as PointerEvent));
    this.listen(host, 'pointercancel', (e) => this.pointerUp(e as PointerEvent));
    this.listen(host, 'wheel', (e) => this.wheel(e as WheelEvent));
    this.listen(host, 'keydown', (e) => this.key(e as KeyboardEvent));
  }

  private listen(target: EventTarget, type: string, handler: EventListener): void {
    const options = type === 'wheel' ? { passive: false } : undefined;
    target.addEventListener(type, handler, options);
    this.listeners.push([target, type, handler]);
  }

  /** The current transform (a copy). */
  get(): Transform {
    return { ...this.transform };
  }

  /** Sets the transform, clamping the zoom. */
  set(next: Transform): void {
    const k = Math.min(maxZoom, Math.max(minZoom, next.k));
    this.transform = { x: next.x, y: next.y, k };
    this.layer.setAttribute('transform', `translate(${next.x.toFixed(2)},${next.y.toFixed(2)}) scale(${k.toFixed(5)})`);
    this.onChange();
  }

  /** Zooms by `factor` around a screen point (the centre by default). */
  zoomBy(factor: number, at?: { x: number; y: number }): void {
    if (!(factor > 0) || !Number.isFinite(factor)) return;
    const { x, y, k } = this.transform;
    const point = at ?? { x: this.host.clientWidth / 2, y: this.host.clientHeight / 2 };
    const next = Math.min(maxZoom, Math.max(minZoom, k * factor));
    const ratio = next / k;
    this.set({ x: point.x - (point.x - x) * ratio, y: point.y - (point.y - y) * ratio, k: next });
  }

  /**
   * Shows the rectangle `width`×`height` (drawing units) whole and centred,
   * never enlarged past 1:1, unless that would draw its text too small to
   * read (below `readable`): then it fits the width instead (still no smaller
   * than `readable`) and starts at the top, and the rest is a scroll away
   * (the wheel pans). A long chain such as ResNet-152 fitted whole is a
   * column of unreadable specks; fitted to the width it reads at once.
   */
  fit(width: number, height: number, margin = 16, readable = readableZoom): void {
    const W = this.host.clientWidth;
    const H = this.host.clientHeight;
    const w = Math.max(1, W - 2 * margin);
    const h = Math.max(1, H - 2 * margin);
    const acrossWidth = Math.min(1, w / Math.max(1, width));
    const whole = Math.min(acrossWidth, h / Math.max(1, height));
    const k = Math.min(maxZoom, Math.max(minZoom, whole >= readable ? whole : Math.max(readable, acrossWidth)));
    // Centred along each axis where it fits; where it does not, it starts at its left or top edge.
    const along = (size: number, room: number) => (size * k <= room - 2 * margin ? (room - size * k) / 2 : margin);
    this.set({ x: along(width, W), y: along(height, H), k });
  }

  /**
   * Pans (keeping the zoom) so that a drawing rectangle is visible: centred
   * when it fits, else with its top left corner in view, where a frame has
   * its label and toggle.
   */
  reveal(box: { x: number; y: number; width: number; height: number }, margin = 16): void {
    const { x, y, k } = this.transform;
    const left = x + box.x * k;
    const top = y + box.y * k;
    const right = left + box.width * k;
    const bottom = top + box.height * k;
    const W = this.host.clientWidth;
    const H = this.host.clientHeight;
    if (left >= 0 && top >= 0 && right <= W && bottom <= H) return;
    const along = (start: number, size: number, room: number) => (size * k <= room - 2 * margin ? room / 2 - (start + size / 2) * k : margin - start * k);
    this.set({ x: along(box.x, box.width, W), y: along(box.y, box.height, H), k });
  }

  /** Pans (keeping the zoom) so that the centre of a drawing rectangle lands on a screen point (pixels from the host's top left). */
  moveTo(box: { x: number; y: number; width: number; height: number }, screen: { x: number; y: number }): void {
    const { k } = this.transform;
    this.set({ x: screen.x - (box.x + box.width / 2) * k, y: screen.y - (box.y + box.height / 2) * k, k });
  }

  /** Whether the last pointer interaction was a drag (a click after it should not select). */
  wasDrag(): boolean {
    return this.dragged;
  }

  private pointerDown(e: PointerEvent): void {
    if (e.button !== 0) return;
    this.drag = { pointer: e.pointerId, x: e.clientX, y: e.clientY, moved: false };
    this.dragged = false;
  }

  private pointerMove(e: PointerEvent): void {
    const drag = this.drag;
    if (!drag || drag.pointer !== e.pointerId) return;
    const dx = e.clientX - drag.x;
    const dy = e.clientY - drag.y;
    if (!drag.moved && Math.hypot(dx, dy) < 3) return;
    if (!drag.moved) {
      drag.moved = true;
      this.host.setPointerCapture?.(e.pointerId);
      this.host.classList.add('cnnd-panning');
    }
    drag.x = e.clientX;
    drag.y = e.clientY;
    this.set({ ...this.transform, x: this.transform.x + dx, y: this.transform.y + dy });
  }

  private pointerUp(e: PointerEvent): void {
    const drag = this.drag;
    if (!drag || drag.pointer !== e.pointerId) return;
    this.dragged = drag.moved;
    this.drag = undefined;
    this.host.classList.remove('cnnd-panning');
    if (this.host.hasPointerCapture?.(e.pointerId)) this.host.releasePointerCapture(e.pointerId);
  }

  private wheel(e: WheelEvent): void {
    e.preventDefault();
    const unit = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? this.host.clientHeight : 1;
    if (e.ctrlKey || e.metaKey) {
      // Trackpad pinches arrive as ctrl+wheel with small deltas; a mouse wheel notch is about 100.
      const rect = this.host.getBoundingClientRect();
      this.zoomBy(Math.exp(-e.deltaY * unit * 0.0025), { x: e.clientX - rect.left, y: e.clientY - rect.top });
    } else {
      this.set({ ...this.transform, x: this.transform.x - e.deltaX * unit, y: this.transform.y - e.deltaY * unit });
    }
  }

  /** Keys that the host handles; `fitKey` is answered by the owner (it knows the drawing's size). */
  private key(e: KeyboardEvent): void {
    if (e.key === '+' || e.key === '=') this.zoomBy(1.25);
    else if (e.key === '-' || e.key === '_') this.zoomBy(0.8);
    else return;
    e.preventDefault();
  }

  /** Removes every listener. */
  dispose(): void {
    for (const [target, type, handler] of this.listeners) target.removeEventListener(type, handler);
    this.listeners.length = 0;
  }
}
