/**
 * Completion. Inside a call's parentheses: the keyword arguments the op (or
 * block) still accepts, labels for `add`/`concat`/`multiply`, the block's
 * parameters as values, and the allowed words of string arguments
 * (`"same"`, `"valid"`, `"full"` for padding). Elsewhere: ops with their
 * signatures and docs, block names, and the statement keywords.
 */
import { CompletionItemKind, InsertTextFormat, MarkupKind, type CompletionItem, type CompletionParams } from 'vscode-languageserver';
import { allArgs, allOpNames, findOp, signatureText, type Analysis, type ArgSpec, type Ast, type OpDefinition } from '../core';

type OpFamily = OpDefinition['family'];
import { contains } from './convert';
import { callContextAt, type CallContext } from './callContext';
import type { DocumentStore } from './documents';
import { opDocumentation } from './hover';
import { labelsInScope } from './names';
import { declarationAt, innerBodies } from './syntax';
import type { Position } from 'vscode-languageserver';

/** Characters after which the client should ask for completions without being told to. */
export const completionTriggers = ['(', ',', '=', '"', "'", ' '];

const statementKeywords: { word: string; label?: string; snippet: string; doc: string }[] = [
  { word: 'repeat', snippet: 'repeat(${1:2}) {\n\t$0\n}', doc: 'Runs its body N times in sequence.' },
  { word: 'residual', snippet: 'residual {\n\t$0\n}', doc: 'Outputs body(x) + x, or body(x) + shortcut(x) with a `shortcut { ... }`.' },
  // The op `concat(label, ...)` is listed under its own name; this is the branching form, labelled apart so each name appears once.
  { word: 'concat', label: 'concat { branch }', snippet: 'concat {\n\tbranch { $1 }\n\tbranch { $0 }\n}', doc: 'Feeds x to every branch and joins their outputs on the channel axis.' },
  { word: 'input', snippet: 'input(${1:3x224x224})', doc: 'The network input: channels x height x width, no batch dimension.' },
];

