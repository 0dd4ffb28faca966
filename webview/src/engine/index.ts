/**
 * The preview panel's forward-pass engine: runs a NetworkGraph from the
 * analysis core as tfjs ops (channels-last inside, channels-first outside),
 * on the fastest real backend, with seeded He weights or weights loaded from
 * safetensors or a tfjs layers model. Convolution + batch norm + ReLU chains
 * whose inner outputs are not read back run as one fused convolution.
 */
export { ForwardEngine, UnsupportedOpError, RunCancelledError, type NodeOutput, type NodeTiming, type RunOptions, type RunResult, type UnsupportedNode } from './runner';
export { heInitialization, heInitializationInSlices, checkWeights, type WeightSet, type WeightTensor } from './weights';
export { paramSpecs, paramLayers, describeLayer, type ParamSpec, type ParamLayer } from './params';
export { weightsFromSafetensors, parseSafetensors } from './safetensors';
export { weightsFromTfjsLayers } from './tfjsLayers';
export { WeightLoadError, type LoadedWeights, type FileTensor } from './match';
export { chooseBackend, isSoftwareRenderer, type BackendChoice, type BackendName, type BackendProbe, type BackendStatus } from './backendPolicy';
export { initBackend, probeBackends, currentBackend, wasmBinaryUrl, type BackendOptions } from './backends';
