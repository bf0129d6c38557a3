//! `omgd --transact`: one system change, driven over a pipe by `omg`.
//!
//! `omg` never links libalpm or libapt-pkg, so it runs this process (as `omgd
//! --transact`, under sudo when the system needs root and omg is not) and talks
//! to it in omg-ipc
//! frames: a [`Request::Change`] on stdin; for each question libalpm asks while
//! planning, a [`Reply::Question`] answered by a [`Request::Answer`]; a
//! [`Reply::Plan`] on stdout; a
//! [`Request::Proceed`] on stdin; then [`Reply::ChangeEvent`]s while libalpm
//! commits, and a last [`Reply::Changed`] (or an error). Between plan and answer
//! the transaction holds the database lock, so what the user agreed to is what
//! happens. The running daemon is never asked to change anything: it is not root,
//! and its watcher sees the databases change like any other pacman run.

use crate::args::Setup;
use anyhow::{bail, Result};
use omg_ipc::{Incoming, IpcError, Reply, ReplyEnvelope, Request, PROTOCOL_VERSION};
use std::io::Write;

/// Writes reply frames for one request id.
struct Replies<W: Write> {
    out: W,
    id: u64,
    served: omg_core::BackendSelection,
}

impl<W: Write> Replies<W> {
    fn send(&mut self, body: Result<Reply, IpcError>) -> Result<()> {
        let frame = omg_ipc::encode(&ReplyEnvelope {
            protocol: PROTOCOL_VERSION,
            id: self.id,
            served: self.served.clone(),
            body,
        })?;
        self.out.write_all(&frame)?;
        self.out.flush()?;
        Ok(())
    }
}

fn read_request(buffer: &mut Vec<u8>) -> Result<Incoming> {
    omg_ipc::read_frame(&mut std::io::stdin().lock(), buffer)?;
    Ok(Incoming::parse(buffer))
}

pub(crate) fn run(setup: &Setup, preview: bool) -> Result<()> {
    let frames = FrameChannel::claim()?;
    let mut buffer = Vec::new();
    let (id, request) = match read_request(&mut buffer)? {
        Incoming::Request(envelope) => (envelope.id, envelope.body),
        Incoming::Refuse { id, error } => {
            return reply_once(setup, frames.out, id, Err(error));
        }
        Incoming::Garbage => bail!("omgd --transact: stdin is not a request frame"),
    };
    let mut replies = Replies {
        out: frames.out,
        id,
        served: setup.selection.clone(),
    };
    let Request::Change(change) = request else {
        return replies.send(Err(IpcError::BadRequest(format!(
            "omgd --transact takes a change, not {request:?}"
        ))));
    };
    if preview {
        return show(setup, &change, &mut replies);
    }
    drive(setup, &change, &mut replies, &mut buffer)
}

/// `--preview`: the plan, computed without the lock, then `Checked`; nothing is
/// read after the questions and nothing is committed.
fn show(
    setup: &Setup,
    change: &omg_core::ChangeRequest,
    replies: &mut Replies<std::fs::File>,
) -> Result<()> {
    let backend = match open_changer(setup) {
        Ok(backend) => backend,
        Err(error) => return replies.send(Err(crate::failed(error))),
    };
    match backend.preview(change, asker(replies)) {
        Ok(plan) => {
            replies.send(Ok(Reply::Plan(plan)))?;
            replies.send(Ok(Reply::Changed(omg_core::ChangeOutcome::Checked)))
        }
        Err(error) => replies.send(Err(explain(setup, error))),
    }
}

fn reply_once(
    setup: &Setup,
    out: std::fs::File,
    id: u64,
    body: Result<Reply, IpcError>,
) -> Result<()> {
    Replies {
        out,
        id,
        served: setup.selection.clone(),
    }
    .send(body)
}

