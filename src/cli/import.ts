/**
 * `cnn import MODEL [-o OUT.cnn] [--weights-out W.safetensors] [--network NAME]`:
 * reads a model file, has the core write it as `.cnn`, and writes the text and
 * the weights. Both files appear only when the whole import succeeded (each is
 * written beside its target and renamed into place), so a failure leaves no
 * partial file. Exit codes: 0 written, 1 the model uses something `.cnn`
 * cannot express, 2 usage or I/O.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { hdf5Message, importModelFile, importOnnx, isHdf5File, isZipArchive, looksLikeJson, type ImportResult } from '../core/import';
import { importKerasArchive } from '../node/kerasArchive';
import { safetensorsHeader } from '../core/safetensors';

/** Largest model read: ResNet-152 is about 240 MB, and Node buffers stop at 2 GiB. */
const maxModelBytes = 2 * 1024 * 1024 * 1024 - 1;

function fail(message: string, code: number): number {
  process.stderr.write(`cnn: ${message}\n`);
  return code;
}

/** Runs the import command; returns the exit code. */
export function runImport(path: string, options: { output?: string; weightsOut?: string; network?: string }): number {
  if (options.network !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(options.network)) {
    return fail(`--network must be a .cnn name (letters, digits and _, not starting with a digit), not '${options.network}'.`, 2);
  }
  let size: number;
  let fd: number;
  try {
    const stats = statSync(path);
    if (stats.isDirectory()) return fail(`${path} is a directory; give an .onnx, .keras or model.json file.`, 2);
    if (stats.size > maxModelBytes) return fail(`${path} is ${(stats.size / 1e9).toFixed(1)} GB, larger than the 2 GB CNN Lens reads.`, 2);
    size = stats.size;
    fd = openSync(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return fail(`cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`, 2);
  }
  try {
    return importFrom(path, fd, size, options);
  } catch (error) {
    return fail(`cannot read ${path}: ${(error as Error).message}`, 2);
  } finally {
    closeSync(fd);
  }
}

/** Reads `length` bytes at `offset` into a buffer of their own (aligned, so float views need no copy). */
function readAt(fd: number, offset: number, length: number): Uint8Array {
  // Not zero-filled first (every byte is read into it) and not from Node's shared pool (which would share the buffer and misalign floats).
  const bytes = Buffer.allocUnsafeSlow(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, bytes, done, length - done, offset + done);
    if (n === 0) throw new Error(`the file ended at byte ${offset + done} while ${length} bytes were read from ${offset}`);
    done += n;
  }
  return bytes;
}

function importFrom(path: string, fd: number, size: number, options: { output?: string; weightsOut?: string; network?: string }): number {
  // With --weights-out a tfjs model.json's weight shards are read from beside it.
  const readShard = (shard: string) => {
    const shardPath = join(dirname(path), shard);
    return existsSync(shardPath) ? new Uint8Array(readFileSync(shardPath)) : undefined;
  };
  const fileOptions = { fileName: basename(path), networkName: options.network, readShard: options.weightsOut ? readShard : undefined };
  const head = readAt(fd, 0, Math.min(size, 4096));
  let result: ImportResult;
  if (isZipArchive(head)) {
    // A .keras archive: its weights file is decoded only when the weights are wanted, so a damaged one does not stop the structure's import.
    result = importKerasArchive(readAt(fd, 0, size), fileOptions, options.weightsOut ? 'required' : 'none');
  } else if (isHdf5File(head)) return fail(hdf5Message(basename(path)), 2);
  else if (size === 0 || looksLikeJson(head)) result = importModelFile(readAt(fd, 0, size), fileOptions);
  // ONNX: the structure is read now and each weight only when it is written out, straight from the file.
  else result = importOnnx({ byteLength: size, read: (offset, length) => readAt(fd, offset, length) }, fileOptions);
  if (!result.ok) {
    if (result.kind === 'unreadable') return fail(result.message, 2);
    process.stderr.write(`cnn: ${path}: ${result.message}\n`);
    process.stderr.write(`cnn: the partial output stops at line ${result.line}; nothing was written. Partial output:\n${result.partialText}`);
    return 1;
  }
  const { model } = result;
  if (options.weightsOut && !model.weightsAvailable) {
    return fail(
      `--weights-out writes weights read from an ONNX file, a .keras archive or a tfjs model.json with its weight shards; ${basename(path)} holds only the Keras structure (no weightsManifest).`,
      2,
    );
  }
  const pending: { temp: string; target: string }[] = [];
  try {
    if (options.output) {
      const temp = `${options.output}.${process.pid}.tmp`;
      pending.push({ temp, target: options.output });
      writeFileSync(temp, model.text);
    }
    if (options.weightsOut) {
      const temp = `${options.weightsOut}.${process.pid}.tmp`;
      pending.push({ temp, target: options.weightsOut });
      // Streamed tensor by tensor: each is read from the model file as it is written, so no more than one is held.
      const out = openSync(temp, 'w');
      try {
        writeSync(
          out,
          safetensorsHeader(
            model.tensors.map((t) => ({ name: t.key, shape: t.tensor.shape })),
            { format: 'pt', source: basename(path), network: model.networkName },
          ),
        );
        for (const { tensor } of model.tensors) {
          const data = tensor.read();
          writeSync(out, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
        }
      } finally {
        closeSync(out);
      }
    }
    for (const { temp, target } of pending) renameSync(temp, target);
  } catch (error) {
    for (const { temp } of pending) rmSync(temp, { force: true });
    return fail(`cannot write ${pending[pending.length - 1]?.target}: ${(error as Error).message}`, 2);
  }
  if (!options.output) process.stdout.write(model.text);
  const p = model.params;
  process.stderr.write(
    `cnn: imported ${basename(path)} as network ${model.networkName}: ${p.trainable.toLocaleString('en-US')} trainable and ${p.nonTrainable.toLocaleString('en-US')} non-trainable parameters, output ${model.outputShape.join('x')}, ${model.macs.toLocaleString('en-US')} MACs` +
      `${options.output ? `; wrote ${options.output}` : ''}${options.weightsOut ? ` and ${model.tensors.length} tensors to ${options.weightsOut}` : ''}.\n`,
  );
  return 0;
}
