// controls.js: the settings form. Reads it into a settings object and writes one back.
//
// Why separate from settings.js: that module is pure data (query <-> settings <-> spec);
// this one is the only code that knows the form's elements, including the editable fields
// table. Every change calls `onChange`, which keeps the URL query (the share link) current.

import { el, byId, clear } from './dom.js';
import { MAX_CONCURRENCY, TIME_SCALES } from './settings.js';
import { notesLatencyMs, describeScale } from './notes.js';

export class Controls {
  /** `onChange()`: any setting changed; `onPreset(name)`: the preset menu changed. */
  constructor({ onChange, onPreset }) {
    this.onChange = onChange;
    this.f = Object.fromEntries(
      ['preset', 'seeds', 'scope', 'max', 'depth', 'c', 'c-range', 'per-host', 'delay', 'robots', 'sitemaps', 'autothrottle', 'relay', 'latency', 'scale', 'follow']
        .map((id) => [id, byId(id)]));
    this.fieldRows = byId('field-rows');
    this.f.c.max = this.f['c-range'].max = this.f['per-host'].max = String(MAX_CONCURRENCY);
    for (const n of TIME_SCALES) this.f.scale.append(el('option', { value: String(n), text: `1/${n}` }));
    this.f.scale.addEventListener('change', () => this.showScaleNote());

    // The slider and the number box are one setting.
    this.f['c-range'].addEventListener('input', () => { this.f.c.value = this.f['c-range'].value; });
    this.f.c.addEventListener('input', () => { this.f['c-range'].value = this.f.c.value; });
    // Editing the start URL makes the crawl a custom one.
    this.f.seeds.addEventListener('input', () => { this.f.preset.value = 'custom'; this.showPresetRows(); });
    this.f.preset.addEventListener('change', () => { this.showPresetRows(); onPreset(this.f.preset.value); });
    byId('add-field').addEventListener('click', () => {
      this.addFieldRow({ name: '', selector: '', attr: null, all: false }).querySelector('input').focus();
      this.onChange();
    });
    byId('controls').addEventListener('input', () => this.onChange());
    byId('controls').addEventListener('change', () => this.onChange());
  }

  /** Enables what /serve.json says is available (the arena and notes presets, the relay). */
  setAvailability(info) {
    const arena = this.f.preset.querySelector('option[value="arena"]');
    arena.disabled = !(info && info.arena);
    arena.textContent = arena.disabled ? 'Arena (needs silk serve)' : 'Arena (silk serve, with latency)';
    const notes = this.f.preset.querySelector('option[value="notes"]');
    notes.disabled = !(info && info.notes && info.notes.url);
    notes.textContent = notes.disabled ? 'Notes replay (needs silk serve)' : 'Notes replay (250 films, 4 origins, time-scaled)';
    // The token comes only with the cookie that the link printed by `silk serve` sets.
    this.relayAvailable = Boolean(info && info.relay && info.relay.token);
    this.f.relay.disabled = !this.relayAvailable;
    byId('relay-label').title = !(info && info.relay)
      ? 'start the page with `silk serve --relay` to crawl sites without CORS headers'
      : !this.relayAvailable
        ? 'open the link `silk serve --relay` printed on its terminal (with ?token=) to enable the relay in this browser'
        : 'fetch every page through silk serve (for sites without CORS headers)';
    if (this.f.relay.disabled) this.f.relay.checked = false;
  }

  showPresetRows() {
    byId('latency-row').hidden = this.f.preset.value !== 'arena';
    byId('scale-row').hidden = this.f.preset.value !== 'notes';
    this.showScaleNote();
  }

  /** What the time scale means, next to it: "each page answers in 90 ms; the notes: 0.9 s". */
  showScaleNote() {
    const scale = Number(this.f.scale.value) || 10;
    byId('scale-note').textContent = describeScale(scale, notesLatencyMs(scale));
  }

