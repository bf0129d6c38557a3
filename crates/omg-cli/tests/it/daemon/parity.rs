//! The same answers through omgd as on the direct path, for every command, many
//! clients at once, the async client, and a fallback that prints the same.

use super::{debian_selection, frame};
use crate::common::{Context, Daemon};
use omg_core::SearchRequest;
use omg_ipc::{Client, Header, IpcError, Reply, Request, PROTOCOL_VERSION};
use omg_packages::Catalog;
#[cfg(feature = "arch-suite")]
use omg_testbed::ArchRoot;
use std::io::Write;
use std::process::Output;
use std::time::Duration;

/// stderr without the `-v` diagnostics.
fn plain_stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|line| !line.starts_with("debug: "))
        .map(|line| format!("{line}\n"))
        .collect()
}

/// Runs `args` through omgd (which must answer, and be the one that did) and on the
/// direct path; both must print and exit the same.
fn assert_same_both_ways(context: &Context, daemon: &Daemon, args: &[&str]) {
    let direct = context.omg(args);
    let before = daemon.requests();
    let mut verbose = vec!["-v"];
    verbose.extend(args);
    let via = context.omg_via_daemon(&verbose);
    // `status` asks three times: the system, the runtime probes, the
    // vulnerability counts; a search on Arch twice: the official index, then
    // omgd's AUR index.
    let arch_search = args.contains(&"--dbpath") && args.contains(&"search");
    let asked = if args.contains(&"status") {
        3
    } else if arch_search {
        2
    } else {
        1
    };
    assert_eq!(
        daemon.requests(),
        before + asked,
        "omg {args:?} did not ask omgd"
    );
    let stderr = String::from_utf8_lossy(&via.stderr);
    assert!(
        stderr.contains("debug: answered by omgd"),
        "omg {args:?} did not use omgd's answer: {stderr}"
    );
    assert_eq!(
        String::from_utf8_lossy(&via.stdout),
        String::from_utf8_lossy(&direct.stdout),
        "stdout of omg {args:?}"
    );
    assert_eq!(
        plain_stderr(&via),
        plain_stderr(&direct),
        "stderr of omg {args:?}"
    );
    assert_eq!(
        via.status.code(),
        direct.status.code(),
        "exit of omg {args:?}"
    );
}

