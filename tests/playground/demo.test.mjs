// demo.test.mjs: the first-visit story. The playground opens on the demo preset, crawls the
// bundled "Top 250" site at concurrency 1 and 8, and accounts for every demo page: items,
// 404 rows (data-kind="http"), the robots-disallowed page, the GBK page decoded right, the
// meta refresh followed. Exports have the CLI's shape. The share link reproduces the crawl.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPlayground, waitForEnd, rows, fill, demoExpected, demoFieldParams, playgroundUrl } from './helpers.mjs';

const expected = demoExpected();
const demoBase = new URL('demo/', playgroundUrl()).href;
const expectedUrls = expected.pages.map((p) => demoBase + p.path).sort();
let browser;

before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Checks the rows of a complete demo crawl against expected.json. */
function checkDemoRows(found) {
  assert.deepEqual(found.map((r) => r.url).sort(), expectedUrls, 'one row per demo page, each once');
  const byUrl = new Map(found.map((r) => [r.url, r]));
  for (const n of expected.missing) {
    const r = byUrl.get(`${demoBase}film/${n}.html`);
    assert.equal(r.kind, 'http', `film ${n} is missing: an http error row`);
    assert.equal(r.cells.status, '404');
  }
  // web/robots.txt is the server's root robots.txt under `silk serve`.
  assert.equal(byUrl.get(`${demoBase}private/staff.html`).kind, 'robots');
  assert.equal(found.filter((r) => r.kind).length, expected.missing.length + 1, 'no other errors');
  for (const n of ['1', '42', '250', String(expected.gbk)]) {
    const film = expected.films[n];
    const r = byUrl.get(`${demoBase}film/${n}.html`);
    for (const field of ['title', 'rating', 'director', 'language']) {
      assert.equal(r.cells[field], film[field], `film ${n} ${field}`);
    }
  }
  // The GBK page, decoded through its <meta charset="gbk"> (the server sends no charset).
  assert.match(byUrl.get(`${demoBase}film/${expected.gbk}.html`).cells.title, /[\u4e00-\u9fff]/);
  // top250/page-1.html is only reachable through top250.html's meta refresh.
  assert.ok(byUrl.get(`${demoBase}top250/page-1.html`), 'the meta refresh was followed');
}

test('the demo crawl at concurrency 1 and 8 accounts for every page', async () => {
  const page = await openPlayground(browser);
  assert.equal(await page.inputValue('#preset'), 'demo', 'the demo is the default preset');
  assert.equal(await page.inputValue('#seeds'), `${demoBase}index.html`);

  for (const c of [1, 8]) {
    await fill(page, { c });
    await page.click('#run');
    // The previous run left data-state="done": see this run start before waiting for its end.
    await page.waitForSelector('body[data-state="running"]', { timeout: 10000 });
    assert.equal(await waitForEnd(page), 'done');
    checkDemoRows(await rows(page));
    const timeline = await page.evaluate(() => {
      const canvas = document.getElementById('timeline-main');
      return { height: canvas.clientHeight, width: canvas.width };
    });
    assert.ok(timeline.height > 20 && timeline.width > 200, 'the timeline is drawn');
  }
  assert.match(await page.textContent('#summary'), /263 records/);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('exports have the shape of silk crawl output', async () => {
  const page = await openPlayground(browser, '?preset=demo&c=8&max=30');
  await page.click('#run');
  await waitForEnd(page);
  const read = async (button) => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click(button)]);
    const chunks = [];
    for await (const chunk of await download.createReadStream()) chunks.push(chunk);
    return Buffer.concat(chunks).toString('utf8');
  };
  const jsonl = (await read('#export-jsonl')).trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(jsonl.length, 30);
  assert.ok(jsonl.every((r) => 'url' in r && 'status' in r && 'title' in r));
  const csv = (await read('#export-csv')).split('\r\n');
  assert.equal(csv[0], 'url,final_url,status,depth,referer,bytes,elapsed_ms,title,rating,director,language,error');
  assert.equal(csv.filter(Boolean).length, 31);
  const spec = JSON.parse(await read('#export-spec'));
  assert.deepEqual(spec.seeds, [`${demoBase}index.html`]);
  assert.equal(spec.concurrency, 8);
  assert.equal(spec.max_pages, 30);
  assert.deepEqual(spec.fields.map((f) => f.name), ['title', 'rating', 'director', 'language']);
  await page.close();
});

test('a link with ?url=...&c=8&autostart=1 reproduces the crawl', async () => {
  const query = `?url=${encodeURIComponent(`${demoBase}index.html`)}&c=8${demoFieldParams()}&autostart=1`;
  const page = await openPlayground(browser, query);
  assert.equal(await waitForEnd(page), 'done');
  assert.equal(await page.inputValue('#c'), '8');
  assert.equal(await page.inputValue('#preset'), 'custom');
  checkDemoRows(await rows(page));
  // The page rewrote its URL without autostart, and offers a share link that has it.
  assert.ok(!page.url().includes('autostart'));
  assert.match(await page.inputValue('#share'), /autostart=1/);
  await page.close();
});

test('the selector tester highlights matches in the fetched source', async () => {
  const page = await openPlayground(browser, '?preset=demo&c=8&max=20');
  await page.click('#run');
  await waitForEnd(page);
  const film = `${demoBase}film/${expected.gbk}.html`;
  await page.click(`tr[data-url="${film}"] td.field`);
  await page.fill('#tester-css', 'dd');
  await page.waitForFunction(() => document.querySelectorAll('#tester-source mark').length === 3);
  assert.match(await page.textContent('#tester-status'), /3 matches/);
  assert.equal(await page.textContent('#tester-source mark'), '<dd class="director">');
  assert.equal(await page.textContent('#tester-matches li'), expected.films[String(expected.gbk)].director);
  await page.fill('#tester-css', 'dd > > p');
  await page.waitForFunction(() => /column/.test(document.getElementById('tester-status').textContent));
  await page.close();
});

test('embed.html: the ~20-line embedding lists the chart page\'s film titles', async () => {
  const page = await browser.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(`${playgroundUrl()}embed.html`);
  await page.waitForFunction(() => /pages in/.test(document.getElementById('status').textContent), null, { timeout: 30000 });
  const titles = await page.$$eval('#titles li', (items) => items.map((li) => li.textContent));
  const want = Array.from({ length: 25 }, (_, i) => expected.films[String(i + 1)].title);
  assert.deepEqual([...titles].sort(), [...want].sort());
  assert.deepEqual(problems, []);
  await page.close();
});
