use super::*;
use omg_testbed::{Fault, HttpServer};
use std::sync::{Arc, Mutex};

struct Mirror {
    root: tempfile::TempDir,
    server: HttpServer,
    body: Vec<u8>,
    sha256: String,
    downloads: tempfile::TempDir,
}

fn mirror() -> Mirror {
    let dir = tempfile::tempdir().unwrap();
    let body: Vec<u8> = (0..700_000u32)
        .map(|i| (i.wrapping_mul(31) % 253) as u8)
        .collect();
    std::fs::create_dir_all(dir.path().join("v1")).unwrap();
    let file = dir.path().join("v1/runtime.tar.gz");
    std::fs::write(&file, &body).unwrap();
    let sha256 = sha256_file(&file).unwrap();
    let server = HttpServer::serve(dir.path());
    Mirror {
        root: dir,
        server,
        body,
        sha256,
        downloads: tempfile::tempdir().unwrap(),
    }
}

impl Mirror {
    fn url(&self) -> String {
        format!("{}/v1/runtime.tar.gz", self.server.url())
    }

    fn path(&self) -> &'static str {
        "/v1/runtime.tar.gz"
    }

    fn destination(&self) -> PathBuf {
        self.downloads.path().join("runtime.tar.gz")
    }

    fn get(&self, expected: &str) -> Result<()> {
        download(&self.url(), &self.destination(), expected, &mut |_, _| {})
    }

    fn files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.downloads.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }
}

#[test]
fn downloads_verify_and_report_progress() {
    let mirror = mirror();
    let mut reports = Vec::new();
    download(
        &mirror.url(),
        &mirror.destination(),
        &mirror.sha256,
        &mut |done, total| {
            reports.push((done, total));
        },
    )
    .unwrap();
    assert_eq!(std::fs::read(mirror.destination()).unwrap(), mirror.body);
    assert_eq!(mirror.files(), ["runtime.tar.gz"]);
    let total = mirror.body.len() as u64;
    assert_eq!(reports.last(), Some(&(total, Some(total))));
    assert!(reports.windows(2).all(|pair| pair[0].0 < pair[1].0));
}

#[test]
fn a_truncated_download_resumes_where_it_stopped() {
    let mirror = mirror();
    mirror
        .server
        .fail("/v1/runtime.tar.gz", Fault::Truncate(300_000));
    let error = mirror.get(&mirror.sha256).unwrap_err().to_string();
    assert!(error.contains("the next attempt resumes"), "{error}");
    assert_eq!(mirror.files(), ["runtime.tar.gz.part"]);
    mirror.server.heal("/v1/runtime.tar.gz");
    mirror.get(&mirror.sha256).unwrap();
    assert_eq!(std::fs::read(mirror.destination()).unwrap(), mirror.body);
    assert!(
        mirror
            .server
            .requests()
            .contains(&"GET /v1/runtime.tar.gz bytes=300000-".to_owned()),
        "{:?}",
        mirror.server.requests()
    );
}

#[test]
fn a_checksum_mismatch_keeps_nothing() {
    let mirror = mirror();
    let wrong = "0".repeat(64);
    let error = mirror.get(&wrong).unwrap_err().to_string();
    assert_eq!(
        error,
        format!(
            "{}: checksum mismatch: expected sha256 {wrong}, got {}",
            mirror.url(),
            mirror.sha256
        )
    );
    assert!(mirror.files().is_empty(), "{:?}", mirror.files());
}

#[test]
fn error_statuses_are_reported_and_leave_nothing() {
    let mirror = mirror();
    for status in [404, 500] {
        mirror
            .server
            .fail("/v1/runtime.tar.gz", Fault::Status(status));
        let error = mirror.get(&mirror.sha256).unwrap_err().to_string();
        assert_eq!(error, format!("{}: HTTP {status}", mirror.url()));
        assert!(mirror.files().is_empty());
    }
    let missing = format!("{}/index.json", mirror.server.url());
    assert_eq!(
        fetch_text(&missing).unwrap_err().to_string(),
        format!("{missing}: HTTP 404")
    );
}

#[test]
fn a_complete_or_oversized_part_is_discarded_and_fetched_again() {
    let mirror = mirror();
    let total = mirror.body.len();
    let mut oversized = mirror.body.clone();
    oversized.extend_from_slice(b"left over from an older file");
    for part in [mirror.body.clone(), oversized] {
        std::fs::write(part_path(&mirror.destination()), &part).unwrap();
        mirror.get(&mirror.sha256).unwrap();
        assert_eq!(std::fs::read(mirror.destination()).unwrap(), mirror.body);
        assert_eq!(mirror.files(), ["runtime.tar.gz"]);
        std::fs::remove_file(mirror.destination()).unwrap();
        let requests = mirror.server.requests();
        assert_eq!(
            requests[requests.len() - 2..],
            [
                format!("GET {} bytes={}-", mirror.path(), part.len()),
                format!("GET {}", mirror.path()),
            ],
            "{requests:?} (file of {total} bytes)"
        );
    }
}

