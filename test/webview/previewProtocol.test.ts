/**
 * The preview's message boundary (src/protocol/preview.ts) in Node: every
 * message is checked at run time, malformed ones are rejected with a reason
 * that names the field, file contents must arrive as bytes (never as the
 * JSON form of a Node Buffer, which is how they arrived in real VS Code), and
 * a tfjs model's shard paths cannot leave the model's folder.
 */
import { strict as assert } from 'node:assert';
import { checkHostMessage, checkWebviewMessage, parseLabels, plainBytes, requestIdOf, shardPathProblem } from '../../src/protocol/preview';
import { imagenetClassNames } from '../../webview/src/views/imagenetClasses';
import { requirePython, runPython } from '../python';

const range = { start: { line: 3, character: 2 }, end: { line: 3, character: 9 } };
/** A small layout as the panel saves it: two boxes, the edge between them with its label, one frame. */
const layout = {
  structureKey: 'n0:input|n1:conv',
  width: 220,
  height: 150,
  nodes: [
    ['n0', { x: 16, y: 16, width: 188, height: 44 }],
    ['n1', { x: 16, y: 82, width: 188, height: 44 }],
  ],
  edges: [
    [
      'e0',
      {
        points: [
          { x: 110, y: 60 },
          { x: 110, y: 82 },
        ],
        label: { x: 114, y: 64, width: 40, height: 14 },
      },
    ],
  ],
  frames: [[3, { x: 8, y: 8, width: 204, height: 126 }]],
};

