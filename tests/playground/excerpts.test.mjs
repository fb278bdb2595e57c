// excerpts.test.mjs: the codes panel's silk excerpts (web/js/codes.js) are the engine's real
// lines. Every chunk must be found verbatim and consecutively in the file it names, so a
// change to those engine lines that forgets the panel fails here. Also checks that every
// concept the panel offers is shown in both codes (a hover must light lines on both sides).
// Needs no browser and no server: `node --test tests/playground/excerpts.test.mjs`.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SILK, PYTHON, CONCEPTS, findChunk, silkFiles } from '../../web/js/codes.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

test('every silk excerpt is in its file, verbatim and in one piece', () => {
  for (const chunk of SILK) {
    assert.match(chunk.file, /^crate\/src\/[a-z0-9_/]+\.rs$/, `a path under crate/src: ${chunk.file}`);
    const source = readFileSync(join(ROOT, chunk.file), 'utf8');
    const line = findChunk(source, chunk);
    assert.ok(line !== null, `not found verbatim in ${chunk.file} (update web/js/codes.js):\n${chunk.lines.map(([t]) => t).join('\n')}`);
    assert.ok(line >= 1);
  }
  assert.ok(silkFiles().length >= 4, 'the engine loop, the frontier, the seen-set, the host slots');
});

test('findChunk refuses lines that are not consecutive or not verbatim', () => {
  const source = 'a\n  b\nc\n';
  assert.equal(findChunk(source, { lines: [['  b', []], ['c', []]] }), 2);
  assert.equal(findChunk(source, { lines: [['a', []], ['c', []]] }), null, 'a gap');
  assert.equal(findChunk(source, { lines: [['b', []]] }), null, 'indentation differs');
});

test('every concept is on both sides', () => {
  for (const c of CONCEPTS) {
    assert.ok(PYTHON.some(([, tags]) => tags.includes(c.key)), `${c.key} in the asyncio code`);
    assert.ok(SILK.some((chunk) => chunk.lines.some(([, tags]) => tags.includes(c.key))), `${c.key} in silk's`);
  }
  const keys = new Set(CONCEPTS.map((c) => c.key));
  for (const [text, tags] of [...PYTHON, ...SILK.flatMap((c) => c.lines)]) {
    for (const t of tags) assert.ok(keys.has(t), `unknown concept ${t} on ${text}`);
  }
  assert.ok(PYTHON.length >= 12 && PYTHON.length <= 24, 'about 15 lines of asyncio');
});
