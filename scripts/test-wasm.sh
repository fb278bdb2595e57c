#!/usr/bin/env bash
# Runs silk's wasm32 tests in headless Chromium: the shared engine tests (crate/tests/engine.rs),
# the browser adapter and JS API tests (crate/tests/browser.rs) and the library's unit tests.
#
# It starts, on free ports of 127.0.0.1 only:
#   - the arena (`silk arena --port 0 --pages 60 --test-control`: its /__reset is used from
#     the test page, cross-origin), CORS-enabled: SILK_ARENA_URL
#   - a tiny Python server that sends no CORS headers, and plays a `silk serve --relay` at
#     /relay (token "sesame") to test the relay contract: SILK_NOCORS_URL
# and stops both on exit. The addresses reach the tests at compile time (option_env!), so
# cargo rebuilds the test binaries when the ports change.
#
# Usage: scripts/test-wasm.sh [extra `cargo test` args, e.g. `--test browser`]
# Exit status: non-zero when any test fails. Idempotent; installs missing tools via .ci/setup.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
say() { echo "[test-wasm] $*" >&2; }

bash .ci/setup
# wasm-opt and friends from npm first: Debian's binaryen corrupts current rustc output.
export PATH="$ROOT/.tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"

WORK="$(mktemp -d)"
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Waits until FILE has a line matching REGEX and prints the first such line.
wait_for_line() {
  local file=$1 regex=$2 what=$3 pid=$4
  for _ in $(seq 1 300); do
    if grep -m1 -E "$regex" "$file" 2>/dev/null; then
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      say "$what exited before it was ready:"
      cat "$file" >&2
      return 1
    fi
    sleep 0.1
  done
  say "$what did not start within 30 s:"
  cat "$file" >&2
  return 1
}

say "building the silk CLI (for \`silk arena\`)"
cargo build -q -p silk-cli
"$ROOT/target/debug/silk" arena --port 0 --pages 60 --test-control >"$WORK/arena.log" 2>&1 &
PIDS+=($!)
line="$(wait_for_line "$WORK/arena.log" '^arena listening on http://127\.0\.0\.1:[0-9]+' arena "${PIDS[-1]}")"
export SILK_ARENA_URL="${line#arena listening on }"
say "arena at $SILK_ARENA_URL"

cat >"$WORK/nocors.py" <<'PY'
"""No CORS headers anywhere, except /relay: a stand-in for `silk serve --relay`."""
import http.server, json, sys, urllib.parse

RELAY_CORS = [
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Expose-Headers", "X-Silk-Final-Url, X-Silk-Content-Type, X-Silk-Error"),
]

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, headers):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_OPTIONS(self):
        if self.path.startswith("/relay"):
            self.reply(204, b"", RELAY_CORS + [
                ("Access-Control-Allow-Headers", "x-silk-token, x-silk-referer, accept"),
                ("Access-Control-Allow-Methods", "GET"),
            ])
        else:
            self.reply(405, b"", [])

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path != "/relay":
            self.reply(200, b"<!doctype html><title>no CORS</title><p>No CORS headers here.</p>",
                       [("Content-Type", "text/html; charset=utf-8")])
            return
        target = urllib.parse.parse_qs(url.query).get("url", [""])[0]
        if self.headers.get("X-Silk-Token") != "sesame":
            self.reply(403, b"wrong token", RELAY_CORS)
        elif target.endswith("/fail"):
            body = json.dumps({"kind": "dns", "message": "example.invalid does not resolve"}).encode()
            self.reply(502, body, RELAY_CORS + [("X-Silk-Error", "1"), ("Content-Type", "application/json")])
        else:
            self.reply(200, f"relayed {target}".encode(), RELAY_CORS + [
                ("Content-Type", "text/plain"),
                ("X-Silk-Final-Url", "http://example.invalid/final"),
                ("X-Silk-Content-Type", "text/html; charset=gbk"),
            ])

server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(f"nocors listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
server.serve_forever()
PY
python3 -u "$WORK/nocors.py" >"$WORK/nocors.log" 2>&1 &
PIDS+=($!)
line="$(wait_for_line "$WORK/nocors.log" '^nocors listening on http://127\.0\.0\.1:[0-9]+' "no-CORS server" "${PIDS[-1]}")"
export SILK_NOCORS_URL="${line#nocors listening on }"
say "no-CORS server (and fake relay) at $SILK_NOCORS_URL"

# wasm-bindgen-test-runner drives Chromium through chromedriver; it adds --headless,
# --no-sandbox (needed as root) and --disable-dev-shm-usage itself. These keep Chromium off
# the closed network at start-up.
cat >"$WORK/webdriver.json" <<JSON
{
  "goog:chromeOptions": {
    "binary": "/usr/bin/chromium",
    "args": ["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--user-data-dir=$WORK/chromium-profile"]
  }
}
JSON
export WASM_BINDGEN_TEST_WEBDRIVER_JSON="$WORK/webdriver.json"
export CHROMEDRIVER=/usr/bin/chromedriver
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-120}"
# The runner serves its page cross-origin isolated (COOP + COEP: require-corp) by default.
# Pages that embed silk usually are not, and isolation blocks the `no-cors` probe that tells a
# CORS refusal from an unreachable server: test the usual case.
export WASM_BINDGEN_TEST_NO_ORIGIN_ISOLATION=1

say "running the wasm32 tests in headless Chromium"
set +e
cargo test -p silk --target wasm32-unknown-unknown --tests "$@" 2>&1 | tee "$WORK/test.log"
status=${PIPESTATUS[0]}
set -e

passed=$(grep -hoE 'test result: [a-zA-Z]+\. [0-9]+ passed' "$WORK/test.log" | grep -oE '[0-9]+ passed' | awk '{s+=$1} END {print s+0}')
failed=$(grep -hoE '[0-9]+ failed' "$WORK/test.log" | awk '{s+=$1} END {print s+0}')
echo
echo "== wasm32 tests in headless Chromium =="
grep -E '^\s*Running |Running headless tests in|test result:' "$WORK/test.log" || true
echo "total: $passed passed, $failed failed (cargo exit status $status)"
if [ "$status" -ne 0 ]; then
  exit "$status"
fi
if [ "$passed" -eq 0 ]; then
  say "no test ran: something is wrong with the runner"
  exit 1
fi
