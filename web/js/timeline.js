// timeline.js: the waterfall of a crawl on a <canvas>: one lane per concurrency slot, one
// bar per request from its start to its end, coloured by outcome, on a time axis.
//
// Why a canvas: a crawl is 1 to 500+ bars that change every frame while it runs; one
// canvas redrawn per animation frame stays smooth where hundreds of DOM nodes would not,
// and it never renders crawled text (URLs appear only in the hover tooltip, as text).
// The time scale is a parameter so the compare view can draw two crawls on ONE scale:
// then the sequential run's long single lane and the concurrent run's short stack of
// lanes can be compared by eye.

import { el } from './dom.js';

/** Outcome -> colour; also drives the legend, so the two never disagree. */
export const OUTCOMES = [
  { key: '2xx', label: '2xx', color: '#2f9e5b' },
  { key: '3xx', label: '3xx (redirect)', color: '#3a7bd5' },
  { key: '4xx', label: '4xx', color: '#e0a100' },
  { key: '5xx', label: '5xx', color: '#d64541' },
  { key: 'error', label: 'network / browser error', color: '#8e44ad' },
  { key: 'flight', label: 'in flight', color: '#9aa5b1' },
];
const COLOR = Object.fromEntries(OUTCOMES.map((o) => [o.key, o.color]));

/** The outcome class of a record. */
export function outcomeOf(record) {
  const s = record.status;
  if (typeof s === 'number') {
    if (s >= 500) return '5xx';
    if (s >= 400) return '4xx';
    if (s >= 300) return '3xx';
    if (s >= 200) return '2xx';
  }
  return 'error';
}

/** A legend as DOM nodes. */
export function legend() {
  return el('ul', { class: 'legend' }, OUTCOMES.map((o) => {
    const swatch = el('span', { class: 'swatch' });
    swatch.style.background = o.color; // CSSOM, allowed by the page's CSP (no inline styles)
    return el('li', {}, [swatch, o.label]);
  }));
}

/** A "nice" step (1, 2 or 5 times a power of ten) so that `span` has about `ticks` steps. */
function niceStep(span, ticks) {
  const raw = span / ticks;
  const pow = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (raw <= m * pow) return m * pow;
  return 10 * pow;
}

/** The time scale that fits `ms` with a little room: a round number. */
export function scaleFor(ms) {
  const span = Math.max(ms * 1.04, 50);
  const step = niceStep(span, 8);
  return Math.ceil(span / step) * step;
}

export function formatMs(ms) {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
}

const GUTTER = 34; // lane labels
const AXIS = 22; // tick labels under the lanes
const TOP = 4;
const MAX_PLOT = 300; // lanes never take more than this many CSS pixels

export class Timeline {
  /** `canvas`: the drawing surface; `tooltip`: a positioned element for hover text. */
  constructor(canvas, tooltip) {
    this.canvas = canvas;
    this.tooltip = tooltip;
    this.reset(1);
    canvas.addEventListener('mousemove', (e) => this.hover(e));
    canvas.addEventListener('mouseleave', () => this.hideTooltip());
  }

  /** Empties the timeline for a crawl with `lanes` slots. */
  reset(lanes) {
    this.lanes = Math.max(1, lanes);
    this.bars = [];
    this.pending = new Map(); // url -> bar still in flight
    this.startedAt = null; // performance.now() when the crawl started
    this.finishedMs = null;
    this.scaleMs = null; // null: fit this timeline alone
  }

  /** Marks the crawl's start (the engine's clock starts about now). */
  start() {
    this.startedAt = performance.now();
  }

  /** Milliseconds of the crawl so far (or its total, once finished). */
  get nowMs() {
    if (this.finishedMs !== null) return this.finishedMs;
    if (this.startedAt === null) return 0;
    return performance.now() - this.startedAt;
  }

  /** The time this timeline needs to show everything it has. */
  get extentMs() {
    let end = this.nowMs;
    for (const b of this.bars) end = Math.max(end, b.end ?? b.start);
    return end;
  }

  /** A `request` event: a bar opens in its slot. */
  request(ev) {
    const bar = { url: ev.url, slot: ev.slot, start: ev.started_ms, end: null, outcome: 'flight', label: 'in flight' };
    this.bars.push(bar);
    this.pending.set(ev.url, bar);
  }

  /** A `record` event: its bar closes (or appears, for URLs never requested, e.g. robots). */
  record(ev) {
    const r = ev.record;
    let bar = this.pending.get(r.url);
    if (bar) this.pending.delete(r.url);
    else {
      bar = { url: r.url, slot: ev.slot };
      this.bars.push(bar);
    }
    bar.slot = ev.slot;
    bar.start = ev.started_ms;
    bar.end = ev.started_ms + (r.elapsed_ms || 0);
    bar.outcome = outcomeOf(r);
    bar.label = r.error ? `${r.status ?? ''} ${r.error.kind}`.trim() : String(r.status);
  }

