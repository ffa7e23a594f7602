//! The flow table's Arrow columns, in Arrow's memory layout, for a batch of records: the
//! binding hands each buffer to apache-arrow (`src/sinks/arrow-flows.ts`, which holds the
//! schema: names, types, nullability) without touching a value, and apache-arrow writes the IPC
//! file or stream. The columns here follow that schema's order; times are µs since the epoch.
//!
//! The buffers are those the JavaScript builder they replace made, so that files stay byte for
//! byte the same: a null slot holds 0 in 64-bit columns and -1 in the small integer ones.

use std::hash::Hash;

use crate::fast_hash::FastMap;
use crate::record::{FlowRecord, Protocol};

use super::text::{address_text, protocol_text};

/// A validity bitmap (bit `row % 8` of byte `row / 8` set when the row has a value) and the
/// number of nulls.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Validity {
    pub bitmap: Vec<u8>,
    pub null_count: usize,
}

impl Validity {
    fn with_rows(rows: usize) -> Self {
        Validity { bitmap: vec![0; rows.div_ceil(8)], null_count: 0 }
    }

    fn set(&mut self, row: usize, valid: bool) {
        if valid {
            self.bitmap[row >> 3] |= 1 << (row & 7);
        } else {
            self.null_count += 1;
        }
    }
}

/// A column of fixed-width values that may be null.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Nullable<T> {
    pub values: Vec<T>,
    pub validity: Validity,
}

impl<T> Nullable<T> {
    fn with_rows(rows: usize) -> Self {
        Nullable { values: Vec::with_capacity(rows), validity: Validity::with_rows(rows) }
    }

    fn push(&mut self, value: T, valid: bool) {
        self.validity.set(self.values.len(), valid);
        self.values.push(value);
    }
}

/// A Utf8 column: `offsets[row]..offsets[row + 1]` of `data` is the row's text; a validity
/// bitmap for nullable columns only.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Utf8Column {
    pub offsets: Vec<i32>,
    pub data: Vec<u8>,
    pub validity: Option<Validity>,
}

/// Builds a Utf8 column, making the text of each distinct value once.
struct Utf8Builder<K> {
    /// The flow tables' hash, not SipHash: a batch looks up two addresses a row.
    texts: FastMap<K, String>,
    column: Utf8Column,
    rows: usize,
}

impl<K: Hash + Eq> Utf8Builder<K> {
    fn new(rows: usize, nullable: bool) -> Self {
        let mut offsets = Vec::with_capacity(rows + 1);
        offsets.push(0);
        Utf8Builder {
            texts: FastMap::default(),
            column: Utf8Column { offsets, data: Vec::new(), validity: nullable.then(|| Validity::with_rows(rows)) },
            rows: 0,
        }
    }

    fn push(&mut self, key: Option<K>, render: impl FnOnce(&K) -> String) {
        let valid = key.is_some();
        if let Some(key) = key {
            let text = self.texts.entry(key).or_insert_with_key(render);
            self.column.data.extend_from_slice(text.as_bytes());
        }
        if let Some(validity) = &mut self.column.validity {
            validity.set(self.rows, valid);
        }
        self.column.offsets.push(self.column.data.len() as i32);
        self.rows += 1;
    }

    fn build(self) -> Utf8Column {
        self.column
    }
}

/// One batch of records as the columns of the flow table's Arrow schema, in its order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FlowArrowColumns {
    pub length: usize,
    /// `window_start`: null for whole-capture records and flow files.
    pub window_start_us: Nullable<i64>,
    pub start_us: Vec<i64>,
    pub last_us: Vec<i64>,
    pub duration_s: Vec<f64>,
    pub proto: Utf8Column,
    /// Null (-1) for protocols a flow file names that are not IP.
    pub proto_number: Nullable<i16>,
    pub src_addr: Utf8Column,
    pub src_port: Nullable<i32>,
    /// Unpadded (`->`, `<?>`, …).
    pub dir: Utf8Column,
    pub dst_addr: Utf8Column,
    pub dst_port: Nullable<i32>,
    pub state: Utf8Column,
    pub src_tos: Nullable<i16>,
    pub dst_tos: Nullable<i16>,
    pub total_pkts: Vec<i64>,
    pub total_bytes: Vec<i64>,
    pub src_bytes: Vec<i64>,
    pub src_pkts: Nullable<i64>,
    pub src_payload_bytes: Nullable<i64>,
    pub dst_payload_bytes: Nullable<i64>,
    pub src_tcp_flags: Vec<u8>,
    pub dst_tcp_flags: Vec<u8>,
    pub label: Utf8Column,
}

