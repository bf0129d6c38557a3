//! Real libalpm transactions on a throwaway root; after each, pacman on the same
//! root must agree, install reason included.

use omg_core::{ChangeRequest, InstallReason, PackageAction, PlannedPackage};
use omg_packages::arch::{ArchBackend, ArchOptions};
use omg_packages::Error;
use omg_testbed::ArchRoot;

fn backend(root: &ArchRoot) -> ArchBackend {
    ArchBackend::new(&ArchOptions {
        config: Some(root.config()),
        root: Some(root.root()),
        dbpath: Some(root.dbpath()),
        ..ArchOptions::default()
    })
    .expect("open backend")
}

fn install(names: &[&str]) -> ChangeRequest {
    ChangeRequest::Install {
        names: names.iter().map(|n| (*n).to_owned()).collect(),
        reinstall: false,
        downgrade: false,
    }
}

fn remove(names: &[&str], recursive: bool) -> ChangeRequest {
    ChangeRequest::Remove {
        names: names.iter().map(|n| (*n).to_owned()).collect(),
        recursive,
        purge: false,
    }
}

fn commit(backend: &ArchBackend, request: &ChangeRequest) {
    let transaction = backend.plan(request).expect("plan");
    transaction.commit(Box::new(|_| {})).expect("commit");
}

/// `pacman -Q` on the root, one `name version` per line.
fn installed(root: &ArchRoot) -> String {
    String::from_utf8_lossy(&root.pacman(&["-Q"]).stdout).into_owned()
}

/// pacman's `Install Reason` for one installed package.
fn pacman_reason(root: &ArchRoot, name: &str) -> InstallReason {
    let info = root.pacman_ok(&["-Qi", name]);
    let line = info
        .lines()
        .find(|line| line.starts_with("Install Reason"))
        .expect("Install Reason line");
    if line.contains("Explicitly installed") {
        InstallReason::Explicit
    } else {
        assert!(line.contains("dependency"), "{line}");
        InstallReason::Dependency
    }
}

/// name, action, old version, new version, reason.
type Summary = (
    String,
    PackageAction,
    Option<String>,
    Option<String>,
    InstallReason,
);

fn summary(packages: &[PlannedPackage]) -> Vec<Summary> {
    packages
        .iter()
        .map(|p| {
            (
                p.name.clone(),
                p.action,
                p.old_version.clone(),
                p.new_version.clone(),
                p.reason,
            )
        })
        .collect()
}

fn some(text: &str) -> Option<String> {
    Some(text.to_owned())
}

#[test]
fn install_plans_versioned_dependency_then_commits_with_reasons() {
    let root = ArchRoot::new();
    let backend = backend(&root);
    let transaction = backend.plan(&install(&["omg-hello"])).expect("plan");
    assert_eq!(
        summary(&transaction.plan().packages),
        [
            (
                "omg-lib".to_owned(),
                PackageAction::Install,
                None,
                some("2.3-1"),
                InstallReason::Dependency
            ),
            (
                "omg-hello".to_owned(),
                PackageAction::Install,
                None,
                some("1.0-1"),
                InstallReason::Explicit
            ),
        ]
    );
    assert!(transaction.plan().download_size() > 0);
    assert!(transaction.plan().size_change() > 0);
    // Planning changes nothing.
    assert_eq!(installed(&root), "");
    transaction.commit(Box::new(|_| {})).expect("commit");
    assert_eq!(installed(&root), "omg-hello 1.0-1\nomg-lib 2.3-1\n");
    assert_eq!(pacman_reason(&root, "omg-hello"), InstallReason::Explicit);
    assert_eq!(pacman_reason(&root, "omg-lib"), InstallReason::Dependency);
    assert!(root.root().join("usr/bin/omg-hello").is_file());
    assert!(!root.dbpath().join("db.lck").exists());
}

#[test]
fn install_with_provided_dependency_equals_pacman() {
    let ours = ArchRoot::new();
    let theirs = ArchRoot::new();
    commit(&backend(&ours), &install(&["omg-chain-top", "omg-epoch"]));
    theirs.install(&["omg-chain-top", "omg-epoch"]);
    assert_eq!(installed(&ours), installed(&theirs));
    assert!(
        installed(&ours).contains("omg-epoch 1:0.9-1\n"),
        "{}",
        installed(&ours)
    );
    for line in installed(&theirs).lines() {
        let name = line.split(' ').next().unwrap();
        assert_eq!(
            pacman_reason(&ours, name),
            pacman_reason(&theirs, name),
            "{name}"
        );
    }
}

