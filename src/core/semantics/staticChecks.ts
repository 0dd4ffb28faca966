/**
 * Checks that do not depend on a block's arguments or input, reported once
 * at their own line: unknown ops and blocks, unknown and missing arguments,
 * undefined labels and names, misplaced `input`, duplicate definitions and
 * recursive blocks.
 */
import { diagnostic, nearestName, type Diagnostic, type Fix, type Range } from '../diagnostics';
import { allArgs, allOpNames, findOp } from '../ops/registry';
import type { BlockDecl, CallNode, Expr, SourceFile, Statement } from '../syntax/ast';

/** Names people bring from PyTorch, Keras and papers that are too far from ours for edit distance to find. */
const familiarNames: Record<string, string> = {
  pool: 'maxpool',
  max_pool: 'maxpool',
  maxpooling: 'maxpool',
  avg_pool: 'avgpool',
  averagepooling: 'avgpool',
  fc: 'dense',
  batch_norm: 'batchnorm',
  bn: 'batchnorm',
  deconv: 'conv_transpose',
  upsampling: 'upsample',
  globalaveragepooling: 'global_avgpool',
  adaptiveavgpool: 'adaptive_avgpool',
  concatenate: 'concat',
  skip: 'add',
  relu_: 'relu',
};

/** Labels defined so far in a body and its enclosing bodies. */
interface Scope {
  labels: Set<string>;
  parent?: Scope;
}

/** Runs every static check over the file. */
export function checkStatically(file: SourceFile, blocks: Map<string, BlockDecl>): Diagnostic[] {
  const found: Diagnostic[] = [];
  const seen = new Map<string, Range>();
  for (const declaration of [...file.networks, ...file.blocks]) {
    const previous = seen.get(declaration.name);
    if (previous) {
      found.push(diagnostic('bad-value', `${declaration.name} is already defined on line ${previous.start.line + 1}; give it another name.`, declaration.nameRange));
    } else {
      seen.set(declaration.name, declaration.nameRange);
    }
  }
  for (const network of file.networks) {
    checkBody(network.body, { labels: new Set() }, new Set(), blocks, found, true);
  }
  for (const block of file.blocks) {
    const params = new Set<string>();
    for (const param of block.params) {
      if (params.has(param.name)) found.push(diagnostic('bad-value', `Parameter ${param.name} appears twice in block ${block.name}.`, param.range));
      if (param.defaultValue) checkNames(param.defaultValue, params, found);
      params.add(param.name);
    }
    checkBody(block.body, { labels: new Set() }, params, blocks, found, false);
  }
  found.push(...findRecursion(file, blocks));
  return found;
}

function checkBody(statements: Statement[], scope: Scope, params: Set<string>, blocks: Map<string, BlockDecl>, found: Diagnostic[], isNetwork: boolean): void {
  statements.forEach((statement, index) => {
    const body = statement.body;
    switch (body.kind) {
      case 'call':
        if (body.name === 'input') {
          if (!(isNetwork && index === 0 && scope.parent === undefined)) {
            found.push(diagnostic('bad-value', 'input(...) belongs only as the first statement of a network; remove this one.', body.nameRange));
          }
        } else {
          checkCall(body, scope, params, blocks, found);
        }
        break;
      case 'repeat':
        if (body.count) checkNames(body.count, params, found);
        checkBody(body.body, { labels: new Set(), parent: scope }, params, blocks, found, isNetwork);
        break;
      case 'residual':
        checkBody(body.body, { labels: new Set(), parent: scope }, params, blocks, found, isNetwork);
        if (body.shortcut) checkBody(body.shortcut, { labels: new Set(), parent: scope }, params, blocks, found, isNetwork);
        break;
      case 'concatBlock':
        for (const branch of body.branches) checkBody(branch.body, { labels: new Set(), parent: scope }, params, blocks, found, isNetwork);
        break;
    }
    if (statement.label) scope.labels.add(statement.label.name);
  });
}

function visibleLabels(scope: Scope): string[] {
  const names: string[] = [];
  for (let s: Scope | undefined = scope; s; s = s.parent) names.push(...s.labels);
  return names;
}

