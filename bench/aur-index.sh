#!/usr/bin/env bash
# The AUR part of `omg search` from omgd's local AUR index against one RPC round
# trip to a local AUR, in the same hyperfine run; then what the index costs omgd:
# the dump's size, its download + parse time, a restart's load of the kept copy,
# and the resident memory it adds. The AUR is a generated ~90,000-package
# metadata dump (the size of aur.archlinux.org's) served with an ETag by a small
# local server that also answers RPC v5 searches over the same packages.
#   bench/aur-index.sh
# Needs: scripts/setup (hyperfine, makepkg for the Arch root), python3.
set -euo pipefail
cd "$(dirname "$0")/.."
# BENCH_PROFILE=dev measures a debug build (quicker to build, slower to run).
profile=${BENCH_PROFILE:-release}
cargo build --profile "$profile" -q -p omg-cli
cargo build --profile "$profile" -q -p omg-testbed --example arch-root
target=${CARGO_TARGET_DIR:-$PWD/target}/$([ "$profile" = dev ] && echo debug || echo "$profile")
omg=$target/omg
omgd=$target/omgd
work=$(mktemp -d)
export HOME=$work/home XDG_CONFIG_HOME=$work/config XDG_CACHE_HOME=$work/cache \
  XDG_DATA_HOME=$work/data OMG_SOCKET=$work/omgd.sock NO_COLOR=1
mkdir -p "$HOME" "$XDG_CONFIG_HOME/omg"
server=
trap '"$omg" daemon stop >/dev/null 2>&1 || true; [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
pacman_conf=$("$target"/examples/arch-root)
root=(--backend arch --config "$pacman_conf")

python3 - "$work" <<'PY'
import gzip, json, random, sys
random.seed(7)
words = ("audio video font theme python perl ruby node rust go qt gtk kde gnome vim emacs "
         "driver firmware kernel git bin tool helper manager client server daemon plugin "
         "library binding viewer editor player browser terminal shell network wayland x11 "
         "game emulator compiler runtime monitor sync backup cloud mail chat music").split()
prefixes = ["", "python-", "lib32-", "ttf-", "perl-", "ruby-", "nodejs-", "rust-", "go-", "gnome-"]
suffixes = ["", "-git", "-bin", "-nightly"]
packages, names = [], set()
while len(packages) < 90_000:
    name = (random.choice(prefixes) + random.choice(words) + "-" + random.choice(words)
            + str(random.randrange(1000)) + random.choice(suffixes))
    if name in names:
        continue
    names.add(name)
    i = len(packages)
    p = {"ID": i, "Name": name, "PackageBaseID": i, "PackageBase": name,
         "Version": f"{random.randrange(10)}.{random.randrange(30)}-1",
         "Description": " ".join(random.choice(words) for _ in range(random.randrange(5, 12))).capitalize(),
         "URL": f"https://example.org/{name}", "NumVotes": random.randrange(3000),
         "Popularity": round(random.random() * 10, 6), "OutOfDate": None,
         "Maintainer": random.choice(words) + str(random.randrange(500)), "Submitter": "someone",
         "FirstSubmitted": 1_500_000_000 + i, "LastModified": 1_700_000_000 + i,
         "URLPath": f"/cgit/aur.git/snapshot/{name}.tar.gz",
         "Depends": random.sample(words, 3), "MakeDepends": ["git"], "License": ["MIT"],
         "Keywords": random.sample(words, 2)}
    packages.append(p)
text = "[\n" + ",\n".join(json.dumps(p) for p in packages) + "\n]"
open(f"{sys.argv[1]}/dump.json.gz", "wb").write(gzip.compress(text.encode(), 6))
print(f"dump: {len(packages)} packages, {len(text) / 1e6:.0f} MB JSON")
PY
ls -l "$work/dump.json.gz" | awk '{printf "dump: %.1f MB gzipped\n", $5/1e6}'

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 - "$work" "$port" <<'PY' &
import gzip, hashlib, http.server, json, sys, urllib.parse
work, port = sys.argv[1], int(sys.argv[2])
body = open(f"{work}/dump.json.gz", "rb").read()
etag = '"' + hashlib.md5(body).hexdigest() + '"'
search_keys = ("ID Name PackageBaseID PackageBase Version Description URL URLPath NumVotes "
               "Popularity OutOfDate Maintainer FirstSubmitted LastModified").split()
