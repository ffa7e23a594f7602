//! How each behaviour's sessions are drawn: who talks to whom, on which ports, with which
//! sizes and timings. The numbers are plausible orders of magnitude for a campus LAN, not
//! fitted to a particular capture.

use flowhound_core::packet::IpAddr16;
use crate::generator::activity::{Activity, StepContext};
use crate::generator::address_plan::{FILE_SERVER_HOST, RESOLVER_HOST};
use crate::generator::app_payload::{text, AppKind, AppPayload, DnsName, DnsType};
use crate::generator::behaviour::Behaviour;
use crate::generator::campaign::{Campaign, CampaignKind, ScanTargets};
use crate::generator::flow_ends::{ephemeral_port, Endpoint, FlowEnds};
use crate::generator::icmp_series::{IcmpSeries, IcmpSetup};
use crate::generator::tcp_conversation::{
    Exchanges, MessagePlan, Outcome, TcpConversation, TcpSetup, Teardown,
};
use crate::generator::udp_exchange::{UdpExchange, UdpKind};
use crate::generator::udp_flood::UdpFlood;
use crate::prng::Rng;

const MS: f64 = 1_000.0;
const SECOND: f64 = 1_000_000.0;

/// Starts one session of `behaviour`.
pub fn start(behaviour: Behaviour, context: &mut StepContext) -> Activity {
    match behaviour {
        Behaviour::Web => web(context),
        Behaviour::Dns => dns(context),
        Behaviour::LongTransfer => long_transfer(context),
        Behaviour::Ntp => ntp(context),
        Behaviour::OtherUdp => other_udp(context),
        Behaviour::IcmpEcho => icmp_echo(context),
        Behaviour::Spam => spam_burst(context),
        Behaviour::Beacon => beacon_series(context),
        Behaviour::IcmpFlood => icmp_flood(context),
        Behaviour::UdpFlood => udp_flood(context),
        Behaviour::SynScan => syn_scan(context),
    }
}

fn pick<T: Copy>(rng: &mut Rng, choices: &[T]) -> T {
    choices[rng.below(choices.len() as u64) as usize]
}

/// Round trip to an outside server.
fn internet_rtt_us(rng: &mut Rng) -> i64 {
    rng.lognormal_clamped(40.0 * MS, 0.6, 2.0 * MS, 400.0 * MS) as i64
}

/// Round trip to a LAN host.
fn lan_rtt_us(rng: &mut Rng) -> i64 {
    rng.lognormal_clamped(400.0, 0.5, 100.0, 3.0 * MS) as i64
}

fn client_delay_us(rng: &mut Rng) -> i64 {
    rng.between(100, 800) as i64
}

/// Gap between back-to-back segments: 10 Gb/s to a few Mb/s bottlenecks.
fn segment_gap_us(rng: &mut Rng) -> i64 {
    rng.lognormal_clamped(60.0, 1.0, 2.0, 3_000.0) as i64
}

fn lan_endpoint(context: &mut StepContext, host: u32, ipv6: bool, port: u16) -> Endpoint {
    let address = context.plan.lan_address(host, ipv6);
    Endpoint::new(context.plan, address, port, context.rng)
}

/// A LAN host as a client, on an ephemeral port.
fn lan_client(context: &mut StepContext, host: u32, ipv6: bool) -> Endpoint {
    let port = ephemeral_port(context.rng);
    lan_endpoint(context, host, ipv6, port)
}

fn external_endpoint(context: &mut StepContext, index: u32, ipv6: bool, port: u16) -> Endpoint {
    let address = context.plan.external_address(index, ipv6);
    Endpoint::new(context.plan, address, port, context.rng)
}

fn address_endpoint(context: &mut StepContext, address: IpAddr16, port: u16) -> Endpoint {
    Endpoint::new(context.plan, address, port, context.rng)
}

fn tcp(setup: TcpSetup, rng: &mut Rng) -> Activity {
    Activity::Tcp(TcpConversation::new(setup, rng))
}

