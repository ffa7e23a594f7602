//! One stage of the capture path over a capture file, timed natively without Node: for quick
//! comparisons while tuning (bench/capture-stages.mjs is the benchmark of record).
//!
//! `cargo run --release -p flowhound-core --features bench --example capture_stages FILE [STAGE...] [--repeat N]`
//! STAGE: walk, decode, windowed, windowed-2t, whole (default: all of them).

use std::path::Path;

use flowhound_core::flow::{FlowEngineOptions, FlowMode};
use flowhound_core::throughput::{measure_capture, Stage};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let repeat: usize = args.iter().position(|a| a == "--repeat").and_then(|i| args.get(i + 1)).map_or(3, |n| n.parse().expect("repeat"));
    let positional: Vec<&String> = args.iter().enumerate().filter(|(i, a)| !a.starts_with("--") && (*i == 0 || args[i - 1] != "--repeat")).map(|(_, a)| a).collect();
    let path = Path::new(positional.first().expect("usage: capture_stages FILE [STAGE...] [--repeat N]"));
    let all = ["walk", "decode", "windowed", "windowed-2t", "whole"];
    let stages: Vec<&str> = if positional.len() > 1 { positional[1..].iter().map(|s| s.as_str()).collect() } else { all.to_vec() };
    for name in stages {
        let (stage, options) = match name {
            "walk" => (Stage::Walk, FlowEngineOptions::default()),
            "decode" => (Stage::Decode, FlowEngineOptions::default()),
            "windowed" => (Stage::Flows, FlowEngineOptions::default()),
            "windowed-2t" => (Stage::FlowsTwoThreads, FlowEngineOptions::default()),
            "whole" => (Stage::Flows, FlowEngineOptions { mode: FlowMode::Whole { status_interval_us: FlowMode::CTU13_STATUS_INTERVAL_US }, ..FlowEngineOptions::default() }),
            other => panic!("unknown stage {other}"),
        };
        let mut seconds = Vec::new();
        let mut cpu_seconds = Vec::new();
        let mut other_cpu_seconds = Vec::new();
        let mut last = None;
        for _ in 0..repeat {
            let (cpu_before, process_before) = (thread_cpu_ns(), process_cpu_ticks());
            let report = measure_capture(path, stage, options).expect("measure");
            let thread_seconds = (thread_cpu_ns() - cpu_before) as f64 / 1e9;
            cpu_seconds.push(thread_seconds);
            other_cpu_seconds.push(((process_cpu_ticks() - process_before) as f64 / 100.0 - thread_seconds).max(0.0));
            seconds.push(report.elapsed_ns as f64 / 1e9);
            last = Some(report);
        }
        cpu_seconds.sort_by(f64::total_cmp);
        other_cpu_seconds.sort_by(f64::total_cmp);
        let report = last.expect("at least one run");
        seconds.sort_by(f64::total_cmp);
        let median = seconds[seconds.len() / 2];
        println!(
            "{name:<12} {:>7.2} M pkt/s  median {median:.3} s  min {:.3} s  this thread's CPU: median {:.3} s min {:.3} s  other threads' CPU: median {:.2} s  records {}  packets {}",
            report.packets as f64 / median / 1e6,
            seconds[0],
            cpu_seconds[cpu_seconds.len() / 2],
            cpu_seconds[0],
            other_cpu_seconds[other_cpu_seconds.len() / 2],
            report.records,
            report.packets
        );
    }
}

/// CPU time of the calling thread, in ns (Linux); 0 elsewhere. Less disturbed than wall time
/// when other processes share the cores.
fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|text| text.split_whitespace().next().and_then(|ns| ns.parse().ok()))
        .unwrap_or(0)
}

/// User and system CPU time of the whole process (threads that ended included), in clock
/// ticks of 10 ms (Linux); 0 elsewhere.
fn process_cpu_ticks() -> u64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|text| {
            let fields: Vec<&str> = text.rsplit(')').next()?.split_whitespace().collect();
            Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
        })
        .unwrap_or(0)
}
