//! One LAN host's activity in one window, accumulated flow by flow, and its row of
//! `HOST_FEATURES` when the window closes.

use std::collections::{HashMap, HashSet};

use crate::packet::tcp_flag;
use crate::record::{Address, FlowRecord};

use super::schema::{index_of, HOST_FEATURES, HOST_FEATURE_COUNT};
use super::traffic_class::{Services, Transport};

/// Flows to one destination needed before their timing is judged.
const BEACON_MIN_FLOWS: usize = 3;
/// Start times kept per destination: enough to judge regularity, bounded for floods.
const BEACON_MAX_TIMES: usize = 64;
/// Below this coefficient of variation the times between flow starts count as regular.
const BEACON_MAX_CV: f64 = 0.2;

#[derive(Default)]
pub struct HostActivity {
    flows_initiated: u64,
    flows_received: u64,
    dst_addrs: HashSet<Address>,
    dst_port_counts: HashMap<u16, u64>,
    src_addrs: HashSet<Address>,
    unanswered: u64,
    tcp_initiated: u64,
    tcp_failed: u64,
    smtp_flows: u64,
    smtp_servers: HashSet<Address>,
    dns_flows: u64,
    irc_flows: u64,
    icmp_flows: u64,
    web_flows: u64,
    bytes_up: u64,
    bytes_down: u64,
    pkts_total: u64,
    duration_us_total: u64,
    /// Start times of initiated flows, per destination.
    starts_by_dst: HashMap<Address, Vec<i64>>,
}

impl HostActivity {
    pub fn flows(&self) -> u64 {
        self.flows_initiated + self.flows_received
    }

    /// A flow the host initiated (it is the record's source).
    pub fn add_initiated(&mut self, record: &FlowRecord) {
        let transport = Transport::of(record);
        let services = Services::of(transport, record.dst_port);
        self.flows_initiated += 1;
        self.dst_addrs.insert(record.dst_addr);
        if matches!(transport, Transport::Tcp | Transport::Udp) {
            if let Some(port) = record.dst_port {
                *self.dst_port_counts.entry(port).or_default() += 1;
            }
        }
        if record.dst_bytes() == 0 {
            self.unanswered += 1;
        }
        if transport == Transport::Tcp {
            self.tcp_initiated += 1;
            let opened = record.src_tcp_flags & tcp_flag::SYN != 0;
            let accepted = record.dst_tcp_flags & (tcp_flag::SYN | tcp_flag::ACK) == tcp_flag::SYN | tcp_flag::ACK;
            let reset = record.dst_tcp_flags & tcp_flag::RST != 0;
            if reset || (opened && !accepted) {
                self.tcp_failed += 1;
            }
        }
        if services.smtp {
            self.smtp_flows += 1;
            self.smtp_servers.insert(record.dst_addr);
        }
        self.dns_flows += u64::from(services.dns);
        self.irc_flows += u64::from(services.irc);
        self.web_flows += u64::from(services.web);
        self.icmp_flows += u64::from(transport == Transport::Icmp);
        self.bytes_up += record.src_bytes;
        self.bytes_down += record.dst_bytes();
        self.add_common(record);
        let starts = self.starts_by_dst.entry(record.dst_addr).or_default();
        if starts.len() < BEACON_MAX_TIMES {
            starts.push(record.start_us);
        }
    }

    /// A flow the host answered or was sent (it is the record's destination).
    pub fn add_received(&mut self, record: &FlowRecord) {
        self.flows_received += 1;
        self.src_addrs.insert(record.src_addr);
        self.bytes_up += record.dst_bytes();
        self.bytes_down += record.src_bytes;
        self.add_common(record);
    }

    fn add_common(&mut self, record: &FlowRecord) {
        self.pkts_total += record.total_pkts;
        self.duration_us_total += record.duration_us().max(0) as u64;
    }

