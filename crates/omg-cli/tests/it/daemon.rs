//! omgd as a real process on a private socket: the same output through it as on the
//! direct path, many clients at once, hostile input, other users, and its lifecycle.

use crate::common::{Context, Daemon};
use omg_core::{BackendKind, BackendSelection, SearchRequest};
use omg_ipc::{Client, Header, IpcError, Reply, Request, RequestEnvelope, PROTOCOL_VERSION};
use omg_packages::Catalog;
use omg_testbed::ArchRoot;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

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
    // `status` asks twice: the system, then the runtime probes.
    let asked = if args.contains(&"status") { 2 } else { 1 };
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

fn debian_selection() -> BackendSelection {
    BackendSelection {
        kind: BackendKind::Debian,
        arch_config: None,
        arch_root: None,
        arch_dbpath: None,
        debian_lists_dir: None,
        debian_status_file: None,
        debian_extended_states: None,
    }
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

fn frame(payload: &[u8]) -> Vec<u8> {
    let mut frame = u32::try_from(payload.len()).unwrap().to_be_bytes().to_vec();
    frame.extend_from_slice(payload);
    frame
}

/// The daemon closed this connection (EOF or reset), maybe after one reply.
fn closed_after_at_most_one_reply(mut stream: UnixStream) -> Option<Vec<u8>> {
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut received = Vec::new();
    match stream.read_to_end(&mut received) {
        Ok(_) => {}
        Err(error) if error.kind() == std::io::ErrorKind::ConnectionReset => {}
        Err(error) => panic!("connection not closed: {error}"),
    }
    (!received.is_empty()).then_some(received)
}

fn assert_serving(daemon: &Daemon) {
    let pid = daemon.child.id();
    assert_eq!(
        daemon.request(Request::Ping).unwrap(),
        Ok(Reply::Pong { pid })
    );
}

#[test]
fn hostile_input_closes_only_that_connection() {
    let context = Context::new();
    let daemon = context.start_daemon(&["--backend", "debian"]);
    let connect = || UnixStream::connect(&daemon.socket).unwrap();
    // Held open, silent, for the whole test: it must not block anyone.
    let silent = connect();
    let mut steady = daemon.client();
    let ping_steady = |client: &mut Client| {
        let reply = client.request(Request::Ping).unwrap();
        assert!(matches!(reply.body, Ok(Reply::Pong { .. })));
    };

    let noise: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    // Noise whose first bytes happen to announce a frame that never completes.
    let mut random = connect();
    let _ = random.write_all(&noise);
    random.shutdown(std::net::Shutdown::Write).unwrap();
    closed_after_at_most_one_reply(random);
    assert_serving(&daemon);
    // A complete frame of noise.
    let mut random = connect();
    random.write_all(&frame(&noise[..64])).unwrap();
    closed_after_at_most_one_reply(random);
    assert_serving(&daemon);

    let mut zero = connect();
    zero.write_all(&[0, 0, 0, 0]).unwrap();
    assert_eq!(closed_after_at_most_one_reply(zero), None);
    assert_serving(&daemon);

    let mut huge = connect();
    huge.write_all(&[0xff, 0xff, 0xff, 0xff, 1, 2, 3]).unwrap();
    assert_eq!(closed_after_at_most_one_reply(huge), None);
    assert_serving(&daemon);

    let mut truncated = connect();
    let whole = omg_ipc::encode(&RequestEnvelope {
        protocol: PROTOCOL_VERSION,
        id: 1,
        body: Request::Ping,
    })
    .unwrap();
    truncated.write_all(&whole[..whole.len() - 1]).unwrap();
    truncated.shutdown(std::net::Shutdown::Write).unwrap();
    assert_eq!(closed_after_at_most_one_reply(truncated), None);
    assert_serving(&daemon);

    // A valid header, then a request variant no daemon knows.
    let mut garbage = connect();
    let mut payload = postcard::to_stdvec(&Header {
        protocol: PROTOCOL_VERSION,
        id: 77,
    })
    .unwrap();
    payload.extend_from_slice(&[200, 1, 2, 3, 4]);
    garbage.write_all(&frame(&payload)).unwrap();
    let reply = closed_after_at_most_one_reply(garbage).expect("a BadRequest reply");
    let envelope: omg_ipc::ReplyEnvelope = omg_ipc::decode(&reply[4..]).unwrap();
    assert_eq!(envelope.id, 77);
    assert!(
        matches!(envelope.body, Err(IpcError::BadRequest(_))),
        "{envelope:?}"
    );
    assert_serving(&daemon);

    // Another protocol version gets the frozen mismatch error, then the door.
    let mut future = connect();
    let mut payload = postcard::to_stdvec(&Header {
        protocol: PROTOCOL_VERSION + 1,
        id: 5,
    })
    .unwrap();
    payload.extend_from_slice(&[0]);
    future.write_all(&frame(&payload)).unwrap();
    let reply = closed_after_at_most_one_reply(future).expect("a mismatch reply");
    let envelope: omg_ipc::ReplyEnvelope = omg_ipc::decode(&reply[4..]).unwrap();
    assert_eq!(
        envelope.body,
        Err(IpcError::ProtocolMismatch {
            daemon: PROTOCOL_VERSION,
            client: PROTOCOL_VERSION + 1
        })
    );
    assert_serving(&daemon);

    // Ask for a large answer and hang up before reading it.
    for _ in 0..20 {
        let mut rude = connect();
        let request = omg_ipc::encode(&RequestEnvelope {
            protocol: PROTOCOL_VERSION,
            id: 3,
            body: Request::Search(SearchRequest {
                terms: vec!["lib".to_owned()],
                limit: None,
                fuzzy_below: 0,
            }),
        })
        .unwrap();
        rude.write_all(&request).unwrap();
        drop(rude);
    }
    assert_serving(&daemon);

    ping_steady(&mut steady);
    drop(silent);
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
fn second_daemon_refuses_and_names_the_lock_holder() {
    let context = Context::new();
    let daemon = context.start_daemon(&["--backend", "debian"]);
    let second = context
        .command(env!("CARGO_BIN_EXE_omgd"))
        .args(["--foreground", "--backend", "debian"])
        .output()
        .unwrap();
    assert_eq!(second.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        stderr.contains(&format!(
            "omgd is already running: pid {} holds",
            daemon.child.id()
        )),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    // The detaching form says so before starting anything.
    let detached = context
        .command(env!("CARGO_BIN_EXE_omgd"))
        .args(["--backend", "debian"])
        .output()
        .unwrap();
    assert_eq!(detached.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&detached.stderr);
    assert!(
        stderr.contains(&format!(
            "omgd is already running (pid {}",
            daemon.child.id()
        )),
        "{stderr}"
    );
    assert_serving(&daemon);
}

#[test]
fn sigterm_and_shutdown_stop_cleanly() {
    let context = Context::new();
    let socket = context.socket();
    let lock = socket.with_file_name("omgd.lock");
    for signal in ["TERM", "INT"] {
        let daemon = context.start_daemon(&["--backend", "debian"]);
        assert!(socket.exists() && lock.exists());
        let status = daemon.signal(signal);
        assert!(status.success(), "SIG{signal}: {status}");
        assert!(
            !socket.exists() && !lock.exists(),
            "SIG{signal} left the socket or lock behind"
        );
    }

    let daemon = context.start_daemon(&["--backend", "debian"]);
    let builds = daemon.status().index_built_at;
    let refresh = context.omg_via_daemon(&["daemon", "refresh"]);
    assert!(refresh.status.success(), "{refresh:?}");
    let status = daemon.status();
    assert!(status.index_built_at >= builds);
    assert_eq!(
        String::from_utf8_lossy(&refresh.stderr).trim(),
        format!(
            "omgd re-read the databases: {} packages",
            status.index_packages
        )
    );
    let stop = context.omg_via_daemon(&["daemon", "stop"]);
    assert!(stop.status.success(), "{stop:?}");
    assert!(
        !socket.exists() && !lock.exists(),
        "socket or lock left behind"
    );
    let mut daemon = daemon;
    let exit = daemon.child.wait().unwrap();
    assert!(exit.success(), "{exit}");
    assert!(daemon.log_text().contains("shutdown requested"));
}

#[test]
fn kill_9_leaves_a_stale_socket_the_next_daemon_removes() {
    let context = Context::new();
    let mut daemon = context.start_daemon(&["--backend", "debian"]);
    daemon.child.kill().unwrap();
    daemon.child.wait().unwrap();
    assert!(context.socket().exists(), "kill -9 should leave the socket");
    // The dead daemon's socket refuses: omg answers directly.
    let output = context.omg_via_daemon(&["--backend", "debian", "-v", "info", "bash"]);
    assert!(output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("answered directly (omgd is not running)")
    );
    let next = context.start_daemon(&["--backend", "debian"]);
    assert!(
        next.log_text().contains("removed stale socket"),
        "{}",
        next.log_text()
    );
    assert_serving(&next);
}

#[test]
fn corrupt_store_is_moved_aside_and_rebuilt() {
    let context = Context::new();
    let store_dir = context.home().join("data/omg");
    std::fs::create_dir_all(&store_dir).unwrap();
    std::fs::write(store_dir.join("store.redb"), vec![0x5a; 16 * 1024]).unwrap();
    let daemon = context.start_daemon(&["--backend", "debian"]);
    let aside: Vec<String> = std::fs::read_dir(&store_dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.starts_with("store.redb.corrupt-"))
        .collect();
    assert_eq!(aside.len(), 1, "{aside:?}");
    assert!(
        daemon.log_text().contains("is unusable"),
        "{}",
        daemon.log_text()
    );
    // The fresh store works: the status snapshot gets written and survives a restart.
    let deadline = Instant::now() + Duration::from_secs(60);
    while daemon.status().last_refresh.is_none() {
        assert!(Instant::now() < deadline, "no status refresh");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(daemon.terminate().success());
    let again = context.start_daemon(&["--backend", "debian"]);
    let deadline = Instant::now() + Duration::from_secs(60);
    while again.status().last_refresh.is_none() {
        assert!(Instant::now() < deadline, "no status after restart");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_serving(&again);
}

#[test]
fn package_installed_behind_the_daemons_back_shows_up() {
    let context = Context::new();
    let root = ArchRoot::new();
    let pacman_args = root.pacman_args();
    let pacman_args: Vec<&str> = pacman_args.iter().map(String::as_str).collect();
    let daemon = context.start_daemon(&pacman_args);
    let installed_version = || {
        let mut args = pacman_args.clone();
        args.extend(["search", "--json", "omg-hello"]);
        let output = context.omg_via_daemon(&args);
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        json["hits"][0]["installed_version"]
            .as_str()
            .map(str::to_owned)
    };
    assert_eq!(installed_version(), None);
    let before = daemon.status().index_built_at;
    root.install(&["omg-hello"]);
    let deadline = Instant::now() + Duration::from_secs(60);
    while installed_version().is_none() {
        assert!(
            Instant::now() < deadline,
            "omgd never noticed the install: {}",
            daemon.log_text()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(installed_version().as_deref(), Some("1.0-1"));
    assert!(daemon.status().index_built_at >= before);
    assert!(daemon.log_text().contains("databases changed"));
}

#[test]
fn other_users_are_refused() {
    assert_eq!(
        omg_ipc::current_uid(),
        0,
        "this test switches users: run it as root (CI does)"
    );
    // The daemon runs as root: its 0700 directory and 0600 socket keep nobody out.
    let context = Context::new();
    let daemon = context.start_daemon(&["--backend", "debian"]);
    let socket_env = format!("OMG_SOCKET={}", daemon.socket.display());
    let output = std::process::Command::new("runuser")
        .args([
            "-u",
            "nobody",
            "--",
            "env",
            "HOME=/nonexistent",
            &socket_env,
        ])
        .args([env!("CARGO_BIN_EXE_omg"), "daemon", "status"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("refused this user"), "{stderr}");

    // The daemon runs as nobody: root may open the socket, SO_PEERCRED refuses it.
    let home = tempfile::tempdir().unwrap();
    let chown = std::process::Command::new("chown")
        .args(["-R", "nobody", &home.path().display().to_string()])
        .status()
        .unwrap();
    assert!(chown.success());
    let socket = home.path().join("run/omgd.sock");
    let log = home.path().join("omgd.log");
    // setpriv execs (runuser would stay as a parent), so killing the child kills omgd.
    let child = std::process::Command::new("setpriv")
        .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", "env"])
        .arg(format!("HOME={}", home.path().display()))
        .arg(format!("OMG_SOCKET={}", socket.display()))
        .args([
            env!("CARGO_BIN_EXE_omgd"),
            "--foreground",
            "--backend",
            "debian",
        ])
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let nobody_daemon = Daemon {
        child,
        socket: socket.clone(),
        log,
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while !nobody_daemon.log_text().contains("index ready") {
        assert!(Instant::now() < deadline, "{}", nobody_daemon.log_text());
        std::thread::sleep(Duration::from_millis(50));
    }
    // Our client will not talk to another user's daemon (it could be an impostor).
    assert!(matches!(
        Client::connect(&socket, Duration::from_secs(10)),
        Err(omg_ipc::ClientError::NotOurs(65534))
    ));
    // And that daemon will not talk to us: a raw request is met with a closed door.
    let mut raw = UnixStream::connect(&socket).unwrap();
    // The daemon may hang up before the write lands (EPIPE): refused either way.
    let _ = raw.write_all(
        &omg_ipc::encode(&RequestEnvelope {
            protocol: PROTOCOL_VERSION,
            id: 1,
            body: Request::Ping,
        })
        .unwrap(),
    );
    assert_eq!(closed_after_at_most_one_reply(raw), None);
    assert!(
        nobody_daemon
            .log_text()
            .contains("refused a connection from uid 0"),
        "{}",
        nobody_daemon.log_text()
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

#[test]
fn debian_install_behind_the_daemons_back_shows_up() {
    let context = Context::new();
    let state = tempfile::tempdir().unwrap();
    let status = state.path().join("status");
    let extended = state.path().join("extended_states");
    std::fs::copy("/var/lib/dpkg/status", &status).unwrap();
    if std::fs::copy("/var/lib/apt/extended_states", &extended).is_err() {
        std::fs::write(&extended, "").unwrap();
    }
    std::fs::write(
        context.home().join("config/omg/config.toml"),
        format!(
            "[daemon]\nautostart = false\n[debian]\nstatus_file = \"{}\"\nextended_states = \"{}\"\n",
            status.display(),
            extended.display()
        ),
    )
    .unwrap();
    let daemon = context.start_daemon(&["--backend", "debian"]);
    let search = |name: &str| -> serde_json::Value {
        let output = context.omg_via_daemon(&["--backend", "debian", "search", "--json", name]);
        serde_json::from_slice(&output.stdout).unwrap()
    };
    // Any package the lists have and this copy of the status has not installed.
    let editors = search("editor");
    let candidate = editors["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|hit| hit["installed_version"].is_null() && hit["matched"] != "fuzzy")
        .expect("an uninstalled editor")
        .clone();
    let name = candidate["name"].as_str().unwrap();
    let version = candidate["version"].as_str().unwrap();
    let architecture = crate::common::reference("dpkg", &["--print-architecture"]);
    // What dpkg does: write the whole new status beside the old, rename it over.
    let mut text = std::fs::read_to_string(&status).unwrap();
    text.push_str(&format!(
        "\nPackage: {name}\nStatus: install ok installed\nPriority: optional\n\
         Section: editors\nInstalled-Size: 1\nMaintainer: Test <t@example.org>\n\
         Architecture: {}\nVersion: {version}\nDescription: test install\n",
        architecture.trim()
    ));
    let staged = state.path().join("status-new");
    std::fs::write(&staged, text).unwrap();
    std::fs::rename(&staged, &status).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let hits = search(name);
        let hit = hits["hits"]
            .as_array()
            .unwrap()
            .iter()
            .find(|hit| hit["name"] == name)
            .cloned()
            .expect("the package is still found");
        if hit["installed_version"] == version {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "omgd never noticed the install: {}",
            daemon.log_text()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(daemon.log_text().contains("databases changed"));
}

/// Kills an omgd this test did not start itself.
struct Autostarted(u32);

impl Drop for Autostarted {
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &self.0.to_string()])
            .status();
    }
}

#[test]
fn autostart_starts_omgd_for_the_next_command_only_for_the_configured_system() {
    let context = Context::new();
    std::fs::write(
        context.home().join("config/omg/config.toml"),
        "[daemon]\nautostart = true\n",
    )
    .unwrap();
    // A one-off backend flag never leaves a daemon behind.
    let one_off = context.omg_via_daemon(&["--backend", "debian", "-v", "info", "bash"]);
    assert!(one_off.status.success());
    assert!(!String::from_utf8_lossy(&one_off.stderr).contains("started omgd"));

    let first = context.omg_via_daemon(&["-v", "info", "bash"]);
    assert!(first.status.success(), "{first:?}");
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert!(
        stderr.contains("answered directly (omgd is not running)"),
        "{stderr}"
    );
    let pid: u32 = stderr
        .split("started omgd (pid ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .and_then(|pid| pid.parse().ok())
        .unwrap_or_else(|| panic!("no autostart: {stderr}"));
    let _guard = Autostarted(pid);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let next = context.omg_via_daemon(&["-v", "info", "bash"]);
        assert_eq!(next.stdout, first.stdout);
        if String::from_utf8_lossy(&next.stderr).contains("answered by omgd") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the autostarted omgd never answered"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let status = context.omg_via_daemon(&["daemon", "status", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(json["daemon"]["pid"], pid);
    assert!(context.omg_via_daemon(&["daemon", "stop"]).status.success());
    assert!(!context.socket().exists());
}

#[test]
fn default_socket_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let context = Context::new();
    let runtime = tempfile::tempdir().unwrap();
    let mut child = context
        .command(env!("CARGO_BIN_EXE_omgd"))
        .env_remove("OMG_SOCKET")
        .env("XDG_RUNTIME_DIR", runtime.path())
        .args(["--foreground", "--backend", "debian"])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let socket = runtime.path().join("omg/omgd.sock");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !socket.exists() {
        assert!(
            Instant::now() < deadline,
            "no socket at {}",
            socket.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(socket.parent().unwrap()), 0o700);
    assert_eq!(mode(&socket), 0o600);
    child.kill().unwrap();
    child.wait().unwrap();
}
