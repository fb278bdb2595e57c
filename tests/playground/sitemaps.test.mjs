// sitemaps.test.mjs: the Sitemaps checkbox. Off by default (and then absent from the share
// link and the exported spec, which stay as they were); ticked, it is carried in the share
// link (`sitemaps=1`) and the exported spec (`"sitemaps": true`), and both restore it. The
// engine's part (robots.txt's Sitemap: lines, indexes, gzip, lastmod) is tested natively and
// in Chromium by crate/tests/engine_sitemaps.rs.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPlayground, fill, playgroundUrl } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function exportedSpec(page) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-spec')]);
  const chunks = [];
  for await (const chunk of await download.createReadStream()) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

test('the Sitemaps checkbox travels in the share link and the exported spec', async () => {
  const page = await openPlayground(browser, '?preset=demo&max=5');
  assert.equal(await page.isChecked('#sitemaps'), false, 'off by default');
  assert.ok(!(await page.inputValue('#share')).includes('sitemaps'));
  assert.equal('sitemaps' in await exportedSpec(page), false);

  await fill(page, { sitemaps: true });
  const share = await page.inputValue('#share');
  assert.match(share, /[?&]sitemaps=1(&|$)/);
  const spec = await exportedSpec(page);
  assert.equal(spec.sitemaps, true);
  assert.equal(spec.robots, true);
  assert.deepEqual(page.problems, []);
  await page.close();

  const shared = await openPlayground(browser, share.slice(playgroundUrl().length));
  assert.equal(await shared.isChecked('#sitemaps'), true, 'the share link restores it');
  await shared.close();

  const fresh = await openPlayground(browser);
  await fresh.setInputFiles('#import-file', { name: 'spec.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(spec)) });
  await fresh.waitForFunction(() => document.getElementById('sitemaps').checked);
  const { sitemaps: _, ...without } = spec;
  await fresh.setInputFiles('#import-file', { name: 'plain.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(without)) });
  await fresh.waitForFunction(() => !document.getElementById('sitemaps').checked);
  assert.deepEqual(fresh.problems, []);
  await fresh.close();
});
