#!/usr/bin/env bash
# Builds the engine for the browser into web/pkg (size-optimised profile, wasm-opt from npm's
# binaryen: Debian's corrupts current rustc output) and prints the module's size.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
wasm-pack build crate --target web --out-dir ../web/pkg --mode no-install --profile wasm-release >&2
wasm=web/pkg/silk_bg.wasm
echo "[build-wasm] $wasm: $(wc -c <"$wasm") bytes raw, $(gzip -9 -c "$wasm" | wc -c) bytes gzipped" >&2
