//! Labels for flows rebuilt from packets: the labels sidecar (`OUT.labels.csv`, `crate::labels`) says which
//! labelled record each rebuilt flow came from. A windowed flow is a piece of one record;
//! it takes the label of the record with the same addresses, ports and protocol whose time
//! span overlaps it most, in either direction (a reader may take the other end as initiator).

use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

use crate::error::{FlowhoundError, Result};
use crate::labels::LabelsReader;
use crate::record::{Address, FlowRecord, Protocol};

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct LabelKey {
    protocol: u8,
    src: Address,
    src_port: Option<u16>,
    dst: Address,
    dst_port: Option<u16>,
}

struct Span {
    start_us: i64,
    last_us: i64,
    label: u32,
}

/// What the sidecar says of one flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LabelMatch<'a> {
    pub label: &'a str,
    /// The flow's initiator is the record's responder.
    pub reversed: bool,
    /// When the record the flow is a piece of started, µs.
    pub record_start_us: i64,
}

/// The sidecar in memory: about 60 bytes per record.
#[derive(Default)]
pub struct LabelIndex {
    spans: HashMap<LabelKey, Vec<Span>>,
    labels: Vec<String>,
    records: u64,
}

/// Pieces of a record may start up to this much before the record (the reader's and the
/// synthesizer's clocks agree to the microsecond; this only absorbs rounding).
const TOLERANCE_US: i64 = 1_000;

/// ICMP messages other than echoes have no id in Argus's records (a blank Dport), while the
/// packets synth writes for them carry id 0, which the engine reads: both mean "no id".
fn key_port(protocol: u8, port: Option<u16>) -> Option<u16> {
    match (protocol, port) {
        (1 | 58, None) => Some(0),
        _ => port,
    }
}

impl LabelKey {
    fn new(protocol: u8, src: Address, src_port: Option<u16>, dst: Address, dst_port: Option<u16>) -> LabelKey {
        LabelKey { protocol, src, src_port, dst, dst_port: key_port(protocol, dst_port) }
    }
}

impl LabelIndex {
    pub fn open(path: &Path) -> Result<LabelIndex> {
        let file = std::fs::File::open(path).map_err(|err| FlowhoundError::io(&err, path))?;
        Self::read(std::io::BufReader::with_capacity(1 << 20, file)).map_err(|error| error.in_file(path))
    }

    pub fn read(input: impl BufRead) -> Result<LabelIndex> {
        let mut reader = LabelsReader::new(input);
        let mut index = LabelIndex::default();
        let mut label_ids: HashMap<String, u32> = HashMap::new();
        while let Some(record) = reader.next_record()? {
            let key = LabelKey::new(record.proto, record.src_addr, record.src_port, record.dst_addr, record.dst_port);
            let next_id = index.labels.len() as u32;
            let id = *label_ids.entry(record.label).or_insert_with_key(|label| {
                index.labels.push(label.clone());
                next_id
            });
            index.spans.entry(key).or_default().push(Span { start_us: record.start_us, last_us: record.last_us, label: id });
            index.records += 1;
        }
        Ok(index)
    }

    pub fn records(&self) -> u64 {
        self.records
    }

    /// The label of the record `flow` is a piece of, if any.
    pub fn label_of(&self, flow: &FlowRecord) -> Option<&str> {
        self.find(flow).map(|found| found.label)
    }

    /// The record `flow` is a piece of: its label, and whether the piece runs the other way
    /// (its initiator is the record's responder; a label's `From-`/`To-` then names the other end).
    pub fn find(&self, flow: &FlowRecord) -> Option<LabelMatch<'_>> {
        let Protocol::Ip(protocol) = flow.protocol else { return None };
        let forward = LabelKey::new(protocol, flow.src_addr, flow.src_port, flow.dst_addr, flow.dst_port);
        let backward = LabelKey::new(protocol, flow.dst_addr, flow.dst_port, flow.src_addr, flow.src_port);
        let mut best: Option<(i64, &Span, bool)> = None;
        for (key, reversed) in [(forward, false), (backward, true)] {
            for span in self.spans.get(&key).into_iter().flatten() {
                let overlap = flow.last_us.min(span.last_us) - flow.start_us.max(span.start_us);
                if overlap >= -TOLERANCE_US && best.is_none_or(|(most, _, _)| overlap > most) {
                    best = Some((overlap, span, reversed));
                }
            }
        }
        best.map(|(_, span, reversed)| LabelMatch { label: self.labels[span.label as usize].as_str(), reversed, record_start_us: span.start_us })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use crate::labels::LABELS_HEADER;

