/**
 * PyTorch export: Python source a person could have written. Each `.cnn`
 * block becomes one `nn.Module` class taking the block's parameters (plus
 * `in_channels`), `repeat` an `nn.Sequential`, and `forward` spells out
 * residual adds, shortcuts, concats and labelled skips, with the `.cnn` line
 * as a comment on each layer.
 *
 * The AST says how things were written; the graph says what each call
 * resolved to. The walk follows the analyser's own order, taking the graph's
 * nodes one by one, so every layer knows its node (for its weights) and its
 * statement (for its text). A block is written once per call and every call
 * must give the same class; one that depends on its input size in a way
 * Python's arguments cannot carry is an error naming the block.
 */
import { findOp } from '../ops/registry';
import type { GraphNode } from '../semantics/graph';
import { evaluate, isError } from '../semantics/values';
import type { Value } from '../types';
import type { BlockDecl, CallNode, Expr, Statement } from '../syntax/ast';
import { describeStatement, exportSource, isExportFailure, statementText, type ExportFailure, type ExportSource } from './network';
import { binaryExpr, fold, isPythonIdentifier, mentionsName, nameExpr, numberExpr, pythonExpr, pythonLiteral, pythonName, snakeCase, substitute } from './python';
import { helperDependencies, torchHelpers, torchLayer, type HelperName, type TorchLayer, type TorchOpContext } from './pytorchOps';

/** The generated module and where each layer's tensors live in its `state_dict()`. */
export interface PytorchExport {
  /** The Python source. */
  code: string;
  /** The network's class, named after the network. */
  className: string;
  /** Per graph node with learned tensors: its module's `state_dict()` prefix, ending in a dot (`layer1.0.conv1.`). */
  modulePaths: Map<number, string>;
  /**
   * The network's top-level statements (by index, `input` being 0) that are
   * exactly one attribute of the network class (`self.layer2`), read as
   * `x = self.layer2(x)`: each module computes what its statement does.
   */
  statementModules: Map<number, string>;
}

/** The generated code's name for a block's input channel count; `$` keeps it apart from any `.cnn` name. */
const inChannelsName = '$in';

/** The current tensor in `forward`: its variable and its channel count as an expression. */
interface Flow {
  variable: string;
  channels: Expr;
}

class ExportStop extends Error {
  constructor(readonly failure: ExportFailure) {
    super(failure.failure);
  }
}

/** One class being written: a block call, or the network. */
class ClassWriter {
  readonly members: string[] = [];
  readonly forward: string[] = [];
  private readonly taken = new Set<string>();
  private readonly locals = new Set<string>(['x']);
  private readonly counters = new Map<string, number>();

  constructor(
    /** The block's parameters' values in this call (empty for the network). */
    readonly env: Map<string, Value>,
    /** Where this class's attributes sit in the network's state_dict. */
    readonly prefix: string,
    readonly isBlock: boolean,
  ) {}

  /** A fresh attribute or variable name: `conv1`, `conv2` when numbered, else `shortcut`, `shortcut2`. */
  allocate(base: string, numbered: boolean): string {
    for (;;) {
      const count = (this.counters.get(base) ?? 0) + 1;
      this.counters.set(base, count);
      const name = numbered ? `${base}${count}` : count === 1 ? base : `${base}${count}`;
      if (!this.taken.has(name)) {
        this.taken.add(name);
        return name;
      }
    }
  }

  /** A fresh local variable of `forward` (`identity`, `branch1`, a label's name); its own namespace, apart from attributes. */
  local(base: string, numbered = false): string {
    for (;;) {
      const count = (this.counters.get(`local:${base}`) ?? 0) + 1;
      this.counters.set(`local:${base}`, count);
      const name = numbered ? `${base}${count}` : count === 1 ? base : `${base}${count}`;
      if (!this.locals.has(name)) {
        this.locals.add(name);
        return name;
      }
    }
  }

  /** Python for a block parameter or the input channels. */
  rename = (name: string): string => (name === inChannelsName ? 'in_channels' : pythonName(name));
}

