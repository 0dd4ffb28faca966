/**
 * The networks every export target is tested on: each example, each golden
 * diagnostics file that has no errors, and the engine's parity networks
 * (which together use every op family with non-default settings). Each file
 * contributes every network it defines.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../../src/core/index';
import { PARITY_NETS } from '../webview/engineNets';

/** One network of one file. */
export interface ExportCase {
  /** `examples/resnet18.cnn` or `parity:merges`, plus the network when the file has several. */
  title: string;
  text: string;
  network: string;
  /** Whether it is the file's first network (the one the preview's engine runs). */
  first: boolean;
}

function casesOf(title: string, text: string): ExportCase[] {
  const analysis = analyze(text);
  if (analysis.diagnostics.some((d) => d.severity === 'error')) return [];
  return analysis.networks.map((n, i) => ({ title: analysis.networks.length > 1 ? `${title} (${n.name})` : title, text, network: n.name, first: i === 0 }));
}

/** Every case, examples first. */
export function exportCases(): ExportCase[] {
  const cases: ExportCase[] = [];
  for (const dir of ['examples', 'test/data/diagnostics']) {
    for (const name of readdirSync(dir).filter((f) => f.endsWith('.cnn')).sort()) cases.push(...casesOf(`${dir}/${name}`, readFileSync(join(dir, name), 'utf8')));
  }
  for (const [name, text] of Object.entries(PARITY_NETS)) cases.push(...casesOf(`parity:${name}`, text));
  return cases;
}
