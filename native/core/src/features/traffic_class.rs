//! What a flow is, in the terms both the flow and the host features use: its transport,
//! and the services its responder port names.

use crate::record::{FlowRecord, Protocol};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    Tcp,
    Udp,
    Icmp,
    Other,
}

impl Transport {
    pub fn of(record: &FlowRecord) -> Transport {
        match &record.protocol {
            Protocol::Ip(6) => Transport::Tcp,
            Protocol::Ip(17) => Transport::Udp,
            Protocol::Ip(1) | Protocol::Ip(58) => Transport::Icmp,
            // Argus names some UDP applications instead of the protocol.
            Protocol::Named(name) if matches!(name.as_str(), "rtp" | "rtcp" | "udt") => Transport::Udp,
            _ => Transport::Other,
        }
    }
}

/// The services that botnets use and the features count.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Services {
    pub smtp: bool,
    pub dns: bool,
    pub irc: bool,
    pub web: bool,
}

impl Services {
    pub fn of(transport: Transport, dst_port: Option<u16>) -> Services {
        let Some(port) = dst_port else { return Services::default() };
        let tcp = transport == Transport::Tcp;
        Services {
            smtp: tcp && matches!(port, 25 | 465 | 587),
            dns: matches!(transport, Transport::Tcp | Transport::Udp) && port == 53,
            irc: tcp && matches!(port, 6660..=6669 | 6697 | 7000),
            web: tcp && matches!(port, 80 | 443 | 8000 | 8080),
        }
    }
}

/// Argus's state names for non-TCP flows, as the features tell them apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateKind {
    Connected,
    OneWay,
    Request,
    Echo,
    Unreachable,
    /// TCP flag strings (`S_RA`), and anything else.
    Other,
}

impl StateKind {
    pub fn of(state: &str) -> StateKind {
        match super::labels::trimmed(state) {
            "CON" => StateKind::Connected,
            "INT" => StateKind::OneWay,
            "REQ" | "NRS" | "RSP" => StateKind::Request,
            "ECO" | "ECR" => StateKind::Echo,
            other if other.starts_with("UR") => StateKind::Unreachable,
            _ => StateKind::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_need_the_right_transport() {
        assert!(Services::of(Transport::Tcp, Some(25)).smtp);
        assert!(!Services::of(Transport::Udp, Some(25)).smtp);
        assert!(Services::of(Transport::Udp, Some(53)).dns && Services::of(Transport::Tcp, Some(53)).dns);
        assert!(Services::of(Transport::Tcp, Some(6667)).irc);
        assert!(Services::of(Transport::Tcp, Some(443)).web);
        assert_eq!(Services::of(Transport::Icmp, Some(53)), Services::default());
        assert_eq!(Services::of(Transport::Tcp, None), Services::default());
    }

    #[test]
    fn states_from_ctu13() {
        assert_eq!(StateKind::of("CON"), StateKind::Connected);
        assert_eq!(StateKind::of("  INT"), StateKind::OneWay);
        assert_eq!(StateKind::of("URP"), StateKind::Unreachable);
        assert_eq!(StateKind::of("URHPRO"), StateKind::Unreachable);
        assert_eq!(StateKind::of("ECO"), StateKind::Echo);
        assert_eq!(StateKind::of("S_RA"), StateKind::Other);
    }
}
