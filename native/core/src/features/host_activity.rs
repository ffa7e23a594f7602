//! One LAN host's activity in one window, accumulated flow by flow; its row of
//! `HOST_FEATURES` and the details behind its evidence when the window closes.
//!
//! What the host did before this window (the addresses it contacted, whether it serves mail)
//! comes from [`HostHistory`], which the builder keeps from one window to the next.

use crate::fast_hash::{FastMap, FastSet};
use crate::packet::tcp_flag;
use crate::record::{Address, FlowRecord, Protocol};

use super::attempt::{attempt_of, Attempt};
use super::evidence::{Evidence, EvidenceDetail, Service, MAX_PEERS};
use super::schema::{index_of, HOST_FEATURES, HOST_FEATURE_COUNT};
use super::traffic_class::{Services, Transport};

/// Distinct keys kept per tally (destinations, services, peers) for one host in one window:
/// a host that floods millions of addresses is still counted, in bounded memory (keys beyond
/// this are counted where a count needs no key, and otherwise left out).
pub const MAX_KEYS_PER_TALLY: usize = 16_384;
/// Contact times kept per destination service, for the regularity of its series.
const MAX_CONTACT_TIMES: usize = 256;
/// A regular series: at least this many contacts ...
const BEACON_MIN_CONTACTS: usize = 4;
/// ... whose times between starts vary by at most this coefficient of variation.
const BEACON_MAX_CV: f64 = 0.25;

/// TCP and UDP ports above 1023 that bots scan for: databases, remote desktops, telnet and
/// HTTP alternates, IoT management services (Mirai and its descendants' targets). A failed
/// sweep of one of these, or of a port below 1024, is a scan; failures spread over random
/// high ports are what peer-to-peer clients do, and are not counted as one.
const SCANNED_HIGH_PORTS: [u16; 19] =
    [1433, 1900, 2323, 3306, 3389, 5060, 5358, 5555, 5900, 6379, 7547, 8080, 8081, 8291, 8443, 8888, 9200, 37215, 52869];

/// Services a host was seen to provide: it answered inbound connections for them. A mail
/// server relays mail and a resolver forwards queries, so their outbound SMTP and DNS are their
/// job, not evidence.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Served {
    pub smtp: bool,
    pub dns: bool,
}

impl Served {
    pub fn union(self, other: Served) -> Served {
        Served { smtp: self.smtp || other.smtp, dns: self.dns || other.dns }
    }
}

/// What the builder remembers of a host from earlier windows of the same input.
pub struct HostHistory<'a> {
    /// Addresses the host initiated flows to in the window that ended where this one starts;
    /// `None` when the host was not seen then (every address counts as new).
    pub previous_dsts: Option<&'a FastSet<Address>>,
    /// Services the host answered earlier in the input.
    pub served: Served,
}

#[derive(Default)]
struct ServiceTally {
    attempts: u64,
    failed: u64,
    failed_dsts: FastSet<Address>,
}

#[derive(Default)]
struct TargetTally {
    failed_tcp_ports: FastSet<u16>,
    /// Packets sent in attempts to this address that failed.
    unanswered_pkts: u64,
}

#[derive(Default)]
struct PeerTally {
    failed: u64,
    opened: u64,
    contact_starts_us: Vec<i64>,
}

#[derive(Default)]
pub struct HostActivity {
    flows_initiated: u64,
    flows_received: u64,
    dst_addrs: FastSet<Address>,
    src_addrs: FastSet<Address>,
    failed_attempts: u64,
    failed_dsts: FastSet<Address>,
    bytes_up: u64,
    bytes_down: u64,
    pkts_total: u64,
    /// Attempts per scanned service (transport and port).
    services: FastMap<Service, ServiceTally>,
    targets: FastMap<Address, TargetTally>,
    peers: FastMap<(Address, Service), PeerTally>,
    smtp_servers: FastSet<Address>,
    irc_connections: u64,
    irc_peers: FastMap<(Address, Service), u64>,
    dns_unanswered: FastMap<Address, u64>,
    dns_outside: FastMap<Address, u64>,
    /// Services the host answered in this window.
    served: Served,
}

fn insert_bounded<T: std::hash::Hash + Eq>(set: &mut FastSet<T>, value: T) {
    if set.len() < MAX_KEYS_PER_TALLY || set.contains(&value) {
        set.insert(value);
    }
}

fn entry_bounded<K: std::hash::Hash + Eq, V: Default>(map: &mut FastMap<K, V>, key: K) -> Option<&mut V> {
    if map.len() < MAX_KEYS_PER_TALLY || map.contains_key(&key) {
        Some(map.entry(key).or_default())
    } else {
        None
    }
}

