/** What the analysis computes, per statement and per network. */
import type { Diagnostic } from '../diagnostics';
import type { NetworkDecl, SourceFile, Statement } from '../syntax/ast';
import type { Range } from '../diagnostics';
import type { NetworkGraph } from './graph';
import type { ParamCounts, ReceptiveField } from '../types';

/** What one evaluation of one statement produced. A compound statement carries the totals of what it contains. */
export interface StatementResult {
  /** The op or block name as written; `repeat`, `residual`, `concat` or `input` for those statements. */
  op: string;
  kind: 'input' | 'op' | 'block' | 'repeat' | 'residual' | 'concat';
  statement: Statement;
  range: Range;
  inShape: number[] | null;
  /** Null when the statement failed or its input was unknown. */
  outShape: number[] | null;
  params: ParamCounts;
  /** Multiply-accumulates of conv, transposed, depthwise, separable conv and dense layers, bias adds excluded. */
  macs: number;
  /** Output elements of every layer inside (for a layer, its own output): activation memory in values. */
  activations: number;
  receptiveField: ReceptiveField | null;
  /** The output-size formula per spatial axis with numbers filled in (conv, pooling, transposed conv). */
  formula?: string[];
  /** Nested results: a block's body, a repeat's first pass, residual body and shortcut, concat branches. */
  parts?: { name: string; results: StatementResult[] }[];
  /** For `repeat`: how many passes ran. */
  passes?: number;
  /** Whether the statement itself reported an error. */
  failed: boolean;
}

/** The analysis of one network. */
export interface NetworkAnalysis {
  name: string;
  declaration: NetworkDecl;
  input: number[] | null;
  output: number[] | null;
  params: ParamCounts;
  macs: number;
  activations: number;
  /** The receptive field of the last tensor that still had spatial axes. */
  receptiveField: ReceptiveField | null;
  statements: StatementResult[];
  /**
   * True when analysis stopped part-way (`too-large`): the output is then
   * null and the totals zero, because nothing past that statement is known.
   */
  stopped?: boolean;
}

/** Everything the core knows about one file. */
export interface Analysis {
  file: SourceFile;
  /** Syntax and semantic diagnostics, sorted by position. */
  diagnostics: Diagnostic[];
  networks: NetworkAnalysis[];
  /** Every evaluation of each statement (a statement inside a block has one per call, capped), for hovers. */
  instances: Map<Statement, StatementResult[]>;
  /** Each network's expanded dataflow graph, in the order of `networks`; only when asked for (`analyze(text, { graph: true })`). */
  graphs?: NetworkGraph[];
}
