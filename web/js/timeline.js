// timeline.js: the waterfall of a crawl on a <canvas>: one lane per concurrency slot, one
// bar per request from its start to its end, coloured by outcome, on a time axis. When a
// crawl spans several origins the lanes are grouped by origin instead (js/lanes.js: a label
// per group, a request in the first free lane of its host), so per-host limits show.
//
// Why a canvas: a crawl is 1 to 500+ bars that change constantly while it runs; one
// canvas redrawn about 15 times a second (app.js) stays smooth where hundreds of DOM nodes
// would not,
// and it never renders crawled text (URLs appear only in the hover tooltip, as text).
// The time scale is a parameter so the compare view can draw two crawls on ONE scale:
// then the sequential run's long single lane and the concurrent run's short stack of
// lanes can be compared by eye.

import { el } from './dom.js';
import { HostLanes, originOf } from './lanes.js';

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
const HEADER = 14; // a host group's label row
const MAX_PLOT = 300; // lanes never take more than this many CSS pixels
const HIGHLIGHT = '#ffe8a3';
const HIGHLIGHT_LINE = '#e8590c';

/** `{host, limit, delay_ms}` entries by origin and by host:port, for group labels. */
function limitsByKey(list) {
  const out = new Map();
  for (const h of Array.isArray(list) ? list : []) {
    if (!h || typeof h.host !== 'string') continue;
    out.set(h.host, h);
    out.set(originOf(h.host) || h.host, h);
  }
  return out;
}

export class Timeline {
  /** `canvas`: the drawing surface; `tooltip`: a positioned element for hover text. */
  constructor(canvas, tooltip) {
    this.canvas = canvas;
    this.tooltip = tooltip;
    this.highlight = null; // null, 'lanes', 'bars', 'groups' or 'plot' (the codes panel's hover)
    // The canvas's CSS width, kept current by a ResizeObserver: reading clientWidth in every
    // frame would force a synchronous layout of the whole page (the results table grows
    // while a crawl runs), which costs the tab more than the drawing itself.
    this.cssWidth = null;
    if (typeof ResizeObserver === 'function') {
      new ResizeObserver((entries) => {
        this.cssWidth = entries[entries.length - 1].contentRect.width || null;
      }).observe(canvas);
    }
    this.reset(1);
    canvas.addEventListener('mousemove', (e) => this.hover(e));
    canvas.addEventListener('mouseleave', () => this.hideTooltip());
  }

  /** Empties the timeline for a crawl with `lanes` slots. */
  reset(lanes) {
    this.lanes = Math.max(1, lanes);
    this.bars = [];
    this.pending = new Map(); // url -> bar still in flight
    this.hosts = new HostLanes();
    this.hostLimits = new Map();
    this.startedAt = null; // performance.now() when the crawl started
    this.finishedMs = null;
    this.scaleMs = null; // null: fit this timeline alone
    this.publish();
  }

