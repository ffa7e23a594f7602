//! A seeded traffic generator: a LAN of hundreds of hosts talking to the Internet (web, DNS,
//! long transfers, NTP and other UDP, pings) with a few infected hosts doing what bots do
//! (spam bursts, C&C beacons, ICMP and UDP floods, SYN scans), written as a classic pcap in
//! global time order.
//!
//! Sessions start as a Poisson process; each is an activity (a TCP connection, a UDP or
//! ICMP exchange, a flood, or a campaign that starts many flows) that emits its packets one
//! by one. A binary heap keyed by each activity's next packet time interleaves them, so memory
//! is bounded by the number of concurrent activities, not by the output size.
//!
//! Determinism: the same options give the same bytes. Every random draw comes from one
//! xoshiro256** stream seeded by `seed` (plus a separate stream for calibration), no
//! platform maths (`ln`, `exp`) is used, and the heap breaks ties by insertion order. With
//! [`Pacing::ConcurrentFlows`] or [`Pacing::SessionsPerS`] the session rate does not depend on
//! `target_bytes`, so a larger target gives a capture that starts with the smaller one. The
//! same holds for `max_duration_us`, which never touches the rate: a capture of 10 minutes is
//! the first 10 minutes of one of an hour.

mod activity;
mod address_plan;
mod app_payload;
mod behaviour;
mod calibration;
mod campaign;
mod flow_ends;
mod icmp_series;
mod scheduler;
mod sessions;
mod tcp_conversation;
#[cfg(test)]
mod test_support;
mod udp_exchange;
mod udp_flood;

use std::io::Write;
use std::net::Ipv4Addr;

use flowhound_core::error::{ErrorCode, FlowhoundError, Result};
use flowhound_core::packet::IpAddr16;
use crate::packet_builder::PacketBuilder;
use crate::pcap_writer::{PcapWriter, FILE_HEADER_LEN, MAX_SNAPLEN};
use crate::prng::{mix64, Rng};

use activity::{Activity, Emitted, StepContext};
use address_plan::AddressPlan;
pub use address_plan::MAX_LAN_HOSTS;
pub use behaviour::{Behaviour, BehaviourMix, PerBehaviour};
use campaign::Arrivals;
use scheduler::{PacketSink, Scheduler};

/// How fast sessions start.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Pacing {
    /// Sessions per second, as given.
    SessionsPerS(f64),
    /// The rate that keeps about this many flows active at once (measured by running sample
    /// sessions first, then Little's law). The default: a busy LAN keeps thousands open.
    ConcurrentFlows(f64),
    /// The rate that makes `target_bytes` span about this many seconds of capture time.
    /// This makes the traffic denser or sparser; to get more capture time at the same
    /// rate, set [`GeneratorOptions::max_duration_us`] instead.
    DurationS(f64),
}

/// The longest capture time `max_duration_us` accepts: 31 days, already some 15 billion
/// packets (1.5 TB at snap length 96) of the default LAN; more is a typo, not a plan.
pub const MAX_DURATION_US: i64 = 31 * 86_400 * 1_000_000;

#[derive(Clone, Debug, PartialEq)]
pub struct GeneratorOptions {
    pub seed: u64,
    /// LAN hosts (at most 65,024): addresses in `lan_network`'s /16, host 0 being the LAN's
    /// DNS resolver and host 1 its file server when there are more than two.
    pub hosts: u32,
    /// Distinct outside servers the LAN talks to (web, DNS, NTP, mail, C&C), popularity
    /// skewed; scans and floods also hit random addresses beyond these.
    pub external_hosts: u32,
    /// The /16 that holds the LAN (only its first two octets count).
    pub lan_network: Ipv4Addr,
    /// Infected hosts; 0 means 1% of the hosts (at least one) when bot behaviours have weight.
    pub infected_hosts: u32,
    /// Size of the capture file to write, header included. Generation stops before the
    /// packet that would pass it, so the file is at most this size and short of it by less
    /// than one record. `None`: no size limit (then `max_duration_us` is needed).
    pub target_bytes: Option<u64>,
    /// Capture time to write, counted from the first packet written: the capture holds the
    /// packets in [first, first + max_duration_us), and the first packet at or after the end
    /// stops it. With `target_bytes` too, whichever is reached first ends the capture. It
    /// does not change the pacing. At most [`MAX_DURATION_US`].
    pub max_duration_us: Option<i64>,
    /// Bytes kept of each packet (its record still says its wire length). The default, 96,
    /// keeps every header the generator writes (Ethernet, IPv6 and TCP take 74 bytes), as
    /// the CTU-13-style captures flowhound analyses are kept, and puts about ten times more
    /// packets, so more capture time, in a file of a given size than whole packets would.
    pub snaplen: u32,
    /// Capture time of the first packet written (microseconds since the epoch).
    pub start_us: i64,
    /// Traffic simulated, but not written, before `start_us`: the capture then starts with
    /// flows already in progress, as a real one does. The default, 40 minutes, is the longest
    /// long transfer: by then the number of active flows has reached its steady level.
    /// Warm-up costs time (about a second per 10 M packets simulated), not output.
    pub warmup_s: f64,
    pub pacing: Pacing,
    pub mix: BehaviourMix,
    /// Share of web, DNS and ping sessions that use IPv6.
    pub ipv6_fraction: f64,
}

