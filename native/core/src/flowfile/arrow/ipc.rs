//! Arrow IPC metadata (format/Message.fbs, Schema.fbs, File.fbs of the Arrow specification),
//! read into plain structs: the schema, record batch and dictionary batch headers, the file
//! footer. Field ids below are the order of the fields in those .fbs files.

use super::flatbuffer::{read_i32, read_i64, FbResult, Table};

/// Nesting deeper than this is refused: a damaged file must not recurse without end.
const MAX_FIELD_DEPTH: usize = 32;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeUnit {
    Second,
    Millisecond,
    Microsecond,
    Nanosecond,
}

/// The types a flow table's columns can have, and enough of the others to skip them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArrowType {
    Null,
    Int { bits: u8, signed: bool },
    Float { bits: u8 },
    Utf8,
    LargeUtf8,
    Utf8View,
    Timestamp(TimeUnit),
    /// Any other type, by its `Type` union tag, with the number of buffers it has in a batch.
    Other { tag: u8, name: &'static str, buffers: usize },
    /// `BinaryView`: like `Utf8View`, its data buffers are counted by the batch.
    BinaryView,
}

impl ArrowType {
    pub fn describe(&self) -> String {
        match self {
            ArrowType::Null => "null".into(),
            ArrowType::Int { bits, signed: true } => format!("int{bits}"),
            ArrowType::Int { bits, signed: false } => format!("uint{bits}"),
            ArrowType::Float { bits } => format!("float{bits}"),
            ArrowType::Utf8 => "utf8".into(),
            ArrowType::LargeUtf8 => "large_utf8".into(),
            ArrowType::Utf8View => "utf8_view".into(),
            ArrowType::BinaryView => "binary_view".into(),
            ArrowType::Timestamp(unit) => format!("timestamp[{unit:?}]").to_lowercase(),
            ArrowType::Other { name, .. } => (*name).into(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DictionaryEncoding {
    pub id: i64,
    pub index: ArrowType,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub data_type: ArrowType,
    pub dictionary: Option<DictionaryEncoding>,
    pub children: Vec<Field>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Schema {
    pub fields: Vec<Field>,
}

/// A record batch header: per field (depth first) its length and null count, the body's
/// buffers, and how many data buffers each view-typed field has.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordBatchHeader {
    pub length: i64,
    pub nodes: Vec<(i64, i64)>,
    pub buffers: Vec<(i64, i64)>,
    /// How each buffer of the body is compressed, when it is (`BodyCompression`).
    pub compression: Option<Codec>,
    pub variadic_buffer_counts: Vec<i64>,
}

/// `CompressionType` of Message.fbs: the codec of every buffer of a compressed body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Codec {
    Lz4Frame,
    Zstd,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MessageHeader {
    Schema(Schema),
    RecordBatch(RecordBatchHeader),
    DictionaryBatch { id: i64, data: RecordBatchHeader, is_delta: bool },
    /// Tensors and the like: not part of a table.
    Other(u8),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// MetadataVersion: V4 = 3, V5 = 4.
    pub version: i16,
    pub header: MessageHeader,
    pub body_length: i64,
}

/// One entry of the file footer: where a message is and how long its parts are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Block {
    pub offset: i64,
    pub metadata_length: i32,
    pub body_length: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Footer {
    pub schema: Schema,
    pub dictionaries: Vec<Block>,
    pub record_batches: Vec<Block>,
}

pub fn parse_message(buf: &[u8]) -> FbResult<Message> {
    let message = Table::root(buf)?;
    let version = message.i16(0, 0)?;
    let header_type = message.u8(1, 0)?;
    let header_table = message.table(2)?;
    let body_length = message.i64(3, 0)?;
    let header = match (header_type, header_table) {
        (1, Some(table)) => MessageHeader::Schema(parse_schema(&table)?),
        (3, Some(table)) => MessageHeader::RecordBatch(parse_record_batch(&table)?),
        (2, Some(table)) => MessageHeader::DictionaryBatch {
            id: table.i64(0, 0)?,
            data: parse_record_batch(&table.table(1)?.ok_or("dictionary batch without data")?)?,
            is_delta: table.bool(2)?,
        },
        (1..=3, None) => return Err("message without its header"),
        (other, _) => MessageHeader::Other(other),
    };
    Ok(Message { version, header, body_length })
}

pub fn parse_footer(buf: &[u8]) -> FbResult<Footer> {
    let footer = Table::root(buf)?;
    let schema = parse_schema(&footer.table(1)?.ok_or("file footer without a schema")?)?;
    let blocks = |id: usize| -> FbResult<Vec<Block>> {
        let Some(vector) = footer.vector(id, 24)? else { return Ok(Vec::new()) };
        (0..vector.len())
            .map(|i| {
                let bytes = vector.element(i);
                Ok(Block { offset: read_i64(bytes, 0)?, metadata_length: read_i32(bytes, 8)?, body_length: read_i64(bytes, 16)? })
            })
            .collect()
    };
    Ok(Footer { schema, dictionaries: blocks(2)?, record_batches: blocks(3)? })
}

fn parse_schema(schema: &Table) -> FbResult<Schema> {
    if schema.i16(0, 0)? != 0 {
        return Err("big-endian Arrow data is not supported");
    }
    Ok(Schema { fields: parse_fields(schema, 1, 0)? })
}

fn parse_fields(table: &Table, id: usize, depth: usize) -> FbResult<Vec<Field>> {
    if depth > MAX_FIELD_DEPTH {
        return Err("fields nested too deep");
    }
    let Some(vector) = table.vector(id, 4)? else { return Ok(Vec::new()) };
    (0..vector.len()).map(|i| parse_field(&vector.table(i)?, depth)).collect()
}

fn parse_field(field: &Table, depth: usize) -> FbResult<Field> {
    let name = field.string(0)?.unwrap_or_default().to_string();
    let data_type = parse_type(field.u8(2, 0)?, field.table(3)?)?;
    let dictionary = match field.table(4)? {
        Some(encoding) => Some(DictionaryEncoding {
            id: encoding.i64(0, 0)?,
            // No index type means int32.
            index: match encoding.table(1)? {
                Some(int) => int_type(&int)?,
                None => ArrowType::Int { bits: 32, signed: true },
            },
        }),
        None => None,
    };
    Ok(Field { name, data_type, dictionary, children: parse_fields(field, 5, depth + 1)? })
}

fn int_type(int: &Table) -> FbResult<ArrowType> {
    let bits = int.i32(0, 0)?;
    if ![8, 16, 32, 64].contains(&bits) {
        return Err("integer type of an unknown width");
    }
    Ok(ArrowType::Int { bits: bits as u8, signed: int.bool(1)? })
}

/// The `Type` union of Schema.fbs.
fn parse_type(tag: u8, table: Option<Table>) -> FbResult<ArrowType> {
    let other = |name: &'static str, buffers: usize| Ok(ArrowType::Other { tag, name, buffers });
    match tag {
        1 => Ok(ArrowType::Null),
        2 => int_type(&table.ok_or("integer type without its table")?),
        3 => match table.map(|t| t.i16(0, 0)).transpose()? {
            Some(1) => Ok(ArrowType::Float { bits: 32 }),
            Some(2) => Ok(ArrowType::Float { bits: 64 }),
            _ => other("float16", 2),
        },
        4 => other("binary", 3),
        5 => Ok(ArrowType::Utf8),
        6 => other("bool", 2),
        7 => other("decimal", 2),
        8 => other("date", 2),
        9 => other("time", 2),
        10 => {
            let unit = match table.map(|t| t.i16(0, 0)).transpose()?.unwrap_or(0) {
                0 => TimeUnit::Second,
                1 => TimeUnit::Millisecond,
                2 => TimeUnit::Microsecond,
                3 => TimeUnit::Nanosecond,
                _ => return Err("timestamp of an unknown unit"),
            };
            Ok(ArrowType::Timestamp(unit))
        }
        11 => other("interval", 2),
        12 => other("list", 2),
        13 => other("struct", 1),
        // Union: sparse has type ids only, dense also offsets (no validity since V5).
        14 => other("union", if table.map(|t| t.i16(0, 0)).transpose()? == Some(1) { 2 } else { 1 }),
        15 => other("fixed_size_binary", 2),
        16 => other("fixed_size_list", 1),
        17 => other("map", 2),
        18 => other("duration", 2),
        19 => other("large_binary", 3),
        20 => Ok(ArrowType::LargeUtf8),
        21 => other("large_list", 2),
        22 => other("run_end_encoded", 0),
        23 => Ok(ArrowType::BinaryView),
        24 => Ok(ArrowType::Utf8View),
        25 => other("list_view", 3),
        26 => other("large_list_view", 3),
        _ => Err("unknown Arrow type"),
    }
}

fn parse_record_batch(batch: &Table) -> FbResult<RecordBatchHeader> {
    let pairs = |id: usize| -> FbResult<Vec<(i64, i64)>> {
        let Some(vector) = batch.vector(id, 16)? else { return Ok(Vec::new()) };
        (0..vector.len()).map(|i| Ok((read_i64(vector.element(i), 0)?, read_i64(vector.element(i), 8)?))).collect()
    };
    let variadic_buffer_counts = match batch.vector(4, 8)? {
        Some(vector) => (0..vector.len()).map(|i| read_i64(vector.element(i), 0)).collect::<FbResult<_>>()?,
        None => Vec::new(),
    };
    Ok(RecordBatchHeader {
        length: batch.i64(0, 0)?,
        nodes: pairs(1)?,
        buffers: pairs(2)?,
        compression: match batch.table(3)? {
            None => None,
            Some(compression) => {
                // BodyCompressionMethod: BUFFER (0), each buffer on its own, is the only one.
                if compression.u8(1, 0)? != 0 {
                    return Err("a body compression method other than BUFFER");
                }
                match compression.u8(0, 0)? {
                    0 => Some(Codec::Lz4Frame),
                    1 => Some(Codec::Zstd),
                    _ => return Err("a body compression codec other than LZ4_FRAME and ZSTD"),
                }
            }
        },
        variadic_buffer_counts,
    })
}
