// handler.js: the user's handler over one crawl: compiles the Code panel's source for each
// run and tells the panel how it went: a syntax error with its line (then no crawl starts),
// the first runtime error with its line and page, or how many items it yielded.
//
// Why apart from app.js: the crawl wiring only needs "a function for onPage, or null";
// what an error means to the person editing the code is this module's job.

import { compile, CodeError } from './compile.js';

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

export class HandlerRuns {
  /** `panel`: the CodePanel (show, clearStatus). */
  constructor(panel) {
    this.panel = panel;
    this.firstError = null;
    this.active = false;
  }

  /**
   * A crawl starts with settings `s`: resolves to the compiled handler, or null when the
   * handler is off. A CodeError (syntax, load, no onPage) is shown in the panel and thrown.
   */
  async start(s) {
    this.panel.clearStatus();
    this.firstError = null;
    this.active = false;
    const handler = await this.compile(s);
    if (handler) {
      this.active = true;
      this.panel.show('ok', 'Compiled: onPage runs on every fetched page.');
    }
    return handler;
  }

  /** A freshly compiled handler (own top-level state) for `s`, or null when off. */
  async compile(s) {
    if (!s.handler) return null;
    try {
      const { handler } = await compile(s.code, { onError: (e) => this.runtimeError(e) });
      return handler;
    } catch (e) {
      if (e instanceof CodeError) this.panel.show(e.kind, e.message, e.line);
      throw e;
    }
  }

  runtimeError({ message, line, url }) {
    if (this.firstError) return;
    this.firstError = { message, line, url };
    this.panel.show('runtime', `${message}${url ? ` (first error, on ${url})` : ''}`, line);
  }

  /**
   * The crawl ended with `stats` after `items` items; `failedRecord` is the first record
   * with a handler error (it also covers what the engine refuses without a throw, such as a
   * result of the wrong shape).
   */
  finish(stats, items, failedRecord) {
    if (!this.active) return;
    const failed = stats?.error_kinds?.handler ?? 0;
    if (this.firstError) {
      const { message, line, url } = this.firstError;
      const count = failed ? `; ${plural(failed, 'page')} failed in your handler: rows of kind "handler"` : '';
      this.panel.show('runtime', `${message} (first error, on ${url}${count})`, line);
    } else if (failed) {
      const why = failedRecord ? `${failedRecord.error.message} (on ${failedRecord.url})` : 'see the rows of kind "handler"';
      this.panel.show('runtime', `${plural(failed, 'page')} failed in your handler: ${why}`);
    } else {
      this.panel.show('ok', `Your handler ran without errors: ${plural(items, 'item')}.`);
    }
  }
}
