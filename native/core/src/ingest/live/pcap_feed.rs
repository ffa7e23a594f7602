//! The libpcap feed (feature `live`): an interface opened with the `pcap` crate, its packets
//! handed out as they arrive; its kernel counters (`pcap_stats`); reopened when the interface
//! goes away and comes back. Errors say what to do: a bad filter, a missing interface (with
//! the interfaces there are), a missing permission (with how to grant it).

use std::net::IpAddr;
use std::time::Duration;

use pcap::{Active, Capture, Device};

use crate::error::{ErrorCode, FlowhoundError, Result};
use crate::packet::{LinkType, RawPacket};

use super::{wall_clock_us, FeedEvent, KernelCounters, LiveCaptureOptions, NetworkInterface, PacketFeed};

/// How long a lost interface waits between attempts to reopen it.
const REOPEN_EVERY_US: i64 = 1_000_000;
/// How often the link's state is looked at.
const LINK_CHECK_EVERY_US: i64 = 1_000_000;
/// How long a read waits before looking at an empty ring again.
const EMPTY_RING_SLEEP: Duration = Duration::from_millis(2);

pub struct PcapFeed {
    options: LiveCaptureOptions,
    capture: Option<Capture<Active>>,
    link_type: LinkType,
    /// The current packet's bytes (copied: the handle is reopened while packets are out).
    frame: Vec<u8>,
    /// Counters summed over the handles closed so far, and the current handle's last raw
    /// values (libpcap's are 32-bit and wrap).
    total: KernelCounters,
    last_raw: [u32; 3],
    next_reopen_us: i64,
    /// The link was seen down (cable out, `ip link set … down`): libpcap reads on, with
    /// nothing to read, so the state is watched apart (Linux: `/sys/class/net/*/operstate`).
    link_down: bool,
    next_link_check_us: i64,
}

impl PcapFeed {
    /// Opens the interface, checks the filter: the errors a user can fix come now.
    pub fn open(options: LiveCaptureOptions) -> Result<PcapFeed> {
        let interfaces = list_interfaces()?;
        if options.interface != "any" && !interfaces.iter().any(|interface| interface.name == options.interface) {
            let names: Vec<&str> = interfaces.iter().map(|interface| interface.name.as_str()).collect();
            return Err(FlowhoundError::new(
                ErrorCode::CaptureNoDevice,
                format!("no interface named {:?}; the interfaces here: {} (flowhound live --list-interfaces)", options.interface, names.join(", ")),
            ));
        }
        let capture = open_capture(&options)?;
        let link_type = capture.get_datalink().0 as LinkType;
        Ok(PcapFeed {
            options,
            capture: Some(capture),
            link_type,
            frame: Vec::new(),
            total: KernelCounters::default(),
            last_raw: [0; 3],
            next_reopen_us: 0,
            link_down: false,
            next_link_check_us: 0,
        })
    }

    /// The link-layer type libpcap reports for the interface.
    pub fn link_type(&self) -> LinkType {
        self.link_type
    }

    /// Reads the handle's counters into the totals.
    fn read_counters(&mut self) {
        let Some(capture) = self.capture.as_mut() else { return };
        let Ok(stat) = capture.stats() else { return };
        let raw = [stat.received, stat.dropped, stat.if_dropped];
        let grown = |index: usize| u64::from(raw[index].wrapping_sub(self.last_raw[index]));
        self.total.received += grown(0);
        self.total.dropped += grown(1);
        self.total.if_dropped += grown(2);
        self.last_raw = raw;
    }

    fn lose(&mut self, message: String) -> FeedEvent<'_> {
        self.read_counters();
        self.capture = None;
        self.last_raw = [0; 3];
        let now_us = wall_clock_us();
        self.next_reopen_us = now_us + REOPEN_EVERY_US;
        FeedEvent::Lost { message, now_us }
    }
}

