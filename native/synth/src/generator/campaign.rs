//! Activities that start other activities: the arrival process of sessions, and the bot
//! campaigns made of many flows (spam bursts, beacon series, scans).

use flowhound_core::packet::IpAddr16;
use crate::generator::activity::{Step, StepContext};
use crate::generator::behaviour::{Behaviour, BehaviourMix};
use crate::generator::sessions;

/// Starts sessions at exponentially distributed intervals (a Poisson process), each of a
/// behaviour drawn by weight.
pub struct Arrivals {
    mean_gap_us: f64,
    cumulative_weights: [f64; Behaviour::COUNT],
}

impl Arrivals {
    pub fn new(mix: &BehaviourMix, sessions_per_s: f64) -> Self {
        let mut cumulative_weights = [0.0; Behaviour::COUNT];
        let mut sum = 0.0;
        for behaviour in Behaviour::ALL {
            sum += mix.weight(behaviour);
            cumulative_weights[behaviour.index()] = sum;
        }
        Arrivals { mean_gap_us: 1e6 / sessions_per_s, cumulative_weights }
    }

    pub fn step(&mut self, now_us: i64, context: &mut StepContext) -> Step {
        let total = self.cumulative_weights[Behaviour::COUNT - 1];
        let draw = context.rng.unit() * total;
        let behaviour = Behaviour::ALL
            .into_iter()
            .find(|b| draw < self.cumulative_weights[b.index()])
            .unwrap_or(Behaviour::Web);
        let session = sessions::start(behaviour, context);
        let gap_us = (context.rng.exponential(self.mean_gap_us) as i64).max(1);
        Step::spawn(now_us, session, Some(now_us + gap_us))
    }
}

#[derive(Clone, Copy, Debug)]
pub enum ScanTargets {
    /// Consecutive LAN addresses from a host index (many of them unused).
    LanSweep { next_index: u32 },
    /// Random outside addresses.
    OutsideSweep,
    /// The ports of one host, counting up from `next_port`.
    Ports { target: IpAddr16, exists: bool, next_port: u16 },
}

#[derive(Clone, Copy, Debug)]
pub enum CampaignKind {
    Spam { bot: u32, mean_gap_us: f64 },
    Beacon(sessions::BeaconPlan),
    Scan { bot: u32, targets: ScanTargets, port: u16, src_port: Option<u16>, gap_us: f64 },
}

pub struct Campaign {
    behaviour: Behaviour,
    kind: CampaignKind,
    left: u32,
}

impl Campaign {
    pub fn new(behaviour: Behaviour, kind: CampaignKind, flows: u32) -> Self {
        Campaign { behaviour, kind, left: flows.max(1) }
    }

    pub fn behaviour(&self) -> Behaviour {
        self.behaviour
    }

    pub fn step(&mut self, now_us: i64, context: &mut StepContext) -> Step {
        self.left -= 1;
        let (child, gap_us) = match &mut self.kind {
            CampaignKind::Spam { bot, mean_gap_us } => {
                (sessions::spam_attempt(*bot, context), context.rng.exponential(*mean_gap_us))
            }
            CampaignKind::Beacon(plan) => {
                let jitter = context.rng.uniform(1.0 - plan.jitter, 1.0 + plan.jitter);
                (sessions::beacon(plan, context), plan.period_us * jitter)
            }
            CampaignKind::Scan { bot, targets, port, src_port, gap_us } => {
                let (target, exists, probe_port) = match targets {
                    ScanTargets::LanSweep { next_index } => {
                        let index = *next_index;
                        *next_index = (index + 1) % crate::generator::address_plan::MAX_LAN_HOSTS;
                        (context.plan.lan_address(index, false), index < context.plan.hosts(), *port)
                    }
                    ScanTargets::OutsideSweep => (context.plan.random_public_v4(context.rng), true, *port),
                    ScanTargets::Ports { target, exists, next_port } => {
                        let probe_port = *next_port;
                        *next_port = next_port.wrapping_add(1).max(1);
                        (*target, *exists, probe_port)
                    }
                };
                let probe = sessions::scan_probe(*bot, target, exists, probe_port, *src_port, context);
                (probe, context.rng.uniform(0.5, 1.5) * *gap_us)
            }
        };
        let next_us = (self.left > 0).then(|| now_us + (gap_us as i64).max(1));
        Step::spawn(now_us, child, next_us)
    }
}
