// app.js: the playground's wiring. Loads the wasm engine, restores settings from the URL,
// runs crawls (and the compare run) and routes their events to the views.
//
// No crawl logic lives here: `new Crawl(spec)` from ./pkg/silk.js is the same engine as
// `silk crawl`, and this file only listens. Every view is its own module (timeline,
// results, tester, controls); this one decides what happens when, and owns the page's
// observable state: <body data-state="idle|running|done|cancelled">.

import { el, byId, clear } from './js/dom.js';
import { Controls } from './js/controls.js';
import { defaults, fromQuery, toQuery, toSpec, autostartOf } from './js/settings.js';
import { presetSettings } from './js/presets.js';
import { loadServeInfo, setArenaLatency, crawlOptions } from './js/server.js';
import { Timeline, legend, formatMs, scaleFor } from './js/timeline.js';
import { ResultsTable } from './js/results.js';
import { SelectorTester } from './js/tester.js';
import { hintFor, BROWSER_LIMITS } from './js/explain.js';
import { toJsonl, toCsv, toSpecJson, download } from './js/export.js';

const BUILD_HINT = 'wasm-pack build crate --target web --out-dir ../web/pkg';

let silk = null; // the wasm module
let info = null; // /serve.json, or null from a static server
let controls;
let results;
let tester;
let running = null; // the settings of the running (or last) crawl; the form is locked meanwhile
let current = null; // the running Crawl
let currentMax = null; // its max_pages, for the progress bar
let cancelled = false;
let comparing = false;
const timelines = {};

function setState(state) {
  document.body.dataset.state = state;
  const running = state === 'running';
  byId('run').disabled = running;
  byId('compare').disabled = running;
  byId('cancel').disabled = !running;
  controls?.lock(running);
}

function notice(message) {
  const box = byId('notice');
  box.textContent = message || '';
  box.hidden = !message;
}

// ---- settings <-> URL ----------------------------------------------------------------

function syncUrl() {
  const q = toQuery(controls.read());
  history.replaceState(null, '', `${location.pathname}?${q}`);
  byId('share').value = `${location.origin}${location.pathname}?${q}&autostart=1`;
}

function initialSettings() {
  const q = new URLSearchParams(location.search);
  let preset = q.get('preset') || (q.has('url') ? 'custom' : 'demo');
  let preset_values = presetSettings(preset, info);
  if (!preset_values) {
    notice('The Arena preset needs `silk serve` (it starts the arena); showing the demo instead.');
    preset = 'demo';
    preset_values = presetSettings('demo', info);
    q.delete('preset');
  }
  const base = { ...defaults(), ...preset_values, preset };
  if (info && info.arena_latency_ms !== undefined) base.latency = info.arena_latency_ms;
  return fromQuery(q, base);
}

function applyPreset(name) {
  const values = presetSettings(name, info);
  if (values) controls.write({ ...controls.read(), ...values, preset: name });
  syncUrl();
}

// ---- one crawl ---------------------------------------------------------------------

function showCounters(c) {
  byId('n-done').textContent = c.done;
  byId('n-queued').textContent = c.queued;
  byId('n-flight').textContent = c.in_flight;
  byId('n-errors').textContent = c.errors;
  byId('n-rate').textContent = c.elapsed_ms > 0 ? (c.done / (c.elapsed_ms / 1000)).toFixed(1) : '0';
  byId('n-elapsed').textContent = formatMs(c.elapsed_ms);
  const bar = byId('progress');
  const known = c.done + c.queued + c.in_flight;
  bar.max = Math.max(1, currentMax ? Math.min(currentMax, known) : known);
  bar.value = c.done;
}

