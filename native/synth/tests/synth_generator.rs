//! Whole-capture properties of the traffic generator, checked by reading its output back
//! with a small pcap and packet parser written here (independent of the crate's builder).

use std::collections::{HashMap, HashSet};
use std::net::Ipv4Addr;

use flowhound_core::error::ErrorCode;
use flowhound_synth::generator::{
    generate, generate_with_progress, Behaviour, BehaviourMix, GeneratorOptions, GeneratorProgress, GeneratorSummary, Pacing,
    MAX_DURATION_US,
};

const START_US: i64 = 1_700_000_000_000_000;
const V4_MAPPED_PREFIX: [u8; 12] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

struct Record<'a> {
    ts_us: i64,
    orig_len: u32,
    data: &'a [u8],
}

struct Capture<'a> {
    snaplen: u32,
    records: Vec<Record<'a>>,
}

/// Reads a classic little-endian microsecond pcap as libpcap does, insisting on every field.
fn parse_pcap(bytes: &[u8]) -> Capture<'_> {
    let u16_at = |offset: usize| u16::from_le_bytes([bytes[offset], bytes[offset + 1]]);
    let u32_at = |offset: usize| u32::from_le_bytes(bytes[offset..offset + 4].try_into().unwrap());
    assert!(bytes.len() >= 24, "no file header");
    assert_eq!(u32_at(0), 0xa1b2_c3d4, "magic (microsecond, little-endian)");
    assert_eq!((u16_at(4), u16_at(6)), (2, 4), "version");
    assert_eq!((u32_at(8), u32_at(12)), (0, 0), "thiszone, sigfigs");
    let snaplen = u32_at(16);
    assert_eq!(u32_at(20), 1, "link type Ethernet");
    let mut records = Vec::new();
    let mut offset = 24;
    while offset < bytes.len() {
        assert!(offset + 16 <= bytes.len(), "truncated record header at {offset}");
        let (seconds, micros, caplen, orig_len) = (u32_at(offset), u32_at(offset + 4), u32_at(offset + 8), u32_at(offset + 12));
        assert!(micros < 1_000_000);
        assert_eq!(caplen, orig_len.min(snaplen), "caplen = min(wire length, snaplen) at {offset}");
        let data_start = offset + 16;
        let data_end = data_start + caplen as usize;
        assert!(data_end <= bytes.len(), "truncated record at {offset}");
        records.push(Record { ts_us: seconds as i64 * 1_000_000 + micros as i64, orig_len, data: &bytes[data_start..data_end] });
        offset = data_end;
    }
    Capture { snaplen, records }
}

