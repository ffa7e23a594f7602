//! Live capture: packets from a network interface, as they arrive, into the windowed flow
//! engine that captures read from files go through.
//!
//! What is live about it is kept apart from where the packets come from: a [`PacketFeed`]
//! hands out packets as they arrive, or says that none came within its read timeout (the
//! wall clock then stands in for capture time, so a window still closes on an idle network);
//! libpcap is one feed (`pcap_feed`, feature `live`), the tests' list of packets another.
//! [`LiveFlowSource`] drives the engine from a feed; [`DropLedger`] tells, per window, the
//! packets the kernel dropped while it was open.
//!
//! Windows close on capture time, as for files: a window ends once a packet a reorder slack
//! past its end arrives, or, when none comes, once the wall clock is past its end by the slack
//! and [`IDLE_GRACE_US`] (packets are stamped by the kernel before they are read).

#[cfg(feature = "live")]
mod pcap_feed;

use std::collections::VecDeque;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use crate::decode::decode;
use crate::error::Result;
use crate::flow::{FlowEngine, FlowEngineOptions, FlowEngineStats, FlowMode, WindowEvictions};
use crate::packet::{DecodedPacket, RawPacket};
use crate::record::FlowRecord;

#[cfg(feature = "live")]
pub use pcap_feed::{list_interfaces, PcapFeed};

/// How long the wall clock must be past a window's end (and the reorder slack) before an idle
/// capture closes it: packets stamped before then may still be in the kernel's ring.
pub const IDLE_GRACE_US: i64 = 1_000_000;

/// How long one `LiveFlowSource::poll` reads packets before it returns, µs.
pub const POLL_TIME_US: i64 = 100_000;

/// Packets counted at once (`FlowEngine::push_batch`).
const BATCH: usize = 256;

/// How to open an interface (`PcapFeed::open`); the binding fills in the defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveCaptureOptions {
    pub interface: String,
    /// Bytes kept of each packet; headers are all flowhound reads.
    pub snaplen: u32,
    /// The kernel's ring for packets not yet read (libpcap's buffer size).
    pub buffer_size_bytes: u32,
    pub promiscuous: bool,
    /// A BPF filter (tcpdump's syntax), compiled by libpcap.
    pub bpf: Option<String>,
    /// How long a read waits for a packet before the feed says it is idle.
    pub read_timeout_ms: i32,
}

impl LiveCaptureOptions {
    pub const DEFAULT_SNAPLEN: u32 = 65_535;
    pub const DEFAULT_BUFFER_SIZE_BYTES: u32 = 32 << 20;
    pub const DEFAULT_READ_TIMEOUT_MS: i32 = 200;

    pub fn new(interface: &str) -> LiveCaptureOptions {
        LiveCaptureOptions {
            interface: interface.to_string(),
            snaplen: Self::DEFAULT_SNAPLEN,
            buffer_size_bytes: Self::DEFAULT_BUFFER_SIZE_BYTES,
            promiscuous: true,
            bpf: None,
            read_timeout_ms: Self::DEFAULT_READ_TIMEOUT_MS,
        }
    }
}

/// An interface libpcap can capture on (`list_interfaces`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetworkInterface {
    pub name: String,
    pub description: String,
    /// Its networks, from its addresses and netmasks, in CIDR form.
    pub networks: Vec<String>,
    pub up: bool,
    pub running: bool,
    pub loopback: bool,
}

/// What a feed says when asked for the next packet.
pub enum FeedEvent<'a> {
    Packet(RawPacket<'a>),
    /// No packet within the feed's read timeout; `now_us` is the wall clock.
    Idle { now_us: i64 },
    /// The interface went away (down, unplugged): the feed tries to reopen it, and says
    /// `Idle` meanwhile. `message` says what happened.
    Lost { message: String, now_us: i64 },
    /// The interface is back after `Lost`.
    Restored { now_us: i64 },
}

