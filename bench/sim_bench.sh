#!/usr/bin/env bash
# The cluster simulator at scale: 1,000 nodes, degree 8, gossip_fanout 8,
# 50 ms links, TLS on, 100 messages (time-sim's default scenario), in
# virtual time. Records the wall time of the run (start, handshakes,
# scenario) and the peak memory, and checks the acceptance figures: every
# message reaches every node, and the 99th percentile is within 10 % of the
# lower bound. The same run with tls=0 is the baseline taken alongside: the
# ratio is what TLS costs the simulation.
#
#   bench/sim_bench.sh [build-dir] [nodes]     # about 3 minutes
set -euo pipefail

build=${1:-build}
nodes=${2:-1000}
sim="$build/bin/time-sim"
[ -x "$sim" ] || { echo "no $sim: cmake --build $build --target time-sim" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# A value of summary.json (numbers and null only).
value() { sed -n "s/^  \"$2\": \([^,]*\),\{0,1\}$/\1/p" "$1/summary.json"; }

run() { # name, extra flags...
  local name=$1; shift
  "$sim" --nodes "$nodes" --degree 8 --fanout 8 --latency 50ms --seed 42 \
    --quiet --no-plot --out "$out/$name" "$@" > /dev/null
}

run tls
run plain --no-tls

printf '%-8s %10s %10s %10s %10s %12s %14s\n' run wall_s rss_MiB p99_s \
  bound_p99_s delivered duplicates/node
for name in tls plain; do
  rss=$(value "$out/$name" peak_rss_bytes)
  printf '%-8s %10.1f %10.0f %10s %10s %12s %14s\n' "$name" \
    "$(value "$out/$name" wall_s)" "$((rss / 1048576))" \
    "$(value "$out/$name" p99_s)" "$(value "$out/$name" bound_p99_s)" \
    "$(value "$out/$name" delivered_ratio)" \
    "$(value "$out/$name" duplicates_per_node)"
done
awk -v a="$(value "$out/tls" wall_s)" -v b="$(value "$out/plain" wall_s)" \
  'BEGIN { printf "TLS / plain wall time: %.2f\n", a / b }'

# The acceptance figures of the TLS run.
awk -v p99="$(value "$out/tls" p99_s)" -v bound="$(value "$out/tls" bound_p99_s)" \
    -v ratio="$(value "$out/tls" delivered_ratio)" \
    -v wall="$(value "$out/tls" wall_s)" -v rss="$(value "$out/tls" peak_rss_bytes)" '
  BEGIN {
    ok = 1
    if (ratio != 1) { print "FAIL: delivered_ratio " ratio; ok = 0 }
    if (p99 > 1.1 * bound) { print "FAIL: p99 " p99 " over 110 % of " bound; ok = 0 }
    if (wall > 300) { print "FAIL: wall time " wall " s over 5 minutes"; ok = 0 }
    if (rss > 8 * 1024 * 1024 * 1024) { print "FAIL: peak RSS over 8 GiB"; ok = 0 }
    if (ok) print "OK: 100 % delivered, p99 within 10 % of the bound, under 5 min and 8 GiB"
    exit !ok
  }'
