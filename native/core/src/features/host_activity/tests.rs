//! Each feature against values worked out by hand from the flows the test builds.

use std::collections::HashMap;

use super::*;
use crate::packet::IpAddr16;
use crate::record::{Direction, Protocol};
use tcp_flag::{ACK, FIN, PSH, RST, SYN};

const HOST: [u8; 4] = [10, 0, 0, 5];

fn ip(octets: [u8; 4]) -> Address {
    Address::Ip(IpAddr16::from_v4(octets))
}

/// A flow the host opens. `dst_bytes` is what the responder sent back.
fn flow(protocol: u8, dst: [u8; 4], port: Option<u16>, start_s: f64, pkts: u64, src_bytes: u64, dst_bytes: u64) -> FlowRecord {
    let start_us = (start_s * 1e6) as i64;
    FlowRecord {
        window_start_us: None,
        start_us,
        last_us: start_us + 500_000,
        protocol: Protocol::Ip(protocol),
        src_addr: ip(HOST),
        dst_addr: ip(dst),
        src_port: port.map(|_| 40000),
        dst_port: port,
        direction: Direction::Forward,
        state: if dst_bytes > 0 { "CON".into() } else { "INT".into() },
        src_tos: Some(0),
        dst_tos: None,
        total_pkts: pkts,
        total_bytes: src_bytes + dst_bytes,
        src_bytes,
        src_pkts: None,
        src_payload_bytes: None,
        dst_payload_bytes: None,
        src_tcp_flags: 0,
        dst_tcp_flags: 0,
        label: None,
    }
}

fn tcp(dst: [u8; 4], port: u16, start_s: f64, src_flags: u8, dst_flags: u8) -> FlowRecord {
    let answered = dst_flags != 0;
    FlowRecord {
        src_tcp_flags: src_flags,
        dst_tcp_flags: dst_flags,
        state: String::new(),
        ..flow(6, dst, Some(port), start_s, if answered { 4 } else { 2 }, 120, if answered { 120 } else { 0 })
    }
}

fn silent_syn(dst: [u8; 4], port: u16, start_s: f64) -> FlowRecord {
    tcp(dst, port, start_s, SYN, 0)
}

fn row_of(activity: &HostActivity, history: &HostHistory<'_>) -> (HashMap<&'static str, f32>, Vec<EvidenceDetail>) {
    let mut row = vec![f32::NAN; HOST_FEATURE_COUNT];
    let details = activity.write_features(history, &mut row);
    assert!(row.iter().all(|v| v.is_finite()), "every column is written");
    (HOST_FEATURES.iter().map(|f| f.name).zip(row).collect(), details)
}

const FIRST_SEEN: HostHistory<'static> = HostHistory { previous_dsts: None, served: Served { smtp: false, dns: false } };

fn detail(details: &[EvidenceDetail], evidence: Evidence) -> &EvidenceDetail {
    details.iter().find(|d| d.evidence == evidence).expect("a detail for the evidence")
}

