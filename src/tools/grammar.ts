/**
 * Generates `grammars/`: the grammar as people read it, from the parser itself
 * (so it can never drift): EBNF text and chevrotain's railroad diagrams; and
 * the op list of the TextMate grammar (`syntaxes/cnn.tmLanguage.json`) from
 * the op registry. `npm run grammar` writes the files; a test fails when they
 * are stale.
 */
import { readFileSync } from 'node:fs';
import { createSyntaxDiagramsCode, type ISerializedGast } from 'chevrotain';
import { allOpNames } from '../core/ops/registry';
import { grammarProductions } from '../core/syntax/parser';
import { allTokens } from '../core/syntax/tokens';

/** The EBNF text of the parser's grammar, with the token patterns at the end. */
export function grammarEbnf(): string {
  const rules = grammarProductions().map((rule) => {
    const named = rule as ISerializedGast & { name: string; definition: ISerializedGast[] };
    return `${named.name} ::= ${sequence(named.definition)}`;
  });
  const tokens = allTokens.map((token) => `${token.name} ::= /${String(token.PATTERN).replace(/^\/|\/[a-z]*$/g, '')}/`);
  return [
    '(* The .cnn grammar, generated from src/core/syntax/parser.ts by `npm run grammar`; do not edit. *)',
    '(* Newlines inside ( ) are dropped before parsing, and "shortcut" may start the line after "}". *)',
    '(* In an expression, * / and // bind tighter than + and -, and all are left-associative. *)',
    '',
    ...rules,
    '',
    '(* Tokens, tried in this order; Whitespace and comments are skipped. *)',
    ...tokens,
    '',
  ].join('\n');
}

function sequence(items: ISerializedGast[]): string {
  return items.map(item).join(' ');
}

function item(node: ISerializedGast): string {
  const n = node as ISerializedGast & { definition?: ISerializedGast[]; name?: string; label?: string; separator?: { name: string } };
  switch (n.type) {
    case 'NonTerminal':
      return n.name ?? '?';
    case 'Terminal':
      return n.name ?? '?';
    case 'Option':
      return `[ ${sequence(n.definition ?? [])} ]`;
    case 'Repetition':
      return `{ ${sequence(n.definition ?? [])} }`;
    case 'RepetitionMandatory':
      return `${sequence(n.definition ?? [])} { ${sequence(n.definition ?? [])} }`;
    case 'RepetitionWithSeparator':
      return `[ ${sequence(n.definition ?? [])} { ${n.separator?.name} ${sequence(n.definition ?? [])} } ]`;
    case 'RepetitionMandatoryWithSeparator':
      return `${sequence(n.definition ?? [])} { ${n.separator?.name} ${sequence(n.definition ?? [])} }`;
    case 'Alternation':
      return `( ${(n.definition ?? []).map((alternative) => sequence((alternative as { definition: ISerializedGast[] }).definition)).join(' | ')} )`;
    case 'Alternative':
      return sequence(n.definition ?? []);
    default:
      return '';
  }
}

/** A self-contained HTML page of railroad diagrams (chevrotain's generator). */
export function grammarDiagrams(): string {
  return createSyntaxDiagramsCode(grammarProductions());
}

/** The TextMate grammar that VS Code colours `.cnn` files with. */
export const textMateGrammarPath = 'syntaxes/cnn.tmLanguage.json';

/** The TextMate pattern of every op name the registry knows, aliases and rank-suffixed spellings included. */
export function opNamePattern(): string {
  return `\\b(?:${[...allOpNames()].sort().join('|')})\\b`;
}

/**
 * The TextMate grammar `current` with its `op` rule's pattern generated from
 * the registry. The rest of the grammar is written by hand, so only that one
 * line is replaced, keeping the file's layout.
 */
export function textMateGrammar(current: string): string {
  const opRule = /("op": \{\s*"comment": [^\n]*\n\s*"match": )"(?:[^"\\]|\\.)*"/;
  if (!opRule.test(current)) throw new Error(`${textMateGrammarPath}: no "op" rule with "comment" then "match" lines to generate`);
  return current.replace(opRule, (_, head: string) => `${head}${JSON.stringify(opNamePattern())}`);
}

/** What `npm run grammar` writes, path → content. */
export function grammarFiles(): Record<string, string> {
  return {
    'grammars/cnn.ebnf': grammarEbnf(),
    'grammars/cnn-railroad.html': grammarDiagrams(),
    [textMateGrammarPath]: textMateGrammar(readFileSync(textMateGrammarPath, 'utf8')),
  };
}
