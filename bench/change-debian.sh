#!/usr/bin/env bash
# omg install/remove against apt-get install/remove -y on this machine's real dpkg
# database (whole command; a local file: repository named only by a private APT
# configuration given to both), and the plan alone against apt-get -s.
# Writes bench/results/change-debian-*.md and prints them.
#   bench/change-debian.sh
# Needs: scripts/setup (hyperfine); run as root on a machine whose dpkg database
# may change (it installs and purges the package omgt-bench).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p omg-cli -p omg-daemon
omg=$PWD/target/release/omg
out=bench/results
mkdir -p "$out"
work=$(mktemp -d)
chmod 755 "$work"
trap 'dpkg --purge omgt-bench >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
arch=$(dpkg --print-architecture)

# One small package in a repository laid out as a mirror is.
pkg=$work/build/omgt-bench
mkdir -p "$pkg/DEBIAN" "$pkg/usr/share/doc/omgt-bench" "$work/repo/pool"
echo "omgt-bench" > "$pkg/usr/share/doc/omgt-bench/probe"
printf 'Package: omgt-bench\nVersion: 1.0\nArchitecture: all\nMaintainer: omg bench <omg@example.invalid>\nDescription: omg benchmark package\n' > "$pkg/DEBIAN/control"
dpkg-deb --root-owner-group -Zxz --build "$pkg" "$work/repo/pool/omgt-bench_1.0_all.deb" >/dev/null
index=$work/repo/dists/bench/main/binary-$arch
mkdir -p "$index"
(cd "$work/repo" && dpkg-scanpackages pool /dev/null 2>/dev/null > "$index/Packages")
# Dated and hashed, as a mirror's Release is (apt drops an unhashed file: index).
{
  printf 'Origin: omgt\nSuite: bench\nCodename: bench\nDate: %s\nComponents: main\nArchitectures: %s all\nSHA256:\n' "$(date -Ru)" "$arch"
  printf ' %s %s main/binary-%s/Packages\n' "$(sha256sum < "$index/Packages" | cut -d' ' -f1)" "$(stat -c %s "$index/Packages")" "$arch"
} > "$work/repo/dists/bench/Release"

# A private configuration: only that repository, private lists and auto marks.
etc=$work/etc lists=$work/lists states=$work/extended_states
mkdir -p "$etc/sources.list.d" "$etc/preferences.d" "$lists/partial"
echo "deb [trusted=yes] file:$work/repo bench main" > "$etc/sources.list"
# apt's tools read that directory's configuration as omg does: through APT_CONFIG.
printf 'Dir::Etc "%s/";\n' "$etc" > "$work/apt.conf"
export APT_CONFIG=$work/apt.conf
apt=(-o "Dir::State::Lists=$lists" -o "Dir::State::extended_states=$states")
export HOME=$work/home XDG_CONFIG_HOME=$work/config OMG_SOCKET=$work/omgd.sock OMG_NO_DAEMON=1
mkdir -p "$HOME" "$XDG_CONFIG_HOME/omg"
printf 'backend = "debian"\n[daemon]\nautostart = false\n[debian]\nlists_dir = "%s"\netc_dir = "%s"\nextended_states = "%s"\n' \
  "$lists" "$etc" "$states" > "$XDG_CONFIG_HOME/omg/config.toml"
"$omg" sync >/dev/null
export DEBIAN_FRONTEND=noninteractive

run() { # name, then hyperfine arguments
  local name=$1; shift
  hyperfine --warmup 2 --min-runs 15 -N --export-markdown "$out/change-debian-$name.md" "$@" >/dev/null
  echo "## $name"; cat "$out/change-debian-$name.md"; echo
}

# Each run starts from the state the command changes.
run install --prepare "dpkg --purge omgt-bench" \
  "$omg install -y omgt-bench" "apt-get ${apt[*]} install -y -q omgt-bench"
run remove --prepare "apt-get ${apt[*]} install -y -q omgt-bench" \
  "$omg remove -y omgt-bench" "apt-get ${apt[*]} remove -y -q omgt-bench"
# The plan alone: omg without a terminal and without -y plans, shows, refuses (exit 2).
run plan -i "$omg install omgt-bench" "apt-get ${apt[*]} -s install omgt-bench"