#[test]
fn a_spammer_sweeping_mail_servers() {
    let mut host = HostActivity::default();
    // Ten attempts on TCP 25: servers .1 to .6 never answer, .7 resets twice, .8 accepts twice.
    for i in 1..=6u8 {
        host.add_initiated(&silent_syn([64, 4, 4, i], 25, f64::from(i)), false);
    }
    host.add_initiated(&tcp([64, 4, 4, 7], 25, 7.0, SYN, RST | ACK), false);
    host.add_initiated(&tcp([64, 4, 4, 7], 25, 7.5, SYN, RST | ACK), false);
    host.add_initiated(&tcp([64, 4, 4, 8], 25, 8.0, FIN | SYN | PSH | ACK, FIN | SYN | PSH | ACK), false);
    host.add_initiated(&tcp([64, 4, 4, 8], 25, 9.0, FIN | SYN | PSH | ACK, FIN | SYN | PSH | ACK), false);
    let (row, details) = row_of(&host, &FIRST_SEEN);
    assert_eq!((row["flows_initiated"], row["distinct_dst_addrs"], row["new_dst_addrs"]), (10.0, 8.0, 8.0));
    assert_eq!((row["failed_attempts"], row["failed_dst_addrs"]), (8.0, 7.0));
    // 7 new servers failed on TCP 25, and 8 of the 10 attempts there failed: 7 × 0.8.
    assert!((row["scan_service_targets"] - 5.6).abs() < 1e-6, "{}", row["scan_service_targets"]);
    assert_eq!(row["smtp_servers"], 8.0);
    assert_eq!(row["failed_retries_one_service"], 2.0, "two resets from .7");
    assert_eq!(row["scan_ports_one_target"], 1.0);
    // Each silent SYN is 2 packets from the host; .7's two attempts are 4 packets each, half
    // of the bytes the host's: 2 + 2 packets sent in failed attempts to .7.
    assert_eq!(row["unanswered_pkts_one_target"], 4.0);
    assert_eq!(detail(&details, Evidence::UnansweredPktsOneTarget).subject, Some(ip([64, 4, 4, 7])));
    assert_eq!((row["irc_connections"], row["dns_unanswered"], row["beacon_contacts"]), (0.0, 0.0, 0.0));
    // Opened connections to the outside: two to .7 and two to .8, one to each of the others.
    assert_eq!(row["conns_one_outside_service"], 2.0);
    let scan = detail(&details, Evidence::ScanServiceTargets);
    assert_eq!(scan.service, Some(Service { protocol: 6, port: Some(25) }));
    assert_eq!(scan.peers, (1..=5).map(|i| ip([64, 4, 4, i])).collect::<Vec<_>>(), "the first five in address order");
    assert_eq!(detail(&details, Evidence::SmtpServers).peers.len(), MAX_PEERS);
    let retries = detail(&details, Evidence::FailedRetriesOneService);
    assert_eq!((retries.subject, retries.service), (Some(ip([64, 4, 4, 7])), Some(Service { protocol: 6, port: Some(25) })));
}

#[test]
fn only_targets_new_since_the_window_before_count_as_scanned() {
    let mut host = HostActivity::default();
    for i in 1..=4u8 {
        host.add_initiated(&silent_syn([192, 0, 2, i], 445, f64::from(i)), false);
    }
    let before: FastSet<Address> = [ip([192, 0, 2, 1]), ip([192, 0, 2, 2]), ip([203, 0, 113, 9])].into_iter().collect();
    let history = HostHistory { previous_dsts: Some(&before), served: Served::default() };
    let (row, details) = row_of(&host, &history);
    assert_eq!(row["new_dst_addrs"], 2.0);
    assert_eq!(row["scan_service_targets"], 2.0, "two new targets, every attempt failed");
    assert_eq!(detail(&details, Evidence::ScanServiceTargets).peers, vec![ip([192, 0, 2, 3]), ip([192, 0, 2, 4])]);
    assert_eq!(row["failed_dst_addrs"], 4.0, "failures count whether new or not");
}

#[test]
fn failures_over_random_high_ports_are_no_scan() {
    // A peer-to-peer client: unanswered UDP to ten peers, each on its own high port.
    let mut host = HostActivity::default();
    for i in 1..=10u8 {
        host.add_initiated(&flow(17, [198, 51, 100, i], Some(20000 + u16::from(i)), f64::from(i), 1, 90, 0), false);
    }
    let (row, _) = row_of(&host, &FIRST_SEEN);
    assert_eq!((row["failed_attempts"], row["failed_dst_addrs"], row["scan_service_targets"]), (10.0, 10.0, 0.0));
    // The same on a scanned high port (telnet's alternate) is a scan.
    let mut scanner = HostActivity::default();
    for i in 1..=10u8 {
        scanner.add_initiated(&silent_syn([198, 51, 100, i], 2323, f64::from(i)), false);
    }
    assert_eq!(row_of(&scanner, &FIRST_SEEN).0["scan_service_targets"], 10.0);
}

