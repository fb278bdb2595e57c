// compare.test.mjs: the lesson of the 224.8 s vs 10.3 s figure. On the arena with 100 ms of
// latency, the compare view runs 40 pages at concurrency 1 and then 8, on one time scale,
// and the concurrent run must be at least 3x faster (the bound is about 6: Chrome's
// HTTP/1.1 connections per host). Saves tests/artifacts/playground-compare.png.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPlayground, waitForEnd, rows, artifactPath } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('compare: concurrency 8 beats concurrency 1 on the arena with latency', async (t) => {
  const page = await openPlayground(browser, '?preset=arena&c=8&max=40&latency=100');
  assert.equal(await page.inputValue('#preset'), 'arena');
  await page.click('#compare');
  assert.equal(await waitForEnd(page, 120000), 'done');

  const ratio = Number(await page.getAttribute('#compare-result', 'data-ratio'));
  const text = await page.textContent('#compare-result');
  assert.match(text, /x faster/);
  t.diagnostic(`compare: ${text.trim()}`);
  assert.ok(ratio >= 3, `expected at least 3x, got ${ratio} (${text})`);
  assert.ok(ratio < 8.5, `a ratio above the concurrency is not believable: ${ratio}`);
  assert.ok(await page.isVisible('#compare-note'), 'the page says why the ratio is bounded');
  assert.match(await page.textContent('#compare-note'), /6 connections per host/);

  // Both timelines drawn, on one scale: the sequential lane and the 8 concurrent lanes.
  const heights = await page.evaluate(() => ['timeline-seq', 'timeline-main']
    .map((id) => document.getElementById(id).clientHeight));
  assert.ok(heights[0] > 20 && heights[1] > heights[0], `timeline heights ${heights}`);
  assert.equal((await rows(page)).length, 40, 'the table shows the concurrent run');

  // Hovering a bar names its URL: sweep lane 0 until the tooltip shows.
  const box = await page.locator('#timeline-main').boundingBox();
  for (let x = 36; x < box.width && await page.isHidden('#tooltip'); x += 3) {
    await page.mouse.move(box.x + x, box.y + 10);
  }
  const tip = await page.textContent('#tooltip');
  assert.match(tip, /http:\/\/127\.0\.0\.1:\d+\//, `tooltip: ${tip}`);
  await page.mouse.move(0, 0);

  await page.screenshot({ path: artifactPath('playground-compare.png'), fullPage: false });
  assert.deepEqual(page.problems, []);
  await page.close();
});
