//! Wi-Fi captured in monitor mode: IEEE 802.11 frames (LINKTYPE_IEEE802_11 105), alone or
//! behind a radiotap (127) or PPI (192) header. An unprotected data frame carries LLC/SNAP
//! and an EtherType, as an 802.3 frame does; management and control frames, null data,
//! aggregated (A-MSDU) bodies and encrypted bodies hold no IP packet flowhound can read.

use super::bytes::be16;
use super::ether_type::{decode_ether_type, LLC_PSEUDO_ETHER_TYPE, MAX_8023_LENGTH};
use super::ethernet::decode_ethernet;
use crate::packet::Network;

const FRAME_TYPE_DATA: u8 = 2;
/// Subtype bits of a data frame: QoS (a QoS control field follows the addresses), and "no
/// data" (null function frames, which carry no body).
const SUBTYPE_QOS: u8 = 0x08;
const SUBTYPE_NO_DATA: u8 = 0x04;
const FLAGS_TO_AND_FROM_DS: u8 = 0x03;
const FLAG_PROTECTED: u8 = 0x40;
/// With QoS, the order bit announces a 4-byte HT control field.
const FLAG_ORDER: u8 = 0x80;
const QOS_AMSDU_PRESENT: u8 = 0x80;
const HEADER_BYTES: usize = 24;
const ADDRESS_4_BYTES: usize = 6;
const QOS_CONTROL_BYTES: usize = 2;
const HT_CONTROL_BYTES: usize = 4;
const SNAP_LLC: [u8; 3] = [0xaa, 0xaa, 0x03];
const SNAP_HEADER_BYTES: usize = 8;

const RADIOTAP_MIN_BYTES: usize = 8;
const PPI_MIN_BYTES: usize = 8;
const PPI_DLT_IEEE802_11: u32 = 105;
const PPI_DLT_ETHERNET: u32 = 1;

#[inline]
pub fn decode_ieee80211(data: &[u8], wire_len: u32) -> Network {
    let (Some(&control), Some(&flags)) = (data.first(), data.get(1)) else {
        return Network::Undecodable;
    };
    let (version, frame_type, subtype) = (control & 0x03, (control >> 2) & 0x03, control >> 4);
    if version != 0 {
        return Network::Undecodable;
    }
    if frame_type != FRAME_TYPE_DATA || subtype & SUBTYPE_NO_DATA != 0 || flags & FLAG_PROTECTED != 0 {
        return Network::NonIp { ether_type: LLC_PSEUDO_ETHER_TYPE };
    }
    let mut offset = HEADER_BYTES;
    if flags & FLAGS_TO_AND_FROM_DS == FLAGS_TO_AND_FROM_DS {
        offset += ADDRESS_4_BYTES;
    }
    if subtype & SUBTYPE_QOS != 0 {
        match data.get(offset) {
            Some(qos) if qos & QOS_AMSDU_PRESENT != 0 => return Network::NonIp { ether_type: LLC_PSEUDO_ETHER_TYPE },
            Some(_) => {}
            None => return Network::Undecodable,
        }
        offset += QOS_CONTROL_BYTES;
        if flags & FLAG_ORDER != 0 {
            offset += HT_CONTROL_BYTES;
        }
    }
    match (data.get(offset..offset + SNAP_LLC.len()), be16(data, offset + 6)) {
        (Some(llc), Some(ether_type)) if llc == SNAP_LLC && ether_type > MAX_8023_LENGTH => {
            decode_ether_type(ether_type, data, offset + SNAP_HEADER_BYTES, wire_len)
        }
        (Some(_), Some(_)) => Network::NonIp { ether_type: LLC_PSEUDO_ETHER_TYPE },
        _ => Network::Undecodable,
    }
}

/// Radiotap: version 0, a pad byte, the header's length (little-endian), then radio fields
/// (skipped), then the 802.11 frame.
#[inline]
pub fn decode_radiotap(data: &[u8], wire_len: u32) -> Network {
    let Some(header_bytes) = le16_length(data, RADIOTAP_MIN_BYTES) else {
        return Network::Undecodable;
    };
    decode_ieee80211(&data[header_bytes..], wire_len.saturating_sub(header_bytes as u32))
}

/// PPI (Per-Packet Information): version 0, flags, the header's length (little-endian) and
/// the link type of the frame after it, 802.11 or Ethernet.
#[inline]
pub fn decode_ppi(data: &[u8], wire_len: u32) -> Network {
    let Some(header_bytes) = le16_length(data, PPI_MIN_BYTES) else {
        return Network::Undecodable;
    };
    let link = u32::from_le_bytes([data[4], data[5], data[6], data[7]]);
    let (frame, frame_wire_len) = (&data[header_bytes..], wire_len.saturating_sub(header_bytes as u32));
    match link {
        PPI_DLT_IEEE802_11 => decode_ieee80211(frame, frame_wire_len),
        PPI_DLT_ETHERNET => decode_ethernet(frame, frame_wire_len),
        _ => Network::Undecodable,
    }
}