fn web(context: &mut StepContext) -> Activity {
    let ipv6 = context.rng.chance(context.ipv6_fraction);
    let client_host = context.plan.pick_client(context.rng);
    let server_index = context.plan.pick_popular_external(context.rng);
    let port = if context.rng.chance(0.65) { 443 } else { 80 };
    let client = lan_client(context, client_host, ipv6);
    let server = external_endpoint(context, server_index, ipv6, port);
    let rng = &mut *context.rng;
    let ends = FlowEnds::new(client, server, rng);
    let (request_app, response_app) =
        if port == 80 { (AppKind::HttpGet, AppKind::HttpOk) } else { (AppKind::None, AppKind::None) };
    // A few connections are long-lived push channels: sparse small exchanges for many minutes.
    let exchanges = if rng.chance(0.06) {
        Exchanges {
            count: rng.between(10, 100) as u32,
            request_median_bytes: 150.0,
            request_sigma: 0.4,
            response_median_bytes: 300.0,
            response_sigma: 0.8,
            response_max_bytes: 50_000.0,
            think_median_us: 30.0 * SECOND,
            think_sigma: 0.5,
            think_max_us: 120.0 * SECOND,
            server_time_median_us: 5.0 * MS,
            request_app,
            response_app,
        }
    } else {
        Exchanges {
            count: 1 + (rng.exponential(1.5) as u32).min(20),
            request_median_bytes: 450.0,
            request_sigma: 0.5,
            response_median_bytes: 9_000.0,
            response_sigma: 1.6,
            response_max_bytes: 20e6,
            think_median_us: 800.0 * MS,
            think_sigma: 1.3,
            think_max_us: 30.0 * SECOND,
            server_time_median_us: 20.0 * MS,
            request_app,
            response_app,
        }
    };
    let outcome = match rng.below(100) {
        0 => Outcome::Refused,
        1 => Outcome::Silent { syn_attempts: 2 },
        _ => Outcome::Established,
    };
    let teardown = match rng.below(100) {
        0..=54 => Teardown::ClientFin,
        55..=79 => Teardown::ServerFin,
        80..=89 => Teardown::ClientRst,
        90..=92 => Teardown::ServerRst,
        _ => Teardown::Abandon,
    };
    let setup = TcpSetup {
        behaviour: Behaviour::Web,
        ends,
        rtt_us: internet_rtt_us(rng),
        client_delay_us: client_delay_us(rng),
        gap_us: segment_gap_us(rng),
        outcome,
        teardown,
        teardown_delay_us: rng.lognormal_clamped(4.0 * SECOND, 1.2, 10.0 * MS, 120.0 * SECOND) as i64,
        plan: MessagePlan::exchanges(exchanges),
    };
    tcp(setup, rng)
}

fn dns(context: &mut StepContext) -> Activity {
    let rng_draw = context.rng.below(100);
    let ipv6 = context.rng.chance(context.ipv6_fraction);
    let (client, server, rtt_us) = if rng_draw < 15 {
        // The LAN resolver recursing to an outside server.
        let server_index = context.plan.pick_popular_external(context.rng);
        let client = lan_client(context, RESOLVER_HOST, ipv6);
        (client, external_endpoint(context, server_index, ipv6, 53), internet_rtt_us(context.rng))
    } else if rng_draw < 30 {
        // A host asking a public resolver directly: one of a handful of servers.
        let client_host = context.plan.pick_client(context.rng);
        let server_index = context.rng.below(4) as u32;
        let client = lan_client(context, client_host, ipv6);
        (client, external_endpoint(context, server_index, ipv6, 53), internet_rtt_us(context.rng))
    } else {
        let client_host = context.plan.pick_client(context.rng);
        let client = lan_client(context, client_host, ipv6);
        let server = lan_endpoint(context, RESOLVER_HOST, ipv6, 53);
        // Cache hit, or the resolver has to ask outside first.
        let rtt_us = if context.rng.chance(0.7) { lan_rtt_us(context.rng) } else { internet_rtt_us(context.rng) };
        (client, server, rtt_us)
    };
    let rng = &mut *context.rng;
    let ends = FlowEnds::new(client, server, rng);
    let answer = context.plan.external_address(context.plan.pick_popular_external(rng), false).0;
    let kind = UdpKind::Dns {
        lookups: if rng.chance(0.4) { 2 } else { 1 },
        unanswered: rng.chance(0.02),
        name: DnsName::from_index(rng.skewed_index(3_072, 2)),
        txid: rng.next_u16(),
        answer,
    };
    Activity::Udp(UdpExchange::new(Behaviour::Dns, ends, kind, rtt_us))
}

