#!/usr/bin/env bash
# `omg hook-env` against `mise hook-env` in one hyperfine run: the command a shell
# runs at every prompt. mise comes from the npm registry (@jdxcode/mise-linux-x64).
#   bench/hook-env.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p omg-cli -p omg-daemon
omg=$PWD/target/release/omg
out=$PWD/bench/results
mkdir -p "$out"
mise_version=2026.9.15
mise=$out/mise-$mise_version/package/bin/mise
if [ ! -x "$mise" ]; then
  mkdir -p "$out/mise-$mise_version"
  curl -fsSL "https://registry.npmjs.org/@jdxcode/mise-linux-x64/-/mise-linux-x64-$mise_version.tgz" \
    | tar -xz -C "$out/mise-$mise_version"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The floor of a process start, built before HOME moves (rustup reads it).
hello=$work/hello
printf 'fn main() { println!("hello"); }\n' >"$work/hello.rs"
rustc -O -C lto=thin -o "$hello" "$work/hello.rs"
export HOME=$work/home XDG_DATA_HOME=$work/data XDG_CONFIG_HOME=$work/config XDG_CACHE_HOME=$work/cache
export MISE_DATA_DIR=$work/mise-data MISE_CONFIG_DIR=$work/mise-config MISE_CACHE_DIR=$work/mise-cache MISE_STATE_DIR=$work/mise-state
mkdir -p "$HOME" "$work/project/src/deep"
# The same selection for both: node 22.12.0, installed, chosen by the project.
mkdir -p "$XDG_DATA_HOME/omg/versions/node/22.12.0/bin" "$MISE_DATA_DIR/installs/node/22.12.0/bin"
printf 'node 22.12.0\n' > "$work/project/.tool-versions"
cd "$work/project/src/deep"
"$mise" trust -q "$work/project/.tool-versions" 2>/dev/null || true
echo "omg:  $("$omg" hook-env --shell bash | head -c 120)…"
echo "mise: $("$mise" hook-env -s bash 2>&1 | head -c 160)…"
state=$("$omg" hook-env --shell bash | sed -n "s/.*__OMG_STATE='\([^']*\)'.*/\1/p")
hyperfine -N --warmup 20 --export-markdown "$out/hook-env.md" \
  "$omg hook-env --shell bash" \
  "$mise hook-env -s bash" >/dev/null
echo "## hook-env (selection changed: both print the new environment)"; cat "$out/hook-env.md"; echo
# At a prompt where nothing changed omg prints nothing.
__OMG_STATE=$state __OMG_PATH=$state hyperfine -N --warmup 20 --export-markdown "$out/hook-env-unchanged.md" \
  "$omg hook-env --shell bash" >/dev/null
echo "## omg hook-env, nothing changed (prints nothing)"; cat "$out/hook-env-unchanged.md"

# Steady state for all three, as a shell sees it at a prompt where nothing changed:
# each tool's own output evaluated once, then the same command again (both print
# nothing), against a minimal Rust hello-world as the floor of a process start.
eval "$("$omg" hook-env --shell bash)"
eval "$("$mise" hook-env -s bash 2>/dev/null)"
echo "steady: omg prints '$("$omg" hook-env --shell bash)', mise prints '$("$mise" hook-env -s bash 2>&1)'"
hyperfine -N --warmup 50 --runs 1000 --export-markdown "$out/hook-env-steady.md" \
  "$hello" "$omg hook-env --shell bash" "$mise hook-env -s bash" >/dev/null
echo "## steady state: hello-world, omg, mise (nothing changed, nothing printed)"; cat "$out/hook-env-steady.md"
