//! The Zeek reader on the four labelled conn.logs of the data folder (`<repo>/../shared/data/zeek`,
//! or `$FLOWHOUND_SHARED_DATA/zeek`): every row read, none skipped, the label counts of the
//! data README, every row against a plain reading of its text, and the hosts the feature
//! builder names. Reported as ignored, with its reason, when the folder is absent
//! (`native/core/build.rs`); zeek_fixtures.rs covers the same ground on committed excerpts.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;

use flowhound_core::cidr::Cidr;
use flowhound_core::features::{classify_label, FeatureBuilder, FeatureOptions, FlowClass, HostLabel, Lan};
use flowhound_core::flowfile::{FlowFileOptions, FlowFileReader, TextFormat};
use flowhound_core::packet::IpAddr16;
use flowhound_core::record::{Address, FlowRecord};

const IOT23: &str = "IoT-23_CTU-IoT-Malware-Capture-34-1_Mirai.conn.log.labeled.gz";
const NORMAL_40: &str = "CTU-Normal-40_day1_host-147.32.81.167.conn.log.labeled.gz";
const NORMAL_42_DAY1: &str = "CTU-Normal-42-probably_day1_host-147.32.83.234.conn.log.labeled.gz";
const NORMAL_42_DAY2: &str = "CTU-Normal-42_day2_host-147.32.83.234.conn.log.labeled.gz";

/// The data README's figures: rows, Malicious, Benign, Background.
const FIGURES: [(&str, u64, u64, u64, u64); 4] = [
    (IOT23, 23_145, 21_222, 1_923, 0),
    (NORMAL_40, 5_663, 4_201, 1_402, 60),
    (NORMAL_42_DAY1, 10_349, 5_260, 5_031, 58),
    (NORMAL_42_DAY2, 5_347, 3_373, 1_937, 37),
];

const STRICT: FlowFileOptions = FlowFileOptions { utc_offset_minutes: 0, keep_going: false, columns: flowhound_core::flowfile::ColumnRenames::NONE };

