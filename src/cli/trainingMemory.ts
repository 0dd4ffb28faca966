/**
 * What `cnn check --batch` and `cnn summary` report: the plain analysis (the
 * diagnostics, totals and tables that `cnn check` and the editor give), with
 * each network's training memory from an analysis with graphs. That analysis
 * expands every repeat pass and block call, so it may stop (too-large) where
 * the plain one, which fast-forwards repeats and replays calls, finishes:
 * asking for memory must not then turn the network's totals into "unknown"
 * and add an error that `cnn check` does not give. It runs only when some
 * network can have training memory (`graphFits`): a megabyte of block calls
 * would spend 2 s recording a graph that stops.
 */
import { analysisMemory, analyze, graphFits, type Analysis, type NetworkGraph, type NetworkMemory, type TrainingSetup } from '../core';

/** The plain analysis, and per network its training memory and graph (none where the graph cannot give memory). */
export interface AnalysisWithMemory {
  analysis: Analysis;
  memory: (NetworkMemory | null)[];
  graphs: (NetworkGraph | undefined)[];
}

export function analyzeWithMemory(text: string, setup: TrainingSetup): AnalysisWithMemory {
  const analysis = analyze(text);
  if (!analysis.networks.some(graphFits)) return { analysis, memory: analysis.networks.map(() => null), graphs: analysis.networks.map(() => undefined) };
  const withGraphs = analyze(text, { graph: true });
  return { analysis, memory: analysisMemory(withGraphs, setup), graphs: analysis.networks.map((_, index) => withGraphs.graphs?.[index]) };
}
