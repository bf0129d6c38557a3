//! Running `omg` (and reference tools) with a private environment.

use omg_ipc::{Client, Reply, Request};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The omgd binary: the omg-daemon package's, built beside omg (`cargo test
/// --workspace` builds it for that package's own tests).
pub(crate) fn omgd() -> PathBuf {
    let omgd = Path::new(env!("CARGO_BIN_EXE_omg")).with_file_name("omgd");
    for binary in [omgd.clone(), omgd.with_file_name("omgd-transact")] {
        assert!(
            binary.is_file(),
            "{} is missing: build it with `cargo build -p omg-daemon -p omg-transact` \
             (scripts/test does)",
            binary.display()
        );
    }
    omgd
}

/// An isolated home for one test: no user config leaks in, and omgd (when a test
/// starts one) listens on a socket of its own.
pub(crate) struct Context {
    home: tempfile::TempDir,
    /// An AUR with no packages, so no test reaches the real one and Arch searches
    /// add nothing unless a test points `OMG_AUR_URL` at its own server.
    aur: omg_testbed::AurServer,
}

impl Context {
    pub(crate) fn new() -> Self {
        let home = tempfile::tempdir().expect("temp home");
        let config_dir = home.path().join("config/omg");
        std::fs::create_dir_all(&config_dir).expect("config dir");
        // A test never leaves a daemon behind.
        std::fs::write(
            config_dir.join("config.toml"),
            "[daemon]\nautostart = false\n",
        )
        .expect("config");
        Self {
            home,
            aur: omg_testbed::AurServer::with_packages(Vec::new()),
        }
    }

    /// Writes the config file: omgd's autostart off, as for every test, then
    /// `extra` (TOML sections).
    pub(crate) fn configure(&self, extra: &str) {
        std::fs::write(
            self.home.path().join("config/omg/config.toml"),
            format!("[daemon]\nautostart = false\n{extra}"),
        )
        .expect("write the config");
    }

    pub(crate) fn home(&self) -> &Path {
        self.home.path()
    }

    pub(crate) fn socket(&self) -> PathBuf {
        self.home.path().join("run/omgd.sock")
    }

    /// `program` with a private HOME/XDG tree, this context's socket and no colour.
    pub(crate) fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let home = self.home.path();
        let mut command = Command::new(program);
        command
            .env_remove("OMG_BACKEND")
            .env_remove("OMG_CONFIG")
            .env_remove("OMG_NO_DAEMON")
            .env_remove("XDG_RUNTIME_DIR")
            .env("HOME", home)
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_CACHE_HOME", home.join("cache"))
            .env("OMG_SOCKET", self.socket())
            .env("OMG_AUR_URL", self.aur.url())
            .env("NO_COLOR", "1")
            // Dates print in local time: every test sees the same zone.
            .env("TZ", "UTC");
        command
    }

    /// `omg` with `args` on the direct path.
    pub(crate) fn omg(&self, args: &[&str]) -> Output {
        self.command(env!("CARGO_BIN_EXE_omg"))
            .args(args)
            .env("OMG_NO_DAEMON", "1")
            .output()
            .expect("run omg")
    }

    /// `omg` with `args`, free to use this context's omgd.
    pub(crate) fn omg_via_daemon(&self, args: &[&str]) -> Output {
        self.command(env!("CARGO_BIN_EXE_omg"))
            .args(args)
            .output()
            .expect("run omg")
    }

    /// Starts `omgd --foreground ARGS` on this context's socket and waits until it
    /// answers.
    pub(crate) fn start_daemon(&self, args: &[&str]) -> Daemon {
        self.start_daemon_with(args, &[])
    }

    /// [`Context::start_daemon`] with extra environment variables (`OMG_AUR_URL`).
    pub(crate) fn start_daemon_with(&self, args: &[&str], variables: &[(&str, &str)]) -> Daemon {
        let child = self
            .command(crate::common::omgd())
            .envs(variables.iter().copied())
            .arg("--foreground")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(self.home.path().join("omgd.log")).expect("log"))
            .spawn()
            .expect("start omgd");
        let daemon = Daemon {
            child,
            socket: self.socket(),
            log: self.home.path().join("omgd.log"),
        };
        daemon.wait_ready();
        daemon
    }

    /// `omg` that must succeed; returns stdout.
    pub(crate) fn omg_ok(&self, args: &[&str]) -> String {
        let output = self.omg(args);
        assert!(
            output.status.success(),
            "omg {args:?} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("utf-8 output")
    }

    /// `omg … --json` parsed.
    pub(crate) fn omg_json(&self, args: &[&str]) -> serde_json::Value {
        let mut args = args.to_vec();
        args.push("--json");
        let stdout = self.omg_ok(&args);
        serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("bad JSON from omg {args:?}: {e}\n{stdout}"))
    }
}

