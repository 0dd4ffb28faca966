/**
 * The contract between the analyser and an op family. Adding a layer type
 * means adding one file here that exports `OpDefinition`s, and registering it
 * in `registry.ts`.
 */
import type { DiagnosticCode, Fix, Range } from '../diagnostics';
import type { Attributes, ReceptiveField, ReceptiveFieldStep, Value } from '../types';

/** A tensor flowing between statements: its shape (channels first, no batch) and receptive field. */
export interface Tensor {
  shape: number[];
  receptiveField: ReceptiveField | null;
  /** The graph node that produced it, when the analysis records a graph. */
  node?: number;
}

/** The kinds of value an argument takes; they drive validation, completion and docs. */
export type ArgKind =
  | 'int' // a whole number
  | 'number' // any real number
  | 'bool'
  | 'string' // one of `choices`
  | 'spatial' // an int, or a tuple/shape with one entry per spatial axis
  | 'padding' // spatial, or "valid" / "same" / "full"
  | 'shape' // a shape literal or tuple
  | 'scale' // an int/number, or a tuple of them
  | 'label'; // the name of an earlier statement (upsample's like=)

/** One argument an op takes. */
export interface ArgSpec {
  name: string;
  kind: ArgKind;
  /** The default as users would write it, for docs; absent means required (positional) or "see doc". */
  defaultText?: string;
  /** The default value the readers return when the argument is absent. */
  defaultValue?: Value;
  /** For `string` arguments: the allowed words. */
  choices?: string[];
  doc: string;
}

/** The documentation and signature of an op, for hovers, completion and the README. */
export interface OpSignature {
  /** Positional arguments in order; they may also be given by keyword. */
  positional: ArgSpec[];
  /** Keyword-only arguments. */
  keywords: ArgSpec[];
  /** For `add`/`concat`/`multiply`: any number of label names. */
  labels?: boolean;
}

/** What an op computed for one statement; `A` is the op's attributes (`attributes.ts`). */
export interface OpOutcome<A extends Attributes = Attributes> {
  shape: number[];
  trainable?: number;
  nonTrainable?: number;
  macs?: number;
  /** How receptive fields pass through; a merge lists its paths, `gated` when a broadcast operand (a squeeze-excitation gate) reaches every unit. */
  receptiveField: ReceptiveFieldStep | { kind: 'merge'; fields: (ReceptiveField | null)[]; gated?: boolean };
  /** The output-size formula per spatial axis with the numbers filled in. */
  formula?: string[];
  /** The resolved settings an executor needs to run the layer (its entry in `OpAttributes`). */
  attributes?: A;
  /**
   * For a failed `->` assertion: the smallest argument change that gives the
   * asserted shape, e.g. `{ name: 'padding', value: '1' }`.
   */
  suggest?: (asserted: (number | null)[]) => { name: string; value: string; gives: number[] } | undefined;
}

/** What an op's `apply` can ask of the analyser. */
export interface OpContext {
  /** The op name as written (`conv2d`, `linear`, ...). */
  readonly name: string;
  readonly input: Tensor;
  /** The number of spatial axes of the input: rank minus one. */
  readonly spatialRank: number;
  readonly callRange: Range;
  /** Whether the argument was given. */
  has(name: string): boolean;
  /** The raw value, or the spec's default. */
  value(name: string): Value | undefined;
  int(name: string, options?: { min?: number }): number | undefined;
  number(name: string, options?: { min?: number; max?: number }): number | undefined;
  bool(name: string): boolean | undefined;
  string(name: string): string | undefined;
  /** An int or tuple broadcast to `spatialRank` entries, each at least `min` (default 1). */
  spatial(name: string, options?: { min?: number }): number[] | undefined;
  /** The tensor behind a label-valued argument (`like=skip`): undefined when absent, null when that statement failed. */
  labelled(name: string): Tensor | null | undefined;
  /** The tensors behind the label arguments of a merge op. */
  labels(): { name: string; tensor: Tensor | null; range: Range }[];
  /** Reports a problem; `at` is an argument name or a range (the call by default). Marks the statement failed when an error. */
  report(code: DiagnosticCode, message: string, at?: string | Range, fixes?: Fix[]): void;
  /** The range of an argument, for fixes. */
  argRange(name: string): Range | undefined;
  /** A fix that sets an argument to `valueText` (replacing it or inserting it). */
  setArgumentFix(name: string, valueText: string, title: string): Fix;
  /** True once an error has been reported for this statement. */
  readonly failed: boolean;
}

