//! The evidence a host row carries (the `evidence` block of `HOST_FEATURES`) and what stands
//! behind each value: the service, address and peers a person can check, so that a reason
//! reads "failed connections to 110 new mail servers on TCP 25 (62.4.1.9, …)" rather than a
//! score.

use crate::record::Address;

use super::schema::{index_of, HOST_FEATURES};

/// One evidence feature, in schema order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Evidence {
    ScanServiceTargets,
    ScanPortsOneTarget,
    FailedRetriesOneService,
    UnansweredPktsOneTarget,
    SmtpServers,
    IrcConnections,
    DnsUnanswered,
    DnsQueriesOutside,
    ConnsOneOutsideService,
    BeaconContacts,
}

impl Evidence {
    pub const ALL: [Evidence; 10] = [
        Evidence::ScanServiceTargets,
        Evidence::ScanPortsOneTarget,
        Evidence::FailedRetriesOneService,
        Evidence::UnansweredPktsOneTarget,
        Evidence::SmtpServers,
        Evidence::IrcConnections,
        Evidence::DnsUnanswered,
        Evidence::DnsQueriesOutside,
        Evidence::ConnsOneOutsideService,
        Evidence::BeaconContacts,
    ];
    pub const COUNT: usize = Evidence::ALL.len();

    /// The feature's name in the schema.
    pub const fn name(self) -> &'static str {
        match self {
            Evidence::ScanServiceTargets => "scan_service_targets",
            Evidence::ScanPortsOneTarget => "scan_ports_one_target",
            Evidence::FailedRetriesOneService => "failed_retries_one_service",
            Evidence::UnansweredPktsOneTarget => "unanswered_pkts_one_target",
            Evidence::SmtpServers => "smtp_servers",
            Evidence::IrcConnections => "irc_connections",
            Evidence::DnsUnanswered => "dns_unanswered",
            Evidence::DnsQueriesOutside => "dns_queries_outside",
            Evidence::ConnsOneOutsideService => "conns_one_outside_service",
            Evidence::BeaconContacts => "beacon_contacts",
        }
    }

    /// Its column in a host row.
    pub const fn column(self) -> usize {
        index_of(HOST_FEATURES, self.name())
    }
}

/// A transport service: IP protocol number and, for TCP and UDP, the responder's port.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Service {
    pub protocol: u8,
    pub port: Option<u16>,
}

/// Peers (or ports) kept per evidence: enough to check, few enough to read.
pub const MAX_PEERS: usize = 5;

/// What one evidence value of one host in one window is about. Fields that do not apply to an
/// evidence stay empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvidenceDetail {
    pub evidence: Evidence,
    /// The address the value was counted against (the scanned host, the flooded target, the
    /// command-and-control server, the resolver).
    pub subject: Option<Address>,
    /// The service the value was counted on.
    pub service: Option<Service>,
    /// Some of the peers behind the value, in address order (at most `MAX_PEERS`).
    pub peers: Vec<Address>,
    /// Ports behind the value (a vertical scan), ascending (at most `MAX_PEERS`).
    pub ports: Vec<u16>,
    /// A regular series: mean and standard deviation of the times between contacts, and the
    /// time from its first contact to its last; 0 otherwise.
    pub period_us: i64,
    pub jitter_us: i64,
    pub span_us: i64,
}

impl EvidenceDetail {
    pub fn new(evidence: Evidence) -> EvidenceDetail {
        EvidenceDetail { evidence, subject: None, service: None, peers: Vec::new(), ports: Vec::new(), period_us: 0, jitter_us: 0, span_us: 0 }
    }

    pub fn about_address(evidence: Evidence, subject: Address) -> EvidenceDetail {
        EvidenceDetail { subject: Some(subject), ..EvidenceDetail::new(evidence) }
    }

    pub fn about_service(evidence: Evidence, service: Service, peers: Vec<Address>) -> EvidenceDetail {
        EvidenceDetail { service: Some(service), peers, ..EvidenceDetail::new(evidence) }
    }

    pub fn about_peer(evidence: Evidence, subject: Address, service: Service) -> EvidenceDetail {
        EvidenceDetail { subject: Some(subject), service: Some(service), ..EvidenceDetail::new(evidence) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::schema::{HOST_EVIDENCE_FIRST, HOST_FEATURE_COUNT};

    #[test]
    fn evidence_is_the_schemas_evidence_block_in_order() {
        let columns: Vec<usize> = Evidence::ALL.iter().map(|e| e.column()).collect();
        assert_eq!(columns, (HOST_EVIDENCE_FIRST..HOST_FEATURE_COUNT).collect::<Vec<_>>());
        assert!(Evidence::ALL.iter().all(|e| HOST_FEATURES[e.column()].evidence));
        assert!(Evidence::ALL.iter().enumerate().all(|(i, e)| *e as usize == i));
    }
}
