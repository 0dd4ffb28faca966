/**
 * The expanded dataflow graph (`analyze(text, { graph: true })`) that the
 * preview draws and runs: it must hold exactly the layers the analysis
 * counted, wired the way the source says.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { analyze, type NetworkGraph } from '../../src/core';

function graphOf(text: string): NetworkGraph {
  const analysis = analyze(text, { graph: true });
  assert.ok(analysis.graphs, 'graphs are recorded when asked for');
  return analysis.graphs[0];
}

function example(name: string): string {
  return readFileSync(`examples/${name}.cnn`, 'utf8');
}

function countOps(graph: NetworkGraph): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const node of graph.nodes) counts[node.op] = (counts[node.op] ?? 0) + 1;
  return counts;
}

describe('network graph', () => {
  it('is only built when asked for', () => {
    assert.equal(analyze(example('mnist')).graphs, undefined);
  });

  it('stops at 250,000 layers with too-large, where the plain analysis extrapolates the repeats to the end', () => {
    // 300,000 relus: 1,000 passes of 300. The work budget grows with the text: a long comment lifts it past 250,000 steps.
    const text = `# ${'x'.repeat(150_000)}\nnetwork Wide {\n  input(3x8x8)\n  repeat(1000) {\n    repeat(300) {\n      relu\n    }\n  }\n}\n`;
    const plain = analyze(text);
    assert.deepEqual([plain.diagnostics, plain.networks[0].output, plain.networks[0].activations], [[], [3, 8, 8], 300_000 * 192]);
    const withGraphs = analyze(text, { graph: true });
    const [graph] = withGraphs.graphs!;
    assert.deepEqual([graph.nodes.length, graph.complete, withGraphs.networks[0].stopped], [250_000, false, true]);
    assert.deepEqual(
      withGraphs.diagnostics.map((d) => [d.code, d.range.start.line, d.message]),
      [
        [
          'too-large',
          3,
          'The graph of Wide has more than 250,000 layers here (every repeat pass and block call expanded); CNN Lens stops recording its graph here, so its training memory and forward pass are unavailable.',
        ],
      ],
    );
  });

  for (const [name, convs, adds] of [
    // ResNet-18: stem + 8 blocks x 2 + 3 downsampling projections; one add per block.
    ['resnet18', 20, 8],
    // ResNet-152: stem + 50 bottlenecks x 3 + 4 projections; one add per bottleneck.
    ['resnet152', 155, 50],
  ] as const) {
    it(`${name}: every layer once per call, parameters summing to the analysis totals`, () => {
      const analysis = analyze(example(name), { graph: true });
      const graph = analysis.graphs![0];
      const network = analysis.networks[0];
      assert.equal(graph.complete, true);
      const counts = countOps(graph);
      assert.equal(counts.conv, convs);
      assert.equal(counts.add, adds);
      const trainable = graph.nodes.reduce((sum, n) => sum + n.params.trainable, 0);
      const nonTrainable = graph.nodes.reduce((sum, n) => sum + n.params.nonTrainable, 0);
      const macs = graph.nodes.reduce((sum, n) => sum + n.macs, 0);
      assert.deepEqual({ trainable, nonTrainable }, network.params);
      assert.equal(macs, network.macs);
      assert.deepEqual(graph.nodes[graph.output!].outShape, network.output);
    });
  }

  it('wires each node to the outputs it reads, with matching shapes', () => {
    for (const name of ['resnet50', 'unet', 'alexnet', 'audio1d', 'video3d']) {
      const graph = graphOf(example(name));
      assert.equal(graph.complete, true, name);
      for (const node of graph.nodes) {
        assert.equal(node.inputs.length, node.inShapes.length);
        node.inputs.forEach((input, i) => {
          assert.ok(input < node.id, `${name}: node ${node.id} reads a later node`);
          assert.deepEqual(graph.nodes[input].outShape, node.inShapes[i], `${name}: node ${node.id} input ${i}`);
        });
      }
    }
  });

  it('U-Net: each concat reads the labelled encoder output it names', () => {
    const graph = graphOf(example('unet'));
    const concats = graph.nodes.filter((n) => n.op === 'concat');
    assert.equal(concats.length, 3);
    for (const node of concats) {
      const skip = graph.nodes[node.inputs[1]];
      assert.ok(skip.label, `concat ${node.id} reads a labelled tensor`);
      assert.deepEqual(skip.outShape.slice(1), node.outShape.slice(1));
    }
  });

  it('expands repeat passes instead of fast-forwarding them', () => {
    const graph = graphOf('network n { input(8x16x16)\n repeat(4) { conv(8, 3, padding=1); relu } }');
    assert.deepEqual(countOps(graph), { input: 1, conv: 4, relu: 4 });
    const passes = graph.groups.filter((g) => g.label.startsWith('pass '));
    assert.deepEqual(
      passes.map((g) => g.label),
      ['pass 1 of 4', 'pass 2 of 4', 'pass 3 of 4', 'pass 4 of 4'],
    );
    // Every pass sits inside the one repeat group.
    const repeat = graph.groups.find((g) => g.label === 'repeat ×4')!;
    assert.ok(passes.every((g) => g.parent === repeat.id));
  });

  it('records resolved settings: "same" padding with stride 2 puts the odd pixel right', () => {
    const graph = graphOf('network n { input(3x7x7)\n conv(8, 3, stride=2, padding="same", bias=false) }');
    assert.deepEqual(graph.nodes[1].attributes, {
      out: 8,
      groups: 1,
      bias: false,
      kernel: [3, 3],
      stride: [2, 2],
      dilation: [1, 1],
      padLeft: [1, 1],
      padRight: [1, 1],
    });
    const even = graphOf('network n { input(1x8)\n maxpool(2, stride=1, padding="same") }');
    assert.deepEqual(even.nodes[1].attributes.padLeft, [0]);
    assert.deepEqual(even.nodes[1].attributes.padRight, [1]);
  });

  it('marks the graph incomplete after a failed statement, keeping the layers before it and the one that failed', () => {
    const graph = graphOf('network n { input(1x5x5)\n conv(4, 3)\n conv(4, 9)\n relu }');
    assert.equal(graph.complete, false);
    assert.deepEqual(countOps(graph), { input: 1, conv: 2 });
    // conv(4, 9) on 3x3 maps has no output: it is recorded as failed, reading the first conv, with no shape.
    const failed = graph.nodes[2];
    assert.deepEqual([failed.failed, failed.written, failed.inputs, failed.outShape, failed.range.start.line], [true, 'conv', [1], [], 2]);
    assert.equal(graph.nodes.filter((n) => n.failed).length, 1);
    assert.equal(graph.output, null);
  });

  it('records the failed layer inside a residual body while the shortcut still draws', () => {
    const graph = graphOf('network n { input(4x5x5)\n residual { conv(4, 9) } shortcut { conv(4, 1) }\n relu }');
    assert.equal(graph.complete, false);
    assert.deepEqual(
      graph.nodes.map((n) => [n.op, n.failed ?? false]),
      [
        ['input', false],
        ['conv', true],
        ['conv', false],
      ],
    );
    // Nothing reads the failed layer, and the merge that needed it is not drawn.
    assert.ok(graph.nodes.every((n) => !n.inputs.includes(1)));
  });

  it('puts block layers in a group per call, labelled with the call', () => {
    const graph = graphOf('block B(c) { conv(c, 3, padding=1); relu }\nnetwork n { input(3x8x8)\n B(4)\n B(8) }');
    assert.deepEqual(
      graph.groups.map((g) => [g.kind, g.label]),
      [
        ['block', 'B(4)'],
        ['block', 'B(8)'],
      ],
    );
    assert.deepEqual(
      graph.nodes.slice(1).map((n) => [n.op, n.group, n.statement]),
      [
        ['conv', 0, 1],
        ['relu', 0, 1],
        ['conv', 1, 2],
        ['relu', 1, 2],
      ],
    );
  });

  it("labels a call inside a block with its arguments' values, keyword names kept", () => {
    const source = 'block Inner(c, s=1) { conv(c, 3, stride=s, padding=1) }\nblock Outer(w) { Inner(w * 2, s=2) }\nnetwork n { input(3x8x8)\n Outer(16) }';
    assert.deepEqual(
      graphOf(source).groups.map((g) => g.label),
      ['Outer(16)', 'Inner(32, s=2)'],
    );
  });
});
