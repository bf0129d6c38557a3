use super::*;
use omg_testbed::{Fault, HttpServer};

struct Mirror {
    _dir: tempfile::TempDir,
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
        _dir: dir,
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
