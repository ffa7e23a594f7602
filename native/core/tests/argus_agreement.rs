//! The flow engine against Argus 3.0.8 itself, record by record.
//!
//! `test/fixtures/argus/make-argus-records.sh` ran `argus -S <interval>` and `ra -Z b` on
//! each capture and committed the CSVs (`test/fixtures/argus/records/`). Here the same
//! captures go through our reader, decoder and `FlowEngine` in whole-capture mode with the
//! same status interval, Argus's idle timeouts and Argus 3.0.8's direction guess for
//! connections seen without their handshake (`UncertainDirection::ServicePort`; flowhound's
//! default is the first sender, as the Argus that wrote CTU-13 did). An Argus record is matched by one of ours
//! (each of ours matches at most once) with equal protocol, addresses, ports, TotPkts,
//! TotBytes, SrcBytes and State, and StartTime within 1 ms.
//!
//! Two synthetic captures (`make-synthetic-pcaps.py`: one scenario per address pair, from
//! the probes that taught us Argus's rules) must agree completely; they run everywhere.
//! The real captures of `../shared/data/pcaps` must agree for at least 95 % of Argus's
//! records in every file (a file of a single record must match it); they are skipped with a
//! message when the shared data is absent.
//!
//! Windowed mode is compared the same way with Argus run on each window's packets alone
//! (`cut-windows.py`: 300 s windows every 150 s), the way botd built its windows.
//!
//! Figures when written (Argus records, matched):
//!
//! | capture | Argus | matched |
//! |---|---|---|
//! | edge-cases (synthetic, `-S 3600`) | 127 | 127 (100 %) |
//! | status-interval (synthetic, `-S 60`) | 27 | 27 (100 %) |
//! | stratosphere/test-cc__test-cc-capture-1 | 297 | 297 (100 %) |
//! | stratosphere/test-cc__test-cc-capture-2 | 270 | 270 (100 %) |
//! | stratosphere/test12-icmp-portscan | 26 | 26 (100 %) |
//! | stratosphere/test19-malicious-ssh__malicious-ssh-bruteforce | 67 | 67 (100 %) |
//! | stratosphere/test7-malicious | 334 | 332 (99.4 %) |
//! | stratosphere/test8-malicious | 1 | 1 |
//! | ndpi-malware/bot | 1 | 1 |
//! | ndpi-malware/emotet | 6 | 6 |
//! | ndpi-malware/malware | 6 | 6 |
//! | ndpi-malware/trickbot | 1 | 1 |
//! | all real captures | 1009 | 1007 (99.80 %) |
//! | windows of test7-malicious | 714 | 708 (99.2 %) |
//! | windows of test-cc__test-cc-capture-1 | 596 | 596 (100 %) |
//!
//! The files of one record are held to the same 95 % (so: that record must match); they
//! are few packets of one TCP or UDP conversation each, and matched.
//!
//! Unmatched, all in test7-malicious, all IGMP: `192.168.2.16 -> 0.0.0.1 INT 4 pkts` and
//! `172.17.0.1 -> 0.0.0.1 INT 2 pkts` (and their pieces in the windows). Argus keys an IGMP
//! flow by the group field of the IGMP header instead of the IP destination; these are
//! IGMPv3 reports (to 224.0.0.22), whose bytes there are the record count, printed as
//! `0.0.0.1`. We key IGMP like any other protocol (source, destination 224.0.0.22); the
//! decoder does not expose the IGMP header, and the gain would be mimicking a misreading.

mod common;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use flowhound_core::capture::CaptureReader;
use flowhound_core::decode::decode;
use flowhound_core::flow::{FlowEngine, FlowEngineOptions, UncertainDirection};
use flowhound_core::flowfile::{FlowFileOptions, FlowFileReader};
use flowhound_core::packet::IpAddr16;
use flowhound_core::record::{Address, FlowRecord, Protocol};

const SECOND_US: i64 = 1_000_000;
const START_TOLERANCE_US: i64 = 1_000;

/// The columns compared exactly, as Argus's meaning.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Columns {
    proto: u8,
    src: IpAddr16,
    src_port: Option<u16>,
    dst: IpAddr16,
    dst_port: Option<u16>,
    state: String,
    pkts: u64,
    bytes: u64,
    src_bytes: u64,
}

#[derive(Clone, Debug)]
struct Row {
    start_us: i64,
    columns: Columns,
    text: String,
}

/// Argus's records, read by flowhound's own flow-file reader: the one parser of Argus text.
fn parse_argus_csv(path: &Path) -> Vec<Row> {
    read_records(path).iter().map(row_of).collect()
}

/// Rows of `windows-*.csv`: the window's start (Unix seconds, column WindowStart) and the row.
fn parse_window_csv(path: &Path) -> Vec<(i64, Row)> {
    read_records(path)
        .iter()
        .map(|record| (record.window_start_us.expect("a WindowStart column") / SECOND_US, row_of(record)))
        .collect()
}

