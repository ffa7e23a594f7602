//! Tables written as Parquet: the flow table of `flows`, the training tables of `features`
//! and the ranking of `analyze`. Each command already makes its table as Arrow record batches
//! (apache-arrow, or the addon's columns for `flows`); they arrive here as Arrow IPC streams,
//! `arrow-ipc` reads them, and the arrow-rs `parquet` crate writes them with their Arrow types:
//! timestamps stay timestamps (INT64 `TIMESTAMP(MICROS, UTC)`), counts stay integers, text is
//! UTF-8, and the Arrow schema goes in the file's metadata as pyarrow's does, so that pandas,
//! polars and DuckDB read back what the Arrow output holds. Compressed with snappy, pandas' and
//! pyarrow's default.
//!
//! The Parquet bytes are handed back as they are made (a row group at a time, the footer at
//! the end), so the caller writes them wherever its output goes: a file that appears whole,
//! a pipe, standard output.

use std::io::Cursor;
use std::sync::Arc;

use arrow_ipc::reader::StreamReader;
use arrow_schema::SchemaRef;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use crate::error::{ErrorCode, FlowhoundError, Result};

/// Rows per row group: pyarrow's default (1 Mi rows), which bounds what is held before it is
/// handed back.
const ROW_GROUP_ROWS: usize = 1 << 20;

#[derive(Default)]
pub struct ParquetTableWriter {
    /// Made from the first stream's schema; every later stream must have the same.
    writer: Option<(ArrowWriter<Vec<u8>>, SchemaRef)>,
    finished: bool,
}

fn writer_error(what: &str, error: impl std::fmt::Display) -> FlowhoundError {
    FlowhoundError::new(ErrorCode::Io, format!("cannot write Parquet: {what}: {error}"))
}

impl ParquetTableWriter {
    pub fn new() -> ParquetTableWriter {
        ParquetTableWriter::default()
    }

    /// Writes every record batch of `ipc`, an Arrow IPC stream (its schema, then zero or more
    /// batches); returns the Parquet bytes made so far and not yet returned (often none: a
    /// row group is written when full).
    pub fn write_ipc_stream(&mut self, ipc: &[u8]) -> Result<Vec<u8>> {
        if self.finished {
            return Err(writer_error("internal", "a table written after its end"));
        }
        let reader = StreamReader::try_new(Cursor::new(ipc), None).map_err(|err| writer_error("a batch's Arrow schema", err))?;
        let schema = reader.schema();
        if self.writer.is_none() {
            let properties = WriterProperties::builder()
                .set_compression(Compression::SNAPPY)
                .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
                .set_created_by(format!("flowhound {}", env!("CARGO_PKG_VERSION")))
                .build();
            let writer = ArrowWriter::try_new(Vec::new(), Arc::clone(&schema), Some(properties))
                .map_err(|err| writer_error("the table's schema", err))?;
            self.writer = Some((writer, Arc::clone(&schema)));
        }
        let (writer, table_schema) = self.writer.as_mut().expect("made above");
        if table_schema.fields() != schema.fields() {
            return Err(writer_error("internal", "a batch whose columns differ from the table's"));
        }
        for batch in reader {
            let batch = batch.map_err(|err| writer_error("a batch's Arrow data", err))?;
            writer.write(&batch).map_err(|err| writer_error("a batch", err))?;
        }
        Ok(std::mem::take(writer.inner_mut()))
    }

    /// Ends the table (the last row group and the footer); returns the remaining bytes. A table
    /// given no stream at all has no schema, and no file can be made of it.
    pub fn finish(&mut self) -> Result<Vec<u8>> {
        let Some((writer, _)) = self.writer.as_mut() else {
            return Err(writer_error("internal", "a table ended before its schema was given"));
        };
        self.finished = true;
        writer.finish().map_err(|err| writer_error("the footer", err))?;
        Ok(std::mem::take(writer.inner_mut()))
    }
}
