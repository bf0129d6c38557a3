#!/usr/bin/env bash
# omg on a standard Debian (apt's default configuration: Translation files,
# pkgcache.bin), as in the Debian 13 and sid roots:
#   scripts/distro-root sid bench/debian-standard.sh
# Search through a warm omgd and directly against apt-cache search (with its
# pkgcache.bin) and a hello-world binary; omgd's resident memory after load and its
# peak while rebuilding; how soon after a change made outside omg (apt-mark) omgd
# answers it. Writes bench/results/standard-*.md and prints everything.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-$PWD/target}
# omgd as the Debian package builds it (without libalpm).
cargo build --release -q -p omg-cli
cargo build --release -q -p omg-daemon -p omg-transact --no-default-features --features omg-daemon/debian,omg-transact/apt
omg=$target/release/omg
omgd=$target/release/omgd
out=bench/results
mkdir -p "$out"
work=$(mktemp -d)
export HOME=$work/home XDG_CACHE_HOME=$work/cache OMG_SOCKET=$work/omgd.sock
mkdir -p "$HOME"
trap '"$omg" daemon stop >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
printf 'fn main() { println!("hello"); }\n' >"$work/hello.rs"
rustc -O -o "$work/hello" "$work/hello.rs"
ms_now() { date +%s%N | cut -b1-13; }
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

echo "apt $(dpkg-query -W -f '${Version}' apt), $(ls /var/lib/apt/lists | grep -c Translation) Translation files, $(apt-cache pkgnames | wc -l) package names"
"$omgd" --foreground --backend debian 2>"$work/omgd.log" &
pid=$!
until "$omg" -v search vim 2>&1 >/dev/null | grep -q 'answered by omgd'; do sleep 0.005; done
sleep 3 # the first status refresh
echo "omgd after load: $(( $(rss_kib $pid) / 1024 )) MiB resident"
"$omg" daemon status | grep -E 'Index|Memory' || true

hyperfine --warmup 3 --min-runs 20 -N -i --export-markdown "$out/standard-search-vim.md" \
  "$omg search vim" "$omg --no-daemon search vim" "apt-cache search vim" "$work/hello" >/dev/null
echo "## search vim"; cat "$out/standard-search-vim.md"; echo
echo "omgd after the searches: $(( $(rss_kib $pid) / 1024 )) MiB resident"

# A rebuild: the lists directory changes (as after apt update); omgd's resident
# memory is sampled every 5 ms until it serves the new index. The build itself
# runs in an `omgd --build-index` child, measured alone after.
steady=$(rss_kib $pid)
peak=$steady
list=$(ls /var/lib/apt/lists/*_Packages* | head -1)
before=$(grep -c 'index of ' "$work/omgd.log")
touch "$list"
start=$(ms_now)
while [ "$(grep -c 'index of ' "$work/omgd.log")" -le "$before" ] && [ $(( $(ms_now) - start )) -lt 30000 ]; do
  now=$(rss_kib $pid); [ "$now" -gt "$peak" ] && peak=$now
  sleep 0.005
done
echo "omgd during a rebuild: steady $(( steady / 1024 )) MiB, peak $(( peak / 1024 )) MiB ($(awk "BEGIN { printf \"%.2f\", $peak / $steady }")x), new index served after $(( $(ms_now) - start )) ms"
grep 'index of ' "$work/omgd.log" | tail -n 1
rm -f "$XDG_CACHE_HOME"/omg/index-*.bin
/usr/bin/time -f "omgd --build-index (the child's work, snapshot deleted first): %e s, peak %M KiB" \
  "$omgd" --build-index --backend debian
echo "omgd after the rebuild: $(( $(rss_kib $pid) / 1024 )) MiB resident"

# Freshness: apt-mark flips a package's auto mark outside omg; how long until omgd's
# `explicit` says so.
name=$(apt-mark showmanual | head -1)
apt-mark auto "$name" >/dev/null
changed=$(ms_now)
until ! "$omg" explicit 2>/dev/null | grep -qx "$name"; do sleep 0.002; done
echo "apt-mark auto $name: omgd's explicit answers it $(( $(ms_now) - changed )) ms later"
apt-mark manual "$name" >/dev/null
"$omg" daemon stop >/dev/null
