// compare.test.mjs: the lesson of the 224.8 s vs 10.3 s figure. On the arena with 100 ms of
// latency, the compare view runs 40 pages at concurrency 1 and then 8, on one time scale,
// and the concurrent run must be at least 3x faster. The arena spans several origins (silk
// serve's default: 4), so the bound is the concurrency (8), not Chrome's 6 HTTP/1.1
// connections per host: the page must say so with the hosts this crawl really spanned, and
// the timeline must group its lanes by those hosts. Saves tests/artifacts/playground-compare.png.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPlayground, waitForEnd, rows, artifactPath, serveInfo } from './helpers.mjs';

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
  assert.equal(await page.getAttribute('body', 'data-speedup'), ratio.toFixed(1));

  // The hosts the crawl spanned (from its rows), in the bound sentence and the lane groups.
  const found = await rows(page);
  const origins = [...new Set(found.map((r) => new URL(r.url).origin))].sort();
  const arenaOrigins = (await serveInfo()).arena_origins ?? [];
  assert.ok(origins.every((o) => arenaOrigins.includes(o)), `rows on the arena's origins: ${origins}`);
  const hosts = origins.length;
  const bound = Math.min(8, 6 * hosts);
  assert.match(await page.textContent('#compare-bound'),
    new RegExp(`spanned ${hosts} hosts?: at most 6 × ${hosts} = ${6 * hosts} .* at most ${bound} overlap`));
  assert.ok(ratio < bound + 0.5, `a ratio above the bound (${bound}) is not believable: ${ratio}`);
  if (hosts > 1) {
    const groups = JSON.parse(await page.getAttribute('#timeline-main', 'data-groups'));
    assert.deepEqual(groups.map((g) => g.origin).sort(), origins, 'one lane group per host');
    for (const g of groups) assert.ok(g.lanes <= 8, `${g.origin}: ${g.lanes} lanes, over per_host 8`);
  }

  // Both timelines drawn, on one scale: the sequential lane and the 8 concurrent lanes.
  const heights = await page.evaluate(() => ['timeline-seq', 'timeline-main']
    .map((id) => document.getElementById(id).clientHeight));
  assert.ok(heights[0] > 20 && heights[1] > heights[0], `timeline heights ${heights}`);
  assert.equal(found.length, 40, 'the table shows the concurrent run');

  // Hovering a bar names its URL: sweep the first lane (under a host label when grouped)
  // until the tooltip shows.
  const box = await page.locator('#timeline-main').boundingBox();
  for (const y of [10, 24, 28]) {
    for (let x = 36; x < box.width && await page.isHidden('#tooltip'); x += 3) {
      await page.mouse.move(box.x + x, box.y + y);
    }
  }
  const tip = await page.textContent('#tooltip');
  assert.match(tip, /http:\/\/127\.0\.0\.1:\d+\//, `tooltip: ${tip}`);
  await page.mouse.move(0, 0);

  await page.screenshot({ path: artifactPath('playground-compare.png'), fullPage: false });
  assert.deepEqual(page.problems, []);
  await page.close();
});