fn long_transfer(context: &mut StepContext) -> Activity {
    let client_host = context.plan.pick_client(context.rng);
    let to_file_server = context.rng.chance(0.5) && context.plan.hosts() > 2;
    let client = lan_client(context, client_host, false);
    let (server, rtt_us) = if to_file_server {
        let port = pick(context.rng, &[445, 2049, 22]);
        (lan_endpoint(context, FILE_SERVER_HOST, false, port), lan_rtt_us(context.rng))
    } else {
        let port = pick(context.rng, &[443, 22, 873, 80]);
        let index = context.plan.pick_popular_external(context.rng);
        (external_endpoint(context, index, false, port), internet_rtt_us(context.rng))
    };
    let rng = &mut *context.rng;
    let ends = FlowEnds::new(client, server, rng);
    // Thousands of segments paced over 5 to 40 minutes: several 300-s windows long.
    let duration_us = rng.uniform(5.0 * 60.0 * SECOND, 40.0 * 60.0 * SECOND);
    let segments_per_s = rng.lognormal_clamped(6.0, 0.8, 1.0, 200.0);
    let segments = (duration_us / SECOND * segments_per_s).max(1.0);
    let setup = TcpSetup {
        behaviour: Behaviour::LongTransfer,
        ends,
        rtt_us,
        client_delay_us: client_delay_us(rng),
        gap_us: segment_gap_us(rng),
        outcome: Outcome::Established,
        teardown: if rng.chance(0.85) { Teardown::ClientFin } else { Teardown::Abandon },
        teardown_delay_us: rng.lognormal_clamped(200.0 * MS, 1.0, 1.0 * MS, 5.0 * SECOND) as i64,
        plan: MessagePlan::Bulk {
            from_client: rng.chance(0.3),
            bytes: (segments * 1_460.0) as u64,
            gap_us: (SECOND / segments_per_s) as i64,
            sent: false,
        },
    };
    tcp(setup, rng)
}

fn ntp(context: &mut StepContext) -> Activity {
    let client_host = context.plan.pick_client(context.rng);
    let server_index = context.rng.below(8) as u32 + 4;
    let client_port = if context.rng.chance(0.5) { 123 } else { ephemeral_port(context.rng) };
    let client = lan_endpoint(context, client_host, false, client_port);
    let server = external_endpoint(context, server_index, false, 123);
    let rng = &mut *context.rng;
    let ends = FlowEnds::new(client, server, rng);
    Activity::Udp(UdpExchange::new(Behaviour::Ntp, ends, UdpKind::Ntp, internet_rtt_us(rng)))
}

fn other_udp(context: &mut StepContext) -> Activity {
    let client_host = context.plan.pick_client(context.rng);
    let draw = context.rng.below(100);
    let (client_port, server_address, server_port, kind) = if draw < 35 {
        let kind = UdpKind::Announce {
            count: context.rng.between(2, 6) as u16,
            app: AppPayload::Text(text::SSDP_NOTIFY),
            interval_us: (100.0 * MS) as i64,
        };
        (ephemeral_port(context.rng), IpAddr16::from_v4([239, 255, 255, 250]), 1900, kind)
    } else if draw < 60 {
        // An mDNS announcement: an unsolicited answer about the host's own name.
        let answer = context.plan.lan_address(client_host, false).0;
        let name = DnsName::from_index(client_host as u64);
        let kind = UdpKind::Announce {
            count: context.rng.between(1, 3) as u16,
            app: AppPayload::DnsResponse { txid: 0, name, qtype: DnsType::A, answer },
            interval_us: SECOND as i64,
        };
        (5353, IpAddr16::from_v4([224, 0, 0, 251]), 5353, kind)
    } else if draw < 75 {
        let app = AppPayload::NbnsQuery { txid: context.rng.next_u16() };
        let kind = UdpKind::Announce { count: context.rng.between(1, 3) as u16, app, interval_us: 750_000 };
        (137, context.plan.lan_broadcast(), 137, kind)
    } else {
        let kind = UdpKind::Stream {
            packets: context.rng.lognormal_clamped(60.0, 1.2, 5.0, 5_000.0) as u32,
            server_bytes: context.rng.between(1_200, 1_350) as u32,
            client_bytes: context.rng.between(30, 80) as u32,
            gap_us: context.rng.lognormal_clamped(2.0 * MS, 1.0, 50.0, 200.0 * MS) as i64,
        };
        let index = context.plan.pick_popular_external(context.rng);
        (ephemeral_port(context.rng), context.plan.external_address(index, false), 443, kind)
    };
    let client = lan_endpoint(context, client_host, false, client_port);
    let server = address_endpoint(context, server_address, server_port);
    let rng = &mut *context.rng;
    let ends = FlowEnds::new(client, server, rng);
    Activity::Udp(UdpExchange::new(Behaviour::OtherUdp, ends, kind, internet_rtt_us(rng)))
}

