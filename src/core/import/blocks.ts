/**
 * Finds repeated structure in recovered statements. Statements that differ
 * only in numbers become one `block` whose parameters are the numbers that
 * differ (a number that is always a multiple of another is written as
 * `c * 4`; a keyword argument's most common value becomes its default), and
 * runs of equal calls become `repeat`. Two levels, as people write ResNets:
 * the residual branch shared by the plain and the projecting bottleneck, then
 * the units (a residual or concat with its trailing activation).
 */
import type { ArgValue, LayerArg } from './layers';
import { commonSource } from './print';
import type { BlockDefinition, Item } from './structure';

/** A number in a statement that a block may turn into a parameter, with a name hint. */
interface Slot {
  hint: string;
  keyword: boolean;
  get(): ArgValue;
  set(value: ArgValue): void;
}

const isNumeric = (v: ArgValue): boolean => typeof v === 'number' || (Array.isArray(v) && v.every((x) => typeof x === 'number'));

/** The numbers of `items` in printing order; `key` is their text with every number a hole. */
function shapeOf(items: Item[]): { key: string; slots: Slot[] } {
  const slots: Slot[] = [];
  const parts: string[] = [];
  // Labels are compared by their order, not their names: a gate's `x2: silu ... multiply(x2)` is `x: silu ... multiply(x)`.
  const labels = new Map<string, string>();
  const written = (value: ArgValue) => (typeof value === 'object' && !Array.isArray(value) && labels.has(value.expr) ? labels.get(value.expr)! : JSON.stringify(value));
  const args = (list: LayerArg[], hintFor: (arg: LayerArg, index: number) => string) =>
    list
      .map((arg, index) => {
        const text = arg.key ? `${arg.key}=` : '';
        if (!isNumeric(arg.value)) return `${text}${written(arg.value)}`;
        slots.push({ hint: hintFor(arg, index), keyword: Boolean(arg.key), get: () => arg.value, set: (v) => (arg.value = v) });
        return `${text}#`;
      })
      .join(',');
  const walk = (list: Item[]): void => {
    for (const item of list) {
      if (item.label && !labels.has(item.label)) labels.set(item.label, `#label${labels.size}`);
      parts.push(item.label ? `${labels.get(item.label)}:` : '');
      switch (item.kind) {
        case 'layer':
          parts.push(`${item.layer.op}(${args(item.args, (arg, i) => arg.key ?? positionalHint(item.layer.op, i))})`);
          break;
        case 'call':
          parts.push(`${item.block.name}(`);
          item.values.forEach((value, i) => {
            const param = item.block.params[i];
            if (!isNumeric(value)) parts.push(JSON.stringify(value));
            else {
              slots.push({ hint: param.name, keyword: param.default !== undefined, get: () => item.values[i], set: (v) => (item.values[i] = v) });
              parts.push('#');
            }
          });
          parts.push(')');
          break;
        case 'repeat':
          parts.push(`repeat(${item.count}){`);
          walk(item.body);
          parts.push('}');
          break;
        case 'residual':
          parts.push('residual{');
          walk(item.body);
          if (item.shortcut) {
            parts.push('}shortcut{');
            walk(item.shortcut);
          }
          parts.push('}');
          break;
        case 'concat':
          parts.push('concat{');
          for (const branch of item.branches) {
            parts.push('branch{');
            walk(branch);
            parts.push('}');
          }
          parts.push('}');
          break;
      }
      parts.push(';');
    }
  };
  walk(items);
  return { key: parts.join(''), slots };
}

function positionalHint(op: string, index: number): string {
  if (op === 'dense') return 'units';
  if (op === 'conv' || op === 'conv_transpose') return index === 0 ? 'c' : 'k';
  return index === 0 ? (op === 'depthwise_conv' ? 'k' : 'n') : 'v';
}