export function completion(store: DocumentStore, params: CompletionParams): CompletionItem[] {
  const analyzed = store.analysisOf(params.textDocument.uri);
  if (!analyzed) return [];
  const { document, analysis } = analyzed;
  const line = document.getText({ start: { line: params.position.line, character: 0 }, end: params.position });
  if (/#/.test(line.replace(/"[^"]*"|'[^']*'/g, ''))) return [];
  const call = callContextAt(document, params.position);
  if (call) return argumentCompletions(call, analysis, params.position);
  // After `->` comes a shape, which nothing here can guess better than the hint.
  if (/->\s*\S*$/.test(line)) return [];
  return statementCompletions(analysis, params.position);
}

/** Canonical ops in the order networks use them most, so that ties in context go to the common one. */
const commonOps = [
  'conv',
  'maxpool',
  'batchnorm',
  'relu',
  'avgpool',
  'dense',
  'dropout',
  'flatten',
  'add',
  'global_avgpool',
  'adaptive_avgpool',
  'concat',
  'conv_transpose',
  'depthwise_conv',
  'upsample',
];

/**
 * Which op families come first for the tensor arriving at the cursor: after
 * a tensor with spatial axes, convolution and pooling; after a flat one,
 * dense. The number is a group: lower sorts first.
 */
function familyGroup(family: OpFamily, incoming: number[] | undefined): number {
  if (!incoming) return 1;
  if (incoming.length >= 2) {
    if (family === 'convolution' || family === 'pooling') return 0;
    if (family === 'normalization' || family === 'activation' || family === 'regularization') return 1;
    return 2;
  }
  if (family === 'dense') return 0;
  if (family === 'activation' || family === 'regularization' || family === 'normalization') return 1;
  return 2;
}

/** A snippet with one placeholder per required argument: `conv(${1:out}, ${2:kernel})`, or the bare name when none is required. */
function callSnippet(name: string, required: string[]): string {
  if (!required.length) return name;
  return `${name}(${required.map((arg, i) => `\${${i + 1}:${arg}}`).join(', ')})`;
}

/** The arguments an op cannot do without: positional ones with no default, or a label for a merge. */
export function requiredArguments(op: OpDefinition): string[] {
  if (op.signature.labels) return ['label'];
  return op.signature.positional.filter((a) => a.defaultText === undefined && a.defaultValue === undefined).map((a) => a.name);
}

function statementCompletions(analysis: Analysis, position: Position): CompletionItem[] {
  const incoming = incomingShape(analysis, position);
  const items: CompletionItem[] = [];
  for (const name of allOpNames()) {
    const op = findOp(name)!;
    const canonical = op.names[0] === name;
    const common = commonOps.indexOf(name);
    // Aliases and rank-specific spellings after every canonical name.
    const group = canonical ? familyGroup(op.family, incoming) : 4;
    items.push({
      label: name,
      kind: CompletionItemKind.Function,
      detail: signatureText(name, op),
      documentation: { kind: MarkupKind.Markdown, value: opDocumentation(name, op) },
      insertText: callSnippet(name, requiredArguments(op)),
      insertTextFormat: InsertTextFormat.Snippet,
      sortText: `${group}${String(common < 0 ? 99 : common).padStart(2, '0')}${name}`,
    });
  }
  for (const block of analysis.file.blocks) {
    const signature = `${block.name}(${block.params.map((p) => p.name).join(', ')})`;
    const required = block.params.filter((p) => !p.defaultValue).map((p) => p.name);
    items.push({
      label: block.name,
      kind: CompletionItemKind.Class,
      detail: `block ${signature}`,
      insertText: callSnippet(block.name, required),
      insertTextFormat: InsertTextFormat.Snippet,
      sortText: `1${block.name}`,
    });
  }
  for (const keyword of statementKeywords) {
    items.push({
      label: keyword.label ?? keyword.word,
      kind: keyword.label ? CompletionItemKind.Snippet : CompletionItemKind.Keyword,
      filterText: keyword.word,
      insertText: keyword.snippet,
      insertTextFormat: InsertTextFormat.Snippet,
      documentation: keyword.doc,
      sortText: `3${keyword.word}`,
    });
  }
  return items;
}

/**
 * The shape of the tensor a statement typed at the position would receive:
 * the output of the statement before it in the same body, or, at the start
 * of a nested body, what arrives at the statement around it.
 */
function incomingShape(analysis: Analysis, position: Position): number[] | undefined {
  const declaration = declarationAt(analysis.file, position);
  if (!declaration) return undefined;
  const before = (a: Position, b: Position) => a.line < b.line || (a.line === b.line && a.character <= b.character);
  let shape: number[] | undefined;
  let statements: Ast.Statement[] | undefined = declaration.body;
  while (statements) {
    const body: Ast.Statement[] = statements;
    statements = undefined;
    for (const statement of body) {
      if (contains(statement.range, position)) {
        statements = innerBodies(statement).find((inner) => inner.length && before(inner[0].range.start, position)) ?? innerBodies(statement)[0];
        break;
      }
      if (!before(statement.range.end, position)) break;
      shape = analysis.instances.get(statement)?.[0]?.outShape ?? undefined;
    }
  }
  return shape;
}

function argumentCompletions(call: CallContext, analysis: Analysis, position: Position): CompletionItem[] {
  const op = findOp(call.name);
  const block = analysis.file.blocks.find((b) => b.name === call.name);
  if (call.keyword) {
    const spec = op ? allArgs(op).find((a) => a.name === call.keyword) : undefined;
    // A label-valued keyword (upsample's like=) offers the labels in scope.
    if (spec?.kind === 'label') return labelsInScope(analysis.file, position).map((label) => ({ label, kind: CompletionItemKind.Variable, detail: 'label' }));
    return [...valueCompletions(spec, call), ...(call.inString ? [] : parameterValues(analysis, position))];
  }
  if (op?.signature.labels) {
    return labelsInScope(analysis.file, position).map((label) => ({ label, kind: CompletionItemKind.Variable, detail: 'label' }));
  }
  const items: CompletionItem[] = [];
  if (op) {
    const positional = op.signature.positional[call.argumentIndex];
    // A bare word typed in a positional slot may be the start of a keyword, so both are offered.
    for (const spec of allArgs(op)) {
      if (call.givenKeywords.includes(spec.name)) continue;
      if (op.signature.positional.indexOf(spec) >= 0 && op.signature.positional.indexOf(spec) < call.argumentIndex) continue;
      items.push({
        label: `${spec.name}=`,
        kind: CompletionItemKind.Property,
        detail: spec.defaultText !== undefined ? `default ${spec.defaultText}` : spec === positional ? 'this positional argument' : undefined,
        documentation: spec.doc,
        insertText: `${spec.name}=`,
        sortText: `${spec === positional ? '0' : '1'}${spec.name}`,
        command: { title: 'Suggest values', command: 'editor.action.triggerSuggest' },
      });
    }
  } else if (block) {
    for (const param of block.params) {
      if (call.givenKeywords.includes(param.name)) continue;
      items.push({ label: `${param.name}=`, kind: CompletionItemKind.Property, detail: `parameter of block ${block.name}`, insertText: `${param.name}=` });
    }
  }
  return [...items, ...parameterValues(analysis, position)];
}

/** The allowed words of a string argument, or true/false for a flag. */
function valueCompletions(spec: ArgSpec | undefined, call: CallContext): CompletionItem[] {
  if (!spec) return [];
  if (spec.choices) {
    const quote = /["']/.exec(call.typed)?.[0];
    return spec.choices.map((choice) => ({
      label: `"${choice}"`,
      kind: CompletionItemKind.EnumMember,
      // Inside an opened string only the word goes in; the editor closed the quote already.
      insertText: call.inString ? choice : `${quote ?? '"'}${choice}${quote ?? '"'}`,
      filterText: call.inString ? choice : `"${choice}"`,
      documentation: spec.doc,
    }));
  }
  if (spec.kind === 'bool') return ['true', 'false'].map((word) => ({ label: word, kind: CompletionItemKind.Value }));
  return [];
}

/** Inside a block, its parameters are values the arguments may use. */
function parameterValues(analysis: Analysis, position: Position): CompletionItem[] {
  const declaration = declarationAt(analysis.file, position);
  if (declaration?.kind !== 'block') return [];
  return declaration.params.map((p) => ({ label: p.name, kind: CompletionItemKind.Variable, detail: `parameter of block ${declaration.name}` }));
}
