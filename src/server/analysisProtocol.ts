/**
 * The messages between the language server and its analysis workers
 * (worker_threads): the server sends a document's text, the worker answers
 * with the diagnostics first (small, published at once) and then the whole
 * analysis, which features read (structured clone keeps the AST nodes that
 * `Analysis.instances` is keyed by).
 */
import type { Analysis, Diagnostic } from '../core';

/** Analyse this text; `graph` asks for the expanded graphs too (training memory). */
export interface AnalysisJob {
  id: number;
  text: string;
  graph: boolean;
}

/** A worker's answers to job `id`: its diagnostics, then its analysis. */
export type AnalysisReply = { id: number; kind: 'diagnostics'; diagnostics: Diagnostic[] } | { id: number; kind: 'analysis'; analysis: Analysis };
