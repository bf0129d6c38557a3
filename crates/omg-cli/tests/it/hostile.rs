//! What a cloned repository or a hostile mirror can put in front of omg: version
//! files that name paths, specs that climb out of the versions tree, and archives
//! whose links lead elsewhere. Each test tries the attack and checks that nothing
//! outside was touched and the prompt kept working.

use crate::runtimes::Runtimes;
use std::path::Path;

/// The hostile project of issue 8: a `.tool-versions` whose tool name climbs
/// to the process's own working directory, with the script it wants run as `ls`.
fn evil_project() -> tempfile::TempDir {
    let project = tempfile::tempdir().unwrap();
    let bin = project.path().join(".evil/1/bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::write(bin.join("ls"), "#!/bin/sh\necho owned\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(bin.join("ls"), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(
        project.path().join(".tool-versions"),
        "../../../../../../../../../../proc/self/cwd/.evil 1\n",
    )
    .unwrap();
    project
}

fn hook_env(runtimes: &Runtimes, dir: &Path, warned: Option<&str>) -> (String, String, i32) {
    let mut command = runtimes.context.command(env!("CARGO_BIN_EXE_omg"));
    command
        .current_dir(dir)
        .env("OMG_NO_DAEMON", "1")
        .args(["hook-env", "--shell", "bash"]);
    if let Some(warned) = warned {
        command.env("__OMG_WARNED", warned);
    }
    let output = command.output().unwrap();
    (
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
        output.status.code().unwrap_or(-1),
    )
}

fn exported<'a>(script: &'a str, name: &str) -> &'a str {
    script
        .split(&format!("export {name}='"))
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap_or_else(|| panic!("no {name} in {script}"))
}

#[test]
fn issue_8_a_tool_versions_name_climbing_out_never_reaches_path() {
    let runtimes = Runtimes::new();
    let home = runtimes.context.home().to_owned();
    // The hole needed any runtime installed, so that the versions tree exists.
    runtimes.ok_in(&home, &["use", "node", "22"]);
    let project = evil_project();
    let file = project.path().join(".tool-versions");

    let (script, stderr, code) = hook_env(&runtimes, project.path(), None);
    assert_eq!(code, 0, "{stderr}");
    let path = exported(&script, "PATH");
    assert!(
        !path.contains(".evil") && !path.contains("/proc/"),
        "{path}"
    );
    assert!(
        path.contains("versions/node/"),
        "the default still applies: {path}"
    );
    let warning = format!("warning: {}:1: `../../", file.display());
    assert_eq!(stderr.matches("warning: ").count(), 1, "{stderr}");
    assert!(stderr.starts_with(&warning), "{stderr}");

    // The shell keeps what it was told: the same file is not reported again.
    let warned = exported(&script, "__OMG_WARNED").to_owned();
    let (_, stderr, code) = hook_env(&runtimes, project.path(), Some(&warned));
    assert_eq!((code, stderr.as_str()), (0, ""));
    // Edited, it is reported again.
    std::fs::write(&file, "../../evil 1\nnode 22\n").unwrap();
    let (_, stderr, code) = hook_env(&runtimes, project.path(), Some(&warned));
    assert_eq!(code, 0);
    assert!(
        stderr.starts_with(&format!("warning: {}:1: ", file.display())),
        "{stderr}"
    );

    let which = runtimes.omg_in(project.path(), &["which", "ls"]);
    assert_eq!(which.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&which.stdout), "");
    let current = runtimes.omg_in(project.path(), &["current"]);
    let stdout = String::from_utf8_lossy(&current.stdout);
    assert!(!stdout.contains("evil"), "{stdout}");
    assert!(
        String::from_utf8_lossy(&current.stderr)
            .starts_with(&format!("warning: {}:1:", file.display())),
        "{}",
        String::from_utf8_lossy(&current.stderr)
    );
}

#[test]
fn hook_env_exits_0_on_every_broken_version_file_and_a_nearer_valid_one_decides() {
    let runtimes = Runtimes::new();
    let home = runtimes.context.home().to_owned();
    runtimes.ok_in(&home, &["install", "node@22"]);
    let project = tempfile::tempdir().unwrap();
    let nested = project.path().join("app");
    std::fs::create_dir_all(&nested).unwrap();
    std::fs::write(nested.join(".node-version"), "22\n").unwrap();
    for (name, contents) in [
        (".nvmrc", b"\xff\xfe\x00binary".as_slice()),
        (".python-version", b"3.1;2\n"),
        ("mise.toml", b"[tools\n"),
        (".tool-versions", b"Node 22\n"),
    ] {
        std::fs::write(nested.join(name), contents).unwrap();
    }
    let fifo = project.path().join(".go-version");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let (script, stderr, code) = hook_env(&runtimes, &nested, None);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        exported(&script, "PATH").contains("versions/node/"),
        "{script}"
    );
    assert_eq!(stderr.lines().count(), 5, "{stderr}");
    assert!(
        stderr.lines().all(|line| line.starts_with("warning: ")),
        "{stderr}"
    );
    assert!(stderr.contains(".nvmrc:1: not UTF-8 text"), "{stderr}");
    assert!(
        stderr.contains(".go-version:1: not a regular file"),
        "{stderr}"
    );
    assert!(
        !stderr.contains('\0'),
        "control characters reached the terminal"
    );
}

