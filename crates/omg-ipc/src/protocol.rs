//! Message types. postcard encodes fields and enum variants by position, so:
//! new requests, replies and errors are only ever appended; existing variants never
//! change shape; a change that breaks that bumps [`PROTOCOL_VERSION`].

use omg_core::audit::{AuditReport, AuditSummary};
use omg_core::aur::AurSearchResults;
use omg_core::{
    BackendSelection, ChangeEvent, ChangeOutcome, ChangeRequest, InfoAnswer, InstalledPackage,
    Plan, Question, RuntimeProbe, Satisfier, SearchRequest, SearchResults, SystemStatus, Upgrade,
};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Bumped whenever an existing message changes shape.
pub const PROTOCOL_VERSION: u16 = 5;

/// The id of a reply about the connection rather than a request: a client never
/// sends it (its ids start above zero), so such a reply can come before any request.
pub const CONNECTION_ID: u64 = 0;

/// What a client sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestEnvelope {
    /// The client's [`PROTOCOL_VERSION`].
    pub protocol: u16,
    /// Chosen by the client; the reply carries it back.
    pub id: u64,
    /// The request itself.
    pub body: Request,
}

/// The first two fields of every request and reply, whatever its protocol version:
/// enough to tell a version mismatch from a garbled message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// The sender's [`PROTOCOL_VERSION`].
    pub protocol: u16,
    /// The request id.
    pub id: u64,
}

/// What the daemon sends back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplyEnvelope {
    /// The daemon's [`PROTOCOL_VERSION`].
    pub protocol: u16,
    /// The id of the request this answers.
    pub id: u64,
    /// The package database this daemon serves; a client asking about another one
    /// must not use the answer.
    pub served: BackendSelection,
    /// The answer.
    pub body: Result<Reply, IpcError>,
}

/// Requests. Append only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Request {
    /// Is the daemon up and its index loaded?
    Ping,
    /// `omg search`.
    Search(SearchRequest),
    /// `omg info NAME`.
    Info {
        /// Package name.
        name: String,
    },
    /// `omg explicit`.
    Explicit,
    /// `omg list --installed`.
    Installed,
    /// `omg status` (system part).
    Status,
    /// Rebuild the index and status now.
    Refresh,
    /// Stop the daemon.
    Shutdown,
    /// `omg daemon status`.
    DaemonStatus,
    /// Installed runtime versions and defaults (`omg status`).
    Runtimes,
    /// Change the system (`omg install`, `remove`, `sync`, `update`). Only the
    /// one-shot `omgd --transact` serves it, never the daemon, which is never root.
    /// The answer is a [`Reply::Plan`] (except for a sync), then the process waits
    /// for [`Request::Proceed`].
    Change(ChangeRequest),
    /// The user's answer to a [`Reply::Plan`]: commit it, or drop it.
    Proceed {
        /// Commit.
        proceed: bool,
    },
    /// The user's answer to a [`Reply::Question`].
    Answer {
        /// Yes.
        yes: bool,
    },
    /// Installed packages with a newer candidate, with both versions.
    Upgradable,
    /// How each dependency could be satisfied on the system (the AUR build graph).
    Satisfiers {
        /// Dependency strings (`name`, `name>=1.2`).
        dependencies: Vec<String>,
    },
    /// Installed packages no repository offers (answered with [`Reply::Packages`]).
    Foreign,
    /// `omg audit`: every finding omgd's worker last matched (it never fetches to
    /// answer), or with `refresh` the feed fetched and matched again first.
    Audit {
        /// Fetch the feed now (`omg audit --refresh`).
        refresh: bool,
    },
    /// Vulnerability counts for `omg status`, from the report omgd's worker last
    /// matched; never matches or fetches to answer.
    AuditSummary,
    /// The AUR part of `omg search`, from omgd's local AUR index.
    AurSearch {
        /// The AUR's base URL the client would ask: omgd answers only from an
        /// index of that same AUR.
        url: String,
        /// The search terms, as for [`Request::Search`].
        terms: Vec<String>,
        /// Most hits to return.
        limit: Option<usize>,
    },
    /// The versions a runtime's mirror offers (`omg use node <TAB>`), from what
    /// omgd kept; a miss starts a fetch for the next time.
    RuntimeOffers {
        /// The runtime (`node`).
        runtime: String,
        /// Where its list of versions comes from, as the asking omg resolves it.
        mirror: String,
    },
}

