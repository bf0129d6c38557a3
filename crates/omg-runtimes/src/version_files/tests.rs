use super::*;

fn parsed(name: &str, contents: &str) -> Vec<(String, String)> {
    parse(name, contents, Path::new(name))
        .unwrap_or_else(|error| panic!("{name}: {error}"))
        .into_iter()
        .map(|(runtime, version)| (runtime.name().to_owned(), version))
        .collect()
}

fn one(name: &str, contents: &str) -> String {
    let requests = parsed(name, contents);
    assert_eq!(requests.len(), 1, "{name}: {requests:?}");
    requests[0].1.clone()
}

fn error(name: &str, contents: &str) -> String {
    parse(name, contents, Path::new(name))
        .expect_err(&format!("{name} should be refused: {contents:?}"))
        .to_string()
}

#[test]
fn nvmrc_accepts_what_nvm_accepts() {
    let table = [
        ("20\n", "20"),
        ("v20.11.1", "20.11.1"),
        ("lts/*", "lts"),
        ("lts/iron\n", "lts/iron"),
        ("lts/Iron", "lts/iron"),
        ("lts-jod", "lts/jod"),
        ("lts/-1", "lts/-1"),
        ("node", "latest"),
        ("stable", "latest"),
        ("system", "system"),
        ("# project node\n\n  22.1  # pinned\n", "22.1"),
        ("engine-strict=true\n20\nfoo=bar\n", "20"),
    ];
    for (contents, expected) in table {
        assert_eq!(one(".nvmrc", contents), expected, "{contents:?}");
    }
}

#[test]
fn nvmrc_refuses_what_nvm_refuses() {
    assert_eq!(error(".nvmrc", ""), ".nvmrc:1: no version in the file");
    assert_eq!(
        error(".nvmrc", "20\n# x\n22\n"),
        ".nvmrc:3: a second version (the first is on line 1); .nvmrc holds one"
    );
    assert!(error(".nvmrc", "node=20\n").starts_with(".nvmrc:1: `node=` is not allowed"));
    assert_eq!(
        error(".nvmrc", "a=1\n20\na=2\n"),
        ".nvmrc:3: `a` is set twice (first on line 1)"
    );
    assert_eq!(
        error(".nvmrc", "20 22\n"),
        ".nvmrc:1: `20 22` is not a version (unexpected ` `)"
    );
}

#[test]
fn single_version_files() {
    assert_eq!(one(".node-version", "v18.19.0\n"), "18.19.0");
    assert_eq!(one(".python-version", "# uv\n3.12\n3.11\n"), "3.12");
    assert_eq!(one(".python-version", "pypy3.10-7.3.17"), "pypy3.10-7.3.17");
    assert_eq!(one(".python-version", "system"), "system");
    assert_eq!(one(".go-version", "1.23.4\n"), "1.23.4");
    assert_eq!(one(".go-version", "go1.22"), "1.22");
    assert_eq!(one(".ruby-version", "ruby-3.3.6\n"), "3.3.6");
    assert_eq!(one(".ruby-version", "3.3.6 # comment"), "3.3.6");
    assert_eq!(one(".ruby-version", "jruby-9.4.9.0"), "jruby-9.4.9.0");
    assert_eq!(one(".java-version", "21\n"), "21");
    assert_eq!(one(".java-version", "temurin-21.0.5"), "21.0.5");
    assert_eq!(one(".bun-version", "1.1.38"), "1.1.38");
    assert_eq!(one(".bun-version", "v1.1.38\n"), "1.1.38");
    assert_eq!(
        error(".python-version", "\n# only a comment\n"),
        ".python-version:1: no version in the file"
    );
    assert_eq!(
        error(".go-version", "\n1.2$3\n"),
        ".go-version:2: `1.2$3` is not a version (unexpected `$`)"
    );
}

#[test]
fn go_mod_prefers_toolchain_then_go() {
    let module = "module example.com/x\n\ngo 1.22 // minimum\n\ntoolchain go1.22.5\n";
    assert_eq!(one("go.mod", module), "1.22.5");
    assert_eq!(one("go.mod", "module x\ngo 1.21.0\n"), "1.21.0");
    assert!(parsed("go.mod", "module x\n// go 1.20\n").is_empty());
    assert_eq!(
        error("go.mod", "module x\ntoolchain 1.22\n"),
        "go.mod:2: toolchain `1.22` does not start with `go`"
    );
}

