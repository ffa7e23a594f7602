//! A SYN flood over an ordinary LAN, seeded: the input that shows whether memory is bounded
//! by configuration rather than by the traffic (issue 15, item 3).
//!
//! One LAN host sends `syns` TCP SYNs, evenly spread over `duration_us`, each from a random
//! source port (so each is a flow of its own) to a random one of `target_addresses`
//! consecutive outside addresses and a random one of `target_ports`; none is answered. Around
//! it, `background_hosts` hosts of the same /16 do what the traffic generator's clean hosts
//! do (web, DNS, transfers, NTP, pings: `generator`, no bots), so that the flooder has
//! neighbours to be ranked against. The two are merged in time order into one pcap.

use std::io::{Cursor, Write};
use std::net::Ipv4Addr;

use flowhound_core::capture::CaptureReader;
use flowhound_core::error::{ErrorCode, FlowhoundError, Result};
use flowhound_core::packet::IpAddr16;

use crate::generator::{generate, BehaviourMix, GeneratorOptions, Pacing};
use crate::packet_builder::{ethernet_padding_len, mac_from_ip, PacketBuilder, PacketSpec, TransportSpec};
use crate::pcap_writer::PcapWriter;
use crate::prng::Rng;

#[derive(Clone, Debug, PartialEq)]
pub struct SynFloodOptions {
    pub seed: u64,
    pub syns: u64,
    pub duration_us: i64,
    /// Time of the first SYN (µs since the epoch).
    pub start_us: i64,
    /// The flooding host, in `lan_network`'s /16.
    pub flooder: Ipv4Addr,
    /// The /16 of the LAN (the background hosts' addresses; `--lan` of the analysis).
    pub lan_network: Ipv4Addr,
    /// The first of the consecutive target addresses.
    pub first_target: Ipv4Addr,
    pub target_addresses: u32,
    pub target_ports: Vec<u16>,
    /// Clean LAN hosts around the flooder (0: the flood alone).
    pub background_hosts: u32,
    /// Flows the background keeps active at once (the generator's pacing).
    pub background_concurrent_flows: f64,
    pub snaplen: u32,
}

