//! ICMP echo flows: a ping series (a request a second, answered or not) or a flood (requests
//! at a high rate, unanswered, the echo id changing every so often so that the flood spreads
//! over many flows, as Rbot's did in CTU-13 scenario 11).

use crate::generator::activity::{Emitted, FlowCounter, Step, StepContext};
use crate::generator::app_payload::AppPayload;
use crate::generator::behaviour::Behaviour;
use crate::generator::flow_ends::FlowEnds;
use crate::packet_builder::TransportSpec;

const ECHO_REQUEST_V4: u8 = 8;
const ECHO_REPLY_V4: u8 = 0;
const ECHO_REQUEST_V6: u8 = 128;
const ECHO_REPLY_V6: u8 = 129;

#[derive(Clone, Copy, Debug)]
pub struct IcmpSetup {
    pub behaviour: Behaviour,
    pub ends: FlowEnds,
    pub requests: u32,
    pub interval_us: i64,
    /// Chance that a request is answered (the reply comes `rtt_us` later).
    pub reply_chance: f64,
    pub rtt_us: i64,
    pub payload_bytes: u32,
    /// Requests sent under one echo id before a new id (a new flow) is taken.
    pub requests_per_id: u32,
    pub first_id: u16,
}

pub struct IcmpSeries {
    pub behaviour: Behaviour,
    setup: IcmpSetup,
    flow: FlowCounter,
    id: u16,
    seq: u16,
    sent: u32,
    reply_due: bool,
}

impl IcmpSeries {
    pub fn new(setup: IcmpSetup) -> Self {
        IcmpSeries {
            behaviour: setup.behaviour,
            setup,
            flow: FlowCounter::default(),
            id: setup.first_id,
            seq: 1,
            sent: 0,
            reply_due: false,
        }
    }

    pub fn step(&mut self, now_us: i64, context: &mut StepContext) -> Step {
        let v4 = self.setup.ends.client.address.is_v4();
        if self.reply_due {
            self.reply_due = false;
            let icmp_type = if v4 { ECHO_REPLY_V4 } else { ECHO_REPLY_V6 };
            let transport = TransportSpec::Icmp { icmp_type, icmp_code: 0, id: self.id, seq: self.seq };
            let spec = self.setup.ends.packet(false, transport, self.setup.payload_bytes);
            let packet = Emitted { spec, app: AppPayload::None, starts_flow: self.flow.first_written(context.writing) };
            self.seq = self.seq.wrapping_add(1);
            let next_us = (self.sent < self.setup.requests).then_some(now_us - self.setup.rtt_us + self.setup.interval_us);
            return Step::emit(packet, next_us);
        }
        if self.sent > 0 && self.sent.is_multiple_of(self.setup.requests_per_id.max(1)) {
            self.id = self.id.wrapping_add(1 + context.rng.below(1_000) as u16);
            self.seq = 1;
            self.flow.reset();
        }
        let icmp_type = if v4 { ECHO_REQUEST_V4 } else { ECHO_REQUEST_V6 };
        let transport = TransportSpec::Icmp { icmp_type, icmp_code: 0, id: self.id, seq: self.seq };
        let spec = self.setup.ends.packet(true, transport, self.setup.payload_bytes);
        let packet = Emitted { spec, app: AppPayload::None, starts_flow: self.flow.first_written(context.writing) };
        self.sent += 1;
        if context.rng.chance(self.setup.reply_chance) {
            self.reply_due = true;
            return Step::emit(packet, Some(now_us + self.setup.rtt_us));
        }
        self.seq = self.seq.wrapping_add(1);
        let next_us = (self.sent < self.setup.requests).then_some(now_us + self.setup.interval_us);
        Step::emit(packet, next_us)
    }
}
