//! From the numbers Argus prints in `Sport`/`Dport` to the record's ports.
//!
//! For TCP, UDP and the like the columns are ports. For ICMP they are not, and Argus 3.0.8
//! prints them in a way that needs care (checked against tshark on
//! pcaps/stratosphere/test7-malicious.pcap and against the State column of the CTU-13 files):
//!
//! - ICMP: `Sport` is `0xCCTT`, the type in the LOW byte and the code in the high byte: echo
//!   request (8/0) is `0x0008`, port unreachable (3/3) `0x0303`, host unreachable (3/1)
//!   `0x0103`, time exceeded (11/0) `0x000b`. `Dport` is the echo id (or another id Argus
//!   takes from the packet), in hex and byte-swapped the same way: Argus prints echo id 7 as
//!   `0x0700` (argus 3.0.8 on a capture built by test/helpers/small-lan.ts).
//! - ICMPv6 (`ipv6-icmp`): `Sport` is the type and `Dport` the code, both in decimal
//!   (`135,…,0,NNS` is a neighbour solicitation).
//!
//! `FlowRecord` defines `src_port` for both as `type << 8 | code` and `dst_port` as the echo
//! id, so both ICMP values are byte-swapped and the ICMPv6 pair combined (its echo id is not in
//! the file: `dst_port` is `None`).
//!
//! Values beyond 16 bits are identifiers, not ports (ESP's SPI in `Dport`): the record has no
//! room for them, so they become `None`, except for protocols whose ports are 16-bit by
//! definition, where such a value is an error.

use crate::packet::ip_proto;
use crate::record::Protocol;

/// Which column a port problem is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PortColumn {
    Source,
    Destination,
}

/// The record's `src_port` and `dst_port`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordPorts(pub Option<u16>, pub Option<u16>);

/// The record's ports from the parsed column values, or which column is wrong and why.
pub fn record_ports(
    protocol: &Protocol,
    sport: Option<u32>,
    dport: Option<u32>,
) -> Result<RecordPorts, (PortColumn, &'static str)> {
    match protocol {
        Protocol::Ip(ip_proto::ICMP) => {
            let type_code = sport
                .map(|value| u16::try_from(value).map(u16::swap_bytes))
                .transpose()
                .map_err(|_| (PortColumn::Source, "ICMP type/code above 0xffff"))?;
            let id = dport
                .map(|value| u16::try_from(value).map(u16::swap_bytes))
                .transpose()
                .map_err(|_| (PortColumn::Destination, "ICMP id above 0xffff"))?;
            Ok(RecordPorts(type_code, id))
        }
        Protocol::Ip(ip_proto::ICMPV6) => {
            let icmp_type =
                sport.map(u8::try_from).transpose().map_err(|_| (PortColumn::Source, "ICMPv6 type above 255"))?;
            let code =
                dport.map(u8::try_from).transpose().map_err(|_| (PortColumn::Destination, "ICMPv6 code above 255"))?;
            // Argus leaves Dport empty on some neighbour discovery flows (test-sality.binetflow):
            // those types only use code 0.
            Ok(RecordPorts(icmp_type.map(|t| u16::from(t) << 8 | u16::from(code.unwrap_or(0))), None))
        }
        _ => {
            let sixteen_bit_ports = has_sixteen_bit_ports(protocol);
            let port = |value: Option<u32>, column: PortColumn| match value.map(u16::try_from) {
                None => Ok(None),
                Some(Ok(port)) => Ok(Some(port)),
                Some(Err(_)) if sixteen_bit_ports => Err((column, "port above 65535")),
                Some(Err(_)) => Ok(None),
            };
            Ok(RecordPorts(port(sport, PortColumn::Source)?, port(dport, PortColumn::Destination)?))
        }
    }
}

fn has_sixteen_bit_ports(protocol: &Protocol) -> bool {
    const DCCP: u8 = 33;
    const SCTP: u8 = 132;
    const UDPLITE: u8 = 136;
    match protocol {
        Protocol::Ip(number) => matches!(*number, ip_proto::TCP | ip_proto::UDP | DCCP | SCTP | UDPLITE),
        Protocol::Named(name) => matches!(name.as_str(), "rtp" | "rtcp" | "udt"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ICMP: Protocol = Protocol::Ip(1);
    const ICMPV6: Protocol = Protocol::Ip(58);
    const TCP: Protocol = Protocol::Ip(6);

    #[test]
    fn icmp_type_and_code_are_swapped_into_type_high() {
        // test12-icmp-portscan.pcap through argus 3.0.8: echo request printed 0x0008, id 0xf095
        // (tshark: icmp.ident 38384 = 0x95f0, icmp.ident_le 0xf095).
        assert_eq!(record_ports(&ICMP, Some(0x0008), Some(0xf095)), Ok(RecordPorts(Some(0x0800), Some(0x95f0))));
        // test7-malicious.pcap: host unreachable (tshark: type 3 code 1) printed 0x0103.
        assert_eq!(record_ports(&ICMP, Some(0x0103), Some(0x4fbb)), Ok(RecordPorts(Some(0x0301), Some(0xbb4f))));
        // Normal__CTU-Normal-7: time exceeded (TXD) printed 0x000b.
        assert_eq!(record_ports(&ICMP, Some(0x000b), Some(0)), Ok(RecordPorts(Some(0x0b00), Some(0))));
        // capture20110818-2.botnet ECR rows: no ports at all.
        assert_eq!(record_ports(&ICMP, None, None), Ok(RecordPorts(None, None)));
        assert_eq!(record_ports(&ICMP, Some(0x1_0000), None), Err((PortColumn::Source, "ICMP type/code above 0xffff")));
    }

    #[test]
    fn icmpv6_type_and_code_are_combined() {
        // test-sality.binetflow: ipv6-icmp,::,135,   ->,ff02::1:ff95:f857,0,NNS
        assert_eq!(record_ports(&ICMPV6, Some(135), Some(0)), Ok(RecordPorts(Some(135 << 8), None)));
        // Malicious__2016-09-09_win1: type 1 (unreachable) code 4 (port), state URP
        assert_eq!(record_ports(&ICMPV6, Some(1), Some(4)), Ok(RecordPorts(Some(0x0104), None)));
        // Dport empty: code taken as 0
        assert_eq!(record_ports(&ICMPV6, Some(133), None), Ok(RecordPorts(Some(133 << 8), None)));
        assert_eq!(record_ports(&ICMPV6, Some(256), Some(0)).unwrap_err().0, PortColumn::Source);
        assert_eq!(record_ports(&ICMPV6, Some(1), Some(256)).unwrap_err().0, PortColumn::Destination);
    }

    #[test]
    fn ordinary_ports_and_wide_identifiers() {
        assert_eq!(record_ports(&TCP, Some(49213), Some(18250)), Ok(RecordPorts(Some(49213), Some(18250))));
        assert_eq!(record_ports(&TCP, Some(70_000), Some(80)), Err((PortColumn::Source, "port above 65535")));
        assert_eq!(
            record_ports(&Protocol::Named("rtp".into()), Some(1), Some(70_000)),
            Err((PortColumn::Destination, "port above 65535"))
        );
        // capture20110816.binetflow line 50959: esp, Dport 0x2020597d (an SPI)
        assert_eq!(record_ports(&Protocol::Ip(50), None, Some(0x2020_597d)), Ok(RecordPorts(None, None)));
        // llc rows carry small numbers (SAPs); kept as they are
        assert_eq!(record_ports(&Protocol::Named("llc".into()), Some(1), Some(0)), Ok(RecordPorts(Some(1), Some(0))));
    }
}
