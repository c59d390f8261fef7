#!/usr/bin/env bash
# Two timed processes: the second dials the first with --addnode; each sees
# the other in `time-cli getpeerinfo`; SIGTERM ends both with status 0 within
# 5 s; a taken port and a bad config give one error line and status 1.
# Usage: timed_test.sh <bin dir>
set -uo pipefail
bin=$1
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT

fail() { echo "FAIL: $*"; for f in "$tmp"/*.log; do echo "--- $f"; cat "$f"; done; exit 1; }

. "$(dirname "$0")/lib.sh"

p2p_a=$(free_port); rpc_a=$(free_port); p2p_b=$(free_port); rpc_b=$(free_port)

"$bin/timed" --devnet --datadir="$tmp/a" --port="$p2p_a" --rpcport="$rpc_a" \
  >"$tmp/a.log" 2>&1 &
pid_a=$!; pids+=("$pid_a")
"$bin/timed" --devnet --datadir="$tmp/b" --port="$p2p_b" --rpcport="$rpc_b" \
  --addnode="127.0.0.1:$p2p_a" >"$tmp/b.log" 2>&1 &
pid_b=$!; pids+=("$pid_b")

cli_a() { "$bin/time-cli" --datadir="$tmp/a" --rpcport="$rpc_a" "$@"; }
cli_b() { "$bin/time-cli" --datadir="$tmp/b" --rpcport="$rpc_b" "$@"; }

id_of() { "$bin/time-cli" --datadir="$tmp/$1" --rpcport="$2" getnetworkinfo \
  | grep -o '"nodeid": *"[0-9a-f]\{64\}"' | grep -o '[0-9a-f]\{64\}'; }

poll 20 test -f "$tmp/a/.cookie" || fail "node a wrote no cookie"
poll 20 test -f "$tmp/b/.cookie" || fail "node b wrote no cookie"
poll 20 cli_a getnetworkinfo >/dev/null || fail "node a does not answer RPC"
poll 20 cli_b getnetworkinfo >/dev/null || fail "node b does not answer RPC"
id_a=$(id_of a "$rpc_a"); id_b=$(id_of b "$rpc_b")
[ ${#id_a} -eq 64 ] && [ ${#id_b} -eq 64 ] || fail "no node ids ($id_a, $id_b)"

sees() { "$1" getpeerinfo | grep -q "$2"; }
poll 20 sees cli_a "$id_b" || fail "a does not list b in getpeerinfo"
poll 20 sees cli_b "$id_a" || fail "b does not list a in getpeerinfo"
echo "ok: both nodes list each other"

# A second daemon on a taken port: one error line, status 1.
"$bin/timed" --devnet --datadir="$tmp/c" --port="$p2p_a" --rpcport="$(free_port)" \
  >"$tmp/c.out" 2>"$tmp/c.err"
rc=$?
[ $rc -eq 1 ] || fail "a taken port gave status $rc"
[ "$(wc -l <"$tmp/c.err")" -eq 1 ] || fail "a taken port gave not one line: $(cat "$tmp/c.err")"
echo "ok: taken port -> status 1: $(cat "$tmp/c.err")"

# A bad config: one error line naming the file and line, status 1.
mkdir -p "$tmp/d"
printf 'port=24200\nnosuchkey=1\n' > "$tmp/d/time.conf"
"$bin/timed" --devnet --datadir="$tmp/d" >"$tmp/d.out" 2>"$tmp/d.err"
rc=$?
[ $rc -eq 1 ] || fail "a bad config gave status $rc"
grep -q "time.conf:2" "$tmp/d.err" || fail "the error does not name time.conf:2: $(cat "$tmp/d.err")"
echo "ok: bad config -> status 1: $(cat "$tmp/d.err")"

# SIGTERM: BYE to the peer, exit 0 within 5 s.
kill -TERM "$pid_b"
start=$SECONDS
wait "$pid_b"; rc_b=$?
(( SECONDS - start <= 5 )) || fail "b took $(( SECONDS - start )) s to stop"
[ $rc_b -eq 0 ] || fail "b exited with $rc_b after SIGTERM"
gone() { ! "$bin/time-cli" --datadir="$tmp/a" --rpcport="$rpc_a" getpeerinfo | grep -q "$id_b"; }
poll 5 gone || fail "a still lists b after b stopped"
echo "ok: SIGTERM -> status 0, peer noticed"

cli_a stop >/dev/null || fail "RPC stop failed"
wait "$pid_a"; rc_a=$?
[ $rc_a -eq 0 ] || fail "a exited with $rc_a after RPC stop"
[ ! -f "$tmp/a/.cookie" ] || fail "the cookie was not removed on exit"
echo "ok: RPC stop -> status 0"
pids=()