#[test]
fn install_by_provided_name_and_repo_prefix() {
    let root = ArchRoot::new();
    let backend = backend(&root);
    let plan = backend
        .plan(&install(&["omg-greeter", "omgtest/omg-zebra"]))
        .expect("plan");
    let names: Vec<&str> = plan
        .plan()
        .packages
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(names, ["omg-lib", "omg-hello", "omg-zebra"]);
}

#[test]
fn already_installed_is_reported_not_reinstalled() {
    let root = ArchRoot::new();
    root.install(&["omg-hello"]);
    let log = std::fs::read_to_string(root.root().join("var/log/pacman.log")).unwrap();
    let backend = backend(&root);
    let transaction = backend.plan(&install(&["omg-hello"])).expect("plan");
    assert!(transaction.plan().is_empty());
    assert_eq!(transaction.plan().already_installed, ["omg-hello"]);
    transaction
        .commit(Box::new(|_| {}))
        .expect("commit nothing");
    assert_eq!(
        std::fs::read_to_string(root.root().join("var/log/pacman.log")).unwrap(),
        log
    );
    let again = backend
        .plan(&ChangeRequest::Install {
            names: vec!["omg-hello".to_owned()],
            reinstall: true,
            downgrade: false,
        })
        .expect("plan");
    assert_eq!(
        summary(&again.plan().packages),
        [(
            "omg-hello".to_owned(),
            PackageAction::Reinstall,
            some("1.0-1"),
            some("1.0-1"),
            InstallReason::Explicit
        )]
    );
}

#[test]
fn unknown_package_is_not_found_and_changes_nothing() {
    let root = ArchRoot::new();
    let error = backend(&root)
        .plan(&install(&["omg-hello", "omg-nope"]))
        .unwrap_err();
    assert!(
        matches!(&error, Error::NotFound { names } if names == &["omg-nope"]),
        "{error}"
    );
    assert_eq!(error.to_string(), "not found in any repository: omg-nope");
    assert_eq!(installed(&root), "");
    assert!(!root.dbpath().join("db.lck").exists());
}

#[test]
fn removing_a_needed_package_is_refused_naming_dependents() {
    let root = ArchRoot::new();
    root.install(&["omg-hello-extras"]);
    let before = installed(&root);
    let error = backend(&root)
        .plan(&remove(&["omg-lib"], false))
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "cannot remove omg-lib: omg-hello needs it"
    );
    assert_eq!(installed(&root), before);
    assert!(!root.dbpath().join("db.lck").exists());
}

#[test]
fn remove_keeps_dependencies_unless_recursive() {
    let root = ArchRoot::new();
    root.install(&["omg-hello", "omg-zebra"]);
    let backend = backend(&root);
    let plain = backend.plan(&remove(&["omg-hello"], false)).expect("plan");
    assert_eq!(
        summary(&plain.plan().packages),
        [(
            "omg-hello".to_owned(),
            PackageAction::Remove,
            some("1.0-1"),
            None,
            InstallReason::Explicit
        )]
    );
    assert!(plain.plan().size_change() < 0);
    drop(plain);
    let recursive = backend.plan(&remove(&["omg-hello"], true)).expect("plan");
    let mut names: Vec<&str> = recursive
        .plan()
        .packages
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["omg-hello", "omg-lib"]);
    recursive.commit(Box::new(|_| {})).expect("commit");
    assert_eq!(installed(&root), "omg-zebra 1.0-1\n");
    assert!(!root.root().join("usr/bin/omg-hello").exists());
}

#[test]
fn remove_without_recursive_leaves_dependency_installed() {
    let root = ArchRoot::new();
    root.install(&["omg-hello"]);
    commit(&backend(&root), &remove(&["omg-hello"], false));
    assert_eq!(installed(&root), "omg-lib 2.3-1\n");
    assert_eq!(pacman_reason(&root, "omg-lib"), InstallReason::Dependency);
}

#[test]
fn a_held_lock_is_reported_and_left_alone() {
    let root = ArchRoot::new();
    let lock = root.dbpath().join("db.lck");
    std::fs::write(&lock, b"").unwrap();
    let error = backend(&root).plan(&install(&["omg-zebra"])).unwrap_err();
    assert!(
        matches!(&error, Error::Locked { lockfile } if *lockfile == lock),
        "{error}"
    );
    assert!(
        error.to_string().contains(&lock.display().to_string()),
        "{error}"
    );
    assert!(lock.exists());
    assert_eq!(installed(&root), "");
}

