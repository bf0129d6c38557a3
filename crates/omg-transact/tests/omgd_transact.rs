//! The omgd-transact binary itself (its transactions are tested end to end from
//! omg-cli's tests through `omgd --transact`). This target also makes `cargo test`
//! build it, so that omgd finds it beside itself.

use std::io::Write;
use std::process::{Command, Stdio};

fn run_with_stdin(args: &[&str], stdin: &[u8]) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_omgd-transact"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run omgd-transact");
    let mut input = child.stdin.take().expect("stdin");
    // It may stop reading at the first bad byte; a broken pipe is its answer.
    let _ = input.write_all(stdin);
    drop(input);
    child.wait_with_output().expect("wait for omgd-transact")
}

#[test]
fn bytes_that_are_not_a_frame_are_one_error_line() {
    for garbage in [&b""[..], b"\x00\x00\x00\x01\xff", b"\xff\xff\xff\xffxx"] {
        let output = run_with_stdin(&["--transact", "--backend", "debian"], garbage);
        assert_eq!(output.status.code(), Some(2), "{output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains("omgd: error:"), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(output.stdout.is_empty(), "{output:?}");
    }
}

#[test]
fn a_read_request_is_refused_with_an_answer_not_a_crash() {
    let frame = omg_ipc::encode(&omg_ipc::RequestEnvelope {
        protocol: omg_ipc::PROTOCOL_VERSION,
        id: 7,
        body: omg_ipc::Request::Ping,
    })
    .expect("encode");
    let output = run_with_stdin(&["--backend", "debian"], &frame);
    assert!(output.status.success(), "{output:?}");
    let reply: omg_ipc::ReplyEnvelope =
        omg_ipc::decode(&output.stdout[4..]).expect("a reply frame");
    assert_eq!(reply.id, 7);
    assert!(
        matches!(reply.body, Err(omg_ipc::IpcError::BadRequest(ref why)) if why.contains("takes a change")),
        "{:?}",
        reply.body
    );
}

#[test]
fn an_unknown_flag_is_one_clear_error() {
    let output = Command::new(env!("CARGO_BIN_EXE_omgd-transact"))
        .arg("--no-such-flag")
        .output()
        .expect("run omgd-transact");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--no-such-flag"));
}