impl Default for GeneratorOptions {
    fn default() -> Self {
        GeneratorOptions {
            seed: 1,
            hosts: 500,
            external_hosts: 20_000,
            lan_network: Ipv4Addr::new(192, 168, 0, 0),
            infected_hosts: 0,
            target_bytes: Some(100_000_000),
            max_duration_us: None,
            snaplen: 96,
            start_us: 1_700_000_000_000_000,
            warmup_s: 2_400.0,
            pacing: Pacing::ConcurrentFlows(3_000.0),
            mix: BehaviourMix::default(),
            ipv6_fraction: 0.05,
        }
    }
}

impl GeneratorOptions {
    fn infected_count(&self) -> u32 {
        if !self.mix.has_bots() {
            0
        } else if self.infected_hosts > 0 {
            self.infected_hosts
        } else {
            (self.hosts / 100).max(1)
        }
    }

    pub fn validate(&self) -> Result<()> {
        let bad = |message: String| Err(FlowhoundError::new(ErrorCode::BadOption, message));
        if self.hosts == 0 || self.hosts > MAX_LAN_HOSTS {
            return bad(format!("hosts must be 1..={MAX_LAN_HOSTS}, got {}", self.hosts));
        }
        if self.external_hosts == 0 {
            return bad("external_hosts must be at least 1".into());
        }
        let clients = if self.hosts > 2 { self.hosts - 2 } else { self.hosts };
        if self.infected_count() > clients {
            return bad(format!("{} infected hosts but only {clients} client hosts", self.infected_count()));
        }
        if self.snaplen == 0 || self.snaplen > MAX_SNAPLEN {
            return bad(format!("snaplen must be 1..={MAX_SNAPLEN}, got {}", self.snaplen));
        }
        match (self.target_bytes, self.max_duration_us) {
            (None, None) => return bad("a size (target_bytes) or a duration (max_duration_us) is needed".into()),
            (Some(bytes), _) if bytes < FILE_HEADER_LEN => {
                return bad(format!("target_bytes must be at least {FILE_HEADER_LEN}, got {bytes}"));
            }
            (_, Some(duration_us)) if !(1..=MAX_DURATION_US).contains(&duration_us) => {
                return bad(format!("max_duration_us must be 1..={MAX_DURATION_US} ({} days), got {duration_us}", MAX_DURATION_US / 86_400_000_000));
            }
            _ => {}
        }
        if matches!(self.pacing, Pacing::DurationS(_)) && self.target_bytes.is_none() {
            return bad("Pacing::DurationS spreads target_bytes over a time, and needs target_bytes".into());
        }
        if self.start_us < 0 || self.start_us / 1_000_000 > u32::MAX as i64 / 2 {
            return bad(format!("start_us {} is outside 1970..2038", self.start_us));
        }
        if !(self.warmup_s.is_finite() && (0.0..=86_400.0).contains(&self.warmup_s)) {
            return bad(format!("warmup_s must be 0..=86400, got {}", self.warmup_s));
        }
        if !(0.0..=1.0).contains(&self.ipv6_fraction) {
            return bad(format!("ipv6_fraction must be within 0..=1, got {}", self.ipv6_fraction));
        }
        if self.mix.weights.0.iter().any(|w| !w.is_finite() || *w < 0.0) || self.mix.total() <= 0.0 {
            return bad("behaviour weights must be finite, non-negative, and not all zero".into());
        }
        let pacing_value = match self.pacing {
            Pacing::SessionsPerS(v) | Pacing::ConcurrentFlows(v) | Pacing::DurationS(v) => v,
        };
        if !(pacing_value.is_finite() && pacing_value > 0.0) {
            return bad(format!("pacing value must be positive, got {pacing_value}"));
        }
        Ok(())
    }
}

