//! The flow engine's options, and the one place their defaults and checks are written: the
//! features' builder, the binding and (through the binding's `defaults()`) the TypeScript
//! take them from here.
//!
//! Windows default to 300 s every 150 s; whole-capture records to CTU-13's status interval
//! (3600 s), so that they compare with its files. Timeouts default to Argus 3.0.8's
//! (`argus.conf`, `ArgusModeler.c`); the direction of a connection seen without its
//! handshake to CTU-13's Argus (its first sender).

use crate::error::{ErrorCode, FlowhoundError, Result};
pub use crate::flow::tcp::UncertainDirection;

pub const SECOND_US: i64 = 1_000_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlowMode {
    /// Window k covers capture time [k·step, k·step + window), aligned to multiples of the
    /// step in Unix time; every packet counts in each window holding it.
    Windowed { window_us: i64, step_us: i64 },
    /// One record per flow per status interval, as `argus -S <interval>` writes them.
    Whole { status_interval_us: i64 },
}

impl FlowMode {
    pub const DEFAULT_WINDOW_US: i64 = 300 * SECOND_US;
    pub const DEFAULT_STEP_US: i64 = 150 * SECOND_US;
    /// Argus's default `ARGUS_FLOW_STATUS_INTERVAL`.
    pub const ARGUS_STATUS_INTERVAL_US: i64 = 5 * SECOND_US;
    /// The status interval the CTU-13 flows were written with.
    pub const CTU13_STATUS_INTERVAL_US: i64 = 3600 * SECOND_US;
    /// Whole-capture mode's status interval unless told otherwise: CTU-13's.
    pub const DEFAULT_STATUS_INTERVAL_US: i64 = Self::CTU13_STATUS_INTERVAL_US;

    pub fn default_windowed() -> FlowMode {
        FlowMode::Windowed { window_us: Self::DEFAULT_WINDOW_US, step_us: Self::DEFAULT_STEP_US }
    }
}

/// The rule every windowed reader follows (the flow engine, the features of a flow file):
/// window and step positive, the window a whole multiple of the step.
pub fn check_windows(window_us: i64, step_us: i64) -> Result<()> {
    let bad = |message: String| Err(FlowhoundError::new(ErrorCode::BadOption, message));
    if window_us <= 0 || step_us <= 0 {
        return bad(format!("window ({window_us} µs) and step ({step_us} µs) must be positive"));
    }
    if window_us % step_us != 0 {
        return bad(format!(
            "the window ({} s) must be a whole multiple of the step ({} s)",
            window_us as f64 / 1e6,
            step_us as f64 / 1e6
        ));
    }
    Ok(())
}

/// How long Argus keeps a flow's state after its last record, per protocol. A packet within
/// that time continues the flow (same initiator, TCP state; a one-way record is then `REQ`
/// or `RSP`), a later one starts a new flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IdleTimeouts {
    pub tcp_us: i64,
    /// UDP and every IP protocol without its own timeout (`ARGUS_IP_TIMEOUT`).
    pub ip_us: i64,
    pub icmp_us: i64,
    pub igmp_us: i64,
    /// How long a first fragment's flow waits for its later fragments (`ARGUS_FRAG_TIMEOUT`).
    pub fragment_us: i64,
}

impl Default for IdleTimeouts {
    fn default() -> IdleTimeouts {
        IdleTimeouts {
            tcp_us: 60 * SECOND_US,
            ip_us: 30 * SECOND_US,
            icmp_us: 5 * SECOND_US,
            igmp_us: 30 * SECOND_US,
            fragment_us: 5 * SECOND_US,
        }
    }
}

impl IdleTimeouts {
    pub fn for_protocol(&self, proto: u8) -> i64 {
        match proto {
            crate::packet::ip_proto::TCP => self.tcp_us,
            crate::packet::ip_proto::ICMP | crate::packet::ip_proto::ICMPV6 => self.icmp_us,
            crate::packet::ip_proto::IGMP => self.igmp_us,
            _ => self.ip_us,
        }
    }
}

