/**
 * Writes recovered statements as `.cnn` text in the style of the examples:
 * blocks first, then the network; short branches on one line; top-level
 * compound statements asserting their output shape; the model's own names
 * as comments.
 */
import type { ArgValue, ImportedLayer, LayerArg } from './layers';
import type { BlockDefinition, Item } from './structure';

/** Everything one output file holds. */
export interface Program {
  header: string[];
  blocks: BlockDefinition[];
  networkName: string;
  inputShape: number[];
  items: Item[];
}

/** `3`, `(1, 7)`, `"same"`, `false`, or an expression as written. */
export function formatValue(value: ArgValue): string {
  if (typeof value === 'number') return formatNumber(value);
  if (Array.isArray(value)) return `(${value.map(formatNumber).join(', ')})`;
  if (typeof value === 'string') return /^\d+(x\d+)+$/.test(value) ? value : `"${value}"`;
  if (typeof value === 'boolean') return String(value);
  return value.expr;
}

function formatNumber(n: number): string {
  if (Number.isInteger(n)) return String(n);
  return String(Number(n.toPrecision(6)));
}

/** `conv(64, 3, stride=2)`, `relu`. */
export function callText(op: string, args: LayerArg[]): string {
  if (!args.length) return op;
  return `${op}(${args.map((a) => (a.key ? `${a.key}=${formatValue(a.value)}` : formatValue(a.value))).join(', ')})`;
}

/** A call's arguments: parameters without a default by position, then those that differ from their default by name. */
export function callArgs(block: BlockDefinition, values: ArgValue[]): LayerArg[] {
  const args: LayerArg[] = [];
  block.params.forEach((param, i) => {
    const value = values[i];
    if (param.default === undefined) args.push({ value });
    else if (JSON.stringify(param.default) !== JSON.stringify(value)) args.push({ key: param.name, value });
  });
  return args;
}

/** Every layer an item runs, in the order the analysis evaluates them (body before shortcut, branches in order). */
export function layersOf(item: Item): ImportedLayer[] {
  switch (item.kind) {
    case 'layer':
      return [item.layer];
    case 'residual':
      return [...item.body.flatMap(layersOf), ...(item.shortcut ?? []).flatMap(layersOf)];
    case 'concat':
      return item.branches.flat().flatMap(layersOf);
    case 'call':
      return item.instance.flatMap(layersOf);
    case 'repeat':
      return item.passes.flat().flatMap(layersOf);
  }
}

/** The output shape of an item: its last layer's, or for a merge the merge's. */
export function outShapeOf(item: Item): number[] {
  switch (item.kind) {
    case 'layer':
      return item.layer.outShape;
    case 'residual': {
      return outShapeOf(item.body[item.body.length - 1]);
    }
    case 'concat': {
      const shapes = item.branches.map((b) => outShapeOf(b[b.length - 1]));
      return [shapes.reduce((sum, s) => sum + s[0], 0), ...shapes[0].slice(1)];
    }
    case 'call':
      return outShapeOf(item.instance[item.instance.length - 1]);
    case 'repeat': {
      const last = item.passes[item.passes.length - 1];
      return outShapeOf(last[last.length - 1]);
    }
  }
}

/** The longest common dotted prefix of the model's names for an item's layers (`layer1.0`). */
export function commonSource(item: Item): string {
  const names = layersOf(item)
    .filter((l) => l.op !== 'identity')
    .map((l) => l.source.split('.'));
  if (!names.length) return '';
  let length = names[0].length;
  for (const parts of names) {
    let same = 0;
    while (same < Math.min(length, parts.length) && parts[same] === names[0][same]) same++;
    length = same;
  }
  return names[0].slice(0, length).join('.');
}