/// A source of live packets: libpcap on an interface, or a test's list.
pub trait PacketFeed {
    /// The next packet, or what happened instead. Waits at most the feed's read timeout.
    /// An error ends the capture (a lost interface is not one: see `FeedEvent::Lost`).
    fn next_event(&mut self) -> Result<FeedEvent<'_>>;
    /// The kernel's counters since the feed opened (summed over reopenings).
    fn kernel_counters(&mut self) -> KernelCounters;
}

/// libpcap's counters (`pcap_stats`): packets the filter passed, dropped for want of room in
/// the kernel's buffer (`ps_drop`), dropped by the interface or its driver (`ps_ifdrop`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KernelCounters {
    pub received: u64,
    pub dropped: u64,
    pub if_dropped: u64,
}

impl KernelCounters {
    fn minus(self, earlier: KernelCounters) -> KernelCounters {
        KernelCounters {
            received: self.received.saturating_sub(earlier.received),
            dropped: self.dropped.saturating_sub(earlier.dropped),
            if_dropped: self.if_dropped.saturating_sub(earlier.if_dropped),
        }
    }
}

/// The wall clock, µs since the epoch.
pub fn wall_clock_us() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |since| i64::try_from(since.as_micros()).unwrap_or(i64::MAX))
}

/// What one `LiveFlowSource::poll` saw.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LivePoll {
    /// Packets counted.
    pub packets: u64,
    /// The feed said it was idle (the read timeout passed with no packet).
    pub idle: bool,
    /// The interface was lost (its message) or restored during the poll.
    pub lost: Option<String>,
    pub restored: bool,
}

/// Flow records from a live feed: packets decoded and counted in windows as they arrive.
pub struct LiveFlowSource<F: PacketFeed> {
    feed: F,
    engine: FlowEngine,
    batch: Vec<DecodedPacket>,
    packets: u64,
    wire_bytes: u64,
    /// Capture time of the newest packet, or the wall clock when idle, µs.
    clock_us: i64,
    slack_us: i64,
}

impl<F: PacketFeed> LiveFlowSource<F> {
    /// The engine must be windowed: a live capture has no end to write whole flows at.
    pub fn new(feed: F, engine: FlowEngineOptions) -> Result<LiveFlowSource<F>> {
        if !matches!(engine.mode, FlowMode::Windowed { .. }) {
            return Err(crate::error::FlowhoundError::new(
                crate::error::ErrorCode::BadOption,
                "a live capture is read in windows: whole-capture mode does not apply",
            ));
        }
        let slack_us = engine.reorder_slack_us;
        Ok(LiveFlowSource { feed, engine: FlowEngine::new(engine)?, batch: Vec::with_capacity(BATCH), packets: 0, wire_bytes: 0, clock_us: i64::MIN, slack_us })
    }

    /// Reads up to `max_packets` packets, for at most about [`POLL_TIME_US`], or until the
    /// feed is idle or reports its interface lost or back; appends the records of the windows
    /// that closed meanwhile.
    pub fn poll(&mut self, max_packets: u64, out: &mut Vec<FlowRecord>) -> Result<LivePoll> {
        let mut poll = LivePoll::default();
        let started = Instant::now();
        while poll.packets < max_packets {
            // A slow trickle of packets must not hold the caller (its stop flag, its counters).
            if poll.packets % 64 == 63 && started.elapsed().as_micros() >= POLL_TIME_US as u128 {
                break;
            }
            let idle_at = match self.feed.next_event()? {
                FeedEvent::Packet(raw) => {
                    self.wire_bytes += u64::from(raw.wire_len);
                    self.clock_us = self.clock_us.max(raw.ts_us);
                    self.batch.push(decode(&raw));
                    poll.packets += 1;
                    if self.batch.len() == BATCH {
                        self.flush(out);
                    }
                    continue;
                }
                FeedEvent::Idle { now_us } => {
                    poll.idle = true;
                    now_us
                }
                FeedEvent::Lost { message, now_us } => {
                    poll.lost = Some(message);
                    now_us
                }
                FeedEvent::Restored { now_us } => {
                    poll.restored = true;
                    now_us
                }
            };
            self.flush(out);
            self.advance_clock(idle_at, out);
            break;
        }
        self.flush(out);
        self.packets += poll.packets;
        Ok(poll)
    }

