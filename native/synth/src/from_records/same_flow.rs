//! Which rebuilt records a reader would count as one flow if their packets overlapped in
//! time: the same protocol, ends and ports (in either direction), and the same DNS id, echo
//! id and sequence number or ICMP type. Used to keep consecutive records of one flow apart
//! when Argus's 32-bit float `Dur` makes one end a few microseconds after the next starts.

use flowhound_core::packet::IpAddr16;

use super::record_plan::{ProtocolPlan, RecordPlan};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SameFlowKey {
    proto: u8,
    ends: [(IpAddr16, u16); 2],
    detail: [u16; 2],
}

impl SameFlowKey {
    pub fn of(plan: &RecordPlan) -> SameFlowKey {
        let (a, b) = ((plan.ends[0], plan.ports[0]), (plan.ends[1], plan.ports[1]));
        let ends = if a <= b { [a, b] } else { [b, a] };
        let detail = match &plan.protocol {
            ProtocolPlan::Tcp(_) | ProtocolPlan::Other => [0, 0],
            ProtocolPlan::Udp { dns_id } => [dns_id.unwrap_or(0), 0],
            ProtocolPlan::Icmp(icmp) => {
                let message = icmp.messages[0];
                [u16::from(message.icmp_type) << 8 | u16::from(message.icmp_code), icmp.id ^ icmp.seq.rotate_left(8)]
            }
        };
        SameFlowKey { proto: plan.proto, ends, detail }
    }
}