#[test]
fn a_planned_transaction_holds_the_lock_until_dropped() {
    let root = ArchRoot::new();
    let backend = backend(&root);
    let transaction = backend.plan(&install(&["omg-zebra"])).expect("plan");
    assert!(root.dbpath().join("db.lck").exists());
    assert!(matches!(
        backend.plan(&install(&["omg-lib"])),
        Err(Error::Locked { .. })
    ));
    drop(transaction);
    assert!(!root.dbpath().join("db.lck").exists());
    assert_eq!(installed(&root), "");
}

#[test]
fn upgrade_plans_old_to_new_and_commits() {
    let root = ArchRoot::new();
    root.install(&["omg-hello"]);
    root.publish_upgrade();
    let backend = backend(&root);
    let transaction = backend.plan(&ChangeRequest::Upgrade).expect("plan");
    assert_eq!(
        summary(&transaction.plan().packages),
        [(
            "omg-hello".to_owned(),
            PackageAction::Upgrade,
            some("1.0-1"),
            some("1.1-1"),
            InstallReason::Explicit
        )]
    );
    let mut events = Vec::new();
    let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let sink = std::rc::Rc::clone(&seen);
    transaction
        .commit(Box::new(move |event| sink.borrow_mut().push(event)))
        .expect("commit");
    events.extend(seen.borrow().iter().cloned());
    assert!(
        events.iter().any(|event| matches!(
            event,
            omg_core::ChangeEvent::Package { action: PackageAction::Upgrade, name, .. } if name == "omg-hello"
        )),
        "{events:?}"
    );
    assert_eq!(installed(&root), "omg-hello 1.1-1\nomg-lib 2.3-1\n");
    assert_eq!(pacman_reason(&root, "omg-hello"), InstallReason::Explicit);
    assert!(backend
        .plan(&ChangeRequest::Upgrade)
        .expect("plan")
        .plan()
        .is_empty());
}

#[test]
fn sync_reports_changed_repositories() {
    let root = ArchRoot::new();
    let backend = backend(&root);
    assert_eq!(backend.sync(true).expect("sync"), ["omgtest"]);
}

#[test]
fn a_conflict_is_refused_and_nothing_is_removed() {
    let root = ArchRoot::new();
    root.install(&["omg-virtual-a"]);
    let error = backend(&root)
        .plan(&install(&["omg-virtual-b"]))
        .unwrap_err();
    assert!(
        matches!(&error, Error::Conflict { pairs } if pairs.contains(&("omg-virtual-b".to_owned(), "omg-virtual-a".to_owned()))),
        "{error}"
    );
    assert_eq!(installed(&root), "omg-virtual-a 1.0-1\n");
    // pacman under --noconfirm refuses the same way.
    assert!(!root.pacman(&["-S", "omg-virtual-b"]).status.success());
}

#[test]
fn split_packages_install_like_pacman() {
    let ours = ArchRoot::new();
    let theirs = ArchRoot::new();
    commit(
        &backend(&ours),
        &install(&["omg-split-core", "omg-split-extra"]),
    );
    theirs.install(&["omg-split-core", "omg-split-extra"]);
    assert_eq!(installed(&ours), installed(&theirs));
    assert_eq!(
        installed(&ours),
        "omg-split-core 4.2-1\nomg-split-extra 4.2-1\n"
    );
}

#[test]
fn a_corrupt_package_aborts_installs_nothing_and_leaves_no_cached_file() {
    let root = ArchRoot::new();
    let file = "omg-zebra-1.0-1-any.pkg.tar.zst";
    let original = std::fs::read(root.repo_dir().join(file)).unwrap();
    let mut corrupt = original.clone();
    let middle = corrupt.len() / 2;
    corrupt[middle] ^= 0xff;
    std::fs::write(root.repo_dir().join(file), &corrupt).unwrap();
    let transaction = backend(&root).plan(&install(&["omg-zebra"])).expect("plan");
    let error = transaction.commit(Box::new(|_| {})).unwrap_err();
    let text = error.to_string();
    assert!(text.contains(file), "{text}");
    assert!(text.contains("removed from the cache"), "{text}");
    assert_eq!(installed(&root), "");
    assert!(!root.root().join("var/cache/pacman/pkg").join(file).exists());
    assert!(!root.dbpath().join("db.lck").exists());
}