/** A deep copy that shares layers but not argument lists, so a template can be rewritten. */
function cloneItems(items: Item[]): Item[] {
  return items.map((item): Item => {
    switch (item.kind) {
      case 'layer':
        return { ...item, args: item.args.map((a) => ({ ...a })) };
      case 'call':
        return { ...item, values: [...item.values] };
      case 'repeat':
        return { ...item, body: cloneItems(item.body) };
      case 'residual':
        return { ...item, body: cloneItems(item.body), shortcut: item.shortcut && cloneItems(item.shortcut) };
      case 'concat':
        return { ...item, branches: item.branches.map(cloneItems) };
    }
  });
}

const same = (a: ArgValue, b: ArgValue) => JSON.stringify(a) === JSON.stringify(b);

/** A block body's labels as a person names them in a block of their own: `x`, `x2`, ... in order (a copied body may hold `x3`). */
function renameLabels(items: Item[]): Item[] {
  const names = new Map<string, string>();
  const visit = (list: Item[]): void => {
    for (const item of list) {
      if (item.label) {
        if (!names.has(item.label)) names.set(item.label, names.size ? `x${names.size + 1}` : 'x');
        item.label = names.get(item.label);
      }
      if (item.kind === 'layer')
        item.args = item.args.map((a) => (typeof a.value === 'object' && !Array.isArray(a.value) && names.has(a.value.expr) ? { ...a, value: { expr: names.get(a.value.expr)! } } : a));
      else if (item.kind === 'residual') {
        visit(item.body);
        visit(item.shortcut ?? []);
      } else if (item.kind === 'concat') item.branches.forEach(visit);
      else if (item.kind === 'repeat') visit(item.body);
    }
  };
  visit(items);
  return items;
}

/** How `values` follow from `base` in every member: equal, an integer multiple, an integer divisor, or half (a kernel's padding); undefined when none. */
function relation(base: ArgValue[], values: ArgValue[], allowHalf = false): { times: number } | { over: number } | { half: true } | undefined {
  if (values.every((v, m) => same(v, base[m]))) return { times: 1 };
  if (!values.every((v) => typeof v === 'number') || !base.every((v) => typeof v === 'number' && v !== 0)) return undefined;
  const [first, firstBase] = [values[0] as number, base[0] as number];
  const ratio = first / firstBase;
  if (Number.isInteger(ratio) && ratio > 1 && values.every((v, m) => v === ratio * (base[m] as number))) return { times: ratio };
  const inverse = firstBase / first;
  if (Number.isInteger(inverse) && inverse > 1 && values.every((v, m) => (v as number) * inverse === base[m])) return { over: inverse };
  // "same" padding of an odd kernel, k // 2, written as such when the kernel varies.
  if (allowHalf && values.every((v, m) => v === Math.floor((base[m] as number) / 2)) && base.every((b) => (b as number) % 2 === 1)) return { half: true };
  return undefined;
}

function expressionFor(name: string, how: { times: number } | { over: number } | { half: true }): string {
  if ('half' in how) return `${name} // 2`;
  if ('over' in how) return `${name} / ${how.over}`;
  return how.times === 1 ? name : `${name} * ${how.times}`;
}

/**
 * One block for `members` (statement lists of one shape): its definition and
 * each member's argument values, in parameter order.
 */
