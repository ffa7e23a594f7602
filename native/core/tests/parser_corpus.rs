//! The capture reader against libpcap, file by file.
//!
//! Two sets of captures: the shared parser corpus (`../shared/data/parser-corpus`: tcpdump's
//! 830 test captures and the 48 spec-conformance files of pcapng-test-generator), and the
//! damaged captures of `test/fixtures/parser-corpus/damaged/` (made by
//! `make-damaged-captures.py`: truncations, bad lengths, bad blocks). Every file is read in
//! full under `catch_unwind` and every packet decoded; each is either parsed or rejected with
//! an error naming the file, the byte offset and a code. libpcap's verdicts come from
//! `libpcap-counts.tsv` files written by `make-libpcap-counts.sh` (libpcap 1.10.3).
//!
//! What must hold:
//! - no panic, anywhere;
//! - a file libpcap reads to the end is parsed, with the same packet count;
//! - a file libpcap refuses or stops reading is rejected after the same number of packets,
//!   with the error code that matches libpcap's message;
//!
//! Packets whose time flowhound refuses (more than a day before 1970, or past 2100-01-01:
//! `time_range`; tcpdump's `time_2106*.pcap` and some fuzzed files hold such times) are read
//! with the reader skipping them, as `--keep-going` does: libpcap delivers them, so our count
//! is the packets handed out plus the packets skipped, and every skipped packet must carry
//! `ERR_TIME_OUT_OF_RANGE` with the file and its offset.
//!
//! except for these deliberate differences, where we read more than libpcap:
//! - pcapng interfaces with different link types or snap lengths: libpcap 1.10 stops at the
//!   second IDB ("an interface has a type … different from the type of the first
//!   interface"); we read every packet with its own interface's link type. For the
//!   pcapng-test-generator files, our count must then equal the packet blocks (EPB, SPB, PB)
//!   listed in the generator's own description (`testNNN.txt`);
//! - a pcapng file without any IDB (and so without packets): libpcap refuses to open it,
//!   we read it as a capture of 0 packets;
//! - a later pcapng section in the other byte order: libpcap refuses it, we read it;
//! - an SPB whose data is shorter than its original length and the snap length: libpcap
//!   fails ("block … is too short"), we take the packet bytes the block holds (as Wireshark);
//! - pcap files whose header is too short to hold a magic number: libpcap says "truncated",
//!   we say `ERR_NOT_A_CAPTURE` (same count: 0).
//!
//! Reports: `native/target/parser-corpus-report.tsv` and
//! `native/target/damaged-captures-report.tsv` (file, our verdict, libpcap's, agreement).

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use flowhound_core::capture::CaptureReader;
use flowhound_core::decode::decode;
use flowhound_core::error::{ErrorCode, FlowhoundError};
use flowhound_core::packet::Network;

/// What our reader made of one file.
struct Outcome {
    /// Packets handed out, and packets skipped for their time (which libpcap delivers).
    packets: u64,
    skipped: u64,
    ip_packets: u64,
    error: Option<FlowhoundError>,
    /// A skipped packet whose error lacks its code, file or offset.
    bad_skip: Option<String>,
}

impl Outcome {
    fn verdict(&self) -> String {
        let skipped = if self.skipped > 0 { format!(" (+{} skipped: time out of range)", self.skipped) } else { String::new() };
        match &self.error {
            None => format!("parsed {}{skipped}", self.packets),
            Some(err) => format!(
                "rejected {} at {} after {} packets{skipped}",
                err.code,
                err.location.byte_offset.map_or("?".to_string(), |offset| offset.to_string()),
                self.packets
            ),
        }
    }

    /// The packets libpcap would count: handed out or skipped.
    fn libpcap_count(&self) -> u64 {
        self.packets + self.skipped
    }
}