#[test]
fn a_vertical_scan_a_flood_and_icmp_answers() {
    let mut host = HostActivity::default();
    for port in 20..31u16 {
        host.add_initiated(&tcp([192, 0, 2, 50], port, 1.0, SYN, RST | ACK), false);
    }
    // An unanswered UDP flood of 1,000 packets and an ICMP echo flood of 300 to another target.
    host.add_initiated(&flow(17, [192, 0, 2, 99], Some(80), 2.0, 1000, 60_000, 0), false);
    let echo = FlowRecord { state: "ECO".into(), ..flow(1, [192, 0, 2, 99], None, 3.0, 300, 29_400, 0) };
    host.add_initiated(&echo, false);
    // Port unreachables the host sends are answers, not attempts.
    for i in 1..=5u8 {
        let unreachable = FlowRecord { state: "URP".into(), ..flow(1, [198, 51, 100, i], None, 4.0, 1, 70, 0) };
        host.add_initiated(&unreachable, false);
    }
    let (row, details) = row_of(&host, &FIRST_SEEN);
    assert_eq!(row["flows_initiated"], 18.0);
    assert_eq!(row["scan_ports_one_target"], 11.0);
    assert_eq!(detail(&details, Evidence::ScanPortsOneTarget).ports, vec![20, 21, 22, 23, 24]);
    assert_eq!(row["unanswered_pkts_one_target"], 1300.0);
    assert_eq!(detail(&details, Evidence::UnansweredPktsOneTarget).subject, Some(ip([192, 0, 2, 99])));
    assert_eq!(row["failed_attempts"], 13.0, "11 resets, the UDP flood, the echo flood; no unreachable");
    assert_eq!(row["failed_retries_one_service"], 1.0);
}

#[test]
fn unanswered_pings_of_one_address_are_no_failed_retries_but_count_as_packets() {
    // mtr to one address (CTU-Normal-7: 543 lost echo requests to 173.194.70.104 in a window),
    // beside three failed connections to one TCP service.
    let mut host = HostActivity::default();
    for i in 0..543 {
        let echo = FlowRecord { state: "ECO".into(), ..flow(1, [173, 194, 70, 104], None, f64::from(i) * 0.5, 1, 78, 0) };
        host.add_initiated(&echo, false);
    }
    for i in 0..3 {
        host.add_initiated(&silent_syn([192, 0, 2, 7], 443, f64::from(i)), false);
    }
    let (row, details) = row_of(&host, &FIRST_SEEN);
    assert_eq!(row["failed_attempts"], 546.0);
    assert_eq!(row["failed_retries_one_service"], 3.0, "the TCP service's, not the pings'");
    assert_eq!(detail(&details, Evidence::FailedRetriesOneService).service, Some(Service { protocol: 6, port: Some(443) }));
    assert_eq!(row["unanswered_pkts_one_target"], 543.0, "the pings are a flood's packets, if many");
    assert_eq!(detail(&details, Evidence::UnansweredPktsOneTarget).subject, Some(ip([173, 194, 70, 104])));
}

#[test]
fn a_mail_server_relays_without_spamming() {
    let mut server = HostActivity::default();
    for i in 1..=20u8 {
        server.add_initiated(&tcp([64, 4, 4, i], 25, f64::from(i), SYN | ACK, SYN | ACK), false);
    }
    assert_eq!(row_of(&server, &FIRST_SEEN).0["smtp_servers"], 20.0);
    let mut inbound = tcp([10, 0, 0, 9], 25, 0.5, SYN | ACK, SYN | ACK);
    (inbound.src_addr, inbound.dst_addr) = (ip([10, 0, 0, 9]), ip(HOST));
    server.add_received(&inbound);
    assert_eq!(server.served(), Served { smtp: true, dns: false });
    assert_eq!(row_of(&server, &FIRST_SEEN).0["smtp_servers"], 0.0);
    let mut earlier = HostActivity::default();
    earlier.add_initiated(&tcp([64, 4, 4, 1], 25, 1.0, SYN | ACK, SYN | ACK), false);
    let history = HostHistory { previous_dsts: None, served: Served { smtp: true, dns: false } };
    assert_eq!(row_of(&earlier, &history).0["smtp_servers"], 0.0);
}

#[test]
fn a_resolver_forwards_without_abusing_dns() {
    let mut resolver = HostActivity::default();
    for i in 0..30 {
        resolver.add_initiated(&flow(17, [8, 8, 8, 8], Some(53), f64::from(i), 1, 70, if i % 3 == 0 { 0 } else { 120 }), false);
    }
    let (row, _) = row_of(&resolver, &FIRST_SEEN);
    assert_eq!((row["dns_queries_outside"], row["dns_unanswered"]), (30.0, 10.0));
    // A LAN client's query, answered: the host is the LAN's resolver.
    let mut query = flow(17, [10, 0, 0, 9], Some(53), 0.1, 2, 70, 120);
    (query.src_addr, query.dst_addr) = (ip([10, 0, 0, 9]), ip(HOST));
    resolver.add_received(&query);
    assert_eq!(resolver.served(), Served { smtp: false, dns: true });
    let (row, details) = row_of(&resolver, &FIRST_SEEN);
    assert_eq!((row["dns_queries_outside"], row["dns_unanswered"]), (0.0, 0.0));
    assert!(details.iter().all(|d| !matches!(d.evidence, Evidence::DnsQueriesOutside | Evidence::DnsUnanswered)));
}

