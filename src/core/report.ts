/**
 * The machine-readable report behind `cnn check --json`: a stable contract
 * that CI scripts read, so fields are only ever added, never renamed.
 */
import type { Diagnostic, Range, Severity } from './diagnostics';
import type { NetworkMemory } from './memory/training';
import type { Analysis, NetworkAnalysis, StatementResult } from './semantics/results';

export interface JsonDiagnostic {
  severity: Severity;
  code: string;
  message: string;
  range: Range;
}

export interface JsonStatement {
  line: number;
  op: string;
  outShape: number[] | null;
  params: number;
  macs: number;
  receptiveField: { size: number[]; jump: number[]; start: number[] } | null;
  /** Bytes autograd saves for this statement's backward pass (only with `--batch`); null when the network's memory is unknown. */
  savedActivations?: number | null;
}

/** A network's training memory in bytes (`check --json --batch N`); see src/core/memory/training.ts for each figure. */
export type JsonMemory = { batch: number } & Pick<NetworkMemory, 'savedActivations' | 'parameters' | 'gradients' | 'optimizerState' | 'trainingPeak' | 'inferencePeak'>;

export interface JsonNetwork {
  name: string;
  input: number[];
  output: number[] | null;
  /** Null, like `macs` and `activations`, when analysis stopped part-way (`too-large`): the totals are unknown. */
  params: { trainable: number; nonTrainable: number; total: number } | null;
  macs: number | null;
  activations: number | null;
  statements: JsonStatement[];
  /** Only with `--batch`: null when a statement failed and the figures would be partial. */
  memory?: JsonMemory | null;
}

export interface JsonFileReport {
  path: string;
  diagnostics: JsonDiagnostic[];
  networks: JsonNetwork[];
}

/**
 * Converts one file's analysis to the JSON contract; with `memory` (each
 * network's, from `analysisMemory`), networks get `memory` and statements
 * `savedActivations`.
 */
export function toJsonReport(path: string, analysis: Analysis, memory?: (NetworkMemory | null)[]): JsonFileReport {
  return {
    path,
    diagnostics: toJsonDiagnostics(analysis),
    networks: analysis.networks.map((network, index) => toJsonNetwork(network, memory ? (memory[index] ?? null) : undefined)),
  };
}

/** A file's diagnostics as the report gives them. */
export function toJsonDiagnostics(analysis: Analysis): JsonDiagnostic[] {
  return analysis.diagnostics.map(jsonDiagnostic);
}

/**
 * One network as the report gives it: with `memory` (null when unknown), the
 * network gets `memory` and its statements `savedActivations`; undefined
 * leaves both out (no `--batch`).
 */
export function toJsonNetwork(network: NetworkAnalysis, memory?: NetworkMemory | null): JsonNetwork {
  const json = jsonNetwork(network);
  if (memory === undefined) return json;
  json.statements.forEach((statement, i) => (statement.savedActivations = memory ? (memory.savedByStatement[i] ?? 0) : null));
  json.memory = memory ? jsonMemory(memory) : null;
  return json;
}

function jsonMemory(memory: NetworkMemory): JsonMemory {
  return {
    batch: memory.setup.batch,
    savedActivations: memory.savedActivations,
    parameters: memory.parameters,
    gradients: memory.gradients,
    optimizerState: memory.optimizerState,
    trainingPeak: memory.trainingPeak,
    inferencePeak: memory.inferencePeak,
  };
}

function jsonDiagnostic(d: Diagnostic): JsonDiagnostic {
  return { severity: d.severity, code: d.code, message: d.message, range: d.range };
}

function jsonNetwork(network: NetworkAnalysis): JsonNetwork {
  return {
    name: network.name,
    input: network.input ?? [],
    output: network.output,
    params: network.stopped ? null : { trainable: network.params.trainable, nonTrainable: network.params.nonTrainable, total: network.params.trainable + network.params.nonTrainable },
    macs: network.stopped ? null : network.macs,
    activations: network.stopped ? null : network.activations,
    statements: network.statements.map(jsonStatement),
  };
}

function jsonStatement(result: StatementResult): JsonStatement {
  return {
    line: result.range.start.line,
    op: result.op,
    outShape: result.outShape,
    params: result.params.trainable + result.params.nonTrainable,
    macs: result.macs,
    receptiveField: result.receptiveField ? { size: result.receptiveField.size, jump: result.receptiveField.jump, start: result.receptiveField.start } : null,
  };
}
