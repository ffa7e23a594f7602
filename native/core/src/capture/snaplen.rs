//! Snapshot-length limits, as libpcap applies them, so that our verdict on a damaged file
//! (and our packet count) agrees with tcpdump's.

use crate::packet::LinkType;

/// libpcap's MAXIMUM_SNAPLEN: the largest record it considers sane for ordinary link types.
pub const MAX_SNAPLEN_BYTES: u32 = 262_144;

const LINKTYPE_DBUS: LinkType = 231;
const LINKTYPE_USBPCAP: LinkType = 249;
const LINKTYPE_EBHSCR: LinkType = 279;

/// The largest captured length libpcap accepts for a link type (libpcap's
/// `max_snaplen_for_dlt`): D-Bus messages may be 128 MiB, EBHSCR 8 MiB, USBPcap 1 MiB.
pub fn max_snaplen_for(link_type: LinkType) -> u32 {
    match link_type {
        LINKTYPE_DBUS => 128 * 1024 * 1024,
        LINKTYPE_EBHSCR => 8 * 1024 * 1024,
        LINKTYPE_USBPCAP => 1024 * 1024,
        _ => MAX_SNAPLEN_BYTES,
    }
}

/// A header's snap length as libpcap uses it (`pcap_adjust_snapshot`): 0 or more than the
/// link type's maximum means "the maximum".
pub fn effective_snaplen(link_type: LinkType, header_snaplen: u32) -> u32 {
    let max = max_snaplen_for(link_type);
    if header_snaplen == 0 || header_snaplen > max {
        max
    } else {
        header_snaplen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_and_huge_snaplens_mean_the_maximum() {
        assert_eq!(effective_snaplen(1, 0), MAX_SNAPLEN_BYTES);
        assert_eq!(effective_snaplen(1, 18_546_945), MAX_SNAPLEN_BYTES);
        assert_eq!(effective_snaplen(1, 96), 96);
        assert_eq!(effective_snaplen(LINKTYPE_DBUS, 0), 128 * 1024 * 1024);
    }
}