    /// The wall clock read `now_us` with no packet: windows that ended by then, with the
    /// slack and the grace, close.
    fn advance_clock(&mut self, now_us: i64, out: &mut Vec<FlowRecord>) {
        let settled_us = now_us.saturating_sub(IDLE_GRACE_US);
        if settled_us > self.clock_us {
            self.clock_us = settled_us;
            self.engine.advance_clock(settled_us, out);
        }
    }

    fn flush(&mut self, out: &mut Vec<FlowRecord>) {
        if !self.batch.is_empty() {
            self.engine.push_batch(&self.batch, out);
            self.batch.clear();
        }
    }

    /// The capture stops: every open window is emitted (partial ones included).
    pub fn finish(&mut self, out: &mut Vec<FlowRecord>) {
        self.flush(out);
        self.engine.finish(out);
    }

    /// The start of the last window emitted: no record of it or of an earlier one will come.
    pub fn closed_through_us(&self) -> Option<i64> {
        self.engine.closed_through_us()
    }

    /// Capture time as far as the source has seen it (newest packet, or the idle clock
    /// less the grace), µs; `i64::MIN` before anything.
    pub fn clock_us(&self) -> i64 {
        self.clock_us
    }

    /// How far past a window's end capture time must be for it to close.
    pub fn reorder_slack_us(&self) -> i64 {
        self.slack_us
    }

    pub fn take_window_evictions(&mut self) -> Vec<WindowEvictions> {
        self.engine.take_window_evictions()
    }

    pub fn engine_stats(&self) -> &FlowEngineStats {
        self.engine.stats()
    }

    pub fn packets(&self) -> u64 {
        self.packets
    }

    pub fn wire_bytes(&self) -> u64 {
        self.wire_bytes
    }

    pub fn kernel_counters(&mut self) -> KernelCounters {
        self.feed.kernel_counters()
    }

    pub fn feed_mut(&mut self) -> &mut F {
        &mut self.feed
    }
}

/// The kernel's counters sampled over time, to tell how many packets were dropped while a
/// window was open: the difference between the last samples at or before its start and its
/// end. Samples older than `keep_us` before the newest are forgotten.
pub struct DropLedger {
    samples: VecDeque<(i64, KernelCounters)>,
    keep_us: i64,
}

impl DropLedger {
    pub fn new(keep_us: i64) -> DropLedger {
        DropLedger { samples: VecDeque::new(), keep_us }
    }

    /// The counters read at `time_us` (times must not go back).
    pub fn record(&mut self, time_us: i64, counters: KernelCounters) {
        if self.samples.back().is_some_and(|(last, _)| time_us < *last) {
            return;
        }
        self.samples.push_back((time_us, counters));
        let oldest_kept = time_us.saturating_sub(self.keep_us);
        // The newest sample before the oldest time kept stays: it is that time's value.
        while self.samples.len() > 1 && self.samples[1].0 <= oldest_kept {
            self.samples.pop_front();
        }
    }

