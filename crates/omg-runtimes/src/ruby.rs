//! Ruby, built from source the way ruby-build does. The prebuilt rubies
//! (ruby/ruby-builder) embed their build prefix (`/opt/hostedtoolcache/Ruby/…`) and
//! target specific Ubuntu releases, so they do not relocate into
//! `versions/ruby/<v>`; a source build with `--enable-load-relative` does.
//!
//! Versions and checksums come from ruby-lang.org's release index
//! (`$BASE/index.txt`: name, url, sha1, sha256, sha512 per line, tab-separated);
//! tarballs from `$BASE/X.Y/ruby-X.Y.Z.tar.gz`. Building needs a C toolchain and
//! the usual headers (openssl, libyaml, zlib, libffi).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// ruby-lang.org's release tree.
pub const DEFAULT_MIRROR: &str = "https://cache.ruby-lang.org/pub/ruby";

/// One release from `index.txt`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RubyRelease {
    /// `3.3.6`.
    pub version: String,
    /// The `.tar.gz` path below the base (`3.3/ruby-3.3.6.tar.gz`).
    pub path: String,
    /// Hex SHA-256.
    pub sha256: String,
}

/// Parses `index.txt`, keeping final `.tar.gz` releases, newest first.
#[must_use]
pub fn parse_index(text: &str) -> Vec<RubyRelease> {
    let mut releases: Vec<RubyRelease> = text
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut fields = line.split('\t');
            let name = fields.next()?;
            let url = fields.next()?;
            let _sha1 = fields.next()?;
            let sha256 = fields.next()?;
            let version = name.strip_prefix("ruby-")?;
            let final_release = version
                .split('.')
                .all(|part| part.chars().all(|c| c.is_ascii_digit()));
            let path = url.rsplit_once("/ruby/").map(|(_, path)| path.to_owned())?;
            (final_release && url.ends_with(".tar.gz") && sha256.len() == 64).then(|| RubyRelease {
                version: version.to_owned(),
                path,
                sha256: sha256.to_owned(),
            })
        })
        .collect();
    releases.sort_by(|a, b| crate::layout::version_order(&b.version, &a.version));
    releases.dedup_by(|a, b| a.version == b.version);
    releases
}

/// `latest`, `3`, `3.3` (newest 3.3.x) or an exact `3.3.6`.
#[must_use]
pub fn resolve<'a>(releases: &'a [RubyRelease], request: &str) -> Option<&'a RubyRelease> {
    let request = request.strip_prefix("ruby-").unwrap_or(request);
    releases
        .iter()
        .find(|release| release.version == request)
        .or_else(|| {
            releases.iter().find(|release| {
                request == "latest"
                    || release
                        .version
                        .strip_prefix(request)
                        .is_some_and(|rest| rest.starts_with('.'))
            })
        })
}

/// Rubies built from a ruby-lang.org-shaped release tree.
#[derive(Debug)]
pub struct RubyMirror {
    base: String,
    releases: OnceLock<Vec<RubyRelease>>,
}

impl RubyMirror {
    /// A release tree at `base`.
    #[must_use]
    pub fn new(base: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
            releases: OnceLock::new(),
        }
    }

    fn releases(&self) -> crate::Result<&[RubyRelease]> {
        if let Some(releases) = self.releases.get() {
            return Ok(releases);
        }
        let text = crate::download::fetch_text(&format!("{}/index.txt", self.base))?;
        let releases = parse_index(&text);
        Ok(self.releases.get_or_init(|| releases))
    }

    fn release(&self, request: &str) -> crate::Result<&RubyRelease> {
        resolve(self.releases()?, request).ok_or_else(|| crate::Error::NoMatch {
            runtime: crate::Runtime::Ruby,
            request: request.to_owned(),
            platform: format!("{}-{}", std::env::consts::OS, std::env::consts::ARCH),
        })
    }
}

impl crate::RuntimeManager for RubyMirror {
    fn runtime(&self) -> crate::Runtime {
        crate::Runtime::Ruby
    }

    fn available(&self) -> crate::Result<Vec<crate::Offer>> {
        Ok(self
            .releases()?
            .iter()
            .map(|release| crate::Offer {
                version: release.version.clone(),
                label: None,
            })
            .collect())
    }

    fn resolve(&self, request: &str) -> crate::Result<String> {
        Ok(self.release(request)?.version.clone())
    }

