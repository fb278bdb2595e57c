// tester.js: the selector tester. Pick a fetched page, type a CSS selector, see the matches
// highlighted in the page's source text.
//
// Records carry no body (a crawl of 10 000 pages should not keep 10 000 pages in memory),
// so the picked page is fetched again, the same way the crawl reached it (directly, or
// through the relay). The bytes are decoded with the charset the page declares (header,
// else <meta> in the first 1024 bytes, else UTF-8): a small copy of the engine's sniffing,
// enough for display. Matching runs in the engine (`testSelector`), so the tester and the
// crawl agree on what a selector means. The highlighted view is built from text nodes and
// <mark> elements: the source is shown as text, never parsed into this page.

import { el, clear, byId } from './dom.js';

const MAX_SOURCE = 2 * 1024 * 1024; // characters shown; matches past it are listed only

/** The charset label a page declares, for TextDecoder. */
export function declaredCharset(contentType, bytes) {
  const header = /charset\s*=\s*["']?([\w.:-]+)/i.exec(contentType || '');
  if (header) return header[1];
  const head = new TextDecoder('windows-1252').decode(bytes.subarray(0, 1024));
  const meta = /<meta\b[^>]*?charset\s*=\s*["']?\s*([\w.:-]+)/i.exec(head);
  return meta ? meta[1] : 'utf-8';
}

function decode(bytes, contentType) {
  try {
    return new TextDecoder(declaredCharset(contentType, bytes)).decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

export class SelectorTester {
  /**
   * `testSelector`: the engine's function. `relay()`: the crawl's relay options
   * (`{endpoint, token}`) or null, read at fetch time.
   */
  constructor({ testSelector, relay }) {
    this.testSelector = testSelector;
    this.relay = relay;
    this.page = byId('tester-page');
    this.css = byId('tester-css');
    this.status = byId('tester-status');
    this.list = byId('tester-matches');
    this.source = byId('tester-source');
    this.html = null;
    this.urls = new Set();
    this.page.addEventListener('change', () => this.load(this.page.value));
    let timer = 0;
    this.css.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(() => this.run(), 150);
    });
  }

  /** Forgets the pages of the previous crawl. */
  reset() {
    this.urls.clear();
    clear(this.page).append(el('option', { value: '', text: '(pages appear here as they are fetched)' }));
  }

  /** Offers a fetched page. */
  offer(record) {
    if (this.urls.has(record.url) || record.error || !(record.status >= 200 && record.status < 300)) return;
    if (this.urls.size === 0) clear(this.page).append(el('option', { value: '', text: '(pick a page)' }));
    this.urls.add(record.url);
    if (this.urls.size <= 1000) this.page.append(el('option', { value: record.url, text: record.url }));
  }

  /** Picks a page (e.g. from a click on a result row) and loads it. */
  pick(url) {
    if (!this.urls.has(url)) return;
    this.page.value = url;
    this.load(url);
    this.page.scrollIntoView({ behavior: 'smooth', block: 'nearest' });
  }

  async load(url) {
    this.html = null;
    clear(this.list);
    clear(this.source);
    if (!url) return;
    this.status.textContent = `fetching ${url} …`;
    try {
      const relay = this.relay();
      let resp;
      let contentType;
      if (relay) {
        const endpoint = new URL(relay.endpoint, location.href);
        endpoint.searchParams.set('url', url);
        resp = await fetch(endpoint, { headers: { 'X-Silk-Token': relay.token }, cache: 'no-store' });
        contentType = resp.headers.get('X-Silk-Content-Type');
      } else {
        resp = await fetch(url, { cache: 'no-store', credentials: 'omit' });
        contentType = resp.headers.get('Content-Type');
      }
      const bytes = new Uint8Array(await resp.arrayBuffer());
      if (this.page.value !== url) return; // another page was picked meanwhile
      this.html = decode(bytes, contentType);
      this.run();
    } catch (e) {
      this.status.textContent = `could not fetch ${url} again: ${e.message}`;
    }
  }

  /** Runs the selector on the loaded page and shows the matches. */
  run() {
    clear(this.list);
    if (this.html === null) return;
    const css = this.css.value.trim();
    if (!css) {
      this.status.textContent = 'type a CSS selector';
      this.showSource([]);
      return;
    }
    const result = this.testSelector(this.html, css);
    if (!result.ok) {
      this.status.textContent = result.error;
      this.showSource([]);
      return;
    }
    const { matches } = result;
    this.status.textContent = `${matches.length} match${matches.length === 1 ? '' : 'es'} for ${css}`;
    matches.slice(0, 200).forEach((m, i) => {
      this.list.append(el('li', { on: { click: () => this.reveal(i) } }, [
        el('code', { text: m.text.length > 160 ? `${m.text.slice(0, 160)}…` : m.text || '(no text)' }),
      ]));
    });
    this.showSource(matches);
    this.reveal(0);
  }

  /** The source as text, with each match's start tag in a <mark>. */
  showSource(matches) {
    const html = this.html.length > MAX_SOURCE ? this.html.slice(0, MAX_SOURCE) : this.html;
    const spans = matches
      .map((m, i) => ({ start: m.start, end: m.end, i }))
      .filter((m) => Number.isInteger(m.start) && Number.isInteger(m.end) && m.end <= html.length)
      .sort((a, b) => a.start - b.start);
    const nodes = [];
    let at = 0;
    for (const s of spans) {
      if (s.start < at) continue; // overlapping spans cannot happen for start tags; be safe
      nodes.push(document.createTextNode(html.slice(at, s.start)));
      nodes.push(el('mark', { dataset: { match: String(s.i) }, text: html.slice(s.start, s.end) }));
      at = s.end;
    }
    nodes.push(document.createTextNode(html.slice(at)));
    clear(this.source).append(...nodes);
  }

  /** Scrolls the source view to match `i`. */
  reveal(i) {
    const mark = this.source.querySelector(`mark[data-match="${i}"]`);
    if (!mark) return;
    for (const m of this.source.querySelectorAll('mark.current')) m.classList.remove('current');
    mark.classList.add('current');
    this.source.scrollTop = Math.max(0, mark.offsetTop - 40); // the <pre> is position: relative
  }
}
