/**
 * The analysis core of CNN Lens: pure TypeScript, no editor, no file system.
 * `analyze(text)` parses and analyses a `.cnn` file and never throws on user input.
 */
export { analyze, argumentEdit, type AnalysisProgress, type AnalyzeOptions, type NetworkListener } from './semantics/analyze';
export { IncrementalAnalysis, type ReuseCounts } from './semantics/incremental';
export { IncrementalParser } from './semantics/incrementalParse';
export type { NetworkGraph, GraphNode, GraphGroup } from './semantics/graph';
export type { Analysis, NetworkAnalysis, StatementResult } from './semantics/results';
export { declaredNetworkAt, errorsPerNetwork, networkIndexAt } from './semantics/networkAt';
export { expandedLayerCount, graphFits } from './semantics/layerCount';
export { maxGraphLayers } from './semantics/graphRecorder';
export type { Value, Attributes, AttributeValue, ReceptiveField, ReceptiveFieldStep, GraphFieldRule, ParamCounts } from './types';
export { formatReceptiveSize, formatNumber } from './semantics/receptiveField';
export { unitWindow, unitCone, statementUnitField, centreUnit, type UnitWindow, type StatementUnitField } from './semantics/unitWindow';
export { unitPaths, graphReceptiveFields, type UnitPaths, type PathDisagreement, type MergePath } from './semantics/unitPaths';
export { formatShape, elementCount } from './shape';
export { halfToFloat, permute } from './arrays';
export { kerasTensorLayout, type KerasTensorContext, type KerasTensorLayout } from './kerasLayout';
export { withCommas } from './format';
export { parse, type ParseResult } from './syntax/parse';
export type * as Ast from './syntax/ast';
export * from './diagnostics';
export { findOp, allOpNames, allArgs, signatureText, opDefinitions } from './ops/registry';
export type { OpDefinition, ArgSpec, OpSignature, OpFamily } from './ops/types';
export { attributesOf, type OpAttributes, type OpName, type AttributeName, type WindowedOpName } from './ops/attributes';
export { fixHolds, fixClears, applyEdits } from './semantics/fixCheck';
export { blockProjectionFixes } from './semantics/projectionFix';
export { toJsonReport, toJsonDiagnostics, toJsonNetwork, type JsonDiagnostic, type JsonFileReport, type JsonNetwork, type JsonStatement, type JsonMemory } from './report';
export { renderSummary, renderNetworkSummary, renderNetworkSummaryWithLines, memoryFooter, setupText, optimizerName, type SummaryOptions } from './summary';
export {
  networkMemory,
  analysisMemory,
  largestBatch,
  bytesPerElement,
  defaultTrainingSetup,
  optimizerKinds,
  precisionKinds,
  type NetworkMemory,
  type TrainingSetup,
  type OptimizerKind,
  type PrecisionKind,
} from './memory/training';
export { memoryRules, memoryRule, type MemoryRule, type SavedTensor, type SavedType } from './memory/rules';
export { memoryBudgetDiagnostics } from './memory/budget';