function generalise(name: string, members: Item[][]): { definition: BlockDefinition; values: ArgValue[][] } {
  const body = renameLabels(cloneItems(members[0]));
  const template = shapeOf(body).slots;
  const memberSlots = members.map((m) => shapeOf(m).slots);
  // Each parameter gathers the slots it stands for; its base (the values it takes) is chosen once all are known.
  const params: { keyword: boolean; values: ArgValue[]; uses: { slot: Slot; values: ArgValue[] }[] }[] = [];
  template.forEach((slot, j) => {
    const values = memberSlots.map((slots) => slots[j].get());
    if (values.every((v) => same(v, values[0]))) return;
    const param = params.find((p) => relation(p.values, values, slot.hint === 'padding') !== undefined);
    if (param) param.uses.push({ slot, values });
    else params.push({ keyword: slot.keyword, values, uses: [{ slot, values }] });
  });
  const taken = new Set<string>();
  const named = params.map((param) => {
    // The base is a channel count the others follow from: preferably one they are small multiples of (a bottleneck's
    // width `c` with `c * 4`, MobileNet's `c` with `c * 6`, not `c / 6`), else the last (the block's output channels,
    // so EfficientNet's squeeze is `c / 4`); otherwise the first use.
    const relations = (use: (typeof param.uses)[number]) => param.uses.map((other) => relation(use.values, other.values, other.slot.hint === 'padding'));
    const candidates = [...param.uses].reverse().filter((use) => /^c\d*$/.test(use.slot.hint) && relations(use).every((r) => r !== undefined));
    const base =
      candidates.find((use) => relations(use).every((r) => r && 'times' in r && r.times <= 6)) ?? candidates.find((use) => relations(use).every((r) => r && !('half' in r))) ?? param.uses[0];
    // A channel count passed on to an inner block's `c2` is this block's `c` when it has no other.
    const hint = /^c\d*$/.test(base.slot.hint) ? 'c' : base.slot.hint;
    let name = hint;
    for (let n = 2; taken.has(name); n++) name = `${hint}${n}`;
    taken.add(name);
    for (const use of param.uses) use.slot.set({ expr: expressionFor(name, relation(base.values, use.values, use.slot.hint === 'padding')!) });
    return { name, keyword: base.slot.keyword && param.uses.every((u) => u.slot.keyword), values: base.values };
  });
  // A keyword argument's most common value is its default; parameters with defaults go last.
  const withDefaults = named.map((p) => {
    if (!p.keyword) return { ...p, default: undefined as ArgValue | undefined };
    const counts = new Map<string, number>();
    for (const v of p.values) counts.set(JSON.stringify(v), (counts.get(JSON.stringify(v)) ?? 0) + 1);
    const [best, count] = [...counts].sort((a, b) => b[1] - a[1])[0];
    return { ...p, default: count >= 2 ? (JSON.parse(best) as ArgValue) : undefined };
  });
  const ordered = [...withDefaults.filter((p) => p.default === undefined), ...withDefaults.filter((p) => p.default !== undefined)];
  const sources = members.map((m) => commonSource({ kind: 'residual', body: m })).filter(Boolean);
  const comment = `Used ${members.length} times${sources.length ? ` (${sources.length > 4 ? `${sources.slice(0, 3).join(', ')}, ..., ${sources[sources.length - 1]}` : sources.join(', ')})` : ''}.`;
  return {
    definition: { name, params: ordered.map((p) => ({ name: p.name, default: p.default })), body, comment },
    values: members.map((_, m) => ordered.map((p) => p.values[m])),
  };
}

/** A name for a block from what it holds: `Bottleneck`, `DownBottleneck`, `InvertedResidual`, `Inception`, `DenseLayer`. */
function nameFor(items: Item[]): string {
  const unit = items[0];
  const count = (list: Item[], op: string): number => list.reduce((n, i) => n + (i.kind === 'layer' && i.layer.op === op ? 1 : i.kind === 'call' ? count(i.block.body, op) : 0), 0);
  if (unit.kind === 'residual') {
    const body = unit.body;
    const base = count(body, 'depthwise_conv') ? 'InvertedResidual' : count(body, 'conv') === 3 ? 'Bottleneck' : count(body, 'conv') === 2 ? 'BasicBlock' : 'Residual';
    return unit.shortcut ? `Down${base}` : base;
  }
  if (unit.kind === 'concat') {
    if (unit.branches.some((b) => b.length === 1 && b[0].kind === 'layer' && b[0].layer.op === 'identity')) return 'DenseLayer';
    // ShuffleNetV2: the unit that splits the channels, and the one that halves the size on two paths.
    if (unit.branches.every((b) => b[0]?.kind === 'layer' && b[0].layer.op === 'slice')) return 'SplitShuffleUnit';
    if (items.some((i) => i.kind === 'layer' && i.layer.op === 'channel_shuffle')) return 'ShuffleUnit';
    return unit.branches.length >= 3 ? 'Inception' : 'Expand';
  }
  return 'Block';
}

function uniqueName(base: string, blocks: BlockDefinition[]): string {
  let name = base;
  for (let n = 2; blocks.some((b) => b.name === name); n++) name = `${base}${n}`;
  return name;
}

