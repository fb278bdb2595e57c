// cancel.test.mjs: Cancel is `task.cancel()`: the crawl stops starting requests, aborts the
// ones in flight (AbortController), ends with body[data-state="cancelled"], and no row is
// added afterwards.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPlayground, waitForEnd } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('cancel stops a crawl mid-way', async () => {
  const page = await openPlayground(browser, '?preset=arena&c=2&max=200&latency=300');
  await page.click('#run');
  // The click starts the crawl asynchronously (the preset's arena address is read first).
  await page.waitForSelector('body[data-state="running"]', { timeout: 10000 });
  await page.waitForFunction(() => document.querySelectorAll('tr[data-url]').length >= 3, null, { timeout: 20000 });
  await page.click('#cancel');
  assert.equal(await waitForEnd(page, 10000), 'cancelled');

  const count = () => page.locator('tr[data-url]').count();
  const atEnd = await count();
  assert.ok(atEnd >= 3 && atEnd < 40, `stopped early: ${atEnd} rows`);
  await page.waitForTimeout(1500);
  assert.equal(await count(), atEnd, 'no rows after the crawl was cancelled');
  assert.match(await page.textContent('#summary'), /cancelled/);
  assert.ok(await page.isEnabled('#run'), 'the form is usable again');
  assert.deepEqual(page.problems, []);
  await page.close();
});
