#!/usr/bin/env bash
# deploy/time-cli.bash-completion, as bash calls it: COMP_WORDS and
# COMP_CWORD in, COMPREPLY out.
# Usage: completion_test.sh <time-cli>
set -u
cli_bin=$1
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../deploy/time-cli.bash-completion
source "$here/../../deploy/time-cli.bash-completion"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() {
  echo "FAIL: $*"
  exit 1
}

# Completes the last word of "$@" (the first is the command).
complete_line() {
  COMP_WORDS=("$@")
  COMP_CWORD=$(($# - 1))
  COMPREPLY=()
  _time_cli
  echo "${COMPREPLY[*]}"
}

complete -p time-cli | grep -q -- '-F _time_cli' || fail "not registered"
[ "$(complete_line "$cli_bin" getnet)" = getnetworkinfo ] || fail "getnet"
# Every method time-cli lists, and nothing else.
methods=$("$cli_bin" --help | sed -n '/^Methods:/,$ s/^  \([a-z]*\).*/\1/p' \
  | sort | tr '\n' ' ')
[ "$(complete_line "$cli_bin" "" | tr ' ' '\n' | sort | tr '\n' ' ')" \
  = "$methods" ] || fail "methods: got '$(complete_line "$cli_bin" "")'"
[ "$(echo "$methods" | wc -w)" -ge 20 ] || fail "too few methods: $methods"
[ "$(complete_line "$cli_bin" --rpcw)" = "--rpcwait --rpcwaittimeout=" ] \
  || fail "--rpcw"
[ "$(complete_line "$cli_bin" --vers)" = "--version" ] || fail "--vers"
# Options and their values come before the method.
[ "$(complete_line "$cli_bin" --datadir = /x --testnet getblockco)" \
  = getblockcount ] || fail "method after options"
mkdir "$dir/node1" "$dir/node2"
touch "$dir/node1.conf"
[ "$(complete_line "$cli_bin" --datadir = "$dir/no" | tr ' ' '\n' | sort \
  | tr '\n' ' ')" = "$dir/node1 $dir/node2 " ] || fail "--datadir= directories"
[ "$(complete_line "$cli_bin" --datadir = "$dir/node1" --conf = "$dir/node1.")" \
  = "$dir/node1.conf" ] || fail "--conf= files"
# A name with a blank is one candidate.
mkdir "$dir/my node"
complete_line "$cli_bin" --datadir = "$dir/my" >/dev/null
[ "${#COMPREPLY[@]}" = 1 ] && [ "${COMPREPLY[0]}" = "$dir/my node" ] \
  || fail "a directory with a blank: ${COMPREPLY[*]}"
# Without '=' in COMP_WORDBREAKS the option and its value are one word.
[ "$(complete_line "$cli_bin" "--datadir=$dir/node2")" \
  = "--datadir=$dir/node2" ] || fail "--datadir=DIR as one word"
# Arguments of a few methods.
[ "$(complete_line "$cli_bin" help getblockh)" = getblockhash ] || fail "help"
[ "$(complete_line "$cli_bin" addnode 10.0.0.1:24200 "")" \
  = "add remove onetry" ] || fail "addnode command"
[ "$(complete_line "$cli_bin" setban 10.0.0.0/8 r)" = remove ] || fail "setban"
[ "$(complete_line "$cli_bin" getblock 0 f)" = false ] || fail "getblock"
[ -z "$(complete_line "$cli_bin" getblockcount "")" ] || fail "no argument"
echo "completion_test: OK"
