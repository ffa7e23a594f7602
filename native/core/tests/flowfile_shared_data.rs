//! The flow-file reader on every real flow file of the project's data folder
//! (`<repo>/../shared/data`, or `$FLOWHOUND_SHARED_DATA` when working in a git worktree).
//! Reported as ignored, with its reason, when the folder is absent (`native/core/build.rs`);
//! flowfile_fixtures.rs covers the same ground on committed excerpts.

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use flowhound_core::flowfile::{FlowFileOptions, FlowFileReader};
use flowhound_core::packet::IpAddr16;
use flowhound_core::record::{ip_protocol_name, Address, Direction, FlowRecord, Protocol};

/// CTU-13 times are CEST; the Stratosphere files' zone is unknown, and irrelevant here.
const CTU13: FlowFileOptions = FlowFileOptions { utc_offset_minutes: 120, keep_going: false, columns: flowhound_core::flowfile::ColumnRenames::NONE };

struct Expected {
    path: String,
    data_rows: u64,
    botnet_rows: u64,
}

/// test/fixtures/flowfiles/expected-rows.tsv, written by make-expected-rows.sh with zcat/grep/awk.
fn expected_rows() -> Vec<Expected> {
    let tsv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test/fixtures/flowfiles/expected-rows.tsv");
    std::fs::read_to_string(tsv)
        .unwrap()
        .lines()
        .skip(1)
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            Expected {
                path: fields[0].to_string(),
                data_rows: fields[2].parse().unwrap(),
                botnet_rows: fields[3].parse().unwrap(),
            }
        })
        .collect()
}

fn read_all(path: &Path, options: FlowFileOptions) -> (Vec<FlowRecord>, FlowFileReader) {
    let mut reader = FlowFileReader::open(path, options).unwrap_or_else(|err| panic!("{err}"));
    let mut records = Vec::new();
    loop {
        match reader.next_batch(4096, &mut records) {
            Ok(0) => return (records, reader),
            Ok(_) => {}
            Err(err) => panic!("{err}"),
        }
    }
}