fn icmp_echo(context: &mut StepContext) -> Activity {
    let ipv6 = context.rng.chance(context.ipv6_fraction);
    let client_host = context.plan.pick_client(context.rng);
    let client = lan_endpoint(context, client_host, ipv6, 0);
    let (server, rtt_us) = if context.rng.chance(0.7) {
        let index = context.plan.pick_popular_external(context.rng);
        (external_endpoint(context, index, ipv6, 0), internet_rtt_us(context.rng))
    } else {
        let host = context.rng.below(context.plan.hosts() as u64) as u32;
        (lan_endpoint(context, host, ipv6, 0), lan_rtt_us(context.rng))
    };
    let rng = &mut *context.rng;
    let windows_style = rng.chance(0.4);
    let setup = IcmpSetup {
        behaviour: Behaviour::IcmpEcho,
        ends: FlowEnds::new(client, server, rng),
        requests: if windows_style { 4 } else { rng.between(1, 10) as u32 },
        interval_us: SECOND as i64,
        reply_chance: if rng.chance(0.9) { 0.97 } else { 0.0 },
        rtt_us: rtt_us.min(900_000),
        payload_bytes: if windows_style { 32 } else { 56 },
        requests_per_id: u32::MAX,
        first_id: rng.next_u16(),
    };
    Activity::Icmp(IcmpSeries::new(setup))
}

fn spam_burst(context: &mut StepContext) -> Activity {
    let bot = context.plan.pick_infected(context.rng);
    let attempts = context.rng.lognormal_clamped(60.0, 0.8, 10.0, 600.0) as u32;
    let mean_gap_us = context.rng.lognormal_clamped(300.0 * MS, 0.7, 20.0 * MS, 5.0 * SECOND);
    Activity::Campaign(Campaign::new(Behaviour::Spam, CampaignKind::Spam { bot, mean_gap_us }, attempts))
}

/// One SMTP connection attempt of a spam burst.
pub fn spam_attempt(bot: u32, context: &mut StepContext) -> Activity {
    let server_index = context.plan.pick_any_external(context.rng);
    let client = lan_client(context, bot, false);
    let server = external_endpoint(context, server_index, false, 25);
    let rng = &mut *context.rng;
    let ends = FlowEnds::new(client, server, rng);
    let outcome = match rng.below(100) {
        0..=29 => Outcome::Refused,
        30..=59 => Outcome::Silent { syn_attempts: 3 },
        _ => Outcome::Established,
    };
    let setup = TcpSetup {
        behaviour: Behaviour::Spam,
        ends,
        rtt_us: rng.lognormal_clamped(80.0 * MS, 0.6, 5.0 * MS, 600.0 * MS) as i64,
        client_delay_us: client_delay_us(rng),
        gap_us: segment_gap_us(rng),
        outcome,
        teardown: if rng.chance(0.9) { Teardown::ServerFin } else { Teardown::ClientRst },
        teardown_delay_us: rng.lognormal_clamped(2.0 * MS, 1.0, 100.0, 500.0 * MS) as i64,
        plan: MessagePlan::Smtp {
            step: 0,
            rejected_at_rcpt: rng.chance(0.5),
            body_bytes: rng.between(300, 1_400) as u32,
        },
    };
    tcp(setup, rng)
}

