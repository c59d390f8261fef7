#!/usr/bin/env bash
# End-to-end: timed and time-cli as an operator runs them.
# Usage: timed_cli_test.sh <timed> <time-cli>. Polls with deadlines.
set -u
timed=$1
cli_bin=$2
dir=$(mktemp -d)
pid=
cleanup() {
  [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  [ -f "$dir/log" ] && sed 's/^/  log: /' "$dir/log"
  exit 1
}

# Polls (up to 10 s) until the cookie exists or timed has exited.
wait_started() {
  for _ in $(seq 200); do
    [ -f "$dir/a/.cookie" ] && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}

# Starts timed on random RPC and metrics ports (retrying if one is taken),
# below the kernel's ephemeral range (32768 and up), where thousands of
# client sockets of an earlier test may still hold ports.
start() {
  for _ in 1 2 3 4 5; do
    rpcport=$((20000 + RANDOM % 12000))
    metricsport=$((rpcport + 1))
    "$timed" --datadir="$dir/a" --port=0 --rpcport=$rpcport \
      --metricsport=$metricsport >"$dir/log" 2>&1 &
    pid=$!
    wait_started && return 0
    wait "$pid"
    pid=
  done
  fail "timed did not start"
}

# Waits (up to 6 s) for timed to exit; sets rc and elapsed_ms.
wait_exit() {
  local t0=$1
  for _ in $(seq 120); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  wait "$pid"
  rc=$?
  pid=
  elapsed_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
}

cli() { "$cli_bin" --datadir="$dir/a" --rpcport=$rpcport "$@"; }

# A configuration error is one line on stderr and exit status 1.
out=$("$timed" --port=abc 2>&1)
[ $? -eq 1 ] || fail "bad flag: exit status"
[ "$out" = "timed: error: --port: 'abc' is not a port number (0-65535)" ] \
  || fail "bad flag: got '$out'"
mkdir -p "$dir/bad"
printf 'port=1\n\n\n\n\n\nfoo=1\n' >"$dir/bad/time.conf"
out=$("$timed" --datadir="$dir/bad" 2>&1)
[ "$out" = "timed: error: $dir/bad/time.conf:7: unknown key 'foo'" ] \
  || fail "bad file: got '$out'"
"$timed" --help | grep -q -- '--rpcport' || fail "--help"
version=$("$timed" --version) || fail "timed --version: exit status"
echo "$version" | grep -q '^timed [0-9]*\.[0-9]*\.[0-9]*$' \
  || fail "timed --version: got '$version'"
[ "$("$cli_bin" --version)" = "time-cli ${version#timed }" ] \
  || fail "time-cli --version"
[ "$("$cli_bin" -version)" = "time-cli ${version#timed }" ] \
  || fail "time-cli -version"
out=$("$cli_bin" --rpcwait=1 uptime 2>&1) && fail "--rpcwait=1 accepted"
[ "$out" = "time-cli: --rpcwait takes no value (--rpcwaittimeout=N sets how long)" ] \
  || fail "--rpcwait=1: got '$out'"

start
grep -q "timed started: node [0-9a-f]\{64\} on devnet, P2P 127.0.0.1:[0-9]*, RPC 127.0.0.1:$rpcport" \
  "$dir/log" || fail "startup line"
[ "$(stat -c %a "$dir/a/.cookie")" = 600 ] || fail "cookie mode"
grep -q '^__cookie__:[0-9a-f]\{64\}$' "$dir/a/.cookie" || fail "cookie format"


# Prometheus metrics: no credentials, text format 0.0.4, the node's samples.
command -v curl >/dev/null || fail "curl is needed (scripts/install-deps.sh)"
grep -q "RPC 127.0.0.1:$rpcport, metrics http://127.0.0.1:$metricsport/metrics" \
  "$dir/log" || fail "startup line: metrics"
url=http://127.0.0.1:$metricsport
scrape=$(curl -s -S --max-time 10 -D "$dir/headers" "$url/metrics") \
  || fail "scrape: curl failed"
grep -q '^HTTP/1.1 200' "$dir/headers" || fail "scrape: status"
grep -qi '^content-type: text/plain; version=0.0.4; charset=utf-8' \
  "$dir/headers" || fail "scrape: content type"
for name in timecoin_peers timecoin_connections_closed_total \
            process_resident_memory_bytes timecoin_chain_height; do
  echo "$scrape" | grep -q "^# TYPE $name " || fail "scrape: no TYPE of $name"
  echo "$scrape" | grep -q "^$name[{ ]" || fail "scrape: no sample of $name"
done
echo "$scrape" | grep -q '^timecoin_peers{class="inbound"} 0$' \
  || fail "scrape: inbound peers"
echo "$scrape" | grep -q '^timecoin_chain_height 0$' || fail "scrape: height"
[ "$(echo "$scrape" | grep -c '^# TYPE timecoin_peers ')" = 1 ] \
  || fail "scrape: TYPE repeated"
http_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@"; }
[ "$(http_code "$url/")" = 404 ] || fail "metrics: / is not 404"
[ "$(http_code -X POST "$url/metrics")" = 405 ] || fail "metrics: POST"

cli getnetworkinfo | grep -q '"network": "devnet"' || fail "getnetworkinfo"
[ "$(cli getpeerinfo)" = "[]" ] || fail "getpeerinfo"
cli uptime | grep -q '^[0-9]*$' || fail "uptime"
err=$(cli nosuchmethod 2>&1)
[ $? -eq 1 ] || fail "unknown method: exit status"
[ "$err" = "time-cli: error -32601: method not found: 'nosuchmethod'" ] \
  || fail "unknown method: got '$err'"
err=$(cli addnode 10.0.0.1 add 2>&1) && fail "bad addnode accepted"
echo "$err" | grep -q -- '-32602' || fail "bad addnode: got '$err'"
err=$(cli addnode 10.0.0.1:1 2>&1) && fail "addnode without command accepted"
[ "$err" = "time-cli: error -32602: Invalid params: addnode: missing parameter 'command' (usage: addnode \"node\" \"command\")" ] \
  || fail "addnode without command: got '$err'"

# help: the list of methods and one method's help, from the method table.
cli help | grep -q '^getblock "blockhash"|height \[verbose\]  *a block, as JSON or hex$' \
  || fail "help: no getblock line"
[ "$(cli help | grep -c .)" -ge 18 ] || fail "help: too few methods"
cli help getblock >"$dir/help" || fail "help getblock"
head -1 "$dir/help" | grep -q '^getblock "blockhash"|height \[verbose\]$' \
  || fail "help getblock: signature"
grep -q '^2\. verbose .*optional, default true' "$dir/help" \
  || fail "help getblock: parameters"
grep -q '^> time-cli getblock 0 false$' "$dir/help" \
  || fail "help getblock: examples"

# The chain: a fresh devnet node is at its genesis; generate extends it.
genesis=4d768f896f882cb87baba4d63b2a92b6f1756bfc67a9bc2964009525264ff28a
[ "$(cli getblockhash 0)" = "$genesis" ] || fail "getblockhash 0"
[ "$(cli getblockcount)" = 0 ] || fail "getblockcount: fresh node"
cli getblock 0 | grep -q "\"hash\": \"$genesis\"" || fail "getblock 0"
cli getblock "$genesis" false | grep -q '^[0-9a-f]*$' || fail "getblock hex"
# An argument that is not UTF-8 is sent (replaced) and refused by the node,
# not a crash of time-cli (exit 1, not 134).
rc=0; err=$(cli getblock $'\xff\xfe' 2>&1) || rc=$?
[ "$rc" = 1 ] || fail "getblock of invalid UTF-8: exit $rc: $err"
made=$(cli generate 3 2) || fail "generate: $made"
[ "$(echo "$made" | grep -c '"[0-9a-f]\{64\}"')" = 3 ] \
  || fail "generate: got '$made'"
last=$(echo "$made" | grep '[0-9a-f]\{64\}' | tail -1 | tr -d ' ",')
[ "$(cli getblockcount)" = 3 ] || fail "getblockcount after generate"
[ "$(cli getbestblockhash)" = "$last" ] || fail "getbestblockhash"
cli getblockchaininfo | grep -q "\"bestblockhash\": \"$last\"" \
  || fail "getblockchaininfo"
[ "$(cli verifychain)" = true ] || fail "verifychain"
err=$(cli getblockhash 99 2>&1) && fail "getblockhash above the tip"
echo "$err" | grep -q -- 'error -8:' || fail "getblockhash 99: got '$err'"
err=$(cli getblock "$(printf 'f%.0s' $(seq 64))" 2>&1) \
  && fail "getblock of an unknown hash"
echo "$err" | grep -q -- 'error -5:' || fail "getblock unknown: got '$err'"
err=$(cli generate 0 2>&1) && fail "generate 0 accepted"
echo "$err" | grep -q -- 'error -32602:' || fail "generate 0: got '$err'"

# A second daemon on the same data directory, or on the same RPC port, fails
# to start and leaves the first one's cookie alone.
cookie=$(cat "$dir/a/.cookie")
out=$("$timed" --datadir="$dir/a" --port=0 --rpcport=$rpcport 2>&1)
[ $? -eq 1 ] || fail "second daemon, same datadir: exit status"
echo "$out" | grep -q "timed: error: .*is in use by another node" \
  || fail "second daemon, same datadir: got '$out'"
out=$("$timed" --datadir="$dir/b" --port=0 --rpcport=$rpcport 2>&1)
[ $? -eq 1 ] || fail "second daemon: exit status"
echo "$out" | grep -q "timed: error: cannot bind the RPC server" \
  || fail "second daemon: got '$out'"
out=$("$timed" --datadir="$dir/b" --port=0 --rpcport=$rpcport --server=0 \
  --metricsport=$metricsport 2>&1)
[ $? -eq 1 ] || fail "second daemon, same metrics port: exit status"
[ "$(echo "$out" | grep -c 'timed: error:')" = 1 ] \
  || fail "second daemon, same metrics port: got '$out'"
echo "$out" | grep -q "^timed: error: cannot bind the metrics server to 127.0.0.1:$metricsport (address in use" \
  || fail "second daemon, same metrics port: got '$out'"
[ "$(cat "$dir/a/.cookie")" = "$cookie" ] || fail "second daemon: cookie"
cli uptime >/dev/null || fail "first daemon hurt by the second"
# A scrape is reused for 1 s: poll (up to 3 s) for the height after generate.
for _ in $(seq 30); do
  curl -s --max-time 10 "$url/metrics" | grep -q '^timecoin_chain_height 3$' \
    && break
  sleep 0.1
done
curl -s --max-time 10 "$url/metrics" | grep -q '^timecoin_chain_height 3$' \
  || fail "metrics: no height 3, or hurt by the second daemon"

# RPC stop: clean exit within 5 s, cookie removed.
t0=$(date +%s%N)
[ "$(cli stop)" = "timed stopping" ] || fail "stop reply"
wait_exit "$t0"
[ "$rc" -eq 0 ] || fail "stop: exit status $rc"
[ "$elapsed_ms" -lt 5000 ] || fail "stop took $elapsed_ms ms"
[ -f "$dir/a/.cookie" ] && fail "cookie left behind"
grep -q "shutting down (RPC stop)" "$dir/log" || fail "stop: log"

# With no node, time-cli explains.
echo "__cookie__:00" >"$dir/a/.cookie"
err=$(cli uptime 2>&1)
[ "$err" = "time-cli: cannot connect to the node at 127.0.0.1:$rpcport: is timed running?" ] \
  || fail "no node: got '$err'"

# --rpcwait: with no node it asks again until --rpcwaittimeout, then says so.
t0=$(date +%s%N)
err=$(cli -rpcwait -rpcwaittimeout=1 uptime 2>&1) && fail "rpcwait: no node"
elapsed_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$err" = "time-cli: cannot connect to the node at 127.0.0.1:$rpcport: is timed running? (gave up after 1 s: --rpcwaittimeout)" ] \
  || fail "rpcwait timeout: got '$err'"
[ "$elapsed_ms" -ge 1000 ] && [ "$elapsed_ms" -lt 5000 ] \
  || fail "rpcwait timeout took $elapsed_ms ms"

# Asked before timed starts, it is answered once timed is up. The cookie
# left above names no server: timed removes it, and time-cli waits for the
# new one.
cli --rpcwait getblockcount >"$dir/waited" 2>&1 &
waiter=$!
sleep 0.5
kill -0 "$waiter" 2>/dev/null || fail "rpcwait: did not wait: $(cat "$dir/waited")"
"$timed" --datadir="$dir/a" --port=0 --rpcport=$rpcport >"$dir/log" 2>&1 &
pid=$!
for _ in $(seq 200); do
  kill -0 "$waiter" 2>/dev/null || break
  sleep 0.05
done
kill -0 "$waiter" 2>/dev/null && { kill "$waiter"; fail "rpcwait: no answer"; }
wait "$waiter" || fail "rpcwait: exit status: $(cat "$dir/waited")"
[ "$(cat "$dir/waited")" = 3 ] || fail "rpcwait: got '$(cat "$dir/waited")'"
grep -q "removed $dir/a/.cookie left by an earlier run" "$dir/log" \
  || fail "stale cookie: not removed"
t0=$(date +%s%N)
cli stop >/dev/null || fail "stop after rpcwait"
wait_exit "$t0"
[ "$rc" -eq 0 ] || fail "stop after rpcwait: exit status $rc"

# SIGTERM and SIGINT take the same path.
for sig in TERM INT; do
  start
  t0=$(date +%s%N)
  kill -"$sig" "$pid"
  wait_exit "$t0"
  [ "$rc" -eq 0 ] || fail "SIG$sig: exit status $rc"
  [ "$elapsed_ms" -lt 5000 ] || fail "SIG$sig took $elapsed_ms ms"
  grep -q "shutting down (SIG$sig)" "$dir/log" || fail "SIG$sig: log"
done
echo "timed_cli_test: OK"
