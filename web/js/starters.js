// starters.js: the code the Code panel opens with, one starter per preset.
//
// Why per preset: a starter is only "sensible" if it fits the site. The demo's starter is
// the study notes' spider written as a handler (chart pages -> film pages -> one item per
// film, the rank carried along as `meta`); the arena's reads its product pages; a custom
// crawl gets the generic one (the h1 and word count of every page, same-host links only,
// like crate/examples/custom_spider.rs). An editor still holding any starter is swapped for
// the new preset's one; code the user changed is never replaced.

const HELP = `// onPage runs on every fetched HTML page (status below 400) and returns
// { items, follow }. Items appear in the Items table; a follow list replaces the
// spec's links for this page (return none to follow those as usual). Every URL
// still goes through scope, robots.txt, the seen-set and the per-host delay.
//   page.url  page.finalUrl  page.status  page.headers  page.depth  page.referer
//   page.text  page.fields (the spec's fields)  page.links (the spec's links)
//   page.meta (what you attached when following this URL)
//   page.select(css) -> [{ text, attrs }]    page.absolute(href) -> URL or null
`;

const DEMO = `${HELP}
async function onPage(page) {
  // A chart page: follow every film, carrying its rank, then the next chart page.
  const links = page.select('ol.chart a.title');
  if (links.length) {
    const ranks = page.select('ol.chart .rank');
    const follow = links.map((a, i) => ({
      url: page.absolute(a.attrs.href),
      meta: { rank: Number(ranks[i].text) },
      priority: 1, // film pages before chart pages: items arrive sooner
    }));
    const next = page.select('.paginator a.next')[0];
    if (next) follow.push({ url: page.absolute(next.attrs.href) });
    return { follow: follow.filter((f) => f.url) };
  }

  // A film page: one item, and nothing more to follow.
  if (page.select('article.film').length) {
    const text = (css) => page.select(css)[0]?.text ?? null;
    const item = {
      rank: page.meta?.rank ?? null,
      title: text('h1 .title'),
      year: Number(text('h1 .year')?.replace(/\\D/g, '')) || null,
      rating: text('.film .rating'),
      votes: Number(text('.votes')) || null,
      director: text('.director'),
      language: text('.language'),
    };
    return { items: [item], follow: [] };
  }

  // Any other page (the home page, the moved chart): the spec's own links.
}
`;

const ARENA = `${HELP}
async function onPage(page) {
  // A product page: one item; its links are followed as the spec says.
  if (page.select('article.product').length) {
    const text = (css) => page.select(css)[0]?.text ?? null;
    const price = text('.price');
    return {
      items: [{
        product: text('h1'),
        name: text('.name'),
        category: text('.category'),
        price: price === null ? null : Number(price.replace(/[^0-9.]/g, '')),
      }],
    };
  }
}
`;

const GENERIC = `${HELP}
async function onPage(page) {
  // Every page with an <h1>: its heading and how many words its body has.
  const h1 = page.select('h1')[0];
  const body = page.select('body')[0];
  const items = h1
    ? [{ url: page.url, h1: h1.text, words: body ? body.text.split(/\\s+/).filter(Boolean).length : 0 }]
    : [];

  // Follow only links to the same host, chosen here instead of by the spec.
  const host = new URL(page.finalUrl).host;
  const follow = page.select('a[href]')
    .map((a) => page.absolute(a.attrs.href))
    .filter((url) => url && new URL(url).host === host);
  return { items, follow };
}
`;

// The notes' films use the demo's HTML and selectors.
const STARTERS = { demo: DEMO, arena: ARENA, notes: DEMO, custom: GENERIC };

/** The starter code for a preset (the generic one for custom crawls). */
export function starterFor(preset) {
  return STARTERS[preset] ?? GENERIC;
}

/** Whether `code` is one of the starters, unchanged (so a preset switch may replace it). */
export function isStarter(code) {
  const norm = (s) => s.replace(/\r\n/g, '\n').trim();
  return Object.values(STARTERS).some((s) => norm(s) === norm(code ?? ''));
}
