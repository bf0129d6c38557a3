//! `omg clean` on Debian: `apt-get autoclean`, the cached `.deb` files no
//! configured source offers any more (name, version and architecture all looked
//! up in apt's cache), deleted through [`omg_packages::cache_dir`], never through a link.
//! `--orphans` is apt's autoremove, planned in [`crate::transact`].

use omg_core::plan::CacheFile;
use omg_packages::cache_dir::regular_file_size;
use omg_packages::Result;
use rust_apt::Cache;
use std::path::Path;

/// A cached package's file name, `name_version_arch.deb`, split; the version's
/// epoch colon is stored as `%3a`.
fn parse_deb_file(file: &str) -> Option<(&str, String, &str)> {
    let stem = file.strip_suffix(".deb")?;
    let mut fields = stem.split('_');
    let (name, version, arch) = (fields.next()?, fields.next()?, fields.next()?);
    if fields.next().is_some() || [name, version, arch].iter().any(|f| f.is_empty()) {
        return None;
    }
    Some((name, version.replace("%3a", ":").replace("%3A", ":"), arch))
}

/// The `.deb` files in `dir` whose version no source offers.
pub(super) fn stale_debs(cache: &Cache, dir: &Path) -> Result<Vec<CacheFile>> {
    let Some((fd, names)) = omg_packages::cache_dir::list(dir)? else {
        return Ok(Vec::new());
    };
    let mut stale = Vec::new();
    for name in &names {
        let Some((package, version, arch)) = parse_deb_file(name) else {
            continue;
        };
        let Some(size) = regular_file_size(&fd, name) else {
            continue;
        };
        let lookup = if arch == "all" {
            package.to_owned()
        } else {
            format!("{package}:{arch}")
        };
        let offered = cache.get(&lookup).is_some_and(|pkg| {
            pkg.versions()
                .any(|candidate| candidate.version() == version && candidate.is_downloadable())
        });
        if !offered {
            stale.push(CacheFile {
                path: dir.join(name),
                size,
            });
        }
    }
    stale.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(stale)
}

#[cfg(test)]
mod tests {
    use super::parse_deb_file;

    #[test]
    fn deb_file_names_split_on_underscores_with_the_epoch_unescaped() {
        assert_eq!(
            parse_deb_file("libc6_2.36-9%3a1_amd64.deb"),
            Some(("libc6", "2.36-9:1".to_owned(), "amd64"))
        );
        assert_eq!(
            parse_deb_file("hello_2.10-3_all.deb"),
            Some(("hello", "2.10-3".to_owned(), "all"))
        );
        for not_a_package in [
            "lock",
            "partial",
            "a_b.deb",
            "a_b_c_d.deb",
            "_1_all.deb",
            "x.deb.part",
        ] {
            assert_eq!(parse_deb_file(not_a_package), None, "{not_a_package}");
        }
    }
}
