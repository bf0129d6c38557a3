//! The accept loop and one task per connection.

use crate::args::Setup;
use crate::instance::Instance;
use crate::state::State;
use anyhow::{Context, Result};
use omg_ipc::asynchronous::read_frame_within;
use omg_ipc::{Header, Incoming, IpcError, Request, CONNECTION_ID, PROTOCOL_VERSION};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::broadcast;
use tokio::task::JoinSet;

/// A connection that sends nothing for this long is closed.
const IDLE: Duration = Duration::from_secs(120);
/// Connections served at once. One more is told [`IpcError::Busy`] and closed at
/// once, so its client answers directly instead of waiting out its timeout.
pub const MAX_CONNECTIONS: usize = 512;
/// A client that has not taken its whole answer after this long is dropped: a
/// peer that asks and never reads would otherwise hold its task and its slot
/// forever. Readers take a 16 MiB frame in milliseconds; a suspended `omg` that
/// comes back later finds the connection closed and answers directly.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// Requests are small (a search is its terms); a bigger frame is refused unread.
const MAX_REQUEST: usize = 64 * 1024;
/// Config intervals beyond 30 days are taken as 30 days (timers and moka's TTL
/// have limits, and nobody means more).
const LONGEST_INTERVAL: u64 = 30 * 86_400;
/// How long in-flight requests get to finish at shutdown.
const DRAIN: Duration = Duration::from_secs(5);

/// Binds the socket with mode 0600 from its first moment. bind(2) creates the
/// socket file as 0777 minus the umask, so binding first and chmod-ing after
/// leaves a window in which anyone who can reach the directory (a shared one
/// named by `OMG_SOCKET`) connects. The mask is 0177, not 077: 077 would leave an
/// owner execute bit that means nothing on a socket. The umask is per process:
/// this runs before the runtime starts any thread, so nothing else is created
/// under the narrowed mask, and the old mask is back before anything else runs.
pub(crate) fn bind(socket: &Path) -> Result<std::os::unix::net::UnixListener> {
    let previous = set_umask(0o177);
    let bound = std::os::unix::net::UnixListener::bind(socket);
    set_umask(previous);
    let listener = bound.with_context(|| format!("cannot bind {}", socket.display()))?;
    // tokio takes over the listener and requires it non-blocking.
    listener.set_nonblocking(true)?;
    Ok(listener)
}

#[expect(unsafe_code, reason = "std has no umask")]
fn set_umask(mask: libc::mode_t) -> libc::mode_t {
    // SAFETY: umask(2) takes a plain integer, cannot fail and touches no memory.
    unsafe { libc::umask(mask) }
}

pub(crate) async fn run(
    setup: Setup,
    listener: std::os::unix::net::UnixListener,
    _instance: &Instance,
) -> Result<()> {
    let listener = UnixListener::from_std(listener).context("cannot serve the socket")?;
    let store = crate::store::Store::open(&setup.paths.data_dir.join("store.redb"))?;
    let state = Arc::new(
        State::new(
            setup.selection.clone(),
            setup.socket.clone(),
            store,
            Duration::from_secs(setup.config.daemon.cache_ttl_secs.min(LONGEST_INTERVAL)),
            &setup.paths.data_dir,
            crate::audit::Audit::new(
                omg_audit::system::FeedSources::resolve(&setup.config, &setup.paths, &|name| {
                    std::env::var(name).ok()
                }),
                setup.selection.kind,
            ),
        )?
        .with_aur(crate::aur::AurKeeper::new(&setup))
        .with_snapshot_dir(setup.paths.cache_dir.clone(), setup.backend_args.clone()),
    );
    crate::log::info(&format!(
        "pid {} serving {} on {}",
        std::process::id(),
        setup.selection.describe(),
        setup.socket.display()
    ));
    let (shutdown, _) = broadcast::channel::<()>(4);
    let worker = tokio::spawn(crate::worker::start(
        Arc::clone(&state),
        Duration::from_secs(setup.config.daemon.refresh_secs.clamp(1, LONGEST_INTERVAL)),
        shutdown.clone(),
    ));
    let aur = state
        .aur
        .clone()
        .map(|aur| tokio::spawn(aur.run(shutdown.clone())));
    let signals = tokio::spawn(signals(shutdown.clone()));
    let served = serve(listener, Arc::clone(&state), shutdown.clone()).await;
    let _ = shutdown.send(());
    // The worker ends on the same signal; give it the drain time, then stop waiting.
    let worked = match tokio::time::timeout(DRAIN, worker).await {
        Ok(Ok(result)) => result,
        Ok(Err(panicked)) => Err(anyhow::anyhow!("the worker failed: {panicked}")),
        Err(_) => Ok(()),
    };
    signals.abort();
    if let Some(aur) = aur {
        aur.abort();
    }
    crate::log::info("stopped");
    served.and(worked)
}

async fn signals(shutdown: broadcast::Sender<()>) {
    use tokio::signal::unix::{signal, SignalKind};
    let mut stop = shutdown.subscribe();
    let (Ok(mut interrupt), Ok(mut terminate)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        crate::log::error("cannot install signal handlers");
        return;
    };
    tokio::select! {
        _ = interrupt.recv() => crate::log::info("SIGINT: shutting down"),
        _ = terminate.recv() => crate::log::info("SIGTERM: shutting down"),
        _ = stop.recv() => return,
    }
    let _ = shutdown.send(());
}

