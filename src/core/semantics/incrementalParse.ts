/**
 * The parse half of incremental analysis (incremental.ts): a document's text
 * parsed declaration by declaration, and a long network's body piece by
 * piece, keeping each parse while its text and first line are unchanged (the
 * same AST objects, so that evaluation can be reused), with the rules for a
 * syntax error that incremental.ts's file comment gives. The last text's
 * parse is kept whole, so that a second analysis of the same text (the
 * language server analyses each text plainly and with graphs) takes it as it
 * is.
 */
import type { Diagnostic } from '../diagnostics';
import type { Comment, SourceFile, Statement } from '../syntax/ast';
import { splitChunks, type Chunk } from '../syntax/chunks';
import { networkSkeleton, splitNetwork } from '../syntax/networkPieces';
import { parse, type ParseResult } from '../syntax/parse';

/** What a parse counts: declarations (and pieces) parsed again and kept, and whether the text has a syntax error. */
export interface ParseCounts {
  /** Declarations (and pieces) parsed again, and kept. */
  parsed: number;
  keptParses: number;
  /** Whether the file has a syntax error. */
  syntaxErrors?: boolean;
}

/** A document's texts parsed declaration by declaration, reusing what each edit left unchanged. */
export class IncrementalParser {
  /** Each declaration's (and piece's) parse, by its first line and text, as of the last text. */
  private chunks = new Map<string, ParseResult>();
  /** The pieces a declaration parsed in pieces was made of, kept with it while it is unchanged. */
  private readonly piecesOf = new WeakMap<ParseResult, Map<string, ParseResult>>();
  /** The line each piece's parse starts on: a piece is kept by its text alone, and moved to where it is now. */
  private readonly pieceLines = new WeakMap<ParseResult, number>();
  /** Networks parsed in pieces whose syntax error was found confined to one piece: confined to the network too. */
  private readonly confinedInPieces = new WeakSet<ParseResult>();
  /** Declarations with a syntax error, each with what follows it, found confined to themselves (see incremental.ts), and when not. */
  private confinements = new Map<string, boolean>();
  /** The last text and its parse, with how many declarations it was cut into and whether it had a syntax error. */
  private last?: { text: string; parsed: ParseResult | undefined; chunks: number; syntaxErrors: boolean };
  /** How many declarations (and the stretches between them) the last text was cut into. */
  private declarations = 0;
  /** Where the parse being made counts what it parsed and kept. */
  private reuse!: ParseCounts;

  /** `linesPerPiece`: lines per piece of a network's body (networks of fewer than twice this are parsed whole). */
  constructor(private readonly linesPerPiece: number) {}

  /**
   * The file parsed declaration by declaration, reusing unchanged ones; with
   * a syntax error, as the file comment says. Undefined when the file is to
   * be parsed as a whole (an error in its first declaration).
   */
  parse(text: string, reuse: ParseCounts): ParseResult | undefined {
    if (this.last?.text === text) {
      reuse.keptParses += this.last.chunks;
      if (this.last.syntaxErrors) reuse.syntaxErrors = true;
      return this.last.parsed;
    }
    this.reuse = reuse;
    const parsed = this.parseDeclarations(text);
    this.last = { text, parsed, chunks: this.declarations, syntaxErrors: reuse.syntaxErrors === true };
    return parsed;
  }

  /** Drops every parse kept (the next text is parsed afresh). */
  forget(): void {
    this.chunks = new Map();
    this.last = undefined;
  }