describe('preview protocol: run-time checks at the boundary', () => {
  describe('webview → host', () => {
    const good: unknown[] = [
      { type: 'ready' },
      { type: 'reveal', uri: 'file:///w/lenet5.cnn', range },
      { type: 'reveal', uri: 'file:///w/lenet5.cnn', range, focus: true },
      { type: 'pickFile', requestId: 1, purpose: 'image' },
      { type: 'pickFile', requestId: 2, purpose: 'weights' },
      { type: 'save', requestId: 3, suggestedName: 'LeNet5.svg', bytes: new Uint8Array([60, 115]) },
      { type: 'notify', level: 'warning', message: 'the forward pass failed' },
      { type: 'importModel', name: 'resnet18.onnx', bytes: new Uint8Array([8, 7]) },
      { type: 'importModel', name: 'Model.KERAS', bytes: new Uint8Array([80, 75, 3, 4]) },
      { type: 'layout', layout },
    ];
    for (const message of good) {
      it(`accepts ${JSON.stringify(message)}`, () => {
        const checked = checkWebviewMessage(message);
        assert.ok(checked.ok, checked.ok ? '' : checked.reason);
        assert.deepEqual(checked.message, message);
      });
    }

    const bad: [unknown, RegExp][] = [
      [null, /should be an object, not null/],
      ['ready', /should be an object, not the string "ready"/],
      [{ type: 'explode' }, /'explode' rejected: unknown type/],
      [{ type: 'notify', level: 'fatal', message: 'x' }, /'level' should be one of info, warning, error, not the string "fatal"/],
      [{ type: 'notify', level: 'info' }, /'message' should be a string, not undefined/],
      [{ type: 'reveal', uri: 'file:///a', range: { start: { line: -1, character: 0 }, end: { line: 0, character: 0 } } }, /'line' should be a whole number of at least 0, not number -1/],
      [{ type: 'reveal', uri: 'file:///a', range: { start: { line: 0, character: 0.5 }, end: { line: 0, character: 1 } } }, /'character' should be a whole number/],
      [{ type: 'reveal', uri: 'file:///a', range: { start: { line: 4, character: 0 }, end: { line: 2, character: 0 } } }, /ends before it starts/],
      [{ type: 'reveal', uri: 'file:///a' }, /'range' should be an object, not undefined/],
      [{ type: 'reveal', uri: 'file:///a', range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } }, focus: 'yes' }, /'focus' should be true or false, not the string "yes"/],
      [{ type: 'pickFile', requestId: 'one', purpose: 'image' }, /'requestId' should be a whole number/],
      [{ type: 'pickFile', requestId: 1, purpose: 'secrets' }, /'purpose' should be one of image, weights/],
      [{ type: 'save', requestId: 1, suggestedName: '../../.bashrc', bytes: new Uint8Array(1) }, /'suggestedName' should be a plain file name/],
      [{ type: 'save', requestId: 1, suggestedName: 'a.png', bytes: [1, 2, 3] }, /'bytes' should be bytes \(a Uint8Array or ArrayBuffer\), not an array/],
      [{ type: 'importModel', name: '../../model.onnx', bytes: new Uint8Array(1) }, /'name' should be a plain \.onnx or \.keras file name/],
      [{ type: 'importModel', name: 'cat.png', bytes: new Uint8Array(1) }, /'name' should be a plain \.onnx or \.keras file name, not the string "cat\.png"/],
      [{ type: 'importModel', name: 'a.onnx' }, /'bytes' should be bytes/],
      // A layout that would draw boxes at NaN or lose its boxes is refused, naming what is wrong.
      [{ type: 'layout', layout: { ...layout, width: Number.NaN } }, /the layout: 'width' should be a finite number, not number NaN/],
      [{ type: 'layout', layout: { ...layout, nodes: [['n0', { x: 1, y: 2, width: 3 }]] } }, /'height' should be a finite number, not undefined/],
      [{ type: 'layout', layout: { ...layout, nodes: { n0: {} } } }, /'nodes' should be an array/],
      [{ type: 'layout', layout: { ...layout, frames: [['3', { x: 0, y: 0, width: 1, height: 1 }]] } }, /'frames'\[0\] should be a \[key, value\] pair/],
      [{ type: 'layout', layout: { ...layout, edges: [['e0', { points: [{ x: 1 }] }]] } }, /'y' should be a finite number, not undefined/],
      [{ type: 'layout' }, /the layout: a saved layout should be an object, not undefined/],
    ];
    for (const [message, reason] of bad) {
      it(`rejects ${JSON.stringify(message)} and says why`, () => {
        const checked = checkWebviewMessage(message);
        assert.ok(!checked.ok, 'accepted a malformed message');
        assert.match(checked.reason, reason);
      });
    }
  });

  describe('host → webview', () => {
    it('rejects file contents that arrive as a JSON-serialised Node Buffer, naming it', () => {
      // What VS Code's JSON.stringify made of a Buffer from workspace.fs.readFile.
      const serialised = JSON.parse(JSON.stringify({ type: 'file', requestId: 4, name: 'cat.jpg', bytes: Buffer.from([0xff, 0xd8, 0xff]) }));
      assert.deepEqual(serialised.bytes, { type: 'Buffer', data: [255, 216, 255] });
      const checked = checkHostMessage(serialised);
      assert.ok(!checked.ok);
      assert.match(checked.reason, /'file' rejected: 'bytes' should be bytes .* not a JSON-serialised Node Buffer/);
      assert.equal(requestIdOf(serialised), 4, 'the panel can still end request 4 with the reason');
    });

    it('accepts bytes as a Uint8Array or an ArrayBuffer, and shard files too', () => {
      const bytes = new Uint8Array([137, 80, 78, 71]);
      const fromView = checkHostMessage({ type: 'file', requestId: 5, name: 'a.png', bytes });
      assert.ok(fromView.ok && fromView.message.type === 'file');
      assert.deepEqual([...fromView.message.bytes!], [137, 80, 78, 71]);
      const fromBuffer = checkHostMessage({ type: 'file', requestId: 6, name: 'model.json', bytes: bytes.buffer, extraFiles: [{ name: 'group1-shard1of1.bin', bytes: new Uint8Array(8) }] });
      assert.ok(fromBuffer.ok && fromBuffer.message.type === 'file');
      assert.equal(fromBuffer.message.bytes!.length, 4);
      assert.equal(fromBuffer.message.extraFiles![0].bytes.length, 8);
      const badShard = checkHostMessage({ type: 'file', requestId: 7, name: 'model.json', bytes, extraFiles: [{ name: 'x.bin', bytes: { type: 'Buffer', data: [] } }] });
      assert.ok(!badShard.ok && /'bytes' should be bytes/.test(badShard.reason));
    });

    it('accepts an error answer without bytes, and checks sources and cursors', () => {
      assert.ok(checkHostMessage({ type: 'file', requestId: 1, error: 'cancelled' }).ok);
      assert.ok(checkHostMessage({ type: 'source', uri: 'file:///a.cnn', fileName: 'a.cnn', version: 3, text: 'network A {}' }).ok);
      const cursor = checkHostMessage({ type: 'cursor', uri: 'file:///a.cnn', line: '7' });
      assert.ok(!cursor.ok && /'line' should be a whole number.*the string "7"/.test(cursor.reason));
      const withCursor = checkHostMessage({ type: 'source', uri: 'file:///a.cnn', fileName: 'a.cnn', version: 3, text: 'network A {}', cursor: { line: 4, character: 2 } });
      assert.ok(withCursor.ok && withCursor.message.type === 'source');
      assert.deepEqual(withCursor.message.cursor, { line: 4, character: 2 });
      const badCursor = checkHostMessage({ type: 'source', uri: 'file:///a.cnn', fileName: 'a.cnn', version: 3, text: 'network A {}', cursor: { line: -1, character: 0 } });
      assert.ok(!badCursor.ok && /'line' should be a whole number/.test(badCursor.reason));
    });

    it('posts a plain Uint8Array: JSON.stringify sees no Buffer toJSON, so VS Code transfers it as bytes', () => {
      const buffer = Buffer.from([1, 2, 3]);
      const plain = plainBytes(buffer);
      assert.equal(Object.getPrototypeOf(plain), Uint8Array.prototype);
      assert.deepEqual([...plain], [1, 2, 3]);
      // VS Code's replacer only sees a value after toJSON ran: a Buffer has become an object by then.
      const seen = new Map<string, unknown>();
      JSON.stringify({ buffer, plain }, (key, value: unknown) => {
        if (key === 'buffer' || key === 'plain') seen.set(key, value);
        return value;
      });
      assert.ok(!ArrayBuffer.isView(seen.get('buffer')), 'a Buffer reaches the replacer already converted by toJSON');
      assert.ok(ArrayBuffer.isView(seen.get('plain')), 'a plain Uint8Array reaches the replacer as a typed array');
    });
  });

  describe('tfjs weight shard paths', () => {
    const allowed = ['group1-shard1of1.bin', 'weights/group1-shard1of2.bin', 'model.weights.bin'];
    for (const path of allowed) it(`reads "${path}" from the model's folder`, () => assert.equal(shardPathProblem(path), undefined));
    const refused: [string, RegExp][] = [
      ['../../secret', /leaves the model's folder/],
      ['weights/../../id_rsa', /leaves the model's folder/],
      ['..\\..\\secret', /leaves the model's folder/],
      ['/etc/passwd', /absolute path/],
      ['\\\\server\\share\\w.bin', /absolute path/],
      ['C:\\Users\\me\\w.bin', /drive or a URL scheme/],
      ['file:///etc/passwd', /drive or a URL scheme/],
      ['https://example.com/w.bin', /drive or a URL scheme/],
      ['', /empty/],
      ['a//b.bin', /empty or "\." segment/],
    ];
    for (const [path, reason] of refused) it(`refuses "${path}"`, () => assert.match(shardPathProblem(path) ?? 'allowed', reason));
  });

  describe('class names', () => {
    it('reads a labels file one name per line, Windows line ends and trailing blank lines included', () => {
      assert.deepEqual(parseLabels('tabby\r\ntiger cat\r\n\r\n'), ['tabby', 'tiger cat']);
      assert.deepEqual(parseLabels('a\n\nc\n'), ['a', '', 'c'], 'a blank line inside keeps the indices of the names after it');
    });

    it('accepts labels with a file answer and refuses labels that are not strings', () => {
      const ok = checkHostMessage({ type: 'file', requestId: 1, name: 'w.safetensors', bytes: new Uint8Array(8), labels: ['cat', 'dog'] });
      assert.ok(ok.ok && ok.message.type === 'file' && ok.message.labels?.length === 2);
      const bad = checkHostMessage({ type: 'file', requestId: 1, name: 'w.safetensors', bytes: new Uint8Array(8), labels: [1, 2] });
      assert.ok(!bad.ok && /'labels' should be an array of strings/.test(bad.reason));
    });

    it("has torchvision's 1,000 ImageNet class names in its order", function () {
      requirePython(this, ['torchvision']);
      const torchvision = JSON.parse(runPython('import json; from torchvision.models import ResNet18_Weights as W; print(json.dumps(W.IMAGENET1K_V1.meta["categories"]))')) as string[];
      assert.equal(imagenetClassNames.length, 1000);
      assert.deepEqual([...imagenetClassNames], torchvision);
      assert.equal(imagenetClassNames[281], 'tabby');
    });
  });
});
