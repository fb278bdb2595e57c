// server.js: what `silk serve` adds to a plain static server, discovered at run time.
//
// Why optional: the playground must work from any static server (`python3 -m http.server`
// in web/). `silk serve` answers /serve.json with the arena's address (a slow-on-purpose
// test site), the lab origin (hostile test pages) and, with --relay, the relay endpoint and
// its per-launch token. That file is served without CORS headers, so only a page from the
// same origin can read it, and the token is in it only after the user opened the link
// `silk serve` printed on the terminal (it sets a SameSite=Strict cookie, Jupyter-style).

/** The server info, or null when served by a plain static server. */
export async function loadServeInfo() {
  try {
    const resp = await fetch('serve.json', { cache: 'no-store', credentials: 'same-origin' });
    if (!resp.ok) return null;
    const info = await resp.json();
    return info && typeof info === 'object' ? info : null;
  } catch {
    return null;
  }
}

/** Sets the arena's added latency through `silk serve` (POST /arena-latency?ms=N). */
export async function setArenaLatency(ms) {
  const resp = await fetch(`arena-latency?ms=${encodeURIComponent(ms)}`, { method: 'POST' });
  if (!resp.ok) throw new Error(`could not set the arena latency (HTTP ${resp.status})`);
}

/** Sets the notes' films' per-page time through `silk serve` (POST /notes-latency?ms=N). */
export async function setNotesLatency(ms) {
  const resp = await fetch(`notes-latency?ms=${encodeURIComponent(ms)}`, { method: 'POST' });
  if (!resp.ok) throw new Error(`could not set the films' per-page time (HTTP ${resp.status})`);
}

/** The crawl options for `new Crawl(spec, options)`: the relay, when asked for and available. */
export function crawlOptions(info, useRelay) {
  if (!useRelay || !info || !info.relay || !info.relay.token) return undefined;
  return { relay: { endpoint: new URL(info.relay.endpoint, location.href).href, token: info.relay.token } };
}
