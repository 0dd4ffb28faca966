/**
 * The paths that reach one unit (what the preview highlights and says about a
 * clicked feature-map pixel), and the per-layer receptive-field summary of the
 * diagram's hover, checked against the analysis's own per-statement fields.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { strict as assert } from 'node:assert';
import { analyze, graphReceptiveFields, unitPaths, unitWindow, type NetworkGraph } from '../../src/core';

function graphOf(source: string): NetworkGraph {
  const analysis = analyze(source, { graph: true });
  const graph = analysis.graphs?.[0];
  assert.ok(graph?.complete, analysis.diagnostics.map((d) => d.message).join('; '));
  return graph;
}

/** Every node a node reads, directly or not, and itself: found by following `inputs`, not by walking windows. */
function ancestors(graph: NetworkGraph, id: number): number[] {
  const seen = new Set<number>();
  const pending = [id];
  while (pending.length) {
    const next = pending.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    pending.push(...graph.nodes[next].inputs);
  }
  return [...seen].sort((a, b) => a - b);
}

describe('unit paths: the layers and merges that reach one unit', () => {
  it('a residual whose kernel-2 "same" body is centred half a pixel off its shortcut: the add is named, with both centres', () => {
    // conv(3, 2, padding="same") pads 0 in front and 1 behind, so unit (i, j) reads rows i..i+1 (centre i + 0.5); the shortcut reads row i.
    const graph = graphOf(readFileSync('test/data/diagnostics/misaligned.cnn', 'utf8'));
    const add = graph.nodes.find((n) => n.op === 'add')!;
    const paths = unitPaths(graph, add.id, [5, 7])!;
    assert.deepEqual(paths.nodes, ancestors(graph, add.id));
    assert.equal(paths.disagreements.length, 1);
    const [disagreement] = paths.disagreements;
    assert.equal(disagreement.merge, add.id);
    const conv = graph.nodes.find((n) => n.op === 'conv')!;
    const identity = graph.nodes.find((n) => n.op === 'identity')!;
    assert.deepEqual(
      disagreement.paths.map((p) => [p.from, p.window, p.centre]),
      [
        [
          conv.id,
          [
            [5, 6],
            [7, 8],
          ],
          [5.5, 7.5],
        ],
        [
          identity.id,
          [
            [5, 5],
            [7, 7],
          ],
          [5, 7],
        ],
      ],
    );
    assert.deepEqual(paths.gates, []);
  });

  it('ResNet-18: aligned shortcuts report no disagreement, and a unit of layer1 is reached by no later layer', () => {
    const graph = graphOf(readFileSync('examples/resnet18.cnn', 'utf8'));
    const adds = graph.nodes.filter((n) => n.op === 'add');
    for (const add of adds) {
      const [, h, w] = add.outShape;
      for (const at of [
        [0, 0],
        [h - 1, w - 1],
        [Math.floor(h / 2), Math.floor(w / 2)],
      ]) {
        const paths = unitPaths(graph, add.id, at)!;
        assert.deepEqual(paths.nodes, ancestors(graph, add.id));
        assert.deepEqual(paths.disagreements, [], `add ${add.id} at ${at}`);
      }
    }
    const first = unitPaths(graph, adds[0].id, [0, 0])!;
    assert.ok(first.nodes.every((id) => id <= adds[0].id));
  });

  it("EfficientNet-B0's squeeze-excitation multiplies are named as gates, and the gate does not count as a disagreement", () => {
    const graph = graphOf(readFileSync('examples/efficientnet_b0.cnn', 'utf8'));
    const gates = graph.nodes.filter((n) => n.op === 'multiply' && n.inShapes.some((s) => s.length > 1 && s.slice(1).every((d) => d === 1)));
    assert.equal(gates.length, 16);
    const last = gates.at(-1)!;
    const paths = unitPaths(graph, last.id, [3, 3])!;
    assert.deepEqual(
      paths.gates,
      gates.map((g) => g.id),
    );
    assert.deepEqual(paths.disagreements, []);
    // Through the gates the unit reads the whole input.
    assert.deepEqual(unitWindow(graph, last.id, [3, 3])!.visible, [
      [0, 223],
      [0, 223],
    ]);
  });

  it('refuses a unit outside the output, as unitWindow does', () => {
    const graph = graphOf(readFileSync('test/data/diagnostics/misaligned.cnn', 'utf8'));
    assert.equal(unitPaths(graph, 1, [32, 0]), null);
    assert.equal(unitPaths(graph, 1, [0]), null);
  });
});

describe('graphReceptiveFields: every layer, as the analysis gives every top-level statement', () => {
  const files = readdirSync('examples').filter((f) => f.endsWith('.cnn'));
  for (const file of files) {
    it(file, () => {
      const analysis = analyze(readFileSync(`examples/${file}`, 'utf8'), { graph: true });
      analysis.networks.forEach((network, index) => {
        const graph = analysis.graphs![index];
        const fields = graphReceptiveFields(graph);
        const offset = network.declaration.body[0]?.body.kind === 'call' && network.declaration.body[0].body.name === 'input' ? 0 : 1;
        network.statements.forEach((statement, s) => {
          const last = graph.nodes.filter((n) => n.statement === s + offset && !n.failed).at(-1);
          if (!last || !statement.receptiveField || last.outShape.length < 2) return;
          const field = fields[last.id];
          assert.ok(field, `${network.name} line ${statement.range.start.line + 1} has no field`);
          assert.deepEqual(field.size, statement.receptiveField.size, `size at line ${statement.range.start.line + 1}`);
          assert.deepEqual(field.jump, statement.receptiveField.jump, `jump at line ${statement.range.start.line + 1}`);
          assert.deepEqual(field.start, statement.receptiveField.start, `start at line ${statement.range.start.line + 1}`);
          assert.equal(field.gate !== undefined, statement.receptiveField.gate !== undefined, `gate at line ${statement.range.start.line + 1}`);
        });
      });
    });
  }
});
