/**
 * Recovers the nesting of a layer graph: a fork whose paths meet again at an
 * `add` is a `residual` (with a `shortcut` when both paths have layers), at a
 * `concat` a `concat { branch ... }`, and at a `multiply` with one empty path
 * a label and `multiply(label)` (squeeze-excitation). The meeting point of a
 * fork is its immediate post-dominator, so nested structures come out nested.
 */
import type { ArgValue, ImportedLayer, LayerArg, LayerGraph } from './layers';

/** A statement of the recovered program. Blocks and repeats are added later by `blocks.ts`. */
export type Item =
  | { kind: 'layer'; layer: ImportedLayer; args: LayerArg[]; label?: string }
  | { kind: 'residual'; body: Item[]; shortcut?: Item[]; label?: string }
  | { kind: 'concat'; branches: Item[][]; label?: string }
  /** A block call: `values` in the block's parameter order; `instance` the statements it stands for. */
  | { kind: 'call'; block: BlockDefinition; values: ArgValue[]; instance: Item[]; label?: string }
  /** `body` is printed once; `passes` holds every pass's own statements, for weights and names. */
  | { kind: 'repeat'; count: number; body: Item[]; passes: Item[][]; label?: string };

/** A block definition: its parameters and the statements of its body. */
export interface BlockDefinition {
  name: string;
  params: { name: string; default?: ArgValue }[];
  body: Item[];
  /** A comment line above the block. */
  comment?: string;
}

/** The recovered program, or the layer where the graph stops being expressible. */
export type StructureResult = { ok: true; items: Item[] } | { ok: false; layer: ImportedLayer; message: string };

class Inexpressible extends Error {
  constructor(
    readonly layer: ImportedLayer,
    message: string,
  ) {
    super(message);
  }
}

/**
 * DenseNet concatenates every earlier feature map again in each layer. A
 * concatenation whose inputs begin with exactly another concatenation's
 * inputs is that concatenation plus the rest, which makes the graph a chain
 * of `concat { branch { identity } branch { ... } }`.
 */
export function shareConcatPrefixes(graph: LayerGraph): void {
  const concats = graph.layers.filter((l) => l.op === 'concat');
  // Compare with the inputs as the model wrote them, not as already rewritten.
  const written = new Map(concats.map((l) => [l.id, [...l.inputs]]));
  for (const layer of concats) {
    const inputs = written.get(layer.id)!;
    let best: number[] | undefined;
    let bestId = -1;
    for (const earlier of concats) {
      const prefix = written.get(earlier.id)!;
      if (earlier.id >= layer.id || prefix.length >= inputs.length) continue;
      if (prefix.every((input, i) => inputs[i] === input) && (!best || prefix.length > best.length)) {
        best = prefix;
        bestId = earlier.id;
      }
    }
    if (best) layer.inputs = [bestId, ...inputs.slice(best.length)];
  }
}

