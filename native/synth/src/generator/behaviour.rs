//! The kinds of traffic the generator makes, and their weights.

use std::ops::{Index, IndexMut};

/// One kind of session. Normal behaviours come from any LAN host; bot behaviours only from
/// the infected hosts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Behaviour {
    /// One TCP connection to a web server: handshake, 1 to a few request/response exchanges
    /// with think time, keep-alive idle, FIN (sometimes RST) teardown. A few are long-lived
    /// push connections with sparse exchanges over many minutes.
    Web,
    /// A UDP query and its response (sometimes unanswered and retried), to the LAN
    /// resolver or an outside server.
    Dns,
    /// One TCP bulk transfer of thousands of packets paced over 5 to 40 minutes, so it spans
    /// several 300-s windows.
    LongTransfer,
    /// One NTP request and response.
    Ntp,
    /// Other UDP: multicast/broadcast announcements (SSDP, mDNS, NetBIOS) or a QUIC-like
    /// stream to port 443.
    OtherUdp,
    /// A ping series: echo requests a second apart, answered or not.
    IcmpEcho,
    /// A bot's spam burst: many short SMTP connections to port 25 of many servers; many
    /// fail (RST, or no answer and SYN retransmissions), some are rejected at RCPT.
    Spam,
    /// A bot's command-and-control beaconing: short HTTP exchanges with one server at a
    /// regular period with jitter.
    Beacon,
    /// A bot's ICMP echo flood against one target, no replies, the ICMP id changing now and then.
    IcmpFlood,
    /// A bot's UDP flood against one target, a new source port on every packet.
    UdpFlood,
    /// A bot's TCP SYN scan: a LAN sweep, an outside sweep, or the ports of one host.
    SynScan,
}

impl Behaviour {
    pub const ALL: [Behaviour; 11] = [
        Behaviour::Web,
        Behaviour::Dns,
        Behaviour::LongTransfer,
        Behaviour::Ntp,
        Behaviour::OtherUdp,
        Behaviour::IcmpEcho,
        Behaviour::Spam,
        Behaviour::Beacon,
        Behaviour::IcmpFlood,
        Behaviour::UdpFlood,
        Behaviour::SynScan,
    ];
    pub const COUNT: usize = Behaviour::ALL.len();

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn name(self) -> &'static str {
        match self {
            Behaviour::Web => "web",
            Behaviour::Dns => "dns",
            Behaviour::LongTransfer => "long_transfer",
            Behaviour::Ntp => "ntp",
            Behaviour::OtherUdp => "other_udp",
            Behaviour::IcmpEcho => "icmp_echo",
            Behaviour::Spam => "spam",
            Behaviour::Beacon => "beacon",
            Behaviour::IcmpFlood => "icmp_flood",
            Behaviour::UdpFlood => "udp_flood",
            Behaviour::SynScan => "syn_scan",
        }
    }

    pub fn is_bot(self) -> bool {
        matches!(
            self,
            Behaviour::Spam | Behaviour::Beacon | Behaviour::IcmpFlood | Behaviour::UdpFlood | Behaviour::SynScan
        )
    }
}

/// One value per behaviour, indexed by [`Behaviour`].
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct PerBehaviour<T>(pub [T; Behaviour::COUNT]);

impl<T> Index<Behaviour> for PerBehaviour<T> {
    type Output = T;
    fn index(&self, behaviour: Behaviour) -> &T {
        &self.0[behaviour.index()]
    }
}

impl<T> IndexMut<Behaviour> for PerBehaviour<T> {
    fn index_mut(&mut self, behaviour: Behaviour) -> &mut T {
        &mut self.0[behaviour.index()]
    }
}

/// Relative rates at which sessions of each behaviour start. A session is one flow for most
/// behaviours, but a whole campaign for the bot ones (a spam burst of tens to hundreds of
/// connections, a beacon series of tens of beacons, a scan of hundreds of probes, a flood),
/// so small weights still give many bot flows. Only ratios matter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BehaviourMix {
    pub weights: PerBehaviour<f64>,
}

impl BehaviourMix {
    pub fn weight(&self, behaviour: Behaviour) -> f64 {
        self.weights[behaviour]
    }

    pub fn with(mut self, behaviour: Behaviour, weight: f64) -> Self {
        self.weights[behaviour] = weight;
        self
    }

    /// Only normal traffic: every bot weight set to zero.
    pub fn without_bots(mut self) -> Self {
        for behaviour in Behaviour::ALL {
            if behaviour.is_bot() {
                self.weights[behaviour] = 0.0;
            }
        }
        self
    }

    pub fn total(&self) -> f64 {
        self.weights.0.iter().sum()
    }

    pub fn has_bots(&self) -> bool {
        Behaviour::ALL.iter().any(|b| b.is_bot() && self.weights[*b] > 0.0)
    }
}

impl Default for BehaviourMix {
    /// Tuned so that, per hour, normal sessions make up the bulk of flows and bytes while
    /// every bot behaviour shows up several times (bot flows: a few percent of all flows).
    fn default() -> Self {
        let mut weights = PerBehaviour([0.0; Behaviour::COUNT]);
        weights[Behaviour::Web] = 40.0;
        weights[Behaviour::Dns] = 36.0;
        weights[Behaviour::LongTransfer] = 0.4;
        weights[Behaviour::Ntp] = 2.0;
        weights[Behaviour::OtherUdp] = 6.0;
        weights[Behaviour::IcmpEcho] = 1.5;
        weights[Behaviour::Spam] = 0.05;
        weights[Behaviour::Beacon] = 0.02;
        weights[Behaviour::IcmpFlood] = 0.003;
        weights[Behaviour::UdpFlood] = 0.003;
        weights[Behaviour::SynScan] = 0.01;
        BehaviourMix { weights }
    }
}
