// speedup.js: what bounded a compare run's speed-up, computed from the run itself.
//
// Why: a ratio alone teaches little when it falls short. The page names the limit that
// held it back, from measurements of the two runs, never a canned sentence: the browser's
// 6 connections per host (against the concurrency and the hosts the crawl spanned), silk's
// own per-host limit, a latency too short against the per-request overhead measured in the
// sequential run, the tab's own CPU time per page, and the crawl's shape (pages that must
// arrive before the links they hold are known). Pure functions, no DOM.

/** Chrome's HTTP/1.1 connections per host:port. */
export const BROWSER_PER_HOST = 6;

/** Milliseconds of `totalMs` during which no bar was open (the sequential run's own work). */
export function idleMs(bars, totalMs) {
  const spans = bars.filter((b) => Number.isFinite(b.start) && Number.isFinite(b.end))
    .map((b) => [Math.max(0, b.start), Math.min(totalMs, b.end)])
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  let covered = 0;
  let reach = 0;
  for (const [a, b] of spans) {
    if (b <= reach) continue;
    covered += b - Math.max(a, reach);
    reach = b;
  }
  return Math.max(0, totalMs - covered);
}

/** The median duration of the bars that ended (0 when none did). */
export function medianBarMs(bars) {
  const d = bars.filter((b) => Number.isFinite(b.start) && Number.isFinite(b.end)).map((b) => b.end - b.start)
    .sort((x, y) => x - y);
  return d.length ? d[d.length >> 1] : 0;
}

/** The first time `target` bars were open at once, or null if that never happened. */
export function rampMs(bars, target) {
  const edges = [];
  for (const b of bars) {
    if (!Number.isFinite(b.start) || !Number.isFinite(b.end)) continue;
    edges.push([b.start, 1], [b.end, -1]);
  }
  edges.sort((x, y) => x[0] - y[0] || x[1] - y[1]); // ends before starts at the same time
  let open = 0;
  for (const [t, d] of edges) {
    open += d;
    if (open >= target) return t;
  }
  return null;
}

const pct = (x) => `${Math.round(x * 100)}%`;
const ms = (x) => `${Math.round(x)} ms`;
const sec = (x) => `${(x / 1000).toFixed(2)} s`;

/**
 * The bound on in-flight requests and the reasons a ratio fell short.
 *
 * `run`: `{ seqMs, parMs, pages, c, perHost, hosts, latencyMs (null: unknown), levels
 * (depths of links in the concurrent run), seqIdleMs (time in the sequential run with no
 * request open), rampMs (when the concurrent run first had `bound` requests in flight, or
 * null), seqBarMs and parBarMs (the median request's time in each run), target (the ratio
 * expected, e.g. 18 for the notes; null: what c and hosts allow) }`.
 * Returns `{ ratio, bound, rounds, idealRatio, below, reasons: [{ kind, text }] }`.
 */
