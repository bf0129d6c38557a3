//! The vulnerability feeds on hostile bytes: a mirror or a man in the middle
//! decides what `omg audit` parses. Either feed parses or is an error, never a
//! panic; whatever parses matches against a fixed set of installed packages
//! without panicking, and every finding names an installed package and at least
//! one id.
#![no_main]

use libfuzzer_sys::fuzz_target;
use omg_audit::Installed;

fuzz_target!(|data: &[u8]| {
    let installed = [
        Installed {
            name: "openssl".to_owned(),
            version: "3.0.7-1".to_owned(),
            source: None,
            candidate: Some("3.0.8-1".to_owned()),
        },
        Installed {
            name: "zlib1g".to_owned(),
            version: "1:1.2.13.dfsg-1".to_owned(),
            source: Some(("zlib".to_owned(), "1:1.2.13.dfsg-1".to_owned())),
            candidate: None,
        },
    ];
    let names = ["openssl", "zlib1g"];
    if let Ok(groups) = omg_audit::arch::parse(data) {
        for finding in omg_audit::arch::matches(&groups, &installed) {
            assert!(names.contains(&finding.package.as_str()));
            assert!(!finding.ids.is_empty());
        }
    }
    if let Ok(feed) = omg_audit::debian::parse(data) {
        for release in ["bookworm", "trixie"] {
            for finding in omg_audit::debian::matches(&feed, release, &installed) {
                assert!(names.contains(&finding.package.as_str()));
                assert_eq!(finding.ids.len(), 1);
            }
        }
    }
});
