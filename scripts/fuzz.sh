#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan) in build-fuzz/ and runs
# each for FUZZ_SECONDS on a copy of its seed corpus. Non-zero if any target
# finds a crash, leak, timeout or out-of-memory.
#   ./scripts/fuzz.sh                           all targets, 60 s each
#   FUZZ_SECONDS=600 ./scripts/fuzz.sh handshake one target, 10 min
# Targets: frame_decoder, message_decoder, handshake (fuzz/*_fuzz.cpp).
# Findings are saved as build-fuzz/artifacts/<target>-crash-<sha1> (also
# leak-, timeout-, oom-); reproduce with build-fuzz/fuzz/<target>_fuzz <file>.
# The repository is never written to: new corpus entries stay in build-fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-60}
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "fuzz: FUZZ_SECONDS must be a positive number of seconds" >&2
  exit 2
fi
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(frame_decoder message_decoder handshake)
fi

# Largest input per target. Frames: one whole frame at the 64 KiB handshake
# bound plus its prefix and the two mode bytes. Messages: a payload at that
# bound (larger ones only slow the search down).
max_len() {
  case "$1" in
    frame_decoder|handshake) echo 70000 ;;
    message_decoder) echo 65536 ;;
    *) echo "fuzz: unknown target '$1'" >&2; exit 2 ;;
  esac
}
for t in "${targets[@]}"; do max_len "$t" >/dev/null; done

./scripts/install-deps.sh
build=build-fuzz
# -O1 -g without NDEBUG: fast enough, asserts on, readable stacks.
CC=clang CXX=clang++ cmake -S . -B "$build" -DTIMECOIN_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g" \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" >/dev/null
cmake --build "$build" -j"$(nproc)"

# The seeds as the current codec writes them; the committed copy should match.
rm -rf "$build/seeds"
"$build/fuzz/make_seeds" "$build/seeds" >/dev/null
if ! diff -rq fuzz/corpus "$build/seeds" >/dev/null; then
  echo "fuzz: note: fuzz/corpus differs from what make_seeds writes now;" \
       "refresh it with $build/fuzz/make_seeds fuzz/corpus"
fi

export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
mkdir -p "$build/artifacts" "$build/logs"
failed=()
summary=()
for t in "${targets[@]}"; do
  corpus="$build/corpus/$t"
  log="$build/logs/$t.log"
  rm -rf "$corpus"
  mkdir -p "$corpus"
  cp -R fuzz/corpus/"$t"/. "$corpus"/
  cp -R "$build/seeds/$t"/. "$corpus"/
  seeds=$(find "$corpus" -type f | wc -l)
  echo "fuzz: $t: ${seconds} s on $seeds seeds (log: $log)"
  rc=0
  # No input of at most 70 KB needs a single allocation over 4 MiB (the
  # largest, msgpack-c's zone for a 64 KiB array, is 1-2 MiB): a larger one is
  # an amplification to fix, reported as out-of-memory (malloc(N)).
  # The outer timeout only guards against libFuzzer itself hanging.
  timeout --kill-after=30 $((seconds + 300)) \
    "$build/fuzz/${t}_fuzz" "$corpus" \
      -max_total_time="$seconds" -max_len="$(max_len "$t")" \
      -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=4 -print_final_stats=1 \
      -artifact_prefix="$build/artifacts/$t-" >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  units=$(find "$corpus" -type f | wc -l)
  line="$t: ${execs:-?} executions (${rate:-?}/s), corpus $seeds -> $units"
  if [ "$rc" -ne 0 ]; then
    failed+=("$t")
    line="$line, FAILED (exit $rc)"
    echo "fuzz: $t FAILED (exit $rc); end of $log:" >&2
    tail -n 60 "$log" >&2
  fi
  summary+=("$line")
done

echo "fuzz: summary"
for line in "${summary[@]}"; do echo "  $line"; done
if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz: failed: ${failed[*]}; inputs in $build/artifacts/" >&2
  exit 1
fi
