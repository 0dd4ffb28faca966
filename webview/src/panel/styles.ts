/**
 * The panel's own CSS, in VS Code's theme colours (its CSS variables, with
 * fallbacks for plain browsers), injected with the page's nonce because the
 * content security policy allows no other styles.
 */
const css = `
:root { color-scheme: light dark; }
body { margin: 0; padding: 0; font-family: var(--vscode-font-family, system-ui, sans-serif); font-size: var(--vscode-font-size, 13px);
  color: var(--vscode-foreground, #333); background: var(--vscode-editor-background, #fff); height: 100vh; display: flex; flex-direction: column; overflow: hidden; }
#app { display: flex; flex-direction: column; height: 100vh; }
.toolbar { position: relative; display: flex; flex-wrap: wrap; gap: 6px 16px; align-items: center; padding: 6px 10px; border-bottom: 1px solid var(--vscode-panel-border, #ddd); }
.toolbar .group { display: flex; gap: 6px; align-items: center; flex-wrap: wrap; }
.toolbar .heading { flex: 1 1 auto; min-width: 200px; }
.title { font-size: 1.1em; }
.totals { opacity: 0.8; }
.field { display: inline-flex; gap: 4px; align-items: center; }
/* High-contrast themes define no secondary button background but a white (dark theme) or black (light theme)
   secondary foreground: the fallbacks follow the theme (editor background, foreground, contrast border), never a fixed grey. */
button { font: inherit; color: var(--vscode-button-secondaryForeground, var(--vscode-foreground, #333));
  background: var(--vscode-button-secondaryBackground, var(--vscode-editor-background, #e5e5e5));
  border: 1px solid var(--vscode-button-border, var(--vscode-contrastBorder, transparent)); border-radius: 2px; padding: 2px 8px; cursor: pointer; }
button.primary { color: var(--vscode-button-foreground, #fff); background: var(--vscode-button-background, var(--vscode-editor-background, #007acc)); }
button:hover { filter: brightness(1.1); }
button:disabled { opacity: 0.5; cursor: default; }
select { font: inherit; color: var(--vscode-dropdown-foreground, #333); background: var(--vscode-dropdown-background, #fff); border: 1px solid var(--vscode-dropdown-border, #ccc); padding: 1px 4px; max-width: 220px; }
/* A run must not change the toolbar's size: when Cancel and the progress bar took room as a run started, the toolbar of a
   narrow panel wrapped onto another line, and the diagram and side panel moved and were laid out and painted again,
   twice per run. Cancel keeps its room while hidden; the progress bar is a line along the toolbar's bottom edge. */
button[data-testid="cancel"][hidden] { display: inline-block; visibility: hidden; }
progress { position: absolute; left: 0; right: 0; bottom: -1px; width: 100%; height: 3px; border: none; accent-color: var(--vscode-progressBar-background, #0e70c0); }
/* For the same reason, what a Run waits for takes no room in the toolbar: it hangs just below the toolbar's edge, over the
   content, where it covers no control (above the edge it covered the Run button of a toolbar wrapped in a narrow panel). */
.run-status { position: absolute; right: 10px; top: calc(100% + 3px); z-index: 1; padding: 1px 6px; border-radius: 2px; font-size: 0.85em; pointer-events: none; color: var(--vscode-editorWidget-foreground, inherit); background: var(--vscode-editorWidget-background, var(--vscode-editor-background, #f3f3f3)); box-shadow: 0 0 4px var(--vscode-widget-shadow, rgba(0,0,0,0.2)); }
.run-status:empty { display: none; }
.note { padding: 2px 10px; opacity: 0.85; font-size: 0.92em; }
.messages { padding: 0 10px; }
.messages .message { margin: 4px 0; padding: 4px 8px; border-left: 3px solid var(--vscode-editorWarning-foreground, #bf8803); background: var(--vscode-inputValidation-warningBackground, rgba(191,136,3,0.1)); }
.messages .message.error { border-left-color: var(--vscode-errorForeground, #e51400); background: var(--vscode-inputValidation-errorBackground, rgba(229,20,0,0.08)); }
main { flex: 1 1 auto; display: flex; min-height: 0; }
.diagram { flex: 3 1 0; min-width: 0; position: relative; overflow: hidden; border-right: 1px solid var(--vscode-panel-border, #ddd); }
.side { flex: 2 1 0; min-width: 240px; overflow: auto; padding: 8px 10px; }
.side h2 { font-size: 1.05em; margin: 4px 0 8px; }
.drop-hint { position: fixed; inset: 0; display: flex; align-items: center; justify-content: center; font-size: 1.4em; pointer-events: none;
  background: color-mix(in srgb, var(--vscode-editor-background, #fff) 80%, transparent); border: 3px dashed var(--vscode-focusBorder, #007acc); }
.drop-hint[hidden] { display: none; }
table.timing-table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
table.timing-table td, table.timing-table th { padding: 1px 6px; text-align: left; border-bottom: 1px solid var(--vscode-panel-border, #eee); }
`;

/** Adds the stylesheet to the document head. */
export function injectStyles(nonce: string | undefined): void {
  const style = document.createElement('style');
  if (nonce) style.setAttribute('nonce', nonce);
  style.textContent = css;
  document.head.append(style);
}
