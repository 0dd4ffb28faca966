/**
 * The diagram model, its texts and its lookups, in plain Node (no DOM): what
 * the preview draws for the example networks, derived from their source.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { analyze, type NetworkGraph } from '../../src/core';
import { withCommas } from '../../src/core/format';
import { argumentText, formatShapeText, titleText } from '../../webview/src/diagram/format';
import { boxOfGraphNode, matchLine } from '../../webview/src/diagram/lookup';
import { buildDiagramModel, collapseThreshold, type DiagramDiagnostic, type DiagramModel } from '../../webview/src/diagram/model';

function example(name: string): string {
  return readFileSync(`examples/${name}.cnn`, 'utf8');
}

function graphOf(text: string): NetworkGraph {
  const graph = analyze(text, { graph: true }).graphs?.[0];
  assert.ok(graph, 'the analysis recorded a graph');
  return graph;
}

/** The 0-based line of the only line of `text` that contains `needle`. */
function lineOf(text: string, needle: string): number {
  const lines = text.split('\n');
  const found = lines.flatMap((l, i) => (l.includes(needle) ? [i] : []));
  assert.equal(found.length, 1, `exactly one line contains ${needle}`);
  return found[0];
}

/** How many times the network body calls a block whose name matches `pattern`, counted in the source. */
function callsIn(text: string, pattern: RegExp): number {
  const body = text.slice(text.indexOf('network '));
  return body.split('\n').filter((l) => pattern.test(l.replace(/#.*/, ''))).length;
}

function node(model: DiagramModel, id: string) {
  const found = model.nodes.find((n) => n.id === id);
  assert.ok(found, `box ${id} exists`);
  return found;
}

describe('diagram model', () => {
  describe('ResNet-18', () => {
    const text = example('resnet18');
    const graph = graphOf(text);
    const model = buildDiagramModel(graph);
    // Two BasicBlock(64) inside repeat(2), plus one BasicBlock and one DownBasicBlock per later stage.
    const blocks = 2 + callsIn(text, /^\s*(Down)?BasicBlock\(/);
    const projections = callsIn(text, /^\s*DownBasicBlock\(/);

    it('draws every layer as its own box when the network is small', () => {
      assert.ok(graph.nodes.length <= collapseThreshold);
      assert.deepEqual(model.collapsed, []);
      assert.equal(model.nodes.length, graph.nodes.length);
    });

    it('has one residual add per basic block, fed by the branch and by a skip edge', () => {
      assert.equal(blocks, 8);
      assert.equal(projections, 3);
      const adds = model.nodes.filter((n) => n.op === 'add');
      assert.equal(adds.length, blocks);
      for (const add of adds) {
        const incoming = model.edges.filter((e) => e.to === add.id);
        assert.deepEqual(incoming.map((e) => e.kind).sort(), ['data', 'skip'], add.id);
        assert.equal(add.title, 'add', 'a residual statement’s implicit sum reads "add"');
      }
      const skips = model.edges.filter((e) => e.kind === 'skip');
      assert.equal(skips.length, blocks, 'no other edge is a skip');
      // A projection shortcut ends in the batch norm after its strided 1x1 convolution; an identity shortcut is the block's input.
      const fromProjection = skips.filter((e) => node(model, e.from).op === 'batchnorm');
      assert.equal(fromProjection.length, projections);
      for (const skip of fromProjection) {
        const conv = graph.nodes[graph.nodes[node(model, skip.from).graphNodes[0]].inputs[0]];
        assert.equal(conv.op, 'conv');
        assert.deepEqual(
          [conv.attributes.kernel, conv.attributes.stride],
          [
            [1, 1],
            [2, 2],
          ],
        );
      }
      for (const skip of skips.filter((e) => !fromProjection.includes(e))) {
        const add = graph.nodes[node(model, skip.to).graphNodes[0]];
        const source = graph.nodes[node(model, skip.from).graphNodes[0]];
        assert.deepEqual(source.outShape, add.outShape, 'an identity shortcut keeps the shape');
        assert.ok(['relu', 'maxpool'].includes(source.op), `identity shortcut from ${source.op}`);
      }
    });

    it('lets every block call and the repeat collapse, but not repeat passes or residual statements', () => {
      const byKind = (kind: string) => graph.groups.filter((g) => g.kind === kind).map((g) => g.id);
      // Eight basic blocks, each calling BasicBranch once.
      assert.equal(byKind('block').length, 2 * blocks);
      const repeat = graph.groups.find((g) => g.kind === 'repeat' && g.parent === undefined);
      assert.ok(repeat);
      assert.deepEqual(
        [...model.collapsible].sort((a, b) => a - b),
        [...byKind('block'), repeat.id].sort((a, b) => a - b),
      );
      for (const id of byKind('residual')) assert.ok(!model.collapsible.includes(id));
      assert.deepEqual(
        model.frames.map((f) => f.groupId).sort((a, b) => a - b),
        model.collapsible.slice().sort((a, b) => a - b),
        'every expanded collapsible group is drawn as a frame',
      );
      const repeatFrame = model.frames.find((f) => f.groupId === repeat.id);
      // The repeat holds two blocks, which hold a branch each: two frame levels below it.
      assert.equal(repeatFrame?.level, 2);
    });

    it('collapses a block call into one box that stands for its layers and their parameters', () => {
      const first = graph.groups.find((g) => g.label === 'BasicBlock(64)');
      assert.ok(first);
      const collapsed = buildDiagramModel(graph, { collapsed: [first.id] });
      const box = node(collapsed, `g${first.id}`);
      // BasicBranch's conv, batchnorm, relu, conv, batchnorm, the residual add and the block's relu.
      assert.equal(box.graphNodes.length, 7);
      assert.equal(box.args, '7 layers');
      // Two bias-free 3x3 convolutions from 64 to 64 channels and two batch norms with a scale and shift per channel.
      assert.equal(box.params, 2 * 64 * 64 * 3 * 3 + 2 * 2 * 64);
      assert.equal(box.paramsText, '73,984');
      assert.equal(collapsed.nodes.length, model.nodes.length - 7 + 1);
      assert.equal(collapsed.edges.filter((e) => e.to === box.id).length, 1, 'only the block input enters');
      assert.equal(collapsed.edges.filter((e) => e.from === box.id).length, 2, 'its output feeds the next block and its skip');
      assert.ok(!collapsed.frames.some((f) => f.groupId === first.id), 'a collapsed group has no frame');
      assert.equal(boxOfGraphNode(collapsed, box.graphNodes[3])?.id, box.id);
      assert.notEqual(collapsed.structureKey, model.structureKey);
    });

    it('marks the frame of a statement with a diagnostic, and the box that replaces it when collapsed', () => {
      const broken = text.replace('repeat(2) { BasicBlock(64) }                   -> 64x56x56', 'repeat(2) { BasicBlock(64) }                   -> 64x56x57');
      const analysis = analyze(broken, { graph: true });
      const diagnostics: DiagramDiagnostic[] = analysis.diagnostics;
      assert.equal(diagnostics.length, 1);
      const g = analysis.graphs![0];
      const repeat = g.groups.find((x) => x.kind === 'repeat' && x.parent === undefined)!;
      const expanded = buildDiagramModel(g, { diagnostics });
      const frame = expanded.frames.find((f) => f.groupId === repeat.id);
      assert.equal(frame?.severity, 'error');
      assert.deepEqual(frame?.messages, [diagnostics[0].message]);
      assert.equal(expanded.nodes.filter((n) => n.severity).length, 0, 'no layer inside is wrong');
      const collapsed = buildDiagramModel(g, { diagnostics, collapsed: [repeat.id] });
      assert.equal(node(collapsed, `g${repeat.id}`).severity, 'error');
    });

    it('lights up every call of a block line and, on a call inside braces, the call’s frame rather than the sum', () => {
      const branchConv = lineOf(text, 'conv(c, 3, stride=stride, padding=1, bias=false)');
      const lit = matchLine(model, branchConv);
      assert.equal(lit.nodes.length, blocks, 'one BasicBranch per block');
      assert.ok(lit.nodes.every((id) => node(model, id).op === 'conv'));
      const call = lineOf(text, 'BasicBranch(c)');
      const onCall = matchLine(model, call);
      assert.deepEqual(onCall.nodes, []);
      // Identity blocks call BasicBranch(c) on this line; the projecting ones call BasicBranch(c, stride).
      assert.equal(onCall.frames.length, blocks - projections);
    });
  });

  it('U-Net: labels the concatenated skips with the labels the source names', () => {
    const text = example('unet');
    const graph = graphOf(text);
    const model = buildDiagramModel(graph);
    const labels = [...text.matchAll(/^\s*(\w+):\s*DoubleConv/gm)].map((m) => m[1]);
    assert.deepEqual(labels, ['enc1', 'enc2', 'enc3']);
    const skips = model.edges.filter((e) => e.kind === 'skip');
    assert.deepEqual(skips.map((e) => e.label).sort(), labels);
    for (const skip of skips) {
      const target = node(model, skip.to);
      assert.equal(target.op, 'concat');
      assert.equal(target.range.start.line, lineOf(text, `concat(${skip.label})`));
      assert.equal(target.args, skip.label, 'the concat box names the skip it reads');
      // The skip leaves the last layer of the labelled DoubleConv call.
      const source = graph.nodes[node(model, skip.from).graphNodes[0]];
      const call = graph.groups.find((g) => g.id === source.group);
      assert.equal(call?.range.start.line, lineOf(text, `${skip.label}: DoubleConv`));
      assert.equal(source.op, 'relu');
    }
  });

  describe('ResNet-152', () => {
    const text = example('resnet152');
    const graph = graphOf(text);
    const model = buildDiagramModel(graph);
    // Stage(width, blocks) calls one DownBottleneck and blocks - 1 Bottlenecks.
    const stageBlocks = [...text.slice(text.indexOf('network ')).matchAll(/^\s*Stage\(\d+, (\d+)/gm)].map((m) => Number(m[1]));

    it('starts with every bottleneck collapsed inside its stage frame, since it has more than 150 layers', () => {
      assert.ok(graph.nodes.length > collapseThreshold);
      assert.deepEqual(stageBlocks, [3, 8, 36, 3]);
      const bottlenecks = stageBlocks.reduce((a, b) => a + b, 0);
      const groupBoxes = model.nodes.filter((n) => n.kind === 'group');
      assert.equal(groupBoxes.length, bottlenecks);
      assert.equal(groupBoxes.filter((n) => n.title.startsWith('DownBottleneck(')).length, stageBlocks.length);
      assert.ok(model.nodes.length <= collapseThreshold, `${model.nodes.length} boxes`);
      assert.equal(model.frames.filter((f) => f.label.startsWith('Stage(')).length, stageBlocks.length);
      assert.equal(withCommas(model.totalParams), '60,192,808', 'the published size');
      assert.equal(groupBoxes.reduce((sum, n) => sum + n.graphNodes.length, 0) + model.nodes.length - groupBoxes.length, graph.nodes.length, 'every layer is drawn exactly once');
    });

    it('draws all 515 layers when nothing is collapsed', () => {
      const expanded = buildDiagramModel(graph, { collapsed: [] });
      assert.equal(expanded.nodes.length, graph.nodes.length);
      assert.equal(
        expanded.edges.filter((e) => e.kind === 'skip').length,
        stageBlocks.reduce((a, b) => a + b, 0),
      );
    });
  });

  it('collapses a long repeat outside any block, since no block call could shorten the diagram', () => {
    const graph = graphOf('network Deep {\n  input(8x4x4)\n  repeat(100) { conv(8, 3, padding=1)\n relu }\n  flatten\n}');
    assert.equal(graph.nodes.length, 1 + 2 * 100 + 1);
    const model = buildDiagramModel(graph);
    const repeat = graph.groups.find((g) => g.kind === 'repeat' && g.parent === undefined)!;
    assert.deepEqual(model.collapsed, [repeat.id]);
    assert.deepEqual(
      model.nodes.map((n) => n.id),
      ['n0', `g${repeat.id}`, `n${graph.nodes.length - 1}`],
    );
    assert.equal(model.nodes[1].args, '200 layers');
  });

  describe('LeNet-5', () => {
    const text = example('lenet5');

    it('marks exactly the layer a diagnostic falls on, with its message in the tooltip', () => {
      const broken = text.replace('-> 16x5x5', '-> 16x6x6');
      const analysis = analyze(broken, { graph: true });
      assert.equal(analysis.diagnostics.length, 1);
      const model = buildDiagramModel(analysis.graphs![0], { diagnostics: analysis.diagnostics });
      const marked = model.nodes.filter((n) => n.severity);
      assert.equal(marked.length, 1);
      assert.equal(marked[0].op, 'avgpool');
      assert.equal(marked[0].range.start.line, lineOf(broken, '-> 16x6x6'));
      assert.deepEqual(marked[0].messages, [analysis.diagnostics[0].message]);
    });

    it('keeps its structure key when a number changes and changes it when a layer is added', () => {
      const model = buildDiagramModel(graphOf(text));
      const wider = buildDiagramModel(graphOf(text.replace('dense(120)', 'dense(100)')));
      assert.equal(wider.structureKey, model.structureKey);
      assert.notDeepEqual(
        wider.nodes.map((n) => n.args),
        model.nodes.map((n) => n.args),
        'the changed number does reach the boxes',
      );
      const deeper = buildDiagramModel(graphOf(text.replace('dense(120)', 'dense(120)\n  relu')));
      assert.equal(deeper.nodes.length, model.nodes.length + 1);
      assert.notEqual(deeper.structureKey, model.structureKey);
    });

    it('describes each layer by its key arguments and output shape', () => {
      const model = buildDiagramModel(graphOf(text));
      const first = model.nodes[1];
      assert.deepEqual([first.title, first.args, first.shape, first.paramsText], ['conv', '6, 5x5', '6x28x28', '156']);
      assert.deepEqual(
        model.nodes.filter((n) => n.op === 'avgpool').map((n) => n.args),
        ['2x2, s2', '2x2, s2'],
      );
      assert.equal(model.nodes.at(-1)?.shape, '10');
      assert.equal(withCommas(model.totalParams), '61,706', 'the published size');
    });
  });
});

describe('diagram texts', () => {
  const nodesOf = (name: string) => graphOf(example(name)).nodes;

  it('formats counts with separators and shapes with x', () => {
    assert.equal(withCommas(11689512), '11,689,512');
    assert.equal(formatShapeText([64, 56, 56]), '64x56x56');
    assert.equal(formatShapeText([]), '1');
  });

  it('writes window settings the way the source does, leaving out defaults', () => {
    const alexnet = nodesOf('alexnet');
    assert.equal(argumentText(alexnet.find((n) => n.op === 'conv')!), '64, 11x11, s4, p2');
    assert.equal(argumentText(alexnet.find((n) => n.op === 'maxpool')!), '3x3, s2');
    assert.equal(argumentText(alexnet.find((n) => n.op === 'dropout')!), 'p=0.5');
    assert.equal(argumentText(alexnet.find((n) => n.op === 'dense')!), '4096');
    const video = nodesOf('video3d');
    const conv3d = video.find((n) => n.written === 'conv3d')!;
    assert.equal(titleText(conv3d), 'conv3d');
    assert.equal(argumentText(conv3d), '16, 3x3x3, p1');
  });

  it('shows asymmetric "same" padding as left/right', () => {
    const graph = graphOf('network Same {\n  input(1x8x8)\n  conv(4, 4, padding="same")\n}');
    const conv = graph.nodes[1];
    assert.deepEqual(
      [conv.attributes.padLeft, conv.attributes.padRight],
      [
        [1, 1],
        [2, 2],
      ],
    );
    assert.equal(argumentText(conv), '4, 4x4, p1/2');
  });

  it('shows an activation’s setting and the labels a merge reads', () => {
    assert.equal(argumentText({ op: 'leaky_relu', attributes: { slope: 0.2 } }), '0.2');
    assert.equal(argumentText({ op: 'concat', attributes: {} }, ['enc3']), 'enc3');
  });
});