fn read_capture(path: &Path) -> Outcome {
    let mut outcome = Outcome { packets: 0, skipped: 0, ip_packets: 0, error: None, bad_skip: None };
    let mut reader = match CaptureReader::open(path) {
        Ok(reader) => reader.skip_out_of_range_times(true),
        Err(err) => {
            outcome.error = Some(err);
            return outcome;
        }
    };
    let skipped = reader.skipped_packets();
    loop {
        match reader.next_packet() {
            Ok(Some(packet)) => {
                outcome.packets += 1;
                if matches!(decode(&packet).network, Network::Ip(_)) {
                    outcome.ip_packets += 1;
                }
            }
            Ok(None) => break,
            Err(err) => {
                outcome.error = Some(err);
                break;
            }
        }
    }
    assert_eq!(reader.packets_read(), outcome.packets);
    outcome.skipped = skipped.count();
    outcome.bad_skip = skipped
        .reasons()
        .iter()
        .find(|err| err.code != ErrorCode::TimeOutOfRange || err.location.path.as_deref() != Some(path) || err.location.byte_offset.is_none())
        .map(ToString::to_string);
    outcome
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum LibpcapStatus {
    Ok,
    OpenError,
    ReadError,
}

struct LibpcapResult {
    count: u64,
    status: LibpcapStatus,
    error: String,
}

impl LibpcapResult {
    fn verdict(&self) -> String {
        match self.status {
            LibpcapStatus::Ok => format!("ok {}", self.count),
            LibpcapStatus::OpenError => format!("open-error: {}", self.error),
            LibpcapStatus::ReadError => format!("read-error after {}: {}", self.count, self.error),
        }
    }
}

fn libpcap_results(tsv: &Path) -> BTreeMap<String, LibpcapResult> {
    common::tsv_rows(tsv)
        .into_iter()
        .map(|row| {
            let status = match row[2].as_str() {
                "ok" => LibpcapStatus::Ok,
                "open-error" => LibpcapStatus::OpenError,
                "read-error" => LibpcapStatus::ReadError,
                other => panic!("{}: unknown status {other}", tsv.display()),
            };
            let result = LibpcapResult {
                count: row[1].parse().expect("count"),
                status,
                error: row.get(3).cloned().unwrap_or_default(),
            };
            (row[0].clone(), result)
        })
        .collect()
}

/// The code we give for what libpcap reports with this message.
fn code_for_libpcap_error(message: &str, file: &str) -> Option<ErrorCode> {
    let pcapng = file.ends_with(".pcapng");
    Some(if message.contains("only got 0") && message.contains("file header") {
        ErrorCode::EmptyFile
    } else if message.contains("truncated") {
        ErrorCode::PcapTruncated
    } else if message.contains("invalid packet capture length") {
        ErrorCode::PcapBadCaplen
    } else if message.contains("no Interface Description Block for that interface")
        || message.contains("packet block before any Interface Description Blocks")
    {
        ErrorCode::PcapngUnknownInterface
    } else if message.contains("unknown file format") || (!pcapng && message.contains("pcap savefile")) {
        ErrorCode::NotACapture
    } else if pcapng {
        ErrorCode::PcapngBadBlock
    } else {
        return None;
    })
}

/// A deliberate difference (see the module's doc) that explains a disagreement, if any.
fn deliberate_difference(file: &str, ours: &Outcome, libpcap: &LibpcapResult, generator_packets: Option<u64>) -> Option<&'static str> {
    let error = &libpcap.error;
    let we_read_more = ours.error.is_none() && ours.libpcap_count() >= libpcap.count;
    if (error.contains("different from the type of the first interface")
        || error.contains("different from the snapshot length of the first interface"))
        && we_read_more
        && generator_packets.is_none_or(|expected| expected == ours.libpcap_count())
    {
        return Some("per-interface link types and snap lengths");
    }
    if error.contains("no Interface Description Blocks") && ours.error.is_none() && ours.libpcap_count() == 0 {
        return Some("a pcapng file without interfaces is an empty capture");
    }
    if file.contains("second-section-other-byte-order") && we_read_more {
        return Some("sections may change byte order");
    }
    if file.contains("spb-shorter-than-its-length") && error.contains("block of type 3") && we_read_more {
        return Some("an SPB is bounded by its block");
    }
    if error.contains("file header bytes, only got")
        && !error.contains("only got 0")
        && ours.error.as_ref().map(|err| err.code) == Some(ErrorCode::NotACapture)
        && ours.libpcap_count() == 0
        && std::fs::metadata(file).map_or(true, |meta| meta.len() < 4)
    {
        return Some("fewer than 4 bytes: not a capture");
    }
    None
}

