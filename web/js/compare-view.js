// compare-view.js: what the page shows after "Compare 1 vs N": the ratio, the bound on
// requests in flight (the browser's 6 per host, times the hosts the crawl spanned), what held
// the ratio back when it fell short (js/speedup.js), and for the Notes replay preset the
// notes' table beside the measured one, scaled back to the notes' units (js/notes.js).
//
// Why its own module: app.js runs crawls; this one turns two finished runs into text.
// Everything is built with js/dom.js (text only). It also sets <body data-speedup="21.7">,
// the ratio with one decimal, for tests and tools, like data-state.

import { el, byId, clear } from './dom.js';
import { formatMs } from './timeline.js';
import { analyse, boundText, idleMs, rampMs, medianBarMs } from './speedup.js';
import { compareTables, speedupText, NOTES_SPEEDUP } from './notes.js';

/** Clears what a previous compare showed. */
export function resetCompare() {
  delete document.body.dataset.speedup;
  byId('compare-result').hidden = true;
  byId('notes-compare').hidden = true;
  byId('compare-limits').hidden = true;
  clear(byId('compare-bound'));
}

function table(id, caption, rows) {
  return el('table', { id, class: 'twins notes-table' }, [
    el('caption', { text: caption }),
    el('tbody', {}, rows.map(([what, value]) => el('tr', {}, [
      el('th', { text: what }),
      el('td', { class: 'num', text: value }),
    ]))),
  ]);
}

/**
 * Shows a finished compare. `run`: `{ s (settings), seq, par (stats), seqTimeline,
 * parTimeline, records (the concurrent run's), latencyMs (null: unknown), notes (bool) }`.
 */
export function showCompare({ s, seq, par, seqTimeline, parTimeline, records, latencyMs, notes }) {
  const ratio = seq.elapsed_ms / Math.max(1, par.elapsed_ms);
  const speedup = speedupText(seq.elapsed_ms, par.elapsed_ms);
  document.body.dataset.speedup = speedup;

  const same = seq.pages === par.pages ? '' : ` (note: ${seq.pages} vs ${par.pages} records)`;
  const out = byId('compare-result');
  clear(out).append(
    el('strong', { text: `${speedup}x faster` }),
    ` at concurrency ${s.c}: ${formatMs(par.elapsed_ms)} instead of ${formatMs(seq.elapsed_ms)}${same}.`,
  );
  out.hidden = false;
  out.dataset.ratio = ratio.toFixed(3);

  const hosts = Math.max(1, parTimeline.hosts.size);
  const perHost = Math.min(s.perHost ?? s.c, s.c);
  const levels = 1 + records.reduce((m, r) => Math.max(m, Number.isFinite(r.depth) ? r.depth : 0), 0);
  const bound = Math.min(s.c, hosts * 6, hosts * perHost);
  const facts = {
    seqMs: seq.elapsed_ms,
    parMs: par.elapsed_ms,
    pages: par.pages,
    c: s.c,
    perHost,
    hosts,
    latencyMs,
    levels,
    seqIdleMs: idleMs(seqTimeline.bars, seq.elapsed_ms),
    rampMs: rampMs(parTimeline.bars, bound),
    seqBarMs: medianBarMs(seqTimeline.bars),
    parBarMs: medianBarMs(parTimeline.bars),
    target: notes ? 18 : null,
  };
  const a = analyse(facts);
  byId('compare-bound').textContent = boundText(a, facts);
  const limits = byId('compare-limits');
  clear(limits).append(
    el('p', {}, [el('strong', { text: notes && a.below ? `Below the notes' ${NOTES_SPEEDUP}x. ` : 'Below what concurrency and hosts allow. ' }),
      'What limited it, from this run:']),
    el('ul', {}, a.reasons.map((r) => el('li', { dataset: { kind: r.kind }, text: r.text }))),
  );
  limits.hidden = !a.below;

  const box = byId('notes-compare');
  if (notes) {
    const t = compareTables({ seqMs: seq.elapsed_ms, parMs: par.elapsed_ms, pages: par.pages, scale: s.scale, c: s.c });
    clear(box).append(
      table('notes-table', 'The notes: 250 film pages', t.notes),
      table('measured-table', `Measured here, × ${s.scale} (time scale 1/${s.scale})`, t.measured),
    );
    Object.assign(box.dataset, {
      seqMs: String(seq.elapsed_ms), parMs: String(par.elapsed_ms), // unrounded: the tables' own figures
      scale: String(s.scale), pages: String(par.pages),
    });
  }
  box.hidden = !notes;
}