export function analyse(run) {
  const hosts = Math.max(1, run.hosts);
  const perHost = Math.max(1, Math.min(run.perHost ?? run.c, run.c));
  const bound = Math.max(1, Math.min(run.c, hosts * BROWSER_PER_HOST, hosts * perHost));
  const pages = Math.max(1, run.pages);
  const levels = Math.max(1, run.levels);
  const rounds = Math.max(levels, Math.ceil(pages / bound));
  const idealRatio = pages / rounds;
  const ratio = run.seqMs / Math.max(1, run.parMs);
  const expected = run.target ?? 0.8 * idealRatio;
  const below = ratio < expected;
  const perPageMs = run.seqMs / pages;
  const reasons = [];
  if (!below) return { ratio, bound, rounds, idealRatio, below, reasons };

  if (run.c > hosts * BROWSER_PER_HOST) {
    reasons.push({
      kind: 'per-host-cap',
      text: `the browser's per-host cap: concurrency ${run.c} asks for ${run.c} requests at once, but Chrome opens at most `
        + `${BROWSER_PER_HOST} connections per host and this crawl spanned ${hosts} host${hosts === 1 ? '' : 's'}: at most `
        + `${hosts * BROWSER_PER_HOST} on the wire, the rest wait inside the browser.`,
    });
  }
  if (perHost < BROWSER_PER_HOST && hosts * perHost < run.c) {
    reasons.push({
      kind: 'per-host-limit',
      text: `silk's per-host limit: ${perHost} per host over ${hosts} host${hosts === 1 ? '' : 's'} lets only ${hosts * perHost} `
        + `requests overlap, fewer than the concurrency ${run.c}.`,
    });
  }
  if (run.target && bound < run.target) {
    reasons.push({
      kind: 'concurrency',
      text: `the concurrency itself: at most ${bound} requests overlap here, and a ${run.target}x speed-up needs at least ${Math.ceil(run.target)} in flight.`,
    });
  }
  if (run.latencyMs !== null && run.latencyMs !== undefined) {
    const overhead = perPageMs - run.latencyMs;
    if (overhead > 0.15 * perPageMs) {
      reasons.push({
        kind: 'latency',
        text: `too short a latency: one by one, each page took ${ms(perPageMs)}, of which ${ms(run.latencyMs)} is the server's `
          + `wait; the other ${ms(overhead)} (${pct(overhead / perPageMs)} of each page: the browser's request, the engine's work) `
          + 'overlaps less than waiting does. A longer latency (a smaller time scale) brings the ratio nearer the notes\'.',
      });
    }
  }
  // The tab's own time per page: the gaps between requests in the sequential run, or, when
  // the server's wait is known, all of a page's time beyond it (an upper bound: part of it is
  // the network's, which overlaps).
  const overheadMs = run.latencyMs === null || run.latencyMs === undefined ? 0 : perPageMs - run.latencyMs;
  const cpuPerPage = Math.max(run.seqIdleMs / pages, overheadMs);
  const cpuTotal = cpuPerPage * pages;
  if (cpuTotal > 0.5 * run.parMs) {
    reasons.push({
      kind: 'cpu',
      text: `CPU: one by one, each page cost the tab up to ${cpuPerPage.toFixed(1)} ms of its own beyond the server's wait `
        + `(the browser's request, the engine's decoding, parsing and extracting, the page's table and timeline): up to `
        + `${sec(cpuTotal)} for ${pages} pages, against ${sec(run.parMs)} for the whole concurrent run. That work runs on the `
        + 'tab\'s one thread and does not overlap the way waits do.',
    });
  }
  if (run.c <= hosts * BROWSER_PER_HOST && run.seqBarMs > 0 && run.parBarMs > 1.5 * run.seqBarMs) {
    reasons.push({
      kind: 'contention',
      text: `requests slowed down when overlapped: the median request took ${ms(run.parBarMs)} at concurrency ${run.c}, `
        + `against ${ms(run.seqBarMs)} one by one. No per-host cap explains that here, so the requests waited for something `
        + 'they share: the CPU of this machine (the browser, the server, other programs) or the server itself.',
    });
  }
  const rampShare = run.rampMs === null ? 1 : run.rampMs / Math.max(1, run.parMs);
  if (levels * perPageMs > 0.3 * run.parMs || rampShare > 0.25) {
    reasons.push({
      kind: 'shape',
      text: `the crawl's shape: pages that must come first (the start page before any link is known, list pages before `
        + `the pages they list: ${levels} level${levels === 1 ? '' : 's'} of links). `
        + (run.rampMs === null
          ? `The concurrent run never had ${bound} requests in flight at once.`
          : `The concurrent run first had ${bound} requests in flight after ${sec(run.rampMs)} of its ${sec(run.parMs)}.`),
    });
  }
  if (!reasons.length) {
    reasons.push({
      kind: 'none',
      text: 'none of the usual limits stands out in this run (per-host cap, latency, CPU, crawl shape): the machine '
        + 'may have been busy with something else; run it again.',
    });
  }
  return { ratio, bound, rounds, idealRatio, below, reasons };
}

/** The sentence about the bound, for every compare. */
export function boundText(a, run) {
  const hosts = Math.max(1, run.hosts);
  return `This crawl spanned ${hosts} host${hosts === 1 ? '' : 's'}: at most ${BROWSER_PER_HOST} × ${hosts} = `
    + `${BROWSER_PER_HOST * hosts} requests on the wire at once, and concurrency ${run.c} allows ${run.c}`
    + (run.perHost && run.perHost < run.c ? ` (${run.perHost} per host)` : '')
    + `: at most ${a.bound} overlap. ${run.pages} pages take at least ${a.rounds} rounds of that, so about `
    + `${a.idealRatio.toFixed(1)}x is the most to expect.`;
}
