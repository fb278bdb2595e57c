// xss.test.mjs: crawled text is data, never markup. demo/lab/xss.html (served from the lab,
// an origin of its own, so its live scripts never run as the playground) carries <script>,
// <img onerror>, <svg onload> and <iframe srcdoc> payloads both as escaped text and as raw
// markup inside the field elements. After crawling it and opening it in the selector
// tester, no script may have run (window.__xss stays undefined, no dialog), no crawled
// element may exist in the page, and the payloads must be visible as text.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPlayground, waitForEnd, rows, labXssUrl } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const FIELDS = [
  'page=title', 'title=h1 .title', 'director=.director', 'language=.language',
  'rating=.film .rating', 'onerror=img@onerror', 'scripts[]=script', 'iframe=iframe@srcdoc',
];

async function assertNothingRan(page) {
  const state = await page.evaluate(() => ({
    xss: window.__xss,
    planted: document.querySelectorAll('#results img, #results script, #results svg, #results iframe, #tester-source *:not(mark)').length,
  }));
  assert.equal(state.xss, undefined, 'a payload ran');
  assert.equal(state.planted, 0, 'crawled markup became elements');
  assert.deepEqual(page.dialogs, []);
  assert.deepEqual(page.problems, []);
}

test('hostile titles and fields are shown as text and never run', async () => {
  const target = await labXssUrl();
  const query = `?url=${encodeURIComponent(target)}&depth=0&autostart=1`
    + FIELDS.map((f) => `&field=${encodeURIComponent(f)}`).join('');
  const page = await openPlayground(browser, query);
  assert.equal(await waitForEnd(page), 'done');
  // Give a late onerror/onload (image error, iframe load) the time to fire if it could.
  await page.waitForTimeout(500);

  const [row] = await rows(page);
  assert.equal(row.url, target);
  assert.match(row.cells.page, /<script>window\.__xss='title-raw'<\/script>/);
  assert.match(row.cells.title, /<script>window\.__xss='h1-entity'<\/script><img src=x onerror="window\.__xss='h1-img'">/);
  assert.match(row.cells.director, /Mallory/);
  assert.match(row.cells.director, /<\/dd><script>/);
  assert.match(row.cells.onerror, /window\.__xss='raw-img'/);
  assert.match(row.cells.scripts, /window\.__xss='raw-script'/);
  assert.match(row.cells.iframe, /<script>parent\.__xss='iframe'<\/script>/);
  await assertNothingRan(page);

  // The selector tester shows the raw source, still as text.
  await page.click(`tr[data-url="${target}"] td.field`);
  await page.fill('#tester-css', 'script, img, svg, iframe');
  await page.waitForFunction(() => document.querySelectorAll('#tester-source mark').length >= 4);
  const source = await page.textContent('#tester-source');
  assert.match(source, /<img src=x onerror="window\.__xss='raw-img'">/);
  await page.waitForTimeout(300);
  await assertNothingRan(page);
  await page.close();
});