#[test]
fn a_stalled_body_times_out_and_the_next_attempt_resumes() {
    let mirror = mirror();
    let downloader = Downloader::new(Duration::from_secs(1));
    mirror.server.fail(mirror.path(), Fault::Stall(300_000));
    let error = downloader
        .download(
            &mirror.url(),
            &mirror.destination(),
            &mirror.sha256,
            &mut |_, _| {},
        )
        .unwrap_err();
    assert!(matches!(error, DownloadError::Stalled { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        format!(
            "{}: stalled: no data for 1 s (after 300000 bytes; the next attempt resumes)",
            mirror.url()
        )
    );
    assert_eq!(mirror.files(), ["runtime.tar.gz.part"]);
    let index = format!("{}/v1/index.json", mirror.server.url());
    std::fs::write(mirror.root.path().join("v1/index.json"), "[]").unwrap();
    mirror.server.fail("/v1/index.json", Fault::Stall(1));
    assert_eq!(
        downloader.fetch_text(&index).unwrap_err().to_string(),
        format!("{index}: stalled: no data for 1 s")
    );
    mirror.server.heal(mirror.path());
    downloader
        .download(
            &mirror.url(),
            &mirror.destination(),
            &mirror.sha256,
            &mut |_, _| {},
        )
        .unwrap();
    assert_eq!(std::fs::read(mirror.destination()).unwrap(), mirror.body);
    assert!(mirror
        .server
        .requests()
        .contains(&format!("GET {} bytes=300000-", mirror.path())));
}

#[test]
fn a_slow_body_that_keeps_moving_is_not_a_stall() {
    let mirror = mirror();
    // Each pause is well inside the stall timeout; together they are well past it.
    mirror
        .server
        .fail(mirror.path(), Fault::Trickle(50_000, 250));
    Downloader::new(Duration::from_secs(1))
        .download(
            &mirror.url(),
            &mirror.destination(),
            &mirror.sha256,
            &mut |_, _| {},
        )
        .unwrap();
    assert_eq!(std::fs::read(mirror.destination()).unwrap(), mirror.body);
}

#[test]
fn concurrent_downloads_of_one_file_share_no_part() {
    let mirror = mirror();
    mirror.server.fail(mirror.path(), Fault::Stall(100_000));
    let outcomes: Vec<Result<()>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..2)
            .map(|_| scope.spawn(|| mirror.get(&mirror.sha256)))
            .collect();
        // Hold the first response mid-body long enough that, were the part
        // shared, the second download would be writing into it too.
        let waited = std::time::Instant::now();
        while mirror.server.requests().len() < 2 && waited.elapsed() < Duration::from_secs(2) {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(!mirror.server.requests().is_empty());
        mirror.server.heal(mirror.path());
        workers
            .into_iter()
            .map(|worker| worker.join().unwrap())
            .collect()
    });
    for outcome in outcomes {
        outcome.unwrap();
    }
    assert_eq!(std::fs::read(mirror.destination()).unwrap(), mirror.body);
    assert_eq!(mirror.files(), ["runtime.tar.gz"]);
    // The second found the first's verified file and fetched nothing.
    assert_eq!(mirror.server.requests(), [format!("GET {}", mirror.path())]);
}

#[test]
fn redirects_are_followed_hop_by_hop_and_plain_http_elsewhere_is_refused() {
    let mirror = mirror();
    let server = mirror.server.url();
    mirror
        .server
        .redirect("/latest/runtime.tar.gz", "/v1/runtime.tar.gz");
    mirror.server.redirect(
        "/v2/runtime.tar.gz",
        &format!("{server}/latest/runtime.tar.gz"),
    );
    download(
        &format!("{server}/v2/runtime.tar.gz"),
        &mirror.destination(),
        &mirror.sha256,
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(std::fs::read(mirror.destination()).unwrap(), mirror.body);

    // 192.0.2.0/24 is reserved for documentation: refused before any connection.
    let elsewhere = "http://192.0.2.1/index.json";
    mirror.server.redirect("/away", elsewhere);
    mirror.server.redirect("/ftp", "ftp://192.0.2.1/index.json");
    mirror.server.redirect("/loop", "/loop");
    mirror.server.redirect("/nowhere", "");
    let cases = [
        (
            elsewhere.to_owned(),
            format!("{elsewhere}: refusing plain http to a server not configured as a mirror (use https, or set the mirror to this address explicitly)"),
        ),
        (
            format!("{server}/away"),
            format!("{elsewhere}: refusing plain http to a server not configured as a mirror (use https, or set the mirror to this address explicitly)"),
        ),
        (
            format!("{server}/ftp"),
            format!("{server}/ftp: redirects to ftp://192.0.2.1/index.json, which is not an http(s) URL"),
        ),
        (
            format!("{server}/loop"),
            format!("{server}/loop: more than 10 redirects"),
        ),
        (
            format!("{server}/nowhere"),
            format!("{server}/nowhere: HTTP 302 without a usable Location"),
        ),
        (
            "file:///etc/passwd".to_owned(),
            "file:///etc/passwd: not an http(s) URL".to_owned(),
        ),
    ];
    for (url, expected) in cases {
        assert_eq!(fetch_text(&url).unwrap_err().to_string(), expected);
    }
}

#[test]
fn a_configured_plain_http_origin_is_allowed_and_announced_once() {
    let mirror = mirror();
    let announced = Arc::new(Mutex::new(Vec::new()));
    let downloader = Downloader::new(DEFAULT_STALL_TIMEOUT)
        .allow_plain_http(Origin::parse("http://mirror.lan:8080/dist").unwrap())
        .on_plain_http({
            let announced = Arc::clone(&announced);
            move |origin| announced.lock().unwrap().push(origin.to_string())
        });
    downloader
        .download(
            &mirror.url(),
            &mirror.destination(),
            &mirror.sha256,
            &mut |_, _| {},
        )
        .unwrap();
    let missing = format!("{}/index.json", mirror.server.url());
    downloader.fetch_text(&missing).unwrap_err();
    assert_eq!(*announced.lock().unwrap(), [mirror.server.url()]);
}