  /** The crawl ended after `elapsedMs`; bars still open (cancelled) end there. */
  finish(elapsedMs) {
    this.finishedMs = elapsedMs;
    for (const bar of this.pending.values()) {
      bar.end = elapsedMs;
      bar.outcome = 'error';
      bar.label = 'aborted';
    }
    this.pending.clear();
  }

  /** Geometry for the current size and lane count. */
  layout() {
    const width = Math.max(200, this.canvas.clientWidth || 600);
    const laneH = Math.max(3, Math.min(20, Math.floor(MAX_PLOT / this.lanes)));
    const height = TOP + laneH * this.lanes + AXIS;
    const scale = this.scaleMs ?? scaleFor(this.extentMs);
    return { width, height, laneH, plotW: width - GUTTER - 10, scale };
  }

  x(ms, g) {
    return GUTTER + (ms / g.scale) * g.plotW;
  }

  /** Redraws everything. Cheap enough to call every animation frame. */
  draw() {
    const g = this.layout();
    const dpr = window.devicePixelRatio || 1;
    if (this.canvas.style.height !== `${g.height}px`) this.canvas.style.height = `${g.height}px`;
    const pw = Math.round(g.width * dpr);
    const ph = Math.round(g.height * dpr);
    if (this.canvas.width !== pw || this.canvas.height !== ph) {
      this.canvas.width = pw;
      this.canvas.height = ph;
    }
    const ctx = this.canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, g.width, g.height);

    // Lanes, with a label every few lanes.
    const labelEvery = Math.ceil(12 / g.laneH);
    ctx.font = '10px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    for (let i = 0; i < this.lanes; i++) {
      const y = TOP + i * g.laneH;
      ctx.fillStyle = i % 2 ? '#f1f3f5' : '#f8f9fa';
      ctx.fillRect(GUTTER, y, g.plotW, g.laneH);
      if (i % labelEvery === 0) {
        ctx.fillStyle = '#6c757d';
        ctx.textAlign = 'right';
        ctx.fillText(`#${i}`, GUTTER - 4, y + Math.min(g.laneH, 12) / 2);
      }
    }

    // Time axis.
    const step = niceStep(g.scale, Math.max(2, Math.floor(g.plotW / 90)));
    const axisY = TOP + this.lanes * g.laneH;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (let t = 0; t <= g.scale + 1e-9; t += step) {
      const x = this.x(t, g);
      ctx.fillStyle = '#dee2e6';
      ctx.fillRect(Math.round(x), TOP, 1, this.lanes * g.laneH);
      ctx.fillStyle = '#495057';
      ctx.fillText(formatMs(t), Math.min(x, g.width - 24), axisY + 5);
    }

    // Bars.
    const now = this.nowMs;
    const barH = Math.max(2, g.laneH - (g.laneH > 6 ? 2 : 1));
    for (const b of this.bars) {
      const x0 = this.x(b.start, g);
      const x1 = this.x(b.end ?? now, g);
      ctx.fillStyle = COLOR[b.outcome];
      ctx.fillRect(x0, TOP + b.slot * g.laneH + (g.laneH - barH) / 2, Math.max(1.5, x1 - x0), barH);
    }

    // "Now" line while running.
    if (this.finishedMs === null && this.startedAt !== null) {
      ctx.fillStyle = '#212529';
      ctx.fillRect(Math.min(this.x(now, g), GUTTER + g.plotW), TOP, 1, this.lanes * g.laneH);
    }
    this.geometry = g;
  }

  /** The bar under a mouse position, if any. */
  barAt(offsetX, offsetY) {
    const g = this.geometry;
    if (!g) return null;
    const lane = Math.floor((offsetY - TOP) / g.laneH);
    if (lane < 0 || lane >= this.lanes) return null;
    const t = ((offsetX - GUTTER) / g.plotW) * g.scale;
    const slack = (3 / g.plotW) * g.scale; // a few pixels, so thin bars can be hovered
    let best = null;
    for (const b of this.bars) {
      if (b.slot !== lane) continue;
      const end = b.end ?? this.nowMs;
      if (t >= b.start - slack && t <= end + slack) {
        if (!best || Math.abs(t - b.start) < Math.abs(t - best.start)) best = b;
      }
    }
    return best;
  }

  hover(e) {
    const bar = this.barAt(e.offsetX, e.offsetY);
    if (!bar) return this.hideTooltip();
    const ms = (bar.end ?? this.nowMs) - bar.start;
    this.tooltip.textContent = `${bar.label} · ${formatMs(ms)} · slot ${bar.slot}\n${bar.url}`;
    this.tooltip.hidden = false;
    const box = this.canvas.getBoundingClientRect();
    const left = Math.min(box.left + window.scrollX + e.offsetX + 12, window.scrollX + document.documentElement.clientWidth - 380);
    this.tooltip.style.left = `${Math.max(4, left)}px`;
    this.tooltip.style.top = `${box.top + window.scrollY + e.offsetY + 14}px`;
  }

  hideTooltip() {
    this.tooltip.hidden = true;
  }
}
