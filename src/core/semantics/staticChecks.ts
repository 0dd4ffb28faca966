/**
 * Checks that do not depend on a block's arguments or input, reported once
 * at their own line: unknown ops and blocks, unknown and missing arguments,
 * undefined labels and names, misplaced `input`, duplicate definitions and
 * recursive blocks.
 */
import { diagnostic, nearestName, type Diagnostic, type Fix, type Range } from '../diagnostics';
import { allArgs, allOpNames, findOp, opDefinitions } from '../ops/registry';
import type { OpDefinition } from '../ops/types';
import type { BlockDecl, CallNode, Expr, SourceFile, Statement } from '../syntax/ast';
import { expressionFunctionSignature, expressionFunctions } from './values';

/** Names people bring from PyTorch, Keras and papers (each op's `familiarNames`) → the op's first name. */
const familiarNames = new Map(opDefinitions.flatMap((op) => (op.familiarNames ?? []).map((familiar) => [familiar, op.names[0]] as const)));

/** Labels defined so far in a body and its enclosing bodies. */
interface Scope {
  labels: Set<string>;
  parent?: Scope;
}

/** Runs every static check over the file. */
export function checkStatically(file: SourceFile, blocks: Map<string, BlockDecl>): Diagnostic[] {
  const found: Diagnostic[] = [];
  suggestionsLeft = maxSuggestions;
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

function isVisible(scope: Scope, name: string): boolean {
  for (let s: Scope | undefined = scope; s; s = s.parent) if (s.labels.has(name)) return true;
  return false;
}

/**
 * Past this many "did you mean" searches in a file, no more are made: each
 * reads every candidate (visible labels, blocks, parameters), and a generated
 * file with thousands of mistakes could otherwise make the check quadratic.
 */
const maxSuggestions = 200;
/** Searches left in the file being checked (the checks run synchronously, one file at a time). */
let suggestionsLeft = 0;

/** `nearestName`, while the file's allowance of searches lasts. */
function suggest(name: string, candidates: () => Iterable<string>): string | undefined {
  if (suggestionsLeft <= 0) return undefined;
  suggestionsLeft--;
  return nearestName(name, candidates());
}

/** Every label visible from a scope (for suggestions), gathered without spreading a large set into arguments. */
function visibleLabels(scope: Scope): string[] {
  const names: string[] = [];
  for (let s: Scope | undefined = scope; s; s = s.parent) for (const name of s.labels) names.push(name);
  return names;
}

/** Reports a label used before any statement in scope defines it. */
function checkLabelName(name: string, range: Range, scope: Scope, found: Diagnostic[]): void {
  if (isVisible(scope, name)) return;
  const suggestion = suggest(name, () => visibleLabels(scope));
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
    const familiar = familiarNames.get(
      call.name
        .toLowerCase()
        .replace(/[0-9]d$/, '')
        .replace(/2d$/, ''),
    );
    const suggestion = familiar ?? suggest(call.name, () => (isBlockName ? [...blocks.keys(), ...allOpNames()] : [...allOpNames(), ...blocks.keys()]));
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
  const { positionalSpecs, allNames, allNameSet, required } = signatureOf(op ?? block!);
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
            `${what} takes ${positionalSpecs.length} positional argument${positionalSpecs.length === 1 ? '' : 's'}${positionalSpecs.length ? ` (${listNames(positionalSpecs)})` : ''}; give the others by keyword${allNames.length > positionalSpecs.length ? `: ${listNames(allNames.slice(positionalSpecs.length))}` : ''}.`,
            argument.range,
          ),
        );
      } else {
        given.add(name);
      }
      continue;
    }
    sawKeyword = true;
    if (!allNameSet.has(argument.key)) {
      const suggestion = suggest(argument.key, () => allNames);
      const keyRange = argument.keyRange ?? argument.range;
      found.push(
        diagnostic(
          'unknown-arg',
          `${what} has no argument ${argument.key}${suggestion ? `; did you mean ${suggestion}?` : '.'} It takes: ${listNames(allNames) || 'no arguments'}.`,
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
  // Only the first few missing names are named, so this stops early instead of reading a long list per call.
  const missing: string[] = [];
  let missingCount = 0;
  for (const name of required) {
    if (given.has(name)) continue;
    if (missing.length < listedNames) missing.push(name);
    if (++missingCount > listedNames) break;
  }
  if (missingCount) {
    const names = missingCount > listedNames ? `${missing.join(', ')} and more` : missing.join(' and ');
    const example = `${call.name}(${listNames(positionalSpecs)})`;
    found.push(diagnostic('missing-arg', `${what} needs ${names}: ${example}.`, call.argsRange ?? call.nameRange));
  }
}

/** How many names a message lists before it says how many more there are. */
const listedNames = 20;

/** Names for a message: all of them, or the first `listedNames` and how many more. */
function listNames(names: Iterable<string>, count = (names as readonly string[]).length): string {
  const first: string[] = [];
  for (const name of names) {
    if (first.length === listedNames) break;
    first.push(name);
  }
  return count > listedNames ? `${first.join(', ')}, … (${count - listedNames} more)` : first.join(', ');
}

/** What a call is checked against: the parameters of an op or a block, read once per op or block. */
interface Signature {
  positionalSpecs: string[];
  allNames: string[];
  allNameSet: Set<string>;
  required: string[];
}

const signatures = new WeakMap<object, Signature>();

function signatureOf(callee: OpDefinition | BlockDecl): Signature {
  let signature = signatures.get(callee);
  if (signature) return signature;
  if ('kind' in callee && callee.kind === 'block') {
    const names = callee.params.map((p) => p.name);
    signature = { positionalSpecs: names, allNames: names, allNameSet: new Set(names), required: callee.params.filter((p) => !p.defaultValue).map((p) => p.name) };
  } else {
    const op = callee as OpDefinition;
    const allNames = allArgs(op).map((a) => a.name);
    signature = {
      positionalSpecs: op.signature.positional.map((a) => a.name),
      allNames,
      allNameSet: new Set(allNames),
      required: op.signature.positional.filter((a) => a.defaultValue === undefined && a.defaultText === undefined).map((a) => a.name),
    };
  }
  signatures.set(callee, signature);
  return signature;
}

/** Reports names used as values that are neither block parameters nor (for merge ops) labels. */
function checkNames(expr: Expr, params: Set<string>, found: Diagnostic[]): void {
  switch (expr.kind) {
    case 'name':
      if (!params.has(expr.name)) {
        const suggestion = suggest(expr.name, () => params);
        const quoted = ['same', 'valid', 'full', 'nearest', 'bilinear', 'linear', 'bicubic', 'trilinear'].includes(expr.name);
        const hint = quoted
          ? ` Write it as a string: "${expr.name}".`
          : suggestion
            ? ` Did you mean ${suggestion}?`
            : params.size
              ? ` The block's parameters are ${listNames(params, params.size)}.`
              : '';
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
      checkFunctionArguments(expr, found);
      for (const arg of expr.args) checkNames(arg.value, params, found);
      return;
    default:
      return;
  }
}

/**
 * The keywords of an expression function call (`divisible(v, 8, min=16)`):
 * each must be one of the function's parameters, given once, after the
 * positional arguments. How many arguments there are is checked when the call
 * is evaluated.
 */
function checkFunctionArguments(call: Extract<Expr, { kind: 'call' }>, found: Diagnostic[]): void {
  const spec = Object.hasOwn(expressionFunctions, call.name) ? expressionFunctions[call.name] : undefined;
  if (!spec) return;
  const given = new Set<string>();
  let positionalCount = 0;
  let sawKeyword = false;
  for (const argument of call.args) {
    if (argument.key === undefined) {
      if (sawKeyword) found.push(diagnostic('syntax', 'Positional arguments must come before keyword arguments.', argument.range));
      if (positionalCount < spec.params.length) given.add(spec.params[positionalCount]);
      positionalCount++;
      continue;
    }
    sawKeyword = true;
    const keyRange = argument.keyRange ?? argument.range;
    if (!spec.params.includes(argument.key)) {
      const suggestion = suggest(argument.key, () => spec.params);
      found.push(
        diagnostic(
          'unknown-arg',
          `${call.name} has no argument ${argument.key}${suggestion ? `; did you mean ${suggestion}?` : '.'} It takes: ${expressionFunctionSignature(call.name)}.`,
          keyRange,
          suggestion ? { fixes: [{ title: `Change to ${suggestion}`, edits: [{ range: keyRange, newText: suggestion }], preferred: true }] } : {},
        ),
      );
    } else if (given.has(argument.key)) {
      found.push(diagnostic('bad-value', `${argument.key} is given twice in ${call.name}(...).`, keyRange));
    } else {
      given.add(argument.key);
    }
  }
}

/** Cycles up to this many blocks are described in full; longer ones by their ends, so messages stay short. */
const describedCycle = 64;

/**
 * Finds block call cycles and reports each call that closes one: for every
 * block on a cycle, the first call to it from each block of its cycle. The
 * cycles are the strongly connected components of the call graph (found in
 * linear time); a path is searched for only inside a small component.
 */
function findRecursion(file: SourceFile, blocks: Map<string, BlockDecl>): Diagnostic[] {
  const calls = blockCalls(file.blocks, blocks);
  const component = stronglyConnected(calls);
  const members = new Map<number, string[]>();
  for (const [name, id] of component) {
    const list = members.get(id);
    if (list) list.push(name);
    else members.set(id, [name]);
  }
  const found: Diagnostic[] = [];
  const reported = new Set<CallNode>();
  const report = (closing: CallNode, start: string, cycle: string) => {
    if (reported.has(closing)) return;
    reported.add(closing);
    found.push(diagnostic('recursive-block', `Block ${start} calls itself (${cycle}); blocks cannot recurse. Use repeat(N) { ... } for repetition.`, closing.nameRange));
  };
  // In a large cycle, each first call from one member to another closes it; name the call's two ends and the cycle's size.
  for (const [name, list] of calls) {
    const id = component.get(name)!;
    const size = members.get(id)!.length;
    if (size <= describedCycle) continue;
    const called = new Set<string>();
    for (const call of list) {
      if (component.get(call.name) !== id || called.has(call.name)) continue;
      called.add(call.name);
      report(call, call.name, `${call.name} → … → ${name} → ${call.name}, a cycle through ${size} blocks`);
    }
  }
  for (const start of calls.keys()) {
    const id = component.get(start)!;
    const size = members.get(id)!.length;
    const selfCall = (calls.get(start) ?? []).find((c) => c.name === start);
    if (size === 1) {
      if (selfCall) report(selfCall, start, `${start} → ${start}`);
      continue;
    }
    if (size > describedCycle) continue;
    // Depth-first search for a path from `start` back to itself, inside its component (no other block lies on such a path).
    const stack: { name: string; path: string[] }[] = [{ name: start, path: [start] }];
    const visited = new Set<string>();
    while (stack.length) {
      const { name, path } = stack.pop()!;
      for (const call of calls.get(name) ?? []) {
        if (component.get(call.name) !== id) continue;
        if (call.name === start) {
          report(
            (calls.get(name) ?? []).find((c) => c.name === start)!,
            start,
            [...path, start].join(' → '),
          );
        } else if (!visited.has(call.name)) {
          visited.add(call.name);
          stack.push({ name: call.name, path: [...path, call.name] });
        }
      }
    }
  }
  return found;
}

/** Each block's calls of known blocks, by block name (a later block of the same name replaces an earlier one's calls). */
function blockCalls(declared: Iterable<BlockDecl>, known: ReadonlyMap<string, BlockDecl>): Map<string, CallNode[]> {
  const calls = new Map<string, CallNode[]>();
  for (const block of declared) {
    const list: CallNode[] = [];
    collectCalls(block.body, list);
    calls.set(
      block.name,
      list.filter((c) => known.has(c.name)),
    );
  }
  return calls;
}

/**
 * Whether no block calls itself, directly or through others: every strongly
 * connected component of the call graph is one block that does not call
 * itself. The evaluation asks it once per analysis, for the block memo.
 */
export function blocksAcyclic(blocks: ReadonlyMap<string, BlockDecl>): boolean {
  const calls = blockCalls(blocks.values(), blocks);
  const component = stronglyConnected(calls);
  const seen = new Set<number>();
  for (const [name, list] of calls) {
    const id = component.get(name)!;
    if (seen.has(id) || list.some((call) => call.name === name)) return false;
    seen.add(id);
  }
  return true;
}

/** Tarjan's strongly connected components of the call graph, iteratively: block name to component number. */
function stronglyConnected(calls: Map<string, CallNode[]>): Map<string, number> {
  const index = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const component = new Map<string, number>();
  let counter = 0;
  let components = 0;
  for (const root of calls.keys()) {
    if (index.has(root)) continue;
    // Each frame is a block and how far through its calls the search has gone.
    const frames: { name: string; next: number }[] = [{ name: root, next: 0 }];
    index.set(root, counter);
    lowLink.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (frames.length) {
      const frame = frames[frames.length - 1];
      const out = calls.get(frame.name) ?? [];
      if (frame.next < out.length) {
        const target = out[frame.next++].name;
        if (!calls.has(target)) continue;
        if (!index.has(target)) {
          index.set(target, counter);
          lowLink.set(target, counter++);
          stack.push(target);
          onStack.add(target);
          frames.push({ name: target, next: 0 });
        } else if (onStack.has(target)) {
          lowLink.set(frame.name, Math.min(lowLink.get(frame.name)!, index.get(target)!));
        }
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent) lowLink.set(parent.name, Math.min(lowLink.get(parent.name)!, lowLink.get(frame.name)!));
      if (lowLink.get(frame.name) === index.get(frame.name)) {
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.set(member, components);
        } while (member !== frame.name);
        components++;
      }
    }
  }
  return component;
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
