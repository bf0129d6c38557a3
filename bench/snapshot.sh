#!/usr/bin/env bash
# The direct path with a valid index snapshot against stock-configured apt-cache
# (binary cache pkgcache.bin enabled, uncompressed lists), against the direct path
# without a snapshot, and omgd's start to first answer; then Arch's `omgd --answer`
# against pacman -Ss on a 15,000-package database. One hyperfine run per comparison.
#   bench/snapshot.sh
#   OMG_BENCH_OLD=DIR bench/snapshot.sh   # add DIR/omg (an older build) as a column
# Needs: scripts/setup (hyperfine, pacman), lz4 (Debian's lz4 package).
set -euo pipefail
cd "$(dirname "$0")/.."
# Where cargo builds (a distro root builds into its own directory).
target=${CARGO_TARGET_DIR:-$PWD/target}
# The Arch backend needs libalpm 16: run in `scripts/distro-root sid` on Debian.
cargo build --release -q -p omg-cli -p omg-daemon -p omg-transact --features omg-daemon/arch,omg-transact/arch
cargo build --release -q -p omg-testbed --example big-arch-db
# omgd for the Debian measurements as the Debian package builds it (no libalpm).
CARGO_TARGET_DIR=$PWD/target/debian-package cargo build --release -q -p omg-daemon \
  --no-default-features --features debian
omg=$target/release/omg
omgd=$PWD/target/debian-package/release/omgd
out=bench/results
mkdir -p "$out"
work=$(mktemp -d)
export HOME=$work/home XDG_CACHE_HOME=$work/cache OMG_SOCKET=$work/omgd.sock
mkdir -p "$HOME"
trap '"$omg" daemon stop >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
ms_now() { date +%s%N | cut -b1-13; }

run() { # name, then the commands
  local name=$1; shift
  hyperfine --warmup 3 --min-runs 10 -N -i --export-markdown "$out/snapshot-$name.md" "$@" >/dev/null
  echo "## $name"; cat "$out/snapshot-$name.md"; echo
}

# Stock APT (bench/stock-apt.sh sets $stock).
. bench/stock-apt.sh
stock_apt "$work/stock"
apt_cache=$stock
ls -l "$work/stock/pkgcache.bin"

# omg's snapshot, written by one direct run.
"$omg" --no-daemon search vim >/dev/null
ls -l "$XDG_CACHE_HOME"/omg/index-*
old=()
if [ -n "${OMG_BENCH_OLD:-}" ]; then old=("$OMG_BENCH_OLD/omg --no-daemon search vim"); fi
snapshot=$(ls "$XDG_CACHE_HOME"/omg/index-*)
run debian-search-vim "$omg --no-daemon search vim" "$apt_cache search vim" "${old[@]}"
run debian-search-vim-rebuild --prepare "rm -f $snapshot" "$omg --no-daemon search vim"
"$omg" --no-daemon search vim >/dev/null

# info: the first answer for each of 200 distinct packages through a warm omgd (no
# answer cached), then the same 200 again (cached), against apt-cache show.
names=$("$omg" --no-daemon search lib | awk '!/^ / { n++; if (n % 37 == 0 && k < 200) { sub(".*/", "", $1); print $1; k++ } }' | tr '\n' ' ')
echo "info over $(echo "$names" | wc -w) packages"
"$omgd" --foreground --backend debian 2>"$work/omgd.log" &
until "$omg" -v search vim 2>&1 >/dev/null | grep -q 'answered by omgd'; do sleep 0.005; done
per_name() { # the command, run once per name; prints the mean per name in ms
  local start; start=$(date +%s%N)
  for name in $names; do "$@" "$name" >/dev/null; done
  echo "$(( $(date +%s%N) - start ))" | awk '{ printf "%.2f", $1 / 200 / 1e6 }'
}
echo "omg info through omgd, first time for each of 200 names, mean: $(per_name "$omg" info) ms"
echo "omg info through omgd, the same 200 again (answer cached), mean: $(per_name "$omg" info) ms"
echo "apt-cache show (stock), the same 200, mean: $(per_name $apt_cache show) ms"
"$omg" daemon status | grep -E 'Index|Memory'
"$omg" daemon stop >/dev/null

# omgd's start to first answer, with a valid snapshot.
for attempt in 1 2 3; do
  start=$(ms_now)
  "$omgd" --foreground --backend debian 2>"$work/omgd.log" &
  until "$omg" -v search vim 2>&1 >/dev/null | grep -q 'answered by omgd'; do sleep 0.002; done
  echo "omgd start to first answer with a snapshot (Debian), run $attempt: $(( $(ms_now) - start )) ms"
  grep -o 'index of .*' "$work/omgd.log" | head -1
  "$omg" daemon stop >/dev/null
done

# Arch: a generated core+extra-sized database; `omgd --answer` is what `omg
# --no-daemon` runs on Arch.
big=$($target/release/examples/big-arch-db "$work/big" 15000)
"$omg" --no-daemon --config "$big" search --repo vim >/dev/null
run arch-search-vim "$omg --no-daemon --config $big search --repo vim" "pacman --config $big -Ss vim"
