/**
 * The landscape sample painted a few rows at a time while a run is prepared
 * (catalog.ts's `prepareSamplePicture`), so the panel stays responsive:
 * the picture it keeps must be exactly the one painted whole, and a run
 * asking meanwhile must share the painting, not start another.
 */
import { strict as assert } from 'node:assert';
import { prepareSamplePicture, samplePicture } from '../../webview/src/input/catalog';
import { makeInput } from '../../webview/src/input/makeInput';
import { landscapePicture } from '../../webview/src/input/samples/landscape';

describe('input: samples prepared in slices', () => {
  it('paints the landscape in slices with pauses between them, into exactly the picture painted whole', async () => {
    const whole = landscapePicture();
    let pauses = 0;
    const pause = () => {
      pauses++;
      return new Promise<void>((resolve) => setImmediate(resolve));
    };
    // One millisecond a slice: a 320 x 240 landscape cannot be painted in one.
    const first = prepareSamplePicture('landscape', pause, 1);
    const second = prepareSamplePicture('landscape', pause, 1);
    await Promise.all([first, second]);
    assert.ok(pauses >= 2, `the painting paused ${pauses} times`);
    const kept = samplePicture('landscape', () => assert.fail('the prepared picture is kept, not painted again'));
    assert.equal(kept.width, 320);
    assert.equal(kept.height, 240);
    kept.planes.forEach((plane, c) => assert.deepEqual(plane, whole.planes[c], `plane ${c} differs from the landscape painted whole`));
    // Preparing again finds the picture made: no more pauses.
    const before = pauses;
    await prepareSamplePicture('landscape', pause, 1);
    assert.equal(pauses, before);
  });

  it('makes quick samples at once and makes nothing for signals, clips or unknown ids', async () => {
    const pause = () => assert.fail('a quick sample needs no pause');
    for (const id of ['digit-3', 'checkerboard', 'sine', 'moving-square', 'no-such-sample']) await prepareSamplePicture(id, pause, 1);
    // The digit prepared is the one makeInput uses: a 3 on a black 28x28 background, ink in the middle.
    const digit = makeInput('digit-3', [1, 28, 28]);
    assert.ok(digit.ok);
    assert.equal(digit.data[0], 0, 'the corner is background');
    assert.ok(Math.max(...digit.data.slice(10 * 28, 18 * 28)) > 0.9, 'the middle rows have ink');
  });
});