packages = [{k: p.get(k) for k in search_keys} for p in json.loads(gzip.decompress(body))]
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args): pass
    def send(self, status, data, extra=()):
        self.send_response(status)
        for k, v in extra: self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def do_GET(self):
        path, _, query = self.path.partition("?")
        if path == "/packages-meta-ext-v1.json.gz":
            if self.headers.get("If-None-Match") == etag:
                return self.send(304, b"", [("ETag", etag)])
            return self.send(200, body, [("ETag", etag)])
        if path.startswith("/rpc/v5/search/"):
            arg = urllib.parse.unquote(path[len("/rpc/v5/search/"):]).lower()
            results = [p for p in packages
                       if arg in p["Name"] or arg in (p["Description"] or "").lower()]
            out = {"version": 5, "type": "search", "resultcount": len(results), "results": results}
            return self.send(200, json.dumps(out).encode(), [("Content-Type", "application/json")])
        self.send(404, b"")
http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
PY
server=$!
sleep 1
aur=http://127.0.0.1:$port
# The same server under another name: omgd keeps no index of it, so omg asks the RPC.
rpc=http://localhost:$port

rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
# User + system CPU of a process in ms (the machine may be shared: wall time
# then says more about the neighbours than about omgd).
cpu_ms() { awk -v tick="$(getconf CLK_TCK)" '{print int(($14 + $15) * 1000 / tick)}' "/proc/$1/stat"; }
start_omgd() { # refresh seconds
  printf '[daemon]\nautostart = false\n[aur]\nindex_refresh_secs = %s\n' "$1" > "$XDG_CONFIG_HOME/omg/config.toml"
  OMG_AUR_URL=$aur "$omgd" --foreground "${root[@]}" 2>>"$work/omgd.log" &
  omgd_pid=$!
  until "$omg" "${root[@]}" daemon status >/dev/null 2>&1; do sleep 0.05; done
}
wait_for_index() {
  until OMG_AUR_URL=$aur "$omg" -v "${root[@]}" search --aur audio-video 2>&1 >/dev/null \
    | grep -q "local AUR index"; do sleep 0.05; done
}

echo "## memory: omgd without and with the AUR index"
start_omgd 0
sleep 2
without=$(rss_kib "$omgd_pid")
without_cpu=$(cpu_ms "$omgd_pid")
"$omg" daemon stop >/dev/null; wait "$omgd_pid" || true
start_omgd 86400
wait_for_index
sleep 1
with=$(rss_kib "$omgd_pid")
with_cpu=$(cpu_ms "$omgd_pid")
echo "omgd RSS: $((without / 1024)) MiB without the index, $((with / 1024)) MiB with it (+$(((with - without) / 1024)) MiB)"
grep 'AUR index (downloaded)' "$work/omgd.log" | sed 's/^[0-9]* omgd: /first download: /'
echo "omgd CPU from start to serving: $without_cpu ms without the index, $with_cpu ms with the download and parse"

echo
echo "## search: omgd's index vs one RPC round trip (same omgd, same server)"
for term in audio-video "wayland helper"; do
  hyperfine -N --warmup 3 --min-runs 20 \
    -n "index: omg search --aur $term" "env OMG_AUR_URL=$aur $omg ${root[*]} search --aur $term" \
    -n "rpc: omg search --aur $term" "env OMG_AUR_URL=$rpc $omg ${root[*]} search --aur $term"
done

echo
echo "## refresh: revalidation (304) and a restart loading the kept copy"
OMG_AUR_URL=$aur "$omg" "${root[@]}" daemon refresh >/dev/null
sleep 2
grep -c 'the kept dump is current' "$work/omgd.log" | sed 's/^/304 revalidations logged: /'
"$omg" daemon stop >/dev/null; wait "$omgd_pid" || true
start_omgd 86400
wait_for_index
grep 'AUR index (kept copy)' "$work/omgd.log" | sed 's/^[0-9]* omgd: /restart: /'
echo "omgd CPU from start to serving the kept copy: $(cpu_ms "$omgd_pid") ms"
