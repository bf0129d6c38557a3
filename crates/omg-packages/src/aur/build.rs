//! Building an AUR package base with makepkg, never as root.
//!
//! Each build gets a fresh directory holding a copy of the reviewed commit (never
//! the clone itself, which stays the reviewed record) and the package output. When
//! omg runs as root, makepkg, and the extraction of the copy, run as the build
//! user, who owns that directory and nothing else of omg's. makepkg's environment
//! is built from nothing but what a build needs. Its output goes to the terminal
//! and to a log kept after a failure. The packages it made are copied out of the
//! build directory without following links, since the build could have replaced
//! them with links to anything.

use super::valid_package_name;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Why a build could not run or did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(
        "omg runs as root and makepkg never does: set [aur] build_user (or OMG_AUR_BUILD_USER) to an unprivileged user"
    )]
    RootWithoutBuildUser,
    #[error("build user {0:?}: {1}")]
    BuildUser(String, String),
    #[error("cannot run {program}: {source}")]
    Spawn {
        program: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot prepare the build of {base} in {}: {source}", path.display())]
    Io {
        base: String,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("building {base} failed ({status}); nothing of it was installed; the log is {}", log.display())]
    Failed {
        base: String,
        status: String,
        log: PathBuf,
    },
    #[error("makepkg built no package file for {name} of {base}; the log is {}", log.display())]
    Missing {
        base: String,
        name: String,
        log: PathBuf,
    },
}

/// An unprivileged account from /etc/passwd.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildUser {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    pub home: PathBuf,
}

impl BuildUser {
    /// Looks `name` up in `passwd` (the contents of /etc/passwd); root, or any
    /// account with uid 0, is refused.
    pub fn from_passwd(name: &str, passwd: &str) -> Result<Self, BuildError> {
        let refuse = |why: &str| BuildError::BuildUser(name.to_owned(), why.to_owned());
        let fields: Vec<&str> = passwd
            .lines()
            .map(|line| line.split(':').collect::<Vec<_>>())
            .find(|fields| fields.len() >= 7 && fields[0] == name)
            .ok_or_else(|| refuse("no such user"))?;
        let uid: u32 = fields[2].parse().map_err(|_| refuse("bad uid"))?;
        let gid: u32 = fields[3].parse().map_err(|_| refuse("bad gid"))?;
        if uid == 0 {
            return Err(refuse("it is root, and makepkg never runs as root"));
        }
        Ok(Self {
            name: name.to_owned(),
            uid,
            gid,
            home: PathBuf::from(fields[5]),
        })
    }

    /// Looks `name` up in /etc/passwd.
    pub fn lookup(name: &str) -> Result<Self, BuildError> {
        let passwd = std::fs::read_to_string("/etc/passwd")
            .map_err(|error| BuildError::BuildUser(name.to_owned(), error.to_string()))?;
        Self::from_passwd(name, &passwd)
    }
}

/// Who builds: the build user when omg is root, else omg's own user.
pub fn builder_for(euid: u32, build_user: Option<&str>) -> Result<Option<BuildUser>, BuildError> {
    match (euid, build_user) {
        (0, None) => Err(BuildError::RootWithoutBuildUser),
        (0, Some(name)) => BuildUser::lookup(name).map(Some),
        // An unprivileged omg builds as itself: switching users needs root.
        _ => Ok(None),
    }
}

/// How makepkg is run.
#[derive(Debug, Clone)]
pub struct BuildSettings {
    /// Who runs makepkg; `None`: this process's user (never root).
    pub user: Option<BuildUser>,
    /// Where build directories are made (they must be reachable by `user`).
    pub work_dir: PathBuf,
    /// Where built packages are copied to.
    pub package_dir: PathBuf,
    /// Where build logs are kept.
    pub log_dir: PathBuf,
    /// Skip makepkg's own dependency check (a system other than this one's `/`,
    /// whose database makepkg cannot see; the build graph already checked them).
    pub skip_dependency_check: bool,
    /// Show makepkg's output as it runs (the log gets it either way).
    pub echo: bool,
}

/// One base to build: its clone's reviewed tree as a tar stream, and the
/// packages of it to install.
#[derive(Debug)]
pub struct BuildJob<'a> {
    pub base: &'a str,
    /// The version `.SRCINFO` gives (names the log).
    pub version: &'a str,
    pub tree: &'a [u8],
    pub wanted: &'a [String],
}

