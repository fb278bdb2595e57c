#!/usr/bin/env bash
# Bytes per URL of the Redis seen-set (`silk crawl --frontier redis://...`), against one
# plain Redis SET of the same fingerprints.
#
# Fills a fresh redis-server (started here on a free port, killed on exit) with N random
# 64-bit fingerprints laid out as native/src/store/redis/seen.rs lays them out: the top 14
# bits pick the key `seen:{bucket}`, the other 50 bits are the integer member. (silk's
# fingerprints are hash outputs, so random numbers are a fair stand-in.) Prints the summed
# `MEMORY USAGE` of the keys and the server's used_memory growth, per URL.
#
# Usage: bash scripts/bench-redis-seen.sh [N ...]   (default 100000 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(100000 1000000)

command -v redis-server >/dev/null || { echo "redis-server not found: run bash .ci/setup" >&2; exit 1; }
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
redis-server --port "$PORT" --bind 127.0.0.1 --save "" --appendonly no >/dev/null 2>&1 &
REDIS_PID=$!
trap 'kill $REDIS_PID 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 100); do
  redis-cli -p "$PORT" ping 2>/dev/null | grep -q PONG && break
  sleep 0.05
done
cli() { redis-cli -p "$PORT" "$@"; }
used_memory() { cli info memory | sed -n 's/^used_memory:\([0-9]*\).*/\1/p'; }

# Sums MEMORY USAGE over the keys matching ARGV[1], with SCAN (in the server, one round trip).
SUM_LUA='local total, cursor = 0, "0"
repeat
  local r = redis.call("SCAN", cursor, "MATCH", ARGV[1], "COUNT", 1000)
  cursor = r[1]
  for _, k in ipairs(r[2]) do total = total + redis.call("MEMORY", "USAGE", k, "SAMPLES", 0) end
until cursor == "0"
return total'

# Redis protocol for N SADDs of random fingerprints; $1 = bucketed or plain.
commands() {
  python3 - "$1" "$2" <<'EOF'
import random, sys
layout, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(42)
out = sys.stdout
def cmd(*args):
    out.write("*%d\r\n" % len(args))
    for a in args:
        out.write("$%d\r\n%s\r\n" % (len(a), a))
for _ in range(n):
    fp = rng.getrandbits(64)
    if layout == "bucketed":
        cmd("SADD", "seen:%d" % (fp >> 50), str(fp & ((1 << 50) - 1)))
    else:
        cmd("SADD", "plain", str(fp))
EOF
}

printf '%-10s %-42s %s\n' "URLs" "bucketed (silk), MEMORY USAGE" "one plain SET, MEMORY USAGE"
for n in "${SIZES[@]}"; do
  row=("$n")
  for layout in bucketed plain; do
    cli flushall >/dev/null
    before="$(used_memory)"
    commands "$layout" "$n" | cli --pipe >/dev/null
    after="$(used_memory)"
    pattern='seen:*'
    [ "$layout" = plain ] && pattern='plain'
    bytes="$(cli eval "$SUM_LUA" 0 "$pattern")"
    row+=("$(python3 -c "print('%.1f B/URL (used_memory %+.1f B/URL)' % ($bytes/$n, ($after-$before)/$n))")")
  done
  printf '%-10s %-42s %s\n' "${row[@]}"
done