/// Flows, packets and bytes one behaviour contributed to the written capture.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BehaviourTotals {
    pub flows: u64,
    pub packets: u64,
    pub wire_bytes: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct GeneratorSummary {
    pub packets: u64,
    /// Flows with at least one packet written. A flow is what the generator made as one:
    /// a TCP connection, a UDP exchange, an ICMP echo id; every datagram of a UDP flood.
    pub flows: u64,
    /// Size of the capture file.
    pub bytes_written: u64,
    /// Sum of the packets' wire lengths.
    pub wire_bytes: u64,
    /// Time of the first and last packet written (0 when none was).
    pub first_us: i64,
    pub last_us: i64,
    pub per_behaviour: PerBehaviour<BehaviourTotals>,
    /// The session rate used.
    pub sessions_per_s: f64,
    /// Flows in progress, averaged over capture time, and at most.
    pub mean_active_flows: f64,
    pub peak_active_flows: u64,
    /// The infected hosts (ground truth for detectors).
    pub infected_hosts: Vec<IpAddr16>,
}

/// How far a generation has got, for progress displays.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GeneratorProgress {
    pub packets: u64,
    /// Size of the capture so far, header included.
    pub bytes_written: u64,
    /// Capture time written so far: last packet − first packet.
    pub capture_us: i64,
}

/// Packets between two progress reports.
const PROGRESS_EVERY_PKTS: u64 = 1 << 14;

/// Writes a capture of `options.target_bytes`, or `options.max_duration_us` of capture time,
/// whichever comes first, to `writer` and says what is in it.
pub fn generate(options: &GeneratorOptions, writer: impl Write) -> Result<GeneratorSummary> {
    generate_with_progress(options, writer, &mut |_| {})
}

/// [`generate`], calling `on_progress` every few thousand packets and once at the end.
pub fn generate_with_progress(
    options: &GeneratorOptions,
    writer: impl Write,
    on_progress: &mut dyn FnMut(&GeneratorProgress),
) -> Result<GeneratorSummary> {
    options.validate()?;
    let mut rng = Rng::from_seed(options.seed);
    let plan = AddressPlan::new(options.lan_network, options.hosts, options.external_hosts, options.infected_count(), &mut rng);

    let sessions_per_s = match options.pacing {
        Pacing::SessionsPerS(rate) => rate,
        Pacing::ConcurrentFlows(_) | Pacing::DurationS(_) => {
            // A stream of its own, so that calibration does not shift the main stream.
            let mut calibration_rng = Rng::from_seed(mix64(options.seed ^ 0x6361_6c69_6272_6174));
            let mut context = StepContext { rng: &mut calibration_rng, plan: &plan, writing: true, ipv6_fraction: options.ipv6_fraction };
            let costs = calibration::measure(&options.mix, options.snaplen, &mut context)?;
            let (_, disk_bytes, flow_seconds) = costs.mix_means(&options.mix);
            match options.pacing {
                Pacing::ConcurrentFlows(flows) => flows / flow_seconds.max(1e-6),
                Pacing::DurationS(seconds) => {
                    // validate() makes sure there is a size to spread.
                    let target_bytes = options.target_bytes.unwrap_or(FILE_HEADER_LEN);
                    (target_bytes - FILE_HEADER_LEN) as f64 / (seconds * disk_bytes.max(1.0))
                }
                Pacing::SessionsPerS(rate) => rate,
            }
        }
    };
    if !(sessions_per_s.is_finite() && sessions_per_s > 0.0) {
        return Err(FlowhoundError::new(ErrorCode::BadOption, format!("pacing gives a session rate of {sessions_per_s}/s")));
    }

    let mut sink = CaptureSink {
        writer: PcapWriter::new(writer, options.snaplen)?,
        builder: PacketBuilder::new(options.snaplen),
        app_bytes: Vec::with_capacity(256),
        target_bytes: options.target_bytes,
        max_duration_us: options.max_duration_us,
        start_us: options.start_us,
        summary: GeneratorSummary {
            packets: 0,
            flows: 0,
            bytes_written: 0,
            wire_bytes: 0,
            first_us: 0,
            last_us: 0,
            per_behaviour: PerBehaviour::default(),
            sessions_per_s,
            mean_active_flows: 0.0,
            peak_active_flows: 0,
            infected_hosts: plan.infected().iter().map(|&host| plan.lan_address(host, false)).collect(),
        },
        active_flow_us: 0.0,
        previous_live_flows: 0,
        on_progress,
    };
    let warmup_us = (options.warmup_s * 1e6) as i64;
    let mut scheduler = Scheduler::new();
    scheduler.insert(
        options.start_us - warmup_us,
        Activity::Arrivals(Arrivals::new(&options.mix, sessions_per_s)),
    );
    let mut context = StepContext { rng: &mut rng, plan: &plan, writing: false, ipv6_fraction: options.ipv6_fraction };
    scheduler.run(&mut context, options.start_us, &mut sink)?;

    sink.report_progress();
    let CaptureSink { writer, mut summary, active_flow_us, .. } = sink;
    summary.bytes_written = writer.bytes_written();
    writer.finish()?;
    let span_us = summary.last_us - summary.first_us;
    summary.mean_active_flows = if span_us > 0 { active_flow_us / span_us as f64 } else { summary.peak_active_flows as f64 };
    Ok(summary)
}