/** One statement's own text, without label, shape or comment; multi-line for compound statements. */
function statementLines(item: Item, indent: string): string[] {
  const label = item.label ? `${item.label}: ` : '';
  switch (item.kind) {
    case 'layer':
      return [`${indent}${label}${callText(item.layer.op === 'identity' ? 'identity' : item.layer.op, item.args)}`];
    case 'call':
      return [`${indent}${label}${callText(item.block.name, callArgs(item.block, item.values))}`];
    case 'repeat': {
      const inner = inline(item.body);
      if (inner) return [`${indent}${label}repeat(${item.count}) { ${inner} }`];
      return [`${indent}${label}repeat(${item.count}) {`, ...item.body.flatMap((i) => statementLines(i, indent + '  ')), `${indent}}`];
    }
    case 'residual': {
      const body = item.body.length === 1 ? inline(item.body) : undefined;
      if (body && !item.shortcut) return [`${indent}${label}residual { ${body} }`];
      // Both paths short: one line, as a person writes a projection shortcut; otherwise each path on its own lines.
      const short = body && item.shortcut ? inline(item.shortcut) : undefined;
      const oneLine = short && `${indent}${label}residual { ${body} } shortcut { ${short} }`;
      if (oneLine && oneLine.length <= 100) return [oneLine];
      const lines = [`${indent}${label}residual {`, ...item.body.flatMap((i) => statementLines(i, indent + '  '))];
      if (item.shortcut) {
        const short = inline(item.shortcut);
        if (short) lines.push(`${indent}} shortcut { ${short} }`);
        else lines.push(`${indent}} shortcut {`, ...item.shortcut.flatMap((i) => statementLines(i, indent + '  ')), `${indent}}`);
      } else lines.push(`${indent}}`);
      return lines;
    }
    case 'concat': {
      const lines = [`${indent}${label}concat {`];
      for (const branch of item.branches) {
        const short = inline(branch);
        if (short) lines.push(`${indent}  branch { ${short} }`);
        else lines.push(`${indent}  branch {`, ...branch.flatMap((i) => statementLines(i, indent + '    ')), `${indent}  }`);
      }
      lines.push(`${indent}}`);
      return lines;
    }
  }
}

/** A short run of simple statements on one line (`conv(64, 1); relu`), or undefined when it would not read well. */
function inline(items: Item[]): string | undefined {
  if (items.length > 4 || items.some((i) => i.kind !== 'layer' && i.kind !== 'call')) return undefined;
  const text = items.map((i) => statementLines(i, '')[0]).join('; ');
  return text.length <= 72 ? text : undefined;
}

/** Top-level statements: compound ones assert their shape; each names where it came from. */
function topLevelLines(item: Item): string[] {
  const lines = statementLines(item, '  ');
  const last = lines.length - 1;
  const compound = item.kind !== 'layer';
  const shape = compound ? ` -> ${outShapeOf(item).join('x')}` : '';
  const source = sourceComment(item);
  const text = `${lines[last]}${shape}`;
  lines[last] = source ? `${text.padEnd(Math.max(48, text.length + 2))}# ${source}` : text;
  return lines;
}

function sourceComment(item: Item): string {
  if (item.kind === 'repeat') {
    const first = commonSource({ kind: 'residual', body: item.passes[0] });
    const last = commonSource({ kind: 'residual', body: item.passes[item.passes.length - 1] });
    return first && last && first !== last ? `${first} to ${last}` : first;
  }
  if (item.kind === 'layer' && item.layer.op === 'identity') return '';
  return commonSource(item);
}

/** The whole file. */
export function printProgram(program: Program): string {
  const lines: string[] = [...program.header.map((h) => (h ? `# ${h}` : '#')), ''];
  for (const block of program.blocks) {
    if (block.comment) lines.push(`# ${block.comment}`);
    const params = block.params.map((p) => (p.default === undefined ? p.name : `${p.name} = ${formatValue(p.default)}`));
    lines.push(`block ${block.name}${params.length ? `(${params.join(', ')})` : ''} {`, ...block.body.flatMap((i) => statementLines(i, '  ')), '}', '');
  }
  lines.push(`network ${program.networkName} {`, `  input(${program.inputShape.join('x')})`);
  for (const item of program.items) lines.push(...topLevelLines(item));
  lines.push('}', '');
  return lines.join('\n');
}
