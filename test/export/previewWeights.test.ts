/**
 * From the preview, the weights the panel runs go with the exported code.
 * PyTorch writes a state_dict (its own random initialisation, running
 * statistics changed from their defaults) as safetensors in Python's sorted
 * key order; the real panel bundle in headless Chromium loads it as Import
 * Model… hands it over, and its Export… button posts the export request.
 * The host's side then runs as the extension does: the message is checked at
 * the boundary, the weight file written where the server can read it, and the
 * export made with it. The exported safetensors must hold exactly the loaded
 * tensors under the same state_dict keys, and the exported .py must load them
 * with strict=True and compute what the torch model computed.
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { runExport } from '../../src/cli/export';
import { writeLoadedWeights } from '../../src/client/loadedWeights';
import { checkWebviewMessage, type HostMessage, type WebviewMessage } from '../../src/protocol/preview';
import { parseSafetensors } from '../../webview/src/engine/safetensors';
import { requirePython, runPython } from '../python';
import { launchChromium, startStaticServer } from '../webview/browser';

const NETWORK = `network Small {
  input(3x16x16)
  conv(8, 3, padding=1)
  batchnorm
  relu
  maxpool(2)
  conv(16, 3, bias=false)
  layer_scale(init=0.5)
  global_avgpool
  dense(10)
}
`;

/**
 * Builds the exported class with torch's own initialisation (seed 7), moves
 * the batch-norm statistics and the layer scale off their defaults, writes
 * the state_dict as safetensors (keys sorted, as the Python writer does) and
 * prints the output on a fixed input.
 */
const TORCH_WEIGHTS = `
import importlib.util, json, struct, sys
import torch
module_path, out_path = sys.argv[1], sys.argv[2]
spec = importlib.util.spec_from_file_location("exported", module_path)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
torch.manual_seed(7)
model = module.Small()
with torch.no_grad():
    for name, buffer in model.named_buffers():
        if buffer.dtype.is_floating_point:
            buffer.copy_(torch.rand_like(buffer) + 0.5)
    for name, parameter in model.named_parameters():
        if "layer_scale" in name:
            parameter.copy_(torch.rand_like(parameter))
state = {k: v.contiguous() for k, v in model.state_dict().items() if v.dtype == torch.float32}
header, blobs, offset = {}, [], 0
for key in sorted(state):
    data = state[key].numpy().tobytes()
    header[key] = {"dtype": "F32", "shape": list(state[key].shape), "data_offsets": [offset, offset + len(data)]}
    blobs.append(data)
    offset += len(data)
text = json.dumps(header).encode()
text += b" " * (-len(text) % 8)
with open(out_path, "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
model.eval()
x = torch.linspace(-1, 1, 3 * 16 * 16).reshape(1, 3, 16, 16)
with torch.no_grad():
    print(json.dumps(model(x).reshape(-1).tolist()))
`;

/** Loads the exported module with the exported weights (strict) and prints its output on the same input. */
const TORCH_RUN = `
import importlib.util, json, struct, sys
import numpy as np
import torch
module_path, weights_path = sys.argv[1], sys.argv[2]
spec = importlib.util.spec_from_file_location("exported", module_path)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
data = open(weights_path, "rb").read()
length = struct.unpack("<Q", data[:8])[0]
header = json.loads(data[8:8 + length])
state = {}
for key, entry in header.items():
    if key == "__metadata__":
        continue
    start, end = entry["data_offsets"]
    array = np.frombuffer(data, dtype="<f4", count=(end - start) // 4, offset=8 + length + start)
    state[key] = torch.from_numpy(array.copy()).reshape(entry["shape"])
model = module.Small()
model.load_state_dict(state, strict=True)
model.eval()
x = torch.linspace(-1, 1, 3 * 16 * 16).reshape(1, 3, 16, 16)
with torch.no_grad():
    print(json.dumps(model(x).reshape(-1).tolist()))
`;

/** Stands in for VS Code's webview API: records posted messages. */
const fakeVsCode = `
  window.__posted = [];
  window.acquireVsCodeApi = () => ({
    postMessage: (message) => window.__posted.push(message),
    getState: () => undefined,
    setState: () => undefined,
  });
`;

async function send(page: Page, message: HostMessage): Promise<void> {
  await page.evaluate(
    ({ m, bytes }) => {
      const message = bytes ? { ...m, bytes: new Uint8Array(bytes) } : m;
      (globalThis as unknown as { postMessage(message: unknown, origin: string): void }).postMessage(message, '*');
    },
    { m: { ...message, bytes: undefined } as unknown as Record<string, unknown>, bytes: 'bytes' in message ? Array.from(message.bytes as Uint8Array) : undefined },
  );
}

/** The panel's latest export request, with its bytes as Uint8Arrays again (they cross into the test as number arrays). */
async function exportRequest(page: Page): Promise<unknown> {
  const plain = await page.evaluate(() => {
    const posted = (globalThis as unknown as { __posted: WebviewMessage[] }).__posted.filter((m) => m.type === 'exportNetwork');
    const last = posted.pop() as (WebviewMessage & { type: 'exportNetwork' }) | undefined;
    if (!last) return undefined;
    const bytesOf = (b: Uint8Array) => ({ array: Array.from(b), isBytes: b instanceof Uint8Array });
    return {
      ...last,
      weights: last.weights && { ...last.weights, bytes: bytesOf(last.weights.bytes), extraFiles: last.weights.extraFiles?.map((f) => ({ ...f, bytes: bytesOf(f.bytes) })) },
    };
  });
  if (!plain?.weights) return plain;
  const back = (b: { array: number[]; isBytes: boolean }) => (b.isBytes ? Uint8Array.from(b.array) : b.array);
  return {
    ...plain,
    weights: { ...plain.weights, bytes: back(plain.weights.bytes), ...(plain.weights.extraFiles ? { extraFiles: plain.weights.extraFiles.map((f) => ({ ...f, bytes: back(f.bytes) })) } : {}) },
  };
}