impl PacketFeed for PcapFeed {
    fn next_event(&mut self) -> Result<FeedEvent<'_>> {
        let now_us = wall_clock_us();
        if self.capture.is_some() && now_us >= self.next_link_check_us {
            self.next_link_check_us = now_us + LINK_CHECK_EVERY_US;
            match (link_state(&self.options.interface), self.link_down) {
                (Some(false), false) => {
                    self.link_down = true;
                    return Ok(FeedEvent::Lost { message: format!("{}: the link is down (no carrier, or set down)", self.options.interface), now_us });
                }
                (Some(true), true) => {
                    self.link_down = false;
                    return Ok(FeedEvent::Restored { now_us });
                }
                _ => {}
            }
        }
        let Some(capture) = self.capture.as_mut() else {
            // Lost: try again every so often; the clock goes on meanwhile.
            let now_us = wall_clock_us();
            if now_us >= self.next_reopen_us {
                if let Ok(capture) = open_capture(&self.options) {
                    self.link_type = capture.get_datalink().0 as LinkType;
                    self.capture = Some(capture);
                    return Ok(FeedEvent::Restored { now_us });
                }
                self.next_reopen_us = now_us + REOPEN_EVERY_US;
            }
            let wait_us = (self.next_reopen_us - now_us).clamp(0, i64::from(self.options.read_timeout_ms) * 1000);
            std::thread::sleep(Duration::from_micros(wait_us as u64));
            return Ok(FeedEvent::Idle { now_us: wall_clock_us() });
        };
        // Non-blocking reads, with short sleeps while the ring is empty: libpcap's read timeout
        // does not fire on Linux (TPACKET_V3) while no packet comes, and an idle network must
        // still close its windows on the wall clock.
        let idle_since = std::time::Instant::now();
        let timeout = Duration::from_millis(u64::try_from(self.options.read_timeout_ms).unwrap_or(0));
        loop {
            match capture.next_packet() {
                Ok(packet) => {
                    let header = packet.header;
                    self.frame.clear();
                    self.frame.extend_from_slice(packet.data);
                    let ts_us = timeval_us(header.ts.tv_sec, header.ts.tv_usec);
                    return Ok(FeedEvent::Packet(RawPacket { ts_us, wire_len: header.len, data: &self.frame, link_type: self.link_type, file_offset: 0 }));
                }
                Err(pcap::Error::TimeoutExpired) => {
                    if idle_since.elapsed() >= timeout {
                        return Ok(FeedEvent::Idle { now_us: wall_clock_us() });
                    }
                    std::thread::sleep(EMPTY_RING_SLEEP);
                }
                Err(error) => return Ok(self.lose(format!("capture on {} stopped: {error}", self.options.interface))),
            }
        }
    }

    fn kernel_counters(&mut self) -> KernelCounters {
        self.read_counters();
        self.total
    }
}

/// A packet's time, µs, from libc's `timeval` (its fields are 64-bit here, 32-bit on some
/// targets: generic, so that neither needs a conversion of its own).
fn timeval_us(seconds: impl Into<i64>, micros: impl Into<i64>) -> i64 {
    seconds.into() * 1_000_000 + micros.into()
}

/// Whether the interface's link is up, where the system says (Linux's operstate; `unknown`,
/// as virtual interfaces often say, counts as up); `None` where it does not.
fn link_state(interface: &str) -> Option<bool> {
    let state = std::fs::read_to_string(format!("/sys/class/net/{interface}/operstate")).ok()?;
    Some(!matches!(state.trim(), "down" | "lowerlayerdown" | "notpresent"))
}

fn open_capture(options: &LiveCaptureOptions) -> Result<Capture<Active>> {
    let interface = &options.interface;
    let failed = |error: pcap::Error| classify(interface, &error.to_string());
    let capture = Capture::from_device(interface.as_str())
        .map_err(failed)?
        .promisc(options.promiscuous)
        .snaplen(i32::try_from(options.snaplen).unwrap_or(i32::MAX))
        .buffer_size(i32::try_from(options.buffer_size_bytes).unwrap_or(i32::MAX))
        .timeout(options.read_timeout_ms)
        .open()
        .map_err(failed)?;
    let mut capture = capture.setnonblock().map_err(failed)?;
    if let Some(filter) = options.bpf.as_deref().filter(|filter| !filter.trim().is_empty()) {
        capture.filter(filter, true).map_err(|error| {
            FlowhoundError::new(ErrorCode::CaptureFilter, format!("libpcap cannot compile the filter {filter:?} (--bpf): {error}"))
        })?;
    }
    Ok(capture)
}