/** Turns a layer graph (topological, layer 0 the input) into nested statements. */
export function recoverStructure(graph: LayerGraph): StructureResult {
  shareConcatPrefixes(graph);
  const { layers } = graph;
  const readers: number[][] = layers.map(() => []);
  for (const layer of layers) for (const input of new Set(layer.inputs)) readers[input].push(layer.id);
  // Immediate post-dominators: in topological order a post-dominator has a larger id, so the
  // classic two-finger intersection walks toward the output.
  const ipdom: number[] = layers.map(() => -1);
  /** Where paths starting at `starts` all meet first (their common immediate post-dominator), or -1. */
  function meetOf(starts: number[]): number {
    let meet = -1;
    for (const reader of starts) {
      if (meet < 0) meet = reader;
      else {
        let a = meet;
        let b = reader;
        while (a !== b && a >= 0 && b >= 0) {
          if (a < b) a = ipdom[a];
          else b = ipdom[b];
        }
        meet = a === b ? a : -1;
      }
    }
    return meet;
  }
  for (let id = layers.length - 1; id >= 0; id--) {
    if (id !== graph.output) ipdom[id] = meetOf(readers[id]);
  }

  /**
   * Whether `merge` reads `v` once, directly, as the second of two inputs of
   * a merge a label can write (`concat(x)` puts the label's tensor second),
   * while `v`'s other readers fork again before it: then no single nesting
   * covers the paths, and the tensor is labelled instead.
   */
  function readLater(v: number, merge: ImportedLayer): boolean {
    if (readers[v].length <= 2 || merge.inputs.length !== 2 || merge.inputs.filter((input) => input === v).length !== 1) return false;
    if (merge.op === 'concat') return merge.inputs[1] === v;
    return merge.op === 'add' || merge.op === 'multiply';
  }

  const layerItem = (layer: ImportedLayer): Item => ({ kind: 'layer', layer, args: layer.args });
  /** Labels that a merge further on still reads (see `readLater`), which new labels must not reuse. */
  const reserved = new Set<string>();

  /** Statements that read `start`'s output, up to (not including) `stop`; returns them and the id of the last tensor. */
  function walkFrom(start: number, stop: number): { items: Item[]; last: number } {
    const items: Item[] = [];
    let v = start;
    for (;;) {
      const next = readers[v];
      if (v === graph.output || next.length === 0) break;
      if (next.length === 1 && next[0] === stop) break;
      if (next.length === 1) {
        const reader = layers[next[0]];
        // A merge of the current tensor with itself (`z: conv(12, 1); add(z)`): a label on it and the merge naming it.
        if (reader.inputs.length > 1 && reader.inputs.every((input) => input === v)) {
          const label = labelFor(items, layers[v], reserved);
          items.push({ kind: 'layer', layer: reader, args: reader.inputs.slice(1).map(() => ({ value: { expr: label } })) });
          v = reader.id;
          continue;
        }
        if (reader.inputs.length > 1) throw new Inexpressible(reader, `its inputs meet in a way .cnn cannot nest (the ${reader.sourceOp} joins paths that do not fork from one point).`);
        items.push(layerItem(reader));
        v = reader.id;
        continue;
      }
      v = fork(v, items);
    }
    return { items, last: v };
  }

  /** A fork at `v`: the statement for its paths up to their meeting point, appended to `items`; returns the meeting point. */
  function fork(v: number, items: Item[]): number {
    const meet = ipdom[v];
    const merge = layers[meet];
    if (meet < 0 || !merge) throw new Inexpressible(layers[v], 'its output is read by paths that never meet again (a model with several outputs).');
    if (readLater(v, merge)) {
      // `x: conv; residual { ... }; ...; concat(x)`: the merge reads the fork's tensor directly, far
      // from where it was made, while its other readers fork again in between. A label on the
      // tensor and the merge naming it say that; the rest is walked as if the merge's edge were gone.
      const label = labelFor(items, layers[v], reserved);
      readers[v] = readers[v].filter((reader) => reader !== meet);
      ipdom[v] = meetOf(readers[v]);
      // Labels made on the way must not shadow this one before the merge reads it.
      reserved.add(label);
      const main = walkFrom(v, meet);
      reserved.delete(label);
      if (!merge.inputs.includes(main.last)) throw new Inexpressible(merge, `its inputs do not all come from the fork at '${layers[v].source}'.`);
      items.push(...main.items, { kind: 'layer', layer: merge, args: [{ value: { expr: label } }] });
      return meet;
    }
    const paths: { items: Item[]; index: number }[] = [];
    for (const reader of readers[v]) {
      if (reader === meet) {
        // The merge may read the fork's tensor more than once (two dropouts exported as Identity): one empty path each.
        merge.inputs.forEach((input, index) => {
          if (input === v) paths.push({ items: [], index });
        });
        continue;
      }
      const first = layers[reader];
      if (first.inputs.length > 1) throw new Inexpressible(first, `its inputs come from different points of the network; .cnn merges only paths that fork from one tensor.`);
      const rest = walkFrom(reader, meet);
      paths.push({ items: [layerItem(first), ...rest.items], index: merge.inputs.indexOf(rest.last) });
    }
    if (paths.length !== merge.inputs.length || paths.some((p) => p.index < 0) || new Set(paths.map((p) => p.index)).size !== paths.length) {
      throw new Inexpressible(merge, `its ${merge.inputs.length} inputs do not all come from the fork at '${layers[v].source}'.`);
    }
    paths.sort((a, b) => a.index - b.index);
    if (merge.op === 'add' && paths.length === 2) {
      const [a, b] = paths[0].items.length >= paths[1].items.length ? [paths[0], paths[1]] : [paths[1], paths[0]];
      items.push(b.items.length ? { kind: 'residual', body: a.items, shortcut: b.items } : { kind: 'residual', body: a.items });
    } else if (merge.op === 'concat') {
      items.push({ kind: 'concat', branches: paths.map((p) => (p.items.length ? p.items : [identity(layers[v])])) });
    } else if (merge.op === 'multiply' && paths.length === 2 && paths.some((p) => !p.items.length)) {
      const gate = paths.find((p) => p.items.length)!;
      const label = labelFor(items, layers[v], reserved);
      items.push(...gate.items, { kind: 'layer', layer: merge, args: [{ value: { expr: label } }] });
    } else {
      throw new Inexpressible(
        merge,
        `it ${merge.op === 'multiply' ? 'multiplies two computed paths' : `joins ${paths.length} paths with ${merge.op}`}, which .cnn writes only as residual, concat or a gate (multiply by a labelled tensor).`,
      );
    }
    return meet;
  }

  try {
    return { ok: true, items: walkFrom(0, -1).items };
  } catch (error) {
    if (error instanceof Inexpressible) return { ok: false, layer: error.layer, message: error.message };
    throw error;
  }
}

/** An `identity` statement standing for a tensor passed through unchanged (an empty branch). */
function identity(of: ImportedLayer): Item {
  return { kind: 'layer', layer: { ...of, op: 'identity', args: [], tensors: [], source: of.source, inputs: [of.id] }, args: [] };
}

/** Labels the statement that produced the fork's tensor (or a new `identity` at the start of a body) and returns the label. */
function labelFor(items: Item[], of: ImportedLayer, reserved: ReadonlySet<string>): string {
  const taken = new Set([...reserved, ...items.map((item) => item.label).filter(Boolean)]);
  let name = 'x';
  for (let n = 2; taken.has(name); n++) name = `x${n}`;
  const last = items[items.length - 1];
  if (last && !last.label) last.label = name;
  else if (last) return last.label!;
  else items.push({ ...identity(of), label: name });
  return name;
}
