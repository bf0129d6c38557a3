//! `omg sync`, `install`, `remove` and `update` on this machine's real dpkg
//! database through libapt-pkg, from a local repository only this test's APT
//! configuration names (private sources, lists and auto marks; the real status),
//! each step checked against dpkg-query, apt-mark and apt-cache policy given the
//! same configuration.
//!
//! It installs packages into the real system, so it runs only as root with
//! `OMG_TEST_SYSTEM_APT=1` (CI sets it; the machine is thrown away after), alone
//! (.config/nextest.toml: other tests read the same dpkg database), and purges what
//! it installed even on failure.

use crate::apt_repo::{repository_of, run, Deb};
use crate::common::Context;
use std::path::{Path, PathBuf};
use std::process::Output;

const PACKAGES: [&str; 6] = [
    "omgt-broken",
    "omgt-app",
    "omgt-lib",
    "omgt-pinned",
    "omgt-corrupt",
    "omgt-slow",
];

#[expect(clippy::print_stderr, reason = "a skipped test says why")]
fn enabled() -> bool {
    let gate = std::env::var("OMG_TEST_SYSTEM_APT").is_ok_and(|value| value == "1");
    let root = omg_ipc::current_uid() == 0;
    if !gate || !root {
        eprintln!("note: skipped; needs root and OMG_TEST_SYSTEM_APT=1 (it installs packages)");
    }
    gate && root
}

/// Purges whatever the test installed, when dropped.
struct Purge;

impl Drop for Purge {
    fn drop(&mut self) {
        let _ = std::process::Command::new("dpkg")
            .arg("--purge")
            .args(PACKAGES)
            .output();
    }
}

/// A private APT configuration over one local repository with two suites, its
/// own package cache, and the real dpkg status.
struct Bed {
    _work: tempfile::TempDir,
    repo: PathBuf,
    /// `Dir::Etc`, handed to apt's tools as omg hands it to libapt: `APT_CONFIG`.
    apt_config: PathBuf,
    archives: PathBuf,
    lists: PathBuf,
    extended_states: PathBuf,
    context: Context,
    /// Each publication's Release differs, so apt fetches the new index.
    publications: std::cell::Cell<u32>,
}

impl Bed {
    fn new() -> Self {
        let work = tempfile::tempdir().unwrap();
        // apt's unprivileged downloader reads file: sources too.
        run("chmod", &["755", work.path().to_str().unwrap()]);
        let repo = work.path().join("repo");
        let etc = work.path().join("etc");
        let lists = work.path().join("lists");
        let archives = work.path().join("cache/archives");
        for dir in [
            etc.join("sources.list.d"),
            etc.join("preferences.d"),
            etc.join("apt.conf.d"),
            lists.join("partial"),
            archives.join("partial"),
        ] {
            std::fs::create_dir_all(dir).unwrap();
        }
        // Read from etc_dir by omg and, through APT_CONFIG, by apt's tools.
        std::fs::write(
            etc.join("apt.conf.d/10omgt"),
            format!(
                "Dir::Cache \"{}/\";\n",
                archives.parent().unwrap().display()
            ),
        )
        .unwrap();
        let apt_config = work.path().join("apt.conf");
        std::fs::write(&apt_config, format!("Dir::Etc \"{}/\";\n", etc.display())).unwrap();
        let extended_states = work.path().join("extended_states");
        let uri = format!("file:{}", repo.display());
        std::fs::write(
            etc.join("sources.list"),
            format!(
                "deb [trusted=yes] {uri} omgt-stable main\ndeb [trusted=yes] {uri} omgt-backports main\n"
            ),
        )
        .unwrap();
        std::fs::write(
            etc.join("preferences.d/omgt"),
            "Package: omgt-pinned\nPin: release a=omgt-backports\nPin-Priority: 600\n",
        )
        .unwrap();
        let context = Context::new();
        std::fs::write(
            context.home().join("config/omg/config.toml"),
            format!(
                "backend = \"debian\"\n[daemon]\nautostart = false\n[debian]\nlists_dir = \"{}\"\netc_dir = \"{}\"\nextended_states = \"{}\"\n",
                lists.display(),
                etc.display(),
                extended_states.display()
            ),
        )
        .unwrap();
        Self {
            _work: work,
            repo,
            apt_config,
            archives,
            lists,
            extended_states,
            context,
            publications: std::cell::Cell::new(0),
        }
    }

