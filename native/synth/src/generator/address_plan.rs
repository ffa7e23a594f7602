//! Who is who: LAN hosts, servers outside, the infected hosts, the C&C servers, and how a
//! packet from each looks at the capture point (MAC, TTL).

use std::net::Ipv4Addr;

use flowhound_core::packet::IpAddr16;
use crate::packet_builder::mac_from_ip;
use crate::prng::{mix64, Rng};

/// The largest number of LAN hosts in one /16 (third octet 0..=255, fourth 1..=254).
pub const MAX_LAN_HOSTS: u32 = 256 * 254;

/// LAN IPv6 prefix (a ULA /64); the host index fills the last four bytes.
const LAN_V6_PREFIX: [u8; 8] = [0xfd, 0x66, 0x6c, 0x6f, 0x77, 0x68, 0x00, 0x01];
/// Outside IPv6 addresses live in the documentation prefix 2001:db8::/32.
const EXTERNAL_V6_PREFIX: [u8; 4] = [0x20, 0x01, 0x0d, 0xb8];

/// Index of the LAN's DNS resolver among the hosts.
pub const RESOLVER_HOST: u32 = 0;
/// Index of the LAN's file server (target of some long transfers).
pub const FILE_SERVER_HOST: u32 = 1;

pub struct AddressPlan {
    lan_prefix: [u8; 2],
    hosts: u32,
    external_hosts: u32,
    key: u64,
    /// First octets allowed for outside addresses: public unicast /8s only.
    public_first_octets: Vec<u8>,
    infected: Vec<u32>,
    cc_servers: Vec<u32>,
    gateway_mac: [u8; 6],
}

impl AddressPlan {
    pub fn new(lan_network: Ipv4Addr, hosts: u32, external_hosts: u32, infected_count: u32, rng: &mut Rng) -> Self {
        let [a, b, _, _] = lan_network.octets();
        let lan_prefix = [a, b];
        // Whole /8s that hold private, shared, loopback, link-local or documentation space
        // are left out, and so is the LAN's own /8.
        let public_first_octets: Vec<u8> = (1..=223u8)
            .filter(|octet| ![10, 100, 127, 169, 172, 192, 198, 203, a].contains(octet))
            .collect();
        let key = rng.next_u64();
        let clients = client_range(hosts);
        let mut infected: Vec<u32> = Vec::new();
        let wanted = infected_count.min(clients.1 - clients.0);
        // Draw distinct clients; the loop ends because `wanted` never exceeds the clients.
        while (infected.len() as u32) < wanted {
            let candidate = clients.0 + rng.below((clients.1 - clients.0) as u64) as u32;
            if !infected.contains(&candidate) {
                infected.push(candidate);
            }
        }
        infected.sort_unstable();
        let cc_servers = (0..3).map(|_| rng.below(external_hosts as u64) as u32).collect();
        let gateway = IpAddr16::from_v4([a, b, 255, 254]);
        AddressPlan {
            lan_prefix,
            hosts,
            external_hosts,
            key,
            public_first_octets,
            infected,
            cc_servers,
            gateway_mac: mac_from_ip(&gateway),
        }
    }

    pub fn hosts(&self) -> u32 {
        self.hosts
    }

    pub fn infected(&self) -> &[u32] {
        &self.infected
    }

    pub fn cc_servers(&self) -> &[u32] {
        &self.cc_servers
    }

    /// Address of LAN host `index` (0-based): prefix.(index / 254).(index % 254 + 1).
    pub fn lan_address(&self, index: u32, ipv6: bool) -> IpAddr16 {
        if ipv6 {
            let mut bytes = [0u8; 16];
            bytes[..8].copy_from_slice(&LAN_V6_PREFIX);
            bytes[12..].copy_from_slice(&(index + 1).to_be_bytes());
            IpAddr16::from_v6(bytes)
        } else {
            IpAddr16::from_v4([self.lan_prefix[0], self.lan_prefix[1], (index / 254) as u8, (index % 254 + 1) as u8])
        }
    }

    /// The LAN's IPv4 broadcast address.
    pub fn lan_broadcast(&self) -> IpAddr16 {
        IpAddr16::from_v4([self.lan_prefix[0], self.lan_prefix[1], 255, 255])
    }

    /// Address of outside host `index`: a fixed pseudo-random public address.
    pub fn external_address(&self, index: u32, ipv6: bool) -> IpAddr16 {
        let hash = mix64(self.key ^ index as u64);
        if ipv6 {
            let mut bytes = [0u8; 16];
            bytes[..4].copy_from_slice(&EXTERNAL_V6_PREFIX);
            bytes[8..].copy_from_slice(&hash.to_be_bytes());
            IpAddr16::from_v6(bytes)
        } else {
            self.public_v4(hash)
        }
    }

    /// A public IPv4 address outside the pool (scan and flood targets).
    pub fn random_public_v4(&self, rng: &mut Rng) -> IpAddr16 {
        self.public_v4(rng.next_u64())
    }

