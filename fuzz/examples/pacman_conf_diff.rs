//! Replays a `pacman_conf` corpus through pacman's own parser (`pacman-conf`, from
//! Debian's pacman-package-manager) and prints the inputs where omg reads other
//! repositories or servers, or fails where pacman does not (or the reverse). Run
//! from the repository root after a fuzzing run:
//! `cargo run --manifest-path fuzz/Cargo.toml --example pacman_conf_diff -- fuzz/work/pacman_conf`.

use omg_packages::pacman::conf::PacmanConf;
use std::path::Path;
use std::process::Command;

type Summary = Result<Vec<(String, Vec<String>)>, String>;

fn main() {
    let dir = std::env::args()
        .nth(1)
        .expect("usage: pacman_conf_diff CORPUS_DIR");
    let scratch = tempfile::tempdir().expect("scratch");
    let prefix = format!("{}/", scratch.path().display());
    let (mut same, mut differ) = (0, 0);
    for entry in std::fs::read_dir(&dir).expect("corpus directory") {
        let data = std::fs::read(entry.expect("entry").path()).expect("input");
        // The target skips these (see fuzz_targets/pacman_conf.rs).
        if data
            .iter()
            .enumerate()
            .any(|(at, &byte)| byte == b'/' && (at == 0 || data[at - 1] != b'@'))
        {
            continue;
        }
        for old in std::fs::read_dir(scratch.path()).expect("scratch") {
            let _ = std::fs::remove_file(old.expect("entry").path());
        }
        let mut parts = data.splitn(3, |&byte| byte == 0);
        for name in ["pacman.conf", "a.conf", "b.conf"] {
            let text = String::from_utf8_lossy(parts.next().unwrap_or_default());
            std::fs::write(scratch.path().join(name), text.replace("@/", &prefix)).expect("write");
        }
        let path = scratch.path().join("pacman.conf");
        let ours: Summary = PacmanConf::load(&path)
            .map(|conf| {
                conf.repos
                    .into_iter()
                    .map(|repo| (repo.name, repo.servers))
                    .collect()
            })
            .map_err(|error| error.to_string());
        let theirs = pacman_conf(&path);
        let agree = match (&ours, &theirs) {
            (Ok(a), Ok(b)) => a == b,
            (Err(_), Err(_)) => true,
            _ => false,
        };
        if agree {
            same += 1;
            continue;
        }
        differ += 1;
        if differ <= 20 {
            println!(
                "--- {:?}\nomg:    {ours:?}\npacman: {theirs:?}",
                String::from_utf8_lossy(&data)
            );
        }
    }
    println!("agree on {same} inputs, differ on {differ}");
}

fn pacman_conf(path: &Path) -> Summary {
    let run = |args: &[&str]| {
        let output = Command::new("pacman-conf")
            .arg("-c")
            .arg(path)
            .args(args)
            .output()
            .expect("run pacman-conf");
        if output.status.success() {
            Ok(String::from_utf8_lossy(&output.stdout).into_owned())
        } else {
            Err(String::from_utf8_lossy(&output.stderr).trim().to_owned())
        }
    };
    run(&["--repo-list"])?
        .lines()
        .map(|name| {
            let servers = run(&["--repo", name])?
                .lines()
                .filter_map(|line| line.strip_prefix("Server = "))
                .map(str::to_owned)
                .collect();
            Ok((name.to_owned(), servers))
        })
        .collect()
}
