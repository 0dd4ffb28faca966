/**
 * Incremental analysis: one document's analyses, version after version, each
 * equal to what `analyze` gives for the same text, but reusing what an edit
 * did not touch. The file is cut into its declarations (syntax/chunks.ts);
 * a declaration whose text and first line are unchanged keeps its parse (the
 * same AST objects), and a network whose declaration and every block it
 * looked up are the same objects is not evaluated again: what its evaluation
 * did (diagnostics, kept instances, work spent) is replayed instead.
 *
 * Inside one long network the reuse is finer. Its body is parsed in pieces
 * (syntax/networkPieces.ts), so an edit parses one piece again; and its
 * evaluation resumes after the longest unchanged prefix of its statements:
 * the state after statement k (the tensor passed on, the labels bound, the
 * work spent, what was reported) depends only on the statements before it
 * and the blocks they looked up, so it is taken from the last version's
 * evaluation, and only the statements from the first changed one on are
 * evaluated. (Not with graphs: the preview's graph is recorded afresh.)
 *
 * Everything is keyed by content (a chunk's text and line), never by a
 * version number, and only the latest version's parts are kept, so memory
 * stays that of one analysis.
 *
 * A syntax error confined to one declaration keeps the others' parses: the
 * declarations before it parse cleanly, so the parser reaches it as it would
 * reach the start of a file; and it is confined when the parser, reading it
 * followed by the start and end of the next declaration (that declaration's
 * body left blank), reads it as alone and then that declaration cleanly, so
 * the error's recovery stops before the next declaration. Otherwise (or with
 * errors in several declarations) the file is parsed as one from the first
 * declaration with an error on: error recovery may read across a cut, and a
 * fresh analysis is what the result must equal.
 */
import { parse, type ParseResult } from '../syntax/parse';
import { splitChunks, type Chunk } from '../syntax/chunks';
import { networkSkeleton, splitNetwork } from '../syntax/networkPieces';
import type { Diagnostic } from '../diagnostics';
import type { Comment, NetworkDecl, SourceFile, Statement } from '../syntax/ast';
import type { Tensor } from '../ops/types';
import type { ReceptiveField } from '../types';
import { analyze, evaluateParsed, failedAnalysis, type AnalyzeOptions } from './analyze';
import type { Evaluation, NetworkTrace, TraceMark } from './evaluation';
import type { NetworkGraph } from './graph';
import { analyzeNetwork, type ResumePoint } from './network';
import type { Analysis, NetworkAnalysis } from './results';

/** Options of an incremental analysis: `analyze`'s, and how many lines of a long network's body are parsed as one piece. */
export interface IncrementalOptions extends AnalyzeOptions {
  /** Lines per piece of a network's body (networks of fewer than twice this are parsed whole); 128 unless given. */
  linesPerPiece?: number;
}

/**
 * The state after one statement of a network's body, to resume after it: how
 * far the trace had got, and the tensor and field passed on. The mark's counts
 * are kept in the step itself, one object per statement, not two: a megabyte
 * network has a hundred thousand statements.
 */
interface NetworkStep extends TraceMark {
  output: Tensor | null;
  lastField: ReceptiveField | null;
}

/** A network evaluated in the previous version: its result and what evaluating it did. */
interface EvaluatedNetwork {
  analysis: NetworkAnalysis;
  trace: NetworkTrace;
  /** The file's work budget then (it grows with the file's length). */
  budget: number;
  graph?: NetworkGraph;
  /** The state after each statement of the body that finished (without graphs). */
  steps?: NetworkStep[];
}

/** How much the last analysis reused, for benchmarks and tests. */
export interface ReuseCounts {
  /** Declarations parsed again, and kept. */
  parsed: number;
  keptParses: number;
  /** Networks evaluated again, and replayed. */
  evaluated: number;
  replayed: number;
  /** Statements whose evaluation was taken from the last version, in networks evaluated again from a changed statement on. */
  resumedStatements: number;
  /** Whether the whole file was analysed afresh (a syntax error in its first declaration, or a fault). */
  fresh: boolean;
  /** Whether the file has a syntax error. */
  syntaxErrors?: boolean;
}

/** The analyses of one document's successive texts; see the file comment. */
export class IncrementalAnalysis {
  private chunks = new Map<string, ParseResult>();
  private networks = new Map<NetworkDecl, EvaluatedNetwork>();
  /** The pieces a declaration parsed in pieces was made of, kept with it while it is unchanged. */
  private readonly piecesOf = new WeakMap<ParseResult, Map<string, ParseResult>>();
  /** The line each piece's parse starts on: a piece is kept by its text alone, and moved to where it is now. */
  private readonly pieceLines = new WeakMap<ParseResult, number>();
  /** Networks parsed in pieces whose syntax error was found confined to one piece: confined to the network too. */
  private readonly confinedInPieces = new WeakSet<ParseResult>();
  /** Declarations with a syntax error, each with what follows it, found confined to themselves (see the file comment), and when not. */
  private confinements = new Map<string, boolean>();
  /** What the last `analyze` reused. */
  reuse: ReuseCounts = { parsed: 0, keptParses: 0, evaluated: 0, replayed: 0, resumedStatements: 0, fresh: true };

  constructor(private readonly options: IncrementalOptions = {}) {}

