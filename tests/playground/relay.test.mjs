// relay.test.mjs: `silk serve --relay` helps only the page it serves. Without the
// per-launch token it answers 403; it refuses file: and other non-http(s) URLs; a page
// from another origin can read neither /serve.json (no CORS headers) nor the relay, nor
// frame the playground; a link alone never starts a relayed crawl (a click naming the
// target does); a browser that never opened the terminal's link gets no token. And a site
// without CORS headers fails as `cors` directly, and crawls fine through the relay.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPlayground, waitForEnd, rows, playgroundUrl, serveInfo, demoExpected, demoFieldParams, relayToken } from './helpers.mjs';

let browser;
let info;
before(async () => {
  browser = await launch();
  info = await serveInfo();
  assert.ok(info.relay, 'run.sh starts silk serve with --relay');
  assert.equal(info.relay.token, null, 'no token without the cookie of the terminal link');
  info.relay.token = relayToken();
});
after(async () => { await browser?.close(); });

const relay = (target) => `${playgroundUrl()}relay?url=${encodeURIComponent(target)}`;

test('no token, wrong token, foreign origin: 403', async () => {
  const target = `${info.arena}/`;
  let resp = await fetch(relay(target));
  assert.equal(resp.status, 403);
  assert.equal((await resp.json()).kind, 'forbidden');
  resp = await fetch(relay(target), { headers: { 'X-Silk-Token': '0'.repeat(32) } });
  assert.equal(resp.status, 403);
  resp = await fetch(relay(target), { headers: { 'X-Silk-Token': info.relay.token, Origin: info.arena } });
  assert.equal(resp.status, 403);
  resp = await fetch(relay(target), { headers: { 'X-Silk-Token': info.relay.token } });
  assert.equal(resp.status, 200);
  assert.equal(resp.headers.get('x-silk-final-url'), target);
  assert.match(resp.headers.get('x-silk-content-type'), /text\/html/);
});

test('file: and other non-http(s) URLs are refused', async () => {
  for (const target of ['file:///etc/passwd', 'ftp://127.0.0.1/', 'data:text/html,hi', 'javascript:alert(1)']) {
    const resp = await fetch(relay(target), { headers: { 'X-Silk-Token': info.relay.token } });
    const body = await resp.text();
    assert.equal(resp.status, 400, `${target}: ${body}`);
    assert.equal(JSON.parse(body).kind, 'invalid_url');
    assert.doesNotMatch(body, /root:/);
  }
});

test('robots.txt is obeyed by the relay', async () => {
  const resp = await fetch(relay(`${info.arena}/private/1`), { headers: { 'X-Silk-Token': info.relay.token } });
  assert.equal(resp.status, 502);
  assert.equal(resp.headers.get('x-silk-error'), '1');
  assert.equal((await resp.json()).kind, 'robots');
});

test('a page from another origin cannot read the token or use the relay', async () => {
  const page = await browser.newPage();
  await page.goto(`${info.arena}/`);
  const outcome = await page.evaluate(async ({ base, target }) => {
    const attempt = async (url, init) => {
      try {
        const r = await fetch(url, init);
        return `status ${r.status}: ${(await r.text()).slice(0, 80)}`;
      } catch (e) {
        return `blocked: ${e.name}`;
      }
    };
    return {
      serveJson: await attempt(`${base}serve.json`),
      relay: await attempt(`${base}relay?url=${encodeURIComponent(target)}`, { headers: { 'X-Silk-Token': 'guess' } }),
    };
  }, { base: playgroundUrl(), target: `${info.arena}/` });
  assert.match(outcome.serveJson, /^blocked/, JSON.stringify(outcome));
  assert.match(outcome.relay, /^blocked/, JSON.stringify(outcome));
  await page.close();
});

/** The demo at `localhost`: another origin for the page at 127.0.0.1, and silk serve sends
 * no CORS headers, so it is the "site without CORS" every test machine has. */
function foreignDemo() {
  const url = new URL('demo/index.html', playgroundUrl());
  url.hostname = 'localhost';
  return url.href;
}

test('a site without CORS headers fails as cors, with the way out on the page', async () => {
  const page = await openPlayground(browser, `?url=${encodeURIComponent(foreignDemo())}&robots=0&autostart=1`);
  assert.equal(await waitForEnd(page), 'done');
  const [row] = await rows(page);
  assert.equal(row.kind, 'cors');
  assert.match(row.cells.error, /silk serve --relay/);
  assert.ok(await page.isVisible('#limits-banner'));
  assert.match(await page.textContent('#limits-banner'), /Use relay/);
  await page.close();
});