fn service_of(attempt: &Attempt, record: &FlowRecord) -> Service {
    match attempt.transport {
        Transport::Tcp => Service { protocol: 6, port: record.dst_port },
        Transport::Udp => Service { protocol: 17, port: record.dst_port },
        _ => Service { protocol: if record.protocol == Protocol::Ip(58) { 58 } else { 1 }, port: None },
    }
}

/// A service that a sweep of failed attempts makes a scan of: a port below 1024 or one bots
/// scan for, or ICMP echo (a ping sweep).
fn is_scanned_service(service: &Service) -> bool {
    match service.port {
        Some(port) => port < 1024 || SCANNED_HIGH_PORTS.contains(&port),
        None => service.protocol == 1 || service.protocol == 58,
    }
}

impl HostActivity {
    /// The addresses the host initiated flows to in this window (what the next windows
    /// compare with).
    pub fn into_dst_addrs(self) -> FastSet<Address> {
        self.dst_addrs
    }

    pub fn served(&self) -> Served {
        self.served
    }

    /// A flow the host initiated (it is the record's source). `lan_dst` says whether the
    /// destination is a LAN address.
    pub fn add_initiated(&mut self, record: &FlowRecord, lan_dst: bool) {
        self.flows_initiated += 1;
        insert_bounded(&mut self.dst_addrs, record.dst_addr);
        self.bytes_up += record.src_bytes.min(record.total_bytes);
        self.bytes_down += record.dst_bytes();
        self.pkts_total += record.total_pkts;
        let Some(attempt) = attempt_of(record) else { return };
        let service = service_of(&attempt, record);
        let services = Services::of(attempt.transport, service.port);
        let dst = record.dst_addr;

        if attempt.failed {
            self.failed_attempts += 1;
            insert_bounded(&mut self.failed_dsts, dst);
            if let Some(target) = entry_bounded(&mut self.targets, dst) {
                target.unanswered_pkts += attempt.src_pkts;
                if let (Transport::Tcp, Some(port)) = (attempt.transport, service.port) {
                    insert_bounded(&mut target.failed_tcp_ports, port);
                }
            }
        }
        if is_scanned_service(&service) {
            if let Some(tally) = entry_bounded(&mut self.services, service) {
                tally.attempts += 1;
                if attempt.failed {
                    tally.failed += 1;
                    insert_bounded(&mut tally.failed_dsts, dst);
                }
            }
        }
        if let Some(peer) = entry_bounded(&mut self.peers, (dst, service)) {
            peer.failed += u64::from(attempt.failed);
            // Polling and beacons are about outside servers: the LAN's own resolver, file
            // server or time server is contacted regularly by every host. DNS lookups recur
            // as names expire; DNS abuse has evidence of its own.
            let outside = !lan_dst;
            peer.opened += u64::from(attempt.opened && outside);
            if outside && !services.dns && peer.contact_starts_us.len() < MAX_CONTACT_TIMES {
                peer.contact_starts_us.push(record.start_us);
            }
        }
        if services.smtp && attempt.transport == Transport::Tcp {
            insert_bounded(&mut self.smtp_servers, dst);
        }
        if services.irc {
            self.irc_connections += 1;
            if let Some(count) = entry_bounded(&mut self.irc_peers, (dst, service)) {
                *count += 1;
            }
        }
        if services.dns {
            if attempt.failed {
                if let Some(count) = entry_bounded(&mut self.dns_unanswered, dst) {
                    *count += 1;
                }
            }
            if !lan_dst {
                if let Some(count) = entry_bounded(&mut self.dns_outside, dst) {
                    *count += 1;
                }
            }
        }
    }

    /// A flow the host answered or was sent (it is the record's destination).
    pub fn add_received(&mut self, record: &FlowRecord) {
        self.flows_received += 1;
        insert_bounded(&mut self.src_addrs, record.src_addr);
        self.bytes_up += record.dst_bytes();
        self.bytes_down += record.src_bytes.min(record.total_bytes);
        self.pkts_total += record.total_pkts;
        let transport = Transport::of(record);
        let answered = match transport {
            Transport::Tcp => record.dst_tcp_flags & (tcp_flag::SYN | tcp_flag::ACK) == tcp_flag::SYN | tcp_flag::ACK,
            _ => record.dst_bytes() > 0,
        };
        if answered {
            let services = Services::of(transport, record.dst_port);
            self.served = self.served.union(Served { smtp: services.smtp && transport == Transport::Tcp, dns: services.dns });
        }
    }

