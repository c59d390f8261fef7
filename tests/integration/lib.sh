# Helpers shared by the process tests (sourced, not run).

# A port nobody listens on (checked by trying to connect), below the
# kernel's ephemeral range (32768 and up), where thousands of client sockets
# of an earlier test may still hold ports.
free_port() {
  local p
  while true; do
    p=$(( 20000 + RANDOM % 12000 ))
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
