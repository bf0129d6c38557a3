//! The AUR RPC client against omg-testbed's local RPC v5 server.

use omg_packages::aur::AurClient;
use omg_packages::Error;
use omg_testbed::{AurMode, AurServer};

#[test]
fn info_for_many_names_is_split_into_short_requests() {
    let aur = AurServer::start();
    let mut names: Vec<String> = (0..600).map(|n| format!("no-such-package-{n}")).collect();
    names.insert(300, "paru".to_owned());
    names.push("yay".to_owned());
    // Hostile names are never sent.
    names.push("../../evil".to_owned());
    let packages = AurClient::new(&aur.url()).info(&names).unwrap();
    let mut found: Vec<&str> = packages.iter().map(|p| p.name.as_str()).collect();
    found.sort_unstable();
    assert_eq!(found, ["paru", "yay"]);
    let requests = aur.requests();
    assert!(requests.len() > 1, "{requests:?}");
    for request in &requests {
        assert!(aur.url().len() + request.len() <= 4000, "{request}");
        assert!(request.starts_with("/rpc/v5/info?arg[]="), "{request}");
        assert!(!request.contains("evil"), "{request}");
    }
    let sent: usize = requests.iter().map(|r| r.matches("arg[]=").count()).sum();
    assert_eq!(sent, 602);
}

#[test]
fn info_fields_come_through_typed() {
    let aur = AurServer::start();
    let packages = AurClient::new(&aur.url())
        .info(&["paru-bin".to_owned(), "cower".to_owned()])
        .unwrap();
    let paru = packages.iter().find(|p| p.name == "paru-bin").unwrap();
    assert_eq!(paru.provides, ["paru"]);
    assert_eq!(paru.conflicts, ["paru"]);
    assert!(paru.make_depends.is_empty());
    assert_eq!(paru.submitter.as_deref(), Some("Morganamilo"));
    let cower = packages.iter().find(|p| p.name == "cower").unwrap();
    assert_eq!(cower.maintainer, None);
    assert_eq!(cower.out_of_date, Some(1_546_300_800));
}

#[test]
fn failures_are_typed_errors() {
    let aur = AurServer::start();
    let client = AurClient::new(&aur.url());
    assert!(matches!(
        client.search("x"),
        Err(Error::AurRefused { message }) if message == "Query arg too small."
    ));
    aur.set_mode(AurMode::RateLimited);
    assert!(matches!(client.search("paru"), Err(Error::AurRateLimited)));
    aur.set_mode(AurMode::Malformed);
    assert!(matches!(
        client.info(&["paru".to_owned()]),
        Err(Error::AurMalformed { .. })
    ));
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    assert!(matches!(
        AurClient::new(&url).search("paru"),
        Err(Error::AurUnreachable { .. })
    ));
}