/// A running omgd, stopped (SIGKILL) when dropped.
pub(crate) struct Daemon {
    pub(crate) child: Child,
    pub(crate) socket: PathBuf,
    pub(crate) log: PathBuf,
}

impl Daemon {
    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Ok(Ok(Reply::Pong { .. })) = self.request(Request::Ping) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "omgd never became ready: {}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub(crate) fn client(&self) -> Client {
        Client::connect(&self.socket, Duration::from_secs(30)).expect("connect to omgd")
    }

    pub(crate) fn request(
        &self,
        request: Request,
    ) -> Result<Result<Reply, omg_ipc::IpcError>, omg_ipc::ClientError> {
        Ok(Client::connect(&self.socket, Duration::from_secs(30))?
            .request(request)?
            .body)
    }

    pub(crate) fn status(&self) -> omg_ipc::DaemonStatus {
        match self.request(Request::DaemonStatus) {
            Ok(Ok(Reply::DaemonStatus(status))) => status,
            other => panic!("no daemon status: {other:?}"),
        }
    }

    /// Requests answered so far, not counting this question.
    pub(crate) fn requests(&self) -> u64 {
        self.status().requests - 1
    }

    pub(crate) fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGTERM, then the exit status.
    pub(crate) fn terminate(self) -> std::process::ExitStatus {
        self.signal("TERM")
    }

    /// Sends `signal` (`TERM`, `INT`), then waits for the exit status.
    pub(crate) fn signal(mut self, signal: &str) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let killed = Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .expect("kill");
        assert!(killed.success());
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(Instant::now() < deadline, "omgd ignored SIG{signal}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A reference tool's stdout; it must succeed.
pub(crate) fn reference(program: &str, args: &[&str]) -> String {
    stdout_of(Command::new(program).args(args))
}

/// The stdout of `command` run in the C locale; it must succeed.
pub(crate) fn stdout_of(command: &mut Command) -> String {
    let output = command
        .env("LC_ALL", "C")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Names of the exact (non-fuzzy) hits of `omg search --json`, sorted.
pub(crate) fn exact_hit_names(json: &serde_json::Value) -> Vec<String> {
    let mut names: Vec<String> = json["hits"]
        .as_array()
        .expect("hits array")
        .iter()
        .filter(|hit| hit["matched"] != "fuzzy")
        .map(|hit| hit["name"].as_str().expect("name").to_owned())
        .collect();
    names.sort();
    names
}

/// Sorted, de-duplicated lines.
pub(crate) fn sorted_lines(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text
        .lines()
        .map(str::to_owned)
        .filter(|l| !l.is_empty())
        .collect();
    lines.sort();
    lines.dedup();
    lines
}

/// pacman's flags for a hermetic root, then the rest of omg's arguments.
pub(crate) fn args<'a>(root: &'a [String], rest: &[&'a str]) -> Vec<&'a str> {
    let mut args: Vec<&str> = root.iter().map(String::as_str).collect();
    args.extend(rest);
    args
}

/// `pacman -Q` on a hermetic root.
#[cfg(feature = "arch-suite")]
pub(crate) fn installed(root: &omg_testbed::ArchRoot) -> String {
    String::from_utf8_lossy(&root.pacman(&["-Q"]).stdout).into_owned()
}

/// `omg ARGS` on a pseudo-terminal (`script`), on the direct path, typing
/// `answer`; stdout carries everything the terminal showed.
#[cfg(feature = "arch-suite")]
pub(crate) fn omg_on_terminal(context: &Context, args: &[&str], answer: &str) -> Output {
    omg_on_terminal_with(context, args, answer, &[])
}

/// [`omg_on_terminal`] with extra environment variables.
pub(crate) fn omg_on_terminal_with(
    context: &Context,
    args: &[&str],
    answer: &str,
    variables: &[(&str, &str)],
) -> Output {
    use std::io::Write;
    let line = std::iter::once(env!("CARGO_BIN_EXE_omg"))
        .chain(args.iter().copied())
        .map(|word| format!("'{word}'"))
        .collect::<Vec<_>>()
        .join(" ");
    let mut child = context
        .command("script")
        .args(["-qec", &line, "/dev/null"])
        .env("OMG_NO_DAEMON", "1")
        .envs(variables.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run script");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(answer.as_bytes())
        .expect("type the answer");
    child.wait_with_output().expect("wait for script")
}
