//! Load on a running omgd: N clients, each with its own connection, sending a mix
//! of searches, infos and status requests for a fixed time. Prints requests per
//! second and latency percentiles as one Markdown table row.
//!
//!     cargo run --release -p omg-ipc --example load -- SOCKET CLIENTS SECONDS [MIX]
//!
//! MIX: `all` (the default: small answers and `search python3`, ~1,900 packages),
//! `small` (ping, info, explicit, status and searches with under 50 results) or
//! `large` (`search python3` alone).

use omg_core::SearchRequest;
use omg_ipc::{Client, Request};
use std::time::{Duration, Instant};

fn search(term: &str) -> Request {
    Request::Search(SearchRequest {
        terms: vec![term.to_owned()],
        limit: None,
        fuzzy_below: 5,
    })
}

fn mix(name: &str) -> Vec<Request> {
    match name {
        "small" => vec![
            search("ripgrep"),
            search("tmux"),
            search("neovim"),
            Request::Info {
                name: "curl".to_owned(),
            },
            Request::Info {
                name: "bash".to_owned(),
            },
            Request::Explicit,
            Request::Status,
            Request::Ping,
        ],
        "large" => vec![search("python3")],
        "all" => all(),
        other => panic!("unknown mix {other}: all, small or large"),
    }
}

fn all() -> Vec<Request> {
    vec![
        search("vim"),
        search("python3"),
        search("curl"),
        Request::Info {
            name: "curl".to_owned(),
        },
        Request::Info {
            name: "bash".to_owned(),
        },
        Request::Explicit,
        Request::Status,
        Request::Ping,
    ]
}

#[expect(
    clippy::print_stdout,
    reason = "the table row is this program's output"
)]
fn main() {
    let mut args = std::env::args().skip(1);
    let socket = std::path::PathBuf::from(args.next().expect("usage: load SOCKET CLIENTS SECONDS"));
    let clients: usize = args.next().map_or(8, |n| n.parse().expect("clients"));
    let seconds: u64 = args.next().map_or(5, |n| n.parse().expect("seconds"));
    let mix_name = args.next().unwrap_or_else(|| "all".to_owned());
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|worker| {
            let socket = socket.clone();
            let requests = mix(&mix_name);
            std::thread::spawn(move || {
                let mut client =
                    Client::connect(&socket, Duration::from_secs(30)).expect("connect");
                let mut latencies = Vec::new();
                let mut turn = worker;
                while Instant::now() < deadline {
                    let request = requests[turn % requests.len()].clone();
                    turn += 1;
                    let sent = Instant::now();
                    let reply = client.request(request).expect("reply");
                    assert!(reply.body.is_ok(), "{:?}", reply.body);
                    latencies.push(sent.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut latencies: Vec<Duration> = workers
        .into_iter()
        .flat_map(|worker| worker.join().expect("worker"))
        .collect();
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    let percentile = |p: f64| {
        let at = ((latencies.len() as f64 - 1.0) * p).round() as usize;
        latencies[at].as_secs_f64() * 1e6
    };
    println!(
        "| {clients} | {} | {:.0} | {:.0} µs | {:.0} µs | {:.0} µs |",
        latencies.len(),
        latencies.len() as f64 / elapsed,
        percentile(0.5),
        percentile(0.99),
        percentile(0.999)
    );
}
