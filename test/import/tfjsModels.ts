/**
 * Keras models built with tfjs-layers in Node (the TensorFlow.js layers API
 * is Keras's) and saved as tfjs writes them: a model.json with its topology
 * and weights manifest, and the weights shard. Shared by the import tests
 * and the engine's weights test.
 */
import * as tf from '@tensorflow/tfjs';

/** A Sequential CNN: convolutions with fused activations, batch norm, pooling, a depthwise convolution, flatten and dense. */
export function sequentialCnn(): tf.LayersModel {
  const model = tf.sequential({ name: 'digits' });
  model.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 8, kernelSize: 3, activation: 'relu' }));
  model.add(tf.layers.batchNormalization());
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same' }));
  model.add(tf.layers.conv2d({ filters: 16, kernelSize: 3, strides: 2, padding: 'same', useBias: false }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dropout({ rate: 0.25 }));
  model.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
  return model;
}

/** A functional model with a skip connection (add) and a concatenation of two branches. */
export function functionalWithSkip(): tf.LayersModel {
  const input = tf.input({ shape: [16, 16, 3], name: 'image' });
  const stem = tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', name: 'stem' }).apply(input) as tf.SymbolicTensor;
  const inner = tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', name: 'inner' }).apply(stem) as tf.SymbolicTensor;
  const normed = tf.layers.batchNormalization({ name: 'inner_bn' }).apply(inner) as tf.SymbolicTensor;
  const sum = tf.layers.add({ name: 'skip' }).apply([normed, stem]) as tf.SymbolicTensor;
  const act = tf.layers.reLU({ name: 'after_skip' }).apply(sum) as tf.SymbolicTensor;
  const left = tf.layers.conv2d({ filters: 4, kernelSize: 1, name: 'left' }).apply(act) as tf.SymbolicTensor;
  const right = tf.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', name: 'right' }).apply(act) as tf.SymbolicTensor;
  const joined = tf.layers.concatenate({ name: 'joined' }).apply([left, right]) as tf.SymbolicTensor;
  const pooled = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(joined) as tf.SymbolicTensor;
  const output = tf.layers.dense({ units: 5, name: 'classes' }).apply(pooled) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output, name: 'skipnet' });
}

/** The model.json tfjs writes: its topology and a manifest of its weights. */
export async function modelJson(model: tf.LayersModel): Promise<string> {
  return (await savedModel(model)).json;
}

/** The model.json tfjs writes and its one weights shard, `group1-shard1of1.bin`. */
export async function savedModel(model: tf.LayersModel): Promise<{ json: string; shard: Uint8Array }> {
  let json = '';
  let shard = new Uint8Array();
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = artifacts.weightData;
      shard = new Uint8Array(data instanceof ArrayBuffer ? data : await new Blob(data as ArrayBuffer[]).arrayBuffer());
      json = JSON.stringify({
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: artifacts.weightSpecs }],
      });
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return { json, shard };
}