  private parseDeclarations(text: string): ParseResult | undefined {
    const kept = new Map<string, ParseResult>();
    const chunks = splitChunks(text);
    this.declarations = chunks.length;
    const parsedChunks: ParseResult[] = [];
    let failing = -1;
    let failures = 0;
    for (const chunk of chunks) {
      const key = `${chunk.firstLine}:${chunk.text}`;
      let parsed = this.chunks.get(key);
      if (parsed) this.reuse.keptParses++;
      else parsed = this.parseInPieces(chunk) ?? this.parseChunk(chunk);
      kept.set(key, parsed);
      for (const [pieceKey, piece] of this.piecesOf.get(parsed) ?? []) kept.set(pieceKey, piece);
      if (parsed.diagnostics.length > 0 && failures++ === 0) failing = parsedChunks.length;
      parsedChunks.push(parsed);
    }
    const confinements = new Map<string, boolean>();
    let diagnostics: Diagnostic[] = [];
    // The chunks read one by one; from `upTo` on, the rest of the file is parsed as one.
    let upTo = chunks.length;
    if (failures > 0) {
      this.reuse.syntaxErrors = true;
      if (failures === 1 && this.confined(chunks, parsedChunks, failing, confinements)) diagnostics = parsedChunks[failing].diagnostics;
      else upTo = failing;
    }
    if (upTo === 0) return undefined;
    const file: SourceFile = { networks: [], blocks: [], comments: [] };
    const add = (parsed: ParseResult) => {
      // One at a time: a chunk of comments may hold tens of thousands, too many to spread as arguments.
      for (const network of parsed.file.networks) file.networks.push(network);
      for (const block of parsed.file.blocks) file.blocks.push(block);
      for (const comment of parsed.file.comments) file.comments.push(comment);
    };
    let offset = 0;
    for (let i = 0; i < upTo; i++) {
      add(parsedChunks[i]);
      offset += chunks[i].text.length;
    }
    if (upTo < chunks.length) {
      const rest = parse(text.slice(offset), chunks[upTo].firstLine);
      this.reuse.parsed++;
      add(rest);
      diagnostics = rest.diagnostics;
    }
    this.chunks = kept;
    this.confinements = confinements;
    return { file, diagnostics };
  }

  /**
   * Whether the syntax error of chunk `index` is confined to it: parsed
   * together with the trivia after it and the next declaration's skeleton
   * (its first and last lines), it reads as it does alone, and that
   * declaration cleanly. Remembered in `confinements` for the next version.
   */
  private confined(chunks: Chunk[], parsedChunks: ParseResult[], index: number, confinements: Map<string, boolean>): boolean {
    const chunk = chunks[index];
    if (this.confinedInPieces.has(parsedChunks[index])) return true;
    // Only a declaration: a stray statement between declarations ends the parser's reading of the file, however far.
    if (parsedChunks[index].file.networks.length + parsedChunks[index].file.blocks.length !== 1 || !/^[ \t]*(?:network|block)(?![A-Za-z0-9_])/.test(chunk.text)) return false;
    let between = '';
    let next = index + 1;
    while (next < chunks.length && parsedChunks[next].file.networks.length + parsedChunks[next].file.blocks.length === 0) between += chunks[next++].text;
    // Nothing but comments after it: parsing the rest as one costs no more than checking.
    if (next === chunks.length) return false;
    const following = networkSkeleton(chunks[next]) ?? (chunks[next].text.length <= 4096 ? chunks[next].text : undefined);
    if (following === undefined) return false;
    const key = `${chunk.firstLine}:${chunk.text}\u0000${between}${following}`;
    let verdict = this.confinements.get(key);
    if (verdict === undefined) {
      const alone = parsedChunks[index];
      const after = parse(between + following, chunks[index + 1].firstLine);
      const together = parse(chunk.text + between + following, chunk.firstLine);
      this.reuse.parsed += 2;
      const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
      verdict =
        after.diagnostics.length === 0 &&
        same(together.diagnostics, alone.diagnostics) &&
        same(together.file.networks, [...alone.file.networks, ...after.file.networks]) &&
        same(together.file.blocks, [...alone.file.blocks, ...after.file.blocks]) &&
        same(together.file.comments, [...alone.file.comments, ...after.file.comments]);
    }
    confinements.set(key, verdict);
    return verdict;
  }

  private parseChunk(chunk: Chunk): ParseResult {
    this.reuse.parsed++;
    return parse(chunk.text, chunk.firstLine);
  }