async fn serve(
    listener: UnixListener,
    state: Arc<State>,
    shutdown: broadcast::Sender<()>,
) -> Result<()> {
    let mut stop = shutdown.subscribe();
    let limit = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    let busy = omg_ipc::encode_reply(
        Header {
            protocol: PROTOCOL_VERSION,
            id: CONNECTION_ID,
        },
        &state.served,
        &encoded_error(IpcError::Busy),
    )?;
    let mut refusing = false;
    let mut connections = JoinSet::new();
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    // Out of file descriptors, say: wait instead of spinning.
                    crate::log::error(&format!("accept: {error}"));
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = stop.recv() => break,
        };
        // Accepting and refusing beats leaving the connection in the kernel's
        // backlog: there its client could only wait out its timeout.
        let Ok(permit) = Arc::clone(&limit).try_acquire_owned() else {
            if !refusing {
                crate::log::info(&format!(
                    "{MAX_CONNECTIONS} connections open: new ones are told omgd is busy"
                ));
                refusing = true;
            }
            refuse_busy(stream, &busy);
            continue;
        };
        refusing = false;
        let state = Arc::clone(&state);
        let shutdown = shutdown.clone();
        connections.spawn(async move {
            connection(stream, &state, &shutdown).await;
            drop(permit);
        });
        while connections.try_join_next().is_some() {}
    }
    let _ = tokio::time::timeout(DRAIN, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    connections.abort_all();
    Ok(())
}

/// Serves one client until it leaves, misbehaves or the daemon stops. Any protocol
/// error closes this connection only.
async fn connection(mut stream: UnixStream, state: &Arc<State>, shutdown: &broadcast::Sender<()>) {
    let uid = omg_ipc::current_uid();
    match omg_ipc::peer_uid(&stream) {
        Ok(peer) if peer == uid => {}
        Ok(peer) => {
            crate::log::error(&format!("refused a connection from uid {peer}"));
            return;
        }
        Err(error) => {
            crate::log::error(&format!("cannot identify a peer: {error}"));
            return;
        }
    }
    let mut stop = shutdown.subscribe();
    let mut buffer = Vec::new();
    loop {
        let read = tokio::select! {
            read = tokio::time::timeout(IDLE, read_frame_within(&mut stream, &mut buffer, MAX_REQUEST)) => read,
            _ = stop.recv() => return,
        };
        match read {
            Ok(Ok(true)) => {}
            // End of stream, idle timeout, or a bad frame (empty, oversized, truncated).
            Ok(Ok(false) | Err(_)) | Err(_) => return,
        }
        let (id, body, keep_open, stop_after) = match Incoming::parse(&buffer) {
            Incoming::Request(envelope) => {
                let stopping = envelope.body == Request::Shutdown;
                (
                    envelope.id,
                    state.answer(envelope.body).await,
                    true,
                    stopping,
                )
            }
            Incoming::Refuse { id, error } => (id, encoded_error(error), false, false),
            Incoming::Garbage => return,
        };
        let prefix = omg_ipc::reply_prefix(
            Header {
                protocol: PROTOCOL_VERSION,
                id,
            },
            &state.served,
            body.len(),
        );
        let written = match prefix {
            Ok(prefix) => {
                tokio::time::timeout(WRITE_TIMEOUT, write_reply(&mut stream, prefix, &body)).await
            }
            Err(error) => {
                crate::log::error(&format!("cannot frame an answer: {error}"));
                return;
            }
        };
        let written = written.unwrap_or_else(|_| {
            crate::log::info(&format!(
                "dropped a client that did not take its answer within {} s",
                WRITE_TIMEOUT.as_secs()
            ));
            Err(std::io::ErrorKind::TimedOut.into())
        });
        if stop_after {
            crate::log::info("shutdown requested");
            let _ = shutdown.send(());
            return;
        }
        if written.is_err() || !keep_open {
            return;
        }
    }
}

/// Sends a reply: a small one as one write, a big one as its prefix and then the
/// cached body itself, which is never copied (a `search python3` answer is 300 KB).
async fn write_reply(
    stream: &mut UnixStream,
    mut prefix: Vec<u8>,
    body: &[u8],
) -> std::io::Result<()> {
    const COPIED_BELOW: usize = 16 * 1024;
    if body.len() < COPIED_BELOW {
        prefix.extend_from_slice(body);
        return stream.write_all(&prefix).await;
    }
    stream.write_all(&prefix).await?;
    stream.write_all(body).await
}

/// Says [`IpcError::Busy`] and hangs up, without reading: the client may not
/// have sent its request yet, and waiting for it would hold the very slot that is
/// missing. Another user's connection is closed without a word.
fn refuse_busy(stream: UnixStream, busy: &[u8]) {
    if omg_ipc::peer_uid(&stream).ok() != Some(omg_ipc::current_uid()) {
        return;
    }
    // A plain socket write: tokio would report a fresh socket "not ready" until
    // its first readiness event. The send buffer of a new connection is empty,
    // so the short frame goes out whole; should it not, the client still sees
    // the connection close and answers directly.
    if let Ok(stream) = stream.into_std() {
        let _ = (&stream).write(busy);
    }
}

fn encoded_error(error: IpcError) -> Arc<[u8]> {
    postcard::to_stdvec(&Err::<omg_ipc::Reply, _>(error))
        .map(Arc::from)
        .unwrap_or_else(|_| Arc::from(&[][..]))
}