  /**
   * Lanes grouped by origin: the crawl has seen more than one, or AutoThrottle reports
   * per-host limits (a group's label is where a host's current limit shows).
   */
  get grouped() {
    return this.hosts.size > 1 || this.hostLimits.size > 0;
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

  /** A `request` event: a bar opens in its slot (and in its host's first free lane). */
  request(ev) {
    const bar = {
      url: ev.url, origin: originOf(ev.url), slot: ev.slot, start: ev.started_ms, end: null,
      outcome: 'flight', label: 'in flight',
    };
    this.bars.push(bar);
    this.pending.set(ev.url, bar);
    this.hosts.place(bar);
    this.dirty = true;
  }

  /** A `record` event: its bar closes (or appears, for URLs never requested, e.g. robots). */
  record(ev) {
    const r = ev.record;
    let bar = this.pending.get(r.url);
    let placed = true;
    if (bar) this.pending.delete(r.url);
    else {
      bar = { url: r.url, origin: originOf(r.url), slot: ev.slot };
      this.bars.push(bar);
      placed = false;
    }
    bar.slot = ev.slot;
    bar.start = ev.started_ms;
    bar.end = ev.started_ms + (r.elapsed_ms || 0);
    bar.outcome = outcomeOf(r);
    bar.label = r.error ? `${r.status ?? ''} ${r.error.kind}`.trim() : String(r.status);
    if (!placed) {
      this.hosts.place(bar);
      this.dirty = true;
    }
  }

  /** A progress event's `host_limits` (`[{host, limit, delay_ms}]`), when the engine sends them. */
  setHostLimits(list) {
    this.hostLimits = limitsByKey(list);
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
    this.publish();
  }

  /** Per-host lanes and requests, also on the canvas as `data-groups` (tests, tools). */
  summary() {
    return this.hosts.summary();
  }

  /** Writes the summary onto the canvas (once per drawn frame at most, and at the end). */
  publish() {
    this.dirty = false;
    this.canvas.dataset.groups = JSON.stringify(this.grouped ? this.summary() : []);
    this.canvas.setAttribute('aria-label', this.grouped
      ? `timeline, ${this.hosts.size} hosts: ${this.summary().map((g) => `${g.origin} ${g.lanes} lanes`).join(', ')}`
      : `timeline, ${this.lanes} lanes`);
  }

  /** The label of a host group: its host, lanes, requests, and its limit when known. */
  groupLabel(group) {
    const limit = this.hostLimits.get(group.origin) ?? this.hostLimits.get(group.host);
    const n = group.lanes.length;
    return `${group.host} · ${n} lane${n === 1 ? '' : 's'} · ${group.requests} request${group.requests === 1 ? '' : 's'}`
      + (limit ? ` · limit ${limit.limit}${limit.delay_ms ? `, delay ${Math.round(limit.delay_ms)} ms` : ''}` : '');
  }

  /**
   * The rows to draw: in one-origin mode one row per slot; grouped, a header and the lanes
   * of each host. Each row: `{ y, group, lane }` (group null in one-origin mode).
   */
  rows(laneH) {
    const rows = [];
    const heads = [];
    let y = TOP;
    if (!this.grouped) {
      for (let i = 0; i < this.lanes; i++, y += laneH) rows.push({ y, group: null, lane: i });
      return { rows, heads, bottom: y };
    }
    for (const group of this.hosts.groups) {
      heads.push({ y, group });
      y += HEADER;
      for (let i = 0; i < group.lanes.length; i++, y += laneH) rows.push({ y, group, lane: i });
    }
    return { rows, heads, bottom: y };
  }

  /** Geometry for the current size and lane count. */
  layout() {
    const width = Math.max(200, this.cssWidth ?? (this.canvas.clientWidth || 600));
    const lanes = this.grouped ? Math.max(1, this.hosts.laneCount) : this.lanes;
    const heads = this.grouped ? this.hosts.size * HEADER : 0;
    const laneH = Math.max(3, Math.min(20, Math.floor(Math.max(MAX_PLOT - heads, 60) / lanes)));
    const { rows, heads: headRows, bottom } = this.rows(laneH);
    const height = bottom + AXIS;
    const scale = this.scaleMs ?? scaleFor(this.extentMs);
    return { width, height, laneH, plotW: width - GUTTER - 10, scale, rows, headRows, plotBottom: bottom };
  }

  x(ms, g) {
    return GUTTER + (ms / g.scale) * g.plotW;
  }

  /** The y of a bar's lane, or null when its lane is not drawn. */
  barY(b, g) {
    if (!this.grouped) return TOP + b.slot * g.laneH;
    const row = g.rows.find((r) => r.group.origin === b.origin && r.lane === b.lane);
    return row ? row.y : null;
  }

  /** Redraws everything. Cheap enough to call every animation frame. */
  draw() {
    if (this.dirty) this.publish();
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
    const plotH = g.plotBottom - TOP;

    // Lanes, with a label every few lanes (per group when grouped).
    const labelEvery = Math.ceil(12 / g.laneH);
    ctx.font = '10px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    for (const row of g.rows) {
      const lit = this.highlight === 'lanes';
      ctx.fillStyle = lit ? (row.lane % 2 ? '#ffe08a' : HIGHLIGHT) : (row.lane % 2 ? '#f1f3f5' : '#f8f9fa');
      ctx.fillRect(GUTTER, row.y, g.plotW, g.laneH);
      if (row.lane % labelEvery === 0) {
        ctx.fillStyle = '#6c757d';
        ctx.textAlign = 'right';
        ctx.fillText(`#${row.lane}`, GUTTER - 4, row.y + Math.min(g.laneH, 12) / 2);
      }
    }
    // Host groups: a label row above each.
    for (const head of g.headRows) {
      const lit = this.highlight === 'groups';
      ctx.fillStyle = lit ? HIGHLIGHT : '#e7edf3';
      ctx.fillRect(0, head.y, g.width, HEADER - 1);
      ctx.fillStyle = '#334e68';
      ctx.textAlign = 'left';
      ctx.fillText(this.groupLabel(head.group), 4, head.y + HEADER / 2);
      if (lit) {
        const lanesH = head.group.lanes.length * g.laneH;
        ctx.strokeStyle = HIGHLIGHT_LINE;
        ctx.lineWidth = 1.5;
        ctx.strokeRect(1, head.y + 0.5, g.width - 2, HEADER + lanesH - 1);
      }
    }

    // Time axis.
    const step = niceStep(g.scale, Math.max(2, Math.floor(g.plotW / 90)));
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (let t = 0; t <= g.scale + 1e-9; t += step) {
      const x = this.x(t, g);
      ctx.fillStyle = 'rgba(173, 181, 189, 0.5)';
      ctx.fillRect(Math.round(x), TOP, 1, plotH);
      ctx.fillStyle = '#495057';
      ctx.fillText(formatMs(t), Math.min(x, g.width - 24), g.plotBottom + 5);
    }

    // Bars.
    const now = this.nowMs;
    const barH = Math.max(2, g.laneH - (g.laneH > 6 ? 2 : 1));
    for (const b of this.bars) {
      const y = this.barY(b, g);
      if (y === null) continue;
      const x0 = this.x(b.start, g);
      const x1 = this.x(b.end ?? now, g);
      ctx.fillStyle = COLOR[b.outcome];
      ctx.fillRect(x0, y + (g.laneH - barH) / 2, Math.max(1.5, x1 - x0), barH);
      if (this.highlight === 'bars') {
        ctx.strokeStyle = HIGHLIGHT_LINE;
        ctx.lineWidth = 1;
        ctx.strokeRect(x0, y + (g.laneH - barH) / 2, Math.max(1.5, x1 - x0), barH);
      }
    }
    if (this.highlight === 'plot') {
      ctx.strokeStyle = HIGHLIGHT_LINE;
      ctx.lineWidth = 2;
      ctx.strokeRect(GUTTER - 1, TOP - 1, g.plotW + 2, plotH + 2);
    }

    // "Now" line while running.
    if (this.finishedMs === null && this.startedAt !== null) {
      ctx.fillStyle = '#212529';
      ctx.fillRect(Math.min(this.x(now, g), GUTTER + g.plotW), TOP, 1, plotH);
    }
    this.geometry = g;
  }

  /** Shows what a concept of the codes panel explains (null: nothing). */
  setHighlight(target) {
    this.highlight = target;
    this.canvas.dataset.highlight = target ?? '';
    this.draw();
  }

  /** The bar under a mouse position, if any. */
  barAt(offsetX, offsetY) {
    const g = this.geometry;
    if (!g) return null;
    const row = g.rows.find((r) => offsetY >= r.y && offsetY < r.y + g.laneH);
    if (!row) return null;
    const t = ((offsetX - GUTTER) / g.plotW) * g.scale;
    const slack = (3 / g.plotW) * g.scale; // a few pixels, so thin bars can be hovered
    let best = null;
    for (const b of this.bars) {
      if (row.group ? (b.origin !== row.group.origin || b.lane !== row.lane) : b.slot !== row.lane) continue;
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
    const where = this.grouped ? `slot ${bar.slot} · lane ${bar.lane} of its host` : `slot ${bar.slot}`;
    this.tooltip.textContent = `${bar.label} · ${formatMs(ms)} · ${where}\n${bar.url}`;
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
