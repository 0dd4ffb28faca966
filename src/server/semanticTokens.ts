/**
 * Semantic tokens for what the TextMate grammar cannot know: which names are
 * ops, blocks, block parameters, labels and keyword arguments. Keywords,
 * numbers, strings and comments stay with the grammar.
 */
import { SemanticTokensBuilder, type SemanticTokensLegend } from 'vscode-languageserver';
import { findOp, type Ast } from '../core';
import { indexNames } from './names';
import { forEachStatement } from './syntax';

const tokenTypes = ['function', 'class', 'parameter', 'variable', 'property'] as const;
const tokenModifiers = ['declaration', 'defaultLibrary'] as const;

/** The legend the server announces in its capabilities. */
export const semanticTokensLegend: SemanticTokensLegend = { tokenTypes: [...tokenTypes], tokenModifiers: [...tokenModifiers] };

type TokenType = (typeof tokenTypes)[number];

interface Token {
  range: Ast.Statement['range'];
  type: TokenType;
  modifiers: number;
}

const declaration = 1 << 0;
const defaultLibrary = 1 << 1;

/**
 * The semantic tokens of a parsed file, encoded as LSP sends them (five
 * integers per token, relative positions). Pure, so that an analysis worker
 * can answer it for a large document and send back only these integers.
 */
export function semanticTokenData(file: Ast.SourceFile): number[] {
  const tokens: Token[] = [];
  const blockNames = new Set(file.blocks.map((b) => b.name));
  forEachStatement(file, (statement) => {
    const body = statement.body;
    if (body.kind !== 'call') return;
    if (findOp(body.name)) tokens.push({ range: body.nameRange, type: 'function', modifiers: defaultLibrary });
    else if (blockNames.has(body.name)) tokens.push({ range: body.nameRange, type: 'class', modifiers: 0 });
    for (const argument of body.args) if (argument.keyRange) tokens.push({ range: argument.keyRange, type: 'property', modifiers: 0 });
  });
  for (const symbol of indexNames(file)) {
    const type: TokenType = symbol.kind === 'block' ? 'class' : symbol.kind === 'parameter' ? 'parameter' : 'variable';
    if (symbol.definition) tokens.push({ range: symbol.definition, type, modifiers: declaration });
    // Block calls were added above; their references would be duplicates.
    if (symbol.kind !== 'block') for (const range of symbol.references) tokens.push({ range, type, modifiers: 0 });
  }
  tokens.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
  const builder = new SemanticTokensBuilder();
  let last: Token | undefined;
  for (const token of tokens) {
    // Tokens are single-line and may not overlap; a recovered parse can produce odd ranges.
    if (token.range.start.line !== token.range.end.line) continue;
    if (last && last.range.start.line === token.range.start.line && token.range.start.character < last.range.end.character) continue;
    builder.push(token.range.start.line, token.range.start.character, token.range.end.character - token.range.start.character, tokenTypes.indexOf(token.type), token.modifiers);
    last = token;
  }
  return builder.build().data;
}
