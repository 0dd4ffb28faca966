/**
 * The short texts a diagram node shows: the key arguments of a layer
 * ("64, 3x3, s2, p1") and its output shape. Parameter counts use the core's
 * `withCommas`, as the CLI and hovers do. Pure, so the model tests can check
 * them without a browser.
 */
import type { GraphNode, Attributes, AttributeValue } from '../../../src/core';

/** [64, 56, 56] → "64x56x56"; an empty shape (a scalar) → "1". */
export function formatShapeText(shape: readonly number[]): string {
  return shape.length ? shape.join('x') : '1';
}

function numbers(value: AttributeValue | undefined): number[] | undefined {
  if (typeof value === 'number') return [value];
  return Array.isArray(value) ? value : undefined;
}

/** A per-axis setting as written in the language: one number when every axis agrees, else "1x7". */
function axes(value: AttributeValue | undefined): string | undefined {
  const list = numbers(value);
  if (!list || list.length === 0) return undefined;
  return list.every((v) => v === list[0]) ? String(list[0]) : list.join('x');
}

/** A kernel reads as its window, "3x3" or "3x3x3", so a 2-D and a 3-D layer look different at a glance. */
function kernelText(value: AttributeValue | undefined): string | undefined {
  const list = numbers(value);
  return list && list.length ? list.join('x') : undefined;
}

/** True when a per-axis setting is its default on every axis (stride 1, no padding). */
function isAll(value: AttributeValue | undefined, expected: number): boolean {
  const list = numbers(value);
  return !list || list.every((v) => v === expected);
}

function paddingText(left: AttributeValue | undefined, right: AttributeValue | undefined): string | undefined {
  const l = numbers(left) ?? [];
  const r = numbers(right) ?? l;
  if (l.every((v) => v === 0) && r.every((v) => v === 0)) return undefined;
  const symmetric = l.every((v, i) => v === r[i]);
  // Asymmetric ("same" with an even kernel) padding shows left/right so the odd pixel is visible.
  return symmetric ? `p${axes(l)}` : `p${axes(l)}/${axes(r)}`;
}

/** Window settings shared by convolutions and pooling: kernel, stride, padding, dilation. */
function windowParts(a: Attributes): string[] {
  const parts: string[] = [];
  const kernel = kernelText(a.kernel);
  if (kernel) parts.push(kernel);
  if (!isAll(a.stride, 1)) parts.push(`s${axes(a.stride)}`);
  const padding = 'padLeft' in a ? paddingText(a.padLeft, a.padRight) : isAll(a.padding, 0) ? undefined : `p${axes(a.padding)}`;
  if (padding) parts.push(padding);
  if (!isAll(a.outputPadding, 0)) parts.push(`op${axes(a.outputPadding)}`);
  if (!isAll(a.dilation, 1)) parts.push(`d${axes(a.dilation)}`);
  return parts;
}

function scalar(value: AttributeValue): string {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Math.round(value * 10000) / 10000);
  if (Array.isArray(value)) return axes(value) ?? '';
  return String(value);
}

/**
 * The key arguments of a layer, in the order a reader writes them:
 * "64, 3x3, s2, p1" for a convolution, "3x3, s2, p1" for pooling, "1000" for
 * dense, "p=0.5" for dropout. Defaults are left out so the text stays short.
 * `inputLabels` names the labelled inputs of a merge (`concat(enc3)` → "enc3").
 */
export function argumentText(node: Pick<GraphNode, 'op' | 'attributes'>, inputLabels: string[] = []): string {
  const a = node.attributes;
  const parts: string[] = [];
  switch (node.op) {
    case 'conv':
    case 'conv_transpose':
    case 'separable_conv':
      parts.push(scalar(a.out ?? ''), ...windowParts(a));
      if (typeof a.multiplier === 'number' && a.multiplier !== 1) parts.push(`m${a.multiplier}`);
      if (typeof a.groups === 'number' && a.groups !== 1) parts.push(`g${a.groups}`);
      break;
    case 'depthwise_conv':
      if (typeof a.multiplier === 'number' && a.multiplier !== 1) parts.push(`×${a.multiplier}`);
      parts.push(...windowParts(a));
      break;
    case 'maxpool':
    case 'avgpool':
      parts.push(...windowParts(a));
      if (a.ceilMode === true) parts.push('ceil');
      break;
    case 'adaptive_maxpool':
    case 'adaptive_avgpool':
      if (a.size !== undefined) parts.push(kernelText(a.size) ?? '');
      break;
    case 'dense':
      if (a.units !== undefined) parts.push(scalar(a.units));
      if (a.bias === false) parts.push('no bias');
      break;
    case 'dropout':
      if (a.p !== undefined) parts.push(`p=${scalar(a.p)}`);
      break;
    case 'upsample':
      if (a.scale !== undefined) parts.push(`×${axes(a.scale)}`);
      if (typeof a.mode === 'string' && a.mode !== 'nearest') parts.push(a.mode);
      break;
    case 'prelu':
      if (a.shared === false) parts.push('per channel');
      break;
    case 'pad':
      if (a.amount !== undefined) parts.push(axes(a.amount) ?? '');
      break;
    case 'groupnorm':
      if (a.groups !== undefined) parts.push(`g${scalar(a.groups)}`);
      break;
    case 'lrn':
      if (a.size !== undefined) parts.push(scalar(a.size));
      break;
    case 'batchnorm':
    case 'layernorm':
    case 'instancenorm':
    case 'reshape':
    case 'flatten':
    case 'input':
      break;
    default:
      // Activations with a setting (leaky_relu's slope, elu's alpha) and any op added later show their numbers.
      for (const [key, value] of Object.entries(a)) {
        if (typeof value === 'boolean') continue;
        parts.push(key === 'slope' ? scalar(value) : `${key}=${scalar(value)}`);
      }
  }
  parts.push(...inputLabels);
  return parts.filter((p) => p !== '').join(', ');
}

/** What a node's title says: the op as written, except that a `residual` statement's implicit sum reads "add". */
export function titleText(node: Pick<GraphNode, 'op' | 'written'>): string {
  if (node.written === 'residual') return 'add';
  if (node.written === 'concat' && node.op === 'concat') return 'concat';
  return node.written || node.op;
}
