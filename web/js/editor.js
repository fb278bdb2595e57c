// editor.js: the Code panel: a plain <textarea> code editor with a line-number gutter, the
// "use my handler" switch, and the status line where syntax and runtime errors appear with
// their line.
//
// Why a textarea and not an editor library: nothing is vendored, the page's CSP allows only
// its own scripts, and a handler is a few dozen lines. What makes a textarea usable for code
// is small: a monospace font, no wrapping (so gutter lines are text lines), Tab inserting
// spaces (Esc, then Tab, moves focus on, so the keyboard is never trapped), and the line of
// an error marked in the gutter. Ctrl+Enter (Cmd+Enter) starts the crawl.
//
// Observable state for tests: #code-status[data-kind="ok|syntax|load|missing|runtime"] and
// [data-line], the gutter line `.err`.

import { el, byId, clear } from './dom.js';

const INDENT = '  ';

export class CodePanel {
  /** `onChange()`: the code or the switch changed; `onRun()`: Ctrl+Enter; `onReset()`: the reset button. */
  constructor({ onChange, onRun, onReset }) {
    this.text = byId('code');
    this.gutter = byId('code-gutter');
    this.use = byId('use-code');
    this.status = byId('code-status');
    this.reset = byId('code-reset');
    this.lines = 0;
    this.errorLine = null;
    this.escaped = false;

    this.text.addEventListener('keydown', (e) => this.key(e));
    this.text.addEventListener('input', () => { this.renumber(); onChange(); });
    this.text.addEventListener('scroll', () => { this.gutter.scrollTop = this.text.scrollTop; });
    this.use.addEventListener('change', () => { this.showUse(); onChange(); });
    this.reset.addEventListener('click', () => onReset());
    this.onRun = onRun;
  }

  key(e) {
    if (e.key === 'Escape') { this.escaped = true; return; }
    if (['Shift', 'Control', 'Alt', 'Meta'].includes(e.key)) return;
    if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') {
      e.preventDefault();
      this.onRun();
      return;
    }
    if (e.key !== 'Tab' || this.escaped || e.altKey || e.ctrlKey || e.metaKey) {
      this.escaped = false;
      return;
    }
    e.preventDefault();
    const t = this.text;
    const { selectionStart: start, selectionEnd: end, value } = t;
    const lineStart = value.lastIndexOf('\n', start - 1) + 1;
    if (e.shiftKey) {
      // Outdent the selected lines (or the caret's line) by up to one indent.
      const block = value.slice(lineStart, end);
      const out = block.replace(/^ {1,2}/gm, '');
      t.setRangeText(out, lineStart, end, start === end ? 'end' : 'select');
    } else if (start !== end && value.slice(start, end).includes('\n')) {
      // Indent every selected line.
      const block = value.slice(lineStart, end);
      t.setRangeText(block.replace(/^/gm, INDENT), lineStart, end, 'select');
    } else {
      t.setRangeText(INDENT, start, end, 'end');
    }
    t.dispatchEvent(new Event('input', { bubbles: true }));
  }

  /** Rebuilds the gutter when the number of lines changed. */
  renumber() {
    const lines = this.text.value.split('\n').length;
    if (lines === this.lines) return;
    this.lines = lines;
    const nodes = [];
    for (let i = 1; i <= lines; i++) {
      nodes.push(el('div', { class: i === this.errorLine ? 'err' : null, text: String(i) }));
    }
    clear(this.gutter).append(...nodes);
    this.gutter.scrollTop = this.text.scrollTop;
  }

  showUse() {
    this.text.closest('.editor').classList.toggle('off', !this.use.checked);
  }

  /** `{ handler, code }` as the settings carry them. */
  read() {
    return { handler: this.use.checked, code: this.text.value };
  }

  write({ handler, code }) {
    this.use.checked = Boolean(handler);
    if (this.text.value !== code) {
      this.text.value = code;
      this.lines = 0;
    }
    this.renumber();
    this.showUse();
    this.clearStatus();
  }

  /** Shows `message`; `kind` is ok, syntax, load, missing or runtime; `line` is marked. */
  show(kind, message, line = null) {
    this.status.dataset.kind = kind;
    if (line) this.status.dataset.line = String(line);
    else delete this.status.dataset.line;
    this.status.textContent = line ? `Line ${line}: ${message}` : message;
    this.status.hidden = false;
    this.mark(line);
    if (line && kind !== 'ok') this.reveal(line);
  }

  clearStatus() {
    this.status.textContent = '';
    this.status.hidden = true;
    delete this.status.dataset.kind;
    delete this.status.dataset.line;
    this.mark(null);
  }

  mark(line) {
    this.errorLine = line;
    [...this.gutter.children].forEach((div, i) => div.classList.toggle('err', i + 1 === line));
  }

  /** Scrolls the editor so that `line` is visible. */
  reveal(line) {
    const lineHeight = parseFloat(getComputedStyle(this.text).lineHeight) || 16;
    const top = (line - 1) * lineHeight;
    if (top < this.text.scrollTop || top > this.text.scrollTop + this.text.clientHeight - 2 * lineHeight) {
      this.text.scrollTop = Math.max(0, top - this.text.clientHeight / 3);
    }
  }

  /** The settings of a running crawl are fixed: so is its code. */
  lock(locked) {
    this.text.readOnly = locked;
    this.use.disabled = locked;
    this.reset.disabled = locked;
  }
}