    /// What the counters grew by from `start_us` to `end_us`: from the last sample at or
    /// before each (none before the start: zero, the counters as the capture began).
    pub fn between(&self, start_us: i64, end_us: i64) -> KernelCounters {
        let at = |time_us: i64| self.samples.iter().rev().find(|(time, _)| *time <= time_us).map(|(_, counters)| *counters).unwrap_or_default();
        at(end_us).minus(at(start_us))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::FlowEngineOptions;
    use crate::packet::link_type;

    const SECOND_US: i64 = 1_000_000;
    /// 2024-01-01T00:00:00Z: a multiple of every step used here.
    const T0_US: i64 = 1_704_067_200 * SECOND_US;

    /// An Ethernet/IPv4/UDP frame from 10.0.0.`host` to 192.0.2.1:53.
    fn udp_frame(host: u8) -> Vec<u8> {
        let mut frame = vec![0u8; 14 + 20 + 8];
        frame[12..14].copy_from_slice(&[0x08, 0x00]);
        let ip = &mut frame[14..34];
        ip[0] = 0x45;
        ip[2..4].copy_from_slice(&28u16.to_be_bytes());
        ip[8] = 64;
        ip[9] = 17;
        ip[12..16].copy_from_slice(&[10, 0, 0, host]);
        ip[16..20].copy_from_slice(&[192, 0, 2, 1]);
        let udp = &mut frame[34..42];
        udp[0..2].copy_from_slice(&40000u16.to_be_bytes());
        udp[2..4].copy_from_slice(&53u16.to_be_bytes());
        udp[4..6].copy_from_slice(&8u16.to_be_bytes());
        frame
    }

    /// What a test's feed does next.
    enum Step {
        Packet { ts_us: i64, host: u8 },
        Idle { now_us: i64 },
        Lost { now_us: i64 },
    }

    /// A feed that plays a list of steps, then fails as a closed interface would.
    struct ScriptedFeed {
        steps: VecDeque<Step>,
        frame: Vec<u8>,
        counters: KernelCounters,
    }

    impl ScriptedFeed {
        fn new(steps: Vec<Step>) -> ScriptedFeed {
            ScriptedFeed { steps: steps.into(), frame: Vec::new(), counters: KernelCounters::default() }
        }
    }

    impl PacketFeed for ScriptedFeed {
        fn next_event(&mut self) -> Result<FeedEvent<'_>> {
            match self.steps.pop_front() {
                Some(Step::Packet { ts_us, host }) => {
                    self.frame = udp_frame(host);
                    self.counters.received += 1;
                    let wire_len = self.frame.len() as u32;
                    Ok(FeedEvent::Packet(RawPacket { ts_us, wire_len, data: &self.frame, link_type: link_type::ETHERNET, file_offset: 0 }))
                }
                Some(Step::Idle { now_us }) => Ok(FeedEvent::Idle { now_us }),
                Some(Step::Lost { now_us }) => Ok(FeedEvent::Lost { message: "the interface went down".into(), now_us }),
                None => Err(crate::error::FlowhoundError::new(crate::error::ErrorCode::CaptureFailed, "the script ended")),
            }
        }

        fn kernel_counters(&mut self) -> KernelCounters {
            self.counters
        }
    }

    fn windowed(window_s: i64, step_s: i64) -> FlowEngineOptions {
        FlowEngineOptions { mode: FlowMode::Windowed { window_us: window_s * SECOND_US, step_us: step_s * SECOND_US }, ..FlowEngineOptions::default() }
    }

    fn window_starts(records: &[FlowRecord]) -> Vec<i64> {
        let mut starts: Vec<i64> = records.iter().filter_map(|r| r.window_start_us).map(|us| (us - T0_US) / SECOND_US).collect();
        starts.dedup();
        starts
    }

    #[test]
    fn windows_close_on_capture_time_as_packets_pass_their_end() {
        // Window 10 s, step 5 s, slack 2 s: [0, 10) closes once a packet at 12 s or later comes.
        let steps = (0..30).map(|second| Step::Packet { ts_us: T0_US + second * SECOND_US, host: (second % 3) as u8 + 1 }).collect();
        let mut source = LiveFlowSource::new(ScriptedFeed::new(steps), windowed(10, 5)).unwrap();
        let mut out = Vec::new();
        source.poll(13, &mut out).unwrap();
        assert_eq!(window_starts(&out), [-5, 0], "the windows ended by 12 s");
        out.clear();
        source.poll(17, &mut out).unwrap();
        assert_eq!(window_starts(&out), [5, 10, 15]);
        assert_eq!(source.closed_through_us(), Some(T0_US + 15 * SECOND_US));
        assert_eq!(source.packets(), 30);
        out.clear();
        source.finish(&mut out);
        assert_eq!(window_starts(&out), [20, 25], "the windows still open at the stop");
    }