    /// The evidence values, in `Evidence` order, and the detail behind each that is above 0.
    pub fn evidence(&self, history: &HostHistory<'_>) -> ([f64; Evidence::COUNT], Vec<EvidenceDetail>) {
        let mut values = [0f64; Evidence::COUNT];
        let mut details = Vec::new();
        let served = history.served.union(self.served);
        let is_new = |address: &Address| history.previous_dsts.is_none_or(|before| !before.contains(address));
        let mut keep = |evidence: Evidence, value: f64, detail: EvidenceDetail| {
            values[evidence as usize] = value;
            if value > 0.0 {
                details.push(detail);
            }
        };

        // Horizontal scan: the service with the most new failed targets, weighted by how much
        // of the host's use of that service failed.
        let mut best: Option<(f64, &Service, &ServiceTally)> = None;
        for (service, tally) in &self.services {
            let new_failed = tally.failed_dsts.iter().filter(|dst| is_new(dst)).count() as f64;
            let value = new_failed * tally.failed as f64 / tally.attempts.max(1) as f64;
            if value > 0.0 && best.is_none_or(|(top, top_service, _)| value > top || (value == top && service < top_service)) {
                best = Some((value, service, tally));
            }
        }
        if let Some((value, service, tally)) = best {
            let peers = sorted_first(tally.failed_dsts.iter().filter(|dst| is_new(dst)).copied());
            keep(Evidence::ScanServiceTargets, value, EvidenceDetail::about_service(Evidence::ScanServiceTargets, *service, peers));
        }

        // Vertical scan.
        if let Some((dst, target)) = max_by_key_then_address(self.targets.iter(), |t| t.failed_tcp_ports.len() as u64) {
            let mut ports: Vec<u16> = target.failed_tcp_ports.iter().copied().collect();
            ports.sort_unstable();
            ports.truncate(MAX_PEERS);
            let detail = EvidenceDetail { ports, ..EvidenceDetail::about_address(Evidence::ScanPortsOneTarget, *dst) };
            keep(Evidence::ScanPortsOneTarget, target.failed_tcp_ports.len() as f64, detail);
        }

        // Failed retries against one service: a TCP or UDP port. Unanswered pings of one
        // address are a monitor's or a traceroute's (mtr: hundreds a window) as often as a
        // flood's, and a flood shows in its packets (below).
        let services = self.peers.iter().filter(|((_, service), _)| service.port.is_some());
        if let Some(((dst, service), peer)) = max_by_key_then_address(services, |p| p.failed) {
            keep(Evidence::FailedRetriesOneService, peer.failed as f64, EvidenceDetail::about_peer(Evidence::FailedRetriesOneService, *dst, *service));
        }

        // Flood.
        if let Some((dst, target)) = max_by_key_then_address(self.targets.iter(), |t| t.unanswered_pkts) {
            keep(Evidence::UnansweredPktsOneTarget, target.unanswered_pkts as f64, EvidenceDetail::about_address(Evidence::UnansweredPktsOneTarget, *dst));
        }

        // Spam: a mail server relays mail, so its outbound SMTP is no evidence.
        if !served.smtp {
            let peers = sorted_first(self.smtp_servers.iter().copied());
            keep(Evidence::SmtpServers, self.smtp_servers.len() as f64, EvidenceDetail { peers, ..EvidenceDetail::new(Evidence::SmtpServers) });
        }

        if let Some(((dst, service), _)) = max_by_key_then_address(self.irc_peers.iter(), |count| *count) {
            keep(Evidence::IrcConnections, self.irc_connections as f64, EvidenceDetail::about_peer(Evidence::IrcConnections, *dst, *service));
        }

        let dns_detail = |evidence: Evidence, by_resolver: &FastMap<Address, u64>| {
            let total: u64 = by_resolver.values().sum();
            let busiest = max_by_key_then_address(by_resolver.iter(), |count| *count).map(|(resolver, _)| *resolver);
            let detail = match busiest {
                Some(resolver) => EvidenceDetail::about_address(evidence, resolver),
                None => EvidenceDetail::new(evidence),
            };
            (total as f64, detail)
        };
        if !served.dns {
            let (value, detail) = dns_detail(Evidence::DnsUnanswered, &self.dns_unanswered);
            keep(Evidence::DnsUnanswered, value, detail);
            let (value, detail) = dns_detail(Evidence::DnsQueriesOutside, &self.dns_outside);
            keep(Evidence::DnsQueriesOutside, value, detail);
        }

        // Polling one outside service.
        if let Some(((dst, service), peer)) = max_by_key_then_address(self.peers.iter(), |p| p.opened) {
            keep(Evidence::ConnsOneOutsideService, peer.opened as f64, EvidenceDetail::about_peer(Evidence::ConnsOneOutsideService, *dst, *service));
        }

        // The longest regular series of contacts with one service.
        let mut best_series: Option<(usize, &(Address, Service), Regularity)> = None;
        let mut starts = Vec::new();
        for (key, peer) in &self.peers {
            if peer.contact_starts_us.len() < BEACON_MIN_CONTACTS {
                continue;
            }
            starts.clear();
            starts.extend_from_slice(&peer.contact_starts_us);
            starts.sort_unstable();
            starts.dedup();
            let Some(regularity) = regularity(&starts) else { continue };
            if regularity.cv > BEACON_MAX_CV || starts.len() < BEACON_MIN_CONTACTS {
                continue;
            }
            let contacts = starts.len();
            if best_series.as_ref().is_none_or(|(top, top_key, _)| contacts > *top || (contacts == *top && key < *top_key)) {
                best_series = Some((contacts, key, regularity));
            }
        }
        if let Some((contacts, (dst, service), regularity)) = best_series {
            let detail = EvidenceDetail {
                period_us: regularity.mean_gap_us,
                jitter_us: regularity.std_gap_us,
                span_us: regularity.span_us,
                ..EvidenceDetail::about_peer(Evidence::BeaconContacts, *dst, *service)
            };
            keep(Evidence::BeaconContacts, contacts as f64, detail);
        }
        (values, details)
    }

