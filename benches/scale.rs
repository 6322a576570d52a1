//! Scale benchmarks (design.md section 12). Run in release mode:
//!
//! ```text
//! cargo bench --bench scale -- graph 50000
//! cargo bench --bench scale -- report 50000
//! cargo bench --bench scale -- pull 2000
//! ```
//!
//! Each run prints a Markdown table row set; docs/performance.md records them.
//! Peak memory is the process's VmHWM, reset before each stage through
//! /proc/self/clear_refs, so each stage reports its own peak. Run one size per
//! process so sizes do not share a heap.

#![allow(dead_code, unused_imports)]

#[path = "../tests/it/synth.rs"]
mod synth;

#[path = "../tests/it/fake_harness/mod.rs"]
mod fake_harness;

use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reviewpack::graph::AccessGraph;
use reviewpack::harness::client::{ApiKey, Client, ClientConfig};
use reviewpack::harness::pull::{pull, NoProgress, PullOptions};
use reviewpack::report::{write_pack, Format, ReportContext};
use reviewpack::snapshot;

fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Peak resident memory since the last reset, in MiB.
fn peak_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

fn stage<T>(name: &str, f: impl FnOnce() -> T) -> T {
    reset_peak();
    let start = Instant::now();
    let out = f();
    let secs = start.elapsed().as_secs_f64();
    println!("| {name} | {secs:.2} s | {:.0} MiB |", peak_mib());
    out
}

fn synthetic(users: usize) -> (snapshot::LoadedSnapshot, synth::Shape) {
    let shape = synth::Shape::scaled(users);
    let bytes = stage("generate + serialise (not part of report)", || {
        snapshot::to_bytes(&synth::generate(shape))
    });
    let loaded = stage("load snapshot", || {
        snapshot::from_bytes(Path::new("synthetic.json"), bytes).expect("synthetic loads")
    });
    (loaded, shape)
}

fn bench_graph(users: usize) {
    let (loaded, shape) = synthetic(users);
    println!("\nshape: {shape:?}\n");
    let g = stage("graph", || AccessGraph::build(&loaded.snapshot));
    println!("\ngrants: {}", g.grants.len());
}

fn bench_report(users: usize) {
    let (loaded, shape) = synthetic(users);
    println!("\nshape: {shape:?}\n");
    println!("| stage | time | peak memory |\n|---|---|---|");
    let graph = stage("graph", || AccessGraph::build(&loaded.snapshot));
    let ctx = ReportContext {
        loaded: &loaded,
        graph: &graph,
        as_of: loaded.snapshot.captured_at(),
        findings: &[],
        policy: &reviewpack::findings::Policy::default(),
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let mut total = 0.0;
    for f in [Format::Csv, Format::Json, Format::Xlsx, Format::Html] {
        let out = dir.path().join(f.as_str());
        std::fs::create_dir_all(&out).unwrap();
        let start = Instant::now();
        stage(&format!("format {}", f.as_str()), || {
            write_pack(&ctx, &[f], &out).expect("writes")
        });
        total += start.elapsed().as_secs_f64();
    }
    let rows = graph.grants.len();
    let floor = stage("floor: bare csv, same rows and columns", || {
        bare_csv(rows, dir.path())
    });
    println!("\nrows in effective_access: {rows}; formats total {total:.2} s; bare csv floor {floor:.2} s");
}

/// Writes `rows` rows of 16 short columns with the bare csv crate.
fn bare_csv(rows: usize, dir: &Path) -> f64 {
    let start = Instant::now();
    let mut w = csv::Writer::from_path(dir.join("floor.csv")).unwrap();
    let cells: Vec<String> = (0..16).map(|i| format!("value-{i}-abcdefgh")).collect();
    for _ in 0..rows {
        w.write_record(&cells).unwrap();
    }
    w.flush().unwrap();
    start.elapsed().as_secs_f64()
}

fn bench_pull(users: usize) {
    let shape = synth::Shape::scaled(users);
    let snap = synth::generate(shape);
    let key = "sat.SynthACCOUNT.tok.secret";
    let fake = fake_harness::FakeHarness::start(snap, key);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let run = |concurrency: usize, rate: u32, latency_ms: u64| {
        fake.set_faults(fake_harness::Faults {
            latency: Duration::from_millis(latency_ms),
            ..Default::default()
        });
        fake.clear_requests();
        let mut cfg = ClientConfig::new(&fake.base_url(), "SynthACCOUNT");
        cfg.concurrency = concurrency;
        cfg.rate_limit_per_minute = rate;
        let client = Arc::new(Client::new(cfg, ApiKey::new(key)).unwrap());
        let opts = PullOptions {
            activity_days: 180,
            activity_end: chrono::DateTime::parse_from_rfc3339("2026-10-01T09:00:00Z")
                .unwrap()
                .with_timezone(&chrono::Utc),
            allow_partial: false,
            command_line: vec![],
        };
        let start = Instant::now();
        let snap = rt
            .block_on(pull(client.clone(), &opts, &NoProgress))
            .expect("pull succeeds");
        let secs = start.elapsed().as_secs_f64();
        assert!(snap.completeness.complete);
        (client.stats.requests.load(Ordering::Relaxed), secs)
    };
    println!("\nshape: {shape:?}\n");
    println!("| run | requests | wall time | floor | ratio |\n|---|---|---|---|---|");
    let (req1, t1) = run(1, 0, 50);
    println!("| concurrency 1, 50 ms latency, no rate limit | {req1} | {t1:.1} s | | |");
    let (req8, t8) = run(8, 0, 50);
    println!(
        "| concurrency 8, 50 ms latency, no rate limit | {req8} | {t8:.1} s | | speed-up {:.1}x |",
        t1 / t8
    );
    let rate = 1200;
    let (reqr, tr) = run(8, rate, 50);
    let floor = reqr as f64 / (f64::from(rate) / 60.0);
    println!(
        "| concurrency 8, 50 ms latency, {rate}/min limit | {reqr} | {tr:.1} s | {floor:.1} s | {:.2}x floor |",
        tr / floor
    );
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let what = args.first().map(String::as_str).unwrap_or("graph");
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(10_000);
    println!("## {what} {n}");
    match what {
        "graph" => bench_graph(n),
        "report" => bench_report(n),
        "pull" => bench_pull(n),
        other => eprintln!("unknown benchmark {other}: use graph, report or pull"),
    }
}
