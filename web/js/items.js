// items.js: the Items table: one row per item the user's handler yields, as it arrives.
//
// Why its own table: records are pages (fixed columns: url, status, fields), items are
// whatever the handler returns, so the columns come from the items themselves: the keys
// in the order they are first seen, a column added when a new key turns up. A value is
// shown as text (strings as they are, arrays joined with " | ", anything else as JSON);
// crawled content never becomes markup. Rows are `tr[data-item="<n>"][data-url="<page>"]`.

import { el, clear, isWebUrl } from './dom.js';

const MAX_COLUMNS = 40; // keys past this go unshown (the export keeps them)
const SOURCE = 'found on';

function valueText(value) {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((v) => typeof v !== 'object' || v === null)) return value.join(' | ');
  return JSON.stringify(value);
}

export class ItemsTable {
  constructor(table) {
    this.table = table;
    this.reset();
  }

  reset() {
    this.items = []; // { item, url }
    this.keys = [];
    this.headRow = el('tr', {}, [el('th', { text: '#', scope: 'col' }), el('th', { text: SOURCE, scope: 'col' })]);
    this.body = el('tbody');
    clear(this.table).append(el('thead', {}, [this.headRow]), this.body);
  }

  /** The item's keys (an item that is not a plain object is one "value"). */
  static entries(item) {
    return item !== null && typeof item === 'object' && !Array.isArray(item) ? Object.entries(item) : [['value', item]];
  }

  /** Adds a column for `key` before the source column, with empty cells in earlier rows. */
  addKey(key) {
    this.keys.push(key);
    this.headRow.lastChild.before(el('th', { text: key, scope: 'col' }));
    for (const row of this.body.children) row.lastChild.before(el('td', { class: 'field' }));
  }

  /** Appends one item, found on page `url`. */
  add(item, url) {
    this.items.push({ item, url });
    const values = new Map(ItemsTable.entries(item));
    for (const key of values.keys()) {
      if (!this.keys.includes(key) && this.keys.length < MAX_COLUMNS) this.addKey(key);
    }
    const source = isWebUrl(url)
      ? el('a', { attrs: { href: url, target: '_blank', rel: 'noopener noreferrer' }, text: url })
      : el('span', { text: url ?? '' });
    this.body.append(el('tr', { dataset: { item: String(this.items.length), url: url ?? '' } }, [
      el('td', { class: 'num', text: this.items.length }),
      ...this.keys.map((key) => el('td', { class: 'field', text: valueText(values.get(key)) })),
      el('td', { class: 'url' }, [source]),
    ]));
  }

  get count() {
    return this.items.length;
  }
}