    /// Writes the host's features into `row` (`HOST_FEATURE_COUNT` long), in schema order.
    pub fn write_features(&self, row: &mut [f32]) {
        assert_eq!(row.len(), HOST_FEATURE_COUNT);
        let initiated = self.flows_initiated as f64;
        let share = |count: u64| if initiated > 0.0 { (count as f64 / initiated) as f32 } else { 0.0 };
        let flows = self.flows() as f64;
        let per_flow = |total: u64| if flows > 0.0 { (total as f64 / flows) as f32 } else { 0.0 };
        let bytes_total = (self.bytes_up + self.bytes_down) as f64;
        let (beacon_pairs, beacon_min_cv) = self.beacons();

        macro_rules! set {
            ($name:literal, $value:expr $(,)?) => {
                row[const { index_of(HOST_FEATURES, $name) }] = $value
            };
        }
        set!("flows_initiated", initiated as f32);
        set!("flows_received", self.flows_received as f32);
        set!("distinct_dst_addrs", self.dst_addrs.len() as f32);
        set!("distinct_dst_ports", self.dst_port_counts.len() as f32);
        set!("distinct_src_addrs", self.src_addrs.len() as f32);
        set!("dst_port_entropy_bits", entropy_bits(self.dst_port_counts.values().copied()) as f32);
        set!("unanswered_share", share(self.unanswered));
        set!("tcp_failed_share",
            if self.tcp_initiated > 0 { (self.tcp_failed as f64 / self.tcp_initiated as f64) as f32 } else { 0.0 },
        );
        set!("smtp_flows", self.smtp_flows as f32);
        set!("distinct_smtp_servers", self.smtp_servers.len() as f32);
        set!("smtp_share", share(self.smtp_flows));
        set!("dns_flows", self.dns_flows as f32);
        set!("dns_share", share(self.dns_flows));
        set!("irc_flows", self.irc_flows as f32);
        set!("irc_share", share(self.irc_flows));
        set!("icmp_flows", self.icmp_flows as f32);
        set!("icmp_share", share(self.icmp_flows));
        set!("web_share", share(self.web_flows));
        set!("bytes_up", self.bytes_up as f32);
        set!("bytes_down", self.bytes_down as f32);
        set!("pkts_total", self.pkts_total as f32);
        set!("bytes_up_share", if bytes_total > 0.0 { (self.bytes_up as f64 / bytes_total) as f32 } else { 0.0 });
        set!("mean_flow_duration_s", per_flow(self.duration_us_total) / 1e6);
        set!("mean_bytes_per_flow", if flows > 0.0 { (bytes_total / flows) as f32 } else { 0.0 });
        set!("beacon_pairs", beacon_pairs as f32);
        set!("beacon_min_cv", beacon_min_cv.map_or(-1.0, |cv| cv as f32));
    }

    /// Destinations contacted at regular intervals, and the lowest coefficient of variation of
    /// the times between flow starts over destinations contacted often enough to judge.
    fn beacons(&self) -> (u64, Option<f64>) {
        let mut regular = 0;
        let mut lowest: Option<f64> = None;
        let mut starts = Vec::new();
        for times in self.starts_by_dst.values().filter(|times| times.len() >= BEACON_MIN_FLOWS) {
            starts.clear();
            starts.extend_from_slice(times);
            starts.sort_unstable();
            let Some(cv) = interval_cv(&starts) else { continue };
            if cv < BEACON_MAX_CV {
                regular += 1;
            }
            lowest = Some(lowest.map_or(cv, |low: f64| low.min(cv)));
        }
        (regular, lowest)
    }
}

/// Coefficient of variation (standard deviation / mean) of the gaps between sorted times;
/// `None` when the mean gap is zero (all at once: a burst, not a beacon).
fn interval_cv(sorted_times: &[i64]) -> Option<f64> {
    let gaps: Vec<f64> = sorted_times.windows(2).map(|pair| (pair[1] - pair[0]) as f64).collect();
    let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
    if mean <= 0.0 {
        return None;
    }
    let variance = gaps.iter().map(|gap| (gap - mean).powi(2)).sum::<f64>() / gaps.len() as f64;
    Some(variance.sqrt() / mean)
}

