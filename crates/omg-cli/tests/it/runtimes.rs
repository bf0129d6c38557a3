//! Runtime commands against a local nodejs.org-shaped mirror serving the real Node
//! binary (omg-testbed builds it from the npm registry).

use crate::common::Context;
use omg_testbed::{node_dist, HttpServer, NODE_VERSION};
use std::path::Path;
use std::process::Output;

pub(crate) struct Runtimes {
    pub(crate) context: Context,
    pub(crate) server: HttpServer,
}

impl Runtimes {
    pub(crate) fn new() -> Self {
        Self {
            context: Context::new(),
            server: HttpServer::serve(&node_dist().root),
        }
    }

    pub(crate) fn omg_in(&self, dir: &Path, args: &[&str]) -> Output {
        self.context
            .command(env!("CARGO_BIN_EXE_omg"))
            .current_dir(dir)
            .env("OMG_NO_DAEMON", "1")
            .env("OMG_NODE_MIRROR", self.server.url())
            .args(args)
            .output()
            .expect("run omg")
    }

    pub(crate) fn ok_in(&self, dir: &Path, args: &[&str]) -> (String, String) {
        let output = self.omg_in(dir, args);
        assert!(
            output.status.success(),
            "omg {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        (
            String::from_utf8(output.stdout).unwrap(),
            String::from_utf8(output.stderr).unwrap(),
        )
    }
}

#[test]
fn use_installs_switches_and_which_finds_a_node_that_runs() {
    let runtimes = Runtimes::new();
    let home = runtimes.context.home().to_owned();
    let (_, stderr) = runtimes.ok_in(&home, &["use", "node", "lts/jod"]);
    assert!(
        stderr.contains(&format!("installing node {NODE_VERSION}")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("node {NODE_VERSION} is now the default")),
        "{stderr}"
    );
    // The test mirror publishes no SHASUMS256.txt.sig: installed on the checksum
    // alone, and said so.
    assert!(
        stderr.contains(&format!(
            "warning: node {NODE_VERSION}: checksums not signed ("
        )),
        "{stderr}"
    );
    let (current, _) = runtimes.ok_in(&home, &["current"]);
    assert_eq!(current, format!("node {NODE_VERSION} (global default)\n"));
    let (which, _) = runtimes.ok_in(&home, &["which", "node"]);
    let node = which.trim();
    assert!(
        node.ends_with(&format!("versions/node/{NODE_VERSION}/bin/node")),
        "{node}"
    );
    let version = std::process::Command::new(node)
        .arg("--version")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("v{NODE_VERSION}")
    );
    let (list, _) = runtimes.ok_in(&home, &["list", "node"]);
    assert_eq!(list, format!("node {NODE_VERSION} (default, used here)\n"));
    let (available, _) = runtimes.ok_in(&home, &["list", "node", "--available"]);
    assert_eq!(available.lines().next(), Some("23.4.0"));
    assert!(
        available.contains(&format!("{NODE_VERSION} (lts/jod)\n")),
        "{available}"
    );
    // Installed already: nothing is downloaded again.
    let before = runtimes.server.requests().len();
    runtimes.ok_in(&home, &["install", "node@22"]);
    let fetched: Vec<String> = runtimes.server.requests()[before..].to_vec();
    assert!(
        fetched.iter().all(|request| !request.contains(".tar.gz")),
        "{fetched:?}"
    );
}

#[test]
fn local_pins_follow_the_nearest_version_file() {
    let runtimes = Runtimes::new();
    let project = tempfile::tempdir().unwrap();
    let nested = project.path().join("src");
    std::fs::create_dir_all(&nested).unwrap();
    runtimes.ok_in(project.path(), &["use", "node", "22", "--local"]);
    let pinned = std::fs::read_to_string(project.path().join(".node-version")).unwrap();
    assert_eq!(pinned, format!("{NODE_VERSION}\n"));
    let (current, _) = runtimes.ok_in(&nested, &["current"]);
    assert_eq!(
        current,
        format!(
            "node {NODE_VERSION} ({NODE_VERSION} from {})\n",
            project.path().join(".node-version").display()
        )
    );
    // An .nvmrc nearer to the directory wins, and names what is not installed.
    std::fs::write(nested.join(".nvmrc"), "lts/iron\n").unwrap();
    let (current, _) = runtimes.ok_in(&nested, &["current"]);
    assert!(
        current.starts_with("node not installed (lts/iron from ")
            && current.contains("omg install node@lts/iron"),
        "{current}"
    );
}

