//! What the scheduler runs: an activity emits packets one at a time in its own time order,
//! may start child activities, and says when it next has something to do.

use crate::generator::address_plan::AddressPlan;
use crate::generator::app_payload::AppPayload;
use crate::generator::behaviour::Behaviour;
use crate::generator::campaign::{Arrivals, Campaign};
use crate::generator::icmp_series::IcmpSeries;
use crate::generator::tcp_conversation::TcpConversation;
use crate::generator::udp_exchange::UdpExchange;
use crate::generator::udp_flood::UdpFlood;
use crate::packet_builder::PacketSpec;
use crate::prng::Rng;

/// Shared state an activity may use while stepping.
pub struct StepContext<'a> {
    pub rng: &'a mut Rng,
    pub plan: &'a AddressPlan,
    /// Whether a packet emitted now will be written (false during warm-up): activities count
    /// a flow on the first packet that is written.
    pub writing: bool,
    /// Share of sessions that use IPv6 where the behaviour allows it.
    pub ipv6_fraction: f64,
}

/// A packet an activity emits.
pub struct Emitted {
    pub spec: PacketSpec,
    pub app: AppPayload,
    /// This is the first written packet of a flow: the generator counts the flow.
    pub starts_flow: bool,
}

/// The result of one step.
pub struct Step {
    pub packet: Option<Emitted>,
    /// A child activity and the time of its first step.
    pub spawn: Option<(i64, Activity)>,
    /// When this activity steps next; `None` when it is finished.
    pub next_us: Option<i64>,
}

impl Step {
    pub fn emit(packet: Emitted, next_us: Option<i64>) -> Step {
        Step { packet: Some(packet), spawn: None, next_us }
    }

    pub fn spawn(at_us: i64, child: Activity, next_us: Option<i64>) -> Step {
        Step { packet: None, spawn: Some((at_us, child)), next_us }
    }

    pub fn done() -> Step {
        Step { packet: None, spawn: None, next_us: None }
    }
}

/// Remembers whether a flow has been counted, so that each flow is counted once, on its
/// first written packet.
#[derive(Clone, Copy, Debug, Default)]
pub struct FlowCounter {
    counted: bool,
}

impl FlowCounter {
    /// True the first time it is asked while packets are being written.
    pub fn first_written(&mut self, writing: bool) -> bool {
        let first = writing && !self.counted;
        self.counted |= writing;
        first
    }

    /// The activity moved on to a new flow (new ports or ICMP id).
    pub fn reset(&mut self) {
        self.counted = false;
    }
}

pub enum Activity {
    Arrivals(Arrivals),
    Campaign(Campaign),
    Tcp(TcpConversation),
    Udp(UdpExchange),
    Icmp(IcmpSeries),
    UdpFlood(UdpFlood),
}

impl Activity {
    pub fn step(&mut self, now_us: i64, context: &mut StepContext) -> Step {
        match self {
            Activity::Arrivals(arrivals) => arrivals.step(now_us, context),
            Activity::Campaign(campaign) => campaign.step(now_us, context),
            Activity::Tcp(conversation) => conversation.step(now_us, context),
            Activity::Udp(exchange) => exchange.step(now_us, context),
            Activity::Icmp(series) => series.step(now_us, context),
            Activity::UdpFlood(flood) => flood.step(now_us, context),
        }
    }

    /// The behaviour its packets count for (`None` for the arrival process).
    pub fn behaviour(&self) -> Option<Behaviour> {
        match self {
            Activity::Arrivals(_) => None,
            Activity::Campaign(campaign) => Some(campaign.behaviour()),
            Activity::Tcp(conversation) => Some(conversation.behaviour),
            Activity::Udp(exchange) => Some(exchange.behaviour),
            Activity::Icmp(series) => Some(series.behaviour),
            Activity::UdpFlood(_) => Some(Behaviour::UdpFlood),
        }
    }

    /// Whether it is a flow (or a run of flows) that emits packets itself, rather than a
    /// process that starts other activities.
    pub fn is_flow(&self) -> bool {
        !matches!(self, Activity::Arrivals(_) | Activity::Campaign(_))
    }
}
