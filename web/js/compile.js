// compile.js: turns the Code panel's text into the `onPage` function the crawl calls.
//
// Why a Blob URL script: the page's CSP forbids eval and `new Function` (crawled content
// must never become code), so the user's code is loaded the way any script is: as a
// classic <script> whose source is a Blob URL made here from the editor's text (the CSP
// allows `blob:` scripts; only this module creates one, and only from what the user typed).
// The browser then reports a syntax error as a window `error` event with its line, and
// runtime errors carry the Blob URL and line in their stacks; both are mapped back to the
// editor's lines (the wrapper adds HEADER_LINES lines above the user's first line).
// Nothing crawled is ever passed to this module: pages reach the user's function as data.

const HEADER_LINES = 1;
let serial = 0;
// The compiled script hands its onPage over by calling this global with its id.
const compiled = new Map();
window.__silkCompiled = (id, fn) => compiled.set(id, fn);

/** A syntax or load-time error in the user's code, with the editor line it points at. */
export class CodeError extends Error {
  constructor(message, line, kind) {
    super(message);
    this.name = 'CodeError';
    this.line = line; // 1-based editor line, or null when unknown
    this.kind = kind; // 'syntax' | 'load' | 'missing'
  }
}

/** The editor line for line `scriptLine` of the compiled script, within 1..lines. */
function editorLine(scriptLine, lines) {
  if (!Number.isInteger(scriptLine)) return null;
  return Math.min(Math.max(1, scriptLine - HEADER_LINES), Math.max(1, lines));
}

/**
 * Replaces `blobUrl:LINE:COL` in a stack with `your code:LINE:COL` (editor lines) and drops
 * the frames below the user's code (this module, the wasm glue): they say nothing to the user.
 */
function mapStack(stack, blobUrl, lines) {
  const mapped = stack.split(blobUrl).join('\u0000').replace(/\u0000:(\d+)(?::(\d+))?/g,
    (_, line, col) => `your code:${editorLine(Number(line), lines)}${col ? `:${col}` : ''}`);
  const frames = mapped.split('\n');
  const own = frames.findIndex((f, i) => i > 0 && f.includes(import.meta.url));
  return (own > 0 ? frames.slice(0, own) : frames).join('\n');
}

/** The first editor line a stack points at in the compiled script, or null. */
function stackLine(stack, blobUrl, lines) {
  const at = stack.indexOf(`${blobUrl}:`);
  if (at < 0) return null;
  const m = /^:(\d+)/.exec(stack.slice(at + blobUrl.length));
  return m ? editorLine(Number(m[1]), lines) : null;
}

/**
 * Compiles `source` (which must define `onPage(page)`) and resolves to
 * `{ handler, source }`: `handler` calls the user's function, maps the lines of any error
 * it throws to editor lines, and reports the first one through `onError({ message, line, url })`
 * before rethrowing it (the crawl records it on the page as error kind "handler").
 * Rejects with a CodeError for a syntax error, an error while the code loads, or no onPage.
 */
export function compile(source, { onError } = {}) {
  const id = `c${++serial}`;
  const lines = source.split('\n').length;
  const script = `window.__silkCompiled(${JSON.stringify(id)}, (function () {\n${source}\n;return typeof onPage === 'function' ? onPage : null;\n})());\n`;
  const blobUrl = URL.createObjectURL(new Blob([script], { type: 'text/javascript' }));
  return new Promise((resolve, reject) => {
    let fn;
    let failure = null;
    const onWindowError = (e) => {
      if (e.filename !== blobUrl) return;
      e.preventDefault(); // reported in the Code panel, not as an uncaught page error
      const syntax = e.error instanceof SyntaxError || /SyntaxError/.test(e.message);
      const message = String(e.message).replace(/^Uncaught /, '');
      failure ??= new CodeError(syntax ? message : `while loading your code: ${message}`,
        editorLine(e.lineno, lines), syntax ? 'syntax' : 'load');
    };
    window.addEventListener('error', onWindowError, true);
    const el = document.createElement('script');
    const done = () => {
      window.removeEventListener('error', onWindowError, true);
      el.remove();
      URL.revokeObjectURL(blobUrl); // the stacks keep its text, which is all the mapping needs
      fn = compiled.get(id);
      compiled.delete(id);
      if (failure) return reject(failure);
      if (typeof fn !== 'function') {
        return reject(new CodeError(
          'your code must define a function onPage(page), e.g. `async function onPage(page) { … }`', null, 'missing'));
      }
      let reported = false;
      const report = (err, page) => {
        let url = null;
        try { url = typeof page?.url === 'string' ? page.url : null; } catch { /* no url */ }
        if (err && typeof err === 'object' && typeof err.stack === 'string') {
          const line = stackLine(err.stack, blobUrl, lines);
          try { err.stack = mapStack(err.stack, blobUrl, lines); } catch { /* frozen: keep it */ }
          if (!reported && onError) {
            reported = true;
            onError({ message: `${err.name || 'Error'}: ${err.message}`, line, url });
          }
        } else if (!reported && onError) {
          reported = true;
          onError({ message: `thrown: ${String(err)}`, line: null, url });
        }
        return err;
      };
      const handler = (page) => {
        let out;
        try {
          out = fn(page);
        } catch (err) {
          throw report(err, page);
        }
        return out && typeof out.then === 'function' ? out.then(undefined, (err) => { throw report(err, page); }) : out;
      };
      resolve({ handler, source });
    };
    el.addEventListener('load', done);
    el.addEventListener('error', () => {
      failure ??= new CodeError('the browser refused to load your code (is `blob:` allowed by the page\'s CSP?)', null, 'load');
      done();
    });
    el.src = blobUrl;
    document.head.append(el);
  });
}
