/**
 * The preview's diagram view in headless Chromium: what it draws for LeNet-5
 * and ResNet-18, real mouse clicks on boxes and group toggles, the editor
 * cursor's highlight, zoom that survives an edit, and both exports.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { analyze } from '../../src/core';
import { buildDiagramModel } from '../../webview/src/diagram/model';
import type { DiagramPage, Drawn } from './pages/diagram.api';
import { pageCaller, usePageSuite } from './browser';

const example = (name: string) => readFileSync(`examples/${name}.cnn`, 'utf8');

/** The 0-based line of the only line of `text` that contains `needle`. */
function lineOf(text: string, needle: string): number {
  const found = text.split('\n').flatMap((l, i) => (l.includes(needle) ? [i] : []));
  assert.equal(found.length, 1, `exactly one line contains ${needle}`);
  return found[0];
}

/** The model the view should draw for `text`, built here in Node from the same core. */
function modelOf(text: string, collapsed?: number[]) {
  const analysis = analyze(text, { graph: true });
  return buildDiagramModel(analysis.graphs![0], { diagnostics: analysis.diagnostics, ...(collapsed ? { collapsed } : {}) });
}

describe('diagram view (Chromium)', function () {
  this.timeout(120_000);
  const suite = usePageSuite('diagram');
  const call = pageCaller<DiagramPage>('diagramPage', () => suite.page);
  const selections = () => suite.page.evaluate(() => (globalThis as unknown as { diagramPage: DiagramPage }).diagramPage.selections);

  describe('LeNet-5', () => {
    const text = example('lenet5');
    const model = modelOf(text);
    const boxOn = (needle: string) => model.nodes.find((n) => n.range.start.line === lineOf(text, needle))!;

    it('draws one box per layer, fitted into the panel', async () => {
      const drawn = await call('update', text);
      assert.deepEqual(
        drawn.nodes,
        model.nodes.map((n) => n.id),
      );
      assert.equal(drawn.nodes.length, analyze(text, { graph: true }).graphs![0].nodes.length);
      assert.deepEqual(drawn.frames, []);
      assert.equal(drawn.layoutRuns, 1);
      assert.match(drawn.transform, /^translate\([\d.-]+,[\d.-]+\) scale\([\d.]+\)$/);
    });

    it('reports a clicked box with the range of its statement and marks it selected', async () => {
      const conv = boxOn('conv(16, 5)');
      await suite.page.click(`.cnnd-node[data-id="${conv.id}"]`);
      const [selection] = await selections();
      assert.deepEqual(selection, { id: conv.id, graphNodes: conv.graphNodes, range: conv.range, focus: false });
      assert.equal(selection.range.start.line, lineOf(text, 'conv(16, 5)'));
      assert.deepEqual((await call('drawn')).selected, [conv.id]);
    });

    it('moves the focus to the editor on a double-click only, as VS Code’s Outline does', async () => {
      const dense = boxOn('dense(120)');
      const before = (await selections()).length;
      await suite.page.dblclick(`.cnnd-node[data-id="${dense.id}"]`);
      // A double-click is two clicks and a double-click: two choices that keep the focus, then one that moves it.
      assert.deepEqual(
        (await selections()).slice(before).map((s) => [s.id, s.focus]),
        [
          [dense.id, false],
          [dense.id, false],
          [dense.id, true],
        ],
      );
    });

    it('chooses boxes from the keyboard in the network’s order: arrows show each line, Enter goes to it', async () => {
      const order = model.nodes;
      const conv = order.findIndex((n) => n.id === boxOn('conv(16, 5)').id);
      await suite.page.click(`.cnnd-node[data-id="${order[conv].id}"]`);
      const before = (await selections()).length;
      await suite.page.keyboard.press('ArrowDown');
      await suite.page.keyboard.press('ArrowDown');
      await suite.page.keyboard.press('ArrowUp');
      await suite.page.keyboard.press('Enter');
      await suite.page.keyboard.press('Home');
      await suite.page.keyboard.press('End');
      const chosen = (await selections()).slice(before);
      assert.deepEqual(
        chosen.map((s) => [s.id, s.range.start.line, s.focus]),
        [
          [order[conv + 1].id, order[conv + 1].range.start.line, false],
          [order[conv + 2].id, order[conv + 2].range.start.line, false],
          [order[conv + 1].id, order[conv + 1].range.start.line, false],
          [order[conv + 1].id, order[conv + 1].range.start.line, true],
          [order[0].id, order[0].range.start.line, false],
          [order[order.length - 1].id, order[order.length - 1].range.start.line, false],
        ],
      );
      // The boxes follow the statements down the file.
      assert.ok(order[conv + 1].range.start.line > order[conv].range.start.line && order[conv + 2].range.start.line > order[conv + 1].range.start.line);
      assert.deepEqual((await call('drawn')).selected, [order[order.length - 1].id]);
    });

    it('highlights the box on the editor cursor’s line, and only that one', async () => {
      const dense = boxOn('dense(84)');
      const drawn = await call('highlightLine', lineOf(text, 'dense(84)'));
      assert.deepEqual(drawn.highlighted, [dense.id]);
      assert.deepEqual((await call('highlightLine', lineOf(text, 'network LeNet5'))).highlighted, [], 'the network line is no layer');
    });

    it('marks a layer with a diagnostic and puts the message in its tooltip', async () => {
      const broken = text.replace('-> 16x5x5', '-> 16x6x6');
      const message = analyze(broken).diagnostics[0].message;
      const drawn = await call('update', broken);
      const pool = modelOf(broken).nodes.find((n) => n.range.start.line === lineOf(broken, '-> 16x6x6'))!;
      assert.deepEqual(drawn.errorBoxes, [pool.id]);
      assert.ok((await suite.page.textContent(`.cnnd-node[data-id="${pool.id}"] > title`))?.includes(message));
      assert.deepEqual((await call('update', text)).errorBoxes, [], 'fixing it clears the mark');
    });
  });

  it('styles the drawing under the panel’s content security policy, which admits only styles with its nonce', async () => {
    const strict = await suite.browser.newPage();
    const refused: string[] = [];
    strict.on('console', (m) => {
      if (m.type() === 'error') refused.push(m.text());
    });
    try {
      await strict.goto(`${suite.serverUrl}/test/webview/blank.html`);
      // The same policy as the extension's previewHtml, with this server standing in for the webview's resource origin.
      const csp = `default-src 'none'; img-src ${suite.serverUrl} blob: data:; style-src ${suite.serverUrl} 'nonce-n0nce'; script-src ${suite.serverUrl}`;
      await strict.setContent(`<!doctype html><html><head><meta http-equiv="Content-Security-Policy" content="${csp}"></head><body data-nonce="n0nce"></body></html>`);
      await strict.addScriptTag({ url: `${suite.serverUrl}/out/pages/diagram.page.js` });
      await strict.evaluate((text) => (globalThis as unknown as { diagramPage: DiagramPage }).diagramPage.update(text), example('lenet5'));
      // The light theme's fallback widget background (#f3f3f3); an unstyled SVG rect would be filled black.
      assert.equal(await strict.evaluate(() => (globalThis as unknown as { diagramPage: DiagramPage }).diagramPage.boxFill()), 'rgb(243, 243, 243)');
      assert.deepEqual(
        refused.filter((e) => /Content Security Policy/.test(e)),
        [],
      );
    } finally {
      await strict.close();
    }
  });

  it("draws a first panel's boxes at once in a quick layout, then ELK's, and saves only ELK's (issue 15: the diagram waited for ELK to load)", async () => {
    const fresh = await suite.browser.newPage();
    try {
      await fresh.goto(`${suite.serverUrl}/test/webview/blank.html`);
      await fresh.addScriptTag({ url: `${suite.serverUrl}/out/pages/diagram.page.js` });
      const text = example('resnet18');
      const boxes = modelOf(text).nodes.length;
      const { atOnce, settled } = await fresh.evaluate((source) => (globalThis as unknown as { diagramPage: DiagramPage }).diagramPage.firstDrawing(source), text);
      assert.deepEqual(atOnce, { boxes, layout: 'provisional', saved: false }, 'every box is on screen before ELK has run, and that layout is not saved');
      assert.deepEqual(settled, { boxes, layout: 'final', saved: true, layoutRuns: 1 }, "ELK's layout replaces it and is saved");
    } finally {
      await fresh.close();
    }
  });

  it("keeps the box under the pointer in place when ELK's layout replaces the quick one (issue 15: the boxes jumped under the pointer)", async () => {
    const fresh = await suite.browser.newPage();
    try {
      await fresh.goto(`${suite.serverUrl}/test/webview/blank.html`);
      await fresh.addScriptTag({ url: `${suite.serverUrl}/out/pages/diagram.page.js` });
      const text = example('resnet18');
      // The shortcut convolution of the second stage's first block: ELK puts it beside the main path, the quick layout below it.
      const index = modelOf(text).nodes.findIndex((n) => n.title === 'conv' && n.args.startsWith('128, 1'));
      assert.ok(index > 0, 'ResNet-18 has a 1x1 shortcut convolution to 128 channels');
      const { provisional, final, layout } = await fresh.evaluate(({ source, index }) => (globalThis as unknown as { diagramPage: DiagramPage }).diagramPage.pointedFirstDrawing(source, index), {
        source: text,
        index,
      });
      assert.equal(layout, 'final');
      assert.equal(final.id, provisional.id);
      const movedInDrawing = Math.hypot(final.drawing.x - provisional.drawing.x, final.drawing.y - provisional.drawing.y);
      assert.ok(movedInDrawing > 50, `the box has another place in ELK's layout (moved ${movedInDrawing.toFixed(1)} units), so keeping it still is the view's doing`);
      const movedOnScreen = Math.hypot(final.screen.x - provisional.screen.x, final.screen.y - provisional.screen.y);
      assert.ok(movedOnScreen < 1, `the box under the pointer moved ${movedOnScreen.toFixed(1)} px on screen: ${JSON.stringify({ provisional, final })}`);
    } finally {
      await fresh.close();
    }
  });

  describe('ResNet-18', () => {
    const text = example('resnet18');
    const model = modelOf(text);
    const firstBlock = analyze(text, { graph: true }).graphs![0].groups.find((g) => g.label === 'BasicBlock(64)')!;

    it('draws every layer and a frame per block call and repeat, fitted anew for another network', async () => {
      const before = await call('drawn');
      const drawn = await call('update', text);
      assert.equal(drawn.nodes.length, model.nodes.length);
      assert.equal(drawn.nodes.length, analyze(text, { graph: true }).graphs![0].nodes.length);
      assert.deepEqual(
        [...drawn.frames].sort((a, b) => a - b),
        [...model.collapsible].sort((a, b) => a - b),
      );
      assert.equal(drawn.layoutRuns, before.layoutRuns + 1);
      assert.notEqual(drawn.transform, before.transform, 'a taller network is fitted again');
      assert.equal(await suite.page.locator('.cnnd-edge.cnnd-skip').count(), model.edges.filter((e) => e.kind === 'skip').length);
    });

    it('keeps zoom and scroll, and the layout, when an edit changes only a number', async () => {
      const cursor = lineOf(text, 'global_avgpool');
      await call('highlightLine', cursor);
      const zoomed = await call('zoomIn');
      const [input, dense] = [model.nodes[0].id, model.nodes.at(-1)!.id];
      await call('probe', [input, dense]);
      const drawn = await call('update', text.replace('dense(1000)', 'dense(10)'));
      // Only the changed box was redrawn: the input box is the same element, the dense box a new one.
      assert.deepEqual(await call('probed', [input, dense]), [true, false]);
      assert.equal(drawn.transform, zoomed.transform);
      // The panel repeats the cursor line after every update; the same line must not pan the view again.
      assert.equal((await call('highlightLine', cursor)).transform, zoomed.transform);
      assert.equal(drawn.layoutRuns, zoomed.layoutRuns, 'ELK did not run again');
      assert.ok((await suite.page.textContent(`.cnnd-node[data-id="${model.nodes.at(-1)!.id}"] .cnnd-shape`))?.includes('10'));
      const deeper = await call('update', text.replace('dense(1000)', 'dense(1000)\n  softmax'));
      assert.equal(deeper.nodes.length, model.nodes.length + 1);
      assert.equal(deeper.layoutRuns, zoomed.layoutRuns + 1, 'a new layer needs a new layout');
      assert.equal(deeper.transform, zoomed.transform, 'but the view stays where it was');
    });

    it('collapses a block with a click on its frame’s toggle and expands it with a click on the box’s', async () => {
      await call('update', text);
      // Zoomed in by the test before, the frame is out of view until the editor cursor moves to its call.
      const onCall = await call('highlightLine', lineOf(text, 'repeat(2) { BasicBlock(64) }'));
      assert.ok(onCall.highlightedFrames.includes(firstBlock.id));
      await suite.page.click(`.cnnd-frame[data-group="${firstBlock.id}"] [data-toggle]`);
      const collapsed = await call('settled');
      const expected = modelOf(text, [firstBlock.id]);
      assert.deepEqual(collapsed.collapsed, [firstBlock.id]);
      assert.deepEqual(collapsed.collapsedBoxes, [`g${firstBlock.id}`]);
      assert.equal(collapsed.nodes.length, expected.nodes.length);
      assert.ok(!collapsed.frames.includes(firstBlock.id));
      await suite.page.click(`.cnnd-node[data-id="g${firstBlock.id}"] [data-toggle]`);
      const expanded: Drawn = await call('settled');
      assert.deepEqual(expanded.collapsed, []);
      assert.equal(expanded.nodes.length, model.nodes.length);
      assert.ok(expanded.frames.includes(firstBlock.id));
    });

    it('moves a restored selection onto the collapsed box that hides it', async () => {
      const relu = model.nodes.find((n) => n.op === 'relu' && n.frames[0] === firstBlock.id)!;
      assert.deepEqual((await call('select', relu.graphNodes[0])).selected, [relu.id]);
      assert.deepEqual((await call('setCollapsed', [firstBlock.id])).selected, [`g${firstBlock.id}`]);
      assert.deepEqual((await call('setCollapsed', [])).selected, [relu.id]);
      assert.deepEqual((await call('select', null)).selected, []);
    });

    it('keeps the clicked instance of a repeated block in view when the editor moves to its statement', async () => {
      await call('update', text);
      const shortcutLine = lineOf(text, 'conv(c, 1, stride=stride, bias=false)');
      const instances = model.nodes.filter((n) => n.range.start.line === shortcutLine);
      assert.equal(instances.length, 3, 'one shortcut box per DownBasicBlock call');
      const clicked = instances.at(-1)!; // DownBasicBlock(512)'s
      // Zoomed in far enough that the three instances cannot all be in view, looking at the last one.
      for (let i = 0; i < 4; i++) await call('zoomIn');
      await call('highlightLine', lineOf(text, 'DownBasicBlock(512)'));
      // The click selects the box; the editor then moves to the block's statement and the panel passes that line on.
      await call('select', clicked.graphNodes.at(-1)!);
      const after = await call('highlightLine', shortcutLine);
      assert.deepEqual([...after.highlighted].sort(), instances.map((n) => n.id).sort(), 'every instance lights up');
      assert.deepEqual(after.selected, [clicked.id], 'the clicked instance stays selected');
      const panel = (await suite.page.locator('#diagram').boundingBox())!;
      const box = (await suite.page.locator(`.cnnd-node[data-id="${clicked.id}"]`).boundingBox())!;
      assert.ok(
        box.x >= panel.x && box.y >= panel.y && box.x + box.width <= panel.x + panel.width && box.y + box.height <= panel.y + panel.height,
        `the clicked box left the view: ${JSON.stringify({ box, panel })}`,
      );
    });

    it('exports a standalone SVG with every box’s title', async () => {
      const svg = await call('exportSvg');
      assert.equal(svg.parseError, null);
      assert.equal(svg.rootName, 'svg');
      assert.equal(svg.usesCssVariables, false, 'colours are resolved for use outside VS Code');
      assert.deepEqual(
        svg.titles,
        model.nodes.map((n) => n.title),
      );
    });

    it('exports a PNG at twice the drawing’s size', async () => {
      const svg = await call('exportSvg');
      const png = await call('exportPng');
      assert.equal(png.type, 'image/png');
      assert.deepEqual(png.signature, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      assert.ok(png.size > 1000, `${png.size} bytes`);
      assert.deepEqual([png.width, png.height], [svg.width * 2, svg.height * 2]);
    });

    it('removes its drawing on dispose', async () => {
      assert.equal(await call('dispose'), true);
    });
  });
  it('draws a restored panel from its saved layout without running ELK (restore after a reload)', async () => {
    const text = example('resnet18');
    const restored = await call('restoredLayoutRuns', text);
    assert.equal(restored.layoutRuns, 0);
    assert.equal(restored.boxes, modelOf(text).nodes.length);
  });

  describe('Fit leaves the boxes readable (issue 15: ResNet-18 fitted whole was a column of specks)', () => {
    for (const name of ['resnet18', 'resnet152']) {
      it(`${name}: every box's text is at least 9 px high after Fit, the drawing spans no more than the panel's width, and it starts at its top`, async () => {
        await call('update', example(name));
        await call('zoomIn');
        await call('fit');
        const sizes = await call('textSizes');
        assert.ok(sizes.length > 100, `${name} draws its boxes' texts (${sizes.length})`);
        // Font size times zoom is what the eye gets; the bounding box's height says the same with the glyphs' ascent and descent.
        const smallest = sizes.reduce((a, b) => (a.fontPx * a.scale <= b.fontPx * b.scale ? a : b));
        assert.ok(smallest.fontPx * smallest.scale >= 9, `"${smallest.text}" is ${smallest.fontPx} px at zoom ${smallest.scale}: ${(smallest.fontPx * smallest.scale).toFixed(2)} px on screen`);
        for (const size of sizes) assert.ok(size.height >= 9, `"${size.text}" is ${size.height.toFixed(2)} px high on screen`);
        assert.ok(sizes.filter((s) => s.visible).length >= 5, 'the panel shows some boxes at once');
        const box = await call('drawingBox');
        assert.ok(box.left >= 0 && box.right <= box.panelWidth, `the drawing spans ${box.left.toFixed(1)}..${box.right.toFixed(1)} of a ${box.panelWidth} px panel`);
        assert.ok(box.top >= 0 && box.top <= 32, `the drawing starts at its top (${box.top.toFixed(1)} px down)`);
      });
    }
  });
});