/// The memory budget ("memcap", as Suricata's flow memcap): bytes the engine may hold for its
/// flow tables and for the rows of the windows it has not handed out yet, whatever the input.
/// At the budget, flows are emitted early, the longest idle first (never lost: each is
/// finished and emitted as a record), and a window keeps at most its share of flow rows (every
/// flow still counts in its hosts' rows); both are counted per window.
///
/// Split: a quarter for the flow tables ([`MemoryBudget::flow_tables_bytes`]), three quarters
/// for the windows' rows ([`MemoryBudget::window_rows_bytes`]), the larger part because a
/// window's rows outlive the table entries they come from and several windows hold rows at
/// once: those open (three with the default window and step: the one closing, and the next
/// two, which early evictions feed) and the one last handed out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryBudget {
    pub memcap_bytes: u64,
}

impl MemoryBudget {
    /// 256 MiB. The budget bounds what grows with the traffic; the process holds more besides
    /// (the allocator's free lists, a window handed to the scorer, Node.js and the models), in
    /// a flood about as much again: with this default a 5 M SYN flood peaks at 0.67 GB for
    /// the whole `analyze` (bench/README.md, "The flood"), a small part of the 24 GB machine
    /// flowhound is sized for. Ordinary captures never reach it: the 4 GB benchmark capture
    /// peaks at ~15,000 flows a table and CTU-13 scenario 6 at ~60,000 flows a window, where
    /// the tables hold ~170,000 live flows and a window ~115,000 flow rows.
    pub const DEFAULT_MEMCAP_BYTES: u64 = 256 << 20;
    /// Below this even a quiet LAN's windows would be cut; it is refused as a mistake.
    pub const MIN_MEMCAP_BYTES: u64 = 16 << 20;
    /// Far beyond any machine flowhound runs on: a typo, not a plan.
    pub const MAX_MEMCAP_BYTES: u64 = 1 << 40;

    pub fn flow_tables_bytes(self) -> usize {
        usize::try_from(self.memcap_bytes / 4).unwrap_or(usize::MAX)
    }

    pub fn window_rows_bytes(self) -> usize {
        usize::try_from(self.memcap_bytes - self.memcap_bytes / 4).unwrap_or(usize::MAX)
    }

    pub fn validate(self) -> Result<()> {
        if !(Self::MIN_MEMCAP_BYTES..=Self::MAX_MEMCAP_BYTES).contains(&self.memcap_bytes) {
            return Err(FlowhoundError::new(
                ErrorCode::BadOption,
                format!(
                    "the memory budget (memcap) must be from {} MiB to {} GiB ({} to {} bytes), got {} bytes",
                    Self::MIN_MEMCAP_BYTES >> 20,
                    Self::MAX_MEMCAP_BYTES >> 30,
                    Self::MIN_MEMCAP_BYTES,
                    Self::MAX_MEMCAP_BYTES,
                    self.memcap_bytes
                ),
            ));
        }
        Ok(())
    }
}

