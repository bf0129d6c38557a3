//! Peers that misbehave: garbage, truncated and oversized frames, other users, a
//! client that never reads, more clients than slots. Each costs only its own
//! connection.

use super::{assert_serving, closed_after_at_most_one_reply, debian_selection, frame};
use crate::common::{Context, Daemon};
use omg_core::SearchRequest;
use omg_ipc::{
    Client, Header, IpcError, Reply, ReplyEnvelope, Request, RequestEnvelope, PROTOCOL_VERSION,
};
use omg_packages::Catalog;
use std::io::Write;
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

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
        .arg(crate::common::omgd())
        .args(["--foreground", "--backend", "debian"])
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
fn client_that_never_reads_its_answer_is_dropped() {
    let context = Context::new();
    let daemon = context.start_daemon(&["--backend", "debian"]);
    let search = SearchRequest {
        terms: vec!["lib".to_owned()],
        limit: None,
        fuzzy_below: 0,
    };
    // Far more than the socket buffers hold, so the daemon's write must wait on us.
    let answer = Catalog::open(&debian_selection())
        .unwrap()
        .search(&search)
        .unwrap();
    let answer_size = postcard::to_stdvec(&answer).unwrap().len();
    assert!(answer_size > 1 << 20, "only {answer_size} bytes");
    let mut stream = UnixStream::connect(&daemon.socket).unwrap();
    stream
        .write_all(
            &omg_ipc::encode(&RequestEnvelope {
                protocol: PROTOCOL_VERSION,
                id: 9,
                body: Request::Search(search),
            })
            .unwrap(),
        )
        .unwrap();
    // Everyone else is served meanwhile.
    assert_serving(&daemon);
    // A hang guard, not a timing: the drop is the daemon's to log.
    let deadline = Instant::now() + omg_daemon::WRITE_TIMEOUT + Duration::from_secs(120);
    while !daemon
        .log_text()
        .contains("dropped a client that did not take its answer")
    {
        assert!(
            Instant::now() < deadline,
            "omgd still waits on a client that never reads: {}",
            daemon.log_text()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // What did arrive is a cut-off answer, then the end of the connection.
    let received = closed_after_at_most_one_reply(stream).unwrap_or_default();
    assert!(
        received.len() < answer_size,
        "{} bytes arrived: the whole answer",
        received.len()
    );
    assert_serving(&daemon);
}

#[test]
fn daemon_at_its_connection_limit_says_busy_and_omg_answers_directly() {
    let context = Context::new();
    let daemon = context.start_daemon(&["--backend", "debian"]);
    // Idle connections taking every slot: the kernel queues them in order, so all
    // are the daemon's before any connection made after them.
    let idle: Vec<UnixStream> = (0..omg_daemon::MAX_CONNECTIONS)
        .map(|_| UnixStream::connect(&daemon.socket).unwrap())
        .collect();
    // One more is told so at once, before it says a word. The read timeout is a
    // hang guard: a daemon that made it wait would fail here.
    let mut late = UnixStream::connect(&daemon.socket).unwrap();
    late.set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut buffer = Vec::new();
    omg_ipc::read_frame(&mut late, &mut buffer).expect("a busy notice");
    let notice: ReplyEnvelope = omg_ipc::decode(&buffer).unwrap();
    assert_eq!(notice.id, omg_ipc::CONNECTION_ID);
    assert_eq!(notice.body, Err(IpcError::Busy));
    assert_eq!(closed_after_at_most_one_reply(late), None);
    // The client reads the notice whether or not its request got out first.
    let refused = Client::connect(&daemon.socket, Duration::from_secs(60))
        .unwrap()
        .request(Request::Ping);
    assert!(
        matches!(refused, Err(omg_ipc::ClientError::Refused(IpcError::Busy))),
        "{refused:?}"
    );

    let args = ["-v", "--backend", "debian", "search", "vim"];
    let direct = context.omg(&args[1..]);
    let via = context.omg_via_daemon(&args);
    let stderr = String::from_utf8_lossy(&via.stderr);
    assert!(
        stderr.contains("debug: answered directly (omgd is busy"),
        "{stderr}"
    );
    assert!(via.status.success(), "{stderr}");
    assert_eq!(via.stdout, direct.stdout);
    assert!(
        daemon
            .log_text()
            .contains("connections open: new ones are told omgd is busy"),
        "{}",
        daemon.log_text()
    );

    // Slots free up as the idle clients leave.
    drop(idle);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let via = context.omg_via_daemon(&args);
        assert_eq!(via.stdout, direct.stdout);
        if String::from_utf8_lossy(&via.stderr).contains("debug: answered by omgd") {
            break;
        }
        assert!(Instant::now() < deadline, "omgd stayed busy");
        std::thread::sleep(Duration::from_millis(50));
    }
}
