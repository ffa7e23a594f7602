//! Which records are rebuilt. What a record is on the wire (its IP protocol, `rtp` as UDP,
//! and its ends) is `record::wire_identity`'s; records without IP packets are skipped here.

use flowhound_core::record::{FlowRecord, NoWireIdentity, WireIdentity};

use super::options::RecordSynthOptions;

/// Why a record was not rebuilt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SkipReason {
    /// Not an IP protocol (arp, llc, ipx/spx, …).
    NotIp,
    /// An end is not an IP address, or one is IPv4 and the other IPv6.
    NoIpEnds,
    OutsideTimeRange,
    OutsideHosts,
    ProtocolNotSelected,
    /// `TotPkts` is 0.
    NoPackets,
    /// Starts earlier than the reorder window allows (packets already written are later).
    OutOfOrder,
    /// Before 1970 or after 2106: classic pcap cannot hold the time.
    OutsidePcapTime,
}

/// Classic pcap's unsigned 32-bit seconds end here.
const PCAP_TIME_LIMIT_US: i64 = (u32::MAX as i64 + 1) * 1_000_000;

impl From<NoWireIdentity> for SkipReason {
    fn from(reason: NoWireIdentity) -> SkipReason {
        match reason {
            NoWireIdentity::NotIp => SkipReason::NotIp,
            NoWireIdentity::NoIpEnds => SkipReason::NoIpEnds,
        }
    }
}

/// The options' filters, for a record whose wire identity is known.
pub fn passes_filters(record: &FlowRecord, identity: &WireIdentity, options: &RecordSynthOptions) -> Result<(), SkipReason> {
    if record.total_pkts == 0 {
        return Err(SkipReason::NoPackets);
    }
    if record.start_us < 0 || record.last_us.max(record.start_us) >= PCAP_TIME_LIMIT_US {
        return Err(SkipReason::OutsidePcapTime);
    }
    if options.from_us.is_some_and(|from_us| record.start_us < from_us)
        || options.to_us.is_some_and(|to_us| record.start_us >= to_us)
    {
        return Err(SkipReason::OutsideTimeRange);
    }
    if !options.hosts.is_empty()
        && !options.hosts.iter().any(|range| range.contains(&identity.src) || range.contains(&identity.dst))
    {
        return Err(SkipReason::OutsideHosts);
    }
    if let Some(protocols) = &options.protocols {
        if !protocols.contains(&identity.proto) {
            return Err(SkipReason::ProtocolNotSelected);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_records::ExampleRecords;
    use flowhound_core::cidr::Cidr;
    use flowhound_core::packet::IpAddr16;
    use flowhound_core::record::{wire_identity, Address, Direction, Protocol};

    pub fn record(protocol: Protocol, src: Address, dst: Address) -> FlowRecord {
        let start_us = 1_313_481_706_972_101;
        FlowRecord {
            protocol,
            src_addr: src,
            dst_addr: dst,
            direction: Direction::Both,
            state: "CON".into(),
            dst_tos: Some(0),
            total_pkts: 2,
            total_bytes: 203,
            src_bytes: 64,
            ..FlowRecord::example_tcp([0; 4], 1025, [0; 4], 53, start_us, start_us)
        }
    }

    fn ip(a: u8, b: u8, c: u8, d: u8) -> Address {
        Address::Ip(IpAddr16::from_v4([a, b, c, d]))
    }

    #[test]
    fn filters_by_time_hosts_protocol_and_packets() {
        let flow = record(Protocol::Ip(17), ip(147, 32, 84, 165), ip(8, 8, 8, 8));
        let identity = wire_identity(&flow).unwrap();
        let options = RecordSynthOptions::default();
        assert_eq!(passes_filters(&flow, &identity, &options), Ok(()));
        let at = flow.start_us;
        let timed = |from_us, to_us| RecordSynthOptions { from_us, to_us, ..options.clone() };
        assert_eq!(passes_filters(&flow, &identity, &timed(Some(at), Some(at + 1))), Ok(()));
        assert_eq!(passes_filters(&flow, &identity, &timed(Some(at + 1), None)), Err(SkipReason::OutsideTimeRange));
        assert_eq!(passes_filters(&flow, &identity, &timed(None, Some(at))), Err(SkipReason::OutsideTimeRange));
        let hosts = |text: &str| RecordSynthOptions { hosts: vec![Cidr::parse(text).unwrap()], ..options.clone() };
        assert_eq!(passes_filters(&flow, &identity, &hosts("8.8.8.0/24")), Ok(()));
        assert_eq!(passes_filters(&flow, &identity, &hosts("147.32.0.0/16")), Ok(()));
        assert_eq!(passes_filters(&flow, &identity, &hosts("10.0.0.0/8")), Err(SkipReason::OutsideHosts));
        let tcp_only = RecordSynthOptions { protocols: Some(vec![6]), ..options.clone() };
        assert_eq!(passes_filters(&flow, &identity, &tcp_only), Err(SkipReason::ProtocolNotSelected));
        let empty = FlowRecord { total_pkts: 0, ..flow.clone() };
        assert_eq!(passes_filters(&empty, &identity, &options), Err(SkipReason::NoPackets));
        let early = FlowRecord { start_us: -1, ..flow.clone() };
        assert_eq!(passes_filters(&early, &identity, &options), Err(SkipReason::OutsidePcapTime));
        let late = FlowRecord { last_us: PCAP_TIME_LIMIT_US, ..flow.clone() };
        assert_eq!(passes_filters(&late, &identity, &options), Err(SkipReason::OutsidePcapTime));
    }
}
