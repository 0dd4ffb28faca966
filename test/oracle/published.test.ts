// Checks the examples that reproduce published architectures against the
// figures their sources print. Unlike oracle.test.ts this needs no PyTorch:
// the numbers are the published ones, written down once here, so the test
// also runs where only Node is installed.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { singleNetwork } from './cli';

interface Published {
  file: string;
  /** Where the figures come from. */
  source: string;
  trainable: number;
  nonTrainable?: number;
  macs?: number;
}

const PUBLISHED: Published[] = [
  { file: 'lenet5.cnn', source: 'LeNet-5 in LANGUAGE.md', trainable: 61_706 },
  { file: 'mnist.cnn', source: 'seed lecture 003, MNIST parameter table', trainable: 421_642 },
  { file: 'alexnet.cnn', source: 'torchvision AlexNet_Weights', trainable: 61_100_840 },
  { file: 'vgg16.cnn', source: 'torchvision VGG16_Weights', trainable: 138_357_544 },
  { file: 'resnet18.cnn', source: 'torchvision ResNet18_Weights', trainable: 11_689_512 },
  {
    file: 'resnet50.cnn',
    source: 'torchvision ResNet50_Weights (4.09 GFLOPS)',
    trainable: 25_557_032,
    // A running mean and a running variance for each of ResNet-50's 26,560 batch-norm channels.
    nonTrainable: 53_120,
    macs: 4_089_184_256,
  },
  { file: 'resnet152.cnn', source: 'torchvision ResNet152_Weights', trainable: 60_192_808 },
  { file: 'mobilenet_v2.cnn', source: 'torchvision MobileNet_V2_Weights', trainable: 3_504_872 },
  { file: 'efficientnet_b0.cnn', source: 'torchvision EfficientNet_B0_Weights', trainable: 5_288_548 },
  { file: 'densenet121.cnn', source: 'torchvision DenseNet121_Weights', trainable: 7_978_856 },
  {
    file: 'shufflenet_v2.cnn',
    source: 'torchvision ShuffleNet_V2_X1_0_Weights (0.14 GFLOPS), issue 18',
    trainable: 2_278_604,
    // Running mean and variance of its 8,090 batch-norm channels.
    nonTrainable: 16_180,
    macs: 144_907_992,
  },
  { file: 'convnext_tiny.cnn', source: 'torchvision ConvNeXt_Tiny_Weights (4.46 GFLOPS), issue 18', trainable: 28_589_128, nonTrainable: 0, macs: 4_455_531_264 },
];

describe('examples match their published figures', function () {
  for (const entry of PUBLISHED) {
    it(`${entry.file} (${entry.source})`, function () {
      this.timeout(60_000);
      const network = singleNetwork(join('examples', entry.file));
      assert.equal(network.params.trainable, entry.trainable, `${entry.file}: trainable parameters`);
      if (entry.nonTrainable !== undefined) {
        assert.equal(network.params.nonTrainable, entry.nonTrainable, `${entry.file}: non-trainable parameters`);
      }
      if (entry.macs !== undefined) {
        assert.equal(network.macs, entry.macs, `${entry.file}: multiply-accumulates`);
      }
    });
  }
});
