//! Flow records as the `flows` command writes them, made natively: binetflow CSV text, or the
//! flow table's Arrow columns as typed arrays that apache-arrow takes as they are. Either way a
//! batch crosses N-API as a few buffers, never as a value per record.

use flowhound_core::export::{binetflow_header, BinetflowLayout, FlowArrowColumns, Nullable, Utf8Column, Validity};
use napi::bindgen_prelude::{BigInt64Array, Float64Array, Int16Array, Int32Array, Uint8Array};

/// Which columns follow the CTU-13 ones in binetflow CSV.
#[napi(object)]
#[derive(Clone, Copy)]
pub struct BinetflowCsvLayout {
    /// A Label column (flow-file inputs carry one).
    pub label: bool,
    /// SrcPkts and WindowStart (windowed packet flows).
    pub windowed: bool,
}

impl From<BinetflowCsvLayout> for BinetflowLayout {
    fn from(layout: BinetflowCsvLayout) -> Self {
        BinetflowLayout { label: layout.label, windowed: layout.windowed }
    }
}

/// The binetflow CSV header line (with its newline) for a layout.
#[napi]
pub fn binetflow_csv_header(layout: BinetflowCsvLayout) -> String {
    binetflow_header(layout.into())
}

/// A validity bitmap (bit set = value present) and its count of nulls.
#[napi(object)]
pub struct ArrowValidity {
    pub bitmap: Uint8Array,
    pub null_count: u32,
}

/// A Utf8 column: offsets into `data`; `validity` for nullable columns only.
#[napi(object)]
pub struct ArrowUtf8 {
    pub offsets: Int32Array,
    pub data: Uint8Array,
    pub validity: Option<ArrowValidity>,
}

#[napi(object)]
pub struct ArrowInt64 {
    pub values: BigInt64Array,
    pub validity: Option<ArrowValidity>,
}

#[napi(object)]
pub struct ArrowInt32 {
    pub values: Int32Array,
    pub validity: ArrowValidity,
}

#[napi(object)]
pub struct ArrowInt16 {
    pub values: Int16Array,
    pub validity: ArrowValidity,
}

/// A batch of flow records as the columns of the flow table's Arrow schema
/// (`src/sinks/arrow-flows.ts`), in its order, in Arrow's memory layout. Times are µs since the
/// epoch; a null slot holds 0 in 64-bit columns and -1 in the small integer ones.
#[napi(object)]
pub struct FlowArrowBatch {
    pub length: u32,
    pub window_start: ArrowInt64,
    pub start_time: ArrowInt64,
    pub last_time: ArrowInt64,
    pub duration_s: Float64Array,
    pub proto: ArrowUtf8,
    pub proto_number: ArrowInt16,
    pub src_addr: ArrowUtf8,
    pub src_port: ArrowInt32,
    pub dir: ArrowUtf8,
    pub dst_addr: ArrowUtf8,
    pub dst_port: ArrowInt32,
    pub state: ArrowUtf8,
    pub src_tos: ArrowInt16,
    pub dst_tos: ArrowInt16,
    pub total_pkts: ArrowInt64,
    pub total_bytes: ArrowInt64,
    pub src_bytes: ArrowInt64,
    pub src_pkts: ArrowInt64,
    pub src_payload_bytes: ArrowInt64,
    pub dst_payload_bytes: ArrowInt64,
    pub src_tcp_flags: Uint8Array,
    pub dst_tcp_flags: Uint8Array,
    pub label: ArrowUtf8,
}

fn validity(validity: Validity) -> ArrowValidity {
    ArrowValidity { bitmap: Uint8Array::new(validity.bitmap), null_count: validity.null_count as u32 }
}

fn utf8(column: Utf8Column) -> ArrowUtf8 {
    ArrowUtf8 { offsets: Int32Array::new(column.offsets), data: Uint8Array::new(column.data), validity: column.validity.map(validity) }
}

fn int64(values: Vec<i64>) -> ArrowInt64 {
    ArrowInt64 { values: BigInt64Array::new(values), validity: None }
}

fn nullable_int64(column: Nullable<i64>) -> ArrowInt64 {
    ArrowInt64 { values: BigInt64Array::new(column.values), validity: Some(validity(column.validity)) }
}

fn int32(column: Nullable<i32>) -> ArrowInt32 {
    ArrowInt32 { values: Int32Array::new(column.values), validity: validity(column.validity) }
}

fn int16(column: Nullable<i16>) -> ArrowInt16 {
    ArrowInt16 { values: Int16Array::new(column.values), validity: validity(column.validity) }
}

/// Moves the core's buffers into typed arrays (no copy).
pub fn flow_arrow_batch(columns: FlowArrowColumns) -> FlowArrowBatch {
    FlowArrowBatch {
        length: columns.length as u32,
        window_start: nullable_int64(columns.window_start_us),
        start_time: int64(columns.start_us),
        last_time: int64(columns.last_us),
        duration_s: Float64Array::new(columns.duration_s),
        proto: utf8(columns.proto),
        proto_number: int16(columns.proto_number),
        src_addr: utf8(columns.src_addr),
        src_port: int32(columns.src_port),
        dir: utf8(columns.dir),
        dst_addr: utf8(columns.dst_addr),
        dst_port: int32(columns.dst_port),
        state: utf8(columns.state),
        src_tos: int16(columns.src_tos),
        dst_tos: int16(columns.dst_tos),
        total_pkts: int64(columns.total_pkts),
        total_bytes: int64(columns.total_bytes),
        src_bytes: int64(columns.src_bytes),
        src_pkts: nullable_int64(columns.src_pkts),
        src_payload_bytes: nullable_int64(columns.src_payload_bytes),
        dst_payload_bytes: nullable_int64(columns.dst_payload_bytes),
        src_tcp_flags: Uint8Array::new(columns.src_tcp_flags),
        dst_tcp_flags: Uint8Array::new(columns.dst_tcp_flags),
        label: utf8(columns.label),
    }
}