#[test]
fn debian_same_output_through_daemon_and_direct() {
    let context = Context::new();
    // A runtime install for the status to report, through omgd's probe and directly.
    let versions = context.home().join("data/omg/versions/node");
    std::fs::create_dir_all(versions.join("20.1.0")).unwrap();
    std::fs::create_dir_all(versions.join("22.12.0")).unwrap();
    std::os::unix::fs::symlink("22.12.0", versions.join("current")).unwrap();
    let daemon = context.start_daemon(&["--backend", "debian"]);
    let status = context.omg_via_daemon(&["--backend", "debian", "status", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(
        json["runtimes"],
        serde_json::json!([{"runtime": "node", "installed": ["20.1.0", "22.12.0"], "default": "22.12.0"}])
    );
    let commands: &[&[&str]] = &[
        &["--backend", "debian", "search", "vim"],
        &[
            "--backend",
            "debian",
            "search",
            "--json",
            "python3",
            "-n",
            "40",
        ],
        &["--backend", "debian", "search", "text editor"],
        &["--backend", "debian", "search", "no-such-package-anywhere"],
        &["--backend", "debian", "search", "   "],
        &["--backend", "debian", "info", "curl"],
        &["--backend", "debian", "info", "--json", "bash"],
        &["--backend", "debian", "info", "curlx"],
        &["--backend", "debian", "explicit"],
        &["--backend", "debian", "list", "--installed"],
        // The human form says "N s ago", which may tick between the two runs.
        &["--backend", "debian", "status", "--json"],
    ];
    for args in commands {
        assert_same_both_ways(&context, &daemon, args);
    }
    // The second identical question is a cache hit.
    let hits = daemon.status().cache_hits;
    context.omg_via_daemon(&["--backend", "debian", "search", "vim"]);
    assert_eq!(daemon.status().cache_hits, hits + 1);
}

#[cfg(feature = "arch-suite")]
#[test]
fn arch_same_output_through_daemon_and_direct() {
    let context = Context::new();
    let root = ArchRoot::new();
    root.install(&["omg-hello", "omg-chain-top"]);
    root.publish_upgrade();
    let pacman_args = root.pacman_args();
    let pacman_args: Vec<&str> = pacman_args.iter().map(String::as_str).collect();
    let daemon = context.start_daemon(&pacman_args);
    let commands: &[&[&str]] = &[
        &["search", "omg"],
        &["search", "--json", "hello"],
        &["search", "split", "extra"],
        &["search", "xylophne"],
        &["info", "omg-hello"],
        &["info", "--json", "omg-split-a"],
        &["info", "omg-helo"],
        &["explicit"],
        &["list", "--installed"],
        &["status", "--json"],
    ];
    for command in commands {
        let mut args = pacman_args.clone();
        args.extend(*command);
        assert_same_both_ways(&context, &daemon, &args);
    }
}

#[cfg(feature = "arch-suite")]
#[test]
fn another_system_is_answered_directly() {
    let context = Context::new();
    let root = ArchRoot::new();
    let daemon = context.start_daemon(&["--backend", "debian"]);
    let pacman_args = root.pacman_args();
    let mut args: Vec<&str> = pacman_args.iter().map(String::as_str).collect();
    args.extend(["-v", "search", "--json", "omg-hello"]);
    let output = context.omg_via_daemon(&args);
    assert!(output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("answered directly (omgd serves debian /)"),
        "{stderr}"
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["hits"][0]["name"], "omg-hello");
    drop(daemon);
}

#[test]
fn sixty_four_clients_get_every_reply_right() {
    let context = Context::new();
    let daemon = context.start_daemon(&["--backend", "debian"]);
    let catalog = Catalog::open(&debian_selection()).unwrap();
    let searches: Vec<SearchRequest> = ["vim", "curl", "libssl", "zstd", "qqqqzz"]
        .iter()
        .map(|term| SearchRequest {
            terms: vec![(*term).to_owned()],
            limit: Some(20),
            fuzzy_below: 5,
        })
        .collect();
    let mut cases: Vec<(Request, Result<Reply, IpcError>)> = searches
        .iter()
        .map(|search| {
            (
                Request::Search(search.clone()),
                Ok(Reply::Search(catalog.search(search).unwrap())),
            )
        })
        .collect();
    for name in ["curl", "bash", "no-such-thing"] {
        cases.push((
            Request::Info {
                name: name.to_owned(),
            },
            Ok(Reply::Info(catalog.info(name).unwrap())),
        ));
    }
    cases.push((
        Request::Explicit,
        Ok(Reply::Packages(catalog.explicit().unwrap())),
    ));
    cases.push((
        Request::Search(SearchRequest {
            terms: vec![" ".to_owned()],
            limit: None,
            fuzzy_below: 5,
        }),
        Err(IpcError::Failed(
            catalog
                .search(&SearchRequest {
                    terms: vec![" ".to_owned()],
                    limit: None,
                    fuzzy_below: 5,
                })
                .unwrap_err()
                .to_string(),
        )),
    ));
    let pid = daemon.child.id();
    cases.push((Request::Ping, Ok(Reply::Pong { pid })));
    let cases = std::sync::Arc::new(cases);
    let before = daemon.requests();
    let clients: Vec<_> = (0..64)
        .map(|client_number| {
            let cases = std::sync::Arc::clone(&cases);
            let socket = daemon.socket.clone();
            std::thread::spawn(move || {
                let mut client = Client::connect(&socket, Duration::from_secs(60)).unwrap();
                for round in 0..1000 {
                    let (request, expected) = &cases[(client_number * 7 + round) % cases.len()];
                    let reply = client.request(request.clone()).unwrap();
                    assert_eq!(
                        &reply.body, expected,
                        "client {client_number} round {round}"
                    );
                    assert_eq!(reply.served, debian_selection());
                }
            })
        })
        .collect();
    for client in clients {
        client.join().expect("a client failed");
    }
    assert_eq!(
        daemon.requests(),
        before + 64_000,
        "every request was answered once"
    );
}

#[test]
fn client_speaking_another_protocol_falls_back_with_a_note() {
    let context = Context::new();
    std::fs::create_dir_all(context.socket().parent().unwrap()).unwrap();
    let listener = std::os::unix::net::UnixListener::bind(context.socket()).unwrap();
    // A stand-in for a future omgd: it answers every request with version 999.
    let server = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut buffer = Vec::new();
        omg_ipc::read_frame(&mut stream, &mut buffer).unwrap();
        let (header, _) = postcard::take_from_bytes::<Header>(&buffer).unwrap();
        let reply = postcard::to_stdvec(&Header {
            protocol: 999,
            id: header.id,
        })
        .unwrap();
        stream.write_all(&frame(&reply)).unwrap();
    });
    let via = context.omg_via_daemon(&["--backend", "debian", "info", "curl"]);
    server.join().unwrap();
    let direct = context.omg(&["--backend", "debian", "info", "curl"]);
    assert!(via.status.success());
    assert_eq!(via.stdout, direct.stdout);
    let stderr = String::from_utf8_lossy(&via.stderr);
    assert!(
        stderr.contains(&format!(
            "omgd speaks protocol 999, this omg speaks {PROTOCOL_VERSION}"
        )),
        "{stderr}"
    );
}

#[test]
fn async_client_talks_to_the_daemon() {
    let context = Context::new();
    let daemon = context.start_daemon(&["--backend", "debian"]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let pid = daemon.child.id();
    runtime.block_on(async {
        let mut client = omg_ipc::asynchronous::AsyncClient::connect(&daemon.socket)
            .await
            .unwrap();
        let reply = client.request(Request::Ping).await.unwrap();
        assert_eq!(reply.body, Ok(Reply::Pong { pid }));
        let reply = client
            .request(Request::Info {
                name: "bash".to_owned(),
            })
            .await
            .unwrap();
        assert!(matches!(
            reply.body,
            Ok(Reply::Info(omg_core::InfoAnswer::Found(_)))
        ));
    });
}
