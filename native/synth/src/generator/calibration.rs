//! Measures what an average session of each behaviour costs (packets, bytes on disk, flow
//! lifetime) by running sample sessions without writing them. The generator turns a
//! concurrency or duration target into a session rate with these figures; measuring keeps
//! that conversion right whenever the behaviour models change.

use flowhound_core::error::Result;
use crate::generator::activity::{Emitted, StepContext};
use crate::generator::behaviour::{Behaviour, BehaviourMix, PerBehaviour};
use crate::generator::scheduler::{PacketSink, Scheduler};
use crate::generator::sessions;
use crate::pcap_writer::RECORD_HEADER_LEN;

/// Sessions are sampled until a packet budget is spent: thousands of cheap sessions (so that
/// rare long-lived ones, such as web push channels, are represented), a few tens of costly ones.
const MAX_SESSIONS: u32 = 8_192;
const MIN_SESSIONS: u32 = 32;
const PACKET_BUDGET: u64 = 400_000;

/// Mean cost of one session of each behaviour.
#[derive(Clone, Copy, Debug, Default)]
pub struct SessionCosts {
    pub packets: PerBehaviour<f64>,
    /// Bytes the session's records take in a capture with the given snap length.
    pub disk_bytes: PerBehaviour<f64>,
    /// Sum over the session's flows of (last packet − first packet), in seconds: a session's
    /// contribution to the number of concurrently active flows, by Little's law.
    pub flow_seconds: PerBehaviour<f64>,
}

impl SessionCosts {
    /// Mean over the mix: (packets, disk bytes, flow-seconds) per session.
    pub fn mix_means(&self, mix: &BehaviourMix) -> (f64, f64, f64) {
        let total = mix.total();
        let mut means = (0.0, 0.0, 0.0);
        for behaviour in Behaviour::ALL {
            let share = mix.weight(behaviour) / total;
            means.0 += share * self.packets[behaviour];
            means.1 += share * self.disk_bytes[behaviour];
            means.2 += share * self.flow_seconds[behaviour];
        }
        means
    }
}

struct CostSink {
    snaplen: u32,
    packets: u64,
    disk_bytes: u64,
    flow_us: i64,
}

impl PacketSink for CostSink {
    fn packet(&mut self, _ts_us: i64, packet: &Emitted, _behaviour: Behaviour, _live_flows: u64) -> Result<bool> {
        self.packets += 1;
        self.disk_bytes += RECORD_HEADER_LEN + packet.spec.wire_len.min(self.snaplen) as u64;
        Ok(true)
    }

    fn flow_ended(&mut self, _behaviour: Behaviour, span_us: Option<(i64, i64)>) {
        if let Some((first, last)) = span_us {
            self.flow_us += last - first;
        }
    }
}

/// Runs sample sessions of every behaviour that has weight in `mix`.
pub fn measure(mix: &BehaviourMix, snaplen: u32, context: &mut StepContext) -> Result<SessionCosts> {
    let mut costs = SessionCosts::default();
    for behaviour in Behaviour::ALL {
        if mix.weight(behaviour) <= 0.0 {
            continue;
        }
        let mut sink = CostSink { snaplen, packets: 0, disk_bytes: 0, flow_us: 0 };
        let mut sessions_run = 0u32;
        while sessions_run < MAX_SESSIONS && (sessions_run < MIN_SESSIONS || sink.packets < PACKET_BUDGET) {
            let mut scheduler = Scheduler::new();
            scheduler.insert(0, sessions::start(behaviour, context));
            scheduler.run(context, 0, &mut sink)?;
            sessions_run += 1;
        }
        let runs = sessions_run as f64;
        costs.packets[behaviour] = sink.packets as f64 / runs;
        costs.disk_bytes[behaviour] = sink.disk_bytes as f64 / runs;
        costs.flow_seconds[behaviour] = sink.flow_us as f64 / 1e6 / runs;
    }
    Ok(costs)
}