    /// Downloads and verifies the source, then configures it for the final
    /// directory, builds, and installs into staging (`DESTDIR`), so a failed build
    /// leaves nothing installed.
    fn fetch(
        &self,
        layout: &crate::Layout,
        version: &str,
        downloads: &Path,
        progress: crate::Progress<'_>,
    ) -> crate::Result<PathBuf> {
        let runtime = crate::Runtime::Ruby;
        let installed = layout.version_dir(&runtime, version)?;
        let release = self.release(version)?;
        let archive = crate::layout::download_path(downloads, &release.path)?;
        std::fs::create_dir_all(downloads).map_err(crate::Error::io(downloads))?;
        crate::download::download(
            &format!("{}/{}", self.base, release.path),
            &archive,
            &release.sha256,
            progress,
        )?;
        let source = tempfile::Builder::new()
            .prefix(".omg-ruby-src-")
            .tempdir_in(downloads)
            .map_err(crate::Error::io(downloads))?;
        let unpacked =
            crate::archive::extract_tar_gz(&archive, source.path(), 1, layout.unpack_limits());
        let _ = std::fs::remove_file(&archive);
        unpacked?;
        let staged = layout.stage(&runtime, version)?;
        let jobs = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        let prefix = installed.to_string_lossy().into_owned();
        let destdir = staged.path().join("root");
        let steps: [(&str, Vec<String>); 3] = [
            (
                "./configure",
                vec![
                    format!("--prefix={prefix}"),
                    "--enable-load-relative".to_owned(),
                    "--enable-shared".to_owned(),
                    "--disable-install-doc".to_owned(),
                ],
            ),
            ("make", vec![format!("-j{jobs}")]),
            (
                "make",
                vec![
                    "install".to_owned(),
                    format!("DESTDIR={}", destdir.display()),
                ],
            ),
        ];
        // Kept beside the downloads; a failure names it.
        let log = downloads.join(format!("ruby-{version}-build.log"));
        for (index, (program, args)) in steps.into_iter().enumerate() {
            let phase = match (program, args.first().map(String::as_str)) {
                ("make", Some("install")) => "make install",
                (program, _) => program.trim_start_matches("./"),
            };
            progress.phase(phase);
            let mut command = Command::new(program);
            command
                .args(&args)
                .current_dir(source.path())
                .stdin(Stdio::null());
            let status = omg_core::process::run_logged(command, &log, index > 0, &mut |chunk| {
                progress.output(chunk);
            })
            .map_err(crate::Error::io(source.path().join(program)))?;
            if !status.success() {
                return Err(crate::Error::BuildFailed {
                    command: format!("{program} {}", args.join(" ")),
                    status: status.to_string(),
                    log,
                });
            }
        }
        let _ = std::fs::remove_file(&log);
        // `make install DESTDIR=root` put the tree at root/<prefix>.
        let built = destdir.join(prefix.trim_start_matches('/'));
        let tree = tempfile::Builder::new()
            .prefix(&format!(".staging-{version}-tree-"))
            .tempdir_in(layout.runtime_dir(&runtime))
            .map_err(crate::Error::io(layout.runtime_dir(&runtime)))?;
        let target = tree.path().join("ruby");
        std::fs::rename(&built, &target).map_err(crate::Error::io(&built))?;
        drop(staged);
        std::fs::rename(&target, &installed).map_err(crate::Error::io(&installed))?;
        Ok(installed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INDEX: &str = "name\turl\tsha1\tsha256\tsha512\n\
ruby-3.3.5\thttps://cache.ruby-lang.org/pub/ruby/3.3/ruby-3.3.5.tar.gz\tx\taaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\ty\n\
ruby-3.3.6\thttps://cache.ruby-lang.org/pub/ruby/3.3/ruby-3.3.6.tar.gz\tx\tbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\ty\n\
ruby-3.3.6\thttps://cache.ruby-lang.org/pub/ruby/3.3/ruby-3.3.6.tar.xz\tx\tcccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc\ty\n\
ruby-3.4.0-preview2\thttps://cache.ruby-lang.org/pub/ruby/3.4/ruby-3.4.0-preview2.tar.gz\tx\tdddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd\ty\n\
ruby-3.2.10\thttps://cache.ruby-lang.org/pub/ruby/3.2/ruby-3.2.10.tar.gz\tx\teeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee\ty\n";

    #[test]
    fn the_release_index_resolves_like_rbenv_requests() {
        let releases = parse_index(INDEX);
        assert_eq!(releases.len(), 3, "{releases:?}");
        assert_eq!(releases[0].path, "3.3/ruby-3.3.6.tar.gz");
        assert_eq!(releases[0].sha256, "b".repeat(64));
        let table = [
            ("latest", Some("3.3.6")),
            ("3", Some("3.3.6")),
            ("3.3", Some("3.3.6")),
            ("ruby-3.3.5", Some("3.3.5")),
            ("3.2", Some("3.2.10")),
            ("3.4", None),
            ("3.4.0-preview2", None),
        ];
        for (request, expected) in table {
            assert_eq!(
                resolve(&releases, request).map(|release| release.version.as_str()),
                expected,
                "request {request}"
            );
        }
    }
}
