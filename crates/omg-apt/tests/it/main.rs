//! omg-apt against the machine's own apt on private APT trees (omg-testbed's
//! `AptTree`): plans made through libapt-pkg compared with `apt-get -s`.

mod downloads;
mod phasing;

/// omg-apt's changer on `tree`'s lists, status and configuration.
fn changer(tree: &omg_testbed::AptTree) -> omg_apt::AptChanger {
    omg_apt::AptChanger::new(omg_packages::debian::DebianPaths {
        lists_dir: tree.lists_dir(),
        status_file: tree.status_file(),
        extended_states: tree.extended_states(),
        etc_dir: tree.etc_dir(),
    })
}