fn entropy_bits(counts: impl Iterator<Item = u64> + Clone) -> f64 {
    let total: u64 = counts.clone().sum();
    if total == 0 {
        return 0.0;
    }
    let total = total as f64;
    counts.filter(|&c| c > 0).map(|c| c as f64 / total).map(|p| -p * p.log2()).sum::<f64>().max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow(dst: [u8; 4], dst_port: u16, start_s: f64, dst_bytes: u64, dst_flags: u8) -> FlowRecord {
        let start_us = (start_s * 1e6) as i64;
        FlowRecord {
            total_bytes: 180 + dst_bytes,
            src_tcp_flags: tcp_flag::SYN,
            dst_tcp_flags: dst_flags,
            ..FlowRecord::example_tcp([10, 0, 0, 1], 40000, dst, dst_port, start_us, start_us + 1_000_000)
        }
    }

    fn row_of(activity: &HostActivity) -> HashMap<&'static str, f32> {
        let mut row = vec![f32::NAN; HOST_FEATURE_COUNT];
        activity.write_features(&mut row);
        HOST_FEATURES.iter().map(|f| f.name).zip(row).collect()
    }

    #[test]
    fn a_spammer_fails_most_smtp_attempts() {
        let mut host = HostActivity::default();
        for i in 0..8u8 {
            // Six servers reset the attempt, two accept it.
            let answer = if i < 6 { tcp_flag::RST | tcp_flag::ACK } else { tcp_flag::SYN | tcp_flag::ACK };
            host.add_initiated(&flow([64, 4, 4, i], 25, f64::from(i), 60, answer));
        }
        host.add_initiated(&flow([8, 8, 8, 8], 53, 9.0, 0, 0));
        let row = row_of(&host);
        assert_eq!((row["flows_initiated"], row["smtp_flows"], row["distinct_smtp_servers"]), (9.0, 8.0, 8.0));
        assert_eq!(row["tcp_failed_share"], 7.0 / 9.0, "six resets and the unanswered SYN to port 53");
        assert_eq!(row["unanswered_share"], 1.0 / 9.0);
        assert!((row["smtp_share"] - 8.0 / 9.0).abs() < 1e-6);
        assert_eq!(row["distinct_dst_ports"], 2.0);
        // Ports 25 ×8 and 53 ×1.
        let p = [8.0f64 / 9.0, 1.0 / 9.0];
        let entropy = -(p[0] * p[0].log2() + p[1] * p[1].log2());
        assert!((f64::from(row["dst_port_entropy_bits"]) - entropy).abs() < 1e-6);
        assert_eq!(row["beacon_min_cv"], -1.0, "no destination was contacted three times");
    }

    #[test]
    fn a_beacon_every_minute_is_regular_and_a_browser_is_not() {
        let mut bot = HostActivity::default();
        for minute in 0..5 {
            bot.add_initiated(&flow([1, 2, 3, 4], 443, 60.0 * f64::from(minute) + 0.1 * f64::from(minute % 2), 500, tcp_flag::SYN | tcp_flag::ACK));
        }
        let row = row_of(&bot);
        assert_eq!(row["beacon_pairs"], 1.0);
        assert!(row["beacon_min_cv"] < 0.01);

        let mut browser = HostActivity::default();
        for (i, start) in [0.0, 1.0, 2.0, 90.0, 95.0, 280.0].into_iter().enumerate() {
            browser.add_initiated(&flow([1, 2, 3, 4], 443, start + i as f64 * 0.0, 500, tcp_flag::SYN | tcp_flag::ACK));
        }
        let row = row_of(&browser);
        assert_eq!(row["beacon_pairs"], 0.0);
        assert!(row["beacon_min_cv"] > 0.5);
    }

    #[test]
    fn bytes_are_counted_from_the_hosts_side() {
        let mut server = HostActivity::default();
        server.add_received(&flow([10, 0, 0, 2], 80, 0.0, 5000, tcp_flag::SYN | tcp_flag::ACK));
        let row = row_of(&server);
        assert_eq!((row["flows_received"], row["bytes_up"], row["bytes_down"], row["distinct_src_addrs"]), (1.0, 5000.0, 180.0, 1.0));
        assert_eq!((row["flows_initiated"], row["smtp_share"]), (0.0, 0.0));
        assert_eq!(row["mean_flow_duration_s"], 1.0);
    }
}