/// A C&C beacon series: fixed server, port, period and message sizes.
#[derive(Clone, Copy, Debug)]
pub struct BeaconPlan {
    pub bot: u32,
    pub server_index: u32,
    pub port: u16,
    pub period_us: f64,
    /// Relative jitter of the period (0.1 = ±10 %).
    pub jitter: f64,
    pub request_bytes: f64,
    pub response_bytes: f64,
}

fn beacon_series(context: &mut StepContext) -> Activity {
    let rng = &mut *context.rng;
    let plan = BeaconPlan {
        bot: context.plan.pick_infected(rng),
        server_index: pick(rng, context.plan.cc_servers()),
        port: pick(rng, &[80, 8080, 443]),
        period_us: rng.uniform(30.0, 300.0) * SECOND,
        jitter: rng.uniform(0.02, 0.15),
        request_bytes: rng.uniform(200.0, 600.0),
        response_bytes: rng.uniform(100.0, 1_500.0),
    };
    let beacons = rng.between(10, 120) as u32;
    Activity::Campaign(Campaign::new(Behaviour::Beacon, CampaignKind::Beacon(plan), beacons))
}

/// One beacon: connect, post a small report, read a small answer, close.
pub fn beacon(plan: &BeaconPlan, context: &mut StepContext) -> Activity {
    let client = lan_client(context, plan.bot, false);
    let server = external_endpoint(context, plan.server_index, false, plan.port);
    let rng = &mut *context.rng;
    let ends = FlowEnds::new(client, server, rng);
    let (request_app, response_app) =
        if plan.port == 443 { (AppKind::None, AppKind::None) } else { (AppKind::HttpPost, AppKind::HttpOk) };
    let exchanges = Exchanges {
        count: 1,
        request_median_bytes: plan.request_bytes,
        request_sigma: 0.05,
        response_median_bytes: plan.response_bytes,
        response_sigma: 0.1,
        response_max_bytes: 100_000.0,
        think_median_us: 0.0,
        think_sigma: 0.0,
        think_max_us: 1.0,
        server_time_median_us: 30.0 * MS,
        request_app,
        response_app,
    };
    let setup = TcpSetup {
        behaviour: Behaviour::Beacon,
        ends,
        rtt_us: rng.lognormal_clamped(90.0 * MS, 0.3, 20.0 * MS, 400.0 * MS) as i64,
        client_delay_us: client_delay_us(rng),
        gap_us: segment_gap_us(rng),
        outcome: Outcome::Established,
        teardown: if rng.chance(0.8) { Teardown::ClientFin } else { Teardown::ServerFin },
        teardown_delay_us: rng.lognormal_clamped(10.0 * MS, 0.5, 1.0 * MS, 200.0 * MS) as i64,
        plan: MessagePlan::exchanges(exchanges),
    };
    tcp(setup, rng)
}

fn flood_target(context: &mut StepContext) -> IpAddr16 {
    if context.rng.chance(0.5) {
        let index = context.plan.pick_any_external(context.rng);
        context.plan.external_address(index, false)
    } else {
        context.plan.random_public_v4(context.rng)
    }
}

fn icmp_flood(context: &mut StepContext) -> Activity {
    let bot = context.plan.pick_infected(context.rng);
    let target = flood_target(context);
    let client = lan_endpoint(context, bot, false, 0);
    let server = address_endpoint(context, target, 0);
    let rng = &mut *context.rng;
    let packets_per_s = rng.lognormal_clamped(400.0, 0.7, 50.0, 3_000.0);
    let duration_s = rng.uniform(5.0, 40.0);
    let setup = IcmpSetup {
        behaviour: Behaviour::IcmpFlood,
        ends: FlowEnds::new(client, server, rng),
        requests: (packets_per_s * duration_s).max(1.0) as u32,
        interval_us: ((SECOND / packets_per_s) as i64).max(1),
        reply_chance: 0.0,
        rtt_us: 0,
        payload_bytes: pick(rng, &[32, 64, 512, 1_024, 1_472]),
        requests_per_id: rng.lognormal_clamped(20.0, 1.2, 1.0, 2_000.0) as u32,
        first_id: rng.next_u16(),
    };
    Activity::Icmp(IcmpSeries::new(setup))
}

