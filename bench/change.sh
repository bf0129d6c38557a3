#!/usr/bin/env bash
# omg install/remove against pacman -S/-R on the hermetic testbed root (whole
# command, -y/--noconfirm, package cached), and the plan alone against pacman -Sp.
# Writes bench/results/change-*.md and prints them.
#   bench/change.sh
# Needs: scripts/setup (pacman, makepkg, hyperfine); run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
# Where cargo builds (a distro root builds into its own directory).
target=${CARGO_TARGET_DIR:-$PWD/target}
# The binaries as packaging/arch builds them (Arch backend only: omgd-transact
# without libapt-pkg). libalpm 16: run in `scripts/distro-root sid` on Debian.
CARGO_TARGET_DIR=$target/arch-package cargo build --release -q -p omg-cli -p omg-daemon \
  -p omg-transact --no-default-features --features omg-cli/arch,omg-daemon/arch,omg-transact/arch
cargo build --release -q -p omg-testbed --example arch-root
omg=$target/arch-package/release/omg
out=bench/results
mkdir -p "$out"
work=$(mktemp -d)
export HOME=$work/home OMG_SOCKET=$work/omgd.sock OMG_NO_DAEMON=1
mkdir -p "$HOME"
conf=$($target/release/examples/arch-root omg-zebra)
trap 'rm -rf "$work" "$(dirname "$conf")"' EXIT
pacman=(pacman --config "$conf" --noconfirm)

run() { # name, then hyperfine arguments
  local name=$1; shift
  hyperfine --warmup 2 --min-runs 20 -N --export-markdown "$out/change-$name.md" "$@" >/dev/null
  echo "## $name"; cat "$out/change-$name.md"; echo
}

# Each run starts from the state the command changes: removed before an install,
# installed before a removal.
run install --prepare "${pacman[*]} -R omg-zebra" \
  "$omg --config $conf install -y omg-zebra" "${pacman[*]} -S omg-zebra"
run remove --prepare "${pacman[*]} -S omg-zebra" \
  "$omg --config $conf remove -y omg-zebra" "${pacman[*]} -R omg-zebra"
# The plan alone: omg without a terminal and without -y plans, shows, refuses (exit 2).
run plan -i "$omg --config $conf install omg-hello" "${pacman[*]} -Sp omg-hello"