  /**
   * A long network parsed piece by piece (see networkPieces.ts), reusing the
   * pieces the last version parsed.
   * Undefined when the network is not cut into pieces or a piece does not
   * parse cleanly on its own (the whole declaration is then parsed).
   */
  private parseInPieces(chunk: Chunk): ParseResult | undefined {
    const cut = splitNetwork(chunk, this.linesPerPiece);
    if (!cut) return undefined;
    // The declaration without its body: its name and range, the body's lines left blank.
    const skeleton = parse(cut.header + '\n'.repeat(cut.bodyLines) + cut.closing, chunk.firstLine);
    const [network] = skeleton.file.networks;
    if (skeleton.diagnostics.length || skeleton.file.networks.length !== 1 || skeleton.file.blocks.length || !network) return undefined;
    const body: Statement[] = [];
    const comments: Comment[] = [];
    const pieces = new Map<string, ParseResult>();
    const parsedPieces: ParseResult[] = [];
    let failing = -1;
    for (const [index, piece] of cut.pieces.entries()) {
      // Kept where it was (the same objects, so evaluation resumes after them), or else by its text alone: a line
      // added or removed above a piece moves it, and its parse moves with it.
      const key = `piece ${piece.firstLine}:${piece.text}`;
      const textKey = `piece:${piece.text}`;
      const earlier = pieces.get(key) ?? this.chunks.get(key) ?? pieces.get(textKey) ?? this.chunks.get(textKey);
      let parsed: ParseResult;
      if (earlier) {
        parsed = movedDown(earlier, piece.firstLine - (this.pieceLines.get(earlier) ?? piece.firstLine));
        this.reuse.keptParses++;
      } else {
        // A stand-in network around the piece, its header on the line before, so that positions are the file's.
        parsed = parse(`network Piece {\n${piece.text}}\n`, piece.firstLine - 1);
        this.reuse.parsed++;
      }
      this.pieceLines.set(parsed, piece.firstLine);
      if (parsed.file.networks.length !== 1 || parsed.file.blocks.length) return undefined;
      // One piece with a syntax error, not the last: kept if the error is confined to it (checked below).
      if (parsed.diagnostics.length) {
        if (failing >= 0 || index === cut.pieces.length - 1) return undefined;
        failing = index;
      }
      parsedPieces.push(parsed);
      pieces.set(key, parsed);
      pieces.set(textKey, parsed);
      for (const statement of parsed.file.networks[0].body) body.push(statement);
      for (const comment of parsed.file.comments) comments.push(comment);
    }
    if (failing >= 0 && !pieceConfined(cut.pieces[failing], cut.pieces[failing + 1], parsedPieces[failing], parsedPieces[failing + 1])) return undefined;
    const parsed: ParseResult = { file: { networks: [{ ...network, body }], blocks: [], comments }, diagnostics: failing >= 0 ? parsedPieces[failing].diagnostics : [] };
    this.piecesOf.set(parsed, pieces);
    if (failing >= 0) this.confinedInPieces.add(parsed);
    return parsed;
  }
}

/**
 * Whether a piece's syntax error is confined to it: parsed together with the
 * next piece, it reads as it does alone, and the next piece as it does alone,
 * so the error's recovery stops before the next piece (as in the file
 * comment, one level down: inside the network's body).
 */
function pieceConfined(piece: Chunk, next: Chunk, alone: ParseResult, nextAlone: ParseResult): boolean {
  const together = parse(`network Piece {\n${piece.text}${next.text}}\n`, piece.firstLine - 1);
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  return (
    nextAlone.diagnostics.length === 0 &&
    together.file.networks.length === 1 &&
    together.file.blocks.length === 0 &&
    same(together.diagnostics, alone.diagnostics) &&
    same(together.file.networks[0].body, [...alone.file.networks[0].body, ...nextAlone.file.networks[0].body]) &&
    same(together.file.comments, [...alone.file.comments, ...nextAlone.file.comments])
  );
}

/**
 * A piece's parse moved down by `lines` (up when negative): every position in
 * it, in new objects, since the parse it comes from may still be in use. A
 * position shared by several nodes stays shared. The same parse when `lines`
 * is 0, so that unchanged pieces keep their statements (evaluation resumes
 * after the statements that are the same objects).
 */
function movedDown(parsed: ParseResult, lines: number): ParseResult {
  if (lines === 0) return parsed;
  // Every edit above a long network's tail moves tens of thousands of nodes, so this walk is kept lean: no key
  // arrays, one map look-up per object, and copies registered before their fields are walked.
  const moved = new Map<object, unknown>();
  const move = (value: unknown): unknown => {
    if (typeof value !== 'object' || value === null) return value;
    const known = moved.get(value);
    if (known !== undefined) return known;
    if (Array.isArray(value)) {
      const copy: unknown[] = new Array(value.length);
      moved.set(value, copy);
      for (let i = 0; i < value.length; i++) copy[i] = move(value[i]);
      return copy;
    }
    const record = value as Record<string, unknown>;
    if (isPosition(record)) {
      const copy = { line: (record.line as number) + lines, character: record.character };
      moved.set(value, copy);
      return copy;
    }
    const copy: Record<string, unknown> = {};
    moved.set(value, copy);
    for (const name in record) copy[name] = move(record[name]);
    return copy;
  };
  return move(parsed) as ParseResult;
}

/** Whether an object is a position: a line and a character, nothing else. */
function isPosition(record: Record<string, unknown>): boolean {
  if (typeof record.line !== 'number' || typeof record.character !== 'number') return false;
  for (const name in record) if (name !== 'line' && name !== 'character') return false;
  return true;
}
