/**
 * Every op of the language can run in the preview, checked in Node without a
 * browser so that a new op fails here first: it has an engine executor, it
 * appears in a parity network (so engine.test.ts compares it with PyTorch on
 * every backend), and its weight layout holds exactly the parameters the
 * analysis counts for it.
 */
import { strict as assert } from 'node:assert';
import { opDefinitions } from '../../src/core/index';
import type { DiagramNode } from '../../webview/src/diagram/model';
import { opFamily } from '../../webview/src/diagram/render';
import { paramSpecs } from '../../webview/src/engine/params';
import { graphOf } from './engineFixtures';
import { PARITY_NETS, SPLIT_NET } from './engineNets';

// The executors' module reaches the worker pool, whose DOM types the Node tsconfig leaves out, so it is
// required rather than imported: esbuild still bundles it, and the test needs only its keys.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { executors } = require('../../webview/src/engine/ops/registry') as { executors: Record<string, unknown> };

const ops = opDefinitions.map((definition) => definition.names[0]);
const graphs = Object.entries({ ...PARITY_NETS, SPLIT_NET }).map(([name, source]) => ({ name, graph: graphOf(source) }));

/** PyTorch's buffers (batch norm's running statistics) are the non-trainable tensors; everything else is learned. */
const isBuffer = (name: string) => /^running_/.test(name);

describe('every op of the language runs in the preview', () => {
  it('has an engine executor for every registered op', () => {
    assert.deepEqual(
      ops.filter((op) => !executors[op]),
      [],
      'add an executor in webview/src/engine/ops and register it in webview/src/engine/ops/registry.ts',
    );
  });

  it('has no executor for an op the language does not have', () => {
    assert.deepEqual(
      Object.keys(executors).filter((op) => !ops.includes(op)),
      [],
    );
  });

  it('uses every registered op in a parity network, so the engine is compared with PyTorch on it', () => {
    const used = new Set(graphs.flatMap(({ graph }) => graph.nodes.map((node) => node.op)));
    assert.deepEqual(
      ops.filter((op) => !used.has(op)),
      [],
      'use it in a network of test/webview/engineNets.ts (and teach test/webview/torch_graph.py to build it)',
    );
  });

  for (const { name, graph } of graphs) {
    it(`gives each layer of the ${name} network a weight layout with the parameters the analysis counts`, () => {
      const wrong = graph.nodes.flatMap((node) => {
        const specs = paramSpecs(node);
        const count = (buffers: boolean) => specs.filter((s) => isBuffer(s.name) === buffers).reduce((sum, s) => sum + s.shape.reduce((a, b) => a * b, 1), 0);
        const layout = { trainable: count(false), nonTrainable: count(true) };
        const counted = { trainable: node.params.trainable, nonTrainable: node.params.nonTrainable };
        return layout.trainable === counted.trainable && layout.nonTrainable === counted.nonTrainable
          ? []
          : [`node ${node.id} ${node.written} (line ${node.range.start.line + 1}): the analysis counts ${JSON.stringify(counted)}, webview/src/engine/params.ts lays out ${JSON.stringify(layout)}`];
      });
      assert.deepEqual(wrong, []);
    });
  }
});

describe('the diagram colours each op by its family (OpDefinition.family)', () => {
  const layer = (op: string) => opFamily({ kind: 'layer', op } as DiagramNode);
  const expected: Record<string, string[]> = {
    conv: ['conv', 'conv2d', 'conv_transpose', 'depthwise_conv', 'separable_conv3d'],
    pool: ['maxpool', 'avgpool1d', 'global_avgpool', 'adaptive_maxpool'],
    norm: ['batchnorm', 'layernorm', 'groupnorm', 'instancenorm', 'lrn'],
    dense: ['dense', 'linear'],
    merge: ['add', 'concat', 'multiply'],
    other: ['relu', 'softmax', 'dropout', 'flatten', 'reshape', 'upsample', 'pad', 'prelu'],
  };
  for (const [family, names] of Object.entries(expected)) {
    it(`draws ${names.join(', ')} with the ${family} stripe`, () => {
      assert.deepEqual(
        names.map(layer),
        names.map(() => family),
      );
    });
  }

  it('marks the input and collapsed groups apart', () => {
    assert.equal(layer('input'), 'input');
    assert.equal(opFamily({ kind: 'group', op: 'repeat' } as DiagramNode), 'group');
  });
});