/// Replies, one per request kind. Append only. Not `Eq`: AUR popularity is a float.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Reply {
    /// Answer to [`Request::Ping`]: the daemon's process id.
    Pong {
        /// Process id.
        pid: u32,
    },
    /// Answer to [`Request::Search`].
    Search(SearchResults),
    /// Answer to [`Request::Info`].
    Info(InfoAnswer),
    /// Answer to [`Request::Explicit`] and [`Request::Installed`].
    Packages(Vec<InstalledPackage>),
    /// Answer to [`Request::Status`].
    Status(SystemStatus),
    /// Answer to [`Request::Refresh`]: the new index size.
    Refreshed {
        /// Packages in the rebuilt index.
        packages: usize,
    },
    /// Answer to [`Request::Shutdown`], sent before the daemon stops.
    ShuttingDown,
    /// Answer to [`Request::DaemonStatus`].
    DaemonStatus(DaemonStatus),
    /// Answer to [`Request::Runtimes`].
    Runtimes(Vec<RuntimeProbe>),
    /// First answer to [`Request::Change`]: what a commit would do.
    Plan(Plan),
    /// Streamed while a change is committed, each with the request's id.
    ChangeEvent(ChangeEvent),
    /// The last answer to [`Request::Change`].
    Changed(ChangeOutcome),
    /// Sent while a change is planned, before [`Reply::Plan`]: a question for the
    /// user; the process waits for [`Request::Answer`] (a hang-up means the
    /// question's default).
    Question(Question),
    /// Answer to [`Request::Upgradable`].
    Upgrades(Vec<Upgrade>),
    /// Answer to [`Request::Satisfiers`], one per dependency in order.
    Satisfiers(Vec<Satisfier>),
    /// Answer to [`Request::Audit`].
    Audit(AuditReport),
    /// Answer to [`Request::AuditSummary`]: `None` until the worker has matched.
    AuditSummary(Option<AuditSummary>),
    /// Answer to [`Request::AurSearch`]; `None` when omgd keeps no index of that
    /// AUR (not Arch, turned off, or not downloaded yet): ask the RPC.
    AurSearch(Option<AurSearchResults>),
    /// Answer to [`Request::RuntimeOffers`]: versions with their labels, newest
    /// first; `None` while omgd has no fresh list of that mirror.
    RuntimeOffers(Option<Vec<(String, Option<String>)>>),
}

/// Typed failures. Variant 0 must stay `ProtocolMismatch` with this shape forever.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum IpcError {
    /// The request's protocol version is not the daemon's.
    #[error("omgd speaks protocol {daemon}, this omg speaks {client}")]
    ProtocolMismatch {
        /// The daemon's version.
        daemon: u16,
        /// The version the request carried.
        client: u16,
    },
    /// The frame decoded, but not into a request this daemon knows.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The daemon is still building its index.
    #[error("omgd is still loading")]
    NotReady,
    /// The request ran and failed; the text is the whole error chain.
    #[error("{0}")]
    Failed(String),
    /// The daemon is stopping.
    #[error("omgd is shutting down")]
    ShuttingDown,
    /// The daemon is at its connection limit. Sent unasked, with id
    /// [`CONNECTION_ID`], the moment a connection is accepted, then the connection
    /// is closed: the client answers directly instead of waiting its turn.
    #[error("omgd is busy: every connection it serves at once is in use")]
    Busy,
    /// A change named packages no repository has; `message` is the whole error,
    /// with suggestions. Its own variant so that omg can look those names up in
    /// the AUR only then.
    #[error("{message}")]
    NotFound {
        /// The words no repository satisfies.
        names: Vec<String>,
        /// What to show.
        message: String,
    },
}

/// What `omg daemon status` shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DaemonStatus {
    /// Process id.
    pub pid: u32,
    /// The daemon's version string.
    pub version: String,
    /// Seconds since it started.
    pub uptime_secs: u64,
    /// Socket it listens on.
    pub socket: PathBuf,
    /// Packages in the index.
    pub index_packages: usize,
    /// When the index was built (unix seconds).
    pub index_built_at: i64,
    /// Milliseconds the last index build took.
    pub index_build_ms: u64,
    /// Answers served from the cache.
    pub cache_hits: u64,
    /// Answers computed because the cache had none.
    pub cache_misses: u64,
    /// Requests answered since start, not counting `DaemonStatus`.
    pub requests: u64,
    /// The redb store.
    pub store: PathBuf,
    /// When the worker last refreshed the status (unix seconds).
    pub last_refresh: Option<i64>,
    /// Resident memory in bytes.
    pub rss_bytes: Option<u64>,
}

/// What a server makes of one request frame.
#[derive(Debug)]
pub enum Incoming {
    /// A request to answer.
    Request(RequestEnvelope),
    /// A request to refuse with this error, then close the connection.
    Refuse {
        /// The request's id.
        id: u64,
        /// Why.
        error: IpcError,
    },
    /// Not even a header: close without a word.
    Garbage,
}

impl Incoming {
    /// Decodes a request frame's payload: the header first, so another protocol
    /// version is told so instead of being misread.
    #[must_use]
    pub fn parse(payload: &[u8]) -> Self {
        let Ok((header, _)) = postcard::take_from_bytes::<Header>(payload) else {
            return Self::Garbage;
        };
        if header.protocol != PROTOCOL_VERSION {
            return Self::Refuse {
                id: header.id,
                error: IpcError::ProtocolMismatch {
                    daemon: PROTOCOL_VERSION,
                    client: header.protocol,
                },
            };
        }
        match postcard::from_bytes::<RequestEnvelope>(payload) {
            Ok(envelope) => Self::Request(envelope),
            Err(error) => Self::Refuse {
                id: header.id,
                error: IpcError::BadRequest(error.to_string()),
            },
        }
    }
}