  addFieldRow(field) {
    const input = (cls, value, placeholder) =>
      el('input', { class: cls, type: 'text', value: value || '', placeholder, spellcheck: false, autocomplete: 'off' });
    const row = el('tr', {}, [
      el('td', {}, [input('f-name', field.name, 'name')]),
      el('td', {}, [input('f-selector', field.selector, 'CSS selector')]),
      el('td', {}, [input('f-attr', field.attr, '(text)')]),
      el('td', { class: 'center' }, [el('input', { class: 'f-all', type: 'checkbox', checked: !!field.all, title: 'every match, as a list' })]),
      el('td', {}, [el('button', {
        type: 'button', class: 'icon', text: '×', title: 'remove this field',
        on: { click: () => { row.remove(); this.onChange(); } },
      })]),
    ]);
    this.fieldRows.append(row);
    return row;
  }

  /** The form as a settings object. */
  read() {
    const num = (input) => (input.value.trim() === '' ? null : Math.max(0, Math.round(Number(input.value))));
    const fields = [...this.fieldRows.querySelectorAll('tr')].map((row) => ({
      name: row.querySelector('.f-name').value.trim(),
      selector: row.querySelector('.f-selector').value.trim(),
      attr: row.querySelector('.f-attr').value.trim() || null,
      all: row.querySelector('.f-all').checked,
    })).filter((f) => f.name || f.selector);
    return {
      preset: this.f.preset.value,
      seeds: this.f.seeds.value.split(/\s+/).filter(Boolean),
      scope: this.f.scope.value,
      max: num(this.f.max) || null,
      depth: num(this.f.depth),
      c: Math.min(MAX_CONCURRENCY, Math.max(1, num(this.f.c) || 1)),
      perHost: num(this.f['per-host']) ? Math.min(MAX_CONCURRENCY, num(this.f['per-host'])) : null,
      delay: num(this.f.delay) || 0,
      robots: this.f.robots.checked,
      autothrottle: this.f.autothrottle.checked,
      sitemaps: this.f.sitemaps.checked,
      relay: this.f.relay.checked && Boolean(this.relayAvailable), // not .disabled: lock() sets it
      latency: num(this.f.latency) ?? 0,
      scale: TIME_SCALES.includes(Number(this.f.scale.value)) ? Number(this.f.scale.value) : 10,
      follow: this.f.follow.value.trim(),
      fields,
    };
  }

  /** Shows `s` in the form. */
  write(s) {
    this.f.preset.value = s.preset;
    if (this.f.preset.selectedOptions[0]?.disabled) this.f.preset.value = 'custom';
    this.f.seeds.value = s.seeds.join('\n');
    this.f.scope.value = s.scope;
    this.f.max.value = s.max ?? '';
    this.f.depth.value = s.depth ?? '';
    this.f.c.value = this.f['c-range'].value = String(s.c);
    this.f['per-host'].value = s.perHost ?? '';
    this.f.delay.value = String(s.delay);
    this.f.robots.checked = s.robots;
    this.f.autothrottle.checked = s.autothrottle;
    this.f.sitemaps.checked = Boolean(s.sitemaps);
    this.f.relay.checked = s.relay && Boolean(this.relayAvailable);
    this.f.latency.value = String(s.latency);
    this.f.scale.value = String(s.scale);
    this.f.follow.value = s.follow;
    clear(this.fieldRows);
    for (const f of s.fields) this.addFieldRow(f);
    this.showPresetRows();
  }

  /** Disables the form while a crawl runs (the settings of a running crawl are fixed). */
  lock(locked) {
    for (const node of byId('controls').querySelectorAll('input, select, textarea, button.icon, #add-field')) {
      if (locked) {
        node.dataset.wasDisabled = node.disabled ? '1' : '';
        node.disabled = true;
      } else if (node.dataset.wasDisabled !== undefined) {
        node.disabled = node.dataset.wasDisabled === '1';
        delete node.dataset.wasDisabled;
      }
    }
  }
}
