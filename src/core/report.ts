/**
 * The machine-readable report behind `cnn check --json`: a stable contract
 * that CI scripts read, so fields are only ever added, never renamed.
 */
import type { Diagnostic, Range, Severity } from './diagnostics';
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
}

export interface JsonNetwork {
  name: string;
  input: number[];
  output: number[] | null;
  /** Null, like `macs` and `activations`, when analysis stopped part-way (`too-large`): the totals are unknown. */
  params: { trainable: number; nonTrainable: number; total: number } | null;
  macs: number | null;
  activations: number | null;
  statements: JsonStatement[];
}

export interface JsonFileReport {
  path: string;
  diagnostics: JsonDiagnostic[];
  networks: JsonNetwork[];
}

/** Converts one file's analysis to the JSON contract. */
export function toJsonReport(path: string, analysis: Analysis): JsonFileReport {
  return {
    path,
    diagnostics: analysis.diagnostics.map(jsonDiagnostic),
    networks: analysis.networks.map(jsonNetwork),
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
    receptiveField: result.receptiveField
      ? { size: result.receptiveField.size, jump: result.receptiveField.jump, start: result.receptiveField.start }
      : null,
  };
}