#[test]
fn rust_toolchain_bare_and_toml() {
    assert_eq!(one("rust-toolchain", "1.83.0\n"), "1.83.0");
    assert_eq!(
        one("rust-toolchain", "nightly-2025-01-01"),
        "nightly-2025-01-01"
    );
    let toml = "[toolchain]\nchannel = \"1.83.0\"\ncomponents = [\"clippy\"]\n";
    assert_eq!(one("rust-toolchain", toml), "1.83.0");
    assert_eq!(one("rust-toolchain.toml", toml), "1.83.0");
    assert_eq!(
        one(
            "rust-toolchain.toml",
            "[toolchain]\ntargets = [\"wasm32-unknown-unknown\"]\n"
        ),
        "stable"
    );
    assert_eq!(
        error("rust-toolchain.toml", "[toolchain]\n"),
        "rust-toolchain.toml:1: [toolchain] is empty"
    );
    assert_eq!(
        error("rust-toolchain.toml", "[toolchain]\nchannel = 1\n"),
        "rust-toolchain.toml:2: `channel` must be a string"
    );
    assert!(
        error("rust-toolchain.toml", "[toolchain]\nchannel = \"1.83\n")
            .starts_with("rust-toolchain.toml:2: ")
    );
    assert!(
        error("rust-toolchain.toml", "[toolchain]\npath = \"/opt/rust\"\n")
            .starts_with("rust-toolchain.toml:2: `path` toolchains")
    );
}

#[test]
fn tool_versions_lines() {
    let contents = "# tools\nnodejs 20.11.1 18\npython 3.12.1   # main\ngolang 1.22\ndeno 2.0.0\n";
    assert_eq!(
        parsed(".tool-versions", contents),
        [
            ("node", "20.11.1"),
            ("python", "3.12.1"),
            ("go", "1.22"),
            ("deno", "2.0.0"),
        ]
        .map(|(r, v)| (r.to_owned(), v.to_owned()))
    );
    assert_eq!(
        error(".tool-versions", "node\n"),
        ".tool-versions:1: `node` has no version"
    );
    assert_eq!(
        error(".tool-versions", "node 20\nnodejs 22\n"),
        ".tool-versions:2: `nodejs` is listed twice"
    );
    // `#` glued to a word is no comment (mise keeps `tool#tag`), and here no version.
    assert_eq!(
        error(".tool-versions", "zig 0.13#x\n"),
        ".tool-versions:1: `0.13#x` is not a version (unexpected `#`)"
    );
}

#[test]
fn mise_toml_tools() {
    let contents = "[env]\nX = \"1\"\n[tools]\nnode = \"lts\"\npython = [\"3.12\", \"3.11\"]\ngo = { version = \"1.23\", os = [\"linux\"] }\nzig = \"0.13\"\n";
    let mut requests = parsed("mise.toml", contents);
    requests.sort();
    assert_eq!(
        requests,
        [
            ("go", "1.23"),
            ("node", "lts"),
            ("python", "3.12"),
            ("zig", "0.13")
        ]
        .map(|(r, v)| (r.to_owned(), v.to_owned()))
    );
    assert!(parsed(".mise.toml", "[env]\nA = \"b\"\n").is_empty());
    assert_eq!(
        error("mise.toml", "[tools]\nnode = 20\n"),
        "mise.toml:2: `node` must be a version string"
    );
    assert_eq!(
        error("mise.toml", "[tools]\npython = []\n"),
        "mise.toml:2: `python` needs at least one version string"
    );
    assert!(error("mise.toml", "[tools\nnode = \"20\"\n").starts_with("mise.toml:1: "));
}

#[test]
fn resolve_takes_the_nearest_file_per_runtime() {
    let root = tempfile::tempdir().unwrap();
    let project = root.path().join("project");
    let nested = project.join("src/deep");
    std::fs::create_dir_all(&nested).unwrap();
    std::fs::write(
        root.path().join(".tool-versions"),
        "nodejs 18\npython 3.11\n",
    )
    .unwrap();
    std::fs::write(project.join(".nvmrc"), "lts/iron\n").unwrap();
    std::fs::write(project.join(".node-version"), "22\n").unwrap();
    std::fs::write(project.join("rust-toolchain"), "1.80.0\n").unwrap();
    std::fs::write(
        project.join("rust-toolchain.toml"),
        "[toolchain]\nchannel = \"1.83.0\"\n",
    )
    .unwrap();
    let found = resolve(&nested).requests;
    let node = &found[&Runtime::Node];
    // .nvmrc comes before .node-version in the same directory.
    assert_eq!(
        (node.version.as_str(), node.file.as_path()),
        ("lts/iron", project.join(".nvmrc").as_path())
    );
    assert_eq!(found[&Runtime::Rust].version, "1.80.0");
    assert_eq!(found[&Runtime::Python].version, "3.11");
    assert_eq!(
        found[&Runtime::Python].file,
        root.path().join(".tool-versions")
    );
}

#[test]
fn resolve_reports_a_malformed_file_by_name_and_line() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join(".python-version"), "\n\n3.1;2\n").unwrap();
    let skipped = resolve(root.path()).skipped;
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    let error = skipped[0].to_string();
    assert_eq!(
        error,
        format!(
            "{}:3: `3.1;2` is not a version (unexpected `;`)",
            root.path().join(".python-version").display()
        )
    );
}

