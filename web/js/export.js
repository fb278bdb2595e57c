// export.js: results and spec as files: JSONL and CSV in the same shape `silk crawl`
// writes, and the spec as JSON for `silk crawl --spec`, so a crawl designed here can be
// rerun natively at scale.
//
// CSV columns (as `silk crawl -o x.csv`): url, final_url, status, depth, referer, bytes,
// elapsed_ms, then one column per field, then error ("kind: message"). Empty cells for
// null; arrays (fields with `all`) as JSON text; RFC 4180 quoting; CRLF line ends.

const STANDARD = ['url', 'final_url', 'status', 'depth', 'referer', 'bytes', 'elapsed_ms'];

/** One JSON object per line: the records exactly as the engine reported them. */
export function toJsonl(records) {
  return records.map((r) => JSON.stringify(r)).join('\n') + (records.length ? '\n' : '');
}

function cell(value) {
  if (value === null || value === undefined) return '';
  const s = typeof value === 'string' ? value : JSON.stringify(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV with a header row; `fieldNames` in spec order. */
export function toCsv(records, fieldNames) {
  const header = [...STANDARD, ...fieldNames, 'error'];
  const lines = [header.map(cell).join(',')];
  for (const r of records) {
    const error = r.error ? `${r.error.kind}: ${r.error.message}` : '';
    lines.push([...STANDARD.map((c) => r[c]), ...fieldNames.map((f) => r[f]), error].map(cell).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

/** The spec as `silk crawl --spec` reads it. */
export function toSpecJson(spec) {
  return JSON.stringify(spec, null, 2) + '\n';
}

/** Offers `text` as a file download. */
export function download(filename, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** The handler's items, one JSON value per line, as they arrived. */
export function toItemsJsonl(items) {
  return items.map((i) => JSON.stringify(i)).join('\n') + (items.length ? '\n' : '');
}
