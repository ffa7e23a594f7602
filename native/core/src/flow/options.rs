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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlowEngineOptions {
    pub mode: FlowMode,
    /// Cap on the flows of one table (a window bucket, or the whole-capture table); past it
    /// the longest-idle flows are emitted early.
    pub max_active_flows: usize,
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
        ] {
            assert_eq!(options.validate().unwrap_err().code, ErrorCode::BadOption, "{options:?}");
        }
        assert!(windowed(300, 300).validate().is_ok());
        assert!(windowed(450, 150).validate().is_ok());
    }
}
