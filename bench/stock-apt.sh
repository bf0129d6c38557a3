# Sourced by the benchmarks: apt as Debian configures it by default, for comparison.
# stock_apt DIR: copies this machine's lists into DIR/lists uncompressed, builds a
# binary cache (pkgcache.bin) in DIR with a first run, and sets $stock to the
# apt-cache command that uses both. This machine's own apt keeps lz4 lists and no
# pkgcache.bin, apt's worst case.
stock_apt() {
  local dir=$1 list
  mkdir -p "$dir/lists/partial"
  for list in /var/lib/apt/lists/*; do
    [ -f "$list" ] || continue
    case $list in
      *.lz4) lz4cat "$list" >"$dir/lists/$(basename "${list%.lz4}")" ;;
      *.gz) zcat "$list" >"$dir/lists/$(basename "${list%.gz}")" ;;
      *.xz) xzcat "$list" >"$dir/lists/$(basename "${list%.xz}")" ;;
      *) cp "$list" "$dir/lists/" ;;
    esac
  done
  stock="apt-cache -o Dir::State::Lists=$dir/lists -o Dir::Cache::pkgcache=$dir/pkgcache.bin -o Dir::Cache::srcpkgcache=$dir/srcpkgcache.bin"
  $stock search vim >/dev/null
}
