// The safetensors writer read back by torch (by hand, as torch 1.13 has no
// safetensors package) and by the preview's own loader.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeSafetensors } from '../../src/core/safetensors';
import { parseSafetensors } from '../../webview/src/engine/safetensors';
import { requirePython, runPython } from '../python';

const tensors = [
  { name: 'conv.weight', shape: [2, 1, 1, 3], data: new Float32Array([1, -2, 3.5, 4, 5, 6]) },
  { name: 'conv.bias', shape: [2], data: new Float32Array([0.25, -0.125]) },
  { name: 'scale', shape: [], data: new Float32Array([7]) },
];

describe('safetensors writer', function () {
  it('pads the header to 8 bytes and keeps the given order', function () {
    const bytes = encodeSafetensors(tensors, { format: 'pt' });
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    assert.equal((8 + headerLength) % 8, 0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
    assert.deepEqual(Object.keys(header), ['__metadata__', 'conv.weight', 'conv.bias', 'scale']);
    assert.deepEqual(header['conv.bias'], { dtype: 'F32', shape: [2], data_offsets: [24, 32] });
    assert.equal(bytes.length, 8 + headerLength + 36);
  });

  it('is read back by the preview loader', function () {
    const bytes = encodeSafetensors(tensors);
    const read = parseSafetensors(bytes.slice().buffer);
    assert.deepEqual(
      read.map((t) => [t.name, t.shape, Array.from(t.read())]),
      tensors.map((t) => [t.name, t.shape, Array.from(t.data)]),
    );
  });

  it('rejects a duplicate name and a shape that does not fit', function () {
    assert.throws(() => encodeSafetensors([tensors[1], tensors[1]]), /appears twice/);
    assert.throws(() => encodeSafetensors([{ name: 'x', shape: [3], data: new Float32Array(2) }]), /shape \[3\] but 2 values/);
  });

  it('is read by torch', function () {
    this.timeout(60_000);
    requirePython(this, ['torch']);
    const dir = mkdtempSync(join(tmpdir(), 'cnn-st-'));
    try {
      const path = join(dir, 'w.safetensors');
      writeFileSync(path, encodeSafetensors(tensors));
      const out = runPython(
        `import sys, json, struct, torch
raw = open(sys.argv[1], 'rb').read()
n = struct.unpack('<Q', raw[:8])[0]
header = json.loads(raw[8:8 + n])
for name, e in header.items():
    b, end = e['data_offsets']
    t = torch.frombuffer(bytearray(raw[8 + n + b: 8 + n + end]), dtype=torch.float32).reshape(e['shape'])
    print(name, list(t.shape), t.flatten().tolist())`,
        [path],
      );
      assert.equal(out.trim(), ['conv.weight [2, 1, 1, 3] [1.0, -2.0, 3.5, 4.0, 5.0, 6.0]', 'conv.bias [2] [0.25, -0.125]', 'scale [] [7.0]'].join('\n'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
