// settings.js: the playground's settings as one plain object, and its two serialisations:
// the URL query (so a link reopens the same crawl) and the crawl spec (the JSON that
// `new Crawl(spec)` and `silk crawl --spec` read).
//
// Why a separate, DOM-free module: the form, the share link, the export button and the
// crawl itself must agree on every setting; converting in exactly one place keeps them in
// step. Field strings use the CLI's `--field` syntax (NAME=CSS, NAME=CSS@attr, NAME[]=CSS)
// so a playground link and a command line read the same.
//
// Query keys: preset, url (repeated), c, per_host, max, depth, delay, robots (0/1),
// sitemaps (1), scope, follow, field (repeated), latency (arena preset), scale (notes
// preset: the time scale's divisor, 1 to 50), relay (1), autostart (1 or "compare"),
// handler (1: run the Code panel's handler), code (the handler's source, left out while it
// is the preset's starter, as the demo's start URL is), throttle (1: AutoThrottle, the
// spec's `autothrottle`).

import { starterFor } from './starters.js';

export const MAX_CONCURRENCY = 64;
/** The time scales the Notes replay preset offers (divisors: 10 means 1/10). */
export const TIME_SCALES = [1, 2, 5, 10, 20, 50];

/** Settings with every key present. */
export function defaults() {
  return {
    preset: 'demo',
    seeds: [],
    scope: 'host',
    max: 300,
    depth: null,
    c: 8,
    perHost: null, // null: follows the concurrency
    delay: 0,
    robots: true,
    autothrottle: false,
    sitemaps: false,
    relay: false,
    latency: 100,
    scale: 10,
    follow: '',
    fields: [],
    handler: false,
    code: starterFor('demo'),
  };
}

