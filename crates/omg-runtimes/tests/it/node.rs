use omg_runtimes::node::NodeMirror;
use omg_runtimes::{Layout, Runtime, RuntimeManager};
use omg_testbed::{node_dist, HttpServer, NODE_LYING_VERSION, NODE_MISSING_VERSIONS, NODE_VERSION};
use std::path::Path;

struct Setup {
    server: HttpServer,
    mirror: NodeMirror,
    data: tempfile::TempDir,
    layout: Layout,
}

fn setup() -> Setup {
    let server = HttpServer::serve(&node_dist().root);
    let mirror = NodeMirror::new(&format!("{}/", server.url()));
    let data = tempfile::tempdir().unwrap();
    let layout = Layout::new(data.path());
    Setup {
        server,
        mirror,
        data,
        layout,
    }
}

impl Setup {
    fn downloads(&self) -> std::path::PathBuf {
        self.data.path().join("downloads")
    }

    fn install(&self, request: &str) -> omg_runtimes::Result<std::path::PathBuf> {
        let version = self.mirror.resolve(request)?;
        self.mirror
            .install(&self.layout, &version, &self.downloads(), &mut |_, _| {})
    }

    /// Everything under the data directory, for "nothing left behind" checks.
    fn tree(&self) -> Vec<String> {
        fn walk(dir: &Path, base: &Path, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                out.push(path.strip_prefix(base).unwrap().display().to_string());
                if entry.file_type().unwrap().is_dir() {
                    walk(&path, base, out);
                }
            }
        }
        let mut out = Vec::new();
        walk(self.data.path(), self.data.path(), &mut out);
        out.sort();
        out
    }
}

#[test]
fn installs_a_real_node_that_runs() {
    let setup = setup();
    let dir = setup.install("22").unwrap();
    assert_eq!(
        dir,
        setup
            .layout
            .version_dir(&Runtime::Node, NODE_VERSION)
            .unwrap()
    );
    let output = std::process::Command::new(dir.join("bin/node"))
        .arg("--version")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        format!("v{NODE_VERSION}")
    );
    let output = std::process::Command::new(dir.join("bin/node"))
        .args(["-e", "console.log(6 * 7)"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "42");
    // Installed once: asking again reuses it, and "lts" means the same release.
    assert_eq!(setup.install("lts").unwrap(), dir);
    assert_eq!(
        setup.layout.installed(&Runtime::Node).unwrap(),
        [NODE_VERSION]
    );
    crate::selects(
        &setup.layout,
        &Runtime::Node,
        ".nvmrc",
        "lts/jod\n",
        NODE_VERSION,
    );
    setup
        .layout
        .set_current(&Runtime::Node, NODE_VERSION)
        .unwrap();
    assert_eq!(
        setup.layout.current(&Runtime::Node).as_deref(),
        Some(NODE_VERSION)
    );
    // The downloaded tarball does not stay around.
    assert!(
        setup.tree().iter().all(|path| !path.ends_with(".tar.gz")),
        "{:?}",
        setup.tree()
    );
}

#[test]
fn a_lying_checksum_installs_nothing() {
    let setup = setup();
    let error = setup.install(NODE_LYING_VERSION).unwrap_err().to_string();
    assert!(
        error.contains("checksum mismatch: expected sha256 0000"),
        "{error}"
    );
    let left = setup.tree();
    assert!(
        left.iter()
            .all(|path| path == "downloads" || path == "versions" || path == "versions/node"),
        "{left:?}"
    );
}

#[test]
fn a_missing_tarball_is_a_clear_error_and_installs_nothing() {
    let setup = setup();
    // Listed in index.json, absent from the mirror.
    let error = setup.install("lts/-1").unwrap_err().to_string();
    assert!(
        error.ends_with(&format!(
            "/v{}/SHASUMS256.txt: HTTP 404",
            NODE_MISSING_VERSIONS[1]
        )),
        "{error}"
    );
    assert!(setup.layout.installed(&Runtime::Node).unwrap().is_empty());
}

#[test]
fn an_unmatched_request_names_runtime_request_and_platform() {
    let setup = setup();
    let error = setup.install("21").unwrap_err().to_string();
    assert_eq!(
        error,
        format!(
            "no node release matches `21` for {}",
            omg_runtimes::node::platform()
        )
    );
}

#[test]
fn concurrent_installs_of_one_version_both_succeed_and_install_it_once() {
    let setup = setup();
    let results: Vec<_> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..3)
            .map(|_| scope.spawn(|| setup.install("22")))
            .collect();
        workers
            .into_iter()
            .map(|worker| worker.join().unwrap())
            .collect()
    });
    for result in results {
        let dir = result.unwrap_or_else(|error| panic!("{error}"));
        assert!(dir.join("bin/node").is_file());
    }
    assert_eq!(
        setup.layout.installed(&Runtime::Node).unwrap(),
        [NODE_VERSION]
    );
    let tarballs = setup
        .server
        .requests()
        .iter()
        .filter(|request| request.contains(".tar.gz"))
        .count();
    assert_eq!(tarballs, 1, "{:?}", setup.server.requests());
}
