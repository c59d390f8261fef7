# Helpers shared by the process tests (sourced, not run).

# A port nobody listens on (checked by trying to connect).
free_port() {
  local p
  while true; do
    p=$(( 20000 + RANDOM % 30000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"; return
    fi
  done
}

# Polls a command until it succeeds or the deadline (seconds) passes.
poll() {
  local deadline=$(( SECONDS + $1 )); shift
  until "$@"; do
    (( SECONDS < deadline )) || return 1
    sleep 0.1
  done
}
