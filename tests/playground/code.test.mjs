// code.test.mjs: the Code panel. The demo's starter handler (chart pages -> film pages ->
// one item per film, the rank carried as meta) fills the Items table with every film the
// demo has, values as in web/demo/expected.json; a syntax error is reported with its line
// and no crawl starts, and the page crawls again once the code is fixed; a handler that
// throws on some pages turns exactly those pages into "handler" error rows, with the first
// error's line in the panel; the exported spec carries the code, and importing it (or
// opening the share link) restores it; items built from hostile pages stay text.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPlayground, waitForEnd, rows, fill, demoExpected, playgroundUrl, labXssUrl } from './helpers.mjs';

const expected = demoExpected();
const demoBase = new URL('demo/', playgroundUrl()).href;
const missing = new Set(expected.missing.map(String));
const presentFilms = Object.keys(expected.films).filter((n) => !missing.has(n));
let browser;

before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Every row of the Items table, cells by column name. */
async function itemRows(page) {
  return page.evaluate(() => {
    const names = [...document.querySelectorAll('#items thead th')].map((th) => th.textContent);
    return [...document.querySelectorAll('#items tr[data-item]')].map((tr) => ({
      url: tr.dataset.url,
      cells: Object.fromEntries([...tr.children].map((td, i) => [names[i], td.textContent])),
    }));
  });
}

async function crawlToEnd(page) {
  await page.click('#run');
  await page.waitForSelector('body[data-state="running"]', { timeout: 10000 });
  return waitForEnd(page);
}

async function readDownload(page, button) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(button)]);
  const chunks = [];
  for await (const chunk of await download.createReadStream()) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** The starter's lines, and the 0-based index of the first line containing `marker`. */
async function starterLines(page, marker) {
  const lines = (await page.inputValue('#code')).split('\n');
  const at = lines.findIndex((l) => l.includes(marker));
  assert.ok(at > 0, `the starter has a line with ${marker}`);
  return { lines, at };
}