#[test]
fn a_downgrade_is_refused_unless_asked_and_never_part_of_an_upgrade() {
    let root = ArchRoot::new();
    root.publish_upgrade();
    root.install(&["omg-hello"]);
    // The repository goes back to 1.0-1.
    let output = std::process::Command::new("repo-add")
        .args(["-q", "omgtest.db.tar.gz", "omg-hello-1.0-1-any.pkg.tar.zst"])
        .current_dir(root.repo_dir())
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    root.pacman_ok(&["-Syy"]);
    let backend = backend(&root);
    let error = backend.plan(&install(&["omg-hello"])).unwrap_err();
    assert_eq!(
        error.to_string(),
        "omg-hello: the installed 1.1-1 is newer than the 1.0-1 the repositories offer \
         (--downgrade installs it anyway)"
    );
    assert!(!root.dbpath().join("db.lck").exists());
    assert!(backend
        .plan(&ChangeRequest::Upgrade)
        .expect("plan")
        .plan()
        .is_empty());
    let asked = ChangeRequest::Install {
        names: vec!["omg-hello".to_owned()],
        reinstall: false,
        downgrade: true,
    };
    let transaction = backend.plan(&asked).expect("plan");
    assert_eq!(
        summary(&transaction.plan().packages),
        [(
            "omg-hello".to_owned(),
            PackageAction::Downgrade,
            some("1.1-1"),
            some("1.0-1"),
            InstallReason::Explicit
        )]
    );
    transaction.commit(Box::new(|_| {})).expect("commit");
    assert_eq!(installed(&root), "omg-hello 1.0-1\nomg-lib 2.3-1\n");
}

#[test]
fn upgrade_replaces_a_renamed_package_and_says_so() {
    let ours = ArchRoot::new();
    let theirs = ArchRoot::new();
    for root in [&ours, &theirs] {
        root.install_local("omg-oldname");
    }
    let transaction = backend(&ours).plan(&ChangeRequest::Upgrade).expect("plan");
    assert_eq!(
        transaction.plan().notes,
        ["omg-renamed replaces omg-oldname"]
    );
    assert_eq!(
        summary(&transaction.plan().packages),
        [
            (
                "omg-oldname".to_owned(),
                PackageAction::Remove,
                some("1.0-1"),
                None,
                InstallReason::Explicit
            ),
            (
                "omg-renamed".to_owned(),
                PackageAction::Install,
                None,
                some("3.0-1"),
                InstallReason::Explicit
            ),
        ]
    );
    transaction.commit(Box::new(|_| {})).expect("commit");
    theirs.pacman_ok(&["-Su"]);
    assert_eq!(installed(&ours), installed(&theirs));
    assert_eq!(installed(&ours), "omg-renamed 3.0-1\n");
    assert_eq!(
        pacman_reason(&ours, "omg-renamed"),
        pacman_reason(&theirs, "omg-renamed")
    );
}

#[test]
fn hooks_run_and_their_output_is_reported() {
    let root = ArchRoot::new();
    std::fs::write(
        root.root().join("etc/pacman.d/hooks/hello.hook"),
        "[Trigger]\nOperation = Install\nType = Package\nTarget = omg-zebra\n\n[Action]\nDescription = Saying hello\nWhen = PostTransaction\nExec = /bin/sh -c 'echo hello from a hook'\n",
    )
    .unwrap();
    let transaction = backend(&root).plan(&install(&["omg-zebra"])).expect("plan");
    let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let sink = std::rc::Rc::clone(&seen);
    transaction
        .commit(Box::new(move |event| sink.borrow_mut().push(event)))
        .expect("commit");
    let events = seen.borrow();
    let hook = events.iter().position(|e| {
        *e == omg_core::ChangeEvent::Hook {
            name: "Saying hello".to_owned(),
        }
    });
    let line = events.iter().position(|e| {
        *e == omg_core::ChangeEvent::ScriptOutput {
            line: "hello from a hook".to_owned(),
        }
    });
    assert!(
        hook.is_some() && line.is_some() && hook < line,
        "{events:?}"
    );
}

#[test]
fn an_upgrade_leaves_ignored_packages_alone() {
    let root = ArchRoot::new();
    root.install(&["omg-hello"]);
    let text = std::fs::read_to_string(root.config()).unwrap();
    std::fs::write(
        root.config(),
        text.replacen("[options]\n", "[options]\nIgnorePkg = omg-hello\n", 1),
    )
    .unwrap();
    root.publish_upgrade();
    let backend = backend(&root);
    assert!(backend
        .plan(&ChangeRequest::Upgrade)
        .expect("plan")
        .plan()
        .is_empty());
    // pacman agrees: nothing to do.
    root.pacman_ok(&["-Su"]);
    assert_eq!(installed(&root), "omg-hello 1.0-1\nomg-lib 2.3-1\n");
}
