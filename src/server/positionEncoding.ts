/**
 * UTF-8 positions for clients that ask for them. The core and every feature
 * count UTF-16 code units (LSP's default); when a client offers `utf-8` in
 * `general.positionEncodings`, the server says so at `initialize` and
 * converts every position at the boundary: in the requests' parameters and
 * the text changes that come in, and in every result, diagnostic and
 * semantic token that goes out. A position past the end of its line keeps
 * the line's end.
 */
import type { InitializeParams } from 'vscode-languageserver';

/** How positions count characters within a line. */
export type PositionEncoding = 'utf-8' | 'utf-16';

interface Position {
  line: number;
  character: number;
}

/** UTF-8 when the client offers it, else LSP's default UTF-16. */
export function chooseEncoding(params: InitializeParams): PositionEncoding {
  const offered = params.capabilities?.general?.positionEncodings;
  return Array.isArray(offered) && offered.includes('utf-8') ? 'utf-8' : 'utf-16';
}

/** UTF-8 bytes of the first `units` UTF-16 code units of `line`. */
export function utf8Column(line: string, units: number): number {
  let bytes = 0;
  const end = Math.min(units, line.length);
  for (let i = 0; i < end; i++) {
    const code = line.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < line.length) {
      // A surrogate pair is one code point of four bytes.
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** UTF-16 code units of the first `bytes` UTF-8 bytes of `line` (a byte inside a character counts to its start). */
export function utf16Column(line: string, bytes: number): number {
  let counted = 0;
  let i = 0;
  while (i < line.length) {
    const code = line.charCodeAt(i);
    const pair = code >= 0xd800 && code <= 0xdbff && i + 1 < line.length;
    const size = code < 0x80 ? 1 : code < 0x800 ? 2 : pair ? 4 : 3;
    if (counted + size > bytes) break;
    counted += size;
    i += pair ? 2 : 1;
  }
  return i;
}

/** Converts positions between UTF-16 (inside the server) and the client's encoding, reading lines of open documents. */
export class PositionConverter {
  /** `lineOf(uri, line)` is that line's text (without its line break), undefined when unknown. */
  constructor(
    readonly encoding: PositionEncoding,
    readonly lineOf: (uri: string, line: number) => string | undefined,
  ) {}

  get active(): boolean {
    return this.encoding === 'utf-8';
  }

  /** A client position as the server counts it. */
  toServer(uri: string, position: Position): Position {
    const line = this.lineOf(uri, position.line);
    return line === undefined ? position : { line: position.line, character: utf16Column(line, position.character) };
  }

  /** A server position as the client counts it. */
  toClient(uri: string, position: Position): Position {
    const line = this.lineOf(uri, position.line);
    return line === undefined ? position : { line: position.line, character: utf8Column(line, position.character) };
  }

  /** A request's parameters with every position converted for the server (`uri` is the request's document). */
  incoming<T>(params: T, uri: string | undefined): T {
    return this.active ? (convertTree(params, uri, (u, p) => this.toServer(u, p)) as T) : params;
  }

  /** A result with every position converted for the client; a `uri` inside switches to that document. */
  outgoing<T>(result: T, uri: string | undefined): T {
    return this.active ? (convertTree(result, uri, (u, p) => this.toClient(u, p)) as T) : result;
  }

  /** Semantic token data (relative lines and starts, lengths) converted for the client, as the plain array LSP's JSON needs. */
  tokens(uri: string, data: ArrayLike<number>): number[] {
    if (!this.active) {
      // A loop into an array sized once: Array.from on a typed array of a million numbers costs four times as much.
      const plain = new Array<number>(data.length);
      for (let i = 0; i < data.length; i++) plain[i] = data[i];
      return plain;
    }
    const out: number[] = [];
    let line = 0;
    let start = 0;
    let previousLine = 0;
    let previousStart = 0;
    for (let i = 0; i + 4 < data.length; i += 5) {
      line += data[i];
      start = data[i] === 0 ? start + data[i + 1] : data[i + 1];
      const text = this.lineOf(uri, line) ?? '';
      const from = utf8Column(text, start);
      const to = utf8Column(text, start + data[i + 2]);
      out.push(line - previousLine, line === previousLine ? from - previousStart : from, to - from, data[i + 3], data[i + 4]);
      previousLine = line;
      previousStart = from;
    }
    return out;
  }
}

/**
 * A copy of `value` with each `{ line, character }` converted. A `uri`
 * property, or a key of a `changes` map, names the document of what it holds.
 */
function convertTree(value: unknown, uri: string | undefined, convert: (uri: string, position: Position) => Position): unknown {
  // Iterative, so a deep value cannot exhaust the stack.
  const root = { value };
  const pending: { holder: Record<string, unknown> | unknown[]; key: string | number; uri: string | undefined }[] = [{ holder: root as Record<string, unknown>, key: 'value', uri }];
  while (pending.length) {
    const { holder, key, uri: current } = pending.pop()!;
    const item = (holder as Record<string | number, unknown>)[key];
    if (item === null || typeof item !== 'object') continue;
    if (Array.isArray(item)) {
      const copy = item.slice();
      (holder as Record<string | number, unknown>)[key] = copy;
      for (let i = 0; i < copy.length; i++) if (copy[i] !== null && typeof copy[i] === 'object') pending.push({ holder: copy, key: i, uri: current });
      continue;
    }
    const record = item as Record<string, unknown>;
    if (typeof record.line === 'number' && typeof record.character === 'number' && Object.keys(record).length === 2) {
      (holder as Record<string | number, unknown>)[key] = current === undefined ? record : convert(current, record as unknown as Position);
      continue;
    }
    const copy: Record<string, unknown> = { ...record };
    (holder as Record<string | number, unknown>)[key] = copy;
    const inner = typeof record.uri === 'string' ? record.uri : current;
    for (const name of Object.keys(copy)) {
      if (copy[name] === null || typeof copy[name] !== 'object') continue;
      // WorkspaceEdit.changes maps each document's URI to its edits.
      if (name === 'changes' && !Array.isArray(copy[name])) {
        const changes = { ...(copy[name] as Record<string, unknown>) };
        copy[name] = changes;
        for (const target of Object.keys(changes)) pending.push({ holder: changes, key: target, uri: target });
        continue;
      }
      const textDocument = name === 'edits' && typeof (record.textDocument as { uri?: unknown } | undefined)?.uri === 'string' ? (record.textDocument as { uri: string }).uri : inner;
      pending.push({ holder: copy, key: name, uri: textDocument });
    }
  }
  return root.value;
}