#[test]
fn write_local_rewrites_the_existing_file_or_creates_the_usual_one() {
    let dir = tempfile::tempdir().unwrap();
    let written = write_local(dir.path(), &Runtime::Node, "22.12.0").unwrap();
    assert_eq!(written, dir.path().join(".node-version"));
    assert_eq!(
        resolve(dir.path()).requests[&Runtime::Node].version,
        "22.12.0"
    );
    std::fs::remove_file(&written).unwrap();
    std::fs::write(dir.path().join(".nvmrc"), "lts/iron\n").unwrap();
    let written = write_local(dir.path(), &Runtime::Node, "20.18.1").unwrap();
    assert_eq!(written, dir.path().join(".nvmrc"));
    assert_eq!(
        resolve(dir.path()).requests[&Runtime::Node].version,
        "20.18.1"
    );
    write_local(dir.path(), &Runtime::Rust, "1.83.0").unwrap();
    assert_eq!(
        resolve(dir.path()).requests[&Runtime::Rust].version,
        "1.83.0"
    );
    write_local(dir.path(), &Runtime::parse("zig").unwrap(), "0.13.0").unwrap();
    write_local(dir.path(), &Runtime::parse("zig").unwrap(), "0.14.0").unwrap();
    assert_eq!(
        std::fs::read_to_string(dir.path().join(".tool-versions")).unwrap(),
        "zig 0.14.0\n"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.starts_with(".omg-version-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn issue_8_a_tool_name_that_climbs_out_of_the_tree_is_refused() {
    // Issue 8: `.tool-versions` naming `../../…/proc/self/cwd/.evil` put the
    // repository's own directory first on PATH.
    let refused = error(
        ".tool-versions",
        "node 22\n../../../../../../../../../../proc/self/cwd/.evil 1\n",
    );
    assert!(
        refused.starts_with(".tool-versions:2: `../../"),
        "{refused}"
    );
    for hostile in ["Node 1", "a/b 1", "npm:../x 1", "x:y:z 1", ". 1"] {
        let refused = error(".tool-versions", hostile);
        assert!(
            refused.contains("not a valid runtime name"),
            "{hostile}: {refused}"
        );
    }
    let refused = error("mise.toml", "[tools]\n\"../evil\" = \"1\"\n");
    assert!(refused.contains("not a valid runtime name"), "{refused}");
}

#[test]
fn a_hostile_file_is_skipped_and_a_nearer_or_farther_valid_one_still_decides() {
    let root = tempfile::tempdir().unwrap();
    let project = root.path().join("project");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(root.path().join(".python-version"), "3.12\n").unwrap();
    std::fs::write(project.join(".tool-versions"), "../evil 1\npython 3.11\n").unwrap();
    std::fs::write(project.join(".nvmrc"), [0xff, 0xfe, b'\n']).unwrap();
    std::fs::write(project.join(".node-version"), "22\n").unwrap();
    let resolution = resolve(&project);
    // The bad .tool-versions is skipped whole: python comes from the parent.
    assert_eq!(resolution.requests[&Runtime::Python].version, "3.12");
    assert_eq!(resolution.requests[&Runtime::Node].version, "22");
    let skipped: Vec<String> = resolution.skipped.iter().map(ToString::to_string).collect();
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    assert!(
        skipped
            .iter()
            .any(|s| s.contains(".nvmrc:1: not UTF-8 text")),
        "{skipped:?}"
    );
    assert!(
        skipped.iter().any(|s| s.contains(".tool-versions:1:")),
        "{skipped:?}"
    );
}

#[test]
fn a_fifo_device_or_huge_file_under_a_version_file_name_is_skipped_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join(".nvmrc");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    std::os::unix::fs::symlink("/dev/zero", dir.path().join(".python-version")).unwrap();
    std::fs::write(dir.path().join(".go-version"), "1".repeat(70_000)).unwrap();
    let (sender, receiver) = std::sync::mpsc::channel();
    let path = dir.path().to_owned();
    std::thread::spawn(move || sender.send(resolve(&path)).unwrap());
    // A hang guard only: resolve must return at all, however slow the machine.
    let resolution = receiver
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("resolve blocked on a FIFO or device");
    assert!(resolution.requests.is_empty(), "{:?}", resolution.requests);
    let skipped: Vec<String> = resolution.skipped.iter().map(ToString::to_string).collect();
    assert_eq!(skipped.len(), 3, "{skipped:?}");
}

#[test]
fn write_local_never_writes_through_a_planted_link() {
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "precious\n").unwrap();
    // The names an earlier omg used for its temporary file, and the file itself.
    std::os::unix::fs::symlink(&victim, dir.path().join(".node-version.omg-tmp")).unwrap();
    std::os::unix::fs::symlink(&victim, dir.path().join(".python-version")).unwrap();
    write_local(dir.path(), &Runtime::Node, "22.12.0").unwrap();
    write_local(dir.path(), &Runtime::Python, "3.12.1").unwrap();
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    let python = dir.path().join(".python-version");
    assert!(!std::fs::symlink_metadata(&python).unwrap().is_symlink());
    assert_eq!(std::fs::read_to_string(python).unwrap(), "3.12.1\n");
}
