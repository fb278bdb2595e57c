// explain.js: what each error kind means, and what to do about it, in the page's words.
//
// Why: a browser cannot do everything a native crawler can (CORS, mixed content, pages
// built by JavaScript). A learner who sees "cors" needs the way out next to it, not a
// search engine. The kinds are the engine's `ErrorKind` names.

const HINTS = {
  cors: 'the site sends no CORS headers, so the browser hides its pages from this page: run `silk serve --relay` and tick "Use relay", or use the native `silk crawl`',
  mixed_content: 'this page was loaded over https and the URL is http: browsers block such "mixed content". Open the playground over http (`silk serve`) or use the native `silk crawl`',
  robots: "the site's robots.txt asks crawlers not to fetch this URL, so it was not fetched (untick Robots only for sites you own)",
  http: 'the server answered with an error status (a missing page is reported, not fatal)',
  timeout: 'no complete answer in time',
  connect: 'the connection failed: is the server running?',
  dns: 'the host name does not resolve',
  tls: 'the TLS handshake or certificate failed',
  too_large: 'the body is over the size limit; reading stopped there',
  aborted: 'cancelled before it finished',
  redirect_loop: 'the redirects go round in a circle',
  too_many_redirects: 'too many redirects in a row',
  invalid_url: 'the URL is not a usable http(s) URL',
  handler: 'your onPage handler (the Code panel) threw or rejected on this page: it yielded no items and its links were not followed; the Code panel shows the first error with its line',
  other: 'something else went wrong (see the message)',
};

/** One sentence for an error kind. */
export function hintFor(kind) {
  return HINTS[kind] || HINTS.other;
}

/** Kinds that are about the browser itself, worth a banner above the results. */
export const BROWSER_LIMITS = ['cors', 'mixed_content'];
