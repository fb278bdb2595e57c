// codes-panel.js: the panel "The notes' crawler and silk's": the asyncio crawler beside the
// silk engine's corresponding lines (js/codes.js), and the hover that ties them together.
//
// Why: the playground says "silk's FuturesUnordered is asyncio's gather"; this panel shows
// it. Hovering (or focusing) a concept lights its lines in both codes and the part of the
// page it explains (the timeline's lanes, bars or host groups, or a counter). Everything
// is text nodes (js/dom.js), and colours come from classes in style.css (CSP unchanged).
// Source links: `silk serve` can serve crate/src read-only (/serve.json `source`); the page
// then links each excerpt to its file and shows the line it starts on. From a static
// server the file's path is shown as text.

import { el, byId, clear } from './dom.js';
import { CONCEPTS, PYTHON, SILK, findChunk } from './codes.js';

/** A code line as a <span> carrying its concepts. */
function line(text, tags) {
  return el('span', { class: 'ln', dataset: { concepts: tags.join(' ') }, text: text === '' ? ' ' : text });
}

/** Removes the indentation every line of a chunk shares (the file keeps it; the panel need not). */
function dedent(lines) {
  const indent = Math.min(...lines.filter(([t]) => t.trim()).map(([t]) => t.length - t.trimStart().length));
  return lines.map(([t, tags]) => [t.slice(Number.isFinite(indent) ? indent : 0), tags]);
}

export class CodesPanel {
  /** `timelines`: the Timeline objects to light; `info`: /serve.json or null. */
  constructor(root, timelines) {
    this.root = root;
    this.timelines = timelines;
    this.active = null;
    this.render();
  }

  render() {
    const chips = el('div', { class: 'concepts', attrs: { role: 'list' } }, CONCEPTS.map((c) => {
      const chip = el('button', {
        type: 'button', class: 'concept', dataset: { concept: c.key }, title: `in the page: ${c.explains}`,
      }, [el('code', { text: c.py }), ' / ', el('code', { text: c.rs })]);
      return chip;
    }));
    const py = el('pre', { class: 'code py', attrs: { 'aria-label': 'the notes\' crawler, asyncio' } },
      PYTHON.map(([t, tags]) => line(t, tags)));
    this.sources = SILK.map((chunk) => {
      const where = el('span', { class: 'where', text: chunk.file });
      return { chunk, where };
    });
    const rs = el('div', { class: 'rs-chunks' }, this.sources.map(({ chunk, where }) => el('div', { class: 'chunk' }, [
      el('p', { class: 'chunk-head' }, [where, ` · ${chunk.what}`]),
      el('pre', { class: 'code rs' }, dedent(chunk.lines).map(([t, tags]) => line(t, tags))),
    ])));
    this.explain = el('p', { class: 'note concept-explains', text: 'Hover a concept (or a line) to see it in both codes and on the page.' });
    clear(this.root).append(
      chips,
      el('div', { class: 'codes-2col' }, [
        el('div', {}, [el('h3', { class: 'caption', text: 'The notes: asyncio + aiohttp (written fresh)' }), py]),
        el('div', {}, [el('h3', { class: 'caption', text: 'silk: the engine\'s own lines (crate/src)' }), rs]),
      ]),
      this.explain,
      el('p', { class: 'note', text: 'One difference shows in the timeline: gather waits for a whole batch before the next one '
        + 'starts, while FuturesUnordered hands back whichever future ends first and the loop refills that slot at once.' }),
    );
    const over = (e) => {
      const node = e.target.closest('[data-concept], .ln');
      if (!node) return;
      const key = node.dataset.concept ?? node.dataset.concepts.split(' ').filter(Boolean)[0] ?? null;
      this.light(key);
    };
    this.root.addEventListener('mouseover', over);
    this.root.addEventListener('focusin', over);
    this.root.addEventListener('mouseleave', () => this.light(null));
    this.root.addEventListener('focusout', (e) => { if (!this.root.contains(e.relatedTarget)) this.light(null); });
  }

  /** Lights one concept (null: none) in both codes, the timelines and its counter. */
  light(key) {
    if (key === this.active) return;
    this.active = key;
    const concept = CONCEPTS.find((c) => c.key === key) ?? null;
    for (const node of this.root.querySelectorAll('.ln, .concept')) {
      const tags = node.dataset.concept ? [node.dataset.concept] : node.dataset.concepts.split(' ');
      node.classList.toggle('lit', Boolean(key) && tags.includes(key));
    }
    for (const t of this.timelines) t.setHighlight(concept?.target ?? null);
    for (const node of document.querySelectorAll('dl.counters .lit')) node.classList.remove('lit');
    if (concept?.counter) byId(concept.counter).parentElement.classList.add('lit');
    document.body.dataset.concept = key ?? '';
    this.explain.textContent = concept
      ? `${concept.py} / ${concept.rs}: on the page, ${concept.explains}.`
      : 'Hover a concept (or a line) to see it in both codes and on the page.';
  }

  /**
   * With `silk serve`'s read-only source endpoint (/serve.json `source`), links each
   * excerpt to its file and shows the line it starts on; otherwise leaves the paths as text.
   */
  async linkSources(info) {
    if (!info || typeof info.source !== 'string') return;
    const texts = new Map();
    for (const { chunk, where } of this.sources) {
      const href = new URL(`${info.source.replace(/\/?$/, '/')}${chunk.file}`, location.href).href;
      if (!texts.has(href)) {
        texts.set(href, fetch(href, { cache: 'no-store' }).then((r) => (r.ok ? r.text() : null)).catch(() => null));
      }
      const source = await texts.get(href);
      if (source === null) continue;
      const at = findChunk(source, chunk);
      const link = el('a', { attrs: { href, target: '_blank', rel: 'noopener' }, text: at ? `${chunk.file}:${at}` : chunk.file });
      where.replaceChildren(link);
      where.dataset.line = at ?? '';
    }
  }
}
