/**
 * Everything of the engine that needs tfjs, as one module the panel loads
 * with a dynamic `import()` after its first diagram (panel/runSession.ts):
 * tfjs and its backends are most of the panel's code, and the diagram needs
 * none of it. The bundle puts this module and what only it uses in a chunk
 * of its own.
 */
export { ForwardEngine, heInitializationInSlices, initBackend, probeBackends, wasmBinaryUrl, weightsFromSafetensors, weightsFromTfjsLayers } from './index';
export { unitGradient } from './unitGradient';