    /// The same configuration as `-o` options for apt's own tools.
    fn apt_options(&self) -> Vec<String> {
        [
            format!("Dir::State::Lists={}", self.lists.display()),
            format!(
                "Dir::State::extended_states={}",
                self.extended_states.display()
            ),
        ]
        .into_iter()
        .flat_map(|option| ["-o".to_owned(), option])
        .collect()
    }

    fn apt(&self, program: &str, args: &[&str]) -> String {
        crate::common::stdout_of(
            std::process::Command::new(program)
                .args(self.apt_options())
                .args(args)
                .env("APT_CONFIG", &self.apt_config),
        )
    }

    fn publish(&self, stable: &[Deb<'_>], backports: &[Deb<'_>]) {
        let serial = self.publications.get() + 1;
        self.publications.set(serial);
        repository_of(
            &self.repo,
            "omgt-stable",
            &format!("Origin: omgt\nVersion: {serial}\n"),
            stable,
        );
        repository_of(
            &self.repo,
            "omgt-backports",
            &format!(
                "Origin: omgt\nVersion: {serial}\nNotAutomatic: yes\nButAutomaticUpgrades: yes\n"
            ),
            backports,
        );
    }

    fn omg(&self, args: &[&str]) -> Output {
        self.context.omg(args)
    }

    fn omg_ok(&self, args: &[&str]) -> String {
        let output = self.omg(args);
        assert!(
            output.status.success(),
            "omg {args:?} failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// `apt-cache policy`'s candidate for `name` under this configuration.
    fn candidate(&self, name: &str) -> String {
        self.apt("apt-cache", &["policy", name])
            .lines()
            .find_map(|line| line.trim().strip_prefix("Candidate: "))
            .unwrap_or_default()
            .to_owned()
    }

    fn auto_marked(&self) -> Vec<String> {
        self.apt("apt-mark", &["showauto"])
            .lines()
            .filter(|line| line.starts_with("omgt-"))
            .map(str::to_owned)
            .collect()
    }

    fn manual_marked(&self) -> Vec<String> {
        self.apt("apt-mark", &["showmanual"])
            .lines()
            .filter(|line| line.starts_with("omgt-"))
            .map(str::to_owned)
            .collect()
    }
}

/// `name version` for each installed omgt package, as dpkg-query sees them.
fn installed() -> Vec<String> {
    let output = std::process::Command::new("dpkg-query")
        .args(["-W", "-f", "${db:Status-Abbrev} ${Package} ${Version}\n"])
        .args(PACKAGES)
        .output()
        .unwrap();
    let mut lines: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|line| line.starts_with("ii "))
        .map(|line| line[3..].trim().to_owned())
        .collect();
    lines.sort();
    lines
}

/// dpkg's two-letter state of `name` (`ii`, `rc`), empty when dpkg has no record.
fn dpkg_state(name: &str) -> String {
    let output = std::process::Command::new("dpkg-query")
        .args(["-W", "-f", "${db:Status-Abbrev}", name])
        .output()
        .unwrap();
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

fn plan_line(stdout: &str, name: &str) -> String {
    stdout
        .lines()
        .find(|line| line.split_whitespace().nth(1) == Some(name))
        .unwrap_or_else(|| panic!("no plan line for {name}:\n{stdout}"))
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

const LIB_1_0: Deb<'static> = Deb {
    name: "omgt-lib",
    version: "1.0",
    fields: "Provides: omgt-virtual\n",
    conffile: "",
    postinst: "",
};
const APP_1_0: Deb<'static> = Deb {
    name: "omgt-app",
    version: "1.0",
    fields: "Depends: omgt-lib (>= 1.0)\n",
    conffile: "",
    postinst: "",
};
const PINNED_1_0: Deb<'static> = Deb {
    name: "omgt-pinned",
    version: "1.0",
    fields: "",
    conffile: "/etc/omgt-pinned.conf",
    postinst: "",
};