#[test]
fn specs_naming_paths_touch_nothing() {
    let runtimes = Runtimes::new();
    let home = runtimes.context.home().to_owned();
    runtimes.ok_in(&home, &["install", "node@22"]);
    // `versions/node/../../victim` is `$XDG_DATA_HOME/omg/victim`.
    let victim = home.join("data/omg/victim");
    std::fs::create_dir_all(&victim).unwrap();
    std::fs::write(victim.join("keep"), "x").unwrap();
    for args in [
        ["uninstall", "node@../../victim"].as_slice(),
        &["uninstall", "../../data@1"],
        &["use", "../../data", "1"],
        &["list", "../x"],
    ] {
        let output = runtimes.omg_in(&home, args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("is not a valid"), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    }
    assert!(victim.join("keep").is_file());
    let (list, _) = runtimes.ok_in(&home, &["list", "node"]);
    assert!(list.starts_with("node 22."), "{list}");
}

/// A nodejs.org-shaped mirror offering one release whose tarball holds `entries`
/// (Python's tarfile writes any link a hostile archive can hold), with a correct
/// SHASUMS256.txt: the checksum is right, the content is not.
fn hostile_node_mirror(root: &Path, entries: &str) {
    let version = "9.9.9";
    let dir = root.join(format!("v{version}"));
    std::fs::create_dir_all(&dir).unwrap();
    let name = format!("node-v{version}-linux-x64.tar.gz");
    let script = format!(
        "import io, tarfile\n\
         with tarfile.open({path:?}, 'w:gz') as t:\n\
         \x20   for kind, name, link, data in [{entries}]:\n\
         \x20       info = tarfile.TarInfo('node-v{version}-linux-x64/' + name)\n\
         \x20       info.type = {{'d': tarfile.DIRTYPE, 'l': tarfile.SYMTYPE, 'f': tarfile.REGTYPE}}[kind]\n\
         \x20       info.linkname = link\n\
         \x20       info.mode = 0o755\n\
         \x20       info.size = len(data)\n\
         \x20       t.addfile(info, io.BytesIO(data))\n",
        path = dir.join(&name).display().to_string(),
    );
    let status = std::process::Command::new("python3")
        .args(["-c", &script])
        .status()
        .unwrap();
    assert!(status.success());
    let sum = std::process::Command::new("sha256sum")
        .arg(dir.join(&name))
        .output()
        .unwrap();
    let sum = String::from_utf8(sum.stdout).unwrap();
    let sha = sum.split_whitespace().next().unwrap();
    std::fs::write(dir.join("SHASUMS256.txt"), format!("{sha}  {name}\n")).unwrap();
    std::fs::write(
        root.join("index.json"),
        format!(r#"[{{"version": "v{version}", "files": ["linux-x64"], "lts": false}}]"#),
    )
    .unwrap();
}

#[test]
fn issue_8_a_verified_tarball_cannot_write_through_its_links() {
    let victim_dir = tempfile::tempdir().unwrap();
    let victim = victim_dir.path().join("victim");
    std::fs::write(&victim, "precious").unwrap();
    // `a/b -> ..` makes `a/b/a/b/..` climb; enough climbs reach `/`, then the
    // victim's absolute path, all of it textually inside the tree.
    let climb = "a/b/".repeat(20) + &"../".repeat(20);
    let target = format!(
        "{climb}{}",
        victim.display().to_string().trim_start_matches('/')
    );
    let cases = [
        format!("('d', 'a', '', b''), ('l', 'a/b', '..', b''), ('l', 'x', {target:?}, b''), ('f', 'x', '', b'owned')"),
        "('l', 'bin', '../../../../../../../..', b''), ('f', 'bin/node', '', b'owned')".to_owned(),
    ];
    for entries in cases {
        let mirror = tempfile::tempdir().unwrap();
        hostile_node_mirror(mirror.path(), &entries);
        let server = omg_testbed::HttpServer::serve(mirror.path());
        let context = crate::common::Context::new();
        let output = context
            .command(env!("CARGO_BIN_EXE_omg"))
            .env("OMG_NO_DAEMON", "1")
            .env("OMG_NODE_MIRROR", server.url())
            .args(["install", "node@9"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("refused entry"), "{stderr}");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        // Nothing half-installed: no version, no staging left behind.
        let node = context.home().join("data/omg/versions/node");
        let left: Vec<_> = std::fs::read_dir(&node)
            .map(|entries| entries.map(|e| e.unwrap().file_name()).collect())
            .unwrap_or_default();
        assert!(left.is_empty(), "{left:?}");
    }
}

#[test]
fn an_archive_past_the_configured_unpack_limit_is_refused_and_leaves_nothing() {
    let runtimes = Runtimes::new();
    let home = runtimes.context.home().to_owned();
    // The real Node unpacks to far more than 1 MiB.
    std::fs::write(
        home.join("config/omg/config.toml"),
        "[daemon]\nautostart = false\n[downloads]\nmax_unpacked_mib = 1\n",
    )
    .unwrap();
    let output = runtimes.omg_in(&home, &["install", "node@22"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("unpacks to more than 1048576 bytes"),
        "{stderr}"
    );
    let node = home.join("data/omg/versions/node");
    let installed: Vec<_> = std::fs::read_dir(&node)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(installed.is_empty(), "{installed:?}");
    std::fs::write(
        home.join("config/omg/config.toml"),
        "[daemon]\nautostart = false\n[downloads]\nmax_unpacked_mib = 0\n",
    )
    .unwrap();
    let output = runtimes.omg_in(&home, &["install", "node@22"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("max_unpacked_mib is 0"));
}
