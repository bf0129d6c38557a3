//! Terminal safety end to end: escape sequences in a package description and in a
//! mirror's index reach the terminal escaped, and JSON keeps the exact text.

use crate::common::Context;
use omg_testbed::HttpServer;

/// OSC title change, clear screen, carriage return, C1 CSI, DEL.
const HOSTILE: &str = "nice tool\x1b]0;pwned\x07\x1b[2J\rgone\u{9b}31m\u{7f}";
const ESCAPED: &str = "nice tool\\x1b]0;pwned\\x07\\x1b[2J\\rgone\\u{9b}31m\\x7f";

fn no_raw_controls(bytes: &[u8]) -> bool {
    String::from_utf8_lossy(bytes)
        .chars()
        .all(|c| !c.is_control() || c == '\n' || c == '\t')
}

/// A Debian system whose only list holds one package with a hostile description.
fn hostile_debian(context: &Context) {
    let state = context.home().join("apt");
    let lists = state.join("lists");
    std::fs::create_dir_all(&lists).unwrap();
    std::fs::write(
        lists.join("evil.example_debian_dists_stable_main_binary-all_Packages"),
        format!(
            "Package: evil-tool\nVersion: 1.0\nArchitecture: all\nDescription: {HOSTILE}\n long text\n\n"
        ),
    )
    .unwrap();
    std::fs::write(state.join("status"), "").unwrap();
    let etc = state.join("etc");
    std::fs::create_dir_all(&etc).unwrap();
    std::fs::write(
        etc.join("sources.list"),
        "deb [arch=all] http://evil.example/debian stable main\n",
    )
    .unwrap();
    context.configure(&format!(
        "[debian]\nlists_dir = \"{}\"\nstatus_file = \"{}\"\nextended_states = \"{}\"\netc_dir = \"{}\"\n",
            lists.display(),
            state.join("status").display(),
            state.join("extended_states").display(),
            etc.display()
    ));
}

#[test]
fn a_hostile_package_description_is_printed_escaped() {
    let context = Context::new();
    hostile_debian(&context);
    for color in ["never", "always"] {
        let search = context.omg(&["--backend", "debian", "--color", color, "search", "evil"]);
        assert!(search.status.success(), "{search:?}");
        let stdout = String::from_utf8_lossy(&search.stdout);
        assert!(stdout.contains(&format!("    {ESCAPED}\n")), "{stdout}");
        if color == "never" {
            assert!(no_raw_controls(&search.stdout), "{stdout:?}");
        }
        let info = context.omg(&["--backend", "debian", "--color", color, "info", "evil-tool"]);
        assert!(info.status.success(), "{info:?}");
        let stdout = String::from_utf8_lossy(&info.stdout);
        assert!(stdout.contains(ESCAPED), "{stdout}");
        assert!(!stdout.contains("\x1b]0;"), "{stdout:?}");
    }
    let json = context.omg(&["--backend", "debian", "search", "evil", "--json"]);
    assert!(
        no_raw_controls(&json.stdout),
        "{:?}",
        String::from_utf8_lossy(&json.stdout)
    );
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(json["hits"][0]["description"], HOSTILE);
    let info = context.omg(&["--backend", "debian", "info", "evil-tool", "--json"]);
    assert!(no_raw_controls(&info.stdout));
    let info: serde_json::Value = serde_json::from_slice(&info.stdout).unwrap();
    assert!(
        info["description"].as_str().unwrap().starts_with(HOSTILE),
        "{info}"
    );
}

#[test]
fn a_hostile_mirror_index_is_printed_escaped() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(
        root.path().join("index.json"),
        r#"[{"version":"v22.12.0","files":["linux-x64","linux-arm64"],"lts":"jod\u001b]0;pwned\u0007"}]"#,
    )
    .unwrap();
    let server = HttpServer::serve(root.path());
    let context = Context::new();
    let output = context
        .command(env!("CARGO_BIN_EXE_omg"))
        .env("OMG_NO_DAEMON", "1")
        .env("OMG_NODE_MIRROR", server.url())
        .args(["list", "node", "--available"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "22.12.0 (lts/jod\\x1b]0;pwned\\x07)\n"
    );
}