  /** The analysis of `text`, equal to `analyze(text, options)`. Never throws. */
  analyze(text: string): Analysis {
    const withGraphs = this.options.graph === true;
    this.reuse = { parsed: 0, keptParses: 0, evaluated: 0, replayed: 0, resumedStatements: 0, fresh: false };
    try {
      const parsed = typeof text === 'string' ? this.parse(text) : undefined;
      if (!parsed) return this.fresh(text);
      const evaluated = new Map<NetworkDecl, EvaluatedNetwork>();
      const analysis = evaluateParsed(text, parsed, withGraphs, (evaluation, network, graphs) => {
        const before = this.networks.get(network);
        if (before && reusable(before, evaluation) && (!graphs || before.graph)) {
          evaluation.replay(before.trace);
          if (graphs && before.graph) graphs.push(before.graph);
          evaluated.set(network, before);
          this.reuse.replayed++;
          return before.analysis;
        }
        const trace = evaluation.startTrace();
        const graphCount = graphs?.length ?? 0;
        let result: NetworkAnalysis;
        let steps: NetworkStep[] | undefined;
        try {
          if (graphs) result = analyzeNetwork(evaluation, network, graphs);
          else {
            const resumed = this.resumePoint(evaluation, network);
            steps = resumed ? resumed.steps : [];
            const recorded = steps;
            if (resumed) this.reuse.resumedStatements += resumed.from.statements.length;
            result = analyzeNetwork(evaluation, network, undefined, {
              from: resumed?.from,
              step: (index, output, lastField) => {
                const mark = evaluation.traceMark()!;
                recorded[index] = { added: mark.added, remembered: mark.remembered, blocksRead: mark.blocksRead, spent: mark.spent, output, lastField };
              },
            });
          }
        } finally {
          evaluation.endTrace(trace);
        }
        const graph = graphs && graphs.length > graphCount ? graphs[graphs.length - 1] : undefined;
        evaluated.set(network, { analysis: result, trace, budget: evaluation.budget, graph, steps });
        this.reuse.evaluated++;
        return result;
      });
      this.networks = evaluated;
      return analysis;
    } catch (error) {
      this.forget();
      return failedAnalysis(error, withGraphs);
    }
  }

  /**
   * Where to resume a network's evaluation: after the longest prefix of its
   * statements that a network of the same name evaluated last time, when the
   * blocks that prefix looked up are unchanged and its work still fits the
   * budget. Replays that prefix into the evaluation (and its trace).
   */
  private resumePoint(evaluation: Evaluation, network: NetworkDecl): { from: ResumePoint; steps: NetworkStep[] } | undefined {
    for (const [old, before] of this.networks) {
      if (!before.steps || old.name !== network.name || !sameRange(old.nameRange, network.nameRange)) continue;
      const limit = Math.min(before.steps.length, network.body.length);
      let count = 0;
      while (count < limit && old.body[count] === network.body[count]) count++;
      if (count === 0) continue;
      const last = before.steps[count - 1];
      if (!sameBlocks(before.trace, last.blocksRead, evaluation) || evaluation.spentSoFar + last.spent > evaluation.budget) continue;
      evaluation.replayUpTo(before.trace, last);
      const labels: [string, Tensor | null][] = [];
      for (let i = 0; i < count; i++) {
        const label = network.body[i].label;
        if (label) labels.push([label.name, before.steps[i].output]);
      }
      const from: ResumePoint = { statements: before.analysis.statements.slice(0, count), input: before.analysis.input, output: last.output, lastField: last.lastField, labels };
      return { from, steps: before.steps.slice(0, count) };
    }
    return undefined;
  }

  /** Drops everything kept (the next analysis starts afresh). */
  forget(): void {
    this.chunks = new Map();
    this.networks = new Map();
  }

  private fresh(text: string): Analysis {
    this.forget();
    this.reuse.fresh = true;
    return analyze(text, this.options);
  }

  /**
   * The file parsed declaration by declaration, reusing unchanged ones; with
   * a syntax error, as the file comment says. Undefined when the file is to
   * be parsed as a whole (an error in its first declaration).
   */
  private parse(text: string): ParseResult | undefined {
    const kept = new Map<string, ParseResult>();
    const chunks = splitChunks(text);
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
    const cut = splitNetwork(chunk, this.options.linesPerPiece ?? 128);
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

/** Whether the first `count` blocks a trace looked up are still the declarations the evaluation finds. */
function sameBlocks(trace: NetworkTrace, count: number, evaluation: Evaluation): boolean {
  let read = 0;
  for (const [name, block] of trace.blocksRead) {
    if (read++ >= count) break;
    if (evaluation.blocks.get(name) !== block) return false;
  }
  return true;
}

function sameRange(a: NetworkDecl['range'], b: NetworkDecl['range']): boolean {
  return a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character;
}

/**
 * Whether replaying a network's evaluation gives what evaluating it again
 * would: every block it looked up is still the same declaration, and the work
 * budget runs out at the same point (never, for a network that finished).
 */
function reusable(before: EvaluatedNetwork, evaluation: Evaluation): boolean {
  for (const [name, block] of before.trace.blocksRead) if (evaluation.blocks.get(name) !== block) return false;
  const spent = evaluation.spentSoFar;
  if (before.analysis.stopped) return spent === before.trace.spentBefore && evaluation.budget === before.budget;
  return spent + before.trace.spent <= evaluation.budget;
}
