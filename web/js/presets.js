// presets.js: ready-made crawls, so a first visit shows something in one click.
//
// "Demo films" crawls the bundled demo site (web/demo/, see web/demo/generate.py) with the
// fields of the douban-style chart; "Arena" crawls silk's synthetic shop that `silk serve`
// runs on a second port with added latency, the place where concurrency visibly pays off;
// "Notes replay" crawls the films catalogue `silk serve` runs on several origins with the
// study notes' per-page time, time-scaled (js/notes.js), to replay their 224.8 s vs 10.3 s.
// A preset's start URL is computed from where the page is served, never hard-coded.

/** The field selectors of the demo film pages. */
export const DEMO_FIELDS = [
  { name: 'title', selector: 'h1 .title', attr: null, all: false },
  { name: 'rating', selector: '.film .rating', attr: null, all: false },
  { name: 'director', selector: '.director', attr: null, all: false },
  { name: 'language', selector: '.language', attr: null, all: false },
];

/** Arena product pages: <title>, <h1> and .price. */
export const ARENA_FIELDS = [
  { name: 'name', selector: 'h1', attr: null, all: false },
  { name: 'price', selector: '.price', attr: null, all: false },
];

/** The start URL of the demo site, next to this page. */
export function demoStartUrl() {
  return new URL('demo/index.html', location.href).href;
}

/**
 * The settings a preset changes. `info` is /serve.json (null from a static server, when
 * the arena preset is unavailable).
 */
export function presetSettings(name, info) {
  switch (name) {
    case 'demo':
      return { seeds: [demoStartUrl()], max: 300, depth: null, scope: 'host', follow: '', fields: DEMO_FIELDS, perHost: null };
    case 'arena':
      if (!info || !info.arena) return null;
      return {
        seeds: [`${info.arena}/`],
        max: 40,
        depth: null,
        scope: 'host',
        follow: '',
        fields: ARENA_FIELDS,
        perHost: null,
      };
    case 'notes':
      if (!info || !info.notes || typeof info.notes.url !== 'string') return null;
      return {
        seeds: [info.notes.url],
        max: 300,
        depth: null,
        scope: 'host', // host names without the port: every 127.0.0.1 origin of the catalogue
        follow: '',
        fields: DEMO_FIELDS,
        c: 24,
        perHost: 6, // the browser's HTTP/1.1 connections per host, as silk's politeness
      };
    default:
      return {};
  }
}
