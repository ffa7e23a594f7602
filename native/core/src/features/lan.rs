//! Which addresses are LAN hosts: the only ones that get a host row, and so the only ones
//! ever ranked.

use crate::cidr::Cidr;
use crate::packet::IpAddr16;
use crate::record::Address;

/// The private ranges (RFC 1918, RFC 4193): the default LAN.
pub const PRIVATE_RANGES: &[&str] = &["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"];

#[derive(Clone, Debug)]
pub struct Lan {
    ranges: Vec<Cidr>,
}

impl Default for Lan {
    fn default() -> Lan {
        Lan { ranges: PRIVATE_RANGES.iter().map(|text| Cidr::parse(text).expect("a valid range")).collect() }
    }
}

impl Lan {
    pub fn new(ranges: Vec<Cidr>) -> Lan {
        Lan { ranges }
    }

    pub fn ranges(&self) -> &[Cidr] {
        &self.ranges
    }

    /// The address, when it is an IP address inside the LAN.
    pub fn host(&self, address: &Address) -> Option<IpAddr16> {
        match address {
            Address::Ip(ip) if self.ranges.iter().any(|range| range.contains(ip)) => Some(*ip),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_ranges_by_default() {
        let lan = Lan::default();
        assert!(lan.host(&Address::Ip(IpAddr16::from_v4([192, 168, 1, 20]))).is_some());
        assert!(lan.host(&Address::Ip(IpAddr16::from_v4([172, 31, 0, 1]))).is_some());
        assert!(lan.host(&Address::Ip(IpAddr16::from_v4([147, 32, 84, 165]))).is_none());
        assert!(lan.host(&Address::Mac([0; 6])).is_none());
        let ctu = Lan::new(vec![Cidr::parse("147.32.0.0/16").unwrap()]);
        assert!(ctu.host(&Address::Ip(IpAddr16::from_v4([147, 32, 84, 165]))).is_some());
    }
}
