#!/usr/bin/env bash
# Builds the Debian package in a build directory (cpack -G DEB) and checks
# it: its file name, every file and where it goes, owners and modes, the
# control fields (Depends from dpkg-shlibdeps plus adduser), the conffile,
# the maintainer scripts, the version of the programs inside, the packaged
# time.conf, and the systemd unit (systemd-analyze verify, where installed).
# Exits 1 naming the first thing that is wrong.
#   scripts/check-deb.sh [BUILD_DIR]      default: build (./test.sh's)
# cpack first builds whatever of BUILD_DIR is out of date.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}

fail() {
  echo "check-deb: FAIL: $*" >&2
  exit 1
}

[ -f "$build/CMakeCache.txt" ] || fail "$build is not a build directory"
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
arch=$(dpkg --print-architecture)
name=timecoin-node
deb=$build/${name}_${version}_${arch}.deb

rm -f "$build/${name}"_*.deb
if ! (cd "$build" && cpack -G DEB >"cpack.log" 2>&1); then
  cat "$build/cpack.log" >&2
  fail "cpack -G DEB failed"
fi
[ -f "$deb" ] || fail "cpack made no $deb: $(ls "$build"/*.deb 2>/dev/null)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Every file, with its mode and owner; directories aside.
dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { print $1, $2, $6 }' | sort -k3 \
  >"$tmp/files"
cat >"$tmp/expected" <<EOF
-rw-r--r-- root/root ./etc/timecoin/time.conf
-rw-r--r-- root/root ./lib/systemd/system/timed.service
-rwxr-xr-x root/root ./usr/bin/time-cli
-rwxr-xr-x root/root ./usr/bin/timed
-rw-r--r-- root/root ./usr/share/bash-completion/completions/time-cli
-rw-r--r-- root/root ./usr/share/doc/$name/OPERATIONS.md
-rw-r--r-- root/root ./usr/share/doc/$name/README.md
-rw-r--r-- root/root ./usr/share/doc/$name/copyright
EOF
diff -u "$tmp/expected" "$tmp/files" >&2 \
  || fail "files: expected (-) and in the package (+) differ"

field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = "$name" ] || fail "Package: $(field Package)"
[ "$(field Version)" = "$version" ] || fail "Version: $(field Version)"
[ "$(field Architecture)" = "$arch" ] || fail "Architecture: $(field Architecture)"
[ "$(field Section)" = net ] || fail "Section: $(field Section)"
[ -n "$(field Maintainer)" ] || fail "no Maintainer"
[ -n "$(field Description)" ] || fail "no Description"
depends=$(field Depends)
packages=$(echo "$depends" | tr ',' '\n' | awk '{ print $1 }')
for dep in adduser libc6 libcaf-core0.17 libcaf-io0.17 libssl3 libsodium23 \
           liblmdb0 libstdc++6; do
  echo "$packages" | grep -qxF "$dep" || fail "Depends lacks $dep: $depends"
done

dpkg-deb -e "$deb" "$tmp/control"
[ "$(cat "$tmp/control/conffiles")" = /etc/timecoin/time.conf ] \
  || fail "conffiles: $(cat "$tmp/control/conffiles")"
for script in postinst prerm postrm; do
  [ -x "$tmp/control/$script" ] || fail "$script missing or not executable"
  sh -n "$tmp/control/$script" || fail "$script: syntax"
done

dpkg-deb -x "$deb" "$tmp/root"
root=$tmp/root
[ "$("$root/usr/bin/timed" --version)" = "timed $version" ] \
  || fail "timed --version: $("$root/usr/bin/timed" --version)"
[ "$("$root/usr/bin/time-cli" --version)" = "time-cli $version" ] \
  || fail "time-cli --version: $("$root/usr/bin/time-cli" --version)"

# The packaged time.conf parses and names the service's data directory:
# time-cli looks for the cookie there (or, where the service runs and the
# cookie is readable, reaches port 1, where no node is).
conf=$root/etc/timecoin/time.conf
grep -qx 'datadir=/var/lib/timecoin' "$conf" || fail "time.conf: no datadir"
err=$("$root/usr/bin/time-cli" --conf="$conf" --rpcport=1 uptime 2>&1) \
  && fail "time-cli with the packaged time.conf reached a node"
case $err in
  "time-cli: cannot read /var/lib/timecoin/.cookie: "*) ;;
  "time-cli: cannot connect to the node at 127.0.0.1:1: "*) ;;
  *) fail "time-cli with the packaged time.conf: $err" ;;
esac

# The unit as systemd reads it, ExecStart pointed at the extracted timed
# (verify wants the program to exist). Warnings count as failures.
unit=$root/lib/systemd/system/timed.service
grep -qx 'ExecStart=/usr/bin/timed --conf=/etc/timecoin/time.conf --datadir=/var/lib/timecoin' \
  "$unit" || fail "timed.service: ExecStart"
if command -v systemd-analyze >/dev/null 2>&1; then
  mkdir "$tmp/unit"
  sed "s|^ExecStart=/usr/bin/timed |ExecStart=$root/usr/bin/timed |" "$unit" \
    >"$tmp/unit/timed.service"
  out=$(systemd-analyze verify "$tmp/unit/timed.service" 2>&1) \
    || fail "systemd-analyze verify: $out"
  [ -z "$out" ] || fail "systemd-analyze verify: $out"
else
  echo "check-deb: systemd-analyze not found: the unit is not verified" >&2
fi

echo "check-deb: $deb OK"
