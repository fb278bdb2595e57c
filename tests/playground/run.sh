#!/usr/bin/env bash
# Runs the playground's end-to-end tests: the real page in headless Chromium against a real
# `silk serve --relay` on 127.0.0.1, plus the Rust relay test (tests/tests/serve_relay.rs).
#
#   1. installs missing tools (.ci/setup: wasm-pack, wasm-bindgen, wasm-opt, playwright-core,
#      chromium), idempotently;
#   2. builds the wasm bundle into web/pkg if it is missing or older than the engine sources;
#   3. builds `silk` (cargo build -p silk-cli);
#   4. starts `silk serve --port 0 --relay`, reads the printed address and relay link, and
#      runs `node --test tests/playground/` with PLAYGROUND_URL and PLAYGROUND_RELAY_LINK
#      set (one file at a time: the
#      compare test measures time and must not share the CPU with another browser);
#   5. stops the server on exit, whatever happened.
#
# Usage: tests/playground/run.sh [extra node --test args, e.g. --test-name-pattern=relay]
# Env: SILK_BIN (default target/debug/silk), SKIP_RUST=1 to skip the Rust relay test.
# Artifacts: tests/artifacts/playground-compare.png (the compare view, to look at).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/.tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
say() { echo "[playground] $*" >&2; }

if [ ! -d .tools/node_modules/playwright-core ] || [ ! -x /usr/bin/chromium ] || ! command -v wasm-pack >/dev/null; then
  bash .ci/setup
fi

wasm=web/pkg/silk_bg.wasm
if [ ! -f "$wasm" ] || [ ! -f web/pkg/silk.js ] \
  || [ -n "$(find crate/src crate/Cargo.toml Cargo.lock -newer "$wasm" -print -quit)" ]; then
  say "building the wasm bundle (web/pkg)"
  bash scripts/build-wasm.sh
fi

say "building silk"
cargo build -p silk-cli >&2
export SILK_BIN="${SILK_BIN:-$ROOT/target/debug/silk}"

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$SILK_BIN" serve --port 0 --relay >"$WORK/serve.out" 2>"$WORK/serve.err" &
SERVER_PID=$!
PLAYGROUND_URL=""
for _ in $(seq 1 200); do
  PLAYGROUND_URL="$(sed -n 's/^playground: \(http:\/\/127\.0\.0\.1:[0-9]*\/\)$/\1/p' "$WORK/serve.out" | head -n1)"
  [ -n "$PLAYGROUND_URL" ] && break
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    say "silk serve exited before printing its address:"
    cat "$WORK/serve.out" "$WORK/serve.err" >&2
    exit 1
  fi
  sleep 0.05
done
[ -n "$PLAYGROUND_URL" ] || { say "silk serve printed no address"; cat "$WORK/serve.err" >&2; exit 1; }
# The relay link (`?token=`) sets the cookie that lets the page read the relay token.
for _ in $(seq 1 100); do
  PLAYGROUND_RELAY_LINK="$(sed -n 's/^relay: open \(http:[^ ]*token=[0-9a-f]*\) .*$/\1/p' "$WORK/serve.out" | head -n1)"
  [ -n "$PLAYGROUND_RELAY_LINK" ] && break
  sleep 0.05
done
[ -n "$PLAYGROUND_RELAY_LINK" ] || { say "silk serve --relay printed no relay link"; cat "$WORK/serve.out" >&2; exit 1; }
export PLAYGROUND_URL PLAYGROUND_RELAY_LINK
say "silk serve at $PLAYGROUND_URL"

mkdir -p tests/artifacts
status=0
node --test --test-concurrency=1 "$@" tests/playground/ || status=$?

if [ "${SKIP_RUST:-0}" != 1 ]; then
  say "Rust relay test (tests/tests/serve_relay.rs)"
  cargo test -p silk-tests --test serve_relay >&2 || status=$?
fi

[ -f tests/artifacts/playground-compare.png ] && say "screenshot: tests/artifacts/playground-compare.png"
exit $status
