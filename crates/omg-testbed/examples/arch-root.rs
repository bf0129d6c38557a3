//! Creates a hermetic Arch root with the test repository, installs the packages
//! named on the command line, and prints the pacman.conf path (for benchmarks).

use omg_testbed::ArchRoot;

#[expect(clippy::print_stdout, reason = "the path is this program's output")]
fn main() {
    let names: Vec<String> = std::env::args().skip(1).collect();
    let root = ArchRoot::new();
    if !names.is_empty() {
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        root.install(&names);
    }
    let config = root.config();
    let _kept = root.keep();
    println!("{}", config.display());
}