/** Parses `NAME=CSS`, `NAME=CSS@attr` or `NAME[]=CSS` (like `silk crawl --field`). */
export function parseField(text) {
  const eq = text.indexOf('=');
  if (eq < 0) return null;
  let name = text.slice(0, eq).trim();
  let rest = text.slice(eq + 1);
  const all = name.endsWith('[]');
  if (all) name = name.slice(0, -2).trim();
  let attr = null;
  const at = rest.lastIndexOf('@');
  if (at >= 0 && /^[A-Za-z_][A-Za-z0-9_:.-]*$/.test(rest.slice(at + 1))) {
    attr = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  return { name, selector: rest.trim(), attr, all };
}

/** The inverse of parseField. */
export function formatField(f) {
  return `${f.name}${f.all ? '[]' : ''}=${f.selector}${f.attr ? '@' + f.attr : ''}`;
}

function int(value, { min = 0, max = Infinity } = {}) {
  if (value === null || value === undefined || String(value).trim() === '') return null;
  const n = Number(value);
  if (!Number.isFinite(n)) return null;
  return Math.min(max, Math.max(min, Math.round(n)));
}

/** Settings from a URL query. Keys that are absent keep `base`'s values. */
export function fromQuery(search, base = defaults()) {
  const q = new URLSearchParams(search);
  const s = structuredClone(base);
  if (q.has('preset')) s.preset = q.get('preset');
  if (q.has('url')) {
    s.seeds = q.getAll('url').flatMap((u) => u.split(/\s+/)).filter(Boolean);
    if (!q.has('preset')) s.preset = 'custom';
  }
  if (q.has('c')) s.c = int(q.get('c'), { min: 1, max: MAX_CONCURRENCY }) ?? s.c;
  if (q.has('per_host')) s.perHost = int(q.get('per_host'), { min: 1, max: MAX_CONCURRENCY });
  if (q.has('max')) s.max = int(q.get('max'), { min: 1 });
  if (q.has('depth')) s.depth = int(q.get('depth'));
  if (q.has('delay')) s.delay = int(q.get('delay')) ?? 0;
  if (q.has('robots')) s.robots = !['0', 'false', 'off', 'no'].includes(q.get('robots'));
  if (q.has('sitemaps')) s.sitemaps = ['1', 'true', 'on', 'yes'].includes(q.get('sitemaps'));
  if (q.has('relay')) s.relay = ['1', 'true', 'on', 'yes'].includes(q.get('relay'));
  if (q.has('throttle')) s.autothrottle = ['1', 'true', 'on', 'yes'].includes(q.get('throttle'));
  if (q.has('scope') && ['host', 'domain', 'any'].includes(q.get('scope'))) s.scope = q.get('scope');
  if (q.has('follow')) s.follow = q.get('follow');
  if (q.has('latency')) s.latency = int(q.get('latency'), { max: 10000 }) ?? s.latency;
  if (q.has('scale') && TIME_SCALES.includes(Number(q.get('scale')))) s.scale = Number(q.get('scale'));
  if (q.has('field')) s.fields = q.getAll('field').map(parseField).filter(Boolean);
  if (q.has('handler')) s.handler = ['1', 'true', 'on', 'yes'].includes(q.get('handler'));
  if (q.has('code')) s.code = q.get('code');
  return s;
}

/** What `autostart` asks for: null, 'crawl' or 'compare'. */
export function autostartOf(search) {
  const v = new URLSearchParams(search).get('autostart');
  if (v === 'compare') return 'compare';
  return v && v !== '0' ? 'crawl' : null;
}

/**
 * The URL query for `s`. Presets that derive their start URL from the server (demo,
 * arena) do not write it, so a link works on any host and after a restart.
 */
export function toQuery(s) {
  const q = new URLSearchParams();
  q.set('preset', s.preset);
  if (s.preset === 'custom') for (const u of s.seeds) q.append('url', u);
  q.set('c', String(s.c));
  if (s.perHost !== null) q.set('per_host', String(s.perHost));
  if (s.max !== null) q.set('max', String(s.max));
  if (s.depth !== null) q.set('depth', String(s.depth));
  if (s.delay) q.set('delay', String(s.delay));
  if (!s.robots) q.set('robots', '0');
  if (s.sitemaps) q.set('sitemaps', '1');
  if (s.relay) q.set('relay', '1');
  if (s.autothrottle) q.set('throttle', '1');
  if (s.scope !== 'host') q.set('scope', s.scope);
  if (s.follow) q.set('follow', s.follow);
  if (s.preset === 'arena') q.set('latency', String(s.latency));
  if (s.preset === 'notes') q.set('scale', String(s.scale));
  for (const f of s.fields) q.append('field', formatField(f));
  if (s.handler) q.set('handler', '1');
  if (s.code !== starterFor(s.preset)) q.set('code', s.code);
  return q;
}

/**
 * The crawl spec for `s`, optionally at another concurrency (the compare view's
 * sequential run). `per_host` follows the concurrency knob unless the per-host limit is
 * set: a playground crawl is usually one host, and the knob should do what it says.
 */
export function toSpec(s, { concurrency = s.c } = {}) {
  const spec = {
    seeds: s.seeds,
    scope: s.scope,
    concurrency,
    per_host: Math.min(s.perHost ?? concurrency, concurrency),
    delay_ms: s.delay,
    robots: s.robots,
  };
  if (s.autothrottle) spec.autothrottle = true;
  // Read the Sitemap: lines of the start hosts' robots.txt (the engine refuses it with
  // robots off, saying why).
  if (s.sitemaps) spec.sitemaps = true;
  if (s.max !== null) spec.max_pages = s.max;
  if (s.depth !== null) spec.max_depth = s.depth;
  if (s.follow.trim()) spec.follow = s.follow.trim();
  const fields = s.fields.filter((f) => f.name.trim() || f.selector.trim());
  if (fields.length) {
    spec.fields = fields.map((f) => {
      const out = { name: f.name.trim(), selector: f.selector.trim() };
      if (f.attr && f.attr.trim()) out.attr = f.attr.trim();
      if (f.all) out.all = true;
      return out;
    });
  }
  if (s.handler && s.code.trim()) spec.code = s.code;
  return spec;
}

/** The spec keys `fromSpec` understands; others are reported as ignored. */
const SPEC_KEYS = ['seeds', 'scope', 'concurrency', 'per_host', 'delay_ms', 'robots', 'sitemaps', 'autothrottle', 'max_pages', 'max_depth', 'follow', 'fields', 'code'];

/**
 * Settings from a spec (an exported or hand-written `silk crawl --spec` file), over
 * `base`. Returns `{ settings, ignored }`, `ignored` naming keys the playground has no
 * control for. A spec with `code` turns the handler on and fills the editor with it.
 * Throws an Error saying what is wrong when the spec is not usable.
 */
export function fromSpec(spec, base = defaults()) {
  if (!spec || typeof spec !== 'object' || Array.isArray(spec)) throw new Error('a spec is a JSON object, e.g. {"seeds": ["https://example.com/"]}');
  if (!Array.isArray(spec.seeds) || !spec.seeds.every((u) => typeof u === 'string')) {
    throw new Error('the spec needs "seeds": a list of start URLs');
  }
  const s = structuredClone(base);
  s.preset = 'custom';
  s.seeds = spec.seeds;
  if (['host', 'domain', 'any'].includes(spec.scope)) s.scope = spec.scope;
  if ('concurrency' in spec) s.c = int(spec.concurrency, { min: 1, max: MAX_CONCURRENCY }) ?? s.c;
  // A per_host equal to the concurrency is what the knob alone gives.
  const perHost = 'per_host' in spec ? int(spec.per_host, { min: 1, max: MAX_CONCURRENCY }) : null;
  s.perHost = perHost !== null && perHost < s.c ? perHost : null;
  s.max = 'max_pages' in spec ? int(spec.max_pages, { min: 1 }) : null;
  s.depth = 'max_depth' in spec ? int(spec.max_depth) : null;
  s.delay = int(spec.delay_ms) ?? 0;
  if (typeof spec.robots === 'boolean') s.robots = spec.robots;
  s.autothrottle = spec.autothrottle === true;
  s.sitemaps = spec.sitemaps === true;
  s.follow = typeof spec.follow === 'string' ? spec.follow : '';
  s.fields = Array.isArray(spec.fields)
    ? spec.fields.filter((f) => f && typeof f.name === 'string' && typeof f.selector === 'string')
      .map((f) => ({ name: f.name, selector: f.selector, attr: typeof f.attr === 'string' ? f.attr : null, all: Boolean(f.all) }))
    : [];
  s.handler = typeof spec.code === 'string' && spec.code.trim() !== '';
  if (s.handler) s.code = spec.code;
  const ignored = Object.keys(spec).filter((k) => !SPEC_KEYS.includes(k));
  return { settings: s, ignored };
}
