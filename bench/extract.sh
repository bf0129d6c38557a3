#!/usr/bin/env bash
# Safe extraction against GNU tar in one hyperfine run: the real Node 22 tarball
# (from the runtime testbed), unpacked into a fresh directory each run. omg walks
# every entry from the target's descriptor without following links and resolves
# every symlink at the end; tar does neither.
#   bench/extract.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p omg-runtimes --example extract
extract=$PWD/target/release/examples/extract
archive=$(find "$PWD/target/omg-testbed" -name 'node-v22.12.0-linux-x64.tar.gz' | head -n1)
if [ -z "$archive" ]; then
  echo "no Node tarball yet: run the runtime tests once (cargo nextest run -p omg-runtimes node)" >&2
  exit 1
fi
out=$PWD/bench/results
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "archive: $archive ($(du -h "$archive" | cut -f1), $(tar -tzf "$archive" | wc -l) entries)"
hyperfine --warmup 2 --runs 15 --prepare "rm -rf $work/t && mkdir $work/t" \
  --export-markdown "$out/extract.md" \
  "$extract $archive $work/t 1" \
  "tar -xzf $archive -C $work/t --strip-components=1" >/dev/null
cat "$out/extract.md"
