//! Writes the `ipc_frame` seed corpus: real frames of protocol 1, encoded by omg-ipc
//! itself, one request or reply of every kind (a few of them several to a file, as
//! a connection carries them). Run from the repository root:
//! `cargo run --manifest-path fuzz/Cargo.toml --example ipc_seeds`.

use omg_core::{
    BackendKind, BackendSelection, InfoAnswer, InstalledPackage, MatchKind, PackageDetails,
    PackageRecord, RuntimeProbe, SearchHit, SearchRequest, SearchResults, SystemStatus,
};
use omg_ipc::{
    encode, DaemonStatus, IpcError, Reply, ReplyEnvelope, Request, RequestEnvelope,
    PROTOCOL_VERSION,
};

fn main() {
    let dir = std::path::Path::new("fuzz/corpus/ipc_frame");
    std::fs::create_dir_all(dir).expect("corpus directory");
    let search = SearchRequest {
        terms: vec!["text".into(), "editor".into()],
        limit: Some(20),
        fuzzy_below: 5,
    };
    let requests = [
        Request::Ping,
        Request::Search(search),
        Request::Info {
            name: "curl".into(),
        },
        Request::Explicit,
        Request::Installed,
        Request::Status,
        Request::Refresh,
        Request::Shutdown,
        Request::DaemonStatus,
        Request::Runtimes,
    ];
    for (id, body) in requests.into_iter().enumerate() {
        let frame = encode(&RequestEnvelope {
            protocol: PROTOCOL_VERSION,
            id: id as u64 + 1,
            body,
        })
        .expect("encode");
        std::fs::write(dir.join(format!("request-{id:02}")), frame).expect("write");
    }
    let served = BackendSelection {
        kind: BackendKind::Debian,
        arch_config: None,
        arch_root: None,
        arch_dbpath: None,
        debian_lists_dir: Some("/var/lib/apt/lists".into()),
        debian_status_file: None,
        debian_extended_states: None,
    };
    let record = PackageRecord {
        name: "vim".into(),
        version: "2:9.0.1378-2+deb12u2".into(),
        description: "Vi IMproved - enhanced vi editor".into(),
        long_description: None,
        repository: "bookworm/main".into(),
        installed_version: Some("2:9.0.1378-2".into()),
        provides: vec!["editor".into()],
    };
    let details = PackageDetails {
        name: "curl".into(),
        version: Some("7.88.1-10+deb12u14".into()),
        installed_version: None,
        repository: "bookworm-security/main".into(),
        description: "command line tool for transferring data with URL syntax".into(),
        url: Some("https://curl.se/".into()),
        licenses: Vec::new(),
        architecture: Some("amd64".into()),
        depends: vec![
            "libc6 (>= 2.34)".into(),
            "libcurl4 (= 7.88.1-10+deb12u14)".into(),
        ],
        optional_depends: Vec::new(),
        provides: Vec::new(),
        conflicts: Vec::new(),
        replaces: Vec::new(),
        download_size: Some(315_000),
        installed_size: Some(500 * 1024),
        packager: Some("Alessandro Ghedini <ghedo@debian.org>".into()),
        build_date: None,
        install_date: None,
        explicit: None,
        section: Some("web".into()),
    };
    let replies: Vec<Result<Reply, IpcError>> = vec![
        Ok(Reply::Pong { pid: 4242 }),
        Ok(Reply::Search(SearchResults {
            hits: vec![SearchHit {
                package: record,
                matched: MatchKind::Description,
            }],
            exact_total: 1,
        })),
        Ok(Reply::Info(InfoAnswer::Found(Box::new(details)))),
        Ok(Reply::Info(InfoAnswer::NotFound {
            suggestions: vec!["curl".into()],
        })),
        Ok(Reply::Packages(vec![InstalledPackage {
            name: "bash".into(),
            version: "5.2.15-2+b7".into(),
            explicit: true,
            source: None,
            architecture: Some("amd64".into()),
            licenses: Vec::new(),
        }])),
        Ok(Reply::Status(SystemStatus {
            backend: BackendKind::Debian,
            root: "/".into(),
            installed: 400,
            explicit: 90,
            orphans: 2,
            upgradable: 3,
            available: 63_000,
            database_synced_at: Some(1_764_000_000),
        })),
        Ok(Reply::Refreshed { packages: 63_000 }),
        Ok(Reply::ShuttingDown),
        Ok(Reply::DaemonStatus(DaemonStatus {
            pid: 4242,
            version: "0.1.0".into(),
            uptime_secs: 60,
            socket: "/run/user/1000/omg/omgd.sock".into(),
            index_packages: 63_000,
            index_built_at: 1_764_000_000,
            index_build_ms: 420,
            cache_hits: 7,
            cache_misses: 3,
            requests: 10,
            store: "/home/u/.cache/omg/omgd.redb".into(),
            last_refresh: Some(1_764_000_100),
            rss_bytes: Some(30 << 20),
        })),
        Ok(Reply::Runtimes(vec![RuntimeProbe {
            runtime: "node".into(),
            installed: vec!["20.11.1".into(), "22.12.0".into()],
            default: Some("22.12.0".into()),
        }])),
        Err(IpcError::ProtocolMismatch {
            daemon: 1,
            client: 2,
        }),
        Err(IpcError::BadRequest("unknown variant".into())),
        Err(IpcError::NotReady),
        Err(IpcError::Failed("cannot read /var/lib/dpkg/status".into())),
        Err(IpcError::ShuttingDown),
    ];
    for (id, body) in replies.into_iter().enumerate() {
        let frame = encode(&ReplyEnvelope {
            protocol: PROTOCOL_VERSION,
            id: id as u64 + 1,
            served: served.clone(),
            body,
        })
        .expect("encode");
        std::fs::write(dir.join(format!("reply-{id:02}")), frame).expect("write");
    }
    // A connection's worth: several frames back to back, the last one cut short.
    let mut stream = Vec::new();
    for id in 0..3 {
        stream.extend(
            encode(&RequestEnvelope {
                protocol: PROTOCOL_VERSION,
                id,
                body: Request::Ping,
            })
            .expect("encode"),
        );
    }
    stream.pop();
    std::fs::write(dir.join("stream-truncated"), stream).expect("write");
}