impl Default for SynFloodOptions {
    /// The flood: 5 M SYNs to 65,536 addresses × 8 ports over 600 s, from
    /// 192.168.10.66, among 50 clean hosts of 192.168.0.0/16.
    fn default() -> SynFloodOptions {
        SynFloodOptions {
            seed: 15,
            syns: 5_000_000,
            duration_us: 600_000_000,
            start_us: 1_700_000_000_000_000,
            flooder: Ipv4Addr::new(192, 168, 10, 66),
            lan_network: Ipv4Addr::new(192, 168, 0, 0),
            first_target: Ipv4Addr::new(45, 33, 0, 0),
            target_addresses: 65_536,
            target_ports: vec![22, 23, 25, 80, 443, 445, 3389, 8080],
            background_hosts: 50,
            background_concurrent_flows: 300.0,
            snaplen: 96,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SynFloodSummary {
    pub syns: u64,
    pub background_packets: u64,
    pub packets: u64,
    pub bytes: u64,
}

/// Frames of a SYN: Ethernet, IPv4, TCP without options, padded to 60 bytes.
const SYN_WIRE_LEN: u32 = 60;

/// Writes the flood (and its background) to `writer` as one pcap.
pub fn syn_flood(options: &SynFloodOptions, writer: impl Write) -> Result<SynFloodSummary> {
    let bad = |message: String| Err(FlowhoundError::new(ErrorCode::BadOption, message));
    if options.syns == 0 || options.duration_us <= 0 {
        return bad("a flood needs SYNs and a positive duration".into());
    }
    if options.target_addresses == 0 || options.target_ports.is_empty() {
        return bad("a flood needs target addresses and ports".into());
    }
    let background = background_capture(options)?;
    let mut background_packets = match &background {
        Some(bytes) => Some(CaptureReader::from_read(Box::new(Cursor::new(bytes.clone())), "background")?),
        None => None,
    };
    let mut pcap = PcapWriter::new(writer, options.snaplen)?;
    let mut builder = PacketBuilder::new(options.snaplen);
    let mut rng = Rng::from_seed(options.seed);
    let flooder = IpAddr16::from_v4(options.flooder.octets());
    let gateway_mac = [0x02, 0, 0, 0, 0, 1];
    let first_target = u32::from(options.first_target);
    let mut summary = SynFloodSummary::default();
    let mut next_background = next_packet(&mut background_packets)?;
    for index in 0..options.syns {
        let ts_us = options.start_us + (i128::from(index) * i128::from(options.duration_us) / i128::from(options.syns)) as i64;
        while let Some((background_ts, wire_len, bytes)) = next_background.take() {
            if background_ts > ts_us {
                next_background = Some((background_ts, wire_len, bytes));
                break;
            }
            pcap.write_packet(background_ts, wire_len, &bytes)?;
            summary.background_packets += 1;
            next_background = next_packet(&mut background_packets)?;
        }
        let target = first_target.wrapping_add(rng.below(u64::from(options.target_addresses)) as u32);
        let dst_port = options.target_ports[rng.below(options.target_ports.len() as u64) as usize];
        let spec = PacketSpec {
            src_mac: mac_from_ip(&flooder),
            dst_mac: gateway_mac,
            src: flooder,
            dst: IpAddr16::from_v4(Ipv4Addr::from(target).octets()),
            tos: 0,
            ttl: 64,
            ip_id: rng.next_u16(),
            dont_fragment: true,
            transport: TransportSpec::Tcp {
                src_port: rng.between(1024, 65_535) as u16,
                dst_port,
                flags: flowhound_core::packet::tcp_flag::SYN,
                seq: rng.next_u32(),
                ack: 0,
                window: 64_240,
            },
            wire_len: SYN_WIRE_LEN,
            padding_len: ethernet_padding_len(54),
        };
        let frame = builder.build(&spec, &[])?;
        pcap.write_packet(ts_us, SYN_WIRE_LEN, frame)?;
        summary.syns += 1;
    }
    while let Some((background_ts, wire_len, bytes)) = next_background.take() {
        pcap.write_packet(background_ts, wire_len, &bytes)?;
        summary.background_packets += 1;
        next_background = next_packet(&mut background_packets)?;
    }
    summary.packets = pcap.packets_written();
    summary.bytes = pcap.bytes_written();
    pcap.finish()?;
    Ok(summary)
}

/// The clean hosts' traffic over the flood's span, generated into memory.
fn background_capture(options: &SynFloodOptions) -> Result<Option<Vec<u8>>> {
    if options.background_hosts == 0 {
        return Ok(None);
    }
    let generator = GeneratorOptions {
        seed: options.seed,
        hosts: options.background_hosts,
        lan_network: options.lan_network,
        target_bytes: None,
        max_duration_us: Some(options.duration_us),
        snaplen: options.snaplen,
        start_us: options.start_us,
        warmup_s: 300.0,
        pacing: Pacing::ConcurrentFlows(options.background_concurrent_flows),
        mix: BehaviourMix::default().without_bots(),
        ..GeneratorOptions::default()
    };
    let mut bytes = Vec::new();
    generate(&generator, &mut bytes)?;
    Ok(Some(bytes))
}

/// The next background packet: its time, wire length and captured bytes.
fn next_packet(reader: &mut Option<CaptureReader>) -> Result<Option<(i64, u32, Vec<u8>)>> {
    let Some(reader) = reader.as_mut() else { return Ok(None) };
    Ok(reader.next_packet()?.map(|packet| (packet.ts_us, packet.wire_len, packet.data.to_vec())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small(background_hosts: u32) -> SynFloodOptions {
        SynFloodOptions { syns: 2_000, duration_us: 20_000_000, target_addresses: 256, background_hosts, background_concurrent_flows: 20.0, ..SynFloodOptions::default() }
    }

    #[test]
    fn syns_from_random_ports_to_the_targets_in_time_order_among_the_background() {
        let mut bytes = Vec::new();
        let summary = syn_flood(&small(5), &mut bytes).unwrap();
        assert_eq!(summary.syns, 2_000);
        assert!(summary.background_packets > 0);
        assert_eq!(summary.packets, summary.syns + summary.background_packets);
        assert_eq!(summary.bytes, bytes.len() as u64);

        let mut reader = CaptureReader::from_read(Box::new(Cursor::new(bytes)), "flood").unwrap();
        let (mut last_ts, mut syns, mut ports) = (i64::MIN, 0, std::collections::HashSet::new());
        while let Some(packet) = reader.next_packet().unwrap() {
            assert!(packet.ts_us >= last_ts, "time order");
            last_ts = packet.ts_us;
            let decoded = flowhound_core::decode::decode(&packet);
            let flowhound_core::packet::Network::Ip(ip) = decoded.network else { continue };
            if ip.src != IpAddr16::from_v4([192, 168, 10, 66]) {
                continue;
            }
            let dst = ip.dst.to_string();
            assert!(dst.starts_with("45.33.0."), "{dst}");
            let flowhound_core::packet::Transport::Tcp { src_port, dst_port, flags, .. } = ip.transport else { panic!("a SYN") };
            assert_eq!(flags, flowhound_core::packet::tcp_flag::SYN);
            assert!(SynFloodOptions::default().target_ports.contains(&dst_port));
            ports.insert(src_port);
            syns += 1;
        }
        assert_eq!(syns, 2_000);
        assert!(ports.len() > 1_900, "random source ports: {} distinct", ports.len());
    }

    #[test]
    fn the_same_seed_gives_the_same_bytes() {
        let (mut one, mut two) = (Vec::new(), Vec::new());
        syn_flood(&small(0), &mut one).unwrap();
        syn_flood(&small(0), &mut two).unwrap();
        assert_eq!(one, two);
        assert_eq!(one.len(), 24 + 2_000 * (16 + 60));
    }
}