test('with robots on, a site without CORS still reports cors (not robots)', async () => {
  const page = await openPlayground(browser, `?url=${encodeURIComponent(foreignDemo())}&autostart=1`);
  await waitForEnd(page);
  const [row] = await rows(page);
  await page.close();
  assert.equal(row.kind, 'cors');
});

test('the playground crawls that site through the relay, GBK page included', async () => {
  const expected = demoExpected();
  const page = await openPlayground(browser, `?url=${encodeURIComponent(foreignDemo())}&relay=1&c=6${demoFieldParams()}&autostart=1`);
  assert.ok(await page.isChecked('#relay'));
  await page.click('#confirm-relay-go'); // a relayed crawl starts only on a click
  assert.equal(await waitForEnd(page), 'done');
  const found = await rows(page);
  assert.equal(found.length, expected.pages.length);
  assert.ok(found.every((r) => r.url.startsWith('http://localhost:')));
  const gbk = found.find((r) => r.url.endsWith(`/demo/film/${expected.gbk}.html`));
  assert.equal(gbk.cells.title, expected.films[String(expected.gbk)].title);
  assert.equal(found.filter((r) => r.kind === 'http').length, expected.missing.length);
  assert.equal(found.filter((r) => r.kind === 'robots').length, 1, 'the relay obeys robots.txt too');
  assert.equal(found.filter((r) => r.kind).length, expected.missing.length + 1);

  // The selector tester re-fetches through the relay as well.
  await page.click(`tr[data-url$="/demo/film/${expected.gbk}.html"] td.field`);
  await page.fill('#tester-css', '.director');
  await page.waitForFunction(() => document.querySelectorAll('#tester-source mark').length === 1);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('a link alone never starts a relayed crawl: the user clicks a button naming the target', async () => {
  const target = `${info.arena}/`;
  const before = await (await fetch(`${info.arena}/__stats`)).json();
  const page = await openPlayground(browser, `?url=${encodeURIComponent(target)}&relay=1&max=3&autostart=1`);
  await page.waitForTimeout(1000);
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'idle', 'no crawl before the click');
  const after = await (await fetch(`${info.arena}/__stats`)).json();
  assert.equal(after.requests - before.requests, 1, 'the arena saw only this test\'s /__stats call');
  assert.ok(await page.isVisible('#confirm-relay'));
  const button = await page.textContent('#confirm-relay-go');
  assert.match(button, new RegExp(new URL(target).host.replace(/\./g, '\\.')));
  assert.match(await page.textContent('#confirm-relay-text'), /through the relay/);
  await page.click('#confirm-relay-go');
  assert.equal(await waitForEnd(page), 'done');
  assert.equal((await rows(page)).length, 3);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('without the terminal link, the page cannot use the relay', async () => {
  const page = await openPlayground(browser, `?url=${encodeURIComponent(foreignDemo())}&relay=1&max=1`, { authorize: false });
  assert.equal(await page.isDisabled('#relay'), true);
  assert.equal(await page.isChecked('#relay'), false);
  assert.match(await page.textContent('#about'), /open the link silk serve printed/);
  await page.close();
});

test('a page on another origin cannot frame the playground', async () => {
  const page = await browser.newPage();
  await page.goto(`${info.arena}/`);
  const src = `${playgroundUrl()}?url=${encodeURIComponent(`${info.arena}/`)}&relay=1&autostart=1`;
  await page.evaluate((url) => new Promise((resolve) => {
    const frame = document.createElement('iframe');
    frame.src = url;
    frame.onload = () => resolve();
    setTimeout(resolve, 5000);
    document.body.append(frame);
  }), src);
  await page.waitForTimeout(500);
  const child = page.frames().find((f) => f !== page.mainFrame());
  assert.ok(child, 'the iframe exists');
  assert.doesNotMatch(child.url(), /^http:\/\/127\.0\.0\.1/, `blocked, not loaded: ${child.url()}`);
  const ready = await child.evaluate(() => document.body?.dataset.ready ?? null).catch(() => null);
  assert.equal(ready, null, 'the playground never ran inside the frame');
  await page.close();
});
