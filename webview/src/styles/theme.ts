/**
 * The colours and fonts of the preview, taken from VS Code's theme variables
 * (`--vscode-*`, set on the webview's root) with fallbacks for a plain browser.
 * The live diagram uses `var(...)` so it follows theme changes; an export
 * resolves them to concrete values so the file renders anywhere.
 */

/** The theme roles the diagram and the views use. */
export type ThemeRole =
  | 'background'
  | 'foreground'
  | 'muted'
  | 'border'
  | 'surface'
  | 'focus'
  | 'error'
  | 'warning'
  | 'info'
  | 'edge'
  | 'skip'
  | 'conv'
  | 'pool'
  | 'norm'
  | 'dense'
  | 'merge'
  | 'group'
  | 'fontFamily'
  | 'monoFamily';

/** A value per role: either `var(--vscode-x, fallback)` (live) or a resolved colour or font list (export). */
export type Palette = Record<ThemeRole, string>;

/** Each role's VS Code variable and the value used outside VS Code (light theme). */
export const themeVariables: Record<ThemeRole, readonly [variable: string, fallback: string]> = {
  background: ['--vscode-editor-background', '#ffffff'],
  foreground: ['--vscode-editor-foreground', '#1f1f1f'],
  muted: ['--vscode-descriptionForeground', '#616161'],
  border: ['--vscode-editorWidget-border', '#c8c8c8'],
  surface: ['--vscode-editorWidget-background', '#f3f3f3'],
  focus: ['--vscode-focusBorder', '#0090f1'],
  error: ['--vscode-errorForeground', '#e51400'],
  warning: ['--vscode-editorWarning-foreground', '#bf8803'],
  info: ['--vscode-editorInfo-foreground', '#1a85ff'],
  edge: ['--vscode-editorLineNumber-foreground', '#6e7681'],
  skip: ['--vscode-charts-orange', '#d18616'],
  conv: ['--vscode-charts-blue', '#1a85ff'],
  pool: ['--vscode-charts-green', '#388a34'],
  norm: ['--vscode-charts-yellow', '#bf8803'],
  dense: ['--vscode-charts-purple', '#652d90'],
  merge: ['--vscode-charts-orange', '#d18616'],
  group: ['--vscode-charts-purple', '#652d90'],
  fontFamily: ['--vscode-font-family', 'system-ui, -apple-system, "Segoe UI", Ubuntu, "Droid Sans", sans-serif'],
  monoFamily: ['--vscode-editor-font-family', 'Menlo, Consolas, "DejaVu Sans Mono", "Liberation Mono", monospace'],
};

const roles = Object.keys(themeVariables) as ThemeRole[];

/** The live palette: CSS variable references with their fallbacks. */
export function livePalette(): Palette {
  const palette = {} as Palette;
  for (const role of roles) {
    const [variable, fallback] = themeVariables[role];
    palette[role] = `var(${variable}, ${fallback})`;
  }
  return palette;
}

/** The palette with every variable resolved against `element`'s computed style, for a self-contained export. */
export function resolvedPalette(element: Element): Palette {
  const style = getComputedStyle(element);
  const palette = {} as Palette;
  for (const role of roles) {
    const [variable, fallback] = themeVariables[role];
    const value = style.getPropertyValue(variable).trim();
    // A theme value could itself refer to a variable; a file outside VS Code cannot resolve that.
    palette[role] = value && !value.includes('var(') ? value : fallback;
  }
  return palette;
}

/**
 * Adds a stylesheet to the document, or replaces its text, under `id`. The
 * webview has no CSS loader, so styles ship as strings; its content security
 * policy admits only `<style>` elements that carry the page's nonce, which the
 * panel's HTML puts on `<body data-nonce>`.
 */
export function injectStyle(id: string, css: string, doc: Document = document): void {
  let element = doc.getElementById(id) as HTMLStyleElement | null;
  if (!element) {
    element = doc.createElement('style');
    element.id = id;
    const nonce = doc.body?.dataset.nonce;
    if (nonce) element.setAttribute('nonce', nonce);
    doc.head.appendChild(element);
  }
  if (element.textContent !== css) element.textContent = css;
}
