/**
 * Source offsets to LSP positions (0-based line, UTF-16 character). The lexer
 * records only offsets, which makes every token smaller and lexing faster;
 * positions are computed from a table of line starts when a range is built.
 */
import type { Position } from '../diagnostics';

/** The lines of a text split at LSP's line breaks (`\r\n`, `\n`, a lone `\r`), without the breaks. */
export function splitLines(text: string): string[] {
  return text.split(/\r\n?|\n/);
}

/** The line starts of one text, with a cursor that makes forward scans O(1). */
export class LineIndex {
  private readonly starts: number[] = [0];
  private line = 0;

  /**
   * Lines end as LSP says they do: at `\r\n`, `\n` or a lone `\r`. `firstLine`
   * is the line the text starts on, when it is a part of a file that starts
   * at the beginning of that line (incremental analysis parses one
   * declaration at a time).
   */
  constructor(
    text: string,
    private readonly firstLine = 0,
  ) {
    // A scan of character codes: a regular expression's matches would make an object per line.
    const starts = this.starts;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code === 10) starts.push(i + 1);
      else if (code === 13) {
        if (text.charCodeAt(i + 1) === 10) i++;
        starts.push(i + 1);
      }
    }
  }

  /** The offset of `position` (the start of its line plus its column); a line past the end counts from the last line's start. */
  offset(position: Position): number {
    const line = Math.min(Math.max(position.line - this.firstLine, 0), this.starts.length - 1);
    return this.starts[line] + position.character;
  }

  /** The offset asked for last, and the position given (see `position`). */
  private lastOffset = -1;
  private lastPosition: Position = { line: 0, character: 0 };

  /**
   * The position of `offset`; an offset past the end is on the last line.
   * Asked for the same offset twice in a row (a token's end is the next
   * one's start), it gives the same object: positions are never changed in
   * place, and a megabyte file has millions of them.
   */
  position(offset: number): Position {
    if (offset === this.lastOffset) return this.lastPosition;
    const starts = this.starts;
    let line = this.line;
    // Ranges are mostly built in source order, so the line of the last lookup (or the next) usually holds it.
    if (!(offset >= starts[line] && (line + 1 >= starts.length || offset < starts[line + 1]))) {
      let low = 0;
      let high = starts.length - 1;
      while (low < high) {
        const middle = (low + high + 1) >> 1;
        if (starts[middle] <= offset) low = middle;
        else high = middle - 1;
      }
      line = low;
      this.line = line;
    }
    this.lastOffset = offset;
    return (this.lastPosition = { line: line + this.firstLine, character: offset - starts[line] });
  }
}