fn drive(
    setup: &Setup,
    change: &omg_core::ChangeRequest,
    replies: &mut Replies<std::fs::File>,
    buffer: &mut Vec<u8>,
) -> Result<()> {
    use omg_core::{ChangeOutcome, ChangeRequest};

    let backend = match open_changer(setup) {
        Ok(backend) => backend,
        Err(error) => return replies.send(Err(crate::failed(error))),
    };
    if *change == ChangeRequest::Sync {
        let body = backend
            .sync()
            .map(|updated| Reply::Changed(ChangeOutcome::Synced { updated }))
            .map_err(crate::failed);
        return replies.send(body);
    }
    let transaction = match backend.plan_asking(change, asker(replies)) {
        Ok(transaction) => transaction,
        Err(error) => return replies.send(Err(explain(setup, error))),
    };
    replies.send(Ok(Reply::Plan(transaction.plan().clone())))?;
    if transaction.plan().is_empty() {
        return replies.send(Ok(Reply::Changed(ChangeOutcome::NothingToDo)));
    }
    // omg hanging up instead of answering means no.
    let proceed = matches!(
        read_request(buffer),
        Ok(Incoming::Request(omg_ipc::RequestEnvelope {
            body: Request::Proceed { proceed: true },
            ..
        }))
    );
    if !proceed {
        drop(transaction);
        return replies.send(Ok(Reply::Changed(ChangeOutcome::Declined)));
    }
    // Nothing more is read: what the commit runs (dpkg, maintainer scripts) must
    // not read the request pipe.
    FrameChannel::release_stdin();
    // Events are written as they happen, through a handle of the sink's own: the
    // library keeps the sink for the commit's lifetime, so it cannot borrow
    // `replies`. Everything runs on this thread and every frame is written whole,
    // so frames never interleave.
    let id = replies.id;
    let served = replies.served.clone();
    let mut out = replies.out.try_clone()?;
    let sink = Box::new(move |event: omg_core::ChangeEvent| {
        let frame = omg_ipc::encode(&ReplyEnvelope {
            protocol: PROTOCOL_VERSION,
            id,
            served: served.clone(),
            body: Ok(Reply::ChangeEvent(event)),
        });
        if let Ok(frame) = frame {
            // omg gone mid-commit: the library must still finish, so errors are ignored.
            let _ = out.write_all(&frame).and_then(|()| out.flush());
        }
    });
    // Ctrl-C at the terminal reaches this process too (same process group, or
    // through sudo): libalpm is not to be stopped halfway through writing the
    // system, so, as pacman does while committing, interrupts wait until it is done.
    let _guard = IgnoreInterrupts::new();
    let plan = transaction.plan().clone();
    let result = transaction.commit(sink);
    if let Some(message) = crate::history::record(setup, change, &plan, &result) {
        replies.send(Ok(Reply::ChangeEvent(omg_core::ChangeEvent::Warning {
            message,
        })))?;
    }
    let body = result
        .map(|()| Reply::Changed(ChangeOutcome::Done))
        .map_err(crate::failed);
    replies.send(body)
}

/// The pipe to omg, apart from the standard streams: the commit runs programs
/// (dpkg, maintainer scripts, hooks) that inherit them and print to stdout, and
/// their output must reach the user, not land in the middle of a frame.
struct FrameChannel {
    out: std::fs::File,
}

#[expect(unsafe_code, reason = "std cannot re-point the standard descriptors")]
impl FrameChannel {
    /// Moves the frames to a descriptor of their own and points stdout at stderr.
    fn claim() -> Result<Self> {
        use std::os::fd::FromRawFd;
        // SAFETY: dup returns a new descriptor this process owns, or -1.
        let fd = unsafe { libc::dup(libc::STDOUT_FILENO) };
        if fd < 0 {
            bail!("omgd --transact: {}", std::io::Error::last_os_error());
        }
        // SAFETY: `fd` is open and owned by nobody else.
        let out = unsafe { std::fs::File::from_raw_fd(fd) };
        // SAFETY: both descriptors are open; std holds no buffered stdout data yet.
        if unsafe { libc::dup2(libc::STDERR_FILENO, libc::STDOUT_FILENO) } < 0 {
            bail!("omgd --transact: {}", std::io::Error::last_os_error());
        }
        Ok(Self { out })
    }

