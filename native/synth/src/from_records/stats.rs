//! What a rebuild did: records in, rebuilt, skipped and why, how faithfully, packets out.

use super::selection::SkipReason;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordSynthStats {
    pub records_in: u64,
    /// Records whose packets are in the capture (and whose line is in the labels).
    pub records_synthesized: u64,
    /// Not IP (arp, llc, ipx/spx, …).
    pub skipped_not_ip: u64,
    /// Ends that are not IP addresses of one family.
    pub skipped_no_ip_ends: u64,
    pub skipped_time_range: u64,
    pub skipped_hosts: u64,
    pub skipped_protocol: u64,
    pub skipped_no_packets: u64,
    /// Started before packets already written: beyond the reorder window.
    pub skipped_out_of_order: u64,
    /// Times classic pcap cannot hold (before 1970, after 2106).
    pub skipped_pcap_time: u64,
    /// `rtp`, `rtcp`, `udt` records rebuilt as UDP.
    pub renamed_to_udp: u64,
    /// Rebuilt records whose packets, bytes and source bytes could not all be met (too few
    /// bytes for the packets' headers, more than IP packets can hold, both sides with bytes
    /// and one packet): the nearest possible was written.
    pub records_inexact: u64,
    /// One-packet records with a duration: the duration is lost.
    pub records_duration_lost: u64,
    /// Records of a status interval or more, cut just below it.
    pub records_duration_clamped: u64,
    /// Records whose end (from Argus's 32-bit float `Dur`) fell up to 1 ms after the start of
    /// the next record of their flow: they end at that start instead.
    pub records_end_moved: u64,
    pub packets_written: u64,
    /// Sum of the packets' wire lengths.
    pub wire_bytes: u64,
    /// Size of the capture file, headers included.
    pub file_bytes: u64,
    /// The most records being written at once (the memory they take is about 400 bytes each).
    pub peak_active_records: u64,
    /// The most records waiting in the reorder window.
    pub peak_pending_records: u64,
    /// Capture time of the first and the last packet written, µs.
    pub first_packet_us: Option<i64>,
    pub last_packet_us: Option<i64>,
}

impl RecordSynthStats {
    pub fn count_skip(&mut self, reason: SkipReason) {
        let counter = match reason {
            SkipReason::NotIp => &mut self.skipped_not_ip,
            SkipReason::NoIpEnds => &mut self.skipped_no_ip_ends,
            SkipReason::OutsideTimeRange => &mut self.skipped_time_range,
            SkipReason::OutsideHosts => &mut self.skipped_hosts,
            SkipReason::ProtocolNotSelected => &mut self.skipped_protocol,
            SkipReason::NoPackets => &mut self.skipped_no_packets,
            SkipReason::OutOfOrder => &mut self.skipped_out_of_order,
            SkipReason::OutsidePcapTime => &mut self.skipped_pcap_time,
        };
        *counter += 1;
    }

    pub fn records_skipped(&self) -> u64 {
        self.skipped_not_ip
            + self.skipped_no_ip_ends
            + self.skipped_time_range
            + self.skipped_hosts
            + self.skipped_protocol
            + self.skipped_no_packets
            + self.skipped_out_of_order
            + self.skipped_pcap_time
    }
}
