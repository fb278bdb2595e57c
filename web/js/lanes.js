// lanes.js: which lane of the timeline a request takes when a crawl spans several origins.
//
// Why: the engine numbers its concurrency slots, but slots say nothing about hosts. Two
// limits act per host (the browser's 6 HTTP/1.1 connections per host:port, and silk's own
// per-host politeness), and they only become visible when each host gets its own group of
// lanes. Within a group a request takes the first lane of its host that is free (its last
// bar has ended), so a group is exactly as tall as the most requests that host ever had in
// flight at once: the per-host limit can be read off the picture. Pure data, no DOM, so the
// rule is testable on its own.

/** The origin (`scheme://host:port`) of a URL, or '' when it does not parse. */
export function originOf(url) {
  try {
    return new URL(url).origin;
  } catch {
    return '';
  }
}

/** The host:port shown for an origin. */
export function hostOf(origin) {
  try {
    return new URL(origin).host;
  } catch {
    return origin || '(no host)';
  }
}

export class HostLanes {
  constructor() {
    /** Groups in the order their hosts were first seen: `{ origin, host, lanes, requests }`. */
    this.groups = [];
    this.byOrigin = new Map();
  }

  get size() {
    return this.groups.length;
  }

  /** The group of `origin`, created on first sight. */
  group(origin) {
    let g = this.byOrigin.get(origin);
    if (!g) {
      // `lanes[i]`: the last bar placed in lane i (its `end` is null while in flight).
      g = { origin, host: hostOf(origin), lanes: [], requests: 0 };
      this.byOrigin.set(origin, g);
      this.groups.push(g);
    }
    return g;
  }

  /** Places `bar` (with `origin`, and `end` null while in flight) in its host's first free lane. */
  place(bar) {
    const g = this.group(bar.origin);
    let lane = g.lanes.findIndex((last) => last.end !== null && last.end !== undefined);
    if (lane < 0) {
      lane = g.lanes.length;
      g.lanes.push(bar);
    } else {
      g.lanes[lane] = bar;
    }
    bar.lane = lane;
    g.requests += 1;
    return lane;
  }

  /** Total lanes over every group. */
  get laneCount() {
    return this.groups.reduce((n, g) => n + g.lanes.length, 0);
  }

  /** What a test or a screen reader needs: per host, its lanes and requests. */
  summary() {
    return this.groups.map((g) => ({ origin: g.origin, lanes: g.lanes.length, requests: g.requests }));
  }
}
