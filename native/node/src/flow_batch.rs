//! Flow records → a columnar batch of typed arrays. Low-cardinality and repeated text
//! (protocols, addresses, states, labels) is dictionary-encoded per batch, which maps directly
//! onto Arrow dictionary vectors and keeps the number of JavaScript strings small.

use std::collections::HashMap;
use std::hash::Hash;

use flowhound_core::export::{address_text, protocol_text};
use flowhound_core::record::{FlowRecord, Protocol};
use napi::bindgen_prelude::{Float64Array, Int16Array, Int32Array, Uint32Array, Uint8Array};

/// Code of a missing value in a dictionary column.
pub const NULL_CODE: u32 = u32::MAX;

#[napi(object)]
pub struct DictionaryColumn {
    /// Index into `values` per row; 4294967295 for a missing value.
    pub codes: Uint32Array,
    pub values: Vec<String>,
}

/// A batch of flow records, one typed array per column. Times are µs since the epoch
/// (exact in a double up to the year 2255). Missing numbers are NaN (floats) or -1 (ints).
#[napi(object)]
pub struct FlowBatch {
    pub length: u32,
    /// Start of the record's window; NaN for whole-capture records.
    pub window_start_us: Float64Array,
    pub start_us: Float64Array,
    pub last_us: Float64Array,
    pub proto: DictionaryColumn,
    /// IP protocol number; -1 for protocols named by a flow file that are not IP.
    pub proto_number: Int16Array,
    pub src_addr: DictionaryColumn,
    pub dst_addr: DictionaryColumn,
    pub src_port: Int32Array,
    pub dst_port: Int32Array,
    pub direction: DictionaryColumn,
    pub state: DictionaryColumn,
    pub src_tos: Int16Array,
    pub dst_tos: Int16Array,
    pub total_pkts: Float64Array,
    pub total_bytes: Float64Array,
    pub src_bytes: Float64Array,
    pub src_pkts: Float64Array,
    pub src_payload_bytes: Float64Array,
    pub dst_payload_bytes: Float64Array,
    pub src_tcp_flags: Uint8Array,
    pub dst_tcp_flags: Uint8Array,
    pub label: DictionaryColumn,
}

struct DictionaryBuilder<K> {
    index: HashMap<K, u32>,
    values: Vec<String>,
    codes: Vec<u32>,
}

impl<K: Hash + Eq> DictionaryBuilder<K> {
    fn with_capacity(rows: usize) -> Self {
        DictionaryBuilder { index: HashMap::new(), values: Vec::new(), codes: Vec::with_capacity(rows) }
    }

    fn push(&mut self, key: Option<K>, render: impl FnOnce(&K) -> String) {
        let code = match key {
            None => NULL_CODE,
            Some(key) => match self.index.get(&key) {
                Some(&code) => code,
                None => {
                    let code = self.values.len() as u32;
                    self.values.push(render(&key));
                    self.index.insert(key, code);
                    code
                }
            },
        };
        self.codes.push(code);
    }

    fn build(self) -> DictionaryColumn {
        DictionaryColumn { codes: Uint32Array::new(self.codes), values: self.values }
    }
}

fn optional_u64(value: Option<u64>) -> f64 {
    value.map(|v| v as f64).unwrap_or(f64::NAN)
}

pub fn build_flow_batch(records: &[FlowRecord]) -> FlowBatch {
    let rows = records.len();
    let mut window_start_us = Vec::with_capacity(rows);
    let mut start_us = Vec::with_capacity(rows);
    let mut last_us = Vec::with_capacity(rows);
    let mut proto = DictionaryBuilder::with_capacity(rows);
    let mut proto_number = Vec::with_capacity(rows);
    let mut src_addr = DictionaryBuilder::with_capacity(rows);
    let mut dst_addr = DictionaryBuilder::with_capacity(rows);
    let mut src_port = Vec::with_capacity(rows);
    let mut dst_port = Vec::with_capacity(rows);
    let mut direction = DictionaryBuilder::with_capacity(rows);
    let mut state = DictionaryBuilder::with_capacity(rows);
    let mut src_tos = Vec::with_capacity(rows);
    let mut dst_tos = Vec::with_capacity(rows);
    let mut total_pkts = Vec::with_capacity(rows);
    let mut total_bytes = Vec::with_capacity(rows);
    let mut src_bytes = Vec::with_capacity(rows);
    let mut src_pkts = Vec::with_capacity(rows);
    let mut src_payload_bytes = Vec::with_capacity(rows);
    let mut dst_payload_bytes = Vec::with_capacity(rows);
    let mut src_tcp_flags = Vec::with_capacity(rows);
    let mut dst_tcp_flags = Vec::with_capacity(rows);
    let mut label = DictionaryBuilder::with_capacity(rows);

    for record in records {
        window_start_us.push(record.window_start_us.map(|t| t as f64).unwrap_or(f64::NAN));
        start_us.push(record.start_us as f64);
        last_us.push(record.last_us as f64);
        proto.push(Some(&record.protocol), |p| protocol_text(p));
        proto_number.push(match record.protocol {
            Protocol::Ip(number) => number as i16,
            Protocol::Named(_) => -1,
        });
        src_addr.push(Some(record.src_addr), address_text);
        dst_addr.push(Some(record.dst_addr), address_text);
        src_port.push(record.src_port.map(i32::from).unwrap_or(-1));
        dst_port.push(record.dst_port.map(i32::from).unwrap_or(-1));
        direction.push(Some(record.direction), |d| d.as_str().to_string());
        state.push(Some(record.state.as_str()), |s| s.to_string());
        src_tos.push(record.src_tos.map(i16::from).unwrap_or(-1));
        dst_tos.push(record.dst_tos.map(i16::from).unwrap_or(-1));
        total_pkts.push(record.total_pkts as f64);
        total_bytes.push(record.total_bytes as f64);
        src_bytes.push(record.src_bytes as f64);
        src_pkts.push(optional_u64(record.src_pkts));
        src_payload_bytes.push(optional_u64(record.src_payload_bytes));
        dst_payload_bytes.push(optional_u64(record.dst_payload_bytes));
        src_tcp_flags.push(record.src_tcp_flags);
        dst_tcp_flags.push(record.dst_tcp_flags);
        label.push(record.label.as_deref(), |l| l.to_string());
    }

    FlowBatch {
        length: rows as u32,
        window_start_us: Float64Array::new(window_start_us),
        start_us: Float64Array::new(start_us),
        last_us: Float64Array::new(last_us),
        proto: proto.build(),
        proto_number: Int16Array::new(proto_number),
        src_addr: src_addr.build(),
        dst_addr: dst_addr.build(),
        src_port: Int32Array::new(src_port),
        dst_port: Int32Array::new(dst_port),
        direction: direction.build(),
        state: state.build(),
        src_tos: Int16Array::new(src_tos),
        dst_tos: Int16Array::new(dst_tos),
        total_pkts: Float64Array::new(total_pkts),
        total_bytes: Float64Array::new(total_bytes),
        src_bytes: Float64Array::new(src_bytes),
        src_pkts: Float64Array::new(src_pkts),
        src_payload_bytes: Float64Array::new(src_payload_bytes),
        dst_payload_bytes: Float64Array::new(dst_payload_bytes),
        src_tcp_flags: Uint8Array::new(src_tcp_flags),
        dst_tcp_flags: Uint8Array::new(dst_tcp_flags),
        label: label.build(),
    }
}
