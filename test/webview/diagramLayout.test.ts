/**
 * The diagram's layout with the real elkjs (its bundled build runs in Node):
 * boxes never overlap, every edge is routed top-down from box to box, frames
 * enclose exactly their boxes, and the cache spares ELK when only numbers change.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { analyze, type NetworkGraph } from '../../src/core';
import { LayoutCache, layoutDiagram, metrics, type Box, type DiagramLayout } from '../../webview/src/diagram/layout';
import { buildDiagramModel, type DiagramModel } from '../../webview/src/diagram/model';
import { quickLayout } from '../../webview/src/diagram/quickLayout';
import { readdirSync } from 'node:fs';

function graphOf(text: string): NetworkGraph {
  return analyze(text, { graph: true }).graphs![0];
}

const example = (name: string) => readFileSync(`examples/${name}.cnn`, 'utf8');

function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

function inside(inner: Box, outer: Box): boolean {
  return inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.width <= outer.x + outer.width && inner.y + inner.height <= outer.y + outer.height;
}

function checkLayout(model: DiagramModel, layout: DiagramLayout): void {
  const boxes = model.nodes.map((n) => {
    const box = layout.nodes.get(n.id);
    assert.ok(box, `box ${n.id} is placed`);
    assert.deepEqual([box.width, box.height], [metrics.nodeWidth, metrics.nodeHeight]);
    assert.ok(inside(box, { x: 0, y: 0, width: layout.width, height: layout.height }), `${n.id} lies inside the drawing`);
    return [n.id, box] as const;
  });
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) assert.ok(!overlaps(boxes[i][1], boxes[j][1]), `${boxes[i][0]} overlaps ${boxes[j][0]}`);
  }
  for (const edge of model.edges) {
    const route = layout.edges.get(edge.id);
    assert.ok(route, `edge ${edge.id} is routed`);
    const from = layout.nodes.get(edge.from)!;
    const to = layout.nodes.get(edge.to)!;
    // Layers run downwards: every edge goes to a lower rank.
    assert.ok(to.y >= from.y + from.height, `${edge.id} points downwards`);
    const first = route.points[0];
    const last = route.points[route.points.length - 1];
    assert.equal(first.y, from.y + from.height, `${edge.id} leaves the bottom of its source`);
    assert.ok(first.x > from.x && first.x < from.x + from.width);
    assert.equal(last.y, to.y, `${edge.id} enters the top of its target`);
    assert.ok(last.x > to.x && last.x < to.x + to.width);
    route.points.slice(1).forEach((p, k) => {
      const q = route.points[k];
      assert.ok(Math.abs(p.x - q.x) < 1e-6 || Math.abs(p.y - q.y) < 1e-6, `${edge.id} segment ${k} is orthogonal`);
    });
    if (edge.label) assert.ok(route.label && route.label.width > 0, `${edge.id} has room for its label`);
  }
  for (const frame of model.frames) {
    const box = layout.frames.get(frame.groupId);
    assert.ok(box, `frame ${frame.groupId} is placed`);
    for (const [id, b] of boxes) {
      if (frame.members.includes(id)) assert.ok(inside(b, box), `${id} lies inside frame ${frame.label}`);
      else assert.ok(!overlaps(b, box), `frame ${frame.label} covers ${id}, which is not in it`);
    }
    const parent = frame.parent === undefined ? undefined : layout.frames.get(frame.parent);
    if (parent) assert.ok(inside(box, parent), `frame ${frame.label} lies inside its parent`);
  }
}

describe('diagram layout (elkjs)', function () {
  this.timeout(60_000);

  for (const [name, expanded] of [
    ['lenet5', true],
    ['resnet18', true],
    ['unet', true],
    ['resnet50', true],
    ['resnet152', false],
  ] as const) {
    it(`${name}${expanded ? '' : ' (default collapsed)'}: boxes apart, edges routed downwards, frames around their boxes`, async () => {
      const model = buildDiagramModel(graphOf(example(name)), expanded ? { collapsed: [] } : {});
      checkLayout(model, await layoutDiagram(model));
    });
  }

  it('stacks the sequential layers of LeNet-5 in one column', async () => {
    const model = buildDiagramModel(graphOf(example('lenet5')));
    const layout = await layoutDiagram(model);
    const xs = new Set(model.nodes.map((n) => layout.nodes.get(n.id)!.x));
    assert.equal(xs.size, 1);
  });

  it('computes a layout once per structure and reuses it when only numbers change', async () => {
    const cache = new LayoutCache();
    const text = example('resnet18');
    const model = buildDiagramModel(graphOf(text));
    const first = await cache.get(model);
    assert.equal(cache.misses, 1);
    const edited = buildDiagramModel(graphOf(text.replace('dense(1000)', 'dense(10)')));
    assert.equal(await cache.get(edited), first);
    assert.equal(cache.misses, 1);
    const group = model.collapsible[0];
    await cache.get(buildDiagramModel(graphOf(text), { collapsed: [group] }));
    assert.equal(cache.misses, 2, 'collapsing a group changes the structure');
    // Expanding it again finds the first layout still cached.
    assert.equal(await cache.get(model), first);
    assert.equal(cache.misses, 2);
  });
});

describe('the quick first layout (shown while ELK loads)', function () {
  this.timeout(60_000);

  // Every example, as the panel first draws it (default collapse) and fully expanded: the same rules as ELK's layout.
  for (const name of readdirSync('examples')
    .filter((file) => file.endsWith('.cnn'))
    .map((file) => file.replace('.cnn', ''))) {
    it(`${name}: boxes apart, edges routed downwards, frames around their boxes (default and expanded)`, () => {
      for (const options of [{}, { collapsed: [] }]) {
        const model = buildDiagramModel(graphOf(example(name)), options);
        checkLayout(model, quickLayout(model));
      }
    });
  }

  it('stacks the sequential layers of LeNet-5 in one column, as ELK does', () => {
    const model = buildDiagramModel(graphOf(example('lenet5')));
    const layout = quickLayout(model);
    assert.equal(new Set(model.nodes.map((n) => layout.nodes.get(n.id)!.x)).size, 1);
  });

  it("runs a residual block's shortcut right of the main path", () => {
    const model = buildDiagramModel(graphOf('network R {\n  input(8x8x8)\n  x: conv(8, 3, padding=1)\n  conv(8, 3, padding=1)\n  add(x)\n}\n'));
    const layout = quickLayout(model);
    const skip = model.edges.find((e) => e.kind === 'skip')!;
    const route = layout.edges.get(skip.id)!;
    const right = Math.max(...[...layout.nodes.values()].map((b) => b.x + b.width));
    assert.ok(Math.max(...route.points.map((p) => p.x)) > right, 'the shortcut runs right of every box');
  });
});
