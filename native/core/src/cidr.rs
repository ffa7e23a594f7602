//! Address ranges: the host filter of synth (`--hosts 147.32.0.0/16 2001:db8::/32 …`) and the
//! LAN of the feature builder (`--lan`).
//!
//! Addresses are kept as [`IpAddr16`], IPv4 in its mapped form, so an IPv4 prefix of length
//! `n` is a mapped prefix of `96 + n` bits and never matches an IPv6 address.

use std::str::FromStr;

use crate::error::{ErrorCode, FlowhoundError, Result};
use crate::packet::IpAddr16;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    /// Host bits are cleared.
    network: IpAddr16,
    /// Over the 128-bit (mapped) form.
    prefix_bits: u8,
}

impl Cidr {
    /// `a.b.c.d/n`, `a.b.c.d` (one host), `x:y::/n` or an IPv6 address.
    pub fn parse(text: &str) -> Result<Cidr> {
        let bad = |why: &str| FlowhoundError::new(ErrorCode::BadOption, format!("address range {text:?}: {why}"));
        let (address_text, prefix_text) = match text.trim().split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text.trim(), None),
        };
        let address = std::net::IpAddr::from_str(address_text).map_err(|_| bad("not an IP address"))?;
        let (address, family_bits, offset) = match address {
            std::net::IpAddr::V4(v4) => (IpAddr16::from_v4(v4.octets()), 32u8, 96u8),
            std::net::IpAddr::V6(v6) => (IpAddr16::from_v6(v6.octets()), 128u8, 0u8),
        };
        let prefix = match prefix_text {
            None => family_bits,
            Some(prefix) => match prefix.parse::<u8>() {
                Ok(bits) if bits <= family_bits => bits,
                _ => return Err(bad(&format!("prefix length must be 0..={family_bits}"))),
            },
        };
        Ok(Cidr::new(address, offset + prefix))
    }

    fn new(address: IpAddr16, prefix_bits: u8) -> Cidr {
        Cidr { network: IpAddr16(mask(address.0, prefix_bits)), prefix_bits }
    }

    pub fn contains(&self, address: &IpAddr16) -> bool {
        mask(address.0, self.prefix_bits) == self.network.0
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.network.is_v4() && self.prefix_bits >= 96 {
            write!(f, "{}/{}", self.network, self.prefix_bits - 96)
        } else {
            write!(f, "{}/{}", self.network, self.prefix_bits)
        }
    }
}

fn mask(bytes: [u8; 16], prefix_bits: u8) -> [u8; 16] {
    let value = u128::from_be_bytes(bytes);
    let kept = if prefix_bits == 0 { 0 } else { u128::MAX << (128 - u32::from(prefix_bits.min(128))) };
    (value & kept).to_be_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(a: u8, b: u8, c: u8, d: u8) -> IpAddr16 {
        IpAddr16::from_v4([a, b, c, d])
    }

    #[test]
    fn ipv4_ranges_match_their_hosts_only() {
        let lan = Cidr::parse("147.32.0.0/16").unwrap();
        assert!(lan.contains(&v4(147, 32, 84, 165)));
        assert!(!lan.contains(&v4(147, 33, 0, 1)));
        let host = Cidr::parse("147.32.84.165").unwrap();
        assert!(host.contains(&v4(147, 32, 84, 165)));
        assert!(!host.contains(&v4(147, 32, 84, 166)));
        // Host bits in the text are ignored, as `ip route` does.
        assert_eq!(Cidr::parse("147.32.84.165/16").unwrap(), lan);
        assert_eq!(lan.to_string(), "147.32.0.0/16");
        let everything_v4 = Cidr::parse("0.0.0.0/0").unwrap();
        assert!(everything_v4.contains(&v4(8, 8, 8, 8)));
        assert!(!everything_v4.contains(&IpAddr16::from_v6([0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])));
    }

    #[test]
    fn ipv6_ranges() {
        let doc = Cidr::parse("2001:db8::/32").unwrap();
        assert!(doc.contains(&IpAddr16::from_v6([0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])));
        assert!(!doc.contains(&IpAddr16::from_v6([0x20, 1, 0xd, 0xb9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])));
        assert!(!doc.contains(&v4(32, 1, 13, 184)));
        assert!(Cidr::parse("::/0").unwrap().contains(&v4(1, 2, 3, 4)), "::/0 spans the mapped IPv4 space too");
    }

    #[test]
    fn bad_ranges_are_refused() {
        for text in ["147.32.0.0/33", "2001:db8::/129", "147.32.0/16", "", "lan", "10.0.0.0/-1"] {
            assert_eq!(Cidr::parse(text).unwrap_err().code, ErrorCode::BadOption, "{text}");
        }
    }
}
