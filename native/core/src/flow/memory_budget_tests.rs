//! The memory budget ("memcap") of the flow tables, in both modes, fed a SYN flood of
//! single-packet flows: the tables stay within their share, the flows evicted to get there are
//! the least recently active, none is lost, and each is counted (per window in windowed mode).

use crate::flow::record_builder::PACKET_RECORD_BYTES;
use crate::flow::test_packets::{tcp, SECOND_US, T0_US};
use crate::flow::{FlowEngine, FlowEngineOptions, FlowMode, MemoryBudget};
use crate::packet::tcp_flag::SYN;
use crate::record::FlowRecord;

const MEMCAP_BYTES: u64 = MemoryBudget::MIN_MEMCAP_BYTES;

fn flood_engine(mode: FlowMode) -> FlowEngine {
    FlowEngine::new(FlowEngineOptions { mode, memory: MemoryBudget { memcap_bytes: MEMCAP_BYTES }, ..FlowEngineOptions::default() }).unwrap()
}

/// `syns` SYNs from host 66, each a flow of its own (source port and target vary), one every
/// `gap_us`, starting at `T0_US`.
fn flood(engine: &mut FlowEngine, syns: u32, gap_us: i64, out: &mut Vec<FlowRecord>) {
    for n in 0..syns {
        let packet = tcp(T0_US + i64::from(n) * gap_us, 66, (n % 200) as u8, 1024 + (n / 200) as u16, 445, SYN, n, 0, 0);
        engine.push(&packet, out);
    }
}

#[test]
fn the_budget_is_split_a_quarter_for_the_tables() {
    let budget = MemoryBudget { memcap_bytes: 512 << 20 };
    assert_eq!((budget.flow_tables_bytes(), budget.window_rows_bytes()), (128 << 20, 384 << 20));
    assert!(MemoryBudget::default().validate().is_ok());
    for memcap_bytes in [MemoryBudget::MIN_MEMCAP_BYTES - 1, MemoryBudget::MAX_MEMCAP_BYTES + 1, 0] {
        let error = MemoryBudget { memcap_bytes }.validate().unwrap_err();
        assert_eq!(error.code, crate::error::ErrorCode::BadOption);
        assert!(error.message.contains("MiB") && error.message.contains("GiB"), "{}", error.message);
    }
}

#[test]
fn windowed_tables_stay_within_their_share_and_every_eviction_is_counted_in_its_window() {
    let mut engine = flood_engine(FlowMode::default_windowed());
    let mut out = Vec::new();
    // 120,000 flows over 120 s: one bucket of 150 s would hold them all without the budget.
    flood(&mut engine, 120_000, 1_000, &mut out);
    let stats = engine.stats().clone();
    let table_budget = MemoryBudget { memcap_bytes: MEMCAP_BYTES }.flow_tables_bytes();
    let peak = engine.peak_table_bytes();
    assert!(peak <= table_budget && peak > table_budget * 9 / 10, "peak {peak}, budget {table_budget}");
    assert!(stats.peak_active_flows < 20_000, "{stats:?}");
    assert!(stats.flows_evicted_memcap > 100_000, "{stats:?}");
    assert_eq!(stats.flows_evicted_early, stats.flows_evicted_memcap, "the flow cap was never reached");

    let per_window = engine.take_window_evictions();
    assert!(engine.take_window_evictions().is_empty(), "taken once");
    assert_eq!(per_window.iter().map(|w| w.flows_evicted_early).sum::<u64>(), stats.flows_evicted_early);
    assert_eq!(per_window.iter().map(|w| w.flows_evicted_memcap).sum::<u64>(), stats.flows_evicted_memcap);
    // A window still open has had no records but its evictions.
    let closed_through = engine.closed_through_us().expect("a window closed at T0 + 52 s");
    let open: Vec<_> = per_window.iter().filter(|w| w.window_start_us > closed_through).collect();
    assert_eq!(open.len(), 2);
    for window in open {
        let evicted = out.iter().filter(|r| r.window_start_us == Some(window.window_start_us)).count() as u64;
        assert_eq!(evicted, window.flows_evicted_early, "window {}", window.window_start_us);
    }

    // None lost: every SYN is in each of the two windows that hold its time.
    engine.finish(&mut out);
    assert!(out.iter().all(|r| r.memory_bytes() <= PACKET_RECORD_BYTES), "each record within what its flow reserved");
    let mut windows: Vec<i64> = out.iter().filter_map(|r| r.window_start_us).collect();
    windows.sort_unstable();
    windows.dedup();
    for window in windows.iter().filter(|&&w| w <= T0_US && w + 300 * SECOND_US >= T0_US + 120 * SECOND_US) {
        let packets: u64 = out.iter().filter(|r| r.window_start_us == Some(*window)).map(|r| r.total_pkts).sum();
        assert_eq!(packets, 120_000, "window {window}");
    }
}

#[test]
fn windowed_evictions_take_the_least_recently_active_flows_first() {
    let mut engine = flood_engine(FlowMode::default_windowed());
    let mut out = Vec::new();
    // 40 s, all in the bucket that starts 100 s before T0: no window closes, so every record
    // before `finish` is an eviction.
    flood(&mut engine, 40_000, 1_000, &mut out);
    assert!(engine.stats().flows_evicted_memcap > 20_000);
    let evicted_last_us = out.iter().map(|r| r.last_us).max().expect("evictions");
    let evicted = out.len();
    engine.finish(&mut out);
    let held_first_us = out[evicted..].iter().map(|r| r.start_us).min().expect("flows held");
    assert!(evicted_last_us < held_first_us, "evicted up to {evicted_last_us}, held from {held_first_us}");
}

#[test]
fn whole_capture_tables_stay_within_their_share() {
    let mut engine = flood_engine(FlowMode::Whole { status_interval_us: FlowMode::DEFAULT_STATUS_INTERVAL_US });
    let mut out = Vec::new();
    flood(&mut engine, 100_000, 1_000, &mut out);
    let stats = engine.stats().clone();
    let (peak, table_budget) = (engine.peak_table_bytes(), MemoryBudget { memcap_bytes: MEMCAP_BYTES }.flow_tables_bytes());
    assert!(peak <= table_budget && peak > table_budget * 9 / 10, "peak {peak}, budget {table_budget}");
    assert!(stats.flows_evicted_memcap > 70_000, "{stats:?}");
    assert!(engine.take_window_evictions().is_empty(), "no windows in whole-capture mode");
    let evicted_last_us = out.iter().map(|r| r.last_us).max().unwrap();
    engine.finish(&mut out);
    assert_eq!(out.len(), 100_000);
    assert_eq!(out.iter().map(|r| r.total_pkts).sum::<u64>(), 100_000);
    // The flows still held at the end are all newer than every evicted one.
    let held = &out[stats.flows_evicted_early as usize..];
    assert!(held.iter().all(|r| r.start_us > evicted_last_us - 100 * 1_000));
}
