#!/usr/bin/env bash
# omg through a warm omgd against its direct path and the reference tools, one
# hyperfine run per comparison; then load, memory and cold start. Writes
# bench/results/daemon-*.md and prints everything.
#   bench/daemon.sh          # Debian, then Arch
#   bench/daemon.sh arch     # Arch only (pacman 7.1: scripts/distro-root sid bench/daemon.sh arch)
# Needs: scripts/setup; installs Debian's nala for the comparison if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
# Where cargo builds (a distro root builds into its own directory).
target=${CARGO_TARGET_DIR:-$PWD/target}
part=${1:-all}
[ "$part" = arch ] || command -v nala >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nala >/dev/null
# The Arch backend needs libalpm 16: run in `scripts/distro-root sid` on Debian.
cargo build --release -q -p omg-cli -p omg-daemon -p omg-transact --features omg-daemon/arch,omg-transact/arch
cargo build --release -q -p omg-testbed --example arch-root --example big-arch-db
cargo build --release -q -p omg-ipc --example load
# The Debian half measures omgd as the Debian package builds it (without libalpm).
CARGO_TARGET_DIR=$PWD/target/debian-package cargo build --release -q -p omg-daemon \
  --no-default-features --features debian
omg=$target/release/omg
omgd=$PWD/target/debian-package/release/omgd
out=bench/results
mkdir -p "$out"
work=$(mktemp -d)
export HOME=$work/home OMG_SOCKET=$work/omgd.sock
mkdir -p "$HOME"
trap '"$omg" daemon stop >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

run() { # name, minimum runs, then the commands (fast ones run for hyperfine's 3 s)
  local name=$1 runs=$2; shift 2
  hyperfine --warmup 2 --min-runs "$runs" -N -i --export-markdown "$out/daemon-$name.md" "$@" >/dev/null
  echo "## $name"; cat "$out/daemon-$name.md"; echo
}
ms_now() { date +%s%N | cut -b1-13; }

if [ "$part" != arch ]; then
# apt as Debian configures it by default (bench/stock-apt.sh sets $stock).
. bench/stock-apt.sh
stock_apt "$work/stock"

# Cold start: spawn omgd, poll until a search is answered by it; first without an
# index snapshot (omgd builds the index and writes one), then with it.
for snapshot in without with; do
  start=$(ms_now)
  "$omgd" --foreground --backend debian 2>"$work/omgd.log" &
  until "$omg" -v search vim 2>&1 >/dev/null | grep -q 'answered by omgd'; do sleep 0.002; done
  echo "cold start to first answer (Debian, $snapshot a snapshot): $(( $(ms_now) - start )) ms"
  if [ $snapshot = without ]; then "$omg" daemon stop >/dev/null; sleep 0.5; fi
done
sleep 3 # let the first status refresh finish
"$omg" daemon status | grep -E 'Index|Memory'
echo

run debian-search-vim 10 "$omg search vim" "$omg --no-daemon search vim" "apt-cache search vim" "$stock search vim"
run debian-info-curl 10 "$omg info curl" "$omg --no-daemon info curl" "apt-cache show curl" "$stock show curl" "nala show curl"
run debian-explicit 10 "$omg explicit" "$omg --no-daemon explicit" "apt-mark showmanual"
run debian-status 10 "$omg status" "$omg --no-daemon status"

for mix in small large all; do
  echo "## load (Debian index, $mix mix)"
  echo "| clients | requests | req/s | p50 | p99 | p99.9 |"
  echo "|---:|---:|---:|---:|---:|---:|"
  for clients in 1 8 64; do
    $target/release/examples/load "$OMG_SOCKET" "$clients" 5 "$mix"
  done
  "$omg" daemon status | grep -E 'Memory|Cache'
  echo
done

# nala search takes about a minute a run and apt-cache search python3 45 s: these
# comparisons get two runs each, everything in one hyperfine run.
slow() { # name, then the commands
  local name=$1; shift
  hyperfine --runs 2 -N -i --export-markdown "$out/daemon-$name.md" "$@" >/dev/null
  echo "## $name"; cat "$out/daemon-$name.md"; echo
}
slow debian-search-vim-nala "$omg search vim" "$omg --no-daemon search vim" "apt-cache search vim" "nala search vim"
slow debian-search-python3 "$omg search python3" "$omg --no-daemon search python3" "apt-cache search python3" "$stock search python3" "nala search python3"

echo "## where a warm search spends its time"
strace -c -f "$omg" search vim 2>&1 >/dev/null | head -12
perf stat -e task-clock,page-faults "$omg" search vim 2>&1 >/dev/null | grep -E 'task-clock|page-faults|elapsed' || true
"$omg" daemon stop >/dev/null

fi

# Arch: the testbed root, then a generated core+extra-sized database (`--repo`: like
# pacman -Ss, without the AUR).
omgd=$target/release/omgd
# The floor of any command: a Rust hello-world's process start.
printf 'fn main() { println!("hello"); }\n' >"$work/hello.rs"
rustc -O -C lto=thin -o "$work/hello" "$work/hello.rs"
conf=$($target/release/examples/arch-root omg-hello omg-chain-top)
"$omgd" --config "$conf" >/dev/null
run arch-search-omg 10 "$omg --config $conf search --repo omg" "$omg --no-daemon --config $conf search --repo omg" "pacman --config $conf -Ss omg"
run arch-info-omg-hello 10 "$omg --config $conf info omg-hello" "$omg --no-daemon --config $conf info omg-hello" "pacman --config $conf -Si omg-hello"
run arch-explicit 10 "$omg --config $conf explicit" "$omg --no-daemon --config $conf explicit" "pacman --config $conf -Qeq"
"$omg" daemon stop >/dev/null
rm -rf "$(dirname "$conf")"

big=$($target/release/examples/big-arch-db "$work/big" 15000)
name=$(pacman --config "$big" -Slq extra | sed -n 100p)
start=$(ms_now)
"$omgd" --config "$big" >/dev/null
echo "cold start (15,000-package sync DB): $(( $(ms_now) - start )) ms"
run big-search-vim 10 "$omg --config $big search --repo vim" "$omg --no-daemon --config $big search --repo vim" "pacman --config $big -Ss vim" "$work/hello"
run big-info 10 "$omg --config $big info $name" "$omg --no-daemon --config $big info $name" "pacman --config $big -Si $name"
run big-explicit 10 "$omg --config $big explicit" "$omg --no-daemon --config $big explicit" "pacman --config $big -Qeq"
"$omg" daemon status | grep -E 'Index|Memory'