/** Writes the PyTorch module for one network of `text` (the first, or `networkName`). */
export function exportPytorch(text: string, networkName?: string): PytorchExport | ExportFailure {
  const source = exportSource(text, networkName);
  if (isExportFailure(source)) return source;
  return writePytorch(source);
}

/** Writes the PyTorch module for an analysed network. */
export function writePytorch(source: ExportSource): PytorchExport | ExportFailure {
  const name = source.network.name;
  if (!isPythonIdentifier(name)) {
    return {
      failure: `network name '${name}' is not a Python identifier, so it cannot name the PyTorch class; rename the network (letters, digits and _)`,
      range: source.network.declaration.nameRange,
    };
  }
  try {
    return new PytorchWriter(source).write();
  } catch (error) {
    if (error instanceof ExportStop) return error.failure;
    throw error;
  }
}

class PytorchWriter {
  private cursor = 1;
  private readonly nodes: GraphNode[];
  private readonly blocks = new Map<string, BlockDecl>();
  /** Finished block classes in definition order (callees before callers), with the line that first wrote each. */
  private readonly classes = new Map<string, { text: string; where: string }>();
  private readonly helpers = new Set<string>();

  /** Defines a helper, and the helpers it calls, in the generated file. */
  private useHelper(name: string): void {
    this.helpers.add(name);
    for (const needed of helperDependencies[name as HelperName] ?? []) this.useHelper(needed);
  }

