/** Every op the engine runs, by canonical op name; an op missing here is named as unsupported. */
import { activationExecutors } from './activation';
import { channelExecutors } from './channel';
import { convolutionExecutors } from './conv';
import { mergeExecutors } from './merge';
import { normalizationExecutors } from './norm';
import { poolingExecutors } from './pool';
import { shapeExecutors } from './shape';
import type { OpSupport } from './types';

export const executors: Record<string, OpSupport> = {
  ...convolutionExecutors,
  ...poolingExecutors,
  ...normalizationExecutors,
  ...activationExecutors,
  ...shapeExecutors,
  ...channelExecutors,
  ...mergeExecutors,
};
