// units.test.mjs: the playground's pure logic for the Notes replay, without a browser:
// per-host lanes (web/js/lanes.js), the timeline's host group labels, the notes' arithmetic
// (web/js/notes.js) and what-limited-the-speed-up (web/js/speedup.js), on hand-made runs
// whose answers are known. `node --test tests/playground/units.test.mjs`.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HostLanes, originOf } from '../../web/js/lanes.js';
import { Timeline } from '../../web/js/timeline.js';
import { notesLatencyMs, compareTables, speedupText, NOTES_SPEEDUP } from '../../web/js/notes.js';
import { analyse, idleMs, rampMs, boundText, medianBarMs } from '../../web/js/speedup.js';

test('a request takes the first free lane of its host', () => {
  const lanes = new HostLanes();
  const bar = (url) => ({ url, origin: originOf(url), end: null });
  const a1 = bar('http://127.0.0.1:1/a');
  const a2 = bar('http://127.0.0.1:1/b');
  const b1 = bar('http://127.0.0.1:2/a');
  assert.equal(lanes.place(a1), 0);
  assert.equal(lanes.place(a2), 1);
  assert.equal(lanes.place(b1), 0, 'another host starts at its own lane 0');
  a1.end = 90;
  const a3 = bar('http://127.0.0.1:1/c');
  assert.equal(lanes.place(a3), 0, 'lane 0 of host 1 is free again');
  assert.deepEqual(lanes.summary(), [
    { origin: 'http://127.0.0.1:1', lanes: 2, requests: 3 },
    { origin: 'http://127.0.0.1:2', lanes: 1, requests: 1 },
  ]);
});

/** The part of a <canvas> the Timeline touches before drawing. */
function canvasStandIn() {
  return { dataset: {}, attrs: {}, addEventListener() {}, setAttribute(k, v) { this.attrs[k] = v; } };
}

test('timeline: one origin keeps slots; several group lanes by origin, labels show host limits', () => {
  const canvas = canvasStandIn();
  const t = new Timeline(canvas, {});
  t.reset(4);
  t.request({ url: 'http://127.0.0.1:1/', slot: 0, started_ms: 0 });
  assert.equal(t.grouped, false);
  assert.equal(canvas.dataset.groups, '[]');
  t.request({ url: 'http://127.0.0.1:2/x', slot: 1, started_ms: 1 });
  t.request({ url: 'http://127.0.0.1:2/y', slot: 2, started_ms: 2 });
  assert.equal(t.grouped, true);
  t.publish(); // draw() does this once per frame
  assert.deepEqual(JSON.parse(canvas.dataset.groups).map((g) => g.lanes), [1, 2]);
  const group = t.hosts.groups[1];
  assert.equal(t.groupLabel(group), '127.0.0.1:2 · 2 lanes · 2 requests', 'no limit without host_limits');
  t.setHostLimits([{ host: '127.0.0.1:2', limit: 3, delay_ms: 250 }]);
  assert.equal(t.groupLabel(group), '127.0.0.1:2 · 2 lanes · 2 requests · limit 3, delay 250 ms');
  t.setHostLimits([{ host: 'http://127.0.0.1:2', limit: 5, delay_ms: 0 }]);
  assert.equal(t.groupLabel(group), '127.0.0.1:2 · 2 lanes · 2 requests · limit 5');
});

test('timeline: one origin with AutoThrottle limits is drawn as a labelled group', () => {
  const t = new Timeline(canvasStandIn(), {});
  t.reset(4);
  t.request({ url: 'http://127.0.0.1:1/', slot: 0, started_ms: 0 });
  assert.equal(t.grouped, false, 'one origin, no limits: one lane per slot');
  t.setHostLimits([{ host: '127.0.0.1:1', limit: 2, delay_ms: 0 }]);
  assert.equal(t.grouped, true, 'the limit needs a label to show in');
  assert.equal(t.groupLabel(t.hosts.groups[0]), '127.0.0.1:1 · 1 lane · 1 request · limit 2');
});

test('the notes: 899.2 ms per page, time-scaled; tables scaled back to the notes\' units', () => {
  assert.equal(notesLatencyMs(10), 90);
  assert.equal(notesLatencyMs(1), 899);
  assert.equal(notesLatencyMs(50), 18);
  assert.equal(NOTES_SPEEDUP, 21.8);
  const t = compareTables({ seqMs: 24000, parMs: 1100, pages: 260, scale: 10, c: 24 });
  const measured = Object.fromEntries(t.measured);
  assert.equal(measured['one by one (concurrency 1)'], '240.0 s');
  assert.equal(measured['concurrent (concurrency 24)'], '11.0 s');
  assert.equal(measured['speed-up'], `${speedupText(24000, 1100)}x`);
  assert.equal(speedupText(24000, 1100), '21.8');
  assert.equal(measured['per page, one by one'], '0.923 s');
  assert.equal(Object.fromEntries(t.notes)['one by one (requests)'], '224.8 s');
});