/// Builds `job` and returns the package files for `job.wanted`, copied to
/// [`BuildSettings::package_dir`].
pub fn build(job: &BuildJob<'_>, settings: &BuildSettings) -> Result<Vec<PathBuf>, BuildError> {
    let base = job.base;
    if !valid_package_name(base) {
        return Err(BuildError::BuildUser(
            base.to_owned(),
            "invalid package base".to_owned(),
        ));
    }
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| BuildError::Io {
            base: base.to_owned(),
            path,
            source,
        }
    };
    for dir in [&settings.work_dir, &settings.package_dir, &settings.log_dir] {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
    }
    let work = tempfile::Builder::new()
        .prefix(&format!("omg-build-{base}-"))
        .tempdir_in(&settings.work_dir)
        .map_err(io(&settings.work_dir))?;
    let source_dir = work.path().join("build");
    let output_dir = work.path().join("packages");
    for dir in [&source_dir, &output_dir] {
        std::fs::create_dir(dir).map_err(io(dir))?;
    }
    if let Some(user) = &settings.user {
        for dir in [work.path(), &source_dir, &output_dir] {
            std::os::unix::fs::chown(dir, Some(user.uid), Some(user.gid)).map_err(io(dir))?;
        }
    }
    extract(job, settings, &source_dir)?;
    let log = settings
        .log_dir
        .join(format!("{base}-{}.log", job.version.replace(':', "_")));
    let mut command = makepkg(settings, &source_dir, &output_dir);
    command.args(["--force", "--noconfirm", "--noprogressbar"]);
    if settings.skip_dependency_check {
        command.arg("--nodeps");
    }
    let echo = settings.echo;
    let status = omg_core::process::run_logged(command, &log, false, &mut |chunk| {
        if echo {
            let _ = std::io::stderr().write_all(chunk);
        }
    })
    .map_err(io(&log))?;
    if !status.success() {
        return Err(BuildError::Failed {
            base: base.to_owned(),
            status: status.to_string(),
            log,
        });
    }
    // Asked after the build: a VCS package's pkgver() has set its real version.
    let listed = makepkg(settings, &source_dir, &output_dir)
        .arg("--packagelist")
        .stderr(Stdio::null())
        .output()
        .map_err(|source| BuildError::Spawn {
            program: "makepkg",
            source,
        })?;
    let listed = String::from_utf8_lossy(&listed.stdout).into_owned();
    let mut files = Vec::new();
    for name in job.wanted {
        let found = listed
            .lines()
            .filter_map(|line| Path::new(line.trim()).file_name()?.to_str())
            .find(|file| package_file_name(file) == Some(name.as_str()))
            .map(str::to_owned);
        let Some(file) = found else {
            return Err(BuildError::Missing {
                base: base.to_owned(),
                name: name.clone(),
                log,
            });
        };
        let copied = settings.package_dir.join(&file);
        copy_regular(&output_dir.join(&file), &copied).map_err(|error| match error.kind() {
            std::io::ErrorKind::NotFound => BuildError::Missing {
                base: base.to_owned(),
                name: name.clone(),
                log: log.clone(),
            },
            _ => io(&copied)(error),
        })?;
        files.push(copied);
    }
    Ok(files)
}

/// The reviewed tree, unpacked by `tar` as the build's user: the tree is the
/// AUR's, so whatever its entries do they do with that user's rights only.
fn extract(job: &BuildJob<'_>, settings: &BuildSettings, into: &Path) -> Result<(), BuildError> {
    let mut tar = Command::new("tar");
    tar.args(["--extract", "--no-same-owner", "--file=-", "--directory"])
        .arg(into)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    as_user(&mut tar, settings.user.as_ref());
    let mut child = tar.spawn().map_err(|source| BuildError::Spawn {
        program: "tar",
        source,
    })?;
    if let Some(mut stdin) = child.stdin.take() {
        // A tar that stops reading early reports why below.
        let _ = stdin.write_all(job.tree);
    }
    let output = child
        .wait_with_output()
        .map_err(|source| BuildError::Spawn {
            program: "tar",
            source,
        })?;
    if !output.status.success() {
        return Err(BuildError::Io {
            base: job.base.to_owned(),
            path: into.to_owned(),
            source: std::io::Error::other(
                String::from_utf8_lossy(&output.stderr).trim().to_owned(),
            ),
        });
    }
    Ok(())
}

