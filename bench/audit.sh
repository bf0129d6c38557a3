#!/usr/bin/env bash
# omg audit against a generated Debian-sized tracker feed (about 50 MB, the size of
# security-tracker.debian.org's JSON), served by a local HTTP server: the first run
# fetches, parses and keeps it; later runs parse the kept copy. Matches this
# machine's real dpkg database (read only). Prints wall time and peak RSS, then the
# same through omgd (which answers from the report it keeps in memory) and what the
# report adds to omgd's resident memory. The same data rendered as debsecan's own
# feed (omg_testbed::debsecan_feed) is served beside it, and debsecan (which fetches
# and parses its feed on every run; it keeps nothing) is timed in the same hyperfine
# run as omg through omgd and direct.
#   bench/audit.sh                  (builds release binaries first)
#   OMG_BENCH_BIN=DIR bench/audit.sh (uses omg and omgd already built in DIR)
# Needs: scripts/setup (hyperfine, debsecan), python3.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${OMG_BENCH_BIN:-}" ]; then
  cargo build --release -q -p omg-cli -p omg-daemon
  OMG_BENCH_BIN=${CARGO_TARGET_DIR:-$PWD/target}/release
fi
omg=$OMG_BENCH_BIN/omg
omgd=$OMG_BENCH_BIN/omgd
work=$(mktemp -d)
daemon=
trap 'kill "$server" $daemon 2>/dev/null || true; rm -rf "$work"' EXIT
# Every installed source package gets a few issues (open, fixed above and below the
# installed version); padding sources make up the rest of the size.
dpkg-query -W -f '${source:Package} ${source:Version}\n' | sort -u > "$work/sources"
python3 - "$work/sources" "$work/json" <<'PY'
import json, sys
feed = {}
for line in open(sys.argv[1]):
    name, version = line.split()
    feed[name] = {
        f"CVE-2026-{i:05d}{n}": {"description": "x" * 200, "scope": "remote", "releases": {
            "bookworm": {"status": s, "repositories": {"bookworm": version},
                         "fixed_version": f, "urgency": u},
            "trixie": {"status": "open", "repositories": {}, "urgency": "low"}}}
        for n, (s, f, u) in enumerate([("open", "", "high"), ("resolved", "99:1", "medium"),
                                       ("resolved", "0", "low"), ("resolved", "0.0.1", "unimportant")])
        for i in [len(feed)]}
i = 0
while len(json.dumps(feed)) < 50_000_000 if i % 5000 == 0 else True:
    feed[f"padding-{i}"] = {f"CVE-2025-{i:06d}": {"description": "y" * 300, "releases": {
        "bookworm": {"status": "resolved", "fixed_version": "1.0-1", "urgency": "low"}}}}
    i += 1
    if i % 5000 == 0 and len(json.dumps(feed)) >= 50_000_000:
        break
json.dump(feed, open(sys.argv[2], "w"))
PY
ls -l "$work/json" | awk '{printf "feed: %.1f MB\n", $5/1e6}'
cargo run --release -q -p omg-testbed --example debsecan_feed -- "$work/json" "$work/debsecan" bookworm
ls -l "$work/debsecan/release/1/bookworm" | awk '{printf "debsecan feed: %.1f MB compressed\n", $5/1e6}'
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
(cd "$work" && exec python3 -m http.server "$port" --bind 127.0.0.1 >/dev/null 2>&1) &
server=$!
sleep 1
export HOME=$work/home XDG_CONFIG_HOME=$work/config XDG_CACHE_HOME=$work/cache \
  XDG_DATA_HOME=$work/data OMG_SOCKET=$work/omgd.sock OMG_NO_DAEMON=1
mkdir -p "$XDG_CONFIG_HOME/omg"
printf '[daemon]\nautostart = false\n[audit]\nrelease = "bookworm"\ndebian_url = "http://127.0.0.1:%s/json"\n' "$port" \
  > "$XDG_CONFIG_HOME/omg/config.toml"
echo "first run (fetch, parse, keep):"
/usr/bin/time -f '  %e s wall, %M KiB peak RSS' "$omg" --backend debian audit --json > "$work/findings.json" || true
python3 -c 'import json,sys; print("  findings:", len(json.load(open(sys.argv[1]))))' "$work/findings.json"
echo "kept copy:"
/usr/bin/time -f '  %e s wall, %M KiB peak RSS' "$omg" --backend debian audit --json > /dev/null || true
hyperfine -N -i --warmup 1 --runs 10 "$omg --backend debian audit --json"

echo "through omgd (the report kept in memory):"
unset OMG_NO_DAEMON
start_omgd() {
  "$omgd" --foreground --backend debian 2> "$work/omgd.log" &
  daemon=$!
  until grep -q "$1" "$work/omgd.log"; do sleep 0.2; done
}
stop_omgd() { kill "$daemon"; wait "$daemon" 2>/dev/null || true; daemon=; }
rss() { awk '/VmRSS/ {printf "%.1f MiB", $2/1024}' "/proc/$daemon/status"; }
# omgd with no feed kept matches nothing: its resident memory is the baseline.
kept=$XDG_CACHE_HOME/omg/audit
mv "$kept" "$work/kept"
start_omgd "no feed kept yet"
echo "  omgd resident without a feed: $(rss)"
stop_omgd
mv "$work/kept" "$kept"
start_omgd "findings against the"
echo "  omgd resident after matching the feed: $(rss)"
grep "findings against the" "$work/omgd.log" | sed 's/^[0-9]* omgd: /  /'
{ "$omg" -v --backend debian audit --json 2>&1 >/dev/null || true; } | grep -q "answered by omgd"
debsecan="debsecan --suite bookworm --source http://127.0.0.1:$port/debsecan/release/1/ --format detail --config /dev/null"
export no_proxy='*'
$debsecan | grep -c '^  installed:' | sed 's/^/  debsecan findings: /'
hyperfine -N -i --warmup 3 --runs 30 "$omg --backend debian audit --json" \
  "$omg --no-daemon --backend debian audit --json" "$debsecan"
echo "  omgd resident after the runs: $(rss)"
cmp <("$omg" --backend debian audit --json || true) <("$omg" --no-daemon --backend debian audit --json || true) \
  && echo "  omgd's answer and the direct one are the same bytes"
