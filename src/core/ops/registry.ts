/** Every op the language knows, by name. The one place op families are wired in. */
import { channelOps } from './channel';
import { convolutionOps } from './conv';
import { denseOps } from './dense';
import { elementwiseOps } from './elementwise';
import { mergeOps } from './merge';
import { normalizationOps } from './norm';
import { poolingOps } from './pool';
import { reshapeOps } from './reshape';
import type { ArgSpec, OpDefinition } from './types';

/** All op definitions, grouped by family. */
export const opDefinitions: readonly OpDefinition[] = [...convolutionOps, ...poolingOps, ...denseOps, ...normalizationOps, ...elementwiseOps, ...reshapeOps, ...channelOps, ...mergeOps];

const byName = new Map<string, OpDefinition>();
for (const definition of opDefinitions) for (const name of definition.names) byName.set(name, definition);

/** The op a name invokes, if any. */
export function findOp(name: string): OpDefinition | undefined {
  return byName.get(name);
}

/** Every op name, aliases and rank-specific spellings included. */
export function allOpNames(): string[] {
  return [...byName.keys()];
}

const argumentLists = new WeakMap<OpDefinition, readonly ArgSpec[]>();

/** All arguments an op accepts, positional first (one list per op, read on every call of it, so kept). */
export function allArgs(definition: OpDefinition): readonly ArgSpec[] {
  let list = argumentLists.get(definition);
  if (!list) {
    list = [...definition.signature.positional, ...definition.signature.keywords];
    argumentLists.set(definition, list);
  }
  return list;
}

/** `conv(out, kernel, stride=1, ...)`: a one-line signature for docs and hovers. */
export function signatureText(name: string, definition: OpDefinition): string {
  const parts = [
    ...definition.signature.positional.map((a) => (a.defaultText !== undefined ? `${a.name}=${a.defaultText}` : a.name)),
    ...(definition.signature.labels ? ['label, ...'] : []),
    ...definition.signature.keywords.map((a) => `${a.name}=${a.defaultText ?? '…'}`),
  ];
  return `${name}(${parts.join(', ')})`;
}
