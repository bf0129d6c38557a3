use omg_runtimes::java::JavaMirror;
use omg_runtimes::{Layout, Runtime, RuntimeManager};
use omg_testbed::{java_api, HttpServer, JAVA_MISSING_FEATURE, JAVA_RELEASE};

#[test]
fn installs_a_real_jdk_whose_java_runs() {
    let api = tempfile::tempdir().unwrap();
    let server = HttpServer::serve(api.path());
    java_api(api.path(), &server.url());
    let mirror = JavaMirror::new(&server.url());
    let version = JAVA_RELEASE.trim_start_matches("jdk-");
    assert_eq!(mirror.resolve("25").unwrap(), version);
    assert_eq!(mirror.resolve("lts").unwrap(), version);
    assert_eq!(mirror.resolve("latest").unwrap(), version);
    assert_eq!(mirror.resolve("25.0.2").unwrap(), version);
    let data = tempfile::tempdir().unwrap();
    let layout = Layout::new(data.path());
    let home = mirror
        .install(
            &layout,
            version,
            &data.path().join("downloads"),
            &mut |_, _| {},
        )
        .unwrap();
    let output = std::process::Command::new(home.join("bin/java"))
        .arg("-version")
        .output()
        .unwrap();
    let banner = String::from_utf8_lossy(&output.stderr);
    assert!(banner.starts_with("openjdk version \"25.0.2\""), "{banner}");
    assert_eq!(layout.installed(&Runtime::Java).unwrap(), [version]);
    crate::selects(&layout, &Runtime::Java, ".java-version", "25\n", version);
    let offers = mirror.available().unwrap();
    assert_eq!(offers[0].version, "25");
    assert_eq!(offers[0].label.as_deref(), Some("lts"));
}

#[test]
fn unknown_features_old_builds_and_missing_archives_are_clear_errors() {
    let api = tempfile::tempdir().unwrap();
    let server = HttpServer::serve(api.path());
    java_api(api.path(), &server.url());
    let mirror = JavaMirror::new(&server.url());
    let platform = "linux-x64";
    assert_eq!(
        mirror.resolve("19").unwrap_err().to_string(),
        format!("no java release matches `19` for {platform}")
    );
    // Only a feature's current build can be named exactly.
    assert_eq!(
        mirror.resolve("25.0.1").unwrap_err().to_string(),
        format!("no java release matches `25.0.1` for {platform}")
    );
    let data = tempfile::tempdir().unwrap();
    let layout = Layout::new(data.path());
    let version = mirror.resolve(&JAVA_MISSING_FEATURE.to_string()).unwrap();
    let error = mirror
        .install(
            &layout,
            &version,
            &data.path().join("downloads"),
            &mut |_, _| {},
        )
        .unwrap_err()
        .to_string();
    assert!(error.ends_with(": HTTP 404"), "{error}");
    assert!(layout.installed(&Runtime::Java).unwrap().is_empty());
}
