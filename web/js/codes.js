// codes.js: the two crawlers the page puts side by side: the notes' asyncio crawler (written
// fresh for this page, in the shape the notes use: an aiohttp session, a Semaphore, gather,
// a seen_urls set and a Queue) and the silk engine's corresponding lines, excerpted verbatim
// from crate/src.
//
// Why data in its own module: the excerpts must not drift from the engine.
// tests/playground/excerpts.test.mjs imports this file and checks that every chunk is found,
// line for line and contiguous, in the file it names, so changing those engine lines
// without updating this panel fails the tests. No DOM here (js/codes-panel.js draws it).
//
// Each line carries the concepts it shows; hovering a concept lights its lines in both
// codes and the part of the page it explains (`target`: a timeline highlight mode of
// js/timeline.js, and a counter's element id).

/** The concepts, in the order the panel lists them. */
export const CONCEPTS = [
  { key: 'limit', py: 'Semaphore', rs: 'concurrency limit', target: 'lanes', counter: 'n-flight',
    explains: 'the lanes: one per slot of the limit; "in flight" never exceeds it' },
  { key: 'perhost', py: 'limit_per_host', rs: 'per-host limit', target: 'groups', counter: null,
    explains: 'the host groups: a group is as tall as the most requests its host had in flight' },
  { key: 'gather', py: 'gather', rs: 'FuturesUnordered', target: 'plot', counter: null,
    explains: 'the concurrent timeline: overlapping bars are futures polled together' },
  { key: 'fetch', py: 'session.get', rs: 'fetch', target: 'bars', counter: null,
    explains: 'the bars: one per request, from its start to its answer' },
  { key: 'queue', py: 'Queue', rs: 'frontier', target: null, counter: 'n-queued',
    explains: 'the "queued" counter: URLs found and waiting' },
  { key: 'seen', py: 'seen_urls', rs: 'seen-set', target: null, counter: 'n-done',
    explains: 'the "done" counter: each URL gets one record, however many pages link to it' },
];

/** The notes' crawler, written fresh: `[text, concepts]` per line. */
export const PYTHON = [
  ['import asyncio, aiohttp', []],
  ['', []],
  ['async def fetch(session, sem, url):', []],
  ['    async with sem:', ['limit']],
  ['        async with session.get(url) as resp:', ['fetch']],
  ['            return url, await resp.text()', ['fetch']],
  ['', []],
  ['async def crawl(start, concurrency=24):', []],
  ['    queue, seen_urls = asyncio.Queue(), {start}', ['queue', 'seen']],
  ['    queue.put_nowait(start)', ['queue']],
  ['    sem = asyncio.Semaphore(concurrency)', ['limit']],
  ['    conn = aiohttp.TCPConnector(limit_per_host=6)', ['perhost']],
  ['    async with aiohttp.ClientSession(connector=conn) as session:', ['fetch']],
  ['        while not queue.empty():', ['queue']],
  ['            urls = [queue.get_nowait() for _ in range(queue.qsize())]', ['queue']],
  ['            pages = await asyncio.gather(', ['gather']],
  ['                *(fetch(session, sem, url) for url in urls))', ['gather', 'fetch']],
  ['            for url, html in pages:', []],
  ['                for link in links_in(html, url):', []],
  ['                    if link not in seen_urls:', ['seen']],
  ['                        seen_urls.add(link)', ['seen']],
  ['                        queue.put_nowait(link)', ['queue']],
];

/**
 * silk's lines: chunks of consecutive lines of one file, in the order the crawl uses them.
 * `lines`: `[text, concepts]`, the text exactly as in the file (indentation included).
 */
export const SILK = [
  {
    file: 'crate/src/engine/mod.rs',
    what: 'the crawl loop\'s state: per-host queues and the in-flight set',
    lines: [
      ['    hosts: HostSlots<Job>,', ['perhost']],
      ["    in_flight: FuturesUnordered<LocalBoxFuture<'static, Done>>,", ['gather']],
    ],
  },
  {
    file: 'crate/src/engine/mod.rs',
    what: 'fill(): start requests while the limit allows',
    lines: [
      ['        while self.in_flight.len() + self.frontier.uncommitted() < concurrency {', ['limit']],
      ['            if let Some((origin, job)) = self.hosts.take_ready(now) {', ['perhost']],
    ],
  },
  {
    file: 'crate/src/host_slots.rs',
    what: 'a host takes a request only below its limit (--per-host, or AutoThrottle\'s current one)',
    lines: [
      ['    fn has_room(&self, host: &Host<J>) -> bool {', ['perhost']],
      ['        matches!(host.robots, RobotsState::Ready(_)) && host.in_flight < host.limit', ['perhost']],
    ],
  },
  {
    file: 'crate/src/engine/mod.rs',
    what: 'fill(): the next URL from the frontier',
    lines: [
      ['            match self.frontier.pop().await {', ['queue']],
    ],
  },
  {
    file: 'crate/src/frontier.rs',
    what: 'the in-memory frontier: queue a URL unless the seen-set has it',
    lines: [
      ['    async fn add(&mut self, item: QueuedUrl) -> bool {', ['queue']],
      ['        let url = item.url.as_str();', []],
      ['        if url.len() > MAX_PACKED_URL {', []],
      ['            return false;', []],
      ['        }', []],
      ['        let new = self.seen.insert(fingerprint(url));', ['seen']],
      ['        if new {', ['seen']],
    ],
  },
  {
    file: 'crate/src/seen.rs',
    what: 'the seen-set: one 64-bit fingerprint per URL',
    lines: [
      ['    pub fn insert(&mut self, fp: u64) -> bool {', ['seen']],
    ],
  },
  {
    file: 'crate/src/engine/mod.rs',
    what: 'start(): the fetch becomes a future in the in-flight set',
    lines: [
      ['        let fetch = match job.sitemap {', ['fetch']],
      ['            true => self.sitemap_fetch(request),', ['fetch']],
      ['            false => timed_fetch(&*self.fetcher, &*self.clock, request),', ['fetch']],
      ['        };', []],
      ['        self.slots[slot as usize] = Some(job);', ['limit']],
      ['        self.in_flight.push(', ['gather']],
      ['            async move {', ['gather']],
      ['                Done::Page {', []],
      ['                    slot,', ['limit']],
      ['                    result: fetch.await,', ['fetch']],
    ],
  },
  {
    file: 'crate/src/engine/mod.rs',
    what: 'next_wake(): whichever future ends first',
    lines: [
      ['            if let Poll::Ready(Some(done)) = in_flight.poll_next_unpin(cx) {', ['gather']],
      ['                return Poll::Ready(Wake::Done(done));', ['gather']],
    ],
  },
];

/**
 * Where `chunk` starts in `source` (the file's text): its first line number (1-based), or
 * null when its lines are not found there consecutively and verbatim.
 */
export function findChunk(source, chunk) {
  const lines = source.split('\n');
  const want = chunk.lines.map(([text]) => text);
  for (let i = 0; i + want.length <= lines.length; i++) {
    if (want.every((text, k) => lines[i + k] === text)) return i + 1;
  }
  return null;
}

/** The files the excerpts come from, once each. */
export function silkFiles() {
  return [...new Set(SILK.map((c) => c.file))];
}
