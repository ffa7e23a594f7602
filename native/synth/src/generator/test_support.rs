//! Runs activities to completion and collects their packets, for unit tests.

use std::net::Ipv4Addr;

use flowhound_core::error::Result;
use flowhound_core::packet::tcp_flag;
use crate::generator::activity::{Activity, Emitted, StepContext};
use crate::generator::address_plan::AddressPlan;
use crate::generator::app_payload::AppPayload;
use crate::generator::behaviour::Behaviour;
use crate::generator::flow_ends::{ephemeral_port, Endpoint, FlowEnds};
use crate::generator::scheduler::{PacketSink, Scheduler};
use crate::packet_builder::{PacketSpec, TransportSpec};
use crate::prng::Rng;

#[derive(Clone, Copy, Debug)]
pub struct Captured {
    pub ts_us: i64,
    pub spec: PacketSpec,
    pub app: AppPayload,
    pub starts_flow: bool,
    pub behaviour: Behaviour,
}

impl Captured {
    pub fn payload_len(&self) -> u32 {
        self.spec.wire_len - self.spec.headers_len() - self.spec.padding_len
    }

    pub fn tcp(&self) -> (u16, u16, u8, u32, u32) {
        match self.spec.transport {
            TransportSpec::Tcp { src_port, dst_port, flags, seq, ack, .. } => (src_port, dst_port, flags, seq, ack),
            other => panic!("not TCP: {other:?}"),
        }
    }

    pub fn tcp_flags(&self) -> u8 {
        self.tcp().2
    }

    pub fn is_syn_only(&self) -> bool {
        matches!(self.spec.transport, TransportSpec::Tcp { flags: tcp_flag::SYN, .. })
    }
}

struct Collect(Vec<Captured>);

impl PacketSink for Collect {
    fn packet(&mut self, ts_us: i64, packet: &Emitted, behaviour: Behaviour, _live_flows: u64) -> Result<bool> {
        self.0.push(Captured { ts_us, spec: packet.spec, app: packet.app, starts_flow: packet.starts_flow, behaviour });
        Ok(true)
    }
}

pub struct Harness {
    pub rng: Rng,
    pub plan: AddressPlan,
}

impl Harness {
    pub fn new(seed: u64) -> Self {
        let mut rng = Rng::from_seed(seed);
        let plan = AddressPlan::new(Ipv4Addr::new(10, 0, 0, 0), 100, 1_000, 2, &mut rng);
        Harness { rng, plan }
    }

    pub fn context(&mut self) -> StepContext<'_> {
        StepContext { rng: &mut self.rng, plan: &self.plan, writing: true, ipv6_fraction: 0.0 }
    }

    /// LAN host `client_host` on an ephemeral port to outside server `server_index`.
    pub fn ends(&mut self, client_host: u32, server_index: u32, server_port: u16) -> FlowEnds {
        let client_address = self.plan.lan_address(client_host, false);
        let server_address = self.plan.external_address(server_index, false);
        let client_port = ephemeral_port(&mut self.rng);
        let client = Endpoint::new(&self.plan, client_address, client_port, &mut self.rng);
        let server = Endpoint::new(&self.plan, server_address, server_port, &mut self.rng);
        FlowEnds::new(client, server, &mut self.rng)
    }

    /// Runs `activity` (and whatever it starts) from `start_us` to the end.
    pub fn run(&mut self, start_us: i64, activity: Activity) -> Vec<Captured> {
        let mut scheduler = Scheduler::new();
        scheduler.insert(start_us, activity);
        let mut sink = Collect(Vec::new());
        let mut context = self.context();
        scheduler.run(&mut context, i64::MIN, &mut sink).unwrap();
        let packets = sink.0;
        assert!(packets.windows(2).all(|pair| pair[0].ts_us <= pair[1].ts_us), "packets out of time order");
        packets
    }
}
