//! `debsecan_feed TRACKER.json DIR SUITE`: writes the tracker's JSON as debsecan's
//! feed under DIR (`release/1/SUITE`), for bench/audit.sh.

#![expect(
    clippy::print_stderr,
    reason = "a command-line tool: its error goes to stderr and its exit status says so"
)]

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [tracker, dir, suite] = args.as_slice() else {
        eprintln!("usage: debsecan_feed TRACKER.json DIR SUITE");
        std::process::exit(2);
    };
    let result = std::fs::read(tracker)
        .map_err(|error| format!("{tracker}: {error}"))
        .and_then(|bytes| {
            serde_json::from_slice(&bytes).map_err(|error| format!("{tracker}: {error}"))
        })
        .and_then(|json| omg_testbed::write_debsecan_feed(dir.as_ref(), &json, suite));
    if let Err(error) = result {
        eprintln!("debsecan_feed: {error}");
        std::process::exit(1);
    }
}
