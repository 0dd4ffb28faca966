/**
 * Cuts a file into its top-level declarations for incremental analysis: each
 * `network` or `block` from the line it starts on to the end of the line its
 * closing brace is on, and the lines between declarations (comments, blank
 * lines) as chunks of their own, so that editing a comment or one network
 * leaves every other chunk's text, and its first line, as it was.
 *
 * The cut is a cheap scan of characters, not the lexer. It can only be wrong
 * on text that does not parse (an unclosed brace, say); incremental analysis
 * then parses the whole file instead (see incremental.ts), so a wrong cut
 * never changes a result.
 */

/** A part of a file that starts at the beginning of a line. */
export interface Chunk {
  /** The chunk's text, with its last line break. */
  text: string;
  /** The line it starts on (0-based). */
  firstLine: number;
}

const lineBreak = /\r\n?|\n/g;
/** The most lines of one chunk between declarations. */
const triviaLines = 256;
const declarationStart = /^[ \t]*(?:network|block)(?![A-Za-z0-9_])/;

/** The file's chunks in order; joined, their texts give the file back. */
export function splitChunks(text: string): Chunk[] {
  const chunks: Chunk[] = [];
  let chunkStart = 0;
  let chunkLine = 0;
  let line = 0;
  let state: LineState = { braces: 0, parens: 0, inComment: false };
  /** Whether the chunk being read is a declaration (its end is the line where its braces close). */
  let declaration = false;
  let lineStart = 0;
  const cut = (at: number, nextLine: number) => {
    if (at > chunkStart) chunks.push({ text: text.slice(chunkStart, at), firstLine: chunkLine });
    chunkStart = at;
    chunkLine = nextLine;
  };
  while (lineStart <= text.length) {
    lineBreak.lastIndex = lineStart;
    const found = lineBreak.exec(text);
    const lineEnd = found ? found.index : text.length;
    const next = found ? found.index + found[0].length : text.length + 1;
    const content = text.slice(lineStart, lineEnd);
    if (!state.inComment && state.braces === 0 && declarationStart.test(content)) {
      cut(lineStart, line);
      declaration = true;
    } else if (!declaration && !state.inComment && state.braces === 0 && line - chunkLine >= triviaLines) {
      // Long stretches between declarations (pages of comments) are cut too, so an edit re-reads one piece of them.
      cut(lineStart, line);
    }
    const opened = state.braces > 0 || state.inComment;
    state = scanLine(content, state);
    // A declaration ends on the line where its braces close (once they have opened).
    if (declaration && state.braces === 0 && !state.inComment && (opened || content.includes('}'))) {
      cut(Math.min(next, text.length), line + 1);
      declaration = false;
    }
    line++;
    lineStart = next;
  }
  cut(text.length, line);
  return chunks;
}

/** Open braces and parentheses (brackets count as parentheses), and whether a block comment is open, at a line's end. */
export interface LineState {
  braces: number;
  parens: number;
  inComment: boolean;
}

/** The state after one line, skipping strings and `#` comments. */
export function scanLine(line: string, before: LineState): LineState {
  let { braces, parens, inComment } = before;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (inComment) {
      if (c === '*' && line[i + 1] === '/') {
        inComment = false;
        i++;
      }
      continue;
    }
    if (c === '#') break;
    if (c === '/' && line[i + 1] === '*') {
      inComment = true;
      i++;
    } else if (c === '"' || c === "'") {
      const close = line.indexOf(c, i + 1);
      if (close < 0) break;
      i = close;
    } else if (c === '{') braces++;
    else if (c === '}') braces = Math.max(0, braces - 1);
    else if (c === '(' || c === '[') parens++;
    else if (c === ')' || c === ']') parens = Math.max(0, parens - 1);
  }
  return { braces, parens, inComment };
}