/** What kind of layer an op is: how docs group it and the colour the diagram gives it. */
export type OpFamily = 'convolution' | 'pooling' | 'dense' | 'normalization' | 'activation' | 'regularization' | 'reshape' | 'merge' | 'channel';

/** One op (or several spellings sharing one implementation); `A` is the attributes it records (`OpAttributes`). */
export interface OpDefinition<A extends Attributes = Attributes> {
  /** The names that invoke it; the first is canonical. */
  names: string[];
  /** For rank-specific spellings: name → required spatial rank (`conv2d` → 2). */
  fixedRank?: Record<string, number>;
  /** Spatial ranks the op accepts, when it needs spatial axes. */
  spatialRanks?: number[];
  family: OpFamily;
  /**
   * True when each output value is a function of the input value at the same
   * position alone, with no weights (activations, dropout, identity): the op
   * keeps the shape and the order of the values. Softmax, which mixes
   * positions, and PReLU, which has weights, are not.
   */
  pointwise?: boolean;
  /**
   * Names people bring from PyTorch, Keras and papers (`fc`, `bn`, `deconv`)
   * that are too far from this op's first name for edit distance to find; an
   * unknown op with one of them gets that name as its fix.
   */
  familiarNames?: string[];
  summary: string;
  signature: OpSignature;
  /** Returns the outcome, or null after reporting why it failed. */
  apply(context: OpContext): OpOutcome<A> | null;
}

/** Shorthands for argument specs. */
export const arg = {
  int: (name: string, doc: string, defaultValue?: number): ArgSpec => ({
    name,
    kind: 'int',
    doc,
    ...(defaultValue !== undefined ? { defaultText: String(defaultValue), defaultValue: { kind: 'number', value: defaultValue } } : {}),
  }),
  number: (name: string, doc: string, defaultValue?: number): ArgSpec => ({
    name,
    kind: 'number',
    doc,
    ...(defaultValue !== undefined ? { defaultText: String(defaultValue), defaultValue: { kind: 'number', value: defaultValue } } : {}),
  }),
  bool: (name: string, doc: string, defaultValue: boolean): ArgSpec => ({
    name,
    kind: 'bool',
    doc,
    defaultText: String(defaultValue),
    defaultValue: { kind: 'bool', value: defaultValue },
  }),
  string: (name: string, doc: string, choices: string[], defaultValue: string): ArgSpec => ({
    name,
    kind: 'string',
    doc,
    choices,
    defaultText: JSON.stringify(defaultValue),
    defaultValue: { kind: 'string', value: defaultValue },
  }),
  spatial: (name: string, doc: string, defaultValue?: number, defaultText?: string): ArgSpec => ({
    name,
    kind: 'spatial',
    doc,
    ...(defaultValue !== undefined ? { defaultText: String(defaultValue), defaultValue: { kind: 'number', value: defaultValue } } : {}),
    ...(defaultText !== undefined ? { defaultText } : {}),
  }),
  padding: (doc: string, causal = false): ArgSpec => ({
    name: 'padding',
    kind: 'padding',
    doc,
    choices: causal ? ['valid', 'same', 'full', 'causal'] : ['valid', 'same', 'full'],
    defaultText: '0',
    defaultValue: { kind: 'number', value: 0 },
  }),
};
