//! Throughput and memory of the flow engine on synthetic LAN traffic held in memory.
//!
//! `cargo run --release -p flowhound-core --example flow_bench [packets] [concurrent_flows]`
//!
//! Traffic: 400 LAN hosts talking to 20,000 remote addresses; 70 % TCP connections (SYN,
//! SYN-ACK, data, FIN), 25 % UDP (half of it DNS with transaction ids), 5 % ICMP echo; a
//! heavy-tailed number of packets per flow (mean about 12); a constant number of
//! concurrent flows, each replaced when it ends; 20,000 packets per second of capture
//! time. Packets are generated before timing: what is timed is `FlowEngine::push` alone.

use std::time::Instant;

use flowhound_core::flow::{FlowEngine, FlowEngineOptions, FlowMode};
use flowhound_core::packet::{ip_proto, tcp_flag, DecodedPacket, Fragment, IpAddr16, IpPacket, Network, Transport};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Tcp,
    Dns,
    Udp,
    Icmp,
}

struct Flow {
    kind: Kind,
    client: IpAddr16,
    server: IpAddr16,
    client_port: u16,
    server_port: u16,
    id: u16,
    sent: u32,
    total: u32,
}

fn new_flow(rng: &mut Rng) -> Flow {
    let client = IpAddr16::from_v4([10, 0, (rng.below(2)) as u8, 1 + rng.below(200) as u8]);
    let remote = rng.below(20_000) as u32 + 1;
    let server = IpAddr16::from_v4([100 + (remote >> 16) as u8, (remote >> 8) as u8, remote as u8, 7]);
    let pick = rng.below(100);
    let kind = match pick {
        0..=69 => Kind::Tcp,
        70..=82 => Kind::Dns,
        83..=94 => Kind::Udp,
        _ => Kind::Icmp,
    };
    // Pareto-like: most flows short, a few very long.
    let heavy = (1.0 / (1.0 - rng.unit() * 0.999)).powf(1.3);
    let total = match kind {
        Kind::Tcp => 4 + (heavy * 3.0) as u32,
        Kind::Dns => 2,
        Kind::Udp => 1 + (heavy * 4.0) as u32,
        Kind::Icmp => 2,
    }
    .min(50_000);
    let server_port = match kind {
        Kind::Tcp => [443, 80, 8080, 22][rng.below(4) as usize],
        Kind::Dns => 53,
        Kind::Udp => [123, 443, 5353, 1900][rng.below(4) as usize],
        Kind::Icmp => 0,
    };
    let server = if matches!(kind, Kind::Dns) { IpAddr16::from_v4([10, 0, 255, 1 + rng.below(2) as u8]) } else { server };
    Flow { kind, client, server, client_port: 1024 + rng.below(60_000) as u16, server_port, id: rng.next() as u16, sent: 0, total }
}

fn packet(flow: &mut Flow, ts_us: i64, rng: &mut Rng) -> DecodedPacket {
    let n = flow.sent;
    flow.sent += 1;
    let from_client = match flow.kind {
        Kind::Tcp => n == 0 || (n != 1 && rng.below(2) == 0),
        _ => n.is_multiple_of(2),
    };
    let (src, dst, src_port, dst_port) =
        if from_client { (flow.client, flow.server, flow.client_port, flow.server_port) } else { (flow.server, flow.client, flow.server_port, flow.client_port) };
    let (proto, transport, payload_len) = match flow.kind {
        Kind::Tcp => {
            let flags = if n == 0 {
                tcp_flag::SYN
            } else if n == 1 {
                tcp_flag::SYN | tcp_flag::ACK
            } else if n + 1 >= flow.total {
                tcp_flag::FIN | tcp_flag::ACK
            } else {
                tcp_flag::PSH | tcp_flag::ACK
            };
            let payload = if flags & tcp_flag::PSH != 0 { 100 + rng.below(1300) as u32 } else { 0 };
            (ip_proto::TCP, Transport::Tcp { src_port, dst_port, flags, seq: n * 1000, ack: n * 1000 }, payload)
        }
        Kind::Dns => (ip_proto::UDP, Transport::Udp { src_port, dst_port, dns_id: Some(flow.id) }, 40 + rng.below(200) as u32),
        Kind::Udp => (ip_proto::UDP, Transport::Udp { src_port, dst_port, dns_id: None }, 48 + rng.below(400) as u32),
        Kind::Icmp => {
            let icmp_type = if from_client { 8 } else { 0 };
            (ip_proto::ICMP, Transport::Icmp { icmp_type, icmp_code: 0, id: flow.id, seq: 1, quoted: None }, 56)
        }
    };
    let ip = IpPacket { version: 4, src, dst, proto, tos: 0, ttl: 64, payload_len, fragment: Fragment::Whole, transport };
    DecodedPacket { ts_us, wire_len: 54 + payload_len, network: Network::Ip(ip) }
}

fn generate(packets: usize, concurrent: usize) -> Vec<DecodedPacket> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut active: Vec<Flow> = (0..concurrent).map(|_| new_flow(&mut rng)).collect();
    let start_us = 1_600_000_000_000_000i64;
    let mut out = Vec::with_capacity(packets);
    for index in 0..packets {
        let ts_us = start_us + index as i64 * 50; // 20,000 packets per second
        let slot = rng.below(active.len() as u64) as usize;
        out.push(packet(&mut active[slot], ts_us, &mut rng));
        if active[slot].sent >= active[slot].total {
            active[slot] = new_flow(&mut rng);
        }
    }
    out
}

fn run(name: &str, options: FlowEngineOptions, packets: &[DecodedPacket]) {
    let mut engine = FlowEngine::new(options).expect("options");
    let mut records = Vec::with_capacity(1 << 16);
    let mut emitted = 0usize;
    let started = Instant::now();
    for packet in packets {
        engine.push(packet, &mut records);
        if records.len() >= 1 << 16 {
            emitted += records.len();
            records.clear();
        }
    }
    let pushed = started.elapsed();
    let stats = engine.stats().clone();
    engine.finish(&mut records);
    emitted += records.len();
    println!(
        "{name}: {:.2} M packets/s ({} packets in {:.2} s); {} records; peak {} flows held, {} bytes per flow held (tables and queues)",
        packets.len() as f64 / pushed.as_secs_f64() / 1e6,
        packets.len(),
        pushed.as_secs_f64(),
        emitted,
        stats.peak_active_flows,
        stats.bytes_per_active_flow
    );
}

fn main() {
    let mut args = std::env::args().skip(1);
    let packets: usize = args.next().map_or(10_000_000, |text| text.parse().expect("packets"));
    let concurrent: usize = args.next().map_or(20_000, |text| text.parse().expect("concurrent flows"));
    println!("size of a DecodedPacket: {} bytes", std::mem::size_of::<DecodedPacket>());
    let generated = Instant::now();
    let traffic = generate(packets, concurrent);
    println!("generated {} packets, {} concurrent flows, in {:.1} s", traffic.len(), concurrent, generated.elapsed().as_secs_f64());
    for round in 0..2 {
        println!("round {}", round + 1);
        run("windowed 300 s / 150 s", FlowEngineOptions::default(), &traffic);
        run("whole capture, -S 3600", FlowEngineOptions { mode: FlowMode::Whole { status_interval_us: FlowMode::CTU13_STATUS_INTERVAL_US }, ..FlowEngineOptions::default() }, &traffic);
    }
}