/** Reports a label used before any statement in scope defines it. */
function checkLabelName(name: string, range: Range, scope: Scope, found: Diagnostic[]): void {
  const visible = visibleLabels(scope);
  if (visible.includes(name)) return;
  const suggestion = nearestName(name, visible);
  found.push(
    diagnostic(
      'undefined-label',
      `No label ${name} is defined before this point in this body${suggestion ? `; did you mean ${suggestion}?` : '.'} Name a statement with ${name}: ... before using it.`,
      range,
      suggestion ? { fixes: [{ title: `Change to ${suggestion}`, edits: [{ range, newText: suggestion }], preferred: true }] } : {},
    ),
  );
}

function checkCall(call: CallNode, scope: Scope, params: Set<string>, blocks: Map<string, BlockDecl>, found: Diagnostic[]): void {
  const op = findOp(call.name);
  const block = blocks.get(call.name);
  if (!op && !block) {
    const isBlockName = /^[A-Z]/.test(call.name);
    const familiar = familiarNames[call.name.toLowerCase().replace(/[0-9]d$/, '').replace(/2d$/, '')];
    const suggestion = familiar ?? nearestName(call.name, isBlockName ? [...blocks.keys(), ...allOpNames()] : [...allOpNames(), ...blocks.keys()]);
    const fixes: Fix[] = suggestion ? [{ title: `Change to ${suggestion}`, edits: [{ range: call.nameRange, newText: suggestion }], preferred: true }] : [];
    const hint = suggestion ? ` Did you mean ${suggestion}?` : isBlockName ? ' Define it with block NAME(params) { ... }.' : '';
    found.push(
      diagnostic(
        isBlockName ? 'undefined-block' : 'unknown-op',
        isBlockName ? `No block named ${call.name} is defined in this file.${hint}` : `${call.name} is not an op CNN Lens knows.${hint}`,
        call.nameRange,
        { fixes },
      ),
    );
    return;
  }
  if (op?.signature.labels) {
    if (call.args.length === 0) {
      found.push(diagnostic('missing-arg', `${call.name} needs at least one label to combine with, e.g. ${call.name}(skip) after skip: ... earlier.`, call.nameRange));
    }
    for (const argument of call.args) {
      if (argument.key !== undefined || argument.value.kind !== 'name') {
        found.push(diagnostic('bad-value', `${call.name} takes label names (the names before ':' on earlier statements), not ${argument.key ? 'keyword arguments' : 'values'}.`, argument.range));
        continue;
      }
      checkLabelName(argument.value.name, argument.value.range, scope, found);
    }
    return;
  }
  const positionalSpecs = op ? op.signature.positional.map((a) => a.name) : block!.params.map((p) => p.name);
  const allNames = op ? allArgs(op).map((a) => a.name) : block!.params.map((p) => p.name);
  const what = op ? call.name : `block ${call.name}`;
  const given = new Set<string>();
  let positionalCount = 0;
  let sawKeyword = false;
  for (const argument of call.args) {
    // A label-valued keyword (upsample's like=) names an earlier statement, not a block parameter.
    const labelArgument = op !== undefined && argument.key !== undefined && allArgs(op).find((a) => a.name === argument.key)?.kind === 'label';
    if (!labelArgument) checkNames(argument.value, params, found);
    else if (argument.value.kind === 'name') checkLabelName(argument.value.name, argument.value.range, scope, found);
    else found.push(diagnostic('bad-value', `${argument.key} takes a label (the name before ':' on an earlier statement).`, argument.range));
    if (argument.key === undefined) {
      if (sawKeyword) found.push(diagnostic('syntax', 'Positional arguments must come before keyword arguments.', argument.range));
      const name = positionalSpecs[positionalCount++];
      if (name === undefined) {
        found.push(
          diagnostic(
            'unknown-arg',
            `${what} takes ${positionalSpecs.length} positional argument${positionalSpecs.length === 1 ? '' : 's'}${positionalSpecs.length ? ` (${positionalSpecs.join(', ')})` : ''}; give the others by keyword${allNames.length > positionalSpecs.length ? `: ${allNames.filter((n) => !positionalSpecs.includes(n)).join(', ')}` : ''}.`,
            argument.range,
          ),
        );
      } else {
        given.add(name);
      }
      continue;
    }
    sawKeyword = true;
    if (!allNames.includes(argument.key)) {
      const suggestion = nearestName(argument.key, allNames);
      const keyRange = argument.keyRange ?? argument.range;
      found.push(
        diagnostic(
          'unknown-arg',
          `${what} has no argument ${argument.key}${suggestion ? `; did you mean ${suggestion}?` : '.'} It takes: ${allNames.join(', ') || 'no arguments'}.`,
          keyRange,
          suggestion ? { fixes: [{ title: `Change to ${suggestion}`, edits: [{ range: keyRange, newText: suggestion }], preferred: true }] } : {},
        ),
      );
    } else if (given.has(argument.key)) {
      found.push(diagnostic('bad-value', `${argument.key} is given twice.`, argument.keyRange ?? argument.range));
    } else {
      given.add(argument.key);
    }
  }
  const required = op
    ? op.signature.positional.filter((a) => a.defaultValue === undefined && a.defaultText === undefined).map((a) => a.name)
    : block!.params.filter((p) => !p.defaultValue).map((p) => p.name);
  const missing = required.filter((name) => !given.has(name));
  if (missing.length) {
    const example = op ? `${call.name}(${op.signature.positional.map((a) => a.name).join(', ')})` : `${call.name}(${block!.params.map((p) => p.name).join(', ')})`;
    found.push(diagnostic('missing-arg', `${what} needs ${missing.join(' and ')}: ${example}.`, call.argsRange ?? call.nameRange));
  }
}