impl Default for MemoryBudget {
    fn default() -> MemoryBudget {
        MemoryBudget { memcap_bytes: Self::DEFAULT_MEMCAP_BYTES }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlowEngineOptions {
    pub mode: FlowMode,
    /// Cap on the flows of one table (a window bucket, or the whole-capture table); past it
    /// the longest-idle flows are emitted early.
    pub max_active_flows: usize,
    /// The memory budget; the engine holds its flow tables to `flow_tables_bytes()`.
    pub memory: MemoryBudget,
    pub timeouts: IdleTimeouts,
    /// Windowed mode: a window closes when capture time passes its end by this much, so that
    /// packets a little out of order still land in it.
    pub reorder_slack_us: i64,
    /// How many fragmented datagrams are followed at once.
    pub max_fragmented_datagrams: usize,
    /// Who a TCP connection first seen without its handshake is named after.
    pub uncertain_direction: UncertainDirection,
}

impl FlowEngineOptions {
    pub const DEFAULT_MAX_ACTIVE_FLOWS: usize = 1 << 20;
}

impl Default for FlowEngineOptions {
    fn default() -> FlowEngineOptions {
        FlowEngineOptions {
            mode: FlowMode::default_windowed(),
            max_active_flows: Self::DEFAULT_MAX_ACTIVE_FLOWS,
            memory: MemoryBudget::default(),
            timeouts: IdleTimeouts::default(),
            reorder_slack_us: 2 * SECOND_US,
            max_fragmented_datagrams: 4096,
            uncertain_direction: UncertainDirection::FirstSender,
        }
    }
}

/// More buckets per window than this is surely a mistake (and would make merges slow).
const MAX_BUCKETS_PER_WINDOW: i64 = 64;

impl FlowEngineOptions {
    pub fn whole_capture(status_interval_us: i64) -> FlowEngineOptions {
        FlowEngineOptions { mode: FlowMode::Whole { status_interval_us }, ..FlowEngineOptions::default() }
    }

    pub fn validate(&self) -> Result<()> {
        let bad = |message: String| Err(FlowhoundError::new(ErrorCode::BadOption, message));
        match self.mode {
            FlowMode::Windowed { window_us, step_us } => {
                check_windows(window_us, step_us)?;
                if window_us / step_us > MAX_BUCKETS_PER_WINDOW {
                    return bad(format!("a window of more than {MAX_BUCKETS_PER_WINDOW} steps is not supported"));
                }
            }
            FlowMode::Whole { status_interval_us } => {
                if status_interval_us <= 0 {
                    return bad(format!("the status interval ({status_interval_us} µs) must be positive"));
                }
            }
        }
        if self.max_active_flows == 0 || self.max_active_flows > crate::flow::table::MAX_ENTRIES / 2 {
            return bad(format!("max_active_flows ({}) must be between 1 and {}", self.max_active_flows, crate::flow::table::MAX_ENTRIES / 2));
        }
        self.memory.validate()?;
        let t = self.timeouts;
        if [t.tcp_us, t.ip_us, t.icmp_us, t.igmp_us, t.fragment_us].iter().any(|&value| value < 0) {
            return bad("timeouts must not be negative".to_string());
        }
        if self.reorder_slack_us < 0 {
            return bad("reorder_slack_us must not be negative".to_string());
        }
        if self.max_fragmented_datagrams == 0 {
            return bad("max_fragmented_datagrams must be at least 1".to_string());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_argus_like() {
        let options = FlowEngineOptions::default();
        assert!(options.validate().is_ok());
        assert_eq!(options.mode, FlowMode::Windowed { window_us: 300 * SECOND_US, step_us: 150 * SECOND_US });
        assert_eq!(options.timeouts.for_protocol(6), 60 * SECOND_US);
        assert_eq!(options.timeouts.for_protocol(17), 30 * SECOND_US);
        assert_eq!(options.timeouts.for_protocol(1), 5 * SECOND_US);
        assert!(FlowEngineOptions::whole_capture(FlowMode::ARGUS_STATUS_INTERVAL_US).validate().is_ok());
    }

    #[test]
    fn bad_values_are_refused_with_err_bad_option() {
        let windowed = |window_us, step_us| FlowEngineOptions { mode: FlowMode::Windowed { window_us, step_us }, ..FlowEngineOptions::default() };
        for options in [
            windowed(300 * SECOND_US, 200 * SECOND_US),
            windowed(0, 150),
            windowed(300, -1),
            windowed(100 * SECOND_US, 150 * SECOND_US),
            FlowEngineOptions::whole_capture(0),
            FlowEngineOptions { max_active_flows: 0, ..FlowEngineOptions::default() },
            FlowEngineOptions { reorder_slack_us: -1, ..FlowEngineOptions::default() },
            FlowEngineOptions { memory: MemoryBudget { memcap_bytes: (16 << 20) - 1 }, ..FlowEngineOptions::default() },
            FlowEngineOptions { memory: MemoryBudget { memcap_bytes: (1 << 40) + 1 }, ..FlowEngineOptions::default() },
        ] {
            assert_eq!(options.validate().unwrap_err().code, ErrorCode::BadOption, "{options:?}");
        }
        assert!(windowed(300, 300).validate().is_ok());
        assert!(windowed(450, 150).validate().is_ok());
    }
}
