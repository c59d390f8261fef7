#!/usr/bin/env bash
# Runs the same network and scenario in real time (loopback TLS sockets,
# every write held for the link latency) and in virtual time (the simulated
# network), and prints the propagation percentiles of both and what real
# time adds: the cost per hop that the simulation leaves out.
#   ./bench/sim_realtime_vs_virtual.sh
#   NODES=20 DEGREE=4 LATENCY=20ms MESSAGES=50 ./bench/sim_realtime_vs_virtual.sh
# Uses build/bin/time-sim (TIME_SIM names another); reports stay in OUT
# (default: a temporary directory, removed at the end). The real-time run
# takes the scenario's length in wall time: about 10 s plus 0.1 s a
# message.
set -euo pipefail
cd "$(dirname "$0")/.."

nodes=${NODES:-50}
degree=${DEGREE:-8}
latency=${LATENCY:-50ms}
messages=${MESSAGES:-100}
seed=${SEED:-42}
time_sim=${TIME_SIM:-build/bin/time-sim}

if [ ! -x "$time_sim" ]; then
  echo "sim_realtime_vs_virtual: $time_sim not found; build it with" >&2
  echo "  cmake --build build --target time-sim" >&2
  exit 2
fi
if ! [[ "$messages" =~ ^[1-9][0-9]*$ ]]; then
  echo "sim_realtime_vs_virtual: MESSAGES must be a positive number" >&2
  exit 2
fi

# The latency in milliseconds, for the cost per hop (hops: bound / latency,
# every link having the one latency).
case "$latency" in
  0) latency_ms=0 ;;
  *us) latency_ms=$(awk -v x="${latency%us}" 'BEGIN { print x / 1000 }') ;;
  *ms) latency_ms=${latency%ms} ;;
  *s) latency_ms=$(awk -v x="${latency%s}" 'BEGIN { print x * 1000 }') ;;
  *)
    echo "sim_realtime_vs_virtual: LATENCY as 50ms, 500us, 1s or 0" >&2
    exit 2
    ;;
esac

if [ -n "${OUT:-}" ]; then
  out=$OUT
  mkdir -p "$out"
else
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
fi

# One message every 100 ms from 5 s on, and 5 s after the last to spread.
duration_ms=$((5000 + messages * 100 + 5000))
cat >"$out/scenario.json" <<EOF
{
  "name": "realtime-vs-virtual",
  "description": "$messages messages of 200 bytes, one every 100 ms from 5 s on",
  "duration": "${duration_ms}ms",
  "events": [
    {"at": "5s", "publish": {"count": $messages, "interval": "100ms"}}
  ]
}
EOF

run() {
  local mode=$1
  shift
  echo "sim_realtime_vs_virtual: $mode time: $nodes nodes, degree $degree," \
    "latency $latency, $messages messages" >&2
  "$time_sim" --nodes "$nodes" --degree "$degree" --latency "$latency" \
    --seed "$seed" --scenario "$out/scenario.json" --out "$out/$mode" \
    --no-plot --quiet "$@" >"$out/$mode.txt"
}

run virtual
run real --real

# A number of summary.json ("  \"p50_s\": 0.100000,").
field() {
  sed -n "s/^  \"$2\": \\([-0-9.e]*\\),\$/\\1/p" "$out/$1/summary.json"
}

echo "time-sim $nodes nodes, degree $degree, latency $latency, seed $seed," \
  "$messages messages of 200 bytes, TLS"
for mode in virtual real; do
  echo "$mode: delivered $(field "$mode" delivered_ratio)," \
    "wall $(field "$mode" wall_s) s"
done
printf '%-5s %10s %10s %10s %14s %10s\n' "" "bound ms" "virtual ms" \
  "real ms" "real-virt ms" "per hop ms"
for p in p50 p90 p99 p100; do
  b=$(field virtual "bound_${p}_s")
  v=$(field virtual "${p}_s")
  r=$(field real "${p}_s")
  awk -v p="$p" -v b="$b" -v v="$v" -v r="$r" -v l="$latency_ms" 'BEGIN {
    hops = (l > 0 ? b * 1000 / l : 0)
    per_hop = (hops > 0 ? sprintf("%.3f", (r - v) * 1000 / hops) : "-")
    printf "%-5s %10.3f %10.3f %10.3f %14.3f %10s\n", p, b * 1000,
      v * 1000, r * 1000, (r - v) * 1000, per_hop
  }'
done