/** Reports names used as values that are neither block parameters nor (for merge ops) labels. */
function checkNames(expr: Expr, params: Set<string>, found: Diagnostic[]): void {
  switch (expr.kind) {
    case 'name':
      if (!params.has(expr.name)) {
        const suggestion = nearestName(expr.name, params);
        const quoted = ['same', 'valid', 'full', 'nearest', 'bilinear', 'linear', 'bicubic', 'trilinear'].includes(expr.name);
        const hint = quoted ? ` Write it as a string: "${expr.name}".` : suggestion ? ` Did you mean ${suggestion}?` : params.size ? ` The block's parameters are ${[...params].join(', ')}.` : '';
        const fixes: Fix[] = quoted
          ? [{ title: `Quote it: "${expr.name}"`, edits: [{ range: expr.range, newText: `"${expr.name}"` }], preferred: true }]
          : suggestion
            ? [{ title: `Change to ${suggestion}`, edits: [{ range: expr.range, newText: suggestion }] }]
            : [];
        found.push(diagnostic('bad-value', `${expr.name} is not defined here.${hint}`, expr.range, { fixes }));
      }
      return;
    case 'tuple':
      for (const item of expr.items) checkNames(item, params, found);
      return;
    case 'binary':
      checkNames(expr.left, params, found);
      checkNames(expr.right, params, found);
      return;
    case 'negate':
      checkNames(expr.operand, params, found);
      return;
    case 'call':
      for (const arg of expr.args) checkNames(arg, params, found);
      return;
    default:
      return;
  }
}

/** Finds block call cycles and reports each call that closes one. */
function findRecursion(file: SourceFile, blocks: Map<string, BlockDecl>): Diagnostic[] {
  const calls = new Map<string, CallNode[]>();
  for (const block of file.blocks) {
    const list: CallNode[] = [];
    collectCalls(block.body, list);
    calls.set(block.name, list.filter((c) => blocks.has(c.name)));
  }
  const found: Diagnostic[] = [];
  const reported = new Set<CallNode>();
  for (const start of calls.keys()) {
    // Depth-first search for a path from `start` back to itself.
    const stack: { name: string; path: string[] }[] = [{ name: start, path: [start] }];
    const visited = new Set<string>();
    while (stack.length) {
      const { name, path } = stack.pop()!;
      for (const call of calls.get(name) ?? []) {
        if (call.name === start) {
          if (name === start || path.length >= 1) {
            const closing = (calls.get(name) ?? []).find((c) => c.name === start)!;
            if (!reported.has(closing)) {
              reported.add(closing);
              const cycle = [...path, start].join(' → ');
              found.push(diagnostic('recursive-block', `Block ${start} calls itself (${cycle}); blocks cannot recurse. Use repeat(N) { ... } for repetition.`, closing.nameRange));
            }
          }
        } else if (!visited.has(call.name)) {
          visited.add(call.name);
          stack.push({ name: call.name, path: [...path, call.name] });
        }
      }
    }
  }
  return found;
}

function collectCalls(statements: Statement[], into: CallNode[]): void {
  for (const statement of statements) {
    const body = statement.body;
    if (body.kind === 'call') into.push(body);
    else if (body.kind === 'repeat') collectCalls(body.body, into);
    else if (body.kind === 'residual') {
      collectCalls(body.body, into);
      if (body.shortcut) collectCalls(body.shortcut, into);
    } else for (const branch of body.branches) collectCalls(branch.body, into);
  }
}