/// Internet checksum over `bytes` plus an initial sum; 0 means the checksum field checks out.
fn internet_checksum(initial: u32, bytes: &[u8]) -> u16 {
    let mut sum = initial;
    for chunk in bytes.chunks(2) {
        sum += (chunk[0] as u32) << 8 | chunk.get(1).copied().unwrap_or(0) as u32;
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

fn be16(bytes: &[u8], offset: usize) -> u16 {
    u16::from_be_bytes([bytes[offset], bytes[offset + 1]])
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Packet {
    src: [u8; 16],
    dst: [u8; 16],
    proto: u8,
    src_port: u16,
    dst_port: u16,
    tcp_flags: u8,
}

/// Decodes one full (uncut) frame, checking lengths and every checksum on the way.
fn check_frame(frame: &[u8], wire_len: u32) -> Packet {
    assert_eq!(frame.len() as u32, wire_len, "full capture expected");
    let ether_type = be16(frame, 12);
    let (ip_end, proto, src, dst, transport_start, pseudo_sum) = match ether_type {
        0x0800 => {
            let ip = &frame[14..34];
            assert_eq!(ip[0], 0x45);
            assert_eq!(internet_checksum(0, ip), 0, "IPv4 header checksum");
            let total = be16(ip, 2) as usize;
            // IPv4 addresses in the IPv4-mapped IPv6 form, as IpAddr16 keeps them.
            let (mut src, mut dst) = ([0u8; 16], [0u8; 16]);
            src[10..12].copy_from_slice(&[0xff, 0xff]);
            dst[10..12].copy_from_slice(&[0xff, 0xff]);
            src[12..].copy_from_slice(&ip[12..16]);
            dst[12..].copy_from_slice(&ip[16..20]);
            let pseudo: u32 = [be16(ip, 12), be16(ip, 14), be16(ip, 16), be16(ip, 18)].iter().map(|&w| w as u32).sum::<u32>()
                + ip[9] as u32
                + (total - 20) as u32;
            (14 + total, ip[9], src, dst, 34, pseudo)
        }
        0x86dd => {
            let ip = &frame[14..54];
            assert_eq!(ip[0] >> 4, 6);
            let payload = be16(ip, 4) as usize;
            let src: [u8; 16] = ip[8..24].try_into().unwrap();
            let dst: [u8; 16] = ip[24..40].try_into().unwrap();
            let pseudo: u32 = ip[8..40].chunks(2).map(|w| be16(w, 0) as u32).sum::<u32>() + ip[6] as u32 + payload as u32;
            (54 + payload, ip[6], src, dst, 54, pseudo)
        }
        other => panic!("unexpected EtherType {other:#06x}"),
    };
    // The IP packet fills the frame, or is padded with zeros to Ethernet's 60 bytes.
    if ip_end != frame.len() {
        assert_eq!(frame.len(), 60, "only minimum-size frames carry padding");
        assert!(ip_end < 60 && frame[ip_end..].iter().all(|&b| b == 0));
    }
    let transport = &frame[transport_start..ip_end];
    let (src_port, dst_port, tcp_flags) = match proto {
        6 => {
            assert_eq!(transport[12] >> 4, 5, "TCP header without options");
            assert_eq!(internet_checksum(pseudo_sum, transport), 0, "TCP checksum");
            (be16(transport, 0), be16(transport, 2), transport[13])
        }
        17 => {
            assert_eq!(be16(transport, 4) as usize, transport.len(), "UDP length");
            assert_eq!(internet_checksum(pseudo_sum, transport), 0, "UDP checksum");
            (be16(transport, 0), be16(transport, 2), 0)
        }
        1 => {
            assert_eq!(internet_checksum(0, transport), 0, "ICMP checksum");
            (0, 0, 0)
        }
        58 => {
            assert_eq!(internet_checksum(pseudo_sum, transport), 0, "ICMPv6 checksum");
            (0, 0, 0)
        }
        other => panic!("unexpected protocol {other}"),
    };
    Packet { src, dst, proto, src_port, dst_port, tcp_flags }
}

/// A mix where bot campaigns and the rarer normal behaviours are frequent enough to show
/// up in a few megabytes.
fn bot_heavy_mix() -> BehaviourMix {
    let mut mix = BehaviourMix::default();
    for behaviour in Behaviour::ALL {
        if behaviour.is_bot() {
            mix = mix.with(behaviour, 3.0);
        }
    }
    mix.with(Behaviour::LongTransfer, 1.0).with(Behaviour::Ntp, 6.0).with(Behaviour::IcmpEcho, 8.0)
}

fn small_options(seed: u64, target_bytes: u64) -> GeneratorOptions {
    GeneratorOptions {
        seed,
        hosts: 120,
        external_hosts: 2_000,
        lan_network: Ipv4Addr::new(10, 20, 0, 0),
        target_bytes: Some(target_bytes),
        snaplen: 65_535,
        start_us: START_US,
        warmup_s: 120.0,
        pacing: Pacing::SessionsPerS(40.0),
        mix: bot_heavy_mix(),
        ipv6_fraction: 0.2,
        ..GeneratorOptions::default()
    }
}

fn run(options: &GeneratorOptions) -> (Vec<u8>, GeneratorSummary) {
    let mut bytes = Vec::new();
    let summary = generate(options, &mut bytes).unwrap();
    (bytes, summary)
}

fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |hash, &b| (hash ^ b as u64).wrapping_mul(0x0100_0000_01b3))
}

#[test]
fn the_capture_is_a_valid_pcap_in_time_order_near_its_target_size() {
    let options = small_options(1, 4_000_000);
    let (bytes, summary) = run(&options);
    assert_eq!(bytes.len() as u64, summary.bytes_written);
    let target_bytes = options.target_bytes.unwrap();
    assert!(bytes.len() as u64 <= target_bytes);
    // Stopped short of the target by less than one record of the largest frame.
    assert!(target_bytes - (bytes.len() as u64) < 16 + 1_514, "{} bytes", bytes.len());

    let capture = parse_pcap(&bytes);
    assert_eq!(capture.snaplen, 65_535);
    assert_eq!(capture.records.len() as u64, summary.packets);
    assert!(capture.records.windows(2).all(|pair| pair[0].ts_us <= pair[1].ts_us), "global time order");
    assert_eq!(capture.records[0].ts_us, summary.first_us);
    assert_eq!(capture.records.last().unwrap().ts_us, summary.last_us);
    assert!(summary.first_us >= START_US, "warm-up packets are not written");
    let wire_bytes: u64 = capture.records.iter().map(|r| r.orig_len as u64).sum();
    assert_eq!(wire_bytes, summary.wire_bytes);

    let mut protocols = HashSet::new();
    let mut ipv6 = 0;
    for record in &capture.records {
        let packet = check_frame(record.data, record.orig_len);
        protocols.insert(packet.proto);
        ipv6 += usize::from(packet.src[..12] != V4_MAPPED_PREFIX);
    }
    assert_eq!(protocols, HashSet::from([1, 6, 17, 58]), "ICMP, TCP, UDP, ICMPv6");
    assert!(ipv6 > 0);
}

#[test]
fn same_options_give_the_same_bytes_and_another_seed_does_not() {
    let options = small_options(7, 1_500_000);
    let (first, first_summary) = run(&options);
    let (second, second_summary) = run(&options);
    assert_eq!(fnv1a64(&first), fnv1a64(&second));
    assert_eq!(first, second);
    assert_eq!(first_summary, second_summary);
    let (other, _) = run(&GeneratorOptions { seed: 8, ..options });
    assert_ne!(fnv1a64(&first), fnv1a64(&other));
}

#[test]
fn the_output_is_pinned_across_versions_and_platforms() {
    // Benchmarks compare runs on captures made from the same options, possibly by different
    // builds: the bytes must not drift. This hash changes whenever the traffic model changes
    // on purpose; update it then, in the same commit, and say so. The snap length is given,
    // not the default, so that a change of default does not pass for a change of traffic.
    let options = GeneratorOptions {
        seed: 2024,
        hosts: 50,
        external_hosts: 500,
        target_bytes: Some(300_000),
        snaplen: 65_535,
        warmup_s: 30.0,
        pacing: Pacing::SessionsPerS(20.0),
        mix: bot_heavy_mix(),
        ..GeneratorOptions::default()
    };
    let (bytes, summary) = run(&options);
    assert_eq!(bytes.len() as u64, summary.bytes_written);
    assert_eq!((summary.packets, fnv1a64(&bytes)), (368, 4_456_216_080_104_456_259), "update the pinned values deliberately");
}

#[test]
fn a_larger_target_extends_the_same_capture() {
    let small = GeneratorOptions { pacing: Pacing::ConcurrentFlows(200.0), ..small_options(3, 1_000_000) };
    let large = GeneratorOptions { target_bytes: Some(3_000_000), ..small.clone() };
    let (small_bytes, small_summary) = run(&small);
    let (large_bytes, large_summary) = run(&large);
    assert_eq!(&large_bytes[..small_bytes.len()], &small_bytes[..]);
    assert!(large_summary.packets > small_summary.packets);
    assert_eq!(small_summary.sessions_per_s, large_summary.sessions_per_s);
}

#[test]
fn every_behaviour_appears_and_bot_traffic_comes_from_the_infected_hosts() {
    let options = GeneratorOptions { warmup_s: 900.0, ..small_options(11, 12_000_000) };
    let (bytes, summary) = run(&options);
    for behaviour in Behaviour::ALL {
        let totals = summary.per_behaviour[behaviour];
        assert!(totals.flows > 0 && totals.packets > 0, "{} is missing: {summary:?}", behaviour.name());
    }
    let per_behaviour = summary.per_behaviour.0;
    assert_eq!(per_behaviour.iter().map(|t| t.flows).sum::<u64>(), summary.flows);
    assert_eq!(per_behaviour.iter().map(|t| t.packets).sum::<u64>(), summary.packets);
    assert_eq!(per_behaviour.iter().map(|t| t.wire_bytes).sum::<u64>(), summary.wire_bytes);
    assert_eq!(summary.infected_hosts.len(), 1, "1% of 120 hosts, at least one");

    let infected: HashSet<[u8; 16]> = summary.infected_hosts.iter().map(|a| a.0).collect();
    let capture = parse_pcap(&bytes);
    let mut smtp_syns = 0;
    let mut hosts = HashSet::new();
    // Flows whose first packet in the capture is not a SYN started during warm-up.
    let mut first_flags: HashMap<(Packet, bool), u8> = HashMap::new();
    for record in &capture.records {
        let packet = check_frame(record.data, record.orig_len);
        if packet.proto == 6 && packet.tcp_flags == 0x02 && packet.dst_port == 25 {
            smtp_syns += 1;
            assert!(infected.contains(&packet.src), "only bots send mail directly: {packet:?}");
        }
        if packet.src[..12] == V4_MAPPED_PREFIX && packet.src[12..14] == [10, 20] {
            hosts.insert(packet.src);
        }
        if packet.proto == 6 {
            let forward = (packet.src, packet.src_port) < (packet.dst, packet.dst_port);
            let key = if forward { packet } else { Packet { src: packet.dst, dst: packet.src, src_port: packet.dst_port, dst_port: packet.src_port, ..packet } };
            first_flags.entry((Packet { tcp_flags: 0, ..key }, true)).or_insert(packet.tcp_flags);
        }
    }
    assert!(smtp_syns > 10, "{smtp_syns} SMTP SYNs");
    assert!(hosts.len() >= 50, "{} LAN hosts talk", hosts.len());
    let mid_stream = first_flags.values().filter(|&&flags| flags & 0x02 == 0).count();
    assert!(mid_stream > 0, "some TCP flows were already running when the capture starts");
}

/// Options for the duration tests: the default pacing (a concurrency target, calibrated),
/// cut packets so that ten minutes stay small, no size limit unless a test sets one.
fn timed_options(seed: u64, max_duration_s: i64) -> GeneratorOptions {
    GeneratorOptions {
        target_bytes: None,
        max_duration_us: Some(max_duration_s * 1_000_000),
        snaplen: 96,
        pacing: Pacing::ConcurrentFlows(200.0),
        ..small_options(seed, 0)
    }
}

#[test]
fn a_shorter_duration_gives_the_start_of_a_longer_capture() {
    let short = timed_options(4, 300);
    let long = timed_options(4, 600);
    let (short_bytes, short_summary) = run(&short);
    let (long_bytes, long_summary) = run(&long);
    // The same file header (snap length, link type), then the same packets, byte for byte.
    assert_eq!(short_bytes[..24], long_bytes[..24]);
    assert!(long_bytes.len() > short_bytes.len());
    assert_eq!(&long_bytes[24..short_bytes.len()], &short_bytes[24..]);
    // The stop changes neither the session rate nor the bots.
    assert_eq!(short_summary.sessions_per_s, long_summary.sessions_per_s);
    assert_eq!(short_summary.infected_hosts, long_summary.infected_hosts);

    // Each capture holds what its duration covers, and stops at the first packet beyond.
    let short_capture = parse_pcap(&short_bytes);
    let long_capture = parse_pcap(&long_bytes);
    let first_us = short_capture.records[0].ts_us;
    assert_eq!(long_capture.records[0].ts_us, first_us);
    assert!(short_summary.last_us - first_us < 300_000_000);
    let next = &long_capture.records[short_capture.records.len()];
    assert!(next.ts_us - first_us >= 300_000_000, "the first packet left out is past the 300 s");
    assert!(long_summary.last_us - first_us < 600_000_000);
    assert!(long_summary.last_us - first_us > 590_000_000, "ten minutes of busy LAN end within seconds of 600 s");
}

#[test]
fn with_a_size_and_a_duration_the_first_reached_ends_the_capture() {
    // A minute fills far less than 50 MB: the duration ends it, as if there were no size.
    let (minute_bytes, minute_summary) = run(&timed_options(6, 60));
    let (both_bytes, _) = run(&GeneratorOptions { target_bytes: Some(50_000_000), ..timed_options(6, 60) });
    assert_eq!(both_bytes, minute_bytes);
    assert!(minute_summary.last_us - minute_summary.first_us < 60_000_000);

    // 300 kB fill less than ten minutes: the size ends it, as if there were no duration.
    let size_only = GeneratorOptions { target_bytes: Some(300_000), max_duration_us: None, ..timed_options(6, 600) };
    let (size_bytes, size_summary) = run(&size_only);
    let (both_bytes, _) = run(&GeneratorOptions { max_duration_us: Some(600_000_000), ..size_only.clone() });
    assert_eq!(both_bytes, size_bytes);
    assert!(size_bytes.len() as u64 > 300_000 - 16 - 96);
    assert!(size_summary.last_us - size_summary.first_us < 600_000_000);
}

#[test]
fn progress_is_reported_as_the_capture_grows() {
    let options = timed_options(2, 120);
    let mut reports: Vec<GeneratorProgress> = Vec::new();
    let summary = generate_with_progress(&options, Vec::new(), &mut |progress| reports.push(*progress)).unwrap();
    assert!(reports.len() > 1, "{} reports", reports.len());
    assert!(reports.windows(2).all(|pair| pair[0].packets <= pair[1].packets && pair[0].capture_us <= pair[1].capture_us));
    let last = reports.last().unwrap();
    assert_eq!(last.packets, summary.packets);
    assert_eq!(last.bytes_written, summary.bytes_written);
    assert_eq!(last.capture_us, summary.last_us - summary.first_us);
}

#[test]
fn the_snap_length_cuts_records_but_keeps_wire_lengths_and_traffic() {
    let full = small_options(5, 2_000_000);
    let cut = GeneratorOptions { snaplen: 96, ..full.clone() };
    let (full_bytes, _) = run(&full);
    let (cut_bytes, cut_summary) = run(&cut);
    let full_capture = parse_pcap(&full_bytes);
    let cut_capture = parse_pcap(&cut_bytes);
    assert_eq!(cut_capture.snaplen, 96);
    assert!(cut_capture.records.len() > full_capture.records.len(), "smaller records, more of them");
    assert_eq!(cut_capture.records.len() as u64, cut_summary.packets);
    assert!(cut_capture.records.iter().any(|r| r.orig_len > 96));
    // With a fixed session rate the traffic does not depend on the snap length.
    for (full_record, cut_record) in full_capture.records.iter().zip(&cut_capture.records) {
        assert_eq!(full_record.ts_us, cut_record.ts_us);
        assert_eq!(full_record.orig_len, cut_record.orig_len);
        assert_eq!(&full_record.data[..cut_record.data.len()], cut_record.data);
    }
}

#[test]
fn by_default_packets_are_cut_at_96_bytes() {
    // What `flowhound synth --generate` writes when no --snaplen is given.
    let options = GeneratorOptions { target_bytes: Some(200_000), warmup_s: 30.0, ..GeneratorOptions::default() };
    assert_eq!(options.snaplen, 96);
    let (bytes, summary) = run(&options);
    let capture = parse_pcap(&bytes);
    assert_eq!(capture.snaplen, 96);
    assert_eq!(capture.records.len() as u64, summary.packets);
    assert!(capture.records.iter().all(|r| r.data.len() <= 96), "every record's captured length is at most 96");
    assert!(capture.records.iter().any(|r| r.orig_len > 96 && r.data.len() == 96), "longer packets are cut, not left out");
}

#[test]
fn the_concurrency_target_is_met_roughly_at_steady_state() {
    let options = GeneratorOptions {
        pacing: Pacing::ConcurrentFlows(400.0),
        mix: BehaviourMix::default(),
        warmup_s: 2_400.0,
        ..small_options(9, 15_000_000)
    };
    let (_, summary) = run(&options);
    let ratio = summary.mean_active_flows / 400.0;
    assert!((0.7..=1.3).contains(&ratio), "mean active flows {} for a target of 400", summary.mean_active_flows);
    assert!(summary.peak_active_flows as f64 >= summary.mean_active_flows);
}

#[test]
fn duration_pacing_spreads_the_target_over_about_that_time() {
    let options = GeneratorOptions {
        pacing: Pacing::DurationS(600.0),
        mix: BehaviourMix::default(),
        warmup_s: 2_400.0,
        ..small_options(10, 10_000_000)
    };
    let (_, summary) = run(&options);
    let span_s = (summary.last_us - summary.first_us) as f64 / 1e6;
    assert!((300.0..=1_200.0).contains(&span_s), "{span_s} s instead of about 600");
}

#[test]
fn bad_options_are_refused_with_their_code() {
    let good = small_options(1, 100_000);
    let cases = [
        GeneratorOptions { hosts: 0, ..good.clone() },
        GeneratorOptions { hosts: 70_000, ..good.clone() },
        GeneratorOptions { external_hosts: 0, ..good.clone() },
        GeneratorOptions { snaplen: 0, ..good.clone() },
        GeneratorOptions { target_bytes: Some(10), ..good.clone() },
        GeneratorOptions { target_bytes: None, max_duration_us: None, ..good.clone() },
        GeneratorOptions { max_duration_us: Some(0), ..good.clone() },
        GeneratorOptions { max_duration_us: Some(-1), ..good.clone() },
        GeneratorOptions { max_duration_us: Some(MAX_DURATION_US + 1), ..good.clone() },
        GeneratorOptions { target_bytes: None, max_duration_us: Some(60_000_000), pacing: Pacing::DurationS(60.0), ..good.clone() },
        GeneratorOptions { start_us: -1, ..good.clone() },
        GeneratorOptions { warmup_s: f64::NAN, ..good.clone() },
        GeneratorOptions { ipv6_fraction: 1.5, ..good.clone() },
        GeneratorOptions { pacing: Pacing::ConcurrentFlows(0.0), ..good.clone() },
        GeneratorOptions { mix: BehaviourMix::default().with(Behaviour::Web, -1.0), ..good.clone() },
        GeneratorOptions { infected_hosts: 119, ..good.clone() },
    ];
    for options in cases {
        let err = generate(&options, Vec::new()).unwrap_err();
        assert_eq!(err.code, ErrorCode::BadOption, "{options:?}");
    }
    // Normal traffic only: no infected hosts, no bot flows.
    let (_, summary) = run(&GeneratorOptions { mix: BehaviourMix::default().without_bots(), ..good });
    assert!(summary.infected_hosts.is_empty());
    assert!(Behaviour::ALL.iter().filter(|b| b.is_bot()).all(|&b| summary.per_behaviour[b].flows == 0));
}
