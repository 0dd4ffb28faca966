/** Signature help while typing a call's arguments: the op's (or block's) signature with the current argument highlighted. */
import { MarkupKind, type SignatureHelp, type SignatureHelpParams, type SignatureInformation } from 'vscode-languageserver';
import { allArgs, findOp, signatureText } from '../core';
import { callContextAt } from './callContext';
import type { DocumentStore } from './documents';

export const signatureTriggers = ['(', ','];

export function signatureHelp(store: DocumentStore, params: SignatureHelpParams): SignatureHelp | null {
  const analyzed = store.analysisOf(params.textDocument.uri);
  if (!analyzed) return null;
  const call = callContextAt(analyzed.document, params.position);
  if (!call) return null;
  let signature: SignatureInformation;
  let names: string[];
  const op = findOp(call.name);
  const block = analyzed.analysis.file.blocks.find((b) => b.name === call.name);
  if (op) {
    const args = allArgs(op);
    const label = signatureText(call.name, op);
    names = args.map((a) => a.name);
    signature = {
      label,
      documentation: { kind: MarkupKind.Markdown, value: op.summary },
      // Offsets into the label, so that editors highlight exactly the argument even when names repeat.
      parameters: args.map((a) => ({ label: parameterOffsets(label, a.name), documentation: a.doc })),
    };
  } else if (block) {
    names = block.params.map((p) => p.name);
    const label = `${block.name}(${names.join(', ')})`;
    signature = { label, documentation: `block ${block.name}`, parameters: names.map((n) => ({ label: parameterOffsets(label, n) })) };
  } else {
    return null;
  }
  let active = call.keyword ? names.indexOf(call.keyword) : call.argumentIndex;
  if (op?.signature.labels) active = -1;
  return { signatures: [signature], activeSignature: 0, activeParameter: active >= 0 && active < names.length ? active : undefined };
}

/** Where parameter `name` sits in a `name(a, b=1, ...)` label. */
function parameterOffsets(label: string, name: string): [number, number] {
  const match = new RegExp(`[(,] ?(${name})\\b`).exec(label);
  const start = match ? match.index + match[0].indexOf(name, 1) : 0;
  return [start, start + name.length];
}
