// notes.js: the study notes' experiment as data: 250 film pages, 224.8 s one by one with
// `requests`, 10.3 s with aiohttp coroutines, and the time scale that replays it here.
//
// Why a module: the preset (the films' per-page time), the time-scale control (what a scale
// means) and the compare tables (the notes' numbers beside the measured ones, scaled back
// to the notes' units) must use the same figures and the same arithmetic. Pure data and
// functions, no DOM, so node tests can check the arithmetic.

/** The notes' measurement. */
export const NOTES = Object.freeze({
  pages: 250,
  sequentialS: 224.8,
  concurrentS: 10.3,
  /** 224.8 s / 250 pages. */
  perPageMs: 899.2,
});

/** The notes' speed-up, one decimal: 21.8. */
export const NOTES_SPEEDUP = Math.round((NOTES.sequentialS / NOTES.concurrentS) * 10) / 10;

/** The per-page time the films site answers in at time scale 1/`scale`: round(899.2 / scale). */
export function notesLatencyMs(scale) {
  return Math.round(NOTES.perPageMs / scale);
}

/** What a time scale means, in a sentence for the page. */
export function describeScale(scale, latencyMs) {
  const whole = NOTES.sequentialS / scale;
  return `each page answers in ${latencyMs} ms; the notes: ${(NOTES.perPageMs / 1000).toFixed(1)} s `
    + `(224.8 s / 250 pages). At 1/${scale} the notes' 224.8 s one by one take about ${whole.toFixed(1)} s here, `
    + `and every measured time is multiplied by ${scale} to compare.`;
}

/** Seconds in the notes' units: measured milliseconds times the scale's divisor. */
export function notesSeconds(ms, scale) {
  return (ms / 1000) * scale;
}

/** The speed-up as the page reports it (data-speedup): one decimal. */
export function speedupText(seqMs, parMs) {
  return (seqMs / Math.max(1, parMs)).toFixed(1);
}

/**
 * The two tables of a notes compare, as rows of `[what, value]` text: the notes' and the
 * measured one scaled back to the notes' units.
 */
export function compareTables({ seqMs, parMs, pages, scale, c }) {
  const s = (x) => `${x.toFixed(1)} s`;
  const perPage = (x, n) => `${(x / n).toFixed(3)} s`;
  const seq = notesSeconds(seqMs, scale);
  const par = notesSeconds(parMs, scale);
  return {
    notes: [
      ['one by one (requests)', s(NOTES.sequentialS)],
      ['concurrent (aiohttp coroutines)', s(NOTES.concurrentS)],
      ['speed-up', `${NOTES_SPEEDUP.toFixed(1)}x`],
      ['pages', String(NOTES.pages)],
      ['per page, one by one', perPage(NOTES.sequentialS, NOTES.pages)],
      ['per page, concurrent', perPage(NOTES.concurrentS, NOTES.pages)],
    ],
    measured: [
      ['one by one (concurrency 1)', s(seq)],
      [`concurrent (concurrency ${c})`, s(par)],
      ['speed-up', `${speedupText(seqMs, parMs)}x`],
      ['pages', String(pages)],
      ['per page, one by one', perPage(seq, Math.max(1, pages))],
      ['per page, concurrent', perPage(par, Math.max(1, pages))],
    ],
  };
}