struct CaptureSink<'a, W: Write> {
    writer: PcapWriter<W>,
    builder: PacketBuilder,
    app_bytes: Vec<u8>,
    target_bytes: Option<u64>,
    max_duration_us: Option<i64>,
    /// Packets before this time are warm-up: simulated, not written.
    start_us: i64,
    summary: GeneratorSummary,
    /// Integral of the number of live flows over capture time (flow·µs).
    active_flow_us: f64,
    previous_live_flows: u64,
    on_progress: &'a mut dyn FnMut(&GeneratorProgress),
}

impl<W: Write> CaptureSink<'_, W> {
    fn report_progress(&mut self) {
        let summary = &self.summary;
        (self.on_progress)(&GeneratorProgress {
            packets: summary.packets,
            bytes_written: self.writer.bytes_written(),
            capture_us: summary.last_us - summary.first_us,
        });
    }
}

impl<W: Write> PacketSink for CaptureSink<'_, W> {
    fn packet(&mut self, ts_us: i64, packet: &Emitted, behaviour: Behaviour, live_flows: u64) -> Result<bool> {
        if ts_us < self.start_us {
            return Ok(true);
        }
        // The stops only end the run; they never change what is drawn before it, which is
        // what makes a shorter capture the start of a longer one.
        let wire_len = packet.spec.wire_len;
        if let Some(target_bytes) = self.target_bytes {
            if self.writer.bytes_written() + self.writer.record_len(wire_len) > target_bytes {
                return Ok(false);
            }
        }
        if let Some(max_duration_us) = self.max_duration_us {
            let first_us = if self.summary.packets == 0 { ts_us } else { self.summary.first_us };
            if ts_us - first_us >= max_duration_us {
                return Ok(false);
            }
        }
        packet.app.render(&mut self.app_bytes);
        let bytes = self.builder.build(&packet.spec, &self.app_bytes)?;
        self.writer.write_packet(ts_us, wire_len, bytes)?;

        let summary = &mut self.summary;
        if summary.packets == 0 {
            summary.first_us = ts_us;
        } else {
            self.active_flow_us += self.previous_live_flows as f64 * (ts_us - summary.last_us) as f64;
        }
        self.previous_live_flows = live_flows;
        summary.peak_active_flows = summary.peak_active_flows.max(live_flows);
        summary.last_us = ts_us;
        summary.packets += 1;
        summary.wire_bytes += wire_len as u64;
        let totals = &mut summary.per_behaviour[behaviour];
        totals.packets += 1;
        totals.wire_bytes += wire_len as u64;
        if packet.starts_flow {
            totals.flows += 1;
            summary.flows += 1;
        }
        if summary.packets.is_multiple_of(PROGRESS_EVERY_PKTS) {
            self.report_progress();
        }
        Ok(true)
    }
}
