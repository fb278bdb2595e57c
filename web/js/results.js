// results.js: the results table, one row per record as it arrives.
//
// Why it looks the way it does: tests and embedders read the page's state from the DOM, so
// each row is `<tr data-url="...">` and error rows carry `data-kind="<kind>"`. Every cell
// is text (crawled titles may contain markup; it must show as characters). Links are made
// only for http(s) URLs, and open in a new tab without a referrer or opener.
//
// Rows are appended in batches, at most every FLUSH_MS while a crawl runs (and at once by
// flush() when it ends): a new row can change the table's column widths, so each insertion
// may lay the whole table out again; at 100 records a second (the Notes replay at
// concurrency 24) batching keeps that to a few layouts a second, work the tab's one thread
// otherwise takes from the crawl.

import { el, clear, isWebUrl } from './dom.js';
import { hintFor } from './explain.js';
import { outcomeOf } from './timeline.js';

const FLUSH_MS = 150;

function fieldText(value) {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.join(' | ');
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function urlCell(record) {
  const link = (url) => isWebUrl(url)
    ? el('a', { attrs: { href: url, target: '_blank', rel: 'noopener noreferrer' }, text: url })
    : el('span', { text: url });
  const cell = el('td', { class: 'url' }, [link(record.url)]);
  if (record.final_url && record.final_url !== record.url) {
    cell.append(el('div', { class: 'final' }, ['→ ', link(record.final_url)]));
  }
  return cell;
}

function errorCell(record) {
  if (!record.error) return el('td', { class: 'error' });
  const { kind, message } = record.error;
  return el('td', { class: 'error' }, [
    el('strong', { text: kind }), ': ', message,
    el('div', { class: 'hint', text: hintFor(kind) }),
  ]);
}

export class ResultsTable {
  /** `table`: a <table> element; `onPick(record)` when a row is clicked. */
  constructor(table, { onPick } = {}) {
    this.table = table;
    this.onPick = onPick;
    this.reset([]);
  }

  /** Empties the table for a crawl with these field names (its extra columns). */
  reset(fieldNames) {
    this.fieldNames = fieldNames;
    this.records = [];
    clearTimeout(this.timer);
    this.timer = null;
    this.pendingRows = [];
    const head = el('tr', {}, ['url', 'status', 'depth', 'ms', ...fieldNames, 'error']
      .map((name) => el('th', { text: name, scope: 'col' })));
    this.body = el('tbody');
    clear(this.table).append(el('thead', {}, [head]), this.body);
  }

  /** Appends the row of one record. */
  add(record) {
    this.records.push(record);
    const row = el('tr', {
      class: `outcome-${outcomeOf(record)}`,
      dataset: record.error ? { url: record.url, kind: record.error.kind } : { url: record.url },
      on: { click: (e) => { if (!e.target.closest('a') && this.onPick) this.onPick(record); } },
    }, [
      urlCell(record),
      el('td', { class: 'num', text: record.status ?? '' }),
      el('td', { class: 'num', text: record.depth }),
      el('td', { class: 'num', text: Math.round(record.elapsed_ms || 0) }),
      ...this.fieldNames.map((name) => el('td', { class: 'field', text: fieldText(record[name]) })),
      errorCell(record),
    ]);
    this.pendingRows.push(row);
    if (this.timer === null) this.timer = setTimeout(() => this.flush(), FLUSH_MS);
  }

  /** Appends the rows still waiting (the crawl's end calls it, so the table is complete). */
  flush() {
    clearTimeout(this.timer);
    this.timer = null;
    if (this.pendingRows.length) this.body.append(...this.pendingRows);
    this.pendingRows = [];
  }
}