fn udp_flood(context: &mut StepContext) -> Activity {
    let bot = context.plan.pick_infected(context.rng);
    let target = flood_target(context);
    let client = lan_endpoint(context, bot, false, 0);
    let server = address_endpoint(context, target, 0);
    let rng = &mut *context.rng;
    let packets_per_s = rng.lognormal_clamped(400.0, 0.7, 50.0, 3_000.0);
    let duration_s = rng.uniform(5.0, 40.0);
    let dst_port = if rng.chance(0.5) { Some(pick(rng, &[80, 7_777, 27_015, 3_074])) } else { None };
    Activity::UdpFlood(UdpFlood::new(
        FlowEnds::new(client, server, rng),
        (packets_per_s * duration_s).max(1.0) as u32,
        ((SECOND / packets_per_s) as i64).max(1),
        pick(rng, &[0, 64, 512, 1_024, 1_400]),
        dst_port,
    ))
}

fn syn_scan(context: &mut StepContext) -> Activity {
    let bot = context.plan.pick_infected(context.rng);
    let port = pick(context.rng, &[445, 139, 135, 22, 23, 3389, 1433, 5900]);
    let draw = context.rng.below(100);
    let targets = if draw < 45 {
        let start = context.rng.below(context.plan.hosts().max(1) as u64) as u32 / 254 * 254;
        ScanTargets::LanSweep { next_index: start }
    } else if draw < 80 {
        ScanTargets::OutsideSweep
    } else if context.rng.chance(0.5) {
        let host = context.rng.below(context.plan.hosts() as u64) as u32;
        ScanTargets::Ports { target: context.plan.lan_address(host, false), exists: true, next_port: 1 }
    } else {
        ScanTargets::Ports { target: context.plan.random_public_v4(context.rng), exists: true, next_port: 1 }
    };
    let rng = &mut *context.rng;
    let probes = rng.lognormal_clamped(400.0, 0.8, 50.0, 5_000.0) as u32;
    let probes_per_s = rng.lognormal_clamped(80.0, 0.8, 5.0, 1_000.0);
    let src_port = if rng.chance(0.5) { Some(ephemeral_port(rng)) } else { None };
    let kind = CampaignKind::Scan { bot, targets, port, src_port, gap_us: SECOND / probes_per_s };
    Activity::Campaign(Campaign::new(Behaviour::SynScan, kind, probes))
}