#[test]
fn irc_dns_and_polling() {
    let mut host = HostActivity::default();
    for start in [1.0, 40.0, 90.0] {
        host.add_initiated(&tcp([203, 0, 113, 6], 6667, start, SYN | PSH | ACK, SYN | PSH | ACK), false);
    }
    // Five queries to a public resolver (two unanswered), three to the LAN's.
    for (i, answered) in [true, true, true, false, false].into_iter().enumerate() {
        host.add_initiated(&flow(17, [8, 8, 8, 8], Some(53), 10.0 + i as f64, 1, 70, if answered { 120 } else { 0 }), false);
    }
    for i in 0..3 {
        host.add_initiated(&flow(17, [10, 0, 0, 1], Some(53), 20.0 + f64::from(i), 2, 70, 120), true);
    }
    // Six connections opened to one outside web server, eight to a LAN file server.
    for i in 0..6 {
        host.add_initiated(&tcp([93, 184, 216, 34], 80, 30.0 + f64::from(i) * 7.3, SYN | ACK, SYN | ACK), false);
    }
    for i in 0..8 {
        host.add_initiated(&tcp([10, 0, 0, 2], 445, 31.0 + f64::from(i), SYN | ACK, SYN | ACK), true);
    }
    let (row, details) = row_of(&host, &FIRST_SEEN);
    assert_eq!(row["irc_connections"], 3.0);
    assert_eq!(detail(&details, Evidence::IrcConnections).service, Some(Service { protocol: 6, port: Some(6667) }));
    assert_eq!((row["dns_unanswered"], row["dns_queries_outside"]), (2.0, 5.0));
    assert_eq!(detail(&details, Evidence::DnsQueriesOutside).subject, Some(ip([8, 8, 8, 8])));
    assert_eq!(row["conns_one_outside_service"], 6.0, "the LAN file server does not count");
    let polled = detail(&details, Evidence::ConnsOneOutsideService);
    assert_eq!((polled.subject, polled.service), (Some(ip([93, 184, 216, 34])), Some(Service { protocol: 6, port: Some(80) })));
    // The six web connections, 7.3 s apart, are a regular series; the eight to the LAN file
    // server and the DNS queries count for no beacon.
    assert_eq!(row["beacon_contacts"], 6.0);
}

#[test]
fn a_regular_series_is_a_beacon_and_an_irregular_one_is_not() {
    let mut bot = HostActivity::default();
    for (minute, jitter_s) in [0.0, 1.0, -1.0, 0.5, -0.5].into_iter().enumerate() {
        bot.add_initiated(&tcp([185, 244, 25, 235], 80, 60.0 * minute as f64 + jitter_s, SYN | PSH | ACK, SYN | PSH | ACK), false);
    }
    let (row, details) = row_of(&bot, &FIRST_SEEN);
    assert_eq!(row["beacon_contacts"], 5.0);
    let beacon = detail(&details, Evidence::BeaconContacts);
    // Starts 0, 61, 119, 180.5, 239.5 s: gaps 61, 58, 61.5, 59, mean 59.875 s; deviations
    // 1.125, −1.875, 1.625, −0.875, squares summing to 8.1875: standard deviation √2.046875 s.
    assert_eq!(beacon.period_us, 59_875_000);
    assert!((beacon.jitter_us - 1_430_690).abs() <= 1, "{}", beacon.jitter_us);
    assert_eq!(beacon.span_us, 239_500_000);

    let mut browser = HostActivity::default();
    for start in [0.0, 1.0, 2.0, 90.0, 95.0, 280.0] {
        browser.add_initiated(&tcp([185, 244, 25, 235], 80, start, SYN | PSH | ACK, SYN | PSH | ACK), false);
    }
    assert_eq!(row_of(&browser, &FIRST_SEEN).0["beacon_contacts"], 0.0);
}

