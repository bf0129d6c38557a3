#!/usr/bin/env bash
# omg's direct path against the reference tools on this machine, one hyperfine run
# per comparison. Writes bench/results/*.md and prints the ratios.
#   bench/compare.sh            # everything
# Needs: scripts/setup (hyperfine, pacman, makepkg).
set -euo pipefail
cd "$(dirname "$0")/.."
# Where cargo builds (a distro root builds into its own directory).
target=${CARGO_TARGET_DIR:-$PWD/target}
# The Arch backend needs libalpm 16: run in `scripts/distro-root sid` on Debian.
cargo build --release -q -p omg-cli -p omg-daemon -p omg-transact --features omg-daemon/arch,omg-transact/arch
cargo build --release -q -p omg-testbed --example arch-root
omg=$target/release/omg
out=bench/results
mkdir -p "$out"
run() { # name, then the commands
  local name=$1; shift
  hyperfine --warmup 3 --runs 15 -N --export-markdown "$out/$name.md" "$@" >/dev/null 2>&1 \
    || hyperfine --warmup 3 --runs 15 -i -N --export-markdown "$out/$name.md" "$@" >/dev/null
  echo "## $name"; cat "$out/$name.md"; echo
}

# Debian: this machine's real APT lists and dpkg status.
run debian-search-vim "$omg --backend debian search vim" "apt-cache search vim"
run debian-search-python3 "$omg --backend debian search python3" "apt-cache search python3"
run debian-info-curl "$omg --backend debian info curl" "apt-cache show curl"
run debian-explicit "$omg --backend debian explicit" "apt-mark showmanual"

# Arch: the hermetic testbed root (14 packages built with makepkg). `--repo`: pacman -Ss
# does not search the AUR, and a benchmark must not reach the network.
conf=$($target/release/examples/arch-root omg-hello omg-chain-top)
run arch-search-omg "$omg --config $conf search --repo omg" "pacman --config $conf -Ss omg"
run arch-info-omg-hello "$omg --config $conf info omg-hello" "pacman --config $conf -Si omg-hello"
run arch-explicit "$omg --config $conf explicit" "pacman --config $conf -Qeq"
rm -rf "$(dirname "$conf")"