fn read_all(path: &Path) -> (Vec<FlowRecord>, FlowFileReader) {
    let mut reader = FlowFileReader::open(path, STRICT).unwrap_or_else(|err| panic!("{err}"));
    let mut records = Vec::new();
    loop {
        match reader.next_batch(4096, &mut records) {
            Ok(0) => return (records, reader),
            Ok(_) => {}
            Err(err) => panic!("{err}"),
        }
    }
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data/zeek (absent when the tests were built)")]
fn every_row_is_read_with_the_readme_label_counts() {
    let dir = common::shared_data("zeek");
    let mut on_disk: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    on_disk.sort();
    let mut listed: Vec<String> = FIGURES.iter().map(|f| f.0.to_string()).collect();
    listed.sort();
    assert_eq!(on_disk, listed, "a new Zeek file needs its figures here");

    for (name, rows, malicious, benign, background) in FIGURES {
        let path = dir.join(name);
        let (records, reader) = read_all(&path);
        let stats = reader.stats();
        assert_eq!(reader.format(), TextFormat::ZeekTsv, "{name}");
        assert_eq!((stats.rows, stats.skipped_rows, records.len() as u64), (rows, 0, rows), "{name}");
        assert_eq!(stats.bytes_consumed, std::fs::metadata(&path).unwrap().len(), "{name}");
        let mut classes: BTreeMap<&str, u64> = BTreeMap::new();
        let mut details: BTreeMap<String, u64> = BTreeMap::new();
        for record in &records {
            let label = record.label.as_deref().unwrap_or("");
            *classes.entry(classify_label(label).0.as_str()).or_default() += 1;
            *details.entry(label.to_string()).or_default() += 1;
        }
        println!("{name}: {rows} rows, 0 skipped; classes {classes:?}; labels {details:?}");
        let count = |class: FlowClass| classes.get(class.as_str()).copied().unwrap_or(0);
        assert_eq!(
            (
                count(FlowClass::Botnet),
                count(FlowClass::Normal),
                count(FlowClass::Background),
                count(FlowClass::Unlabelled)
            ),
            (malicious, benign, background, 0),
            "{name}"
        );
        if name == IOT23 {
            assert_eq!(details["flow=From-Botnet-Zeek-Malicious-DDoS"], 14_394);
            assert_eq!(details["flow=From-Botnet-Zeek-Malicious-C&C"], 6_706);
            assert_eq!(details["flow=From-Botnet-Zeek-Malicious-PartOfAHorizontalPortScan"], 122);
        } else {
            assert_eq!(details["flow=From-Botnet-Zeek-Malicious-External-Attack-to-Device"], malicious);
        }
    }
}

/// The text of every data row, split by hand: the tab-separated fields, IoT-23's three-space
/// joined last ones split too.
fn text_rows(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = BufReader::new(flate2::read::MultiGzDecoder::new(std::fs::File::open(path).unwrap()));
    let split =
        |line: &str| -> Vec<String> { line.split('\t').flat_map(|f| f.split("   ")).map(str::to_string).collect() };
    let mut names = Vec::new();
    let mut rows = Vec::new();
    for line in text.lines() {
        let line = line.unwrap();
        if let Some(fields) = line.strip_prefix("#fields\t") {
            names = split(fields);
        } else if !line.starts_with('#') {
            rows.push(split(&line));
        }
    }
    (names, rows)
}

fn address(text: &str) -> Address {
    match text.parse::<std::net::IpAddr>().unwrap() {
        std::net::IpAddr::V4(v4) => Address::Ip(IpAddr16::from_v4(v4.octets())),
        std::net::IpAddr::V6(v6) => Address::Ip(IpAddr16::from_v6(v6.octets())),
    }
}

/// `1545403816.962094` → µs, by string surgery rather than the reader's arithmetic.
fn micros(text: &str) -> i64 {
    let (seconds, fraction) = text.split_once('.').unwrap_or((text, ""));
    seconds.parse::<i64>().unwrap() * 1_000_000 + format!("{fraction:0<6}")[..6].parse::<i64>().unwrap()
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data/zeek (absent when the tests were built)")]
fn every_row_agrees_with_a_plain_reading_of_its_text() {
    let dir = common::shared_data("zeek");
    for (name, ..) in FIGURES {
        let path = dir.join(name);
        let (records, _) = read_all(&path);
        let (names, rows) = text_rows(&path);
        let at = |field: &str| names.iter().position(|n| n == field).unwrap();
        let count = |row: &Vec<String>, field: &str| row[at(field)].parse::<u64>().unwrap_or(0);
        assert_eq!(rows.len(), records.len(), "{name}");
        for (index, (row, record)) in rows.iter().zip(&records).enumerate() {
            let place = format!("{name} row {}", index + 1);
            assert_eq!(record.start_us, micros(&row[at("ts")]), "{place}");
            let duration = &row[at("duration")];
            assert_eq!(record.duration_us(), if duration == "-" { 0 } else { micros(duration) }, "{place}");
            assert_eq!(
                (record.src_addr, record.dst_addr),
                (address(&row[at("id.orig_h")]), address(&row[at("id.resp_h")])),
                "{place}"
            );
            if matches!(row[at("proto")].as_str(), "tcp" | "udp") {
                let port = |field: &str| Some(row[at(field)].parse::<u16>().unwrap());
                assert_eq!((record.src_port, record.dst_port), (port("id.orig_p"), port("id.resp_p")), "{place}");
            }
            assert_eq!(record.total_pkts, count(row, "orig_pkts") + count(row, "resp_pkts"), "{place}");
            assert_eq!(record.src_pkts, Some(count(row, "orig_pkts")), "{place}");
            assert_eq!(record.total_bytes, count(row, "orig_ip_bytes") + count(row, "resp_ip_bytes"), "{place}");
            assert_eq!(record.src_bytes, count(row, "orig_ip_bytes"), "{place}");
            assert!(record.label.as_deref().unwrap().contains(row[at("label")].as_str()), "{place}");
        }
    }
}

fn ip16(text: &str) -> IpAddr16 {
    match address(text) {
        Address::Ip(ip) => ip,
        _ => unreachable!(),
    }
}

/// Each host's labels over the windows it appears in.
fn host_labels(path: &Path, lan: &str, host: IpAddr16) -> (BTreeMap<&'static str, u64>, Vec<IpAddr16>) {
    let lan = Lan::new(vec![Cidr::parse(lan).unwrap()]);
    let mut builder = FeatureBuilder::new(FeatureOptions { lan, ..FeatureOptions::default() }).unwrap();
    let (records, _) = read_all(path);
    let mut windows = Vec::new();
    let mut labels: BTreeMap<&'static str, u64> = BTreeMap::new();
    for record in records {
        builder.push(record, &mut windows);
        for window in windows.drain(..) {
            if let Some(row) = window.hosts.iter().position(|h| *h == host) {
                *labels.entry(window.host_labels[row].as_str()).or_default() += 1;
            }
        }
    }
    builder.finish(&mut windows);
    for window in windows {
        if let Some(row) = window.hosts.iter().position(|h| *h == host) {
            *labels.entry(window.host_labels[row].as_str()).or_default() += 1;
        }
    }
    (labels, builder.infected_hosts())
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data/zeek (absent when the tests were built)")]
fn the_iot23_device_is_a_bot_and_the_normal_hosts_never_are() {
    let dir = common::shared_data("zeek");
    let device = ip16("192.168.1.195");
    let (labels, infected) = host_labels(&dir.join(IOT23), "192.168.0.0/16", device);
    println!("{IOT23}: 192.168.1.195's window labels {labels:?}");
    assert!(infected.contains(&device));
    assert!(labels.get(HostLabel::Infected.as_str()).copied().unwrap_or(0) > 0);

    for (name, host) in
        [(NORMAL_40, "147.32.81.167"), (NORMAL_42_DAY1, "147.32.83.234"), (NORMAL_42_DAY2, "147.32.83.234")]
    {
        let host = ip16(host);
        let (labels, infected) = host_labels(&dir.join(name), "147.32.0.0/16", host);
        println!("{name}: the clean host's window labels {labels:?}; {} attackers named as bots", infected.len());
        assert!(!infected.contains(&host), "{name}");
        assert_eq!(labels.get(HostLabel::Infected.as_str()), None, "{name}");
        assert_eq!(labels.get(HostLabel::InfectedIdle.as_str()), None, "{name}");
        assert!(labels.get(HostLabel::Normal.as_str()).copied().unwrap_or(0) > 0, "{name}");
    }
}