describe('the preview exports the weights it runs', function () {
  this.timeout(300_000);
  let browser: Browser | undefined;
  let server: Awaited<ReturnType<typeof startStaticServer>> | undefined;
  let page: Page;
  let directory = '';
  let torchFile: Uint8Array;
  let torchOutput: number[];

  before(async function () {
    requirePython(this, ['torch', 'numpy']);
    directory = mkdtempSync(join(tmpdir(), 'cnn-preview-export-'));
    const code = join(directory, 'small_seed.py');
    runExport('small.cnn', NETWORK, { to: 'pytorch', output: code });
    const weightsPath = join(directory, 'small_torch.safetensors');
    torchOutput = JSON.parse(runPython(TORCH_WEIGHTS, [code, weightsPath])) as number[];
    torchFile = new Uint8Array(readFileSync(weightsPath));
    server = await startStaticServer();
    browser = await launchChromium();
    page = await browser.newPage();
    await page.addInitScript(fakeVsCode);
    // A loaded machine takes its time over the panel's bundle.
    await page.goto(`${server.url}/test/webview/panel.html`, { timeout: 120_000 });
    await page.waitForFunction(() => (globalThis as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
    await send(page, { type: 'source', uri: 'file:///workspace/small.cnn', fileName: 'small.cnn', version: 1, text: NETWORK });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  it('sends no weights with the export while the panel runs the seeded initialisation', async () => {
    await page.getByTestId('export-network').click();
    const request = (await exportRequest(page)) as { type: string; weights?: unknown };
    assert.equal(request.type, 'exportNetwork');
    assert.equal(request.weights, undefined);
  });

  it('sends the loaded torch weights, and the export writes exactly them under the same state_dict keys', async () => {
    await send(page, { type: 'weights', name: 'small_torch.safetensors', bytes: torchFile });
    await page.waitForFunction(`document.querySelector('[data-testid="weights"]')?.value === 'file:small_torch.safetensors'`);
    await page.getByTestId('export-network').click();
    const checked = checkWebviewMessage(await exportRequest(page));
    assert.ok(checked.ok, checked.ok ? '' : checked.reason);
    const message = checked.message;
    assert.ok(message.type === 'exportNetwork' && message.weights, 'the request carries the weights');
    assert.equal(message.weights.name, 'small_torch.safetensors');
    assert.deepEqual(message.weights.bytes, torchFile);

    // The host's side, as exportCommand.ts runs it: the file beside nothing else, handed to the export by path.
    const written = writeLoadedWeights(message.weights, directory);
    const code = join(directory, 'small.py');
    const weightsOut = join(directory, 'small.safetensors');
    try {
      runExport('small.cnn', NETWORK, { to: 'pytorch', network: message.network, output: code, weightsOut, weights: written.path });
    } finally {
      written.remove();
    }
    assert.equal(existsSync(join(written.path, '..')), false, 'the folder made for the weights is removed');
    const exported = new Map(parseSafetensors(new Uint8Array(readFileSync(weightsOut)).buffer).map((t) => [t.name, t]));
    const loaded = parseSafetensors(torchFile.slice().buffer);
    assert.deepEqual([...exported.keys()].sort(), loaded.map((t) => t.name).sort());
    for (const tensor of loaded) {
      const mine = exported.get(tensor.name)!;
      assert.deepEqual(mine.shape, tensor.shape, tensor.name);
      assert.deepEqual(mine.read(), tensor.read(), tensor.name);
    }
    const output = JSON.parse(runPython(TORCH_RUN, [code, weightsOut])) as number[];
    assert.deepEqual(output, torchOutput);
  });

  it('refuses an export request whose weight names would leave their folder', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const cases: [unknown, RegExp][] = [
      [{ type: 'exportNetwork', weights: { name: '../w.safetensors', bytes } }, /'name' should be a plain file name/],
      [
        { type: 'exportNetwork', weights: { name: 'model.json', bytes, extraFiles: [{ name: '../../etc/shard.bin', bytes }] } },
        /extraFiles\[0\] is named "..\/..\/etc\/shard.bin", refused because it leaves the model's folder/,
      ],
      [{ type: 'exportNetwork', weights: { name: 'w.safetensors', bytes: { type: 'Buffer', data: [1, 2, 3] } } }, /'bytes' should be bytes .*JSON-serialised Node Buffer/],
      [{ type: 'exportNetwork', weights: 'w.safetensors' }, /'weights' should be an object/],
    ];
    for (const [value, reason] of cases) {
      const checked = checkWebviewMessage(value);
      assert.ok(!checked.ok, JSON.stringify(value));
      assert.match(checked.reason, reason);
    }
    assert.throws(() => writeLoadedWeights({ name: 'model.json', bytes, extraFiles: [{ name: '/abs/shard.bin', bytes }] }, directory), /refused because it is an absolute path/);
  });

  it('writes a model.json with its shards in their manifest folders', () => {
    const shard = new Uint8Array([9, 8, 7, 6]);
    const written = writeLoadedWeights({ name: 'model.json', bytes: new TextEncoder().encode('{}'), extraFiles: [{ name: 'group1/shard1of1.bin', bytes: shard }] }, directory);
    try {
      assert.equal(readFileSync(written.path, 'utf8'), '{}');
      assert.deepEqual(new Uint8Array(readFileSync(join(written.path, '..', 'group1', 'shard1of1.bin'))), shard);
    } finally {
      written.remove();
    }
    assert.equal(existsSync(join(written.path, '..')), false, 'the folder made for them is removed');
  });
});