    /// Writes the host's features into `row` (`HOST_FEATURE_COUNT` long), in schema order, and
    /// returns the details behind its evidence.
    pub fn write_features(&self, history: &HostHistory<'_>, row: &mut [f32]) -> Vec<EvidenceDetail> {
        assert_eq!(row.len(), HOST_FEATURE_COUNT);
        let new_dsts = match history.previous_dsts {
            Some(before) => self.dst_addrs.iter().filter(|dst| !before.contains(dst)).count(),
            None => self.dst_addrs.len(),
        };
        macro_rules! set {
            ($name:literal, $value:expr $(,)?) => {
                row[const { index_of(HOST_FEATURES, $name) }] = $value as f32
            };
        }
        set!("flows_initiated", self.flows_initiated);
        set!("flows_received", self.flows_received);
        set!("distinct_dst_addrs", self.dst_addrs.len());
        set!("distinct_src_addrs", self.src_addrs.len());
        set!("new_dst_addrs", new_dsts);
        set!("failed_attempts", self.failed_attempts);
        set!("failed_dst_addrs", self.failed_dsts.len());
        set!("bytes_up", self.bytes_up);
        set!("bytes_down", self.bytes_down);
        set!("pkts_total", self.pkts_total);
        let (values, details) = self.evidence(history);
        for evidence in Evidence::ALL {
            row[evidence.column()] = values[evidence as usize] as f32;
        }
        details
    }
}

/// The first `MAX_PEERS` addresses in address order (a stable choice for reports and tests).
fn sorted_first(addresses: impl Iterator<Item = Address>) -> Vec<Address> {
    let mut all: Vec<Address> = addresses.collect();
    all.sort_unstable();
    all.truncate(MAX_PEERS);
    all
}

/// The entry with the largest positive count; ties go to the lowest key, so the choice does
/// not depend on hash order.
fn max_by_key_then_address<'a, K: Ord + 'a, V: 'a>(
    entries: impl Iterator<Item = (&'a K, &'a V)>,
    count: impl Fn(&V) -> u64,
) -> Option<(&'a K, &'a V)> {
    let mut best: Option<(u64, &K, &V)> = None;
    for (key, value) in entries {
        let c = count(value);
        if c > 0 && best.is_none_or(|(top, top_key, _)| c > top || (c == top && key < top_key)) {
            best = Some((c, key, value));
        }
    }
    best.map(|(_, key, value)| (key, value))
}

struct Regularity {
    cv: f64,
    mean_gap_us: i64,
    std_gap_us: i64,
    span_us: i64,
}

/// How regular a series of sorted, distinct times is; `None` for fewer than two.
fn regularity(sorted_times: &[i64]) -> Option<Regularity> {
    if sorted_times.len() < 2 {
        return None;
    }
    let gaps: Vec<f64> = sorted_times.windows(2).map(|pair| (pair[1] - pair[0]) as f64).collect();
    let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
    if mean <= 0.0 {
        return None;
    }
    let variance = gaps.iter().map(|gap| (gap - mean).powi(2)).sum::<f64>() / gaps.len() as f64;
    let std = variance.sqrt();
    Some(Regularity {
        cv: std / mean,
        mean_gap_us: mean.round() as i64,
        std_gap_us: std.round() as i64,
        span_us: sorted_times[sorted_times.len() - 1] - sorted_times[0],
    })
}

#[cfg(test)]
mod tests;