test('idle time and ramp-up are measured from the bars', () => {
  const seq = [{ start: 0, end: 90 }, { start: 100, end: 190 }, { start: 195, end: 285 }];
  assert.equal(idleMs(seq, 300), 300 - 270);
  const par = [{ start: 0, end: 100 }, { start: 110, end: 200 }, { start: 111, end: 200 }, { start: 112, end: 210 }];
  assert.equal(rampMs(par, 3), 112);
  assert.equal(rampMs(par, 5), null);
  assert.equal(medianBarMs(par), 98); // 89, 90, 98, 100: the upper median
  assert.equal(medianBarMs([]), 0);
});

const base = {
  seqMs: 26000, parMs: 1200, pages: 260, c: 24, perHost: 6, hosts: 4, latencyMs: 90, levels: 3,
  seqIdleMs: 600, rampMs: 150, seqBarMs: 92, parBarMs: 110, target: 18,
};

test('a good notes run is not below, and its bound is 24 in flight', () => {
  const a = analyse(base);
  assert.equal(a.bound, 24);
  assert.equal(a.rounds, 11);
  assert.equal(a.below, false);
  assert.deepEqual(a.reasons, []);
  assert.match(boundText(a, base), /spanned 4 hosts: at most 6 × 4 = 24/);
});

test('one host: the browser\'s per-host cap is named', () => {
  const a = analyse({ ...base, hosts: 1, parMs: 4500 });
  assert.equal(a.bound, 6);
  assert.ok(a.below);
  const kinds = a.reasons.map((r) => r.kind);
  assert.deepEqual(kinds.slice(0, 2), ['per-host-cap', 'concurrency']);
  assert.ok(!kinds.includes('contention') && !kinds.includes('latency'), kinds.join());
});

test('a short latency against the measured overhead is named, with its numbers', () => {
  const a = analyse({ ...base, seqMs: 260 * 30, parMs: 900, latencyMs: 18 });
  const kinds = a.reasons.map((r) => r.kind);
  assert.ok(kinds.includes('latency'), kinds.join());
  assert.match(a.reasons.find((r) => r.kind === 'latency').text, /each page took 30 ms, of which 18 ms/);
});

test('CPU and shape are named when the run shows them', () => {
  const cpu = analyse({ ...base, parMs: 2600, seqIdleMs: 1560, latencyMs: null });
  assert.ok(cpu.reasons.some((r) => r.kind === 'cpu'), cpu.reasons.map((r) => r.kind).join());
  assert.match(cpu.reasons.find((r) => r.kind === 'cpu').text, /up to 6\.0 ms .* up to 1\.56 s for 260 pages, against 2\.60 s/);
  // 10 ms per page beyond the 90 ms wait, 2.6 s for 260 pages, against a 1.6 s run.
  const overhead = analyse({ ...base, parMs: 1600, seqIdleMs: 0 });
  assert.match(overhead.reasons.find((r) => r.kind === 'cpu').text, /up to 10\.0 ms .* up to 2\.60 s/);
  const shape = analyse({ ...base, parMs: 2600, rampMs: 1200 });
  assert.ok(shape.reasons.some((r) => r.kind === 'shape'));
  const slow = analyse({ ...base, parMs: 3400, parBarMs: 280 });
  assert.ok(slow.reasons.some((r) => r.kind === 'contention'), slow.reasons.map((r) => r.kind).join());
  assert.match(slow.reasons.find((r) => r.kind === 'contention').text, /took 280 ms at concurrency 24, against 92 ms one by one/);
  const capped = analyse({ ...base, hosts: 1, parMs: 4500, parBarMs: 400 });
  assert.ok(!capped.reasons.some((r) => r.kind === 'contention'), 'one host: the cap explains longer bars');
  const nothing = analyse({ ...base, parMs: 1600, rampMs: 100, seqIdleMs: 0, latencyMs: 99 });
  assert.deepEqual(nothing.reasons.map((r) => r.kind), ['none']);
});

test('without a target, below means under 80% of what c and hosts allow', () => {
  const arena = { ...base, pages: 40, c: 8, perHost: 8, hosts: 4, target: null, seqMs: 4000, levels: 2 };
  assert.equal(analyse({ ...arena, parMs: 600 }).below, false); // 6.7x of 8 possible
  assert.equal(analyse({ ...arena, parMs: 1000 }).below, true); // 4x
});