/// makepkg in `dir`, as the build's user, with nothing of this process's
/// environment but the locale and terminal.
fn makepkg(settings: &BuildSettings, dir: &Path, output: &Path) -> Command {
    let mut command = Command::new("makepkg");
    command.current_dir(dir).env_clear();
    // The user's own PATH (compilers installed per user) only for their own build.
    let path = match (&settings.user, std::env::var_os("PATH")) {
        (None, Some(path)) => path,
        _ => "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into(),
    };
    command.env("PATH", path);
    for kept in ["LANG", "LC_ALL", "TERM", "MAKEPKG_CONF", "PACKAGER"] {
        if let Some(value) = std::env::var_os(kept) {
            command.env(kept, value);
        }
    }
    let home = match &settings.user {
        Some(user) => Some(user.home.clone()),
        None => std::env::var_os("HOME").map(PathBuf::from),
    };
    if let Some(home) = home {
        command.env("HOME", home);
    }
    if let Some(user) = &settings.user {
        command.env("USER", &user.name).env("LOGNAME", &user.name);
    }
    command
        .env("PKGDEST", output)
        .env("SRCDEST", dir)
        .env("BUILDDIR", dir)
        .stdin(Stdio::null());
    as_user(&mut command, settings.user.as_ref());
    command
}

fn as_user(command: &mut Command, user: Option<&BuildUser>) {
    use std::os::unix::process::CommandExt;
    if let Some(user) = user {
        // std drops the supplementary groups when root changes its uid.
        command.uid(user.uid).gid(user.gid);
    }
}

/// The package name of a package file name, `name-pkgver-pkgrel-arch.pkg.tar.*`
/// (names may contain `-`; the last three fields cannot).
fn package_file_name(file: &str) -> Option<&str> {
    let (stem, _) = file.split_once(".pkg.tar")?;
    let mut fields = stem.rsplitn(4, '-');
    let (_arch, _pkgrel, _pkgver) = (fields.next()?, fields.next()?, fields.next()?);
    fields.next().filter(|name| !name.is_empty())
}

/// Copies `from` to `to` only if `from` is a regular file reached without a link.
fn copy_regular(from: &Path, to: &Path) -> std::io::Result<()> {
    let mut source = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
        .open(from)?;
    let meta = source.metadata()?;
    if !meta.is_file() || meta.nlink() > 1 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("{} is not a plain file", from.display()),
        ));
    }
    let partial = to.with_extension("partial");
    let mut target = std::fs::File::create(&partial)?;
    std::io::copy(&mut source, &mut target)?;
    target.sync_all()?;
    std::fs::rename(&partial, to)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD: &str = "root:x:0:0:root:/root:/bin/bash\nomgbuild:x:998:998::/home/omgbuild:/bin/sh\nevil:x:0:5::/:/bin/sh\nbroken:x:abc:1::/:/bin/sh\n";

    #[test]
    fn build_users_come_from_passwd_and_are_never_root() {
        let user = BuildUser::from_passwd("omgbuild", PASSWD).unwrap();
        assert_eq!((user.uid, user.gid), (998, 998));
        assert_eq!(user.home, Path::new("/home/omgbuild"));
        assert!(BuildUser::from_passwd("root", PASSWD).is_err());
        assert!(BuildUser::from_passwd("evil", PASSWD).is_err());
        assert!(BuildUser::from_passwd("broken", PASSWD).is_err());
        assert!(BuildUser::from_passwd("nobody-here", PASSWD).is_err());
    }

    #[test]
    fn root_needs_a_build_user_and_others_build_as_themselves() {
        assert!(matches!(
            builder_for(0, None),
            Err(BuildError::RootWithoutBuildUser)
        ));
        assert_eq!(builder_for(1000, Some("omgbuild")).unwrap(), None);
        assert_eq!(builder_for(1000, None).unwrap(), None);
    }

    #[test]
    fn package_file_names_give_the_package_name() {
        assert_eq!(
            package_file_name("omg-aur-app-docs-2.0-1-any.pkg.tar.zst"),
            Some("omg-aur-app-docs")
        );
        assert_eq!(
            package_file_name("foo-1:2.0.r3.gabc-1-x86_64.pkg.tar.gz"),
            Some("foo")
        );
        assert_eq!(package_file_name("foo-1.0-1-any.tar.gz"), None);
        assert_eq!(package_file_name("1.0-1-any.pkg.tar.zst"), None);
    }

    #[test]
    fn package_files_are_copied_only_when_plain() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("a.pkg.tar.zst");
        std::fs::write(&real, b"package").unwrap();
        let link = dir.path().join("b.pkg.tar.zst");
        std::os::unix::fs::symlink("/etc/passwd", &link).unwrap();
        let out = dir.path().join("out");
        copy_regular(&real, &out).unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), b"package");
        assert!(copy_regular(&link, &dir.path().join("stolen")).is_err());
        assert!(!dir.path().join("stolen").exists());
    }
}
