/**
 * Diagram layout time for `npm run bench`, in Node with the same bundled
 * elkjs the webview runs: building the diagram model and laying it out with
 * ELK for ResNet-152 (every layer expanded, and as it first opens, with its
 * bottlenecks collapsed), and the re-render after an edit that changes only
 * numbers, which reuses the cached layout and only rebuilds the model and the
 * SVG markup (the DOM update in the browser comes on top of that). The first
 * layout in a fresh process (ELK's code not yet compiled by the JIT, as when
 * a panel opens) is measured too, in new Node processes.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { analyze, type NetworkGraph } from '../../src/core';
import { LayoutCache, layoutDiagram, warmUpLayout } from '../../webview/src/diagram/layout';
import { buildDiagramModel, type DiagramModelOptions } from '../../webview/src/diagram/model';
import { diagramMarkup } from '../../webview/src/diagram/render';
import { figureLine, summarise, type Figure } from './figure';

async function measure(name: string, targetMs: number, runs: number, work: () => Promise<unknown>): Promise<Figure> {
  // ELK's first runs are slow while the JIT warms up; a panel that stays open is past that.
  for (let i = 0; i < 3; i++) await work();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await work();
    times.push(performance.now() - start);
  }
  return summarise(name, targetMs, times);
}

function graphOf(name: string): NetworkGraph {
  const graph = analyze(readFileSync(join(process.cwd(), 'examples', `${name}.cnn`), 'utf8'), { graph: true }).graphs?.[0];
  if (!graph) throw new Error(`examples/${name}.cnn has no network`);
  return graph;
}

/** Model and ELK layout from scratch, as on opening the panel or after a structural edit. */
function fresh(graph: NetworkGraph, options: DiagramModelOptions): () => Promise<unknown> {
  return () => layoutDiagram(buildDiagramModel(graph, options));
}

/** Model, cached layout and markup, as after an edit that changes only a number. */
async function cached(graph: NetworkGraph, options: DiagramModelOptions): Promise<() => Promise<unknown>> {
  const cache = new LayoutCache();
  await cache.get(buildDiagramModel(graph, options));
  return async () => {
    const model = buildDiagramModel(graph, options);
    const layout = await cache.get(model);
    if (cache.misses !== 1) throw new Error('the layout cache missed a structure it holds');
    return diagramMarkup(model, layout).length;
  };
}

/** The flag that makes the bench lay out ResNet-152 once and print the milliseconds (see `coldLayout`). */
export const COLD_LAYOUT_FLAG = '--cold-layout';

/**
 * In a fresh process: one model and layout of ResNet-152, expanded or as it
 * first opens, after the warm-up the panel runs when it opens (`warmUp`) or
 * without; prints the milliseconds.
 */
export async function coldLayout(expanded: boolean, warmUp: boolean): Promise<void> {
  const graph = graphOf('resnet152');
  if (warmUp) await warmUpLayout();
  const start = performance.now();
  await fresh(graph, expanded ? { collapsed: [] } : {})();
  console.log(performance.now() - start);
}

/** The first layout in each of `runs` new processes running this bench. */
function coldFigure(name: string, targetMs: number, expanded: boolean, warmUp: boolean, runs: number): Figure {
  const times = Array.from({ length: runs }, () => {
    const run = spawnSync(process.execPath, [process.argv[1], COLD_LAYOUT_FLAG, expanded ? 'expanded' : 'collapsed', ...(warmUp ? ['warm-up'] : [])], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`the cold layout process failed: ${run.stderr}`);
    return Number(run.stdout.trim());
  });
  return summarise(name, targetMs, times);
}

/** The figures, one printed line each, in the format of test/bench/main.ts. */
export async function layoutFigures(): Promise<string[]> {
  const resnet152 = graphOf('resnet152');
  const resnet50 = graphOf('resnet50');
  const expanded: DiagramModelOptions = { collapsed: [] };
  const figures = [
    await measure(`diagram layout ResNet-152, all ${resnet152.nodes.length} layers (ELK)`, 300, 9, fresh(resnet152, expanded)),
    await measure('diagram layout ResNet-152, default collapsed (ELK)', 300, 15, fresh(resnet152, {})),
    coldFigure('first layout in a new process, ResNet-152 collapsed', 300, false, false, 5),
    coldFigure("the same after the panel's ELK warm-up", 300, false, true, 5),
    coldFigure('first layout in a new process, ResNet-152 all layers', 300, true, false, 5),
    coldFigure("the same after the panel's ELK warm-up", 300, true, true, 5),
    await measure(`diagram re-render ResNet-50, all ${resnet50.nodes.length} layers (cached)`, 100, 30, await cached(resnet50, expanded)),
    await measure('diagram re-render ResNet-152, all layers (cached)', 100, 30, await cached(resnet152, expanded)),
  ];
  return figures.map(figureLine);
}
