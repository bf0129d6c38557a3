//! Ruby from a ruby-lang.org-shaped source tree, built the way ruby-build does
//! (configure with the final prefix and --enable-load-relative, make, make install
//! into staging). The sources are small ones made here with Ruby's tarball layout
//! and a stand-in configure/Makefile, so the build takes a second, not ten minutes.

use omg_runtimes::ruby::RubyMirror;
use omg_runtimes::{Layout, Runtime, RuntimeManager};
use omg_testbed::HttpServer;
use std::path::Path;
use std::process::Command;

/// What an install reported.
#[derive(Default)]
struct Recorder {
    bytes: u64,
    phases: Vec<String>,
    output: Vec<u8>,
}

impl omg_runtimes::Reporter for Recorder {
    fn bytes(&mut self, done: u64, _total: Option<u64>) {
        self.bytes = done;
    }

    fn phase(&mut self, phase: &str) {
        self.phases.push(phase.to_owned());
    }

    fn output(&mut self, chunk: &[u8]) {
        self.output.extend_from_slice(chunk);
    }
}

fn source_tarball(root: &Path, version: &str, configure_works: bool) -> String {
    let work = tempfile::tempdir().unwrap();
    let top = work.path().join(format!("ruby-{version}"));
    std::fs::create_dir_all(&top).unwrap();
    let configure = if configure_works {
        format!(
            "#!/bin/sh\nprefix=\nrelative=no\nfor arg in \"$@\"; do case \"$arg\" in --prefix=*) prefix=\"${{arg#--prefix=}}\";; --enable-load-relative) relative=yes;; esac; done\n\
             printf 'all:\\n\\t@true\\ninstall:\\n\\tmkdir -p $(DESTDIR)%s/bin\\n\\tprintf \"#!/bin/sh\\\\necho ruby {version} load-relative=%s\\\\n\" > $(DESTDIR)%s/bin/ruby\\n\\tchmod +x $(DESTDIR)%s/bin/ruby\\n' \"$prefix\" \"$relative\" \"$prefix\" \"$prefix\" > Makefile\n"
        )
    } else {
        "#!/bin/sh\necho 'configure: error: no acceptable C compiler found' >&2\nexit 1\n"
            .to_owned()
    };
    std::fs::write(top.join("configure"), configure).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        top.join("configure"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    let minor: String = version.split('.').take(2).collect::<Vec<_>>().join(".");
    std::fs::create_dir_all(root.join(&minor)).unwrap();
    let archive = root.join(&minor).join(format!("ruby-{version}.tar.gz"));
    let status = Command::new("tar")
        .arg("-czf")
        .arg(&archive)
        .arg("-C")
        .arg(work.path())
        .arg(format!("ruby-{version}"))
        .status()
        .unwrap();
    assert!(status.success());
    let sha256 = omg_runtimes::checksum::sha256_file(&archive).unwrap();
    format!(
        "ruby-{version}\thttps://cache.ruby-lang.org/pub/ruby/{minor}/ruby-{version}.tar.gz\tsha1\t{sha256}\tsha512\n"
    )
}

#[test]
fn builds_from_source_into_place_and_a_failed_build_leaves_nothing() {
    let root = tempfile::tempdir().unwrap();
    let index = format!(
        "name\turl\tsha1\tsha256\tsha512\n{}{}",
        source_tarball(root.path(), "3.3.6", true),
        source_tarball(root.path(), "3.2.9", false)
    );
    std::fs::write(root.path().join("index.txt"), index).unwrap();
    let server = HttpServer::serve(root.path());
    let mirror = RubyMirror::new(&server.url());
    assert_eq!(mirror.resolve("3").unwrap(), "3.3.6");
    let data = tempfile::tempdir().unwrap();
    let layout = Layout::new(data.path());
    let downloads = data.path().join("downloads");
    let mut seen = Recorder::default();
    let dir = mirror
        .install(&layout, "3.3.6", &downloads, &mut seen)
        .unwrap();
    assert_eq!(seen.phases, ["configure", "make", "make install"]);
    assert!(seen.bytes > 0);
    assert!(!downloads.join("ruby-3.3.6-build.log").exists());
    let output = Command::new(dir.join("bin/ruby")).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        "ruby 3.3.6 load-relative=yes"
    );
    let mut seen = Recorder::default();
    let error = mirror
        .install(&layout, "3.2.9", &downloads, &mut seen)
        .unwrap_err()
        .to_string();
    assert!(error.starts_with("`./configure --prefix="), "{error}");
    // The output reached the reporter (shown with -v) and stays in the named log.
    let compiler = "configure: error: no acceptable C compiler found";
    assert!(String::from_utf8_lossy(&seen.output).contains(compiler));
    let log = downloads.join("ruby-3.2.9-build.log");
    assert!(
        error.ends_with(&format!("the build log is {}", log.display())),
        "{error}"
    );
    assert!(std::fs::read_to_string(&log).unwrap().contains(compiler));
    assert_eq!(layout.installed(&Runtime::Ruby).unwrap(), ["3.3.6"]);
    crate::selects(
        &layout,
        &Runtime::Ruby,
        ".ruby-version",
        "ruby-3.3.6\n",
        "3.3.6",
    );
    let leftovers: Vec<_> = std::fs::read_dir(layout.runtime_dir(&Runtime::Ruby))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
