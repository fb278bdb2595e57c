#!/usr/bin/env bash
# The main job: install what is missing, build the wasm module into web/pkg, build the native
# binary, and serve the playground on 127.0.0.1 (it prints the address). Extra arguments go to
# `silk serve` (e.g. --port 9000 --relay --open).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
bash .ci/setup
bash scripts/build-wasm.sh
cargo build --release -p silk-cli
exec target/release/silk serve "$@"
