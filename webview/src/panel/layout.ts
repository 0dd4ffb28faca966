/**
 * The panel's DOM skeleton: a toolbar, the diagram on the left and the
 * selected layer's feature maps on the right. Only structure lives here; the
 * controller (app.ts) fills it.
 */

/** What the Run button says on hover while no network is shown. */
export const noNetworkYet = 'Run is off until the panel shows a network';

/** The elements the controller works with. */
export interface PanelElements {
  title: HTMLElement;
  totals: HTMLElement;
  networkSelect: HTMLSelectElement;
  fitButton: HTMLButtonElement;
  zoomInButton: HTMLButtonElement;
  zoomOutButton: HTMLButtonElement;
  exportSvgButton: HTMLButtonElement;
  exportPngButton: HTMLButtonElement;
  exportNetworkButton: HTMLButtonElement;
  inputSelect: HTMLSelectElement;
  weightsSelect: HTMLSelectElement;
  backendSelect: HTMLSelectElement;
  runButton: HTMLButtonElement;
  cancelButton: HTMLButtonElement;
  progress: HTMLProgressElement;
  /** What a Run waits for before its layers run (the weights, the filters), beside the progress line; empty otherwise. */
  runStatus: HTMLElement;
  backendNote: HTMLElement;
  messages: HTMLElement;
  diagram: HTMLElement;
  side: HTMLElement;
  layerTitle: HTMLElement;
  maps: HTMLElement;
  histogram: HTMLElement;
  topClasses: HTMLElement;
  timing: HTMLElement;
  dropHint: HTMLElement;
}

function element<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(label: string, title: string, testId: string): HTMLButtonElement {
  return element('button', { type: 'button', title, 'aria-label': title, 'data-testid': testId }, label);
}

function labelled(text: string, control: HTMLElement): HTMLLabelElement {
  const label = element('label', { class: 'field' });
  label.append(element('span', {}, text), control);
  return label;
}

/** Builds the skeleton inside `root` and returns its parts. */
export function buildLayout(root: HTMLElement): PanelElements {
  const header = element('header', { class: 'toolbar' });
  const title = element('strong', { class: 'title', 'data-testid': 'title' });
  const totals = element('span', { class: 'totals', 'data-testid': 'totals' });
  const networkSelect = element('select', { 'aria-label': 'Network', 'data-testid': 'network' });
  const fitButton = button('Fit', 'Fit the diagram to the panel (0)', 'fit');
  const zoomOutButton = button('−', 'Zoom out (-)', 'zoom-out');
  const zoomInButton = button('+', 'Zoom in (+)', 'zoom-in');
  const exportSvgButton = button('SVG', 'Export the diagram as SVG', 'export-svg');
  const exportPngButton = button('PNG', 'Export the diagram as PNG', 'export-png');
  const exportNetworkButton = button('Export…', 'Export the network as PyTorch, ONNX or Keras', 'export-network');
  const inputSelect = element('select', { 'aria-label': 'Input', 'data-testid': 'input' });
  const weightsSelect = element('select', { 'aria-label': 'Weights', 'data-testid': 'weights' });
  const backendSelect = element('select', { 'aria-label': 'Backend', 'data-testid': 'backend' });
  // Off until a network is shown (panel/app.ts: showGraphProblems turns it on): a Run before that has nothing to run.
  const runButton = element('button', { type: 'button', class: 'primary', title: noNetworkYet, 'data-testid': 'run' }, 'Run ▶');
  runButton.disabled = true;
  const cancelButton = button('Cancel', 'Stop the forward pass', 'cancel');
  cancelButton.hidden = true;
  const progress = element('progress', { max: '1', value: '0', 'data-testid': 'progress' });
  progress.hidden = true;
  const runStatus = element('span', { class: 'run-status', role: 'status', 'data-testid': 'run-status' });

  const view = element('div', { class: 'group' });
  view.append(fitButton, zoomOutButton, zoomInButton, exportSvgButton, exportPngButton, exportNetworkButton);
  const run = element('div', { class: 'group' });
  run.append(labelled('Input', inputSelect), labelled('Weights', weightsSelect), labelled('Backend', backendSelect), runButton, cancelButton, progress, runStatus);
  const heading = element('div', { class: 'group heading' });
  heading.append(title, networkSelect, totals);
  header.append(heading, view, run);

  const backendNote = element('div', { class: 'note', 'data-testid': 'backend-note' });
  const messages = element('div', { class: 'messages', role: 'status', 'data-testid': 'messages' });

  const main = element('main');
  const diagram = element('section', { class: 'diagram', 'aria-label': 'Layer diagram', 'data-testid': 'diagram' });
  const side = element('aside', { class: 'side', 'aria-label': 'Feature maps', 'data-testid': 'side' });
  const layerTitle = element('h2', { 'data-testid': 'layer-title' }, 'Select a layer, then Run');
  const maps = element('div', { class: 'maps', 'data-testid': 'maps' });
  const histogram = element('div', { class: 'histogram' });
  const topClasses = element('div', { class: 'top-classes' });
  const timing = element('div', { class: 'timing' });
  side.append(layerTitle, topClasses, maps, histogram, timing);
  main.append(diagram, side);

  const dropHint = element(
    'div',
    { class: 'drop-hint', 'data-testid': 'drop-hint' },
    'Drop an image to use it as the input, or an .onnx or .keras model to import it (in VS Code, hold Shift while dropping)',
  );
  dropHint.hidden = true;
  root.append(header, backendNote, messages, main, dropHint);
  return {
    title,
    totals,
    networkSelect,
    fitButton,
    zoomInButton,
    zoomOutButton,
    exportSvgButton,
    exportPngButton,
    exportNetworkButton,
    inputSelect,
    weightsSelect,
    backendSelect,
    runButton,
    cancelButton,
    progress,
    runStatus,
    backendNote,
    messages,
    diagram,
    side,
    layerTitle,
    maps,
    histogram,
    topClasses,
    timing,
    dropHint,
  };
}
