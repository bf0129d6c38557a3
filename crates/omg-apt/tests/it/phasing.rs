//! Full upgrades with phased updates, as Ubuntu publishes them
//! (`Phased-Update-Percentage`): whether an upgrade takes one is apt's per-machine
//! draw (`APT::Machine-ID` makes it deterministic) unless apt.conf says always or
//! never. omg's upgrade plan must take exactly what `apt-get -s dist-upgrade`
//! takes on the same tree, with the solver apt-get would use and with the classic
//! one.

use omg_core::{ChangeRequest, PackageAction};
use omg_packages::SystemChanger;
use omg_testbed::{write_suite, AptTree};
use std::path::Path;

fn publish(repo: &Path, architecture: &str) {
    let stanza = |name: &str, version: &str, extra: &str| {
        format!(
            "Package: {name}\nVersion: {version}\nArchitecture: {architecture}\nMaintainer: omg tests <omg@example.invalid>\nSection: misc\nFilename: pool/{name}_{version}.deb\nSize: 100\n{extra}Description: {name} for tests\n\n"
        )
    };
    let fields = "Origin: Ubuntu\nLabel: Ubuntu\nCodename: noble\nVersion: 24.04\n";
    write_suite(
        repo,
        "noble",
        fields,
        &[(
            format!("main/binary-{architecture}/Packages"),
            stanza("omg-phased", "1.0", "") + &stanza("omg-plain", "1.0", ""),
        )],
    );
    write_suite(
        repo,
        "noble-updates",
        fields,
        &[(
            format!("main/binary-{architecture}/Packages"),
            stanza("omg-phased", "1.2", "Phased-Update-Percentage: 40\n")
                + &stanza("omg-plain", "1.1", ""),
        )],
    );
}

/// A tree with the 1.0 of both packages installed and `apt_conf`.
fn tree(apt_conf: &str) -> AptTree {
    let tree = AptTree::new(
        "deb [trusted=yes] file:{repo} noble main\ndeb [trusted=yes] file:{repo} noble-updates main\n",
        apt_conf,
        publish,
    );
    let architecture = omg_testbed::dpkg_architecture();
    let mut status = std::fs::read_to_string(tree.status_file()).unwrap();
    for name in ["omg-phased", "omg-plain"] {
        status.push_str(&format!(
            "\nPackage: {name}\nStatus: install ok installed\nPriority: optional\nSection: misc\nMaintainer: omg tests <omg@example.invalid>\nArchitecture: {architecture}\nVersion: 1.0\nDescription: {name} for tests\n"
        ));
    }
    std::fs::write(tree.status_file(), status).unwrap();
    tree
}

fn apt_upgrades(tree: &AptTree) -> Vec<String> {
    let mut names: Vec<String> = tree
        .apt("apt-get", &["-s", "-q", "dist-upgrade"])
        .lines()
        .filter_map(|line| line.strip_prefix("Inst "))
        .filter_map(|rest| rest.split_whitespace().next())
        .filter(|name| name.starts_with("omg-"))
        .map(str::to_owned)
        .collect();
    names.sort();
    names
}

fn omg_upgrades(tree: &AptTree) -> Vec<String> {
    let changer = crate::changer(tree);
    let plan = changer
        .preview(&ChangeRequest::Upgrade, Box::new(|_| true))
        .expect("a plan");
    let mut names: Vec<String> = plan
        .packages
        .iter()
        .filter(|package| package.action == PackageAction::Upgrade)
        .map(|package| package.name.clone())
        .filter(|name| name.starts_with("omg-"))
        .collect();
    names.sort();
    names
}

/// One tree per test: libapt reads its configuration once per process.
fn agrees_with_apt_get(apt_conf: &str) -> Vec<String> {
    let tree = tree(apt_conf);
    let expected = apt_upgrades(&tree);
    assert!(
        expected.iter().any(|name| name == "omg-plain"),
        "apt-get upgrades {expected:?}"
    );
    assert_eq!(omg_upgrades(&tree), expected, "{apt_conf}");
    expected
}

#[test]
fn a_phased_update_follows_the_machine_id_as_apt_get_does() {
    agrees_with_apt_get("APT::Machine-ID \"0123456789abcdef0123456789abcdef\";\n");
}

#[test]
fn another_machine_draws_as_apt_get_does() {
    agrees_with_apt_get("APT::Machine-ID \"00000000000000000000000000000001\";\n");
}

#[test]
fn a_third_machine_draws_as_apt_get_does() {
    agrees_with_apt_get("APT::Machine-ID \"5e3d1f0a9b8c7d6e5f4a3b2c1d0e9f8a\";\n");
}

#[test]
fn the_classic_solver_draws_as_apt_get_does() {
    agrees_with_apt_get(
        "APT::Solver \"internal\";\nAPT::Machine-ID \"0123456789abcdef0123456789abcdef\";\n",
    );
}

#[test]
fn never_include_phased_updates_keeps_it_back() {
    let taken = agrees_with_apt_get("APT::Get::Never-Include-Phased-Updates \"true\";\n");
    assert!(!taken.iter().any(|name| name == "omg-phased"), "{taken:?}");
}

#[test]
fn always_include_phased_updates_takes_it() {
    let taken = agrees_with_apt_get("APT::Get::Always-Include-Phased-Updates \"true\";\n");
    assert!(taken.iter().any(|name| name == "omg-phased"), "{taken:?}");
}