/** Runs one crawl to its end, feeding `timeline`, the table and the tester. */
async function runOne(spec, timeline) {
  const crawl = new silk.Crawl(spec, crawlOptions(info, running.relay)); // throws on a bad spec
  current = crawl;
  currentMax = spec.max_pages ?? null;
  timeline.reset(spec.concurrency);
  crawl.onEvent((ev) => {
    switch (ev.type) {
      case 'request':
        timeline.request(ev);
        break;
      case 'record':
        timeline.record(ev);
        results.add(ev.record);
        tester.offer(ev.record);
        break;
      case 'progress':
        showCounters(ev.counters);
        break;
      case 'finished':
        timeline.finish(ev.stats.elapsed_ms);
        break;
      default:
    }
  });
  timeline.start();
  const stats = await crawl.run();
  current = null;
  return stats;
}

/** Redraws the timelines every frame while a crawl runs; one time scale when comparing. */
function animate() {
  const seq = timelines.seq;
  const main = timelines.main;
  if (comparing) {
    const scale = scaleFor(Math.max(seq.extentMs, main.extentMs));
    seq.scaleMs = scale;
    main.scaleMs = scale;
    seq.draw();
  } else {
    main.scaleMs = null;
  }
  main.draw();
  if (document.body.dataset.state === 'running') requestAnimationFrame(animate);
}

function describe(stats) {
  const kinds = Object.entries(stats.error_kinds).map(([k, n]) => `${k}: ${n}`).join(', ');
  return `${stats.pages} records in ${formatMs(stats.elapsed_ms)} (${stats.pages_per_sec.toFixed(1)} pages/s)`
    + (stats.errors ? ` · ${stats.errors} errors (${kinds})` : '')
    + (stats.queued_remaining ? ` · ${stats.queued_remaining} URLs left queued` : '')
    + (stats.cancelled ? ' · cancelled' : '');
}

/** Banners for failures that come from the browser itself, with the way out. */
function showBrowserLimits(stats) {
  const banner = byId('limits-banner');
  const lines = BROWSER_LIMITS.filter((k) => stats.error_kinds[k])
    .map((k) => el('p', {}, [el('strong', { text: `${stats.error_kinds[k]} × ${k}` }), `: ${hintFor(k)}.`]));
  clear(banner).append(...lines);
  banner.hidden = lines.length === 0;
}

/** Common start of a crawl or compare run; returns the settings, or null if unusable. */
async function begin() {
  const s = controls.read();
  if (!s.seeds.length) {
    notice('Give a start URL (or pick a preset).');
    return null;
  }
  notice('');
  running = s;
  cancelled = false;
  byId('compare-result').hidden = true;
  byId('summary').textContent = '';
  byId('limits-banner').hidden = true;
  results.reset(toSpec(s).fields?.map((f) => f.name) ?? []);
  tester.reset();
  if (s.preset === 'arena' && info) {
    try {
      await setArenaLatency(s.latency);
    } catch (e) {
      notice(e.message);
    }
  }
  return s;
}

function end(stats) {
  setState(cancelled || stats?.cancelled ? 'cancelled' : 'done');
  if (stats) showBrowserLimits(stats);
  animate();
}

async function crawl() {
  const s = await begin();
  if (!s) return;
  comparing = false;
  byId('compare-view').hidden = true;
  byId('compare-note').hidden = true;
  byId('caption-main').textContent = `Timeline: concurrency ${s.c}`;
  const spec = toSpec(s);
  setState('running');
  requestAnimationFrame(animate);
  try {
    const stats = await runOne(spec, timelines.main);
    byId('summary').textContent = describe(stats);
    end(stats);
  } catch (e) {
    notice(e.message || String(e));
    current = null;
    setState('idle');
  }
}

