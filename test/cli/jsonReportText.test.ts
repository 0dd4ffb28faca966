/**
 * `cnn check --json` writes its report a network at a time (src/cli/jsonReportText.ts); the text must be exactly
 * what `JSON.stringify(report, null, 2)` writes, the layout scripts and people have read since the contract began.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { analysisMemory, analyze, toJsonDiagnostics, toJsonNetwork, toJsonReport, type Analysis, type NetworkMemory } from '../../src/core';
import { fileText, networkText, reportText } from '../../src/cli/jsonReportText';
import { examplesDir, readText } from '../helpers';

/** A file's analysis and, when asked, its networks' memory at batch 8. */
interface Case {
  path: string;
  analysis: Analysis;
  memory?: (NetworkMemory | null)[];
}

function analysed(path: string, text: string, withMemory: boolean): Case {
  const analysis = analyze(text);
  return { path, analysis, memory: withMemory ? analysisMemory(analyze(text, { graph: true }), { batch: 8, optimizer: 'sgd', precision: 'fp32' }) : undefined };
}

const resnet = readText(join(examplesDir, 'resnet18.cnn'));
const twoNetworks = `${readText(join(examplesDir, 'lenet5.cnn'))}\nnetwork Broken {\n  input(3x8x8)\n  conv(4, 9)\n}\n`;
const reports: { name: string; cases: Case[]; error?: object }[] = [
  { name: 'no file', cases: [] },
  { name: 'an empty file (no diagnostics, no networks)', cases: [analysed('empty.cnn', '', false)] },
  { name: 'ResNet-18', cases: [analysed('resnet18.cnn', resnet, false)] },
  { name: 'ResNet-18 with memory, and two networks one of which fails', cases: [analysed('resnet18.cnn', resnet, true), analysed('two.cnn', twoNetworks, true)] },
  { name: 'an internal error riding along', cases: [analysed('two.cnn', twoNetworks, false)], error: { code: 'internal-error', message: 'line 1\nline "2"', path: 'two.cnn' } },
];

describe("cnn check --json's text, written a network at a time", () => {
  for (const { name, cases, error } of reports) {
    it(`is JSON.stringify's layout: ${name}`, () => {
      const files = cases.map(({ path, analysis, memory }) => toJsonReport(path, analysis, memory));
      const expected = JSON.stringify(error ? { files, error } : { files }, null, 2);
      const fileTexts = cases.map(({ path, analysis, memory }) =>
        fileText(
          path,
          toJsonDiagnostics(analysis),
          analysis.networks.map((network, index) => networkText(toJsonNetwork(network, memory ? (memory[index] ?? null) : undefined))),
        ),
      );
      assert.equal(reportText(fileTexts, error), expected);
    });
  }

  it('has memory where asked: ResNet-18 saves 177,477,120 bytes at batch 8 (PyTorch measures the same)', () => {
    const [withMemory] = reports[3].cases;
    const network = toJsonNetwork(withMemory.analysis.networks[0], withMemory.memory![0]);
    assert.equal(network.memory?.savedActivations, 177_477_120);
    assert.equal(toJsonNetwork(reports[3].cases[1].analysis.networks[1], reports[3].cases[1].memory![1]).memory, null);
  });
});
