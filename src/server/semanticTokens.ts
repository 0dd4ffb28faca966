/**
 * Semantic tokens for what the TextMate grammar cannot know: which names are
 * ops, blocks, block parameters, labels and keyword arguments. Keywords,
 * numbers, strings and comments stay with the grammar.
 */
import type { SemanticTokensLegend } from 'vscode-languageserver';
import { findOp, type Ast } from '../core';
import { indexNames } from './names';
import { forEachStatement } from './syntax';

const tokenTypes = ['function', 'class', 'parameter', 'variable', 'property'] as const;
const tokenModifiers = ['declaration', 'defaultLibrary'] as const;

/** The legend the server announces in its capabilities. */
export const semanticTokensLegend: SemanticTokensLegend = { tokenTypes: [...tokenTypes], tokenModifiers: [...tokenModifiers] };

type TokenType = (typeof tokenTypes)[number];

/** A token with its position read out of its range: a megabyte file has hundreds of thousands to sort. */
interface Token {
  line: number;
  character: number;
  /** The line its range ends on; a token is sent only when it is the start line. */
  endLine: number;
  endCharacter: number;
  type: number;
  modifiers: number;
}

function token(range: Ast.Statement['range'], type: TokenType, modifiers: number): Token {
  return { line: range.start.line, character: range.start.character, endLine: range.end.line, endCharacter: range.end.character, type: tokenTypes.indexOf(type), modifiers };
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
    if (findOp(body.name)) tokens.push(token(body.nameRange, 'function', defaultLibrary));
    else if (blockNames.has(body.name)) tokens.push(token(body.nameRange, 'class', 0));
    for (const argument of body.args) if (argument.keyRange) tokens.push(token(argument.keyRange, 'property', 0));
  });
  for (const symbol of indexNames(file)) {
    const type: TokenType = symbol.kind === 'block' ? 'class' : symbol.kind === 'parameter' ? 'parameter' : 'variable';
    if (symbol.definition) tokens.push(token(symbol.definition, type, declaration));
    // Block calls were added above; their references would be duplicates.
    if (symbol.kind !== 'block') for (const range of symbol.references) tokens.push(token(range, type, 0));
  }
  tokens.sort((a, b) => a.line - b.line || a.character - b.character);
  // Encoded here as SemanticTokensBuilder does (line relative to the previous token's, character too on the same
  // line), into an array sized once: the builder grows its array a number at a time, millions for a megabyte file.
  const data = new Array<number>(tokens.length * 5);
  let length = 0;
  let last: Token | undefined;
  for (const token of tokens) {
    // Tokens are single-line and may not overlap; a recovered parse can produce odd ranges.
    if (token.line !== token.endLine) continue;
    if (last && last.line === token.line && token.character < last.endCharacter) continue;
    const line = last ? token.line - last.line : token.line;
    data[length++] = line;
    data[length++] = last && line === 0 ? token.character - last.character : token.character;
    data[length++] = token.endCharacter - token.character;
    data[length++] = token.type;
    data[length++] = token.modifiers;
    last = token;
  }
  data.length = length;
  return data;
}
