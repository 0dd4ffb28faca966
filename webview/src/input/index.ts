/**
 * Inputs for the preview's forward pass: built-in samples and image files
 * turned into a channels-first Float32Array of the network's input shape.
 * This barrel is the only entry the panel should import.
 */
export { makeInput } from './makeInput';
export { makeImageInput } from './imageInput';
export { samples, samplesFor, defaultSampleFor, prepareSamplePicture, type SampleInfo } from './catalog';
export { decodeImage, type DecodeResult } from './decode';
export { picturesToTensor } from './convert';
export { inputKind } from './shape';
export type { InputKind, InputOptions, InputResult, InputTensor, InputError } from './types';
export type { Picture } from './picture';
export type { Fit } from './resize';
export type { Background } from './channels';
export { imagenetMean, imagenetStd, type Normalization } from './normalize';
