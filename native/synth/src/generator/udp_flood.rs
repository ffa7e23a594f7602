//! A UDP flood: datagrams of one size from a bot to one target at a fixed rate, each from a
//! new source port, so that every datagram is a flow of its own.

use crate::generator::activity::{Emitted, Step, StepContext};
use crate::generator::app_payload::AppPayload;
use crate::generator::flow_ends::{ephemeral_port, FlowEnds};
use crate::packet_builder::TransportSpec;

pub struct UdpFlood {
    ends: FlowEnds,
    packets_left: u32,
    interval_us: i64,
    payload_bytes: u32,
    /// Fixed destination port, or `None` for a random port per datagram.
    dst_port: Option<u16>,
}

impl UdpFlood {
    pub fn new(ends: FlowEnds, packets: u32, interval_us: i64, payload_bytes: u32, dst_port: Option<u16>) -> Self {
        UdpFlood { ends, packets_left: packets, interval_us, payload_bytes, dst_port }
    }

    pub fn step(&mut self, now_us: i64, context: &mut StepContext) -> Step {
        let src_port = ephemeral_port(context.rng);
        let dst_port = self.dst_port.unwrap_or_else(|| 1 + context.rng.below(65_535) as u16);
        let spec = self.ends.packet(true, TransportSpec::Udp { src_port, dst_port }, self.payload_bytes);
        let packet = Emitted { spec, app: AppPayload::None, starts_flow: context.writing };
        self.packets_left -= 1;
        Step::emit(packet, (self.packets_left > 0).then_some(now_us + self.interval_us))
    }
}