/// Packet blocks (EPB, SPB, PB) that pcapng-test-generator lists in `testNNN.txt`.
fn generator_packet_blocks(capture: &Path) -> Option<u64> {
    let text = std::fs::read_to_string(capture.with_extension("txt")).ok()?;
    let mut total = 0;
    for line in text.lines() {
        let line = line.trim();
        for kind in ["EPB: ", "SPB: ", "PB: "] {
            if let Some(count) = line.strip_prefix(kind) {
                total += count.trim().parse::<u64>().ok()?;
            }
        }
    }
    Some(total)
}

struct Comparison {
    report: String,
    problems: Vec<String>,
    files: usize,
    deliberate: usize,
    /// Packets skipped for their time, over every file.
    skipped_packets: u64,
}

/// Reads every file listed in `libpcap` (relative to `root`) and compares.
fn compare_with_libpcap(root: &Path, libpcap: &BTreeMap<String, LibpcapResult>, use_generator_descriptions: bool) -> Comparison {
    let mut comparison = Comparison {
        report: "file\tours\tip_packets\tlibpcap\tagreement\n".to_string(),
        problems: Vec::new(),
        files: 0,
        deliberate: 0,
        skipped_packets: 0,
    };
    for (file, expected) in libpcap {
        let path = root.join(file);
        comparison.files += 1;
        let outcome = match catch_unwind(AssertUnwindSafe(|| read_capture(&path))) {
            Ok(outcome) => outcome,
            Err(_) => {
                comparison.problems.push(format!("{file}: PANIC"));
                writeln!(comparison.report, "{file}\tPANIC\t\t{}\tPANIC", expected.verdict()).unwrap();
                continue;
            }
        };
        comparison.skipped_packets += outcome.skipped;
        let mut agreement = "same".to_string();
        let mut problem = outcome.bad_skip.as_ref().map(|shown| format!("a skipped packet's error lacks its code, file or offset: {shown}"));

        if let Some(err) = &outcome.error {
            // Whatever the verdict, a rejection must name the file, the offset and a code.
            let shown = err.to_string();
            if err.location.path.as_deref() != Some(path.as_path()) || err.location.byte_offset.is_none() {
                problem = Some(format!("error lacks file or offset: {shown}"));
            } else if !shown.starts_with(err.code.as_str()) || !shown.contains(&path.display().to_string()) {
                problem = Some(format!("error text lacks code or file: {shown}"));
            }
        }
        let generator_packets = if use_generator_descriptions && file.starts_with("pcapng-test-generator") {
            generator_packet_blocks(&path)
        } else {
            None
        };
        let same_count = outcome.libpcap_count() == expected.count;
        let agrees = match (&expected.status, &outcome.error) {
            (LibpcapStatus::Ok, None) => same_count,
            (LibpcapStatus::Ok, Some(_)) => false,
            (_, None) => false,
            (_, Some(err)) => same_count && code_for_libpcap_error(&expected.error, file) == Some(err.code),
        };
        if !agrees && problem.is_none() {
            let path_text = path.display().to_string();
            match deliberate_difference(&path_text, &outcome, expected, generator_packets) {
                Some(reason) => {
                    comparison.deliberate += 1;
                    agreement = format!("deliberate: {reason}");
                }
                None => problem = Some(format!("ours {} / libpcap {}", outcome.verdict(), expected.verdict())),
            }
        }
        if let Some(problem) = problem {
            agreement = format!("MISMATCH: {problem}");
            comparison.problems.push(format!("{file}: {problem}"));
        }
        writeln!(comparison.report, "{file}\t{}\t{}\t{}\t{agreement}", outcome.verdict(), outcome.ip_packets, expected.verdict())
            .unwrap();
    }
    comparison
}

