/**
 * Export figures: ResNet-152 to PyTorch code (goal under 1 s), to ONNX with
 * its 60 million weights (under 3 s) and to Keras, from the analysed source
 * with the seeded weights ready (as the CLI has them), and the file sizes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeKeras } from '../../src/core/export/keras';
import { exportSource, isExportFailure } from '../../src/core/export/network';
import { writeOnnx } from '../../src/core/export/onnx';
import { writePytorch } from '../../src/core/export/pytorch';
import { encodeOnnxModel } from '../../src/core/onnx/schema';
import { heInitialization } from '../../webview/src/engine/weights';
import { figureLine, summarise } from './figure';

function time<T>(runs: number, work: () => T): { times: number[]; last: T } {
  const times: number[] = [];
  let last!: T;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    last = work();
    times.push(performance.now() - start);
  }
  return { times, last };
}

const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

export function exportFigures(root: string): string[] {
  const text = readFileSync(join(root, 'examples', 'resnet152.cnn'), 'utf8');
  const source = exportSource(text);
  if (isExportFailure(source)) throw new Error(source.failure);
  const weights = heInitialization(source.graph, 1);
  const pytorch = time(5, () => {
    const again = exportSource(text);
    if (isExportFailure(again)) throw new Error(again.failure);
    return writePytorch(again);
  });
  if (isExportFailure(pytorch.last)) throw new Error(pytorch.last.failure);
  const paths = pytorch.last.modulePaths;
  const onnx = time(3, () => {
    const model = writeOnnx(source, weights, paths);
    if (isExportFailure(model)) throw new Error(model.failure);
    return encodeOnnxModel(model);
  });
  const keras = time(3, () => {
    const model = writeKeras(source, weights);
    if (isExportFailure(model)) throw new Error(model.failure);
    return JSON.stringify(model.modelJson).length + model.shard.length;
  });
  return [
    figureLine(summarise('ResNet-152 to PyTorch code (analysis included)', 1000, pytorch.times)),
    figureLine(summarise('ResNet-152 to ONNX with weights (encoded bytes)', 3000, onnx.times)),
    figureLine(summarise('ResNet-152 to Keras model.json and shard', 3000, keras.times)),
    `sizes: .py ${(pytorch.last.code.length / 1e3).toFixed(1)} kB, .onnx ${megabytes(onnx.last.length)}, Keras ${megabytes(keras.last)} (weights ${megabytes(4 * (source.network.params.trainable + source.network.params.nonTrainable))} as float32)`,
  ];
}
