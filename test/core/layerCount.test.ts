/**
 * The plain analysis counts the layers a network's graph records (every
 * repeat pass and block call expanded), although it fast-forwards repeats and
 * replays memoised calls: the server skips an analysis with graphs that could
 * only stop at maxGraphLayers. The recorded graph is the oracle: for every
 * example and test file whose graph is complete, the count is its node count.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze, expandedLayerCount, maxGraphLayers } from '../../src/core';

function cnnFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.cnn'))
    .map((name) => join(dir, name));
}

/** Repeats, residuals, concats and calls of memoised blocks, nested in one another. */
const mixed = `block Unit(c) {
  conv(c, 3, padding=1)
  relu
}
block Pair(c) {
  Unit(c)
  Unit(c)
}
network Mixed {
  input(8x16x16)
  repeat(3) {
    residual { Pair(8) }
    Pair(8)
  }
  concat {
    branch { repeat(4) { Unit(8) } }
    branch { conv(8, 1) }
  }
  repeat(200) { Pair(16) }
}
`;

describe('layers a graph records, counted from the plain analysis', () => {
  const files: [string, string][] = [...cnnFiles('examples'), ...cnnFiles('test/data')].map((path) => [path, readFileSync(path, 'utf8')]);
  files.push(['repeats, residuals, concats and memoised calls', mixed]);
  let compared = 0;
  for (const [name, text] of files) {
    it(`${name}: the count is the recorded graph's node count`, () => {
      const plain = analyze(text);
      const { graphs } = analyze(text, { graph: true });
      for (const [index, network] of plain.networks.entries()) {
        const graph = graphs![index];
        // A graph stops recording at a failed layer's output; the count is only promised for networks without errors.
        if (!graph.complete) continue;
        assert.equal(expandedLayerCount(network), graph.nodes.length, network.name);
        compared++;
      }
    });
  }
  it('compared the networks of every example', () => {
    assert.ok(compared >= 20, `${compared} networks compared`);
  });

  it('counts past the cap without recording: a million layers of nested repeats', () => {
    const network = analyze('network Deep {\n  input(4x8x8)\n  repeat(1000) {\n    repeat(1000) { relu }\n  }\n}\n').networks[0];
    assert.equal(expandedLayerCount(network), 1_000_001);
    assert.ok(expandedLayerCount(network) > maxGraphLayers);
  });

  it('a megabyte-like run of memoised calls is counted from the memo (one conv and one relu per call)', () => {
    const text = `block B(c) {\n  conv(c, 3, padding=1)\n  relu\n}\nnetwork Calls {\n  input(8x8x8)\n${'  B(8)\n'.repeat(20_000)}}\n`;
    assert.equal(expandedLayerCount(analyze(text).networks[0]), 1 + 2 * 20_000);
  });
});
