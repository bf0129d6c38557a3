//! libalpm's planning questions put to the user: asked on a terminal (a
//! pseudo-terminal here), answered with their defaults under `-y` (see
//! `arch_change::a_conflict_is_refused_and_nothing_is_removed`). A yes must end
//! where pacman ends when it is told yes (`--ask`, which turns pacman's
//! `--noconfirm` answer to that kind of question around).

use crate::common::omg_on_terminal;
use crate::common::{args, installed, Context};
use omg_testbed::ArchRoot;

/// libalpm's `ALPM_QUESTION_CONFLICT_PKG`, for pacman's `--ask`.
const CONFLICT_QUESTION: &str = "4";
const QUESTION: &str =
    ":: omg-virtual-b and omg-virtual-a are in conflict. Remove omg-virtual-a? [y/N]";

#[test]
fn a_conflict_asked_on_the_terminal_and_accepted_is_removed_as_pacman_would() {
    let context = Context::new();
    let ours = ArchRoot::new();
    let theirs = ArchRoot::new();
    for root in [&ours, &theirs] {
        root.install(&["omg-virtual-a"]);
    }
    let output = omg_on_terminal(
        &context,
        &args(&ours.pacman_args(), &["install", "omg-virtual-b"]),
        "y\ny\n",
    );
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{text}");
    // The question comes before the plan, and the plan shows what the yes did.
    let asked = text.find(QUESTION).unwrap_or_else(|| panic!("{text}"));
    let planned = text
        .find("Packages (2):")
        .unwrap_or_else(|| panic!("{text}"));
    assert!(asked < planned, "{text}");
    assert!(
        text.contains("note: omg-virtual-a is removed: it conflicts with omg-virtual-b"),
        "{text}"
    );
    assert!(text.contains("remove     omg-virtual-a"), "{text}");
    theirs.pacman_ok(&["--ask", CONFLICT_QUESTION, "-S", "omg-virtual-b"]);
    assert_eq!(installed(&ours), "omg-virtual-b 2.0-1\n");
    assert_eq!(installed(&ours), installed(&theirs));
}

#[test]
fn a_conflict_question_left_at_its_default_removes_nothing() {
    let context = Context::new();
    let ours = ArchRoot::new();
    let theirs = ArchRoot::new();
    for root in [&ours, &theirs] {
        root.install(&["omg-virtual-a"]);
    }
    // Enter alone takes the default, which is no.
    let output = omg_on_terminal(
        &context,
        &args(&ours.pacman_args(), &["install", "omg-virtual-b"]),
        "\n",
    );
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert!(text.contains(QUESTION), "{text}");
    assert!(
        text.contains("error: conflicting packages: omg-virtual-b and omg-virtual-a"),
        "{text}"
    );
    assert!(!theirs.pacman(&["-S", "omg-virtual-b"]).status.success());
    assert_eq!(installed(&ours), "omg-virtual-a 1.0-1\n");
    assert_eq!(installed(&ours), installed(&theirs));
    assert!(!ours.dbpath().join("db.lck").exists());
}

/// The protocol itself, as `omg` speaks it: `omgd --transact` sends the question
/// before the plan, waits for the answer, and plans with it.
#[test]
fn omgd_asks_over_the_pipe_before_it_plans() {
    use omg_ipc::{Reply, ReplyEnvelope, Request, RequestEnvelope, PROTOCOL_VERSION};
    use std::io::Write;
    let context = Context::new();
    let root = ArchRoot::new();
    root.install(&["omg-virtual-a"]);
    let mut child = context
        .command(crate::common::omgd())
        .arg("--transact")
        .args(root.pacman_args())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut send = |body: Request| {
        let frame = omg_ipc::encode(&RequestEnvelope {
            protocol: PROTOCOL_VERSION,
            id: 7,
            body,
        })
        .unwrap();
        stdin.write_all(&frame).unwrap();
    };
    let mut buffer = Vec::new();
    let mut receive = || {
        omg_ipc::read_frame(&mut stdout, &mut buffer).unwrap();
        let envelope: ReplyEnvelope = omg_ipc::decode(&buffer).unwrap();
        assert_eq!(envelope.id, 7);
        envelope.body.unwrap()
    };
    send(Request::Change(omg_core::ChangeRequest::Install {
        names: vec!["omg-virtual-b".to_owned()],
        reinstall: false,
        downgrade: false,
    }));
    assert_eq!(
        receive(),
        Reply::Question(omg_core::Question {
            text: "omg-virtual-b and omg-virtual-a are in conflict. Remove omg-virtual-a?"
                .to_owned(),
            default: false,
        })
    );
    send(Request::Answer { yes: true });
    let Reply::Plan(plan) = receive() else {
        panic!("no plan");
    };
    let removed: Vec<&str> = plan
        .packages
        .iter()
        .filter(|p| p.action == omg_core::PackageAction::Remove)
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(removed, ["omg-virtual-a"]);
    assert_eq!(
        plan.notes,
        ["omg-virtual-a is removed: it conflicts with omg-virtual-b"]
    );
    send(Request::Proceed { proceed: false });
    assert_eq!(receive(), Reply::Changed(omg_core::ChangeOutcome::Declined));
    assert!(child.wait().unwrap().success());
    assert_eq!(installed(&root), "omg-virtual-a 1.0-1\n");
}