    const SIDECAR: &str = "start_us,last_us,proto,src_addr,src_port,dst_addr,dst_port,state,total_pkts,total_bytes,src_bytes,label
1313675277983212,1313675277983409,udp,147.32.84.165,1025,147.32.80.9,53,CON,2,203,64,flow=From-Botnet-V52-1-UDP-DNS
1313675300000000,1313675900000000,tcp,147.32.84.165,1040,1.2.3.4,25,FSPA_FSPA,20,2000,1000,\"flow=Background, quoted\"
1313676000000000,1313676100000000,tcp,147.32.84.165,1040,1.2.3.4,25,S_RA,3,180,120,flow=From-Botnet-V52-SPAM
1313675575096282,1313675676100173,icmp,147.32.84.191,4352,147.32.96.69,,MAS,3979,4241614,4241614,flow=From-Botnet-V52-2-ICMP
";

    fn piece(src: [u8; 4], sport: u16, dst: [u8; 4], dport: u16, proto: u8, start_us: i64, last_us: i64) -> FlowRecord {
        FlowRecord { window_start_us: Some(0), protocol: Protocol::Ip(proto), ..FlowRecord::example_tcp(src, sport, dst, dport, start_us, last_us) }
    }

    #[test]
    fn pieces_find_their_record_in_either_direction_and_by_time() {
        let index = LabelIndex::read(SIDECAR.as_bytes()).unwrap();
        assert_eq!(index.records(), 4);
        // An address-mask request (type 17): no id in the record, id 0 on the wire.
        let mask_request = piece([147, 32, 84, 191], 17 << 8, [147, 32, 96, 69], 0, 1, 1313675600000000, 1313675610000000);
        assert_eq!(index.label_of(&mask_request), Some("flow=From-Botnet-V52-2-ICMP"));
        let dns = piece([147, 32, 84, 165], 1025, [147, 32, 80, 9], 53, 17, 1313675277983212, 1313675277983409);
        assert_eq!(index.label_of(&dns), Some("flow=From-Botnet-V52-1-UDP-DNS"));
        let reversed = piece([147, 32, 80, 9], 53, [147, 32, 84, 165], 1025, 17, 1313675277983300, 1313675277983409);
        assert_eq!(index.find(&reversed), Some(LabelMatch { label: "flow=From-Botnet-V52-1-UDP-DNS", reversed: true, record_start_us: 1_313_675_277_983_212 }));
        assert_eq!(index.find(&dns).map(|found| found.reversed), Some(false));
        // The same five-tuple twice: a piece of the long connection, then the later attempt.
        let early = piece([147, 32, 84, 165], 1040, [1, 2, 3, 4], 25, 6, 1313675450000000, 1313675600000000);
        assert_eq!(index.label_of(&early), Some("flow=Background, quoted"));
        let late = piece([147, 32, 84, 165], 1040, [1, 2, 3, 4], 25, 6, 1313676000000000, 1313676000500000);
        assert_eq!(index.label_of(&late), Some("flow=From-Botnet-V52-SPAM"));
        let stranger = piece([147, 32, 84, 166], 1040, [1, 2, 3, 4], 25, 6, 1313676000000000, 1313676000500000);
        assert_eq!(index.label_of(&stranger), None);
        let udp_not_tcp = piece([147, 32, 84, 165], 1040, [1, 2, 3, 4], 25, 17, 1313676000000000, 1313676000500000);
        assert_eq!(index.label_of(&udp_not_tcp), None);
    }

    #[test]
    fn a_wrong_file_is_refused_with_its_line() {
        let error = LabelIndex::read("StartTime,Dur,Proto\n".as_bytes()).err().unwrap();
        assert_eq!((error.code, error.location.line), (ErrorCode::LabelsBadRow, Some(1)));
        let cut = format!("{LABELS_HEADER}\n1,2,udp,1.2.3.4,1\n");
        let error = LabelIndex::read(cut.as_bytes()).err().unwrap();
        assert_eq!((error.code, error.location.line), (ErrorCode::LabelsBadRow, Some(2)));
        let bad_time = format!("{LABELS_HEADER}\nx,2,udp,1.2.3.4,1,5.6.7.8,2,CON,1,1,1,l\n");
        assert!(LabelIndex::read(bad_time.as_bytes()).err().unwrap().message.contains("field 1"));
        assert_eq!(LabelIndex::read("".as_bytes()).err().unwrap().code, ErrorCode::EmptyFile);
    }
}