/// The length of a radiotap or PPI header (version 0, at bytes 2–3, little-endian), when it
/// is at least `min_bytes` and captured whole.
fn le16_length(data: &[u8], min_bytes: usize) -> Option<usize> {
    let (&version, &low, &high) = (data.first()?, data.get(2)?, data.get(3)?);
    let length = usize::from(u16::from_le_bytes([low, high]));
    (version == 0 && length >= min_bytes && length <= data.len()).then_some(length)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::{IpAddr16, Transport};

    /// tcpdump corpus ieee802.11_htc.pcap, frame 1: its radiotap header (60 bytes), then the
    /// first 66 bytes of the 802.11 frame: QoS data to the DS with HT control (30 bytes), SNAP
    /// LLC (8), IPv4 0.0.0.0:68 -> 255.255.255.255:67 UDP (DHCP), total length 328.
    const RADIOTAP: [u8; 60] = [
        0x00, 0x00, 0x3c, 0x00, 0x6b, 0x08, 0x80, 0x40, 0x86, 0xb2, 0xae, 0x39, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
        0x3c, 0x14, 0x40, 0x01, 0xd3, 0x95, 0x00, 0x00, 0xfc, 0xc3, 0xfe, 0x00, 0xe5, 0x69, 0x0f, 0x00, 0x80, 0x21,
        0x02, 0x7f, 0x00, 0x03, 0x7f, 0x00, 0x10, 0x00, 0xcb, 0x05, 0x02, 0x04, 0xfe, 0xff, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0xe0, 0x6e, 0x8e, 0x27,
    ];
    const QOS_DATA_HTC: [u8; 66] = [
        0x88, 0x81, 0x30, 0x00, 0x36, 0x80, 0x94, 0xc0, 0x22, 0x8b, 0xb0, 0xbe, 0x83, 0x5b, 0x4b, 0x40, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0x70, 0x05, 0x16, 0x1b, 0xff, 0xff, 0xff, 0xff, 0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00,
        0x08, 0x00, 0x45, 0x00, 0x01, 0x48, 0x5b, 0x00, 0x00, 0x00, 0xff, 0x11, 0x5f, 0xa5, 0x00, 0x00, 0x00, 0x00,
        0xff, 0xff, 0xff, 0xff, 0x00, 0x44, 0x00, 0x43, 0x01, 0x34, 0x95, 0x60,
    ];
    const WIRE_LEN: u32 = 426;

    fn dhcp_ports(network: Network) -> bool {
        match network {
            Network::Ip(packet) => {
                packet.dst == IpAddr16::from_v4([255, 255, 255, 255])
                    && matches!(packet.transport, Transport::Udp { src_port: 68, dst_port: 67, .. })
            }
            _ => false,
        }
    }

    #[test]
    fn radiotap_then_qos_data_with_ht_control() {
        let frame = [RADIOTAP.as_slice(), &QOS_DATA_HTC].concat();
        assert!(dhcp_ports(decode_radiotap(&frame, WIRE_LEN)));
        assert!(dhcp_ports(decode_ieee80211(&QOS_DATA_HTC, WIRE_LEN - 60)));
        // The radiotap header cut short, or claiming more bytes than were captured.
        assert_eq!(decode_radiotap(&frame[..3], WIRE_LEN), Network::Undecodable);
        let mut too_long = frame.clone();
        too_long[2..4].copy_from_slice(&500u16.to_le_bytes());
        assert_eq!(decode_radiotap(&too_long, WIRE_LEN), Network::Undecodable);
    }

    #[test]
    fn plain_data_and_four_addresses() {
        // The same body in a plain data frame (subtype 0, no QoS, no HT control), to the DS.
        let mut plain = vec![0x08, 0x01];
        plain.extend_from_slice(&QOS_DATA_HTC[2..24]);
        plain.extend_from_slice(&QOS_DATA_HTC[30..]);
        assert!(dhcp_ports(decode_ieee80211(&plain, 400)));
        // A four-address frame (to and from the DS: a bridge or mesh link).
        let mut wds = vec![0x08, 0x03];
        wds.extend_from_slice(&QOS_DATA_HTC[2..24]);
        wds.extend_from_slice(&[0x02, 0, 0, 0, 0, 1]);
        wds.extend_from_slice(&QOS_DATA_HTC[30..]);
        assert!(dhcp_ports(decode_ieee80211(&wds, 406)));
    }

    #[test]
    fn frames_without_a_readable_ip_body() {
        let not_ip = Network::NonIp { ether_type: LLC_PSEUDO_ETHER_TYPE };
        let mut protected = QOS_DATA_HTC;
        protected[1] |= FLAG_PROTECTED;
        assert_eq!(decode_ieee80211(&protected, WIRE_LEN), not_ip);
        // A beacon (management, subtype 8) and a QoS null frame (data, subtype 12).
        assert_eq!(decode_ieee80211(&[0x80, 0x00, 0, 0], 40), not_ip);
        assert_eq!(decode_ieee80211(&[0xc8, 0x01, 0, 0], 40), not_ip);
        let mut amsdu = QOS_DATA_HTC;
        amsdu[24] |= QOS_AMSDU_PRESENT;
        assert_eq!(decode_ieee80211(&amsdu, WIRE_LEN), not_ip);
        assert_eq!(decode_ieee80211(&QOS_DATA_HTC[..25], WIRE_LEN), Network::Undecodable);
        assert_eq!(decode_ieee80211(&[0x8b, 0x01], 40), Network::Undecodable);
    }

    #[test]
    fn ppi_header_then_802_11_or_ethernet() {
        let mut ppi = vec![0x00, 0x00, 0x08, 0x00, 105, 0, 0, 0];
        ppi.extend_from_slice(&QOS_DATA_HTC);
        assert!(dhcp_ports(decode_ppi(&ppi, 374)));
        ppi[4] = 147;
        assert_eq!(decode_ppi(&ppi, 374), Network::Undecodable);
    }
}
