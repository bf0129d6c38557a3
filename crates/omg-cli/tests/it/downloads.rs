//! Download policy end to end: the stall timeout from the config file, plain-http
//! mirrors (allowed when set explicitly, with a warning; refused when a redirect
//! leads elsewhere), against a local nodejs.org-shaped index.

use crate::common::Context;
use omg_testbed::{Fault, HttpServer};
use std::process::Output;

const INDEX: &str = r#"[{"version":"v22.12.0","date":"2024-12-03","files":["linux-x64","linux-arm64"],"lts":"Jod","security":false}]"#;

struct Mirror {
    _root: tempfile::TempDir,
    server: HttpServer,
    context: Context,
}

impl Mirror {
    fn new() -> Self {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join("index.json"), INDEX).unwrap();
        let server = HttpServer::serve(root.path());
        Self {
            _root: root,
            server,
            context: Context::new(),
        }
    }

    fn list_available(&self, config: &str) -> Output {
        std::fs::write(
            self.context.home().join("config/omg/config.toml"),
            format!("[daemon]\nautostart = false\n{config}"),
        )
        .unwrap();
        self.context
            .command(env!("CARGO_BIN_EXE_omg"))
            .env("OMG_NO_DAEMON", "1")
            .env("OMG_NODE_MIRROR", self.server.url())
            .args(["list", "node", "--available"])
            .output()
            .expect("run omg")
    }
}

#[test]
fn an_explicit_plain_http_mirror_works_and_says_so_once() {
    let mirror = Mirror::new();
    let output = mirror.list_available("");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "22.12.0 (lts/jod)\n"
    );
    assert_eq!(
        stderr,
        format!(
            "warning: downloading over plain http from {} (set by OMG_NODE_MIRROR): \
             anyone on the network path can change what is installed\n",
            mirror.server.url()
        )
    );
}

#[test]
fn a_redirect_to_a_plain_http_server_nobody_configured_is_refused() {
    let mirror = Mirror::new();
    // 192.0.2.0/24 is reserved for documentation: refused before any connection.
    mirror
        .server
        .redirect("/index.json", "http://192.0.2.1/dist/index.json");
    let output = mirror.list_available("");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.lines().last(),
        Some(
            "error: http://192.0.2.1/dist/index.json: refusing plain http to a server not \
             configured as a mirror (use https, or set the mirror to this address explicitly)"
        ),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn a_stalled_download_fails_after_the_configured_stall_timeout() {
    let mirror = Mirror::new();
    mirror.server.fail("/index.json", Fault::Stall(10));
    let output = mirror.list_available("[downloads]\nstall_timeout_secs = 1\n");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.lines().last(),
        Some(
            format!(
                "error: {}/index.json: stalled: no data for 1 s",
                mirror.server.url()
            )
            .as_str()
        ),
        "{stderr}"
    );
}

#[test]
fn a_bad_stall_timeout_is_one_clear_error() {
    let mirror = Mirror::new();
    let output = mirror
        .context
        .command(env!("CARGO_BIN_EXE_omg"))
        .env("OMG_NO_DAEMON", "1")
        .env("OMG_DOWNLOAD_STALL_TIMEOUT", "soon")
        .args(["list", "node", "--available"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: OMG_DOWNLOAD_STALL_TIMEOUT=soon: expected a whole number of seconds\n"
    );
}
