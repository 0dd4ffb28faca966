/**
 * Semantic tokens for what the TextMate grammar cannot know: which names are
 * ops, blocks, block parameters, labels and keyword arguments. Keywords,
 * numbers, strings and comments stay with the grammar.
 *
 * The names resolve as names.ts's index resolves them (a label is visible
 * after its statement in its body and the bodies nested in it; a block body
 * sees its parameters), but in one walk of the file in source order that
 * writes each token as it meets it: a megabyte file has over a million
 * tokens, and building the index's symbols and sorting them cost more than
 * the walk itself.
 */
import type { SemanticTokensLegend } from 'vscode-languageserver';
import { findOp, type Ast } from '../core';
import { renderedColumns } from './renderedColumns';
import { declarations, innerBodies } from './syntax';

const tokenTypes = ['function', 'class', 'parameter', 'variable', 'property'] as const;
const tokenModifiers = ['declaration', 'defaultLibrary'] as const;

/** The legend the server announces in its capabilities. */
export const semanticTokensLegend: SemanticTokensLegend = { tokenTypes: [...tokenTypes], tokenModifiers: [...tokenModifiers] };

const functionType = 0;
const classType = 1;
const parameterType = 2;
const variableType = 3;
const propertyType = 4;

const declaration = 1 << 0;
const defaultLibrary = 1 << 1;

/** How many numbers the collector keeps per token: line, character, end line, end character, type, modifiers. */
const fields = 6;

/**
 * The tokens met so far that start before column `renderedColumns`, flat in
 * a typed array grown by doubling (a plain array pushed a number at a time
 * was most of the cost on a megabyte file), and whether each started after
 * the one before (then no sort is needed).
 */
class TokenCollector {
  values = new Int32Array(fields * 1024);
  length = 0;
  inOrder = true;
  private lastLine = -1;
  private lastCharacter = -1;