fn read_records(path: &Path) -> Vec<FlowRecord> {
    let mut reader = FlowFileReader::open(path, FlowFileOptions::default()).unwrap_or_else(|err| panic!("{err}"));
    let mut records = Vec::new();
    while reader.next_batch(4096, &mut records).unwrap_or_else(|err| panic!("{err}")) > 0 {}
    records
}

/// `options` guessing a connection's direction as the Argus that wrote the fixtures does.
fn argus_3_0_8(options: FlowEngineOptions) -> FlowEngineOptions {
    FlowEngineOptions { uncertain_direction: UncertainDirection::ServicePort, ..options }
}

fn our_rows(pcap: &Path, status_interval_us: i64) -> (Vec<Row>, flowhound_core::flow::FlowEngineStats) {
    let mut engine = FlowEngine::new(argus_3_0_8(FlowEngineOptions::whole_capture(status_interval_us))).expect("options");
    let mut reader = CaptureReader::open(pcap).unwrap_or_else(|err| panic!("{err}"));
    let mut records = Vec::new();
    while let Some(raw) = reader.next_packet().unwrap_or_else(|err| panic!("{err}")) {
        engine.push(&decode(&raw), &mut records);
    }
    engine.finish(&mut records);
    let rows = records.iter().map(row_of).collect();
    (rows, engine.stats().clone())
}

fn our_window_rows(pcap: &Path) -> Vec<(i64, Row)> {
    let mut engine = FlowEngine::new(argus_3_0_8(FlowEngineOptions::default())).expect("options");
    let mut reader = CaptureReader::open(pcap).unwrap_or_else(|err| panic!("{err}"));
    let mut records = Vec::new();
    while let Some(raw) = reader.next_packet().unwrap_or_else(|err| panic!("{err}")) {
        engine.push(&decode(&raw), &mut records);
    }
    engine.finish(&mut records);
    records.iter().map(|record| (record.window_start_us.expect("windowed record") / SECOND_US, row_of(record))).collect()
}

fn row_of(record: &FlowRecord) -> Row {
    let ip = |address: &Address| match address {
        Address::Ip(ip) => *ip,
        other => panic!("not an IP flow: {other:?}"),
    };
    let Protocol::Ip(proto) = record.protocol else { panic!("not an IP protocol") };
    let columns = Columns {
        proto,
        src: ip(&record.src_addr),
        src_port: record.src_port,
        dst: ip(&record.dst_addr),
        dst_port: record.dst_port,
        state: record.state.clone(),
        pkts: record.total_pkts,
        bytes: record.total_bytes,
        src_bytes: record.src_bytes,
    };
    let text = format!(
        "{} {:.6} {} {}:{:?} {} {}:{:?} {} {} {} {}",
        record.start_us,
        record.duration_us() as f64 / 1e6,
        proto,
        columns.src,
        columns.src_port,
        record.direction.as_str(),
        columns.dst,
        columns.dst_port,
        columns.state,
        columns.pkts,
        columns.bytes,
        columns.src_bytes
    );
    Row { start_us: record.start_us, columns, text }
}

struct Agreement {
    argus: usize,
    matched: usize,
    unmatched: Vec<String>,
}

impl Agreement {
    fn percent(&self) -> f64 {
        if self.argus == 0 {
            100.0
        } else {
            100.0 * self.matched as f64 / self.argus as f64
        }
    }
}

fn agree(argus: &[Row], ours: &[Row]) -> Agreement {
    let mut by_columns: HashMap<&Columns, Vec<(i64, bool)>> = HashMap::new();
    for row in ours {
        by_columns.entry(&row.columns).or_default().push((row.start_us, false));
    }
    let mut unmatched = Vec::new();
    let mut matched = 0;
    for row in argus {
        let candidates = by_columns.get_mut(&row.columns);
        let hit = candidates.and_then(|list| {
            list.iter_mut().filter(|(start, used)| !used && (start - row.start_us).abs() <= START_TOLERANCE_US).min_by_key(|(start, _)| (start - row.start_us).abs())
        });
        match hit {
            Some(candidate) => {
                candidate.1 = true;
                matched += 1;
            }
            None => {
                // Show our records between the same two addresses, to say what differs.
                let ends = |r: &Row| (r.columns.proto, r.columns.src.min(r.columns.dst), r.columns.src.max(r.columns.dst));
                let near: Vec<&str> = ours.iter().filter(|ours| ends(ours) == ends(row)).map(|ours| ours.text.as_str()).take(4).collect();
                unmatched.push(format!("argus: {}\n   ours: {}", row.text, if near.is_empty() { "none".to_string() } else { near.join("\n         ") }));
            }
        }
    }
    Agreement { argus: argus.len(), matched, unmatched }
}

