/**
 * Reads one file out of a zip archive (a Keras `.keras` file holds its model
 * as `config.json`). A small central-directory reader over Node's zlib: no zip
 * library is among the project's dependencies, and a `.keras` file needs only
 * stored or deflated entries.
 */
import { inflateRawSync } from 'node:zlib';

/** The bytes of `name` in the archive, undefined when it is not there; throws on a damaged archive. */
export function readZipEntry(archive: Uint8Array, name: string): Uint8Array | undefined {
  const view = new DataView(archive.buffer, archive.byteOffset, archive.byteLength);
  // The end-of-central-directory record sits in the last 64 KiB + 22 bytes (after an optional comment).
  let end = -1;
  for (let at = archive.length - 22; at >= Math.max(0, archive.length - 65557); at--) {
    if (view.getUint32(at, true) === 0x06054b50) {
      end = at;
      break;
    }
  }
  if (end < 0) throw new Error('no zip central directory (the archive is truncated or not a zip file)');
  const entries = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  const decoder = new TextDecoder();
  for (let i = 0; i < entries; i++) {
    if (at + 46 > archive.length || view.getUint32(at, true) !== 0x02014b50) throw new Error('a damaged zip central directory');
    const method = view.getUint16(at + 10, true);
    const compressedSize = view.getUint32(at + 20, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const localHeader = view.getUint32(at + 42, true);
    const entryName = decoder.decode(archive.subarray(at + 46, at + 46 + nameLength));
    at += 46 + nameLength + extraLength + commentLength;
    if (entryName !== name) continue;
    if (localHeader + 30 > archive.length || view.getUint32(localHeader, true) !== 0x04034b50) throw new Error(`a damaged zip entry '${name}'`);
    const dataStart = localHeader + 30 + view.getUint16(localHeader + 26, true) + view.getUint16(localHeader + 28, true);
    const data = archive.subarray(dataStart, dataStart + compressedSize);
    if (data.length !== compressedSize) throw new Error(`the zip entry '${name}' is truncated`);
    if (method === 0) return data;
    if (method === 8) return inflateRawSync(data);
    throw new Error(`the zip entry '${name}' uses compression method ${method}; only stored and deflated entries are read`);
  }
  return undefined;
}