#[test]
fn install_upgrade_remove_agree_with_dpkg_and_apt() {
    if !enabled() {
        return;
    }
    // Leftovers of an interrupted earlier run first.
    drop(Purge);
    let _purge = Purge;
    let bed = Bed::new();
    bed.publish(
        &[
            LIB_1_0,
            APP_1_0,
            PINNED_1_0,
            Deb {
                name: "omgt-broken",
                version: "1.0",
                fields: "Depends: omgt-missing (>= 2)\n",
                conffile: "",
                postinst: "",
            },
        ],
        &[
            Deb {
                name: "omgt-app",
                version: "9.9",
                fields: "Depends: omgt-lib (>= 1.0)\n",
                conffile: "",
                postinst: "",
            },
            Deb {
                version: "2.0",
                ..PINNED_1_0
            },
        ],
    );
    let sync = bed.omg(&["sync"]);
    assert!(sync.status.success(), "{sync:?}");
    assert_eq!(
        String::from_utf8_lossy(&sync.stderr).trim(),
        "refreshed omgt-backports/main, omgt-stable/main"
    );
    let again = bed.omg(&["sync"]);
    assert_eq!(
        String::from_utf8_lossy(&again.stderr).trim(),
        "the package databases are up to date"
    );
    assert!(
        std::fs::read_dir(&bed.lists)
            .unwrap()
            .flatten()
            .any(|entry| entry.file_name().to_string_lossy().contains("_Packages")),
        "omg sync fetched no lists"
    );
    // NotAutomatic: apt's candidate is the stable 1.0, and so is omg's.
    assert_eq!(bed.candidate("omgt-app"), "1.0");

    // Install with a versioned dependency, through a running omgd: the dependency
    // is marked auto, and the daemon answers with the change right after.
    let daemon = bed.context.start_daemon(&["--backend", "debian"]);
    let installed_version = || {
        let output = bed
            .context
            .omg_via_daemon(&["-v", "info", "--json", "omgt-app"]);
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(stderr.contains("answered by omgd"), "{stderr}");
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        json["installed_version"].as_str().map(str::to_owned)
    };
    assert_eq!(installed_version(), None);
    let output = bed
        .context
        .omg_via_daemon(&["-v", "install", "-y", "omgt-app"]);
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(
        installed_version().as_deref(),
        Some("1.0"),
        "{}",
        daemon.log_text()
    );
    drop(daemon);
    // Recorded in the system's history (these tests run alone: the last entry is
    // this one).
    let history = bed.omg_ok(&["history", "--json", "-n", "1"]);
    let history: serde_json::Value = serde_json::from_str(&history).unwrap();
    let last = &history.as_array().expect("entries")[0];
    assert_eq!(
        last["command"],
        serde_json::json!(["install", "omgt-app"]),
        "{last}"
    );
    assert_eq!(last["result"], "done", "{last}");
    assert_eq!(last["backend"], "debian", "{last}");
    let changed: Vec<&str> = last["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|change| change["name"].as_str())
        .collect();
    assert_eq!(changed, ["omgt-app", "omgt-lib"], "{last}");
    assert_eq!(
        plan_line(&stdout, "omgt-lib"),
        "install omgt-lib 1.0 (dependency)"
    );
    assert_eq!(plan_line(&stdout, "omgt-app"), "install omgt-app 1.0");
    assert_eq!(installed(), ["omgt-app 1.0", "omgt-lib 1.0"]);
    assert_eq!(bed.auto_marked(), ["omgt-lib"]);
    assert_eq!(bed.manual_marked(), ["omgt-app"]);

    // Again: reported, not reinstalled.
    let again = bed.omg(&["install", "-y", "omgt-app"]);
    assert!(again.status.success());
    let text = String::from_utf8_lossy(&again.stdout);
    assert!(text.contains("already installed: omgt-app"), "{text}");

    // A pin above 500 wins over NotAutomatic, as apt-cache policy says.
    assert_eq!(bed.candidate("omgt-pinned"), "2.0");
    bed.omg_ok(&["install", "-y", "omgt-pinned"]);
    assert!(installed().contains(&"omgt-pinned 2.0".to_owned()));

    // Removing what another package needs is refused and names it.
    let refused = bed.omg(&["remove", "-y", "omgt-lib"]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("omgt-app"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(installed().contains(&"omgt-lib 1.0".to_owned()));

    // A dependency no source offers: one line naming it, nothing changed.
    let broken = bed.omg(&["install", "-y", "omgt-broken"]);
    assert!(!broken.status.success(), "{broken:?}");
    let stderr = String::from_utf8_lossy(&broken.stderr);
    assert!(stderr.contains("omgt-missing"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert_eq!(dpkg_state("omgt-broken"), "");

    // Unknown names: one line, nothing changed.
    let unknown = bed.omg(&["install", "-y", "omgt-nonexistent"]);
    assert!(!unknown.status.success());
    let stderr = String::from_utf8_lossy(&unknown.stderr);
    assert!(stderr.contains("omgt-nonexistent"), "{stderr}");

    // A new release: `update --check` lists it and changes nothing, `update -y`
    // upgrades to what apt's candidate is.
    bed.publish(
        &[
            Deb {
                version: "1.1",
                ..LIB_1_0
            },
            Deb {
                name: "omgt-app",
                version: "1.1",
                fields: "Depends: omgt-lib (>= 1.1)\n",
                conffile: "",
                postinst: "",
            },
            PINNED_1_0,
        ],
        &[Deb {
            version: "2.0",
            ..PINNED_1_0
        }],
    );
    // A hold is respected, as apt full-upgrade respects it, and said.
    run("apt-mark", &["hold", "omgt-app"]);
    let held = bed.omg(&["update", "--check"]);
    run("apt-mark", &["unhold", "omgt-app"]);
    let held = String::from_utf8_lossy(&held.stdout).into_owned();
    assert!(
        !held
            .lines()
            .any(|line| line.split_whitespace().nth(1) == Some("omgt-app")),
        "{held}"
    );
    assert!(
        held.contains("kept back") && held.contains("omgt-app"),
        "{held}"
    );
    let check = bed.omg_ok(&["update", "--check"]);
    assert_eq!(plan_line(&check, "omgt-app"), "upgrade omgt-app 1.0 -> 1.1");
    assert_eq!(
        plan_line(&check, "omgt-lib"),
        "upgrade omgt-lib 1.0 -> 1.1 (dependency)"
    );
    assert!(installed().contains(&"omgt-app 1.0".to_owned()));
    bed.omg_ok(&["update", "-y"]);
    assert_eq!(bed.candidate("omgt-app"), "1.1");
    assert_eq!(
        installed(),
        ["omgt-app 1.1", "omgt-lib 1.1", "omgt-pinned 2.0"]
    );
    assert_eq!(bed.auto_marked(), ["omgt-lib"]);

    // --recursive takes what only the removed package needed, and nothing else.
    let stdout = bed.omg_ok(&["remove", "-y", "--recursive", "omgt-app"]);
    assert!(stdout.contains("omgt-lib"), "{stdout}");
    assert_eq!(installed(), ["omgt-pinned 2.0"]);
    // A plain removal leaves the configuration file (dpkg's `rc`), --purge does not.
    bed.omg_ok(&["remove", "-y", "omgt-pinned"]);
    assert!(installed().is_empty());
    assert_eq!(dpkg_state("omgt-pinned"), "rc");
    assert!(Path::new("/etc/omgt-pinned.conf").exists());
    bed.omg_ok(&["install", "-y", "omgt-pinned"]);
    bed.omg_ok(&["remove", "-y", "--purge", "omgt-pinned"]);
    assert_eq!(dpkg_state("omgt-pinned"), "");
    assert!(!Path::new("/etc/omgt-pinned.conf").exists());
}

#[test]
fn corrupt_package_and_held_lock_change_nothing() {
    if !enabled() {
        return;
    }
    let _purge = Purge;
    let bed = Bed::new();
    bed.publish(
        &[
            LIB_1_0,
            APP_1_0,
            Deb {
                name: "omgt-corrupt",
                version: "1.0",
                fields: "",
                conffile: "",
                postinst: "",
            },
        ],
        &[],
    );
    // The package's bytes change after the index named them.
    let corrupt = bed.repo.join("pool/omgt-corrupt_1.0_all.deb");
    let mut bytes = std::fs::read(&corrupt).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&corrupt, bytes).unwrap();
    bed.omg_ok(&["sync"]);
    let output = bed.omg(&["install", "-y", "omgt-corrupt"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.to_lowercase().contains("hash") || stderr.contains("size"),
        "{stderr}"
    );
    assert!(installed().is_empty(), "{:?}", installed());

    // dpkg's frontend lock held by another process: one line naming it.
    let mut holder = std::process::Command::new("python3")
        .args([
            "-c",
            "import fcntl,sys,time\nf=open('/var/lib/dpkg/lock-frontend','w')\nfcntl.lockf(f,fcntl.LOCK_EX)\nprint('locked',flush=True)\ntime.sleep(60)",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(holder.stdout.as_mut().unwrap()),
        &mut line,
    )
    .unwrap();
    assert_eq!(line.trim(), "locked");
    let output = bed.omg(&["install", "-y", "omgt-app"]);
    let _ = holder.kill();
    let _ = holder.wait();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("/var/lib/dpkg/lock-frontend"), "{stderr}");
    assert!(stderr.contains("python3"), "the holder is named: {stderr}");
    assert!(installed().is_empty());
}

/// kill -9 of omg, omgd and dpkg while a maintainer script runs: the next omg says
/// dpkg was interrupted and how to recover, changes nothing, and after dpkg's own
/// recovery (`dpkg --configure -a`) works again with the package configured.
#[test]
fn a_commit_killed_halfway_is_reported_and_recovers_the_dpkg_way() {
    use std::os::unix::process::CommandExt;
    if !enabled() {
        return;
    }
    drop(Purge);
    let _purge = Purge;
    let bed = Bed::new();
    let marker = bed.repo.with_file_name("slow-postinst");
    let started = bed.repo.with_file_name("postinst-started");
    let postinst = format!(
        "if [ -e {marker} ]; then touch {started}; sleep 60; fi",
        marker = marker.display(),
        started = started.display()
    );
    bed.publish(
        &[
            LIB_1_0,
            APP_1_0,
            Deb {
                name: "omgt-slow",
                version: "1.0",
                fields: "",
                conffile: "",
                postinst: &postinst,
            },
        ],
        &[],
    );
    bed.omg_ok(&["sync"]);
    std::fs::write(&marker, "").unwrap();
    let mut child = bed
        .context
        .command(env!("CARGO_BIN_EXE_omg"))
        .args(["install", "-y", "omgt-slow"])
        .env("OMG_NO_DAEMON", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !started.exists() {
        assert!(std::time::Instant::now() < deadline, "postinst never ran");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let group = format!("-{}", child.id());
    run("kill", &["-9", "--", &group]);
    let _ = child.wait();
    // Anything that escaped the group (dpkg may start its own) goes too.
    let _ = std::process::Command::new("pkill")
        .args(["-9", "-f", &marker.display().to_string()])
        .status();
    assert_eq!(
        dpkg_state("omgt-slow"),
        "iF",
        "half-configured after the kill"
    );

    let output = bed.omg(&["install", "-y", "omgt-app"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("dpkg --configure -a"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert_eq!(dpkg_state("omgt-app"), "", "nothing changed");

    std::fs::remove_file(&marker).unwrap();
    run("dpkg", &["--configure", "-a"]);
    assert_eq!(dpkg_state("omgt-slow"), "ii");
    bed.omg_ok(&["install", "-y", "omgt-app"]);
    assert_eq!(dpkg_state("omgt-app"), "ii");
}

/// `omg clean --orphans` on Debian: apt-get autoclean's choice of cached files
/// (what no source offers any more; never through a link) and apt's autoremove.
#[test]
fn clean_drops_what_no_source_offers_and_the_orphans() {
    if !enabled() {
        return;
    }
    drop(Purge);
    let _purge = Purge;
    let bed = Bed::new();
    bed.publish(&[LIB_1_0, APP_1_0], &[]);
    bed.omg_ok(&["sync"]);
    bed.omg_ok(&["install", "-y", "omgt-app"]);
    // Mark the library manual, then drop the app: apt's autoremove has nothing.
    // Then mark it auto again: it is an orphan.
    bed.omg_ok(&["remove", "-y", "omgt-app"]);
    assert_eq!(bed.auto_marked(), ["omgt-lib"]);

    let pool = bed.repo.join("pool");
    let offered = bed.archives.join("omgt-lib_1.0_all.deb");
    std::fs::copy(pool.join("omgt-lib_1.0_all.deb"), &offered).unwrap();
    let gone = bed.archives.join("omgt-lib_0.9_all.deb");
    std::fs::copy(pool.join("omgt-lib_1.0_all.deb"), &gone).unwrap();
    let epoch = bed.archives.join("omgt-old_1%3a2.0_all.deb");
    std::fs::write(&epoch, "not offered").unwrap();
    // A link named like a stale package, pointing at a file that must survive.
    let victim = bed.repo.with_file_name("victim.deb");
    std::fs::write(&victim, "keep me").unwrap();
    let link = bed.archives.join("omgt-link_0.1_all.deb");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    let unrelated = bed.archives.join("lock");
    std::fs::write(&unrelated, "").unwrap();

    let check = bed.omg(&["clean", "--orphans"]);
    let stdout = String::from_utf8_lossy(&check.stdout);
    assert!(stdout.contains("omgt-lib_0.9_all.deb"), "{stdout}");
    assert!(!stdout.contains("omgt-lib_1.0_all.deb"), "{stdout}");
    assert!(
        plan_line(&stdout, "omgt-lib").starts_with("remove omgt-lib"),
        "{stdout}"
    );
    assert!(gone.exists(), "planning changes nothing");

    bed.omg_ok(&["clean", "-y", "--orphans"]);
    assert!(offered.exists(), "a version a source offers stays");
    assert!(
        !gone.exists() && !epoch.exists(),
        "what no source offers goes"
    );
    assert!(
        link.symlink_metadata().is_ok(),
        "a link is not a package file"
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
    assert!(unrelated.exists());
    assert!(installed().is_empty(), "the orphan went: {:?}", installed());
}

/// A throwaway signing key in its own GnuPG home; its public key exported to
/// `keyring` (what a sources entry's `signed-by` names).
fn signing_key(home: &Path, keyring: &Path, name: &str) {
    std::fs::create_dir_all(home).unwrap();
    run("chmod", &["700", home.to_str().unwrap()]);
    let gpg = |args: &[&str]| {
        let mut all = vec!["--batch", "--homedir", home.to_str().unwrap()];
        all.extend(args);
        run("gpg", &all);
    };
    gpg(&[
        "--pinentry-mode",
        "loopback",
        "--passphrase",
        "",
        "--quick-gen-key",
        &format!("{name} <{name}@example.invalid>"),
        "ed25519",
        "sign",
        "never",
    ]);
    gpg(&["--output", keyring.to_str().unwrap(), "--export"]);
}

/// Signs each suite's Release into InRelease with the key in `home`.
fn sign_suites(repo: &Path, home: &Path) {
    for suite in ["omgt-stable", "omgt-backports"] {
        let dir = repo.join("dists").join(suite);
        run(
            "gpg",
            &[
                "--batch",
                "--yes",
                "--homedir",
                home.to_str().unwrap(),
                "--pinentry-mode",
                "loopback",
                "--passphrase",
                "",
                "--clearsign",
                "--output",
                dir.join("InRelease").to_str().unwrap(),
                dir.join("Release").to_str().unwrap(),
            ],
        );
    }
}

/// APT's trusted sources decide, as apt-get's: a repository signed by the key its
/// entry names installs; re-signed by another key, the refresh fails in one line
/// (apt itself only warns and keeps the old lists) and an update installs nothing.
#[test]
fn repository_signatures_are_checked_as_apt_checks_them() {
    if !enabled() {
        return;
    }
    drop(Purge);
    let _purge = Purge;
    let bed = Bed::new();
    let keys = bed.repo.with_file_name("keys");
    let keyring = keys.join("omgt.gpg");
    signing_key(&keys.join("packager"), &keyring, "packager");
    signing_key(
        &keys.join("stranger"),
        &keys.join("stranger.gpg"),
        "stranger",
    );
    // No `trusted=yes`: only the packager's signature makes these lists usable.
    let uri = format!("file:{}", bed.repo.display());
    std::fs::write(
        bed.apt_config.with_file_name("etc").join("sources.list"),
        format!(
            "deb [signed-by={k}] {uri} omgt-stable main\ndeb [signed-by={k}] {uri} omgt-backports main\n",
            k = keyring.display()
        ),
    )
    .unwrap();
    run("chmod", &["644", keyring.to_str().unwrap()]);
    bed.publish(&[LIB_1_0, APP_1_0], &[]);
    sign_suites(&bed.repo, &keys.join("packager"));
    bed.omg_ok(&["sync"]);
    bed.omg_ok(&["install", "-y", "omgt-app"]);
    assert_eq!(dpkg_state("omgt-app"), "ii");

    // A new release signed by a key nobody trusts.
    bed.publish(
        &[
            Deb {
                version: "1.1",
                ..LIB_1_0
            },
            Deb {
                version: "1.1",
                ..APP_1_0
            },
        ],
        &[],
    );
    sign_suites(&bed.repo, &keys.join("stranger"));
    let sync = bed.omg(&["sync"]);
    assert!(!sync.status.success(), "{sync:?}");
    let stderr = String::from_utf8_lossy(&sync.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("signed") || stderr.contains("signature") || stderr.contains("NO_PUBKEY"),
        "{stderr}"
    );
    // (apt keeps a `file:` source's index as a link into the repository, so what
    // the old lists show here follows the repository; over HTTP they would stay.)
    let update = bed.omg(&["update", "-y"]);
    assert!(!update.status.success(), "{update:?}");
    assert_eq!(installed(), ["omgt-app 1.0", "omgt-lib 1.0"]);
}