fn capture_files_under(root: &Path, subdirectories: &[&str]) -> Vec<String> {
    fn walk(dir: &Path, root: &Path, found: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap().map(Result::unwrap) {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, root, found);
            } else if matches!(path.extension().and_then(|ext| ext.to_str()), Some("pcap" | "pcapng")) {
                found.push(path.strip_prefix(root).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    let mut found = Vec::new();
    for sub in subdirectories {
        walk(&root.join(sub), root, &mut found);
    }
    found.sort();
    found
}

fn finish(comparison: Comparison, report_name: &str) {
    let report_path = common::target_file(report_name);
    std::fs::write(&report_path, &comparison.report).unwrap();
    println!(
        "{} files, {} deliberate differences, {} packets skipped for their time, {} problems; report: {}",
        comparison.files,
        comparison.deliberate,
        comparison.skipped_packets,
        comparison.problems.len(),
        report_path.display()
    );
    assert!(comparison.problems.is_empty(), "disagreements with libpcap:\n{}", comparison.problems.join("\n"));
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data/parser-corpus (absent when the tests were built)")]
fn shared_parser_corpus_reads_as_libpcap_reads_it() {
    let corpus = common::shared_data("parser-corpus");
    let libpcap = libpcap_results(&common::fixture("parser-corpus/libpcap-counts.tsv"));
    let on_disk = capture_files_under(&corpus, &["tcpdump", "pcapng-test-generator"]);
    let listed: Vec<String> = libpcap.keys().cloned().collect();
    assert_eq!(on_disk, listed, "libpcap-counts.tsv is out of date: rerun make-libpcap-counts.sh");
    assert_eq!(on_disk.len(), 878);

    let comparison = compare_with_libpcap(&corpus, &libpcap, true);
    assert_eq!(comparison.files, 878);
    // One packet each of tcpdump's time_2106.pcap, time_2106_max.pcap,
    // time_2106_overflow.pcapng, time_2107.pcapng, olsr-oobr-2.pcap and bgp_vpn_rt-oobr.pcap.
    assert_eq!(comparison.skipped_packets, 6, "packets skipped for their time");
    finish(comparison, "parser-corpus-report.tsv");
}

#[test]
fn damaged_captures_fail_as_libpcap_fails() {
    let damaged = common::fixture("parser-corpus/damaged");
    let libpcap = libpcap_results(&damaged.join("libpcap-counts.tsv"));
    let on_disk = capture_files_under(&damaged, &["."]);
    let listed: Vec<String> = libpcap.keys().cloned().collect();
    assert_eq!(on_disk, listed, "damaged/libpcap-counts.tsv is out of date: rerun make-libpcap-counts.sh");
    assert!(libpcap.values().filter(|result| result.status != LibpcapStatus::Ok).count() >= 50);

    let comparison = compare_with_libpcap(&damaged, &libpcap, false);
    // The pcapng-*-idb-binary-tsresol-and-offset and pcapng-*-idb-snaplen-64 files: an
    // interface offset or resolution that puts their packets past 2100.
    assert_eq!(comparison.skipped_packets, 12, "packets skipped for their time");
    // The differences listed in this file's doc, each in both byte orders, and no others.
    assert_eq!(comparison.deliberate, 2 * 4 + 1, "{}", comparison.report);
    finish(comparison, "damaged-captures-report.tsv");
}