fn count_labels(records: &[FlowRecord], word: &str) -> u64 {
    records.iter().filter(|r| r.label.as_deref().is_some_and(|l| l.contains(word))).count() as u64
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data (ctu13/, flows/; absent when the tests were built)")]
fn every_file_gives_the_rows_and_botnet_labels_the_text_tools_count() {
    let data = common::shared_data("");
    let expected = expected_rows();
    // The table must list every flow file there is, so that a new one is not silently untested.
    let mut on_disk = BTreeSet::new();
    for folder in ["ctu13", "ctu13/samples", "flows/stratosphere"] {
        for entry in std::fs::read_dir(data.join(folder)).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            if name.ends_with(".binetflow") || name.ends_with(".gz") {
                on_disk.insert(format!("{folder}/{name}"));
            }
        }
    }
    let listed: BTreeSet<String> = expected.iter().map(|e| e.path.clone()).collect();
    assert_eq!(listed, on_disk, "rerun test/fixtures/flowfiles/make-expected-rows.sh");

    for file in &expected {
        let path = data.join(&file.path);
        let (records, reader) = read_all(&path, CTU13);
        let stats = reader.stats();
        // Every data row is a record, but Argus's management records (`man`), which are
        // passed over and counted.
        assert_eq!(records.len() as u64 + stats.management_rows, file.data_rows, "{}", file.path);
        assert_eq!((stats.rows + stats.management_rows, stats.skipped_rows), (file.data_rows, 0), "{}", file.path);
        assert_eq!(count_labels(&records, "Botnet"), file.botnet_rows, "{}", file.path);
        let file_bytes = std::fs::metadata(&path).unwrap().len();
        assert_eq!(stats.bytes_consumed, file_bytes, "{}", file.path);
        assert_eq!(stats.gzip, file.path.ends_with(".gz"), "{}", file.path);
    }
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data (ctu13/, flows/; absent when the tests were built)")]
fn official_ctu13_figures() {
    let data = common::shared_data("");
    let (scenario6, _) = read_all(&data.join("ctu13/capture20110816.binetflow.gz"), CTU13);
    assert_eq!(scenario6.len(), 558_919);
    assert_eq!(count_labels(&scenario6, "Botnet"), 4_630);
    assert_eq!(count_labels(&scenario6, "Normal"), 7_494);
    assert_eq!(count_labels(&scenario6, "Background"), 546_795);
    // The README's figure: 31.2 GB on the wire.
    assert_eq!(scenario6.iter().map(|r| r.total_bytes).sum::<u64>(), 31_187_228_345);

    let (scenario11, _) = read_all(&data.join("ctu13/capture20110818-2.botnet.binetflow.gz"), CTU13);
    assert_eq!(scenario11.len(), 8_164);
    assert_eq!(count_labels(&scenario11, "Botnet"), 8_164);
    let icmp = scenario11.iter().filter(|r| r.protocol == Protocol::Ip(1)).count();
    assert_eq!(icmp, 8_143, "the README's ICMP DDoS rows");

    let (benign, _) = read_all(&data.join("ctu13/benign-sample.binetflow.gz"), CTU13);
    assert_eq!(benign.len(), 95_648);
    assert_eq!(count_labels(&benign, "flow=Benign-Sample"), 95_648);
}

fn v4(text: &str) -> Address {
    Address::Ip(IpAddr16::from_v4(text.parse::<std::net::Ipv4Addr>().unwrap().octets()))
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data (ctu13/, flows/; absent when the tests were built)")]
fn spot_checks_of_scenario6_against_its_text() {
    let data = common::shared_data("");
    let (records, _) = read_all(&data.join("ctu13/capture20110816.binetflow.gz"), CTU13);
    // Record i is on line i + 2. `date -u -d '2011-08-16 08:01:46' +%s` = 1313481706.
    let at_line = |line: usize| &records[line - 2];

    // line 2: 2011/08/16 10:01:46.972101,3599.986572,tcp,88.176.79.163,49213,  <?>,147.32.84.172,18250,A_PA,0,0,414671,415389446,10150692,flow=Background
    let first = at_line(2);
    assert_eq!((first.start_us, first.last_us), (1_313_481_706_972_101, 1_313_481_706_972_101 + 3_599_986_572));
    assert_eq!((first.src_addr, first.dst_addr), (v4("88.176.79.163"), v4("147.32.84.172")));
    assert_eq!((first.total_pkts, first.total_bytes, first.src_bytes), (414_671, 415_389_446, 10_150_692));

    // line 2886: 2011/08/16 10:02:08.703460,0.167688,udp,147.32.84.165,1025,  <->,147.32.80.9,53,CON,0,0,2,505,78,flow=From-Botnet-V47-UDP-DNS
    let dns = at_line(2886);
    assert_eq!(dns.start_us, 1_313_481_706_000_000 + 22_703_460);
    assert_eq!(dns.duration_us(), 167_688);
    assert_eq!(
        (dns.src_addr, dns.src_port, dns.dst_addr, dns.dst_port),
        (v4("147.32.84.165"), Some(1025), v4("147.32.80.9"), Some(53))
    );
    assert_eq!((dns.direction, dns.state.as_str(), dns.src_bytes, dns.dst_bytes()), (Direction::Both, "CON", 78, 427));
    assert_eq!(dns.label.as_deref(), Some("flow=From-Botnet-V47-UDP-DNS"));

    // line 50959: 2011/08/16 10:12:44.069444,2905.065674,esp,147.32.85.33,,   ->,192.35.241.84,0x2020597d,INT,0,,11903,2358690,2358690,flow=Background
    let esp = at_line(50959);
    assert_eq!((esp.protocol.clone(), esp.src_port, esp.dst_port), (Protocol::Ip(50), None, None));
    assert_eq!((esp.src_tos, esp.dst_tos, esp.total_pkts), (Some(0), None, 11_903));

    // line 232646: 2011/08/16 10:52:52.482177,0.042157,ipv6,147.32.84.181,,  <->,192.88.99.1,,CON,0,0,4,736,380,flow=Background
    let six_to_four = at_line(232_646);
    assert_eq!((six_to_four.protocol.clone(), six_to_four.dst_addr), (Protocol::Ip(41), v4("192.88.99.1")));

    // line 555225: 2011/08/16 12:10:15.643807,0.000000,tcp,147.32.84.165,4860,   ->,198.134.143.228,25,S_,0,,1,62,62,flow=From-Botnet-V47-TCP-Attempt-SPAM
    let spam = at_line(555_225);
    assert_eq!(spam.start_us, 1_313_481_706_000_000 + (2 * 3600 + 8 * 60 + 29) * 1_000_000 + 643_807);
    assert_eq!((spam.dst_port, spam.state.as_str(), spam.src_tcp_flags), (Some(25), "S_", 0x02));
}

/// A second reading of a row, written the plain way (std parsers, floats, a day-by-day
/// calendar), to compare with the reader's on every row of every file.
struct ReferenceRow {
    start_s_text: String,
    fields: Vec<String>,
    names: Vec<String>,
}

impl ReferenceRow {
    fn get(&self, name: &str) -> Option<&str> {
        self.names.iter().position(|n| n == name).map(|i| self.fields[i].as_str())
    }
}

fn reference_days(year: i64, month: u32, day: u32) -> i64 {
    let leap = |y: i64| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let mut days = 0;
    for y in 1970..year {
        days += if leap(y) { 366 } else { 365 };
    }
    let month_days = [31, if leap(year) { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    days += month_days[..month as usize - 1].iter().sum::<i64>();
    days + i64::from(day) - 1
}

fn reference_start_us(text: &str, utc_offset_minutes: i64) -> i64 {
    let (date, time) = text.split_once(' ').unwrap();
    let date: Vec<u32> = date.split('/').map(|p| p.parse().unwrap()).collect();
    let (hms, fraction) = time.split_once('.').unwrap();
    let hms: Vec<i64> = hms.split(':').map(|p| p.parse().unwrap()).collect();
    let fraction_us: i64 = format!("{fraction:0<6}")[..6].parse().unwrap();
    let seconds = reference_days(date[0] as i64, date[1], date[2]) * 86_400 + hms[0] * 3600 + hms[1] * 60 + hms[2];
    (seconds - utc_offset_minutes * 60) * 1_000_000 + fraction_us
}

fn reference_address(text: &str) -> Address {
    if text.is_empty() || text == "0" {
        return Address::Unknown;
    }
    if let Ok(ip) = text.parse::<std::net::IpAddr>() {
        return match ip {
            std::net::IpAddr::V4(v4) => Address::Ip(IpAddr16::from_v4(v4.octets())),
            std::net::IpAddr::V6(v6) => Address::Ip(IpAddr16::from_v6(v6.octets())),
        };
    }
    let bytes: Vec<u8> = text.split(':').map(|p| u8::from_str_radix(p, 16).unwrap()).collect();
    Address::Mac(bytes.try_into().unwrap())
}

fn reference_port(text: &str) -> Option<u32> {
    if text.is_empty() {
        None
    } else if let Some(hex) = text.strip_prefix("0x") {
        Some(u32::from_str_radix(hex, 16).unwrap())
    } else {
        Some(text.parse().unwrap())
    }
}

fn protocol_text(protocol: &Protocol) -> String {
    match protocol {
        Protocol::Ip(number) => ip_protocol_name(*number).map_or(number.to_string(), str::to_string),
        Protocol::Named(name) => name.clone(),
    }
}

fn check_row(record: &FlowRecord, row: &ReferenceRow, where_: &str) {
    let field = |name: &str| row.get(name).unwrap_or("");
    assert_eq!(record.start_us, reference_start_us(&row.start_s_text, 120), "{where_} StartTime");
    let dur_us = (field("Dur").parse::<f64>().unwrap() * 1e6).round() as i64;
    assert_eq!(record.duration_us(), dur_us, "{where_} Dur");
    assert_eq!(protocol_text(&record.protocol), field("Proto"), "{where_} Proto");
    assert_eq!(record.src_addr, reference_address(field("SrcAddr")), "{where_} SrcAddr");
    assert_eq!(record.dst_addr, reference_address(field("DstAddr")), "{where_} DstAddr");
    let (sport, dport) = (reference_port(field("Sport")), reference_port(field("Dport")));
    let expected_ports = match field("Proto") {
        "icmp" => (sport.map(|v| (v as u16).swap_bytes()), dport.map(|v| (v as u16).swap_bytes())),
        "ipv6-icmp" => (sport.map(|t| (t << 8 | dport.unwrap_or(0)) as u16), None),
        _ => (sport.filter(|&v| v <= 0xffff).map(|v| v as u16), dport.filter(|&v| v <= 0xffff).map(|v| v as u16)),
    };
    assert_eq!((record.src_port, record.dst_port), expected_ports, "{where_} ports");
    assert_eq!(record.direction.as_str(), Direction::parse(field("Dir")).as_str(), "{where_} Dir");
    assert_eq!(record.state, field("State"), "{where_} State");
    let tos = |text: &str| (!text.is_empty()).then(|| text.parse::<f64>().unwrap() as u8);
    assert_eq!((record.src_tos, record.dst_tos), (tos(field("sTos")), tos(field("dTos"))), "{where_} ToS");
    assert_eq!(record.total_pkts, field("TotPkts").parse::<u64>().unwrap(), "{where_} TotPkts");
    assert_eq!(record.total_bytes, field("TotBytes").parse::<u64>().unwrap(), "{where_} TotBytes");
    let src_bytes = row.get("SrcBytes").map_or(0, |t| t.parse::<u64>().unwrap());
    assert_eq!(record.src_bytes, src_bytes, "{where_} SrcBytes");
    assert_eq!(record.src_pkts, row.get("SrcPkts").and_then(|t| t.parse::<u64>().ok()), "{where_} SrcPkts");
    let label = row.get("Label").filter(|t| !t.is_empty()).map(str::to_string);
    assert_eq!(record.label, label, "{where_} Label");
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data (ctu13/, flows/; absent when the tests were built)")]
fn every_row_of_every_file_agrees_with_a_plain_reading_of_its_text() {
    let data = common::shared_data("");
    for file in expected_rows() {
        let path = data.join(&file.path);
        let (records, _) = read_all(&path, CTU13);
        let raw: Box<dyn Read> = Box::new(std::fs::File::open(&path).unwrap());
        let raw: Box<dyn Read> =
            if file.path.ends_with(".gz") { Box::new(flate2::read::MultiGzDecoder::new(raw)) } else { raw };
        let mut lines = BufReader::new(raw).lines();
        let header = lines.next().unwrap().unwrap();
        let delimiter = if header.contains('\t') { '\t' } else { ',' };
        let names: Vec<String> = header.split(delimiter).map(str::to_string).collect();
        let proto = names.iter().position(|name| name == "Proto").unwrap();
        let mut checked = 0;
        for (index, line) in lines.enumerate() {
            let line = line.unwrap();
            let line = line.trim_end_matches('\r');
            let fields: Vec<String> = line.split(delimiter).map(str::to_string).collect();
            // Argus's management records are passed over by the reader (and counted).
            if fields[proto] == "man" {
                continue;
            }
            let row = ReferenceRow { start_s_text: fields[0].clone(), fields, names: names.clone() };
            check_row(&records[checked], &row, &format!("{}:{}", file.path, index + 2));
            checked += 1;
        }
        assert_eq!(checked, records.len(), "{}", file.path);
    }
}