fn count(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

impl FlowArrowColumns {
    pub fn of(records: &[FlowRecord]) -> FlowArrowColumns {
        let rows = records.len();
        let mut window_start_us = Nullable::with_rows(rows);
        let mut start_us = Vec::with_capacity(rows);
        let mut last_us = Vec::with_capacity(rows);
        let mut duration_s = Vec::with_capacity(rows);
        let mut proto = Utf8Builder::new(rows, false);
        let mut proto_number = Nullable::with_rows(rows);
        let mut src_addr = Utf8Builder::new(rows, false);
        let mut src_port = Nullable::with_rows(rows);
        let mut dir = Utf8Builder::new(rows, false);
        let mut dst_addr = Utf8Builder::new(rows, false);
        let mut dst_port = Nullable::with_rows(rows);
        let mut state = Utf8Builder::new(rows, false);
        let mut src_tos = Nullable::with_rows(rows);
        let mut dst_tos = Nullable::with_rows(rows);
        let mut total_pkts = Vec::with_capacity(rows);
        let mut total_bytes = Vec::with_capacity(rows);
        let mut src_bytes = Vec::with_capacity(rows);
        let mut src_pkts = Nullable::with_rows(rows);
        let mut src_payload_bytes = Nullable::with_rows(rows);
        let mut dst_payload_bytes = Nullable::with_rows(rows);
        let mut src_tcp_flags = Vec::with_capacity(rows);
        let mut dst_tcp_flags = Vec::with_capacity(rows);
        let mut label = Utf8Builder::new(rows, true);

        let small = |value: Option<i32>| (value.unwrap_or(-1), value.is_some());
        for record in records {
            window_start_us.push(record.window_start_us.unwrap_or(0), record.window_start_us.is_some());
            start_us.push(record.start_us);
            last_us.push(record.last_us);
            // As the f64 arithmetic of the JavaScript it replaces: exact µs, one division.
            duration_s.push((record.last_us as f64 - record.start_us as f64) / 1e6);
            proto.push(Some(&record.protocol), |p| protocol_text(p));
            let number = match record.protocol {
                Protocol::Ip(number) => Some(i32::from(number)),
                Protocol::Named(_) => None,
            };
            let (value, valid) = small(number);
            proto_number.push(value as i16, valid);
            src_addr.push(Some(record.src_addr), address_text);
            let (value, valid) = small(record.src_port.map(i32::from));
            src_port.push(value, valid);
            dir.push(Some(record.direction), |d| d.as_str().to_string());
            dst_addr.push(Some(record.dst_addr), address_text);
            let (value, valid) = small(record.dst_port.map(i32::from));
            dst_port.push(value, valid);
            state.push(Some(record.state.as_str()), |s| s.to_string());
            let (value, valid) = small(record.src_tos.map(i32::from));
            src_tos.push(value as i16, valid);
            let (value, valid) = small(record.dst_tos.map(i32::from));
            dst_tos.push(value as i16, valid);
            total_pkts.push(count(record.total_pkts));
            total_bytes.push(count(record.total_bytes));
            src_bytes.push(count(record.src_bytes));
            src_pkts.push(record.src_pkts.map_or(0, count), record.src_pkts.is_some());
            src_payload_bytes.push(record.src_payload_bytes.map_or(0, count), record.src_payload_bytes.is_some());
            dst_payload_bytes.push(record.dst_payload_bytes.map_or(0, count), record.dst_payload_bytes.is_some());
            src_tcp_flags.push(record.src_tcp_flags);
            dst_tcp_flags.push(record.dst_tcp_flags);
            label.push(record.label.as_deref(), |l| l.to_string());
        }

        FlowArrowColumns {
            length: rows,
            window_start_us,
            start_us,
            last_us,
            duration_s,
            proto: proto.build(),
            proto_number,
            src_addr: src_addr.build(),
            src_port,
            dir: dir.build(),
            dst_addr: dst_addr.build(),
            dst_port,
            state: state.build(),
            src_tos,
            dst_tos,
            total_pkts,
            total_bytes,
            src_bytes,
            src_pkts,
            src_payload_bytes,
            dst_payload_bytes,
            src_tcp_flags,
            dst_tcp_flags,
            label: label.build(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::IpAddr16;
    use crate::record::{Address, Direction};

    fn record(label: Option<&str>, window_start_us: Option<i64>) -> FlowRecord {
        FlowRecord {
            window_start_us,
            start_us: 1_000_000,
            last_us: 3_500_000,
            protocol: Protocol::Ip(17),
            src_addr: Address::Ip(IpAddr16::from_v4([10, 0, 0, 1])),
            dst_addr: Address::Ip(IpAddr16::from_v4([10, 0, 0, 2])),
            src_port: Some(53),
            dst_port: None,
            direction: Direction::Both,
            state: "CON".to_string(),
            src_tos: None,
            dst_tos: Some(3),
            total_pkts: 2,
            total_bytes: 200,
            src_bytes: 80,
            src_pkts: None,
            src_payload_bytes: Some(40),
            dst_payload_bytes: None,
            src_tcp_flags: 0,
            dst_tcp_flags: 0,
            label: label.map(str::to_string),
        }
    }

    #[test]
    fn columns_in_arrow_layout_with_nulls_as_the_javascript_builder_had_them() {
        let columns = FlowArrowColumns::of(&[record(Some("flow=Background"), Some(0)), record(None, None), record(Some(""), None)]);
        assert_eq!(columns.length, 3);
        assert_eq!(columns.window_start_us, Nullable { values: vec![0, 0, 0], validity: Validity { bitmap: vec![0b001], null_count: 2 } });
        assert_eq!(columns.duration_s, vec![2.5; 3]);
        assert_eq!(columns.proto, Utf8Column { offsets: vec![0, 3, 6, 9], data: b"udpudpudp".to_vec(), validity: None });
        assert_eq!(columns.src_addr.offsets, vec![0, 8, 16, 24]);
        assert_eq!(columns.dst_port, Nullable { values: vec![-1; 3], validity: Validity { bitmap: vec![0], null_count: 3 } });
        assert_eq!(columns.src_tos.values, vec![-1; 3]);
        assert_eq!(columns.dst_tos, Nullable { values: vec![3; 3], validity: Validity { bitmap: vec![0b111], null_count: 0 } });
        assert_eq!(columns.dir.data, b"<-><-><->".to_vec());
        assert_eq!(columns.src_pkts.validity.null_count, 3);
        assert_eq!(columns.src_payload_bytes.values, vec![40; 3]);
        // An empty label is a value; a missing one is null.
        assert_eq!(
            columns.label,
            Utf8Column { offsets: vec![0, 15, 15, 15], data: b"flow=Background".to_vec(), validity: Some(Validity { bitmap: vec![0b101], null_count: 1 }) }
        );
    }
}