  /** Defines the helper class a module constructor names (`PadCausal(...)`, `Slice(...)`), if it is one. */
  private useModuleHelper(constructor: string): void {
    const name = /^(\w+)\(/.exec(constructor)?.[1];
    if (name && name in torchHelpers) this.useHelper(name);
  }
  private readonly modulePaths = new Map<number, string>();
  private readonly statementModules = new Map<number, string>();

  constructor(private readonly source: ExportSource) {
    this.nodes = source.graph.nodes;
    for (const block of source.analysis.file.blocks) if (!this.blocks.has(block.name)) this.blocks.set(block.name, block);
  }

  write(): PytorchExport {
    const { network, graph } = this.source;
    const writer = new ClassWriter(new Map(), '', false);
    const [first, ...rest] = network.declaration.body;
    const input = network.input ?? [];
    let flow: Flow = { variable: 'x', channels: numberExpr(input[0]) };
    const labels = new Map<string, Flow>();
    if (first?.label) this.bindLabel(writer, first.label.name, flow, labels);
    flow = this.body(writer, rest, flow, labels);
    if (this.cursor !== this.nodes.length) throw new Error(`export walk consumed ${this.cursor} of ${this.nodes.length} graph nodes`);
    if (graph.output !== this.nodes.length - 1) throw new Error('export walk: the network output is not the last node');
    const className = network.name;
    const doc = [
      `${className}: input [N, ${input.join(', ')}] -> output [N, ${(network.output ?? []).join(', ')}].`,
      '',
      `${network.params.trainable.toLocaleString('en-US')} trainable parameters, ${network.params.nonTrainable.toLocaleString('en-US')} non-trainable (running statistics),`,
      `${network.macs.toLocaleString('en-US')} multiply-accumulates per sample.`,
    ];
    const networkClass = this.classText(className, [], writer, flow, doc);
    const helperTexts = [...this.helpers].sort(helperOrder).map((h) => helperText(h));
    const header = [
      `"""${className}, exported by CNN Lens from its .cnn description.`,
      '',
      "Layouts and defaults are PyTorch's: tensors are [N, C, ...spatial], batch",
      'norm uses eps 1e-5 and momentum 0.1 unless the .cnn file says otherwise,',
      'and flatten keeps the channel-height-width order nn.Linear expects.',
      'Keras-style "same" padding with a stride is an explicit F.pad (pad_same),',
      'and so is padding="causal", all zeros in front (pad_causal).',
      '"""',
      'import torch',
      'from torch import nn',
      'import torch.nn.functional as F',
    ].join('\n');
    const code = [header, ...helperTexts, ...[...this.classes.values()].map((c) => c.text), networkClass].join('\n\n\n') + '\n';
    return { code, className, modulePaths: this.modulePaths, statementModules: this.statementModules };
  }

  /** Records that `statement`, when it is one of the network's own (not inside a residual or concat), is the attribute `member` alone. */
  private wholeStatement(writer: ClassWriter, statement: Statement, member: string, firstNode: GraphNode | undefined): void {
    if (!writer.isBlock && firstNode && this.source.network.declaration.body.includes(statement)) this.statementModules.set(firstNode.statement, member);
  }

  private fail(message: string, statement?: Statement): never {
    throw new ExportStop({ failure: statement ? `${describeStatement(this.source.text, statement.range)}: ${message}` : message, ...(statement ? { range: statement.range } : {}) });
  }

  private comment(statement: Statement): string {
    return `# line ${statement.range.start.line + 1}: ${statementText(this.source.text, statement.range)}`;
  }

  /** Takes the next graph node, which must belong to `range`'s statement. */
  private next(statement: Statement, range = statement.range): GraphNode {
    const node = this.nodes[this.cursor];
    if (!node || node.range.start.line !== range.start.line || node.range.start.character !== range.start.character) {
      throw new Error(`export walk out of step with the graph at ${describeStatement(this.source.text, statement.range)}`);
    }
    this.cursor++;
    return node;
  }

  private body(writer: ClassWriter, statements: Statement[], flow: Flow, labels: Map<string, Flow>): Flow {
    for (const statement of statements) {
      flow = this.statement(writer, statement, flow, labels);
      if (statement.label) this.bindLabel(writer, statement.label.name, flow, labels);
    }
    return flow;
  }

  private bindLabel(writer: ClassWriter, label: string, flow: Flow, labels: Map<string, Flow>): void {
    const variable = writer.local(pythonName(label));
    writer.forward.push(`${variable} = ${flow.variable}`);
    labels.set(label, { variable, channels: flow.channels });
  }

  private statement(writer: ClassWriter, statement: Statement, flow: Flow, labels: Map<string, Flow>): Flow {
    const body = statement.body;
    switch (body.kind) {
      case 'call': {
        const op = findOp(body.name);
        if (op) return this.op(writer, statement, body, flow, labels);
        const block = this.blocks.get(body.name);
        if (!block) this.fail(`'${body.name}' is neither an op nor a block`, statement);
        const member = writer.allocate(statement.label ? pythonName(statement.label.name) : snakeCase(block.name), !statement.label);
        this.wholeStatement(writer, statement, member, this.nodes[this.cursor]);
        const call = this.blockCall(writer, statement, body, block, flow, `${writer.prefix}${member}.`);
        writer.members.push(`self.${member} = ${call.constructor}  ${this.comment(statement)}`);
        writer.forward.push(`${flow.variable} = self.${member}(${flow.variable})`);
        return { variable: flow.variable, channels: call.channels };
      }
      case 'repeat':
        return this.repeat(writer, statement, flow);
      case 'residual': {
        const identity = writer.local('identity');
        writer.forward.push(`${identity} = ${flow.variable}  ${this.comment({ ...statement, range: { start: statement.range.start, end: body.keywordRange.end } })}`);
        const main = this.body(writer, body.body, flow, new Map(labels));
        let shortcut = identity;
        if (body.shortcut) {
          if (this.sequential(body.shortcut)) {
            const member = writer.allocate('shortcut', false);
            const sequence = this.sequence(writer, body.shortcut, { variable: identity, channels: flow.channels }, `${writer.prefix}${member}.`);
            const constructor = sequence.modules.length === 1 ? sequence.modules[0] : `nn.Sequential(${sequence.modules.join(', ')})`;
            if (sequence.modules.length === 1) this.unwrapSingle(`${writer.prefix}${member}.`);
            writer.members.push(
              `self.${member} = ${constructor}  # line ${body.shortcutRange ? body.shortcutRange.start.line + 1 : statement.range.start.line + 1}: shortcut { ${body.shortcut.map((s) => statementText(this.source.text, s.range)).join('; ')} }`,
            );
            shortcut = `self.${member}(${identity})`;
          } else {
            shortcut = this.body(writer, body.shortcut, { variable: identity, channels: flow.channels }, new Map(labels)).variable;
          }
        }
        this.next(statement, body.keywordRange);
        writer.forward.push(`${main.variable} = ${main.variable} + ${shortcut}`);
        return main;
      }
      case 'concatBlock': {
        const outputs: Flow[] = [];
        body.branches.forEach((branch) => {
          if (branch.body.length === 0) {
            outputs.push(flow);
            return;
          }
          const variable = writer.local('branch', true);
          writer.forward.push(`${variable} = ${flow.variable}`);
          outputs.push(this.body(writer, branch.body, { variable, channels: flow.channels }, new Map(labels)));
        });
        this.next(statement, body.keywordRange);
        writer.forward.push(
          `${flow.variable} = torch.cat([${outputs.map((o) => o.variable).join(', ')}], dim=1)  ${this.comment({ ...statement, range: { start: statement.range.start, end: body.keywordRange.end } })}`,
        );
        return { variable: flow.variable, channels: outputs.map((o) => o.channels).reduce((a, b) => binaryExpr('+', a, b)) };
      }
    }
  }

  /** A `residual` shortcut or repeat pass that is a plain chain of layers and block calls, which nn.Sequential can hold. */
  private sequential(statements: Statement[]): boolean {
    return statements.every((s) => !s.label && s.body.kind === 'call' && !findOp(s.body.name)?.signature.labels && (findOp(s.body.name) !== undefined || this.blocks.has(s.body.name)));
  }

  /** When an nn.Sequential of one module is written as that module, its tensors lose the `.0`. */
  private unwrapSingle(prefix: string): void {
    for (const [node, path] of this.modulePaths) {
      if (path.startsWith(`${prefix}0.`)) this.modulePaths.set(node, prefix + path.slice(prefix.length + 2));
    }
  }

  /** The modules of a plain chain, for nn.Sequential, with their tensors placed at `prefix` + index. */
  private sequence(writer: ClassWriter, statements: Statement[], flow: Flow, prefix: string): { modules: string[]; flow: Flow } {
    const modules: string[] = [];
    for (const statement of statements) {
      const body = statement.body as CallNode;
      const block = findOp(body.name) ? undefined : this.blocks.get(body.name);
      if (block) {
        const call = this.blockCall(writer, statement, body, block, flow, `${prefix}${modules.length}.`);
        modules.push(call.constructor);
        flow = { variable: flow.variable, channels: call.channels };
        continue;
      }
      const node = this.next(statement);
      const layer = this.layer(writer, statement, body, node, flow);
      if (layer.padModule) {
        this.useModuleHelper(layer.padModule);
        modules.push(layer.padModule);
      }
      const module = layer.module ?? layer.sequentialModule;
      if (!module) this.fail(`${node.written} has no nn.Module form for nn.Sequential`, statement);
      this.useModuleHelper(module);
      if (layer.module) this.modulePaths.set(node.id, `${prefix}${modules.length}.`);
      modules.push(module);
      if (layer.outChannels) flow = { variable: flow.variable, channels: layer.outChannels };
    }
    return { modules, flow };
  }

  private repeat(writer: ClassWriter, statement: Statement, flow: Flow): Flow {
    const body = statement.body;
    if (body.kind !== 'repeat' || !body.count) this.fail('repeat without a count', statement);
    if (!this.sequential(body.body)) {
      this.fail('the export writes a repeat as nn.Sequential, which needs a body of plain layers and block calls (no labels, residuals or concats); put the body in a block', statement);
    }
    const passes = this.passCount(statement);
    const single = body.body.length === 1 && this.blocks.has((body.body[0].body as CallNode).name) ? (body.body[0].body as CallNode).name : undefined;
    const member = writer.allocate(statement.label ? pythonName(statement.label.name) : single ? `${snakeCase(single)}s` : 'layers', false);
    const prefix = `${writer.prefix}${member}.`;
    this.wholeStatement(writer, statement, member, this.nodes[this.cursor]);
    const texts: string[] = [];
    let current = flow;
    for (let pass = 0; pass < passes; pass++) {
      const sequence = this.sequence(writer, body.body, current, `${prefix}${pass}.`);
      if (single) {
        this.unwrapSingle(`${prefix}${pass}.`);
        texts.push(sequence.modules[0]);
      } else texts.push(`nn.Sequential(${sequence.modules.join(', ')})`);
      current = sequence.flow;
    }
    const countExpr = body.count;
    const countText = writer.isBlock && mentionsName(countExpr) ? pythonExpr(countExpr, writer.rename) : String(passes);
    let constructor: string;
    if (texts.every((t) => t === texts[0])) constructor = `nn.Sequential(*[${texts[0]} for _ in range(${countText})])`;
    else if (texts.slice(1).every((t) => t === texts[1])) {
      const rest = /^\d+$/.test(countText ?? '') ? String(passes - 1) : `${countText} - 1`;
      constructor = `nn.Sequential(${texts[0]}, *[${texts[1]} for _ in range(${rest})])`;
    } else constructor = `nn.Sequential(${texts.join(', ')})`;
    writer.members.push(`self.${member} = ${constructor}  ${this.comment(statement)}`);
    writer.forward.push(`${flow.variable} = self.${member}(${flow.variable})`);
    return { variable: flow.variable, channels: current.channels };
  }

  /** How many passes the repeat at `statement` ran: the pass groups under its outer group. */
  private passCount(statement: Statement): number {
    const groups = this.source.graph.groups;
    const node = this.nodes[this.cursor];
    for (let id = node?.group; id !== undefined; id = groups[id].parent) {
      const group = groups[id];
      if (group.kind === 'repeat' && group.range.start.line === statement.range.start.line && group.range.start.character === statement.range.start.character && group.label.startsWith('repeat ×')) {
        return groups.filter((g) => g.parent === id).length;
      }
    }
    this.fail('cannot find this repeat in the graph', statement);
  }

  /** Writes a block call: its class (once per block, checked equal for every call) and the constructor call with channel count. */
  private blockCall(writer: ClassWriter, statement: Statement, call: CallNode, block: BlockDecl, flow: Flow, prefix: string): { constructor: string; channels: Expr } {
    // Arguments bind as the analyser binds them: by keyword, else by position; defaults in the block's scope.
    const env = new Map<string, Value>();
    const replacements = new Map<string, Expr>([[inChannelsName, flow.channels]]);
    const positional = call.args.filter((a) => a.key === undefined);
    const textOf = (range: Statement['range']) => statementText(this.source.text, range);
    for (const [index, param] of block.params.entries()) {
      const given = call.args.find((a) => a.key === param.name) ?? positional[index];
      const expr = given ? given.value : param.defaultValue;
      if (!expr) this.fail(`block ${block.name} misses its argument ${param.name}`, statement);
      const value = evaluate(expr, given ? writer.env : env, textOf);
      if (isError(value)) this.fail(value.message, statement);
      env.set(param.name, value);
      replacements.set(param.name, given ? expr : substitute(expr, replacements));
    }
    const inner = new ClassWriter(env, prefix, true);
    const out = this.body(inner, block.body, { variable: 'x', channels: nameExpr(inChannelsName) }, new Map());
    const params = block.params.map((p) => {
      if (!p.defaultValue) return pythonName(p.name);
      const text = mentionsName(p.defaultValue) ? undefined : pythonExpr(p.defaultValue, inner.rename);
      return `${pythonName(p.name)}=${text ?? 'None'}`;
    });
    const preamble = block.params
      .filter((p) => p.defaultValue && mentionsName(p.defaultValue))
      .map((p) => `if ${pythonName(p.name)} is None:\n            ${pythonName(p.name)} = ${pythonExpr(p.defaultValue!, inner.rename)}`);
    const className = this.className(block.name);
    const text = this.classText(
      className,
      ['in_channels', ...params],
      inner,
      out,
      [
        `block ${block.name}(${block.params.map((p) => (p.defaultValue ? `${p.name} = ${statementText(this.source.text, p.defaultValue.range)}` : p.name)).join(', ')}) from line ${block.range.start.line + 1}.`,
      ],
      preamble,
    );
    const earlier = this.classes.get(block.name);
    if (earlier && earlier.text !== text) {
      const mine = text.split('\n');
      const theirs = earlier.text.split('\n');
      const at = mine.findIndex((line, i) => line !== theirs[i]);
      this.fail(
        `block ${block.name} cannot be one PyTorch class: this call needs\n    ${(mine[at] ?? '').trim()}\nwhere ${earlier.where} needs\n    ${(theirs[at] ?? '').trim()}\n(a setting that depends on the input size rather than on the block's parameters)`,
        statement,
      );
    }
    if (!earlier) this.classes.set(block.name, { text, where: `line ${statement.range.start.line + 1}` });
    const args = [
      pythonExpr(fold(flow.channels), writer.rename) ?? '?',
      ...call.args.map((a) => {
        const value = writer.isBlock && mentionsName(a.value) ? pythonExpr(a.value, writer.rename) : pythonExpr(a.value, writer.rename);
        return a.key === undefined ? value : `${pythonName(a.key)}=${value}`;
      }),
    ];
    return { constructor: `${className}(${args.join(', ')})`, channels: fold(substitute(out.channels, replacements)) };
  }

  private className(blockName: string): string {
    const name = isPythonIdentifier(blockName) ? blockName : pythonName(blockName);
    const taken = [...Object.keys(torchHelpers), 'SeparableConv1d', 'SeparableConv2d', 'SeparableConv3d', this.source.network.name];
    return taken.includes(name) ? `${name}Block` : name;
  }

  private op(writer: ClassWriter, statement: Statement, call: CallNode, flow: Flow, labels: Map<string, Flow>): Flow {
    const op = findOp(call.name)!;
    if (op.signature.labels) {
      this.next(statement);
      const others = call.args.map((a) => (a.value.kind === 'name' ? labels.get(a.value.name) : undefined));
      if (others.some((o) => !o)) this.fail('a merge names a label the export cannot find', statement);
      const names = others.map((o) => o!.variable);
      const comment = this.comment(statement);
      switch (op.names[0]) {
        case 'add':
          writer.forward.push(`${flow.variable} = ${[flow.variable, ...names].join(' + ')}  ${comment}`);
          return flow;
        case 'multiply':
          writer.forward.push(`${flow.variable} = ${[flow.variable, ...names].join(' * ')}  ${comment}`);
          return flow;
        case 'concat':
          writer.forward.push(`${flow.variable} = torch.cat([${[flow.variable, ...names].join(', ')}], dim=1)  ${comment}`);
          return { variable: flow.variable, channels: others.map((o) => o!.channels).reduce((a, b) => binaryExpr('+', a, b), flow.channels) };
        default:
          this.fail(`no PyTorch form for the merge '${call.name}'`, statement);
      }
    }
    const node = this.next(statement);
    let symbolic = false;
    let layer = this.layer(writer, statement, call, node, flow, () => (symbolic = true), labels);
    const x = flow.variable;
    const comment = this.comment(statement);
    if (!layer.module && symbolic && layer.sequentialModule) {
      // forward cannot see the constructor's arguments, so a layer set by block parameters becomes a module that keeps them.
      layer = { module: layer.sequentialModule, name: node.op, ...(layer.outChannels ? { outChannels: layer.outChannels } : {}) };
      const pad = this.layer(writer, statement, call, node, flow, () => undefined, labels).padModule;
      if (pad) {
        this.useModuleHelper(pad);
        const padMember = writer.allocate('pad', true);
        writer.members.push(`self.${padMember} = ${pad}  ${comment}`);
        writer.forward.push(`${x} = self.${padMember}(${x})`);
      }
    }
    if (layer.module) {
      this.useModuleHelper(layer.module);
      const member = writer.allocate(statement.label ? pythonName(statement.label.name) : (layer.name ?? pythonName(node.op)), !statement.label);
      writer.members.push(`self.${member} = ${layer.module}  ${comment}`);
      this.modulePaths.set(node.id, `${writer.prefix}${member}.`);
      if (!layer.padBefore) this.wholeStatement(writer, statement, member, node);
      if (layer.padBefore) writer.forward.push(`${x} = ${layer.padBefore(x, `self.${member}`)}`);
      writer.forward.push(`${x} = self.${member}(${x})`);
    } else if (layer.call) {
      if (layer.padBefore) writer.forward.push(`${x} = ${layer.padBefore(x, '')}`);
      const expression = layer.call(x);
      writer.forward.push(expression === x ? comment : `${x} = ${expression}  ${comment}`);
    }
    return layer.outChannels ? { variable: x, channels: layer.outChannels } : flow;
  }

  /** Asks the op table for a layer, with this call's arguments; an op the table lacks stops the export. */
  private layer(writer: ClassWriter, statement: Statement, call: CallNode, node: GraphNode, flow: Flow, onSymbolic: () => void = () => undefined, labels?: ReadonlyMap<string, Flow>): TorchLayer {
    const op = findOp(call.name)!;
    const written = (name: string): Expr | undefined => {
      const index = op.signature.positional.findIndex((spec) => spec.name === name);
      const positional = call.args.filter((a) => a.key === undefined);
      return (call.args.find((a) => a.key === name) ?? (index >= 0 ? positional[index] : undefined))?.value;
    };
    const symbolic = (name: string): Expr | undefined => {
      const expr = written(name);
      if (!expr || !writer.isBlock || !mentionsName(expr)) return undefined;
      onSymbolic();
      return expr;
    };
    const textOf = (range: Statement['range']) => statementText(this.source.text, range);
    const context: TorchOpContext = {
      node,
      rank: node.inShapes[0].length - 1,
      inChannels: pythonExpr(fold(flow.channels), writer.rename) ?? String(node.inShapes[0][0]),
      inChannelsExpr: flow.channels,
      arg: (name, fallback, integer = true) => {
        const expr = symbolic(name);
        return (expr && pythonExpr(expr, writer.rename, integer)) ?? pythonLiteral(fallback);
      },
      argExpr: symbolic,
      argValue: (name) => {
        const expr = written(name);
        if (!expr) return undefined;
        const value = evaluate(expr, writer.env, textOf);
        return isError(value) ? undefined : value;
      },
      useHelper: (name) => {
        this.useHelper(name === 'SeparableConv' ? `SeparableConv${node.inShapes[0].length - 1}d` : name);
      },
      labelVariable: (name) => {
        const expr = written(name);
        return expr?.kind === 'name' ? labels?.get(expr.name)?.variable : undefined;
      },
    };
    const layer = torchLayer(context);
    if ('unsupported' in layer) this.fail(`PyTorch export cannot express ${layer.unsupported}`, statement);
    return layer;
  }

  private classText(name: string, params: string[], writer: ClassWriter, out: Flow, doc: string[], preamble: string[] = []): string {
    const lines = [`class ${name}(nn.Module):`, `    """${doc.join('\n    ')}"""`, ''];
    lines.push(`    def __init__(${['self', ...params].join(', ')}):`, '        super().__init__()');
    for (const line of preamble) lines.push(`        ${line}`);
    for (const member of writer.members) lines.push(`        ${member}`);
    lines.push('', '    def forward(self, x):');
    for (const line of writer.forward) lines.push(`        ${line}`);
    lines.push(`        return ${out.variable}`);
    return lines.join('\n');
  }
}

/** Functions first, then the classes (which may call them), each in alphabetical order. */
function helperOrder(a: string, b: string): number {
  const rank = (h: string) => (/^[a-z]/.test(h) ? 0 : 1);
  return rank(a) - rank(b) || a.localeCompare(b);
}

function helperText(name: string): string {
  const separable = /^SeparableConv(\d)d$/.exec(name);
  if (separable) return torchHelpers.SeparableConv.replace(/\{R\}/g, separable[1]);
  return torchHelpers[name as HelperName];
}