/// One SYN probe of a scan: refused, unanswered, or open (then reset by the scanner).
pub fn scan_probe(
    bot: u32,
    target: IpAddr16,
    exists: bool,
    port: u16,
    src_port: Option<u16>,
    context: &mut StepContext,
) -> Activity {
    let src_port = src_port.unwrap_or_else(|| ephemeral_port(context.rng));
    let client = lan_endpoint(context, bot, false, src_port);
    let server = address_endpoint(context, target, port);
    let on_lan = context.plan.is_lan(&target);
    let rng = &mut *context.rng;
    let outcome = if !exists {
        Outcome::Silent { syn_attempts: 1 }
    } else {
        let draw = rng.below(100);
        match (on_lan, draw) {
            (true, 0..=79) | (false, 0..=24) => Outcome::Refused,
            (true, 80..=89) | (false, 25..=29) => Outcome::OpenThenReset,
            _ => Outcome::Silent { syn_attempts: 1 },
        }
    };
    let rtt_us = if on_lan { lan_rtt_us(rng) } else { internet_rtt_us(rng) };
    let setup = TcpSetup {
        behaviour: Behaviour::SynScan,
        ends: FlowEnds::new(client, server, rng),
        rtt_us,
        client_delay_us: client_delay_us(rng),
        gap_us: 10,
        outcome,
        teardown: Teardown::Abandon,
        teardown_delay_us: 0,
        plan: MessagePlan::None,
    };
    tcp(setup, rng)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use flowhound_core::packet::tcp_flag::{ACK, RST, SYN};
    use crate::generator::test_support::{Captured, Harness};
    use crate::packet_builder::TransportSpec;

    const START_US: i64 = 1_700_000_000_000_000;

    fn run_session(harness: &mut Harness, behaviour: Behaviour) -> Vec<Captured> {
        let mut context = harness.context();
        let session = start(behaviour, &mut context);
        harness.run(START_US, session)
    }

    #[test]
    fn beacons_are_periodic_with_bounded_jitter() {
        let mut harness = Harness::new(21);
        let bot = harness.plan.infected()[0];
        let plan = BeaconPlan {
            bot,
            server_index: harness.plan.cc_servers()[0],
            port: 8080,
            period_us: 60.0 * SECOND,
            jitter: 0.1,
            request_bytes: 300.0,
            response_bytes: 500.0,
        };
        let series = Activity::Campaign(Campaign::new(Behaviour::Beacon, CampaignKind::Beacon(plan), 30));
        let packets = harness.run(START_US, series);
        let syns: Vec<&Captured> = packets.iter().filter(|p| p.is_syn_only()).collect();
        assert_eq!(syns.len(), 30);
        for pair in syns.windows(2) {
            let gap = pair[1].ts_us - pair[0].ts_us;
            assert!((54 * 1_000_000..=66 * 1_000_000).contains(&gap), "beacon gap {gap}");
        }
        let server = harness.plan.external_address(plan.server_index, false);
        let bot_address = harness.plan.lan_address(bot, false);
        assert!(syns.iter().all(|p| p.spec.src == bot_address && p.spec.dst == server && p.tcp().1 == 8080));
        assert_eq!(packets.iter().filter(|p| p.starts_flow).count(), 30);
        assert!(packets.iter().all(|p| p.behaviour == Behaviour::Beacon));
        // Beacons are alike: request sizes within a few percent of each other.
        let posts: Vec<u32> = packets
            .iter()
            .filter_map(|p| match p.app {
                AppPayload::HttpPost { message_len } => Some(message_len),
                _ => None,
            })
            .collect();
        assert_eq!(posts.len(), 30);
        let (low, high) = (*posts.iter().min().unwrap(), *posts.iter().max().unwrap());
        assert!(high as f64 / low as f64 <= 1.25, "{low}..{high}");
    }

    #[test]
    fn a_spam_burst_hits_many_mail_servers_and_many_attempts_fail() {
        let mut harness = Harness::new(22);
        let packets = run_session(&mut harness, Behaviour::Spam);
        let infected: HashSet<IpAddr16> = harness.plan.infected().iter().map(|&h| harness.plan.lan_address(h, false)).collect();
        let first_syns: Vec<&Captured> = packets.iter().filter(|p| p.is_syn_only() && p.starts_flow).collect();
        assert!(first_syns.len() >= 10, "{} attempts", first_syns.len());
        assert!(first_syns.iter().all(|p| infected.contains(&p.spec.src) && p.tcp().1 == 25));
        let servers: HashSet<IpAddr16> = first_syns.iter().map(|p| p.spec.dst).collect();
        assert!(servers.len() * 10 >= first_syns.len() * 9, "most attempts go to distinct servers");
        let refused = packets.iter().filter(|p| p.tcp_flags() == RST | ACK && p.tcp().3 == 0).count();
        let retransmitted = packets.iter().filter(|p| p.is_syn_only() && !p.starts_flow).count();
        let banners = packets.iter().filter(|p| p.app == AppPayload::Text(text::SMTP_BANNER)).count();
        assert!(refused > 0 && retransmitted > 0 && banners > 0, "{refused} {retransmitted} {banners}");
    }

    #[test]
    fn a_scan_probes_many_targets_once_each() {
        for seed in 30..36 {
            let mut harness = Harness::new(seed);
            let packets = run_session(&mut harness, Behaviour::SynScan);
            let probes: Vec<&Captured> = packets.iter().filter(|p| p.is_syn_only()).collect();
            assert!(probes.len() >= 50, "{} probes", probes.len());
            assert_eq!(packets.iter().filter(|p| p.starts_flow).count(), probes.len(), "one flow per probe");
            let targets: HashSet<(IpAddr16, u16)> = probes.iter().map(|p| (p.spec.dst, p.tcp().1)).collect();
            assert_eq!(targets.len(), probes.len(), "no target probed twice");
            // Answers are RST/ACK (closed) or SYN/ACK (open, then the scanner resets).
            for packet in packets.iter().filter(|p| !p.is_syn_only()) {
                assert!([RST | ACK, SYN | ACK, RST].contains(&packet.tcp_flags()), "{packet:?}");
            }
        }
    }

    #[test]
    fn floods_are_fast_one_way_and_spread_over_many_flows() {
        let mut harness = Harness::new(40);
        let icmp = run_session(&mut harness, Behaviour::IcmpFlood);
        assert!(icmp.len() >= 250, "{}", icmp.len());
        assert!(icmp.iter().all(|p| matches!(p.spec.transport, TransportSpec::Icmp { icmp_type: 8, .. })));
        let ids: HashSet<u16> = icmp
            .iter()
            .map(|p| match p.spec.transport {
                TransportSpec::Icmp { id, .. } => id,
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(icmp.iter().filter(|p| p.starts_flow).count(), ids.len());
        let span_us = icmp.last().unwrap().ts_us - icmp[0].ts_us;
        assert!(icmp.len() as f64 / (span_us as f64 / 1e6) >= 40.0, "a flood is fast");

        let udp = run_session(&mut harness, Behaviour::UdpFlood);
        assert!(udp.len() >= 250 && udp.iter().all(|p| p.starts_flow));
        let source_ports: HashSet<u16> = udp
            .iter()
            .map(|p| match p.spec.transport {
                TransportSpec::Udp { src_port, .. } => src_port,
                _ => unreachable!(),
            })
            .collect();
        assert!(source_ports.len() * 10 >= udp.len() * 7, "new source ports all the time");
    }

    #[test]
    fn pings_are_answered_one_rtt_later_a_second_apart() {
        let mut answered = 0;
        for seed in 50..70 {
            let mut harness = Harness::new(seed);
            let packets = run_session(&mut harness, Behaviour::IcmpEcho);
            let requests: Vec<&Captured> =
                packets.iter().filter(|p| matches!(p.spec.transport, TransportSpec::Icmp { icmp_type: 8, .. })).collect();
            for pair in requests.windows(2) {
                assert_eq!(pair[1].ts_us - pair[0].ts_us, SECOND as i64);
            }
            for window in packets.windows(2) {
                if let TransportSpec::Icmp { icmp_type: 0, id, seq, .. } = window[1].spec.transport {
                    answered += 1;
                    assert_eq!(window[1].spec.src, window[0].spec.dst);
                    assert!(matches!(window[0].spec.transport, TransportSpec::Icmp { icmp_type: 8, id: i, seq: s, .. } if i == id && s == seq));
                }
            }
            assert_eq!(packets.iter().filter(|p| p.starts_flow).count(), 1);
        }
        assert!(answered > 20);
    }

    #[test]
    fn dns_lookups_pair_queries_with_answers() {
        let mut harness = Harness::new(60);
        let mut out = Vec::new();
        let mut answers = 0;
        for _ in 0..50 {
            let packets = run_session(&mut harness, Behaviour::Dns);
            for packet in &packets {
                let TransportSpec::Udp { src_port, dst_port } = packet.spec.transport else { panic!("not UDP") };
                assert!(src_port == 53 || dst_port == 53);
                packet.app.render(&mut out);
                assert_eq!(out.len() as u32, packet.payload_len(), "the DNS message fills the datagram");
            }
            for pair in packets.windows(2) {
                if let (AppPayload::DnsQuery { txid: asked, .. }, AppPayload::DnsResponse { txid: answered, .. }) =
                    (pair[0].app, pair[1].app)
                {
                    assert_eq!(asked, answered);
                    assert_eq!(pair[1].spec.src, pair[0].spec.dst);
                    answers += 1;
                }
            }
        }
        assert!(answers >= 50, "{answers} answers");
    }

    #[test]
    fn a_long_transfer_spans_several_windows() {
        let mut harness = Harness::new(70);
        for _ in 0..5 {
            let packets = run_session(&mut harness, Behaviour::LongTransfer);
            let span_s = (packets.last().unwrap().ts_us - packets[0].ts_us) / 1_000_000;
            assert!((300..=2_500).contains(&span_s), "{span_s} s");
            assert!(packets.len() >= 300, "{} packets", packets.len());
        }
    }
}