    fn public_v4(&self, hash: u64) -> IpAddr16 {
        let first = self.public_first_octets[(hash % self.public_first_octets.len() as u64) as usize];
        let rest = (hash >> 32) as u32;
        let mut last = rest as u8;
        if last == 0 || last == 255 {
            last = 1 + (rest >> 8) as u8 % 254;
        }
        IpAddr16::from_v4([first, (rest >> 24) as u8, (rest >> 16) as u8, last])
    }

    pub fn is_lan(&self, address: &IpAddr16) -> bool {
        if address.is_v4() {
            address.0[12] == self.lan_prefix[0] && address.0[13] == self.lan_prefix[1]
        } else {
            address.0[..8] == LAN_V6_PREFIX
        }
    }

    /// A LAN host that starts normal traffic: a few busy hosts, many quiet ones.
    pub fn pick_client(&self, rng: &mut Rng) -> u32 {
        let (first, end) = client_range(self.hosts);
        first + rng.skewed_index((end - first) as u64, 2) as u32
    }

    /// A popular outside server (web, DNS, NTP): strongly skewed, as a few big sites get
    /// most of the traffic.
    pub fn pick_popular_external(&self, rng: &mut Rng) -> u32 {
        rng.skewed_index(self.external_hosts as u64, 3) as u32
    }

    /// Any outside host, uniformly (spam targets, flood victims).
    pub fn pick_any_external(&self, rng: &mut Rng) -> u32 {
        rng.below(self.external_hosts as u64) as u32
    }

    pub fn pick_infected(&self, rng: &mut Rng) -> u32 {
        self.infected[rng.below(self.infected.len() as u64) as usize]
    }

    /// Source MAC of frames from `address` as a mirror port sees them: LAN hosts their own,
    /// everything outside the router's.
    pub fn mac_for(&self, address: &IpAddr16) -> [u8; 6] {
        let multicast = if address.is_v4() { address.0[12] >= 224 } else { address.0[0] == 0xff };
        if *address == self.lan_broadcast() {
            [0xff; 6]
        } else if multicast || self.is_lan(address) {
            mac_from_ip(address)
        } else {
            self.gateway_mac
        }
    }

    /// TTL of packets from `address` at the capture point: the sender's initial TTL (64 or
    /// 128, 255 for some routers) less the hops on the way for outside hosts.
    pub fn ttl_for(&self, address: &IpAddr16) -> u8 {
        let hash = mix64(self.key ^ u64::from_le_bytes(address.0[8..].try_into().unwrap_or([0; 8])));
        let initial: u8 = match hash % 10 {
            0..=5 => 64,
            6..=8 => 128,
            _ => 255,
        };
        if self.is_lan(address) {
            if initial == 255 {
                64
            } else {
                initial
            }
        } else {
            initial - (6 + ((hash >> 8) % 20) as u8)
        }
    }
}

/// Hosts that start normal traffic: all but the resolver and file server when there are
/// enough hosts.
fn client_range(hosts: u32) -> (u32, u32) {
    if hosts > 2 {
        (2, hosts)
    } else {
        (0, hosts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lan_and_outside_addresses_are_told_apart_and_outside_ones_are_public() {
        let mut rng = Rng::from_seed(1);
        let plan = AddressPlan::new(Ipv4Addr::new(192, 168, 0, 0), 600, 5000, 6, &mut rng);
        assert_eq!(plan.lan_address(0, false).to_string(), "192.168.0.1");
        assert_eq!(plan.lan_address(254, false).to_string(), "192.168.1.1");
        assert_eq!(plan.lan_address(599, false).to_string(), "192.168.2.92");
        assert!(plan.is_lan(&plan.lan_address(599, true)));
        for index in 0..5000 {
            let address = plan.external_address(index, false);
            assert!(!plan.is_lan(&address));
            match address.to_std() {
                std::net::IpAddr::V4(v4) => {
                    assert!(!v4.is_private() && !v4.is_loopback() && !v4.is_multicast() && !v4.is_broadcast(), "{v4}");
                    assert!(v4.octets()[3] != 0 && v4.octets()[3] != 255);
                }
                _ => panic!("not IPv4"),
            }
            assert!(!plan.is_lan(&plan.external_address(index, true)));
        }
        assert_eq!(plan.infected().len(), 6);
        assert!(plan.infected().iter().all(|&host| (2..600).contains(&host)));
        assert_eq!(plan.mac_for(&plan.lan_address(5, false)), [2, 0, 192, 168, 0, 6]);
        assert_eq!(plan.mac_for(&plan.external_address(5, false)), [2, 0, 192, 168, 255, 254]);
    }

    #[test]
    fn ttls_are_plausible() {
        let mut rng = Rng::from_seed(2);
        let plan = AddressPlan::new(Ipv4Addr::new(10, 0, 0, 0), 300, 1000, 1, &mut rng);
        for index in 0..300 {
            assert!([64, 128].contains(&plan.ttl_for(&plan.lan_address(index, false))));
        }
        for index in 0..1000 {
            let ttl = plan.ttl_for(&plan.external_address(index, false));
            assert!((64 - 25..64).contains(&ttl) || (128 - 25..128).contains(&ttl) || (255 - 25..255).contains(&ttl));
        }
    }
}