fn check(pcap: &Path, csv: &Path, status_interval_us: i64, report: &mut String) -> Agreement {
    let argus = parse_argus_csv(csv);
    let (ours, stats) = our_rows(pcap, status_interval_us);
    let agreement = agree(&argus, &ours);
    let name = pcap.file_name().unwrap().to_string_lossy();
    let line = format!(
        "{name}: argus {} records, ours {}, matched {} ({:.1} %); orphan fragments {}, out of order {}",
        agreement.argus,
        ours.len(),
        agreement.matched,
        agreement.percent(),
        stats.orphan_fragments,
        stats.out_of_order_packets
    );
    println!("{line}");
    writeln!(report, "{line}").unwrap();
    for unmatched in &agreement.unmatched {
        println!("  {unmatched}");
        writeln!(report, "  {unmatched}").unwrap();
    }
    agreement
}

fn argus_fixture(name: &str) -> std::path::PathBuf {
    common::fixture("argus").join(name)
}

#[test]
fn synthetic_edge_cases_agree_with_argus_completely() {
    let mut report = String::new();
    let agreement = check(&argus_fixture("edge-cases.pcap"), &argus_fixture("records/edge-cases.csv"), 3600 * SECOND_US, &mut report);
    assert_eq!(agreement.matched, agreement.argus, "{report}");
}

#[test]
fn synthetic_status_reports_agree_with_argus_completely() {
    let mut report = String::new();
    let agreement = check(&argus_fixture("status-interval.pcap"), &argus_fixture("records/status-interval.csv"), 60 * SECOND_US, &mut report);
    assert_eq!(agreement.matched, agreement.argus, "{report}");
}

#[test]
fn real_captures_agree_with_argus_for_95_percent_of_its_records() {
    let Some(pcaps) = common::shared_data("pcaps") else { return };
    let mut report = String::new();
    let (mut total_argus, mut total_matched) = (0, 0);
    let mut failures = Vec::new();
    for folder in ["stratosphere", "ndpi-malware"] {
        let mut files: Vec<_> = std::fs::read_dir(pcaps.join(folder)).expect("pcaps folder").map(|entry| entry.unwrap().path()).collect();
        files.sort();
        for pcap in files.iter().filter(|path| path.extension().is_some_and(|ext| ext == "pcap")) {
            let csv = argus_fixture("records").join(format!("{}.csv", pcap.file_stem().unwrap().to_string_lossy()));
            assert!(csv.is_file(), "no Argus records for {}: run make-argus-records.sh", pcap.display());
            let agreement = check(pcap, &csv, 3600 * SECOND_US, &mut report);
            total_argus += agreement.argus;
            total_matched += agreement.matched;
            if agreement.percent() < 95.0 {
                failures.push(format!("{}: {:.1} %", pcap.display(), agreement.percent()));
            }
        }
    }
    let overall = format!("overall: argus {total_argus}, matched {total_matched} ({:.2} %)", 100.0 * total_matched as f64 / total_argus.max(1) as f64);
    println!("{overall}");
    writeln!(report, "{overall}").unwrap();
    std::fs::write(common::target_file("argus-agreement.txt"), &report).expect("write report");
    assert!(failures.is_empty(), "below 95 %: {failures:?}\n{report}");
}

/// Windowed mode must be what Argus writes for each window's packets alone (the way botd
/// built its windows: cut the capture, run Argus on each piece).
#[test]
fn each_window_agrees_with_argus_on_that_windows_packets() {
    let Some(pcaps) = common::shared_data("pcaps/stratosphere") else { return };
    let mut report = String::new();
    let mut failures = Vec::new();
    for name in ["test7-malicious", "test-cc__test-cc-capture-1"] {
        let argus = parse_window_csv(&argus_fixture("records").join(format!("windows-{name}.csv")));
        let ours = our_window_rows(&pcaps.join(format!("{name}.pcap")));
        let mut windows: Vec<i64> = argus.iter().map(|(window, _)| *window).chain(ours.iter().map(|(window, _)| *window)).collect();
        windows.sort_unstable();
        windows.dedup();
        let (mut total, mut matched) = (0, 0);
        for window in windows {
            let pick = |rows: &[(i64, Row)]| -> Vec<Row> { rows.iter().filter(|(w, _)| *w == window).map(|(_, row)| row.clone()).collect() };
            let (argus_rows, our_rows) = (pick(&argus), pick(&ours));
            let agreement = agree(&argus_rows, &our_rows);
            let line = format!("{name} window {window}: argus {}, ours {}, matched {}", agreement.argus, our_rows.len(), agreement.matched);
            println!("{line}");
            writeln!(report, "{line}").unwrap();
            for unmatched in &agreement.unmatched {
                println!("  {unmatched}");
                writeln!(report, "  {unmatched}").unwrap();
            }
            total += agreement.argus;
            matched += agreement.matched;
        }
        let percent = 100.0 * matched as f64 / total.max(1) as f64;
        println!("{name}: windows agree for {matched} of {total} Argus records ({percent:.1} %)");
        if percent < 95.0 {
            failures.push(format!("{name}: {percent:.1} %"));
        }
    }
    std::fs::write(common::target_file("argus-window-agreement.txt"), &report).expect("write report");
    assert!(failures.is_empty(), "below 95 %: {failures:?}\n{report}");
}
