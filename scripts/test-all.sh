#!/usr/bin/env bash
# Every check silk has, in the order CI runs them: toolchain setup (idempotent), formatting,
# lints for native and wasm32, the Rust test suites (unit, engine, end-to-end against the
# arena), the engine's tests again in headless Chromium, and the playground driven in
# headless Chromium, and a short smoke of each fuzz target. Stops at the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"

step() { printf '\n==> %s\n' "$*"; }

step "toolchain"
bash .ci/setup

step "cargo fmt --check"
cargo fmt --all -- --check

step "clippy (native)"
cargo clippy --workspace --all-targets -- -D warnings

step "clippy (wasm32)"
cargo clippy -p silk --target wasm32-unknown-unknown --all-targets -- -D warnings

step "cargo test (unit, engine, end-to-end against silk arena)"
# The end-to-end tests run the real binary and the examples; cargo builds a package's
# binaries only for that package's own tests, so build them first.
cargo build -p silk-cli
cargo build -p silk --examples
cargo test --workspace

step "engine tests in headless Chromium (wasm-bindgen-test)"
bash scripts/test-wasm.sh

step "playground in headless Chromium"
bash tests/playground/run.sh

step "fuzz smoke (10 s per cargo-fuzz target, after replaying fixed crash inputs)"
bash scripts/fuzz.sh 10

step "all checks passed"
