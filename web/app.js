// app.js: the playground's wiring. Loads the wasm engine, restores settings from the URL,
// runs crawls (and the compare run) and routes their events to the views.
//
// No crawl logic lives here: `new Crawl(spec)` from ./pkg/silk.js is the same engine as
// `silk crawl`, and this file only listens. Every view is its own module (timeline,
// results, items, tester, controls, the Code panel); this one decides what happens when,
// and owns the page's observable state: <body data-state="idle|running|done|cancelled">.
// With "Use my handler" on, the Code panel's source is compiled (js/compile.js) before each
// run and handed to `crawl.onPage`; the engine calls it on every page.

import { el, byId, clear } from './js/dom.js';
import { Controls } from './js/controls.js';
import { defaults, fromQuery, toQuery, toSpec, fromSpec, autostartOf } from './js/settings.js';
import { presetSettings } from './js/presets.js';
import { loadServeInfo, setArenaLatency, setNotesLatency, crawlOptions } from './js/server.js';
import { Timeline, legend, formatMs, scaleFor } from './js/timeline.js';
import { CodesPanel } from './js/codes-panel.js';
import { showCompare, resetCompare } from './js/compare-view.js';
import { notesLatencyMs } from './js/notes.js';
import { ResultsTable } from './js/results.js';
import { SelectorTester } from './js/tester.js';
import { hintFor, BROWSER_LIMITS } from './js/explain.js';
import { toJsonl, toCsv, toSpecJson, toItemsJsonl, download } from './js/export.js';
import { CodePanel } from './js/editor.js';
import { HandlerRuns } from './js/handler.js';
import { ItemsTable } from './js/items.js';
import { starterFor, isStarter } from './js/starters.js';

const BUILD_HINT = 'wasm-pack build crate --target web --out-dir ../web/pkg';

let silk = null; // the wasm module
let info = null; // /serve.json, or null from a static server
let controls;
let code; // the Code panel
let handlers; // compiles its code per run, reports its errors
let results;
let items; // the Items table
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
  byId('import-spec').disabled = running;
  controls?.lock(running);
  code?.lock(running);
}

function notice(message) {
  const box = byId('notice');
  box.textContent = message || '';
  box.hidden = !message;
}

// ---- settings <-> URL ----------------------------------------------------------------

/** Every setting: the form's and the Code panel's. */
function readSettings() {
  return { ...controls.read(), ...code.read() };
}

function writeSettings(s) {
  controls.write(s);
  code.write(s);
  byId('handler-note').hidden = !s.handler;
}

function syncUrl() {
  const s = readSettings();
  byId('handler-note').hidden = !s.handler;
  const q = toQuery(s);
  history.replaceState(null, '', `${location.pathname}?${q}`);
  byId('share').value = `${location.origin}${location.pathname}?${q}&autostart=1`;
}

function initialSettings() {
  const q = new URLSearchParams(location.search);
  let preset = q.get('preset') || (q.has('url') ? 'custom' : 'demo');
  let preset_values = presetSettings(preset, info);
  if (!preset_values) {
    const what = preset === 'notes' ? 'The Notes replay preset needs `silk serve` (it serves the films catalogue)' : 'The Arena preset needs `silk serve` (it starts the arena)';
    notice(`${what}; showing the demo instead.`);
    preset = 'demo';
    preset_values = presetSettings('demo', info);
    q.delete('preset');
  }
  const base = { ...defaults(), ...preset_values, preset, code: starterFor(preset) };
  if (info && info.arena_latency_ms !== undefined) base.latency = info.arena_latency_ms;
  return fromQuery(q, base);
}

function applyPreset(name) {
  const values = presetSettings(name, info);
  if (values) {
    const s = readSettings();
    // A starter nobody edited follows the preset; edited code stays.
    writeSettings({ ...s, ...values, preset: name, code: isStarter(s.code) ? starterFor(name) : s.code });
  }
  syncUrl();
}

// ---- one crawl ---------------------------------------------------------------------

function showCounters(c) {
  byId('n-done').textContent = c.done;
  byId('n-queued').textContent = c.queued;
  byId('n-flight').textContent = c.in_flight;
  byId('n-errors').textContent = c.errors;
  byId('pages-count').textContent = results.records.length;
  byId('n-rate').textContent = c.elapsed_ms > 0 ? (c.done / (c.elapsed_ms / 1000)).toFixed(1) : '0';
  byId('n-elapsed').textContent = formatMs(c.elapsed_ms);
  const bar = byId('progress');
  const known = c.done + c.queued + c.in_flight;
  bar.max = Math.max(1, currentMax ? Math.min(currentMax, known) : known);
  bar.value = c.done;
}

