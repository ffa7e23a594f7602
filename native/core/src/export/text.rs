//! Text forms of a record's protocol and addresses, shared by every writer.

use crate::record::{ip_protocol_name, Address, Protocol};

/// An address as flow files write it: dotted or colon IP, a MAC as `aa:bb:…`, or nothing.
pub fn address_text(address: &Address) -> String {
    match address {
        Address::Ip(ip) => ip.to_string(),
        Address::Mac(mac) => mac.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":"),
        Address::Unknown => String::new(),
    }
}

/// A protocol as Argus names it (`tcp`, `icmp`, …), its number when it has no name, or the
/// flow file's own name.
pub fn protocol_text(protocol: &Protocol) -> String {
    match protocol {
        Protocol::Ip(number) => ip_protocol_name(*number).map(str::to_string).unwrap_or_else(|| number.to_string()),
        Protocol::Named(name) => name.clone(),
    }
}