/** Replaces groups of equal-shaped statement lists by calls; `find` lists candidates, `replace` puts a call in place of one. */
function extract(blocks: BlockDefinition[], candidates: { items: Item[]; replace(call: Item): void }[], nameOf: (items: Item[]) => string, accept: (group: { items: Item[] }[]) => boolean): void {
  const groups = new Map<string, typeof candidates>();
  for (const candidate of candidates) {
    const key = shapeOf(candidate.items).key;
    groups.set(key, [...(groups.get(key) ?? []), candidate]);
  }
  for (const group of groups.values()) {
    if (group.length < 2 || !accept(group)) continue;
    const { definition, values } = generalise(
      uniqueName(nameOf(group[0].items), blocks),
      group.map((c) => c.items),
    );
    blocks.push(definition);
    group.forEach((candidate, m) => candidate.replace({ kind: 'call', block: definition, values: values[m], instance: candidate.items }));
  }
}

/** What ends a unit after its residual or concat: activations, and ShuffleNet's channel shuffle. */
const isUnitTail = (item: Item) =>
  item.kind === 'layer' && item.layer.tensors.length === 0 && item.layer.inputs.length === 1 && !item.label && /relu|silu|gelu|sigmoid|tanh|swish|elu|mish|channel_shuffle/.test(item.layer.op);

/** The block definitions found and the network's statements calling them. */
export function recoverBlocks(items: Item[]): { blocks: BlockDefinition[]; items: Item[] } {
  const blocks: BlockDefinition[] = [];
  let top = [...items];
  forEachLayer(top, stateDefaults);

  // Residual branches shared by units of different kinds (the bottleneck with and without
  // projection), or also written without the skip (MobileNet's inverted residuals that change size).
  const residuals = top.filter((i): i is Extract<Item, { kind: 'residual' }> => i.kind === 'residual');
  const bodyKeys = new Set(residuals.map((r) => shapeOf(r.body).key));
  const lengths = new Set(residuals.map((r) => r.body.length));
  const windows: { start: number; length: number; items: Item[] }[] = [];
  for (let i = 0; i < top.length; i++) {
    for (const length of lengths) {
      const items = top.slice(i, i + length);
      if (items.length === length && items.every((item) => item.kind === 'layer') && bodyKeys.has(shapeOf(items).key) && isOneModule(items, top[i - 1], top[i + length])) {
        windows.push({ start: i, length, items });
        i += length - 1;
        break;
      }
    }
  }
  const windowCalls = new Map<number, Item>();
  extract(
    blocks,
    [...residuals.map((r) => ({ items: r.body, replace: (call: Item) => (r.body = [call]) })), ...windows.map((w) => ({ items: w.items, replace: (call: Item) => windowCalls.set(w.start, call) }))],
    (body) => (body.some((i) => i.kind === 'layer' && i.layer.op === 'depthwise_conv') ? 'InvertedBottleneck' : `${nameFor([{ kind: 'residual', body }]).replace(/^Down/, '')}Branch`),
    (group) =>
      group.some((g) => windows.some((w) => w.items === g.items)) ||
      new Set(residuals.filter((r) => group.some((g) => g.items === r.body)).map((r) => (r.shortcut ? shapeOf(r.shortcut).key : ''))).size > 1,
  );
  if (windowCalls.size) {
    const next: Item[] = [];
    for (let i = 0; i < top.length; i++) {
      const call = windowCalls.get(i);
      next.push(call ?? top[i]);
      if (call) i += windows.find((w) => w.start === i)!.length - 1;
    }
    top = next;
  }

  // Units: a residual or concat with the activations (or channel shuffle) after it.
  const units: { start: number; end: number }[] = [];
  for (let i = 0; i < top.length; i++) {
    if (top[i].kind !== 'residual' && top[i].kind !== 'concat') continue;
    let end = i + 1;
    while (end < top.length && isUnitTail(top[end])) end++;
    units.push({ start: i, end });
  }
  const replaced = new Map<number, Item>();
  extract(
    blocks,
    units.map((u) => ({ items: top.slice(u.start, u.end), replace: (call: Item) => replaced.set(u.start, call) })),
    nameFor,
    () => true,
  );
  if (replaced.size) {
    const next: Item[] = [];
    for (let i = 0; i < top.length; i++) {
      const call = replaced.get(i);
      if (!call) {
        next.push(top[i]);
        continue;
      }
      next.push(call);
      i = units.find((u) => u.start === i)!.end - 1;
    }
    top = next;
  }
  forEachLayer(top, dropDefaults);
  for (const block of blocks) forEachLayer(block.body, dropDefaults);
  return { blocks: orderBlocks(blocks), items: repeatRuns(top) };
}

