#!/usr/bin/env bash
# Throughput of 1, 2 and 3 `silk crawl --frontier redis://...` workers sharing one crawl of
# the arena in the latency regime (every response 50 ms late, no faults): how close the
# shared Redis frontier gets to N x the throughput of one worker.
#
# Each run gets a fresh crawl NAME; each worker runs -c 16 --per-host 64, so the ideal is
# workers x 16 / 0.050 s pages/s (every slot always busy) and `efficiency` is the measured
# rate over that. Starts its own redis-server and arena on free ports and kills them (and
# any worker) on exit; every crawl is bounded by `timeout`.
#
# Usage: bash scripts/bench-workers.sh [PAGES]   (default 2000)
set -euo pipefail
cd "$(dirname "$0")/.."

PAGES="${1:-2000}"
LATENCY_MS=50
CONCURRENCY=16
CRAWL_TIMEOUT=120

command -v redis-server >/dev/null || { echo "redis-server not found: run bash .ci/setup" >&2; exit 1; }
cargo build --release -q -p silk-cli
SILK="$PWD/target/release/silk"
WORK="$(mktemp -d)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

REDIS_PORT="$(free_port)"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no >"$WORK/redis.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do
  redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && break
  sleep 0.05
done

"$SILK" arena --port 0 --pages "$PAGES" --latency-ms "$LATENCY_MS" --no-faults >"$WORK/arena.out" 2>&1 &
PIDS+=($!)
ARENA=""
for _ in $(seq 100); do
  ARENA="$(sed -n 's/^arena listening on //p' "$WORK/arena.out")"
  [ -n "$ARENA" ] && break
  sleep 0.05
done
[ -n "$ARENA" ] || { echo "the arena did not start" >&2; exit 1; }

echo "arena $ARENA: $PAGES pages, ${LATENCY_MS} ms latency; each worker -c $CONCURRENCY --per-host 64"
printf '%-8s %7s %8s %9s %11s\n' workers pages wall_s pages/s efficiency

report() { # workers pages start end
  python3 - "$@" "$CONCURRENCY" "$LATENCY_MS" <<'PY'
import sys
workers, pages, start, end, conc, lat = sys.argv[1:]
wall = float(end) - float(start)
rate = int(pages) / wall
ideal = int(workers.split()[0]) * int(conc) / (int(lat) / 1000)
print(f"{workers:<8} {pages:>7} {wall:>8.2f} {rate:>9.1f} {rate / ideal:>10.0%}")
PY
}

# Baseline: one process with the in-memory frontier (no Redis round trips).
start=$(date +%s.%N)
timeout "$CRAWL_TIMEOUT" "$SILK" crawl "$ARENA/" -c "$CONCURRENCY" --per-host 64 --depth unlimited -q \
  -o "$WORK/memory.jsonl"
report "1 memory" "$(wc -l <"$WORK/memory.jsonl")" "$start" "$(date +%s.%N)"

for workers in 1 2 3; do
  frontier="redis://127.0.0.1:$REDIS_PORT/bench$workers"
  start=$(date +%s.%N)
  crawl_pids=()
  for w in $(seq "$workers"); do
    timeout "$CRAWL_TIMEOUT" "$SILK" crawl "$ARENA/" --frontier "$frontier" \
      -c "$CONCURRENCY" --per-host 64 --depth unlimited -q -o "$WORK/w$workers-$w.jsonl" &
    crawl_pids+=($!)
  done
  for pid in "${crawl_pids[@]}"; do wait "$pid"; done
  end=$(date +%s.%N)
  "$SILK" export "$frontier" -o "$WORK/all$workers.jsonl" 2>/dev/null
  report "$workers" "$(wc -l <"$WORK/all$workers.jsonl")" "$start" "$end"
done
