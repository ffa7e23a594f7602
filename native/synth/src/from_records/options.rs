//! What `flowhound synth` is asked to rebuild, and how.

use flowhound_core::error::{ErrorCode, FlowhoundError, Result};
use flowhound_core::flow::{FlowMode, IdleTimeouts};
use crate::pcap_writer::MAX_SNAPLEN;

use flowhound_core::cidr::Cidr;
use flowhound_core::record::ETHERNET_MAX_FRAME_BYTES;

pub const SECOND_US: i64 = 1_000_000;

#[derive(Clone, Debug, PartialEq)]
pub struct RecordSynthOptions {
    /// Bytes of each packet stored in the capture; the record header keeps the wire length.
    pub snaplen: u32,
    /// Keep records starting at or after this time (µs since the epoch).
    pub from_us: Option<i64>,
    /// Keep records starting before this time.
    pub to_us: Option<i64>,
    /// Keep records with at least one end inside one of these ranges; empty keeps all.
    pub hosts: Vec<Cidr>,
    /// Same seed and input, same bytes out.
    pub seed: u64,
    /// IP protocol numbers to rebuild (after `rtp`/`rtcp`/`udt` are taken as UDP); `None`
    /// rebuilds every IP protocol. Non-IP records (arp, llc, ipx/spx, …) are always skipped.
    pub protocols: Option<Vec<u8>>,
    /// How far back in time a record may start compared with the latest start read so far
    /// and still be rebuilt in time order (CTU-13 files are sorted; other files almost).
    /// Records further back are skipped and counted. Output lags input by this much, which
    /// also lets a record's last packets be adjusted when the next record of its flow
    /// arrives (see `synthesizer`).
    pub reorder_window_us: i64,
    /// The status interval the records were written with (CTU-13: 3600 s). A record is kept
    /// shorter than this, so that a reader using the same interval gives it back whole, and
    /// it decides when a later record of the same flow continues the earlier one.
    pub status_interval_us: i64,
    /// Idle timeouts of the reader the capture is meant for (Argus's by default): after a
    /// status report, a record starting within them continues the flow.
    pub timeouts: IdleTimeouts,
    /// Frames are kept at or under this length (Ethernet: 1514) unless a record's bytes
    /// cannot fit otherwise; then the needed jumbo frames are made.
    pub preferred_max_frame_bytes: u32,
}

impl Default for RecordSynthOptions {
    fn default() -> RecordSynthOptions {
        RecordSynthOptions {
            snaplen: 96,
            from_us: None,
            to_us: None,
            hosts: Vec::new(),
            seed: 0,
            protocols: None,
            reorder_window_us: 60 * SECOND_US,
            status_interval_us: FlowMode::CTU13_STATUS_INTERVAL_US,
            timeouts: IdleTimeouts::default(),
            preferred_max_frame_bytes: ETHERNET_MAX_FRAME_BYTES,
        }
    }
}

/// Longest reorder window accepted: its records are all held in memory.
pub const MAX_REORDER_WINDOW_US: i64 = 3600 * SECOND_US;

impl RecordSynthOptions {
    pub fn validate(&self) -> Result<()> {
        let bad = |message: String| Err(FlowhoundError::new(ErrorCode::BadOption, message));
        if self.snaplen == 0 || self.snaplen > MAX_SNAPLEN {
            return bad(format!("snap length {} is outside 1..={MAX_SNAPLEN}", self.snaplen));
        }
        if let (Some(from_us), Some(to_us)) = (self.from_us, self.to_us) {
            if from_us >= to_us {
                return bad(format!("the time range is empty: from {from_us} µs is not before to {to_us} µs"));
            }
        }
        if !(0..=MAX_REORDER_WINDOW_US).contains(&self.reorder_window_us) {
            return bad(format!("the reorder window ({} µs) must be between 0 and one hour", self.reorder_window_us));
        }
        if self.status_interval_us < 2 {
            return bad(format!("the status interval ({} µs) must be at least 2 µs", self.status_interval_us));
        }
        let t = self.timeouts;
        if [t.tcp_us, t.ip_us, t.icmp_us, t.igmp_us].iter().any(|&value| value < 0) {
            return bad("timeouts must not be negative".to_string());
        }
        if !(60..=9018).contains(&self.preferred_max_frame_bytes) {
            return bad(format!(
                "the preferred largest frame ({} bytes) must be between 60 and 9018",
                self.preferred_max_frame_bytes
            ));
        }
        if self.protocols.as_ref().is_some_and(|list| list.is_empty()) {
            return bad("the protocol list is empty: nothing would be rebuilt".to_string());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_ctu13s() {
        let options = RecordSynthOptions::default();
        assert!(options.validate().is_ok());
        assert_eq!(options.snaplen, 96);
        assert_eq!(options.status_interval_us, 3600 * SECOND_US);
    }

    #[test]
    fn bad_values_are_refused() {
        let base = RecordSynthOptions::default();
        for options in [
            RecordSynthOptions { snaplen: 0, ..base.clone() },
            RecordSynthOptions { snaplen: MAX_SNAPLEN + 1, ..base.clone() },
            RecordSynthOptions { from_us: Some(10), to_us: Some(10), ..base.clone() },
            RecordSynthOptions { reorder_window_us: -1, ..base.clone() },
            RecordSynthOptions { reorder_window_us: MAX_REORDER_WINDOW_US + 1, ..base.clone() },
            RecordSynthOptions { status_interval_us: 1, ..base.clone() },
            RecordSynthOptions { preferred_max_frame_bytes: 59, ..base.clone() },
            RecordSynthOptions { protocols: Some(Vec::new()), ..base.clone() },
        ] {
            assert_eq!(options.validate().unwrap_err().code, ErrorCode::BadOption, "{options:?}");
        }
    }
}
