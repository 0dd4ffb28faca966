/**
 * Cuts a long network declaration into pieces for incremental parsing, so
 * that typing inside a network of thousands of statements parses again only
 * the piece typed in. A network qualifies when its first line is exactly
 * `network NAME {` and its last line exactly `}`; its body is then cut, at
 * line starts outside braces and comments, into pieces of about
 * `linesPerPiece` statements, each parsed on its own inside a stand-in
 * network. Counting statements, not lines, keeps the cuts where they were
 * when Enter adds a blank line or splits a line: the pieces after it only
 * move down, and incremental analysis moves their parses with them.
 * A cut also falls inside an unclosed parenthesis when the line starts a
 * statement no more indented than the line that opened it, after a line that
 * ends a value (the parser reads a forgotten ')' that way too), so that
 * typing `conv(` does not make the rest of the network one piece; a call
 * split over lines at the same indentation (`padding=1)` on its own line)
 * stays in one piece.
 *
 * Like the cut into declarations (chunks.ts), this is a scan of characters,
 * not the lexer. A cut it gets wrong gives a piece that does not parse
 * cleanly, and incremental analysis then parses the whole declaration.
 */
import { scanLine, type Chunk, type LineState } from './chunks';

/** A network declaration cut into its header line, body pieces and closing line. */
export interface NetworkPieces {
  /** `network NAME {` with its line break. */
  header: string;
  /** The body's pieces, each a run of whole lines. */
  pieces: Chunk[];
  /** The `}` line, with its line break if any. */
  closing: string;
  /** How many lines the body has. */
  bodyLines: number;
}

const header = /^[ \t]*network[ \t]+[A-Za-z_][A-Za-z0-9_]*[ \t]*\{[ \t]*(?:\r\n?|\n)$/;
const closing = /^[ \t]*\}[ \t]*(?:\r\n?|\n)?$/;
/** A line a piece may start with: a statement (a name first), but not `shortcut`, which belongs to the residual before it. */
const pieceStart = /^[ \t]*(?!shortcut(?![A-Za-z0-9_]))[A-Za-z_]/;

/** The declaration's pieces, or undefined when it is not a network cut this way (or too short to be worth it). */
export function splitNetwork(chunk: Chunk, linesPerPiece: number): NetworkPieces | undefined {
  const lines = linesOf(chunk.text);
  if (lines.length < 2 * linesPerPiece + 2 || !header.test(lines[0]) || !closing.test(lines[lines.length - 1])) return undefined;
  const pieces: Chunk[] = [];
  let start = 1;
  let state: LineState = { braces: 0, parens: 0, inComment: false };
  /** The indentation of the line where the outermost open parenthesis opened. */
  let openedAt = 0;
  /** Statements started in the current piece: its size, so that a blank line, a comment or a call split over lines moves no cut. */
  let statements = 0;
  for (let i = 1; i < lines.length - 1; i++) {
    const line = lines[i];
    const startsStatement =
      state.braces === 0 && !state.inComment && pieceStart.test(line) && (state.parens === 0 || (indentation(line) <= openedAt && looksLikeStatement(line) && endsCallLine(lines[i - 1])));
    if (statements >= linesPerPiece && startsStatement) {
      pieces.push({ text: lines.slice(start, i).join(''), firstLine: chunk.firstLine + start });
      start = i;
      statements = 0;
    }
    if (startsStatement) statements++;
    if (startsStatement) state.parens = 0;
    const parensBefore = state.parens;
    state = scanLine(line, state);
    if (parensBefore === 0 && state.parens > 0) openedAt = indentation(line);
  }
  pieces.push({ text: lines.slice(start, lines.length - 1).join(''), firstLine: chunk.firstLine + start });
  return { header: lines[0], pieces, closing: lines[lines.length - 1], bodyLines: lines.length - 2 };
}

/**
 * A network declaration with its body's lines left blank (`network NAME {`,
 * empty lines, `}`): what starts and ends it, for checking how the parser
 * reads what comes before it. Undefined for other declarations.
 */
export function networkSkeleton(chunk: Chunk): string | undefined {
  const lines = linesOf(chunk.text);
  if (lines.length < 2 || !header.test(lines[0]) || !closing.test(lines[lines.length - 1])) return undefined;
  return lines[0] + '\n'.repeat(lines.length - 2) + lines[lines.length - 1];
}

/** The text's lines, each with its line break. */
function linesOf(text: string): string[] {
  return text.match(/[^\r\n]*(?:\r\n?|\n)|[^\r\n]+$/g) ?? [];
}

/**
 * Inside an open parenthesis, a line that starts a statement as the parser
 * reads a forgotten ')' (see `prepareTokens` in parse.ts): a name followed by
 * what follows an op (the line's end, its arguments, a label's ':', `->`, a
 * body), not `padding=1)`, which continues a call split over lines.
 */
const statementLike = /^[ \t]*[A-Za-z_][A-Za-z0-9_]*[ \t]*(?:[\r\n(:;{}#]|->|$)/;

function looksLikeStatement(line: string): boolean {
  return statementLike.test(line);
}

/** Whether a line inside an open parenthesis ends where a call may have been left unclosed: after a value or a '(' (not after ',', '=' or an operator). */
function endsCallLine(line: string): boolean {
  const code = line.replace(/#.*$/, '').trimEnd();
  return /[A-Za-z0-9_)"'?(]$/.test(code);
}

function indentation(line: string): number {
  return line.length - line.trimStart().length;
}