/// libpcap's message on opening → the error a user can act on.
fn classify(interface: &str, message: &str) -> FlowhoundError {
    let lower = message.to_ascii_lowercase();
    if lower.contains("permission") || lower.contains("not permitted") {
        return FlowhoundError::new(
            ErrorCode::CapturePermission,
            format!(
                "not allowed to capture on {interface} ({message}). Run as root, or give node the capabilities: \
                 sudo setcap cap_net_raw,cap_net_admin+eip \"$(readlink -f \"$(command -v node)\")\"; \
                 under systemd, AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN (README, flowhound live)"
            ),
        );
    }
    if lower.contains("no such device") {
        return FlowhoundError::new(ErrorCode::CaptureNoDevice, format!("no interface named {interface:?} ({message}); see flowhound live --list-interfaces"));
    }
    FlowhoundError::new(ErrorCode::CaptureFailed, format!("cannot capture on {interface}: {message}"))
}

/// The interfaces libpcap can capture on, with their networks.
pub fn list_interfaces() -> Result<Vec<NetworkInterface>> {
    let devices = Device::list().map_err(|error| FlowhoundError::new(ErrorCode::CaptureFailed, format!("libpcap cannot list the interfaces: {error}")))?;
    Ok(devices
        .into_iter()
        .map(|device| NetworkInterface {
            networks: device.addresses.iter().filter_map(|address| network_of(address.addr, address.netmask)).collect(),
            up: device.flags.is_up(),
            running: device.flags.is_running(),
            loopback: device.flags.is_loopback(),
            description: device.desc.unwrap_or_default(),
            name: device.name,
        })
        .collect())
}

/// An address and its netmask → the network in CIDR form (`192.168.1.0/24`).
fn network_of(address: IpAddr, netmask: Option<IpAddr>) -> Option<String> {
    match (address, netmask) {
        (IpAddr::V4(address), Some(IpAddr::V4(mask))) => {
            let prefix = u32::from(mask).leading_ones();
            let network = u32::from(address) & u32::from(mask);
            Some(format!("{}/{prefix}", std::net::Ipv4Addr::from(network)))
        }
        (IpAddr::V6(address), Some(IpAddr::V6(mask))) => {
            let prefix = u128::from(mask).leading_ones();
            let network = u128::from(address) & u128::from(mask);
            Some(format!("{}/{prefix}", std::net::Ipv6Addr::from(network)))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_are_masked_addresses() {
        let v4 = |text: &str| text.parse::<IpAddr>().ok();
        assert_eq!(network_of("192.168.1.77".parse().unwrap(), v4("255.255.255.0")).as_deref(), Some("192.168.1.0/24"));
        assert_eq!(network_of("fe80::1:2".parse().unwrap(), v4("ffff:ffff:ffff:ffff::")).as_deref(), Some("fe80::/64"));
        assert_eq!(network_of("10.1.2.3".parse().unwrap(), None), None);
    }

    #[test]
    fn libpcap_messages_become_codes() {
        assert_eq!(classify("eth9", "eth9: You don't have permission to perform this capture on that device").code, ErrorCode::CapturePermission);
        assert_eq!(classify("eth9", "socket: Operation not permitted").code, ErrorCode::CapturePermission);
        assert_eq!(classify("eth9", "SIOCGIFHWADDR: No such device").code, ErrorCode::CaptureNoDevice);
        assert_eq!(classify("eth9", "something else").code, ErrorCode::CaptureFailed);
    }
}