/** Convolution settings that default to these values; stated while comparing, so `stride=2` and no stride are one shape. */
const convolutionDefaults: [string, number][] = [
  ['stride', 1],
  ['padding', 0],
];

function stateDefaults(item: Extract<Item, { kind: 'layer' }>): void {
  if (item.layer.op !== 'conv' && item.layer.op !== 'depthwise_conv') return;
  const positional = item.args.filter((a) => !a.key).length;
  convolutionDefaults.forEach(([key, value], i) => {
    if (!item.args.some((a) => a.key === key)) item.args.splice(positional + i, 0, { key, value });
  });
}

function dropDefaults(item: Extract<Item, { kind: 'layer' }>): void {
  if (item.layer.op !== 'conv' && item.layer.op !== 'depthwise_conv') return;
  item.args = item.args.filter((a) => !convolutionDefaults.some(([key, value]) => a.key === key && a.value === value));
}

/** Calls `visit` on every layer statement, in blocks' bodies as written (not in call instances). */
function forEachLayer(items: Item[], visit: (item: Extract<Item, { kind: 'layer' }>) => void): void {
  for (const item of items) {
    if (item.kind === 'layer') visit(item);
    else if (item.kind === 'residual') {
      forEachLayer(item.body, visit);
      forEachLayer(item.shortcut ?? [], visit);
    } else if (item.kind === 'concat') item.branches.forEach((b) => forEachLayer(b, visit));
    else if (item.kind === 'repeat') forEachLayer(item.body, visit);
  }
}

/**
 * Whether statements form one module of the model: their names share a longer
 * prefix than they share with the statements around them (`features.2.conv`
 * against `features`), so a match that straddles two modules is not a block.
 */
function isOneModule(items: Item[], before: Item | undefined, after: Item | undefined): boolean {
  const inner = commonSource({ kind: 'residual', body: items });
  if (!inner) return false;
  return [before, after].every((neighbour) => !neighbour || commonSource({ kind: 'residual', body: [...items, neighbour] }).length < inner.length);
}

/** Runs of two or more equal calls become `repeat(n) { Call(...) }`. */
function repeatRuns(items: Item[]): Item[] {
  const out: Item[] = [];
  for (let i = 0; i < items.length;) {
    const item = items[i];
    let end = i + 1;
    if (item.kind === 'call' && !item.label) {
      const text = JSON.stringify([item.block.name, item.values]);
      while (
        end < items.length &&
        items[end].kind === 'call' &&
        !items[end].label &&
        JSON.stringify([(items[end] as { block: BlockDefinition }).block.name, (items[end] as { values: ArgValue[] }).values]) === text
      )
        end++;
    }
    if (end - i >= 2) out.push({ kind: 'repeat', count: end - i, body: [item], passes: items.slice(i, end).map((pass) => [pass]) });
    else out.push(item);
    i = end;
  }
  return out;
}

/** Blocks in the order a reader wants them: a block before the blocks that call it. */
function orderBlocks(blocks: BlockDefinition[]): BlockDefinition[] {
  return [...blocks].sort((a, b) => depth(a) - depth(b));
}

function depth(block: BlockDefinition): number {
  const inner = (items: Item[]): number =>
    Math.max(
      0,
      ...items.map((i) =>
        i.kind === 'call'
          ? 1 + depth(i.block)
          : i.kind === 'residual'
            ? Math.max(inner(i.body), inner(i.shortcut ?? []))
            : i.kind === 'concat'
              ? Math.max(0, ...i.branches.map(inner))
              : i.kind === 'repeat'
                ? inner(i.body)
                : 0,
      ),
    );
  return inner(block.body);
}
