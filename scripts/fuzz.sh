#!/usr/bin/env bash
# Runs silk's cargo-fuzz targets (fuzz/): scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#
# Defaults: 60 s per target, all targets (url_norm robots fast_extract decode sitemap validators cookie_jar). Installs
# nightly and cargo-fuzz if missing. Each target first replays its fixed crash inputs
# (fuzz/regressions/TARGET/*, not open/), then fuzzes a scratch corpus (fuzz/corpus/TARGET,
# git-ignored) seeded from the committed fuzz/seeds/TARGET. Prints the executions per
# target and the path of any crash input; exits 1 if a target crashed.
# CI smoke: scripts/fuzz.sh 10
set -euo pipefail

secs="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(url_norm robots fast_extract decode sitemap validators cookie_jar)
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root/fuzz"
# FUZZ_TARGET_DIR: where cargo-fuzz builds (default fuzz/target).
target_dir=()
[ -z "${FUZZ_TARGET_DIR:-}" ] || target_dir=(--target-dir "$FUZZ_TARGET_DIR")

rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz
# cargo-fuzz's defaults: optimised, with debug assertions and overflow checks, address
# sanitizer and coverage instrumentation.
build=(cargo +nightly fuzz build "${target_dir[@]}")
start=$(date +%s)
for t in "${targets[@]}"; do "${build[@]}" "$t"; done
echo "fuzz: build took $(( $(date +%s) - start )) s"

status=0
for t in "${targets[@]}"; do
  run=(cargo +nightly fuzz run "${target_dir[@]}" "$t")
  mapfile -t fixed < <(find "regressions/$t" -maxdepth 1 -type f 2>/dev/null | sort)
  if [ ${#fixed[@]} -gt 0 ]; then
    if ! "${run[@]}" "${fixed[@]}" -- -runs=1 >"/tmp/silk-fuzz-$t-regressions.log" 2>&1; then
      echo "fuzz: $t: a regression input crashes again (log /tmp/silk-fuzz-$t-regressions.log)"
      status=1
    fi
  fi
  mkdir -p "corpus/$t" "artifacts/$t"
  cp -n "seeds/$t"/* "corpus/$t/" 2>/dev/null || true
  log="/tmp/silk-fuzz-$t.log"
  before=$(find "artifacts/$t" -type f | sort)
  if "${run[@]}" "corpus/$t" -- -max_total_time="$secs" -print_final_stats=1 \
      -timeout=10 -rss_limit_mb=2048 >"$log" 2>&1; then
    result=ok
  else
    result=CRASH
    status=1
  fi
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  echo "fuzz: $t: $result, ${execs:-?} executions in ${secs} s, corpus $(ls "corpus/$t" | wc -l) files (log $log)"
  new=$(comm -13 <(echo "$before") <(find "artifacts/$t" -type f | sort))
  if [ "$result" = CRASH ] || [ -n "$new" ]; then
    echo "$new" | sed '/^$/d; s|^|fuzz:   crash input: fuzz/|'
    grep -m1 -A3 'panicked at\|ERROR: AddressSanitizer\|ERROR: libFuzzer' "$log" | sed 's/^/fuzz:   /' || true
    status=1
  fi
done
exit $status