test('the films starter handler streams one item per film into the Items table', async () => {
  const page = await openPlayground(browser);
  assert.equal(await page.inputValue('#preset'), 'demo');
  assert.equal(await page.isChecked('#use-code'), false, 'the handler is off until asked for');
  await page.check('#use-code');
  assert.equal(await crawlToEnd(page), 'done');

  const items = await itemRows(page);
  assert.equal(items.length, presentFilms.length, 'one item per film page that exists');
  assert.equal(await page.textContent('#n-items'), String(presentFilms.length));
  assert.equal(await page.textContent('#items-count'), String(presentFilms.length));
  assert.equal(await page.isVisible('#items'), true, 'the Items view is shown');
  const byRank = new Map(items.map((r) => [r.cells.rank, r]));
  assert.deepEqual([...byRank.keys()].sort(), [...presentFilms].sort(), 'each film once, its rank carried from the chart as meta');
  for (const n of presentFilms) {
    const row = byRank.get(n);
    assert.equal(row.url, `${demoBase}film/${n}.html`, `film ${n} is found on its own page`);
    for (const field of ['title', 'rating', 'director', 'language']) {
      assert.equal(row.cells[field], expected.films[n][field], `film ${n} ${field}`);
    }
    assert.match(row.cells.year, /^\d{4}$/);
  }

  // The pages crawled are the demo's pages (the handler followed exactly what it chose, and
  // the spec's links elsewhere), and no page failed in the handler.
  const pages = await rows(page);
  assert.deepEqual(pages.map((r) => r.url).sort(), expected.pages.map((p) => demoBase + p.path).sort());
  assert.equal(pages.filter((r) => r.kind === 'handler').length, 0);
  assert.equal(await page.getAttribute('#code-status', 'data-kind'), 'ok');
  assert.match(await page.textContent('#summary'), new RegExp(`${presentFilms.length} items`));

  const jsonl = (await readDownload(page, '#export-items')).trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(jsonl.length, presentFilms.length);
  const one = jsonl.find((i) => i.rank === 1);
  assert.equal(one.title, expected.films['1'].title);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('a syntax error shows its message and line, and the page crawls once it is fixed', async () => {
  const page = await openPlayground(browser, '?preset=demo&handler=1&max=30');
  const { lines, at } = await starterLines(page, 'const item = {');
  const good = lines.join('\n');
  const broken = [...lines];
  broken[at] = broken[at].replace('const item = {', 'const item = {{');
  await fill(page, { code: broken.join('\n') });
  await page.click('#run');
  await page.waitForSelector('#code-status[data-kind="syntax"]', { timeout: 10000 });
  assert.equal(await page.getAttribute('#code-status', 'data-line'), String(at + 1));
  assert.match(await page.textContent('#code-status'), new RegExp(`^Line ${at + 1}: SyntaxError`));
  assert.equal(await page.textContent('#code-gutter .err'), String(at + 1), 'the gutter marks the line');
  assert.match(await page.textContent('#notice'), /did not compile/);
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'idle', 'no crawl started');
  assert.equal(await page.isDisabled('#run'), false);

  // No onPage at all is a message too.
  await fill(page, { code: 'const x = 1;' });
  await page.click('#run');
  await page.waitForSelector('#code-status[data-kind="missing"]');
  assert.match(await page.textContent('#code-status'), /must define a function onPage/);

  await fill(page, { code: good });
  assert.equal(await crawlToEnd(page), 'done');
  assert.equal(await page.getAttribute('#code-status', 'data-kind'), 'ok');
  assert.equal(await page.locator('#code-gutter .err').count(), 0, 'the mark is gone');
  const items = await itemRows(page);
  assert.ok(items.length > 0, 'items after the fix');
  const pages = await rows(page);
  assert.equal(pages.length, 30);
  assert.equal(items.length, pages.filter((r) => /\/film\/\d+\.html$/.test(r.url) && !r.kind).length,
    'one item per film page fetched');
  assert.deepEqual(page.problems, [], 'the syntax error was reported in the panel, not thrown at the page');
  await page.close();
});

test('a handler that throws on some pages gives those pages handler errors, the rest items', async () => {
  const page = await openPlayground(browser, '?preset=demo&handler=1');
  const { lines, at } = await starterLines(page, 'const item = {');
  const throwing = [...lines];
  throwing.splice(at, 0, "    if (page.meta.rank % 7 === 0) throw new RangeError('unlucky rank ' + page.meta.rank);");
  await fill(page, { code: throwing.join('\n') });
  assert.equal(await crawlToEnd(page), 'done');

  const unlucky = presentFilms.filter((n) => Number(n) % 7 === 0);
  assert.ok(unlucky.length > 0);
  const pages = await rows(page);
  const failed = pages.filter((r) => r.kind === 'handler');
  assert.deepEqual(failed.map((r) => r.url).sort(), unlucky.map((n) => `${demoBase}film/${n}.html`).sort());
  for (const r of failed) {
    const n = r.url.match(/(\d+)\.html$/)[1];
    assert.equal(r.cells.status, '200', 'the record keeps its status');
    assert.equal(r.cells.title, expected.films[n].title, 'and its fields');
    assert.match(r.cells.error, new RegExp(`handler: RangeError: unlucky rank ${n}`));
    assert.match(r.cells.error, new RegExp(`your code:${at + 1}:`), 'the stack points at the editor line');
  }
  const items = await itemRows(page);
  assert.equal(items.length, presentFilms.length - unlucky.length);
  assert.ok(items.every((r) => Number(r.cells.rank) % 7 !== 0));

  assert.equal(await page.getAttribute('#code-status', 'data-kind'), 'runtime');
  assert.equal(await page.getAttribute('#code-status', 'data-line'), String(at + 1));
  const status = await page.textContent('#code-status');
  assert.match(status, /RangeError: unlucky rank \d+/);
  assert.match(status, new RegExp(`${unlucky.length} pages failed in your handler`));
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('the exported spec carries the code; importing it and the share link restore it', async () => {
  const page = await openPlayground(browser, '?preset=demo&max=30');
  const code = `${await page.inputValue('#code')}\n// exported at ${Date.now()}\n`;
  await fill(page, { code });
  await page.check('#use-code');
  const spec = JSON.parse(await readDownload(page, '#export-spec'));
  assert.equal(spec.code, code);
  assert.equal(spec.max_pages, 30);
  const share = await page.inputValue('#share');
  await page.close();

  // A fresh page: the handler is off and the editor holds the starter, until the import.
  const fresh = await openPlayground(browser);
  assert.notEqual(await fresh.inputValue('#code'), code);
  await fresh.setInputFiles('#import-file', { name: 'spec.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(spec)) });
  await fresh.waitForFunction((want) => document.getElementById('code').value === want, code);
  assert.equal(await fresh.isChecked('#use-code'), true);
  assert.equal(await fresh.inputValue('#max'), '30');
  assert.equal(await fresh.inputValue('#seeds'), spec.seeds.join('\n'));
  assert.equal(await fresh.locator('#code-gutter div').count(), code.split('\n').length, 'one gutter line per code line');
  assert.equal(await crawlToEnd(fresh), 'done');
  assert.ok((await itemRows(fresh)).length > 0, 'the imported handler ran');
  // A spec without code turns the handler off.
  const { code: _, ...plain } = spec;
  await fresh.setInputFiles('#import-file', { name: 'plain.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(plain)) });
  await fresh.waitForFunction(() => !document.getElementById('use-code').checked);
  assert.deepEqual(fresh.problems, []);
  await fresh.close();

  // The share link reproduces the crawl, handler included.
  const shared = await openPlayground(browser, share.slice(playgroundUrl().length));
  assert.equal(await waitForEnd(shared), 'done');
  assert.equal(await shared.inputValue('#code'), code);
  assert.equal(await shared.isChecked('#use-code'), true);
  assert.ok((await itemRows(shared)).length > 0);
  await shared.close();
});

test('items built from hostile pages are shown as text', async () => {
  const target = await labXssUrl();
  const code = [
    'async function onPage(page) {',
    "  const first = (css) => page.select(css)[0] ?? null;",
    "  return { items: [{ page: first('title')?.text, title: first('h1 .title')?.text, director: first('.director')?.text,",
    "    onerror: first('img')?.attrs.onerror, scripts: page.select('script').map((s) => s.text) }] };",
    '}',
  ].join('\n');
  const page = await openPlayground(browser, `?url=${encodeURIComponent(target)}&depth=0&handler=1&code=${encodeURIComponent(code)}&autostart=1`);
  assert.equal(await waitForEnd(page), 'done');
  await page.waitForTimeout(300); // room for a late onerror, if one could fire
  const [item] = await itemRows(page);
  assert.match(item.cells.page, /<script>window\.__xss='title-raw'<\/script>/);
  assert.match(item.cells.title, /<img src=x onerror="window\.__xss='h1-img'">/);
  assert.match(item.cells.onerror, /window\.__xss='raw-img'/);
  assert.match(item.cells.scripts, /window\.__xss='raw-script'/);
  const state = await page.evaluate(() => ({
    xss: window.__xss,
    planted: document.querySelectorAll('#items img, #items script, #items svg, #items iframe').length,
  }));
  assert.deepEqual(state, { xss: undefined, planted: 0 });
  assert.deepEqual(page.dialogs, []);
  assert.deepEqual(page.problems, []);
  await page.close();
});