/// Every count of a host's row, worked out by hand, for a host whose ten counts all differ:
/// two counts swapped in the row (a value written under the other's name) cannot pass here,
/// as it can where two counts happen to be equal. The evidence features have tests of their own.
#[test]
fn every_count_of_a_host_whose_counts_all_differ() {
    let mut host = HostActivity::default();
    // Five silent SYNs to port 8080: three to .1, two to .2 (2 packets, 120 bytes each).
    for start in [1.0, 2.0, 3.0] {
        host.add_initiated(&silent_syn([64, 4, 4, 1], 8080, start), false);
    }
    for start in [4.0, 5.0] {
        host.add_initiated(&silent_syn([64, 4, 4, 2], 8080, start), false);
    }
    // Four answered NTP exchanges, to .3 … .6: 2 packets, 76 bytes out and 90 back each.
    for last in 3..=6u8 {
        host.add_initiated(&flow(17, [64, 4, 4, last], Some(123), 6.0 + f64::from(last), 2, 76, 90), false);
    }
    // Three requests from one LAN peer to the host's web server: 6 packets, 300 bytes in
    // and 5,000 out each.
    for start in [20.0, 21.0, 22.0] {
        let mut request = flow(6, [10, 0, 0, 5], Some(80), start, 6, 300, 5000);
        (request.src_addr, request.dst_addr) = (ip([10, 0, 0, 7]), ip(HOST));
        host.add_received(&request);
    }
    // The window before: the host contacted .1 and .3, so .2, .4, .5 and .6 are new.
    let before: FastSet<Address> = [ip([64, 4, 4, 1]), ip([64, 4, 4, 3])].into_iter().collect();
    let history = HostHistory { previous_dsts: Some(&before), served: Served::default() };
    let (row, _) = row_of(&host, &history);
    let expected = [
        ("flows_initiated", 9.0),
        ("flows_received", 3.0),
        ("distinct_dst_addrs", 6.0),
        ("distinct_src_addrs", 1.0),
        ("new_dst_addrs", 4.0),
        ("failed_attempts", 5.0),
        ("failed_dst_addrs", 2.0),
        // 5 × 120 + 4 × 76 + 3 × 5,000.
        ("bytes_up", 15_904.0),
        // 4 × 90 + 3 × 300.
        ("bytes_down", 1_260.0),
        // 5 × 2 + 4 × 2 + 3 × 6.
        ("pkts_total", 36.0),
    ];
    let names: Vec<&str> = expected.iter().map(|(name, _)| *name).collect();
    assert_eq!(names, HOST_FEATURES[..crate::features::schema::HOST_EVIDENCE_FIRST].iter().map(|f| f.name).collect::<Vec<_>>(), "every count, in schema order");
    let mut values: Vec<f32> = expected.iter().map(|(_, value)| *value).collect();
    values.sort_by(f32::total_cmp);
    values.dedup();
    assert_eq!(values.len(), expected.len(), "the counts must all differ for a swap to show");
    let got: Vec<(&str, f32)> = expected.iter().map(|(name, _)| (*name, row[*name])).collect();
    assert_eq!(got, expected);
}

#[test]
fn bytes_and_packets_are_counted_from_the_hosts_side() {
    let mut server = HostActivity::default();
    let mut request = flow(6, [10, 0, 0, 7], Some(80), 0.0, 10, 1000, 9000);
    (request.src_addr, request.dst_addr) = (ip([10, 0, 0, 7]), ip(HOST));
    request.src_pkts = Some(4);
    server.add_received(&request);
    let (row, _) = row_of(&server, &FIRST_SEEN);
    assert_eq!((row["flows_received"], row["distinct_src_addrs"], row["flows_initiated"]), (1.0, 1.0, 0.0));
    assert_eq!((row["bytes_up"], row["bytes_down"], row["pkts_total"]), (9000.0, 1000.0, 10.0));
}

#[test]
fn tallies_stay_bounded_under_a_flood_of_targets() {
    let mut host = HostActivity::default();
    let targets = MAX_KEYS_PER_TALLY as u32 + 100;
    for i in 0..targets {
        let [_, a, b, c] = i.to_be_bytes();
        host.add_initiated(&silent_syn([100, a, b, c], 23, 0.0), false);
    }
    let (row, _) = row_of(&host, &FIRST_SEEN);
    assert_eq!(row["flows_initiated"], targets as f32, "counts need no key");
    assert_eq!(row["failed_attempts"], targets as f32);
    assert_eq!(row["failed_dst_addrs"], MAX_KEYS_PER_TALLY as f32, "distinct addresses stop at the bound");
}
