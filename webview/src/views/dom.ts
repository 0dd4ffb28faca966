/**
 * The one DOM helper the views share. Styles go through CSS classes and the
 * CSSOM (`element.style.x = ...`), never a `style` attribute, which the
 * webview's content security policy would block.
 */

/** A new element with attributes and, optionally, text. */
export function element<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

const svgNamespace = 'http://www.w3.org/2000/svg';

/** A new SVG element with attributes. */
export function svgElement<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number> = {}): SVGElementTagNameMap[K] {
  const node = document.createElementNS(svgNamespace, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  return node;
}
