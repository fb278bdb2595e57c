// helpers.mjs: what every playground end-to-end test needs: headless Chromium (through
// playwright-core, installed under .tools/ by .ci/setup, never a downloaded browser), the
// address of a running `silk serve` (PLAYGROUND_URL, set by run.sh), and readers for the
// page's observable state (body[data-state], tr[data-url], data-kind).

import { createRequire } from 'node:module';
import { readFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ARTIFACTS = join(ROOT, 'tests', 'artifacts');

const require = createRequire(join(ROOT, '.tools', 'node_modules', 'x.js'));
const { chromium } = require('playwright-core');

/** The playground's base URL, ending in `/`. */
export function playgroundUrl() {
  const url = process.env.PLAYGROUND_URL;
  if (!url) throw new Error('PLAYGROUND_URL is not set: run the tests with tests/playground/run.sh');
  return url.endsWith('/') ? url : `${url}/`;
}

/** The link `silk serve --relay` printed (`...?token=T`): opening it enables the relay. */
export function relayLink() {
  const link = process.env.PLAYGROUND_RELAY_LINK;
  if (!link) throw new Error('PLAYGROUND_RELAY_LINK is not set: run the tests with tests/playground/run.sh');
  return link;
}

/** The relay token, as the terminal shows it. */
export function relayToken() {
  return new URL(relayLink()).searchParams.get('token');
}

/** The demo site's ground truth, written by web/demo/generate.py. */
export function demoExpected() {
  return JSON.parse(readFileSync(join(ROOT, 'web', 'demo', 'expected.json'), 'utf8'));
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * Opens the playground at `query` in a new page and waits until the engine is loaded.
 * Collects page errors, console errors and dialogs into `page.problems` and `page.dialogs`.
 * Like a user who opened the link `silk serve` printed, the page can use the relay
 * (`authorize: false` opens it as any other link would, without the relay cookie).
 */
export async function openPlayground(browser, query = '', { width = 1360, height = 1000, authorize = true } = {}) {
  const page = await browser.newPage({ viewport: { width, height } });
  page.problems = [];
  page.dialogs = [];
  page.on('pageerror', (e) => page.problems.push(`pageerror: ${e.message}`));
  page.on('dialog', async (d) => { page.dialogs.push(d.message()); await d.dismiss(); });
  if (authorize) {
    const rest = query.startsWith('?') ? `&${query.slice(1)}` : query;
    await page.goto(`${relayLink()}${rest}`); // a 303 to `query`, setting the cookie
  } else {
    await page.goto(`${playgroundUrl()}${query}`);
  }
  await page.waitForSelector('body[data-ready="1"]', { timeout: 20000 });
  return page;
}

/** Waits until the crawl ends; returns the final state. */
export async function waitForEnd(page, timeout = 60000) {
  await page.waitForSelector('body[data-state="done"], body[data-state="cancelled"]', { timeout });
  return page.evaluate(() => document.body.dataset.state);
}

/** Every result row: its url, kind, and cells by column name. */
export async function rows(page) {
  return page.evaluate(() => {
    const names = [...document.querySelectorAll('#results thead th')].map((th) => th.textContent);
    return [...document.querySelectorAll('#results tr[data-url]')].map((tr) => ({
      url: tr.dataset.url,
      kind: tr.dataset.kind ?? null,
      cells: Object.fromEntries([...tr.children].map((td, i) => [names[i], td.textContent])),
    }));
  });
}

/** Sets form values the way a person would, so `input` events fire. */
export async function fill(page, values) {
  for (const [id, value] of Object.entries(values)) {
    if (typeof value === 'boolean') await page.setChecked(`#${id}`, value);
    else if (id === 'preset' || id === 'scope') await page.selectOption(`#${id}`, value);
    else await page.fill(`#${id}`, String(value));
  }
}

export function artifactPath(name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}

/** The lab's hostile XSS page (its own origin: `silk serve` serves it on another port). */
export async function labXssUrl() {
  return `${(await serveInfo()).lab}/demo/lab/xss.html`;
}

/** /serve.json as a client without the relay cookie sees it (`relay.token` is null). */
export async function serveInfo() {
  const resp = await fetch(`${playgroundUrl()}serve.json`);
  return resp.json();
}

/** `&field=...` query parameters for the demo's fields (from expected.json). */
export function demoFieldParams() {
  return demoExpected().fields.map((f) => `&field=${encodeURIComponent(`${f.name}=${f.selector}`)}`).join('');
}