async function compare() {
  const s = await begin();
  if (!s) return;
  comparing = true;
  byId('compare-view').hidden = false;
  byId('compare-note').hidden = false;
  timelines.seq.reset(1);
  timelines.main.reset(s.c);
  byId('caption-seq').textContent = 'Sequential: concurrency 1 (running…)';
  byId('caption-main').textContent = `Concurrent: concurrency ${s.c} (waiting)`;
  setState('running');
  requestAnimationFrame(animate);
  try {
    const seq = await runOne(toSpec(s, { concurrency: 1 }), timelines.seq);
    byId('caption-seq').textContent = `Sequential: concurrency 1 · ${describe(seq)}`;
    if (cancelled) return end(seq);
    results.reset(results.fieldNames); // the table shows the concurrent run
    tester.reset();
    byId('caption-main').textContent = `Concurrent: concurrency ${s.c} (running…)`;
    const par = await runOne(toSpec(s), timelines.main);
    byId('caption-main').textContent = `Concurrent: concurrency ${s.c} · ${describe(par)}`;
    byId('summary').textContent = describe(par);
    if (!cancelled && !par.cancelled) {
      const ratio = seq.elapsed_ms / Math.max(1, par.elapsed_ms);
      const same = seq.pages === par.pages ? '' : ` (note: ${seq.pages} vs ${par.pages} records)`;
      const out = byId('compare-result');
      clear(out).append(
        el('strong', { text: `${ratio.toFixed(1)}x faster` }),
        ` at concurrency ${s.c}: ${formatMs(par.elapsed_ms)} instead of ${formatMs(seq.elapsed_ms)}${same}.`,
      );
      out.hidden = false;
      out.dataset.ratio = ratio.toFixed(3);
    }
    end(par);
  } catch (e) {
    notice(e.message || String(e));
    current = null;
    setState('idle');
  }
}

function cancel() {
  cancelled = true;
  if (current) current.cancel();
}

// ---- exports -------------------------------------------------------------------------

function wireExports() {
  byId('export-jsonl').addEventListener('click', () =>
    download('silk-results.jsonl', toJsonl(results.records), 'application/x-ndjson'));
  byId('export-csv').addEventListener('click', () =>
    download('silk-results.csv', toCsv(results.records, results.fieldNames), 'text/csv'));
  byId('export-spec').addEventListener('click', () =>
    download('silk-spec.json', toSpecJson(toSpec(controls.read())), 'application/json'));
}

// ---- start -------------------------------------------------------------------------

async function main() {
  const auto = autostartOf(location.search); // read before syncUrl() rewrites the query
  const tooltip = byId('tooltip');
  timelines.main = new Timeline(byId('timeline-main'), tooltip);
  timelines.seq = new Timeline(byId('timeline-seq'), tooltip);
  byId('legend').append(legend());
  controls = new Controls({ onChange: syncUrl, onPreset: applyPreset });
  results = new ResultsTable(byId('results'), { onPick: (r) => tester.pick(r.url) });
  byId('run').addEventListener('click', crawl);
  byId('compare').addEventListener('click', compare);
  byId('cancel').addEventListener('click', cancel);
  wireExports();
  window.addEventListener('resize', () => { timelines.main.draw(); if (comparing) timelines.seq.draw(); });
  setState('idle');

  const [module, serveInfo] = await Promise.all([
    import('./pkg/silk.js').then(async (m) => { await m.default(); return m; }).catch((e) => e),
    loadServeInfo(),
  ]);
  info = serveInfo;
  if (module instanceof Error) {
    notice(`The wasm engine did not load (${module.message}). Build it from the workspace root: ${BUILD_HINT}`);
    byId('run').disabled = byId('compare').disabled = true;
    return;
  }
  silk = module;
  tester = new SelectorTester({
    testSelector: silk.testSelector,
    // Re-fetch pages the way the crawl that found them did.
    relay: () => crawlOptions(info, running?.relay)?.relay ?? null,
  });
  tester.reset();
  byId('about').textContent = `engine silk ${silk.version()} (wasm) · `
    + (info ? `served by silk serve${info.relay ? ' with relay' : ''}` : 'served by a static server: the demo works; the arena and relay need `silk serve`');

  controls.setAvailability(info);
  controls.write(initialSettings());
  syncUrl();
  timelines.main.draw();
  document.body.dataset.ready = '1';

  if (auto === 'compare') compare();
  else if (auto) crawl();
}

main();