    /// Points stdin at /dev/null.
    fn release_stdin() {
        if let Ok(null) = std::fs::File::open("/dev/null") {
            use std::os::fd::AsRawFd;
            // SAFETY: both descriptors are open; nothing reads stdin after this.
            unsafe {
                libc::dup2(null.as_raw_fd(), libc::STDIN_FILENO);
            }
        }
    }
}

/// Puts each planning question to omg as a [`Reply::Question`] and waits for its
/// [`Request::Answer`]. Frames go through a handle of the asker's own, like the
/// commit's sink; a hang-up or any other frame means the question's default.
fn asker(replies: &Replies<std::fs::File>) -> omg_packages::Asker {
    let id = replies.id;
    let served = replies.served.clone();
    let mut out = replies.out.try_clone().ok();
    let mut buffer = Vec::new();
    Box::new(move |question: &omg_core::Question| {
        let frame = omg_ipc::encode(&ReplyEnvelope {
            protocol: PROTOCOL_VERSION,
            id,
            served: served.clone(),
            body: Ok(Reply::Question(question.clone())),
        });
        let Ok(frame) = frame else {
            return question.default;
        };
        let Some(out) = out.as_mut() else {
            return question.default;
        };
        if out.write_all(&frame).and_then(|()| out.flush()).is_err() {
            return question.default;
        }
        match read_request(&mut buffer) {
            Ok(Incoming::Request(omg_ipc::RequestEnvelope {
                body: Request::Answer { yes },
                ..
            })) => yes,
            _ => question.default,
        }
    })
}

/// SIGINT and SIGHUP ignored while it lives, restored when dropped.
struct IgnoreInterrupts {
    previous: [(libc::c_int, libc::sighandler_t); 2],
}

#[expect(unsafe_code, reason = "std has no signal disposition API")]
impl IgnoreInterrupts {
    fn new() -> Self {
        let ignore = |signal| {
            // SAFETY: SIG_IGN is a valid disposition for these signals; this
            // process runs no other signal handling.
            (signal, unsafe { libc::signal(signal, libc::SIG_IGN) })
        };
        Self {
            previous: [ignore(libc::SIGINT), ignore(libc::SIGHUP)],
        }
    }
}

#[expect(unsafe_code, reason = "std has no signal disposition API")]
impl Drop for IgnoreInterrupts {
    fn drop(&mut self) {
        for (signal, previous) in self.previous {
            // SAFETY: restores the disposition `new` found.
            unsafe {
                libc::signal(signal, previous);
            }
        }
    }
}

/// An unknown name gets the same suggestions `omg info` gives.
fn explain(setup: &Setup, error: omg_packages::Error) -> IpcError {
    let omg_packages::Error::NotFound { names } = &error else {
        return crate::failed(error);
    };
    let Ok(catalog) = omg_packages::Catalog::open(&setup.selection) else {
        return IpcError::NotFound {
            names: names.clone(),
            message: error.to_string(),
        };
    };
    let mut suggestions: Vec<String> = Vec::new();
    for name in names {
        if let Ok(omg_core::InfoAnswer::NotFound { suggestions: close }) = catalog.info(name) {
            suggestions.extend(close);
        }
    }
    suggestions.dedup();
    let message = if suggestions.is_empty() {
        error.to_string()
    } else {
        format!("{error} (did you mean {}?)", suggestions.join(", "))
    };
    IpcError::NotFound {
        names: names.clone(),
        message,
    }
}

/// The write side of the backend `selection` names: libapt-pkg for Debian (the
/// omg-apt crate, linked only here), libalpm for Arch.
fn open_changer(setup: &Setup) -> omg_packages::Result<Box<dyn omg_packages::SystemChanger>> {
    let selection = &setup.selection;
    match selection.kind {
        #[cfg(feature = "apt")]
        omg_core::BackendKind::Debian => Ok(Box::new(omg_apt::AptChanger::new(
            omg_packages::debian::DebianPaths::of(selection),
        ))),
        _ => omg_packages::open_changer(selection, setup.change_options),
    }
}