#[test]
fn bad_version_files_and_specs_are_one_clear_error() {
    let runtimes = Runtimes::new();
    let project = tempfile::tempdir().unwrap();
    std::fs::write(project.path().join(".nvmrc"), "20\n22\n").unwrap();
    // A broken file is reported and skipped; with nothing else selected that is
    // "nothing selected here", not an error.
    let output = runtimes.omg_in(project.path(), &["current"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.trim(),
        format!(
            "warning: {}:2: a second version (the first is on line 1); .nvmrc holds one\n\
             no runtime versions are selected here",
            project.path().join(".nvmrc").display()
        )
    );
    let output = runtimes.omg_in(project.path(), &["install", "node22"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("write <runtime>@<version>"));
    let output = runtimes.omg_in(project.path(), &["install", "node@19"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("no node release matches `19`"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Runs `script` in a real shell with this context's environment; stdout.
fn in_shell(runtimes: &Runtimes, shell: &str, script: &str) -> String {
    let mut command = runtimes.context.command(shell);
    match shell {
        "bash" => command.args(["--noprofile", "--norc", "-c", script]),
        "zsh" => command.args(["-f", "-c", script]),
        _ => command.args(["--no-config", "-c", script]),
    };
    let output = command
        .env("OMG_NO_DAEMON", "1")
        .env("PATH", "/usr/bin:/bin")
        .output()
        .unwrap_or_else(|error| panic!("cannot run {shell}: {error}"));
    assert!(
        output.status.success(),
        "{shell}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn hooks_switch_node_per_directory_in_bash_zsh_and_fish() {
    let runtimes = Runtimes::new();
    let home = runtimes.context.home().to_owned();
    runtimes.ok_in(&home, &["install", "node@22"]);
    let project = tempfile::tempdir().unwrap();
    std::fs::write(project.path().join(".node-version"), "22\n").unwrap();
    let omg = env!("CARGO_BIN_EXE_omg");
    let project = project.path().display().to_string();
    // Outside the project no omg node is selected: whatever the system has (or none).
    let outside = "(command -v node >/dev/null && node --version) || echo none";
    let scripts = [
        (
            "bash",
            format!(
                "eval \"$({omg} hook bash)\"; cd '{project}'; _omg_hook; node --version; cd /; _omg_hook; {outside}"
            ),
        ),
        (
            "zsh",
            format!(
                "eval \"$({omg} hook zsh)\"; cd '{project}'; _omg_hook; node --version; cd /; _omg_hook; {outside}"
            ),
        ),
        (
            "fish",
            format!(
                "{omg} hook fish | source; cd '{project}'; _omg_hook; node --version; cd /; _omg_hook; if command -q node; node --version; else; echo none; end"
            ),
        ),
    ];
    let system_node = std::process::Command::new("sh")
        .args(["-c", outside])
        .env("PATH", "/usr/bin:/bin")
        .output()
        .unwrap();
    let system_node = String::from_utf8_lossy(&system_node.stdout)
        .trim()
        .to_owned();
    assert_ne!(system_node, format!("v{NODE_VERSION}"));
    for (shell, script) in scripts {
        let output = in_shell(&runtimes, shell, &script);
        let lines: Vec<&str> = output.lines().collect();
        assert_eq!(
            lines,
            [format!("v{NODE_VERSION}").as_str(), system_node.as_str()],
            "{shell}"
        );
    }
}

#[test]
fn hook_env_prints_nothing_when_nothing_changed() {
    let runtimes = Runtimes::new();
    let home = runtimes.context.home().to_owned();
    runtimes.ok_in(&home, &["use", "node", "22"]);
    let first = runtimes.ok_in(&home, &["hook-env", "--shell", "bash"]).0;
    assert!(first.starts_with("export PATH='"), "{first}");
    let state = first
        .split("export __OMG_STATE='")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("state")
        .to_owned();
    let again = runtimes
        .context
        .command(env!("CARGO_BIN_EXE_omg"))
        .current_dir(&home)
        .env("__OMG_STATE", &state)
        .env("__OMG_PATH", &state)
        .args(["hook-env", "--shell", "bash"])
        .output()
        .unwrap();
    assert!(again.status.success());
    assert_eq!(String::from_utf8_lossy(&again.stdout), "");
}

#[test]
fn go_installs_and_is_found_through_go_mod() {
    let runtimes = Runtimes::new();
    let go_server = HttpServer::serve(&omg_testbed::go_dist().root);
    let project = tempfile::tempdir().unwrap();
    std::fs::write(
        project.path().join("go.mod"),
        format!(
            "module example.com/x\n\ngo 1.22\n\ntoolchain go{}\n",
            omg_testbed::GO_VERSION
        ),
    )
    .unwrap();
    let omg = |args: &[&str]| {
        runtimes
            .context
            .command(env!("CARGO_BIN_EXE_omg"))
            .current_dir(project.path())
            .env("OMG_NO_DAEMON", "1")
            .env("OMG_GO_MIRROR", go_server.url())
            .args(args)
            .output()
            .unwrap()
    };
    let install = omg(&["install", "go@latest"]);
    assert!(
        install.status.success(),
        "{}",
        String::from_utf8_lossy(&install.stderr)
    );
    let current = omg(&["current"]);
    assert_eq!(
        String::from_utf8_lossy(&current.stdout),
        format!(
            "go {0} ({0} from {1})\n",
            omg_testbed::GO_VERSION,
            project.path().join("go.mod").display()
        )
    );
    let which = omg(&["which", "go"]);
    let go = String::from_utf8(which.stdout).unwrap();
    let version = std::process::Command::new(go.trim())
        .arg("version")
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&version.stdout)
            .starts_with(&format!("go version go{}", omg_testbed::GO_VERSION)),
        "{version:?}"
    );
    let available = omg(&["list", "go", "--available"]);
    assert_eq!(
        String::from_utf8_lossy(&available.stdout).lines().next(),
        Some("1.28rc1 (unstable)")
    );
}

#[test]
fn exec_runs_with_the_version_and_uninstall_removes_it() {
    let runtimes = Runtimes::new();
    let home = runtimes.context.home().to_owned();
    let (stdout, _) = runtimes.ok_in(&home, &["exec", "node@22", "--", "node", "--version"]);
    assert_eq!(stdout.trim(), format!("v{NODE_VERSION}"));
    let failing = runtimes.omg_in(
        &home,
        &["exec", "node@22", "--", "node", "-e", "process.exit(7)"],
    );
    assert_eq!(failing.status.code(), Some(7));
    // Arguments that are not UTF-8 reach the command byte for byte.
    use std::os::unix::ffi::OsStrExt;
    let raw = std::ffi::OsStr::from_bytes(b"caf\xe9 \xff");
    let passed = runtimes
        .context
        .command(env!("CARGO_BIN_EXE_omg"))
        .current_dir(&home)
        .env("OMG_NO_DAEMON", "1")
        .env("OMG_NODE_MIRROR", runtimes.server.url())
        .args(["exec", "node@22", "--", "printf", "%s"])
        .arg(raw)
        .output()
        .expect("run omg");
    assert!(passed.status.success(), "{passed:?}");
    assert_eq!(passed.stdout, raw.as_bytes());
    let missing = runtimes.omg_in(&home, &["uninstall", "node@1.0.0"]);
    assert_eq!(missing.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&missing.stderr).trim(),
        format!("error: node 1.0.0 is not installed (installed: {NODE_VERSION})")
    );
    runtimes.ok_in(&home, &["use", "node", NODE_VERSION]);
    let default = runtimes.omg_in(&home, &["uninstall", &format!("node@{NODE_VERSION}")]);
    assert_eq!(default.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&default.stderr).contains("is the default"));
    // Without a default it goes, and nothing of it is left.
    std::fs::remove_file(home.join("data/omg/versions/node/current")).unwrap();
    runtimes.ok_in(&home, &["uninstall", &format!("node@{NODE_VERSION}")]);
    let left: Vec<_> = std::fs::read_dir(home.join("data/omg/versions/node"))
        .unwrap()
        .collect();
    assert!(left.is_empty(), "{left:?}");
    let (list, _) = runtimes.ok_in(&home, &["list", "node"]);
    assert_eq!(list, "");
}

#[test]
fn shims_run_the_selected_version_or_fall_through_to_path() {
    let runtimes = Runtimes::new();
    let home = runtimes.context.home().to_owned();
    runtimes.ok_in(&home, &["install", "node@22"]);
    let shims = home.join("data/omg/shims");
    let shim = shims.join("node");
    assert!(shim.is_file(), "no node shim in {}", shims.display());
    let project = tempfile::tempdir().unwrap();
    std::fs::write(project.path().join(".node-version"), "22\n").unwrap();
    let run_shim = |dir: &Path| {
        runtimes
            .context
            .command(&shim)
            .current_dir(dir)
            .env("PATH", format!("{}:/usr/bin:/bin", shims.display()))
            .arg("--version")
            .output()
            .unwrap()
    };
    let inside = run_shim(project.path());
    assert_eq!(
        String::from_utf8_lossy(&inside.stdout).trim(),
        format!("v{NODE_VERSION}"),
        "{}",
        String::from_utf8_lossy(&inside.stderr)
    );
    // No selection here: the next node on PATH after the shims, or a clear error.
    let outside = run_shim(&home);
    let system = std::process::Command::new("sh")
        .args(["-c", "command -v node >/dev/null && node --version"])
        .env("PATH", "/usr/bin:/bin")
        .output()
        .unwrap();
    if system.status.success() {
        assert_eq!(outside.stdout, system.stdout);
    } else {
        assert_eq!(outside.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&outside.stderr)
            .contains("no runtime selected here provides `node`"));
    }
    runtimes.ok_in(&home, &["uninstall", &format!("node@{NODE_VERSION}")]);
    assert!(!shim.exists(), "the shim outlived the install");
}

#[test]
fn hook_sets_java_home_in_a_java_project_and_unsets_it_outside() {
    let runtimes = Runtimes::new();
    let home = runtimes.context.home().to_owned();
    let jdk = home.join("data/omg/versions/java/25.0.2+10");
    std::fs::create_dir_all(jdk.join("bin")).unwrap();
    let project = tempfile::tempdir().unwrap();
    std::fs::write(project.path().join(".java-version"), "25\n").unwrap();
    let omg = env!("CARGO_BIN_EXE_omg");
    let script = format!(
        "eval \"$({omg} hook bash)\"; cd '{}'; _omg_hook; echo \"in:$JAVA_HOME\"; cd /; _omg_hook; echo \"out:${{JAVA_HOME:-unset}}\"",
        project.path().display()
    );
    let output = in_shell(&runtimes, "bash", &script);
    assert_eq!(
        output,
        format!("in:{}\nout:unset\n", jdk.display()),
        "the hook must set JAVA_HOME for the project and take it back outside"
    );
}

#[test]
fn several_runtimes_install_at_once() {
    let runtimes = Runtimes::new();
    let go_server = HttpServer::serve(&omg_testbed::go_dist().root);
    let home = runtimes.context.home().to_owned();
    let output = runtimes
        .context
        .command(env!("CARGO_BIN_EXE_omg"))
        .current_dir(&home)
        .env("OMG_NO_DAEMON", "1")
        .env("OMG_NODE_MIRROR", runtimes.server.url())
        .env("OMG_GO_MIRROR", go_server.url())
        .args(["install", "node@22", "go@latest"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("node {NODE_VERSION} is installed")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("go {} is installed", omg_testbed::GO_VERSION)),
        "{stderr}"
    );
    // Without a terminal, one line per finished download, no bar.
    assert!(
        stderr.contains(&format!("downloaded node {NODE_VERSION} (")),
        "{stderr}"
    );
    assert!(
        !stderr.contains('\r') && !stderr.contains('\x1b'),
        "{stderr}"
    );
    let (list, _) = runtimes.ok_in(&home, &["list"]);
    assert_eq!(
        list,
        format!("node {NODE_VERSION}\ngo {}\n", omg_testbed::GO_VERSION)
    );
    // One bad spec stops everything before any download.
    let before = runtimes.server.requests().len();
    let bad = runtimes.omg_in(&home, &["install", "node@20", "nonsense"]);
    assert_eq!(bad.status.code(), Some(2));
    assert_eq!(runtimes.server.requests().len(), before);
}

#[test]
fn downloads_draw_one_multi_bar_on_a_terminal_and_nothing_with_quiet() {
    let runtimes = Runtimes::new();
    let go_server = HttpServer::serve(&omg_testbed::go_dist().root);
    let go_url = go_server.url();
    let node_url = runtimes.server.url();
    let variables = [
        ("OMG_NODE_MIRROR", node_url.as_str()),
        ("OMG_GO_MIRROR", go_url.as_str()),
        ("TERM", "xterm"),
    ];
    let context = &runtimes.context;
    let shown = crate::common::omg_on_terminal_with(
        context,
        &["install", "node@22", "go@latest"],
        "",
        &variables,
    );
    let screen = String::from_utf8_lossy(&shown.stdout);
    assert!(shown.status.success(), "{screen}");
    // Both downloads drawn, finished bars with their sizes.
    for label in [
        format!("node {NODE_VERSION}"),
        format!("go {}", omg_testbed::GO_VERSION),
    ] {
        assert!(screen.contains(&label), "{label}: {screen}");
    }
    assert!(
        screen.contains("[#########################] 100%"),
        "{screen}"
    );
    assert!(screen.contains(" MiB/"), "{screen}");
    // -q: the results only.
    std::fs::remove_dir_all(context.home().join("data/omg/versions")).expect("clean");
    let quiet = crate::common::omg_on_terminal_with(
        context,
        &["-q", "install", "node@22", "go@latest"],
        "",
        &variables,
    );
    let screen = String::from_utf8_lossy(&quiet.stdout);
    assert!(quiet.status.success(), "{screen}");
    assert!(
        !screen.contains("MiB/") && !screen.contains("100%"),
        "{screen}"
    );
    assert!(!screen.contains("installing node"), "{screen}");
    assert!(
        screen.contains(&format!("node {NODE_VERSION} is installed")),
        "{screen}"
    );
}
