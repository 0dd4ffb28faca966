/**
 * The layering of the sources, checked on their import graph: no cycles; the
 * ops, below the analysis, never reach up into it; one op family never
 * borrows from another; the webview sees the core only through its public
 * entry point.
 */
import { strict as assert } from 'node:assert';
import { forbiddenEdges, importCycles, importGraph, importSpecifiers, resolveSpecifier, type ImportGraph } from '../importGraph';

describe('the import graph', () => {
  const sources = importGraph('src', 'webview/src');

  it('reads every kind of import, including ones that span lines', () => {
    const text = [
      "import { a } from './a';",
      'import {',
      '  b,',
      '  type C,',
      "} from '../b';",
      "import type { D } from './d';",
      "export * from './e';",
      "export { f } from './f';",
      "import './g';",
      "const h = await import('./h');",
      "export const notAnImport = 'i';",
    ].join('\n');
    assert.deepEqual(importSpecifiers(text), ['./a', '../b', './d', './e', './f', './g', './h']);
  });

  it('resolves the files the analyser imports', () => {
    const imports = (file: string) => sources.get(file) ?? [];
    assert.ok(imports('src/core/semantics/analyze.ts').includes('src/core/syntax/parse.ts'), 'analyze.ts → syntax/parse.ts');
    for (const target of ['src/core/ops/registry.ts', 'src/core/types.ts']) assert.ok(imports('src/core/semantics/callContext.ts').includes(target), `callContext.ts → ${target}`);
    assert.equal(resolveSpecifier('src/cli/main.ts', '../core'), 'src/core/index.ts');
  });

  it('finds a cycle, and only the files on it', () => {
    const graph: ImportGraph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a', 'd']],
      ['d', []],
      ['e', ['e']],
    ]);
    assert.deepEqual(importCycles(graph).sort(), [['a', 'b', 'c'], ['e']]);
  });

  it('has no cycles in the sources or the webview', () => {
    assert.deepEqual(importCycles(sources), []);
  });

  it('keeps the ops below the analysis: they import only ops, types.ts, shape.ts and diagnostics.ts', () => {
    const leaves = new Set(['src/core/types.ts', 'src/core/shape.ts', 'src/core/diagnostics.ts']);
    const core = new Map([...sources].filter(([file]) => file.startsWith('src/core/ops/')));
    assert.ok(core.size > 5);
    assert.deepEqual(
      forbiddenEdges(core, (_, to) => to.startsWith('src/core/ops/') || leaves.has(to)),
      [],
    );
  });

  it('lets the webview use the core only through its public entry point, src/core/index.ts', () => {
    const webview = importGraph('webview');
    assert.ok([...webview.values()].flat().includes('src/core/index.ts'));
    // The one exception: the stand-in for the core's chevrotain parser, which loads that very module when first needed.
    const standIn = (from: string, to: string) => from === 'webview/src/lazyParser.ts' && to === 'src/core/syntax/parser.ts';
    assert.deepEqual(
      forbiddenEdges(webview, (from, to) => !to.startsWith('src/core/') || to === 'src/core/index.ts' || standIn(from, to)),
      [],
    );
  });

  it('keeps types.ts and shape.ts leaves', () => {
    assert.deepEqual(sources.get('src/core/types.ts'), []);
    assert.deepEqual(sources.get('src/core/shape.ts'), []);
  });

  it('keeps op families apart: no op family file imports another', () => {
    const registry = 'src/core/ops/registry.ts';
    // The registry imports each family, and the contract they implement.
    const families = new Set((sources.get(registry) ?? []).filter((file) => file !== 'src/core/ops/types.ts'));
    assert.ok(families.has('src/core/ops/conv.ts') && families.has('src/core/ops/pool.ts'), [...families].join(', '));
    const familyEdges = new Map([...sources].filter(([file]) => families.has(file)));
    assert.deepEqual(
      forbiddenEdges(familyEdges, (_, to) => !families.has(to)),
      [],
    );
  });
});