    #[test]
    fn an_idle_network_closes_windows_on_the_wall_clock() {
        let steps = vec![
            Step::Packet { ts_us: T0_US + SECOND_US, host: 1 },
            Step::Packet { ts_us: T0_US + 2 * SECOND_US, host: 2 },
            // [0, 10) stays open at 12 s: past its end by the slack, not also by the grace.
            Step::Idle { now_us: T0_US + 12 * SECOND_US },
            Step::Idle { now_us: T0_US + 13 * SECOND_US },
        ];
        let mut source = LiveFlowSource::new(ScriptedFeed::new(steps), windowed(10, 5)).unwrap();
        let mut out = Vec::new();
        let poll = source.poll(100, &mut out).unwrap();
        assert_eq!((poll.packets, poll.idle), (2, true));
        assert_eq!(window_starts(&out), [-5], "[-5, 5) ended 7 s before 12 s");
        out.clear();
        source.poll(100, &mut out).unwrap();
        assert_eq!(window_starts(&out), [0]);
        assert_eq!(out.len(), 2, "both flows, once each");
        // Earlier idle times change nothing.
        assert_eq!(source.clock_us(), T0_US + 12 * SECOND_US);
    }

    #[test]
    fn a_lost_interface_is_said_and_the_clock_still_closes_windows() {
        let steps = vec![Step::Packet { ts_us: T0_US + SECOND_US, host: 1 }, Step::Lost { now_us: T0_US + 20 * SECOND_US }];
        let mut source = LiveFlowSource::new(ScriptedFeed::new(steps), windowed(10, 5)).unwrap();
        let mut out = Vec::new();
        let poll = source.poll(100, &mut out).unwrap();
        assert_eq!(poll.lost.as_deref(), Some("the interface went down"));
        assert_eq!(window_starts(&out), [-5, 0]);
        assert_eq!(source.poll(100, &mut out).unwrap_err().code, crate::error::ErrorCode::CaptureFailed);
    }

    #[test]
    fn whole_capture_mode_is_refused() {
        let options = FlowEngineOptions { mode: FlowMode::Whole { status_interval_us: 3600 * SECOND_US }, ..FlowEngineOptions::default() };
        let refused = LiveFlowSource::new(ScriptedFeed::new(Vec::new()), options);
        assert_eq!(refused.err().map(|e| e.code), Some(crate::error::ErrorCode::BadOption));
    }

    #[test]
    fn the_ledger_tells_the_drops_while_a_window_was_open() {
        let mut ledger = DropLedger::new(60 * SECOND_US);
        let counters = |dropped| KernelCounters { received: 100, dropped, if_dropped: 0 };
        ledger.record(0, counters(0));
        ledger.record(5 * SECOND_US, counters(3));
        ledger.record(10 * SECOND_US, counters(10));
        ledger.record(15 * SECOND_US, counters(10));
        assert_eq!(ledger.between(0, 10 * SECOND_US).dropped, 10);
        assert_eq!(ledger.between(5 * SECOND_US, 15 * SECOND_US).dropped, 7);
        assert_eq!(ledger.between(12 * SECOND_US, 20 * SECOND_US).dropped, 0);
        // Before the first sample: the counters as the capture began.
        assert_eq!(ledger.between(-SECOND_US, 4 * SECOND_US).dropped, 0);
        ledger.record(100 * SECOND_US, counters(12));
        assert!(ledger.samples.len() <= 2, "old samples are forgotten");
        assert_eq!(ledger.between(50 * SECOND_US, 100 * SECOND_US).dropped, 2);
    }
}