// ---- the handler -------------------------------------------------------------------

function showItemCount() {
  byId('n-items').textContent = items.count;
  byId('items-count').textContent = items.count;
}

/** Shows the pages or the items table. */
function showView(view) {
  const pages = view === 'pages';
  byId('pages-wrap').hidden = !pages;
  byId('items-wrap').hidden = pages;
  byId('view-pages').setAttribute('aria-selected', String(pages));
  byId('view-items').setAttribute('aria-selected', String(!pages));
}

/** Runs one crawl to its end, feeding `timeline`, the tables and the tester. */
async function runOne(spec, timeline, handler) {
  const crawl = new silk.Crawl(spec, crawlOptions(info, running.relay)); // throws on a bad spec
  if (handler) crawl.onPage(handler);
  current = crawl;
  currentMax = spec.max_pages ?? null;
  timeline.reset(spec.concurrency);
  crawl.onEvent((ev) => {
    switch (ev.type) {
      case 'request':
        timeline.request(ev);
        break;
      case 'item':
        items.add(ev.item, ev.url);
        showItemCount();
        break;
      case 'record':
        timeline.record(ev);
        results.add(ev.record);
        tester.offer(ev.record);
        break;
      case 'progress':
        showCounters(ev.counters);
        if (ev.counters.host_limits) timeline.setHostLimits(ev.counters.host_limits);
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

/**
 * Redraws the timelines while a crawl runs, at most every DRAW_EVERY_MS (each redraw makes
 * the browser paint, and hit-test under the pointer, on the tab's one thread, the engine's
 * too); one time scale when comparing.
 */
const DRAW_EVERY_MS = 66;
let lastDraw = -Infinity;
function animate(now = performance.now()) {
  if (document.body.dataset.state === 'running') {
    requestAnimationFrame(animate);
    if (now - lastDraw < DRAW_EVERY_MS) return;
  }
  lastDraw = now;
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
}

function describe(stats) {
  const kinds = Object.entries(stats.error_kinds).map(([k, n]) => `${k}: ${n}`).join(', ');
  return `${stats.pages} records in ${formatMs(stats.elapsed_ms)} (${stats.pages_per_sec.toFixed(1)} pages/s)`
    + (stats.items ? ` · ${stats.items} items` : '')
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
  const s = readSettings();
  if (!s.seeds.length) {
    notice('Give a start URL (or pick a preset).');
    return null;
  }
  notice('');
  try {
    s.compiled = await handlers.start(s);
  } catch (e) {
    notice(`Your handler did not compile: ${e.message}${e.line ? ` (line ${e.line})` : ''}. Fix it in the Code panel and press Crawl again.`);
    return null;
  }
  running = s;
  cancelled = false;
  resetCompare();
  byId('summary').textContent = '';
  byId('limits-banner').hidden = true;
  results.reset(toSpec(s).fields?.map((f) => f.name) ?? []);
  items.reset();
  showItemCount();
  showView(s.handler ? 'items' : 'pages');
  tester.reset();
  if (s.preset === 'arena' && info) {
    try {
      await setArenaLatency(s.latency);
    } catch (e) {
      notice(e.message);
    }
  }
  if (s.preset === 'notes' && info && info.notes) {
    try {
      await setNotesLatency(notesLatencyMs(s.scale));
    } catch (e) {
      notice(e.message);
    }
  }
  return s;
}

function end(stats) {
  results.flush();
  byId('pages-count').textContent = results.records.length;
  handlers.finish(stats, items.count, results.records.find((r) => r.error?.kind === 'handler'));
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
    const stats = await runOne(spec, timelines.main, s.compiled);
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
    const seq = await runOne(toSpec(s, { concurrency: 1 }), timelines.seq, s.compiled);
    byId('caption-seq').textContent = `Sequential: concurrency 1 · ${describe(seq)}`;
    if (cancelled) return end(seq);
    results.reset(results.fieldNames); // the tables show the concurrent run
    items.reset();
    showItemCount();
    tester.reset();
    byId('caption-main').textContent = `Concurrent: concurrency ${s.c} (running…)`;
    const par = await runOne(toSpec(s), timelines.main, s.compiled && await handlers.compile(s)); // fresh state
    byId('caption-main').textContent = `Concurrent: concurrency ${s.c} · ${describe(par)}`;
    byId('summary').textContent = describe(par);
    if (!cancelled && !par.cancelled) {
      showCompare({
        s, seq, par, seqTimeline: timelines.seq, parTimeline: timelines.main, records: results.records,
        latencyMs: latencyOf(s), notes: s.preset === 'notes',
      });
    }
    end(par);
  } catch (e) {
    notice(e.message || String(e));
    current = null;
    setState('idle');
  }
}

/** The server's per-page wait for this crawl, when the page set it (arena, notes); else null. */
function latencyOf(s) {
  if (s.preset === 'arena' && info) return s.latency;
  if (s.preset === 'notes' && info && info.notes) return notesLatencyMs(s.scale);
  return null;
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
  byId('export-items').addEventListener('click', () =>
    download('silk-items.jsonl', toItemsJsonl(items.items.map((i) => i.item)), 'application/x-ndjson'));
  byId('export-spec').addEventListener('click', () =>
    download('silk-spec.json', toSpecJson(toSpec(readSettings())), 'application/json'));
  const file = byId('import-file');
  byId('import-spec').addEventListener('click', () => file.click());
  file.addEventListener('change', async () => {
    const [picked] = file.files;
    file.value = '';
    if (picked) importSpec(picked.name, await picked.text());
  });
}

/** Loads a spec file into the form and the Code panel. */
function importSpec(name, text) {
  let spec;
  try {
    spec = JSON.parse(text);
  } catch (e) {
    notice(`${name} is not JSON (${e.message}).`);
    return;
  }
  try {
    const { settings, ignored } = fromSpec(spec, readSettings());
    writeSettings(settings);
    syncUrl();
    notice(ignored.length ? `Imported ${name}; the playground has no control for: ${ignored.join(', ')} (not used here).` : '');
  } catch (e) {
    notice(`${name}: ${e.message}.`);
  }
}

// ---- start -------------------------------------------------------------------------

function relayNote(info) {
  if (!info.relay) return '';
  return info.relay.token ? ' with relay' : ' (relay off in this browser: open the link silk serve printed, with ?token=)';
}

async function main() {
  const auto = autostartOf(location.search); // read before syncUrl() rewrites the query
  const tooltip = byId('tooltip');
  timelines.main = new Timeline(byId('timeline-main'), tooltip);
  timelines.seq = new Timeline(byId('timeline-seq'), tooltip);
  byId('legend').append(legend());
  const codes = new CodesPanel(byId('codes-body'), [timelines.main, timelines.seq]);
  controls = new Controls({ onChange: syncUrl, onPreset: applyPreset });
  code = new CodePanel({
    onChange: syncUrl,
    onRun: () => { if (document.body.dataset.state !== 'running' && silk) crawl(); },
    onReset: () => {
      code.write({ ...code.read(), code: starterFor(controls.read().preset) });
      syncUrl();
    },
  });
  handlers = new HandlerRuns(code);
  results = new ResultsTable(byId('results'), { onPick: (r) => tester.pick(r.url) });
  items = new ItemsTable(byId('items'));
  byId('view-pages').addEventListener('click', () => showView('pages'));
  byId('view-items').addEventListener('click', () => showView('items'));
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
    + (info ? `served by silk serve${relayNote(info)}` : 'served by a static server: the demo works; the arena and relay need `silk serve`');

  controls.setAvailability(info);
  codes.linkSources(info); // not awaited: links appear when the sources answer
  writeSettings(initialSettings());
  syncUrl();
  timelines.main.draw();
  document.body.dataset.ready = '1';

  if (!auto) return;
  const start = auto === 'compare' ? compare : crawl;
  if (readSettings().relay) confirmRelayed(start);
  else start();
}

/**
 * A link that asks for a crawl through the relay starts only after a click here: any site
 * can open a playground link, and the relay fetches from this machine (the server also
 * refuses private addresses, but a link alone must never make this machine fetch).
 */
function confirmRelayed(start) {
  const box = byId('confirm-relay');
  const seeds = readSettings().seeds;
  const hosts = [...new Set(seeds.map((u) => { try { return new URL(u).host; } catch { return u; } }))];
  byId('confirm-relay-text').textContent = `This link asks to crawl ${seeds.join(', ')} through the relay, which fetches from your machine. Start it only if you trust the link.`;
  const go = byId('confirm-relay-go');
  go.textContent = `Crawl ${hosts.join(', ')} through the relay`;
  const close = () => { box.hidden = true; };
  go.onclick = () => { close(); if (document.body.dataset.state !== 'running') start(); };
  byId('confirm-relay-no').onclick = close;
  box.hidden = false;
}

main();
