/** Browser tests need Debian's Chromium and the page bundles: this proves both before the real suites run. */
import { strict as assert } from 'node:assert';
import type { Browser } from 'playwright-core';
import { launchChromium, openTestPage, pageGlobal, startStaticServer } from './browser';

describe('headless Chromium', function () {
  this.timeout(60_000);
  let browser: Browser;
  let server: Awaited<ReturnType<typeof startStaticServer>>;
  before(async () => {
    server = await startStaticServer();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('loads a bundled test page from the static server', async () => {
    const { page, errors } = await openTestPage(browser, server.url, 'smoke');
    const smoke = await pageGlobal<{ ready: boolean; hasWebGpu: boolean }>(page, 'smoke');
    assert.equal(smoke.ready, true, errors.join('\n'));
  });
});