  add(range: Ast.Statement['range'], type: number, modifiers: number): void {
    const { line, character } = range.start;
    // VS Code draws none of a line past this column, and a megabyte line's tokens beside its hints froze the workbench.
    if (character >= renderedColumns) return;
    if (line < this.lastLine || (line === this.lastLine && character <= this.lastCharacter)) this.inOrder = false;
    this.lastLine = line;
    this.lastCharacter = character;
    if (this.length + fields > this.values.length) {
      const grown = new Int32Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    const values = this.values;
    let at = this.length;
    values[at++] = line;
    values[at++] = character;
    values[at++] = range.end.line;
    values[at++] = range.end.character;
    values[at++] = type;
    values[at++] = modifiers;
    this.length = at;
  }
}

/** What an op's signature says about the labels its arguments name. */
interface LabelUse {
  /** Its positional arguments are labels (add, concat, ...). */
  positional: boolean;
  /** Its keywords whose value is a label (upsample's like=). */
  keywords: ReadonlySet<string>;
}

const noLabels: LabelUse = { positional: false, keywords: new Set() };
const labelUses = new Map<string, LabelUse>();

function labelUseOf(name: string): LabelUse {
  let use = labelUses.get(name);
  if (use) return use;
  const signature = findOp(name)?.signature;
  if (!signature) return noLabels;
  const keywords = new Set([...(signature.positional ?? []), ...(signature.keywords ?? [])].filter((spec) => spec.kind === 'label').map((spec) => spec.name));
  use = { positional: signature.labels === true, keywords };
  labelUses.set(name, use);
  return use;
}

/** The labels visible in a body: its own so far, then those of the bodies around it. */
interface LabelScope {
  labels: Set<string>;
  parent?: LabelScope;
}

function visible(scope: LabelScope | undefined, name: string): boolean {
  for (; scope; scope = scope.parent) if (scope.labels.has(name)) return true;
  return false;
}

/**
 * The names of an expression, in source order, each a label (`asLabel` and
 * the expression is that name) or a parameter when one is visible: walked
 * with a stack of its own, as expressions can be long.
 */
function addNames(tokens: TokenCollector, root: Ast.Expr, params: ReadonlySet<string>, labelScope?: LabelScope): void {
  if (root.kind === 'name') {
    if (labelScope && visible(labelScope, root.name)) tokens.add(root.range, variableType, 0);
    else if (params.has(root.name)) tokens.add(root.range, parameterType, 0);
    return;
  }
  if (!params.size) return;
  const pending: Ast.Expr[] = [root];
  while (pending.length) {
    const expr = pending.pop()!;
    switch (expr.kind) {
      case 'name':
        if (params.has(expr.name)) tokens.add(expr.range, parameterType, 0);
        break;
      case 'tuple':
        for (let i = expr.items.length - 1; i >= 0; i--) pending.push(expr.items[i]);
        break;
      case 'binary':
        pending.push(expr.right, expr.left);
        break;
      case 'negate':
        pending.push(expr.operand);
        break;
      case 'call':
        for (let i = expr.args.length - 1; i >= 0; i--) pending.push(expr.args[i].value);
        break;
    }
  }
}

function addBody(tokens: TokenCollector, statements: Ast.Statement[], scope: LabelScope, params: ReadonlySet<string>, blockNames: ReadonlySet<string>): void {
  for (const statement of statements) {
    if (statement.label) tokens.add(statement.label.range, variableType, declaration);
    const body = statement.body;
    if (body.kind === 'call') {
      const op = findOp(body.name);
      if (op) tokens.add(body.nameRange, functionType, defaultLibrary);
      else if (blockNames.has(body.name)) tokens.add(body.nameRange, classType, 0);
      const labels = op ? labelUseOf(body.name) : noLabels;
      for (const argument of body.args) {
        // A block call's keyword is also a reference to the block's parameter; the property token stands for both.
        if (argument.keyRange) tokens.add(argument.keyRange, propertyType, 0);
        const namesLabel = argument.key === undefined ? labels.positional : labels.keywords.has(argument.key);
        addNames(tokens, argument.value, params, namesLabel ? scope : undefined);
      }
    } else if (body.kind === 'repeat' && body.count) addNames(tokens, body.count, params);
    for (const inner of innerBodies(statement)) addBody(tokens, inner, { labels: new Set(), parent: scope }, params, blockNames);
    if (statement.label) scope.labels.add(statement.label.name);
  }
}

/** Every token of the file in a collector, declaration by declaration in source order. */
function collect(file: Ast.SourceFile): TokenCollector {
  const tokens = new TokenCollector();
  const blockNames = new Set(file.blocks.map((b) => b.name));
  // With duplicate block names, the first definition wins, as in the analysis: a later one is not a declaration of it.
  const firstOfName = new Map<string, Ast.BlockDecl>();
  for (const block of file.blocks) if (!firstOfName.has(block.name)) firstOfName.set(block.name, block);
  for (const owner of declarations(file)) {
    const params = new Set<string>();
    if (owner.kind === 'block') {
      if (firstOfName.get(owner.name) === owner) tokens.add(owner.nameRange, classType, declaration);
      for (const param of owner.params) {
        // A repeated parameter name declares nothing new; a default sees only the parameters before it.
        if (!params.has(param.name)) tokens.add(param.range, parameterType, declaration);
        if (param.defaultValue) addNames(tokens, param.defaultValue, params);
        params.add(param.name);
      }
    }
    addBody(tokens, owner.body, { labels: new Set() }, params, blockNames);
  }
  return tokens;
}

/**
 * The semantic tokens of a parsed file that start before column
 * `renderedColumns` of their line, encoded as LSP sends them (five
 * integers per token, relative positions). Pure, so that an analysis worker
 * can answer it for a large document and send back only these integers, as
 * a typed array that crosses to the server's thread as one copy of its bytes.
 */
export function semanticTokenData(file: Ast.SourceFile): Uint32Array {
  const { values, length: collected, inOrder } = collect(file);
  const count = collected / fields;
  let order: number[] | undefined;
  if (!inOrder) {
    // A recovered parse can leave ranges out of order; sorted by start, the first met first among equals.
    order = Array.from({ length: count }, (_, i) => i * fields);
    order.sort((a, b) => values[a] - values[b] || values[a + 1] - values[b + 1] || a - b);
  }
  // Encoded as SemanticTokensBuilder does (line relative to the previous token's, character too on the same line).
  const data = new Uint32Array(count * 5);
  let length = 0;
  let lastLine = 0;
  let lastCharacter = 0;
  let lastEnd = -1;
  for (let k = 0; k < count; k++) {
    const at = order ? order[k] : k * fields;
    const line = values[at];
    const character = values[at + 1];
    const endCharacter = values[at + 3];
    // Tokens are single-line and may not overlap; a recovered parse can produce odd ranges.
    if (values[at + 2] !== line) continue;
    if (lastEnd >= 0 && line === lastLine && character < lastEnd) continue;
    data[length++] = line - lastLine;
    data[length++] = line === lastLine && lastEnd >= 0 ? character - lastCharacter : character;
    data[length++] = endCharacter - character;
    data[length++] = values[at + 4];
    data[length++] = values[at + 5];
    lastLine = line;
    lastCharacter = character;
    lastEnd = endCharacter;
  }
  return length === data.length ? data : data.slice(0, length);
}
