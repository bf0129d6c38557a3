#!/usr/bin/env bash
# Coverage-guided fuzzing with cargo fuzz (libFuzzer) on the stable toolchain.
#   bench/fuzz.sh TARGET SECONDS    # one target, e.g. bench/fuzz.sh archive 600
#   bench/fuzz.sh all SECONDS       # every target, one after the other
#   bench/fuzz.sh list              # the target names
# Builds fuzz/ (its own workspace), then runs each target for SECONDS on its seed
# corpus (fuzz/corpus/TARGET, read only) plus a working corpus that grows from run
# to run (fuzz/work/TARGET, not committed). Prints one line per target. A crashing,
# hanging (10 s) or memory-hungry (2 GiB) input is saved under
# fuzz/artifacts/TARGET/ and makes the script exit 1; the libFuzzer log is
# fuzz/work/TARGET.log. Replay an input with fuzz/target/<host>/release/TARGET FILE.
# Needs: scripts/setup (cargo-fuzz, libalpm-dev, util-linux).
set -euo pipefail

main() { # Everything in a function: bash then reads the whole script before running
         # it, so editing it during a long run does not break that run.
  cd "$(dirname "$0")/.."
  local targets
  mapfile -t targets < <(cd fuzz && cargo fuzz list)
  [ "${1:-}" = list ] && { printf '%s\n' "${targets[@]}"; return 0; }
  [ $# -eq 2 ] && [[ $2 =~ ^[0-9]+$ ]] || usage
  local selected=("$1") build=("$1") seconds=$2
  if [ "$1" = all ]; then
    selected=("${targets[@]}")
    build=()
  elif ! printf '%s\n' "${targets[@]}" | grep -qx -- "$1"; then
    echo "unknown target $1 (see $0 list)" >&2
    exit 2
  fi

  # Without a sanitizer the targets build with stable rustc (no RUSTC_BOOTSTRAP):
  # the code under test is safe Rust, where AddressSanitizer finds little and costs
  # half the executions. Debug assertions and overflow checks stay on.
  (cd fuzz && cargo fuzz build --sanitizer none "${build[@]}")
  local bin
  bin=$PWD/fuzz/target/$(rustc -vV | sed -n 's/^host: //p')/release

  # The targets write every input to scratch files: on tmpfs that is five times
  # faster than on disk.
  local tmp_base=$PWD/fuzz/work
  [ -d /dev/shm ] && [ -w /dev/shm ] && tmp_base=/dev/shm
  mkdir -p "$tmp_base"
  scratch=$(mktemp -d "$tmp_base/omg-fuzz-XXXXXX")
  trap 'rm -rf "$scratch"' EXIT

  local status=0 target
  for target in "${selected[@]}"; do
    run_one "$target" || status=1
  done
  return "$status"
}

usage() {
  echo "usage: $0 {TARGET|all} SECONDS | $0 list" >&2
  exit 2
}

run_one() {
  local target=$1
  local work=$PWD/fuzz/work/$target artifacts=$PWD/fuzz/artifacts/$target
  local log=$PWD/fuzz/work/$target.log
  mkdir -p "$work" "$artifacts"
  local run=(env TMPDIR="$scratch")
  if [ "$target" = archive ] && [ "$(id -u)" -eq 0 ]; then
    # A broken extractor writes outside its jail, wherever the fuzzer may write:
    # as nobody that is only the world-writable corners, not the system.
    chown -R 65534:65534 "$work" "$artifacts" "$scratch"
    run=(setpriv --reuid=65534 --regid=65534 --clear-groups "${run[@]}")
  fi
  local dict=()
  [ -f "fuzz/dict/$target.dict" ] && dict=(-dict="$PWD/fuzz/dict/$target.dict")
  local started=$SECONDS code=0
  "${run[@]}" "$bin/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "${dict[@]}" \
    "$work" "$PWD/fuzz/corpus/$target" >"$log" 2>&1 || code=$?
  local execs corpus
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  corpus=$(find "$work" -type f | wc -l)
  if [ "$code" -eq 0 ]; then
    echo "$target: $((SECONDS - started)) s, ${execs:-?} execs, working corpus $corpus inputs, no findings"
    return 0
  fi
  echo "$target: FAILED after $((SECONDS - started)) s (exit $code), ${execs:-?} execs; the input is in $artifacts/"
  grep -E -m 6 -A1 'panicked at|ERROR: libFuzzer|SUMMARY' "$log" | sed 's/^/  /' || true
  return 1
}

main "$@"
