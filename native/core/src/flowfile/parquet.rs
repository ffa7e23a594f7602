//! Parquet flow tables: what `flowhound flows -o X.parquet`, pandas' `to_parquet` and pyarrow
//! write, read into [`FlowRecord`](crate::record::FlowRecord)s.
//!
//! The arrow-rs `parquet` crate decodes the file (its footer, pages and codecs: snappy, zstd,
//! lz4 and gzip are built in, brotli is not) into Arrow record batches; `arrow-ipc`, which the
//! `parquet` crate builds on anyway, writes each batch as an IPC stream message in memory, and
//! the Arrow reader takes the stream as it takes any other. A Parquet table is therefore read by
//! the Arrow table's rules, to the letter: the same columns, the same types (timestamps of any
//! unit, integers of any width, pandas' whole floats, plain, large, view or dictionary text),
//! the same defaults, the same checks and `--keep-going`. Its errors name the row in the file.
//!
//! Only the flow table's columns are decoded when the file has them all (a training table
//! with hundreds of feature columns costs no more than a flow table); otherwise every column
//! is, so that the missing-column error lists what the file holds.

use std::io::{self, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use arrow_ipc::writer::StreamWriter;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::arrow::ProjectionMask;
use parquet::basic::Compression;
use parquet::file::metadata::ParquetMetaData;
use parquet::file::reader::ChunkReader;

use crate::error::{ErrorCode, FlowhoundError, Result};
use crate::input_file::InputBytes;
use crate::record::FlowRecord;

use super::arrow::{
    has_required_columns, is_flow_column, read_piped_file, ArrowFlowReader, ArrowFormat, TableOrigin,
    MAX_PIPED_ARROW_FILE_BYTES,
};
use super::reader::{FlowFileOptions, FlowFileStats};

/// Rows per decoded batch: a few MB of columns, as the Arrow reader's batches are.
const BATCH_ROWS: usize = 16_384;

pub struct ParquetFlowReader {
    inner: ArrowFlowReader,
    /// Rows decoded so far, counted by the stream the Arrow reader reads.
    rows_decoded: Arc<AtomicU64>,
    total_rows: u64,
    file_bytes: u64,
    stats: FlowFileStats,
}

fn corrupt(path: &Path, what: &str, error: impl std::fmt::Display) -> FlowhoundError {
    // The crate's own prefix says nothing the message does not.
    let error = error.to_string();
    let error = error.strip_prefix("Parquet error: ").unwrap_or(&error);
    FlowhoundError::new(ErrorCode::ParquetCorrupt, format!("{what}: {error}")).in_file(path)
}

impl ParquetFlowReader {
    /// Reads a Parquet flow table from an input already opened, from its start. Its footer is
    /// at its end, so a Parquet file on a pipe is read into memory first, up to
    /// [`MAX_PIPED_ARROW_FILE_BYTES`].
    pub fn from_input(input: InputBytes, path: &Path, options: FlowFileOptions) -> Result<ParquetFlowReader> {
        let ((batches, total_rows), file_bytes) = match input {
            InputBytes::File(file) => {
                let len = file.metadata().map_err(|err| FlowhoundError::io(&err, path))?.len();
                (decode(file, path)?, len)
            }
            InputBytes::Stream(mut reader) => match read_piped_file(&mut reader).map_err(|err| FlowhoundError::io(&err, path))? {
                Ok(bytes) => {
                    let len = bytes.len() as u64;
                    (decode(::bytes::Bytes::from(bytes), path)?, len)
                }
                Err(_) => {
                    return Err(FlowhoundError::new(
                        ErrorCode::Io,
                        format!(
                            "a Parquet file read from a pipe is held in memory (its footer is at its end), up to {} MiB, \
                             and this one is larger: give its path instead",
                            MAX_PIPED_ARROW_FILE_BYTES >> 20
                        ),
                    )
                    .in_file(path))
                }
            },
        };
        let rows_decoded = Arc::new(AtomicU64::new(0));
        let stream = IpcOfParquet::new(batches, Arc::clone(&rows_decoded), path)?;
        let inner = ArrowFlowReader::from_input_of(
            InputBytes::Stream(Box::new(stream)),
            path,
            ArrowFormat::Stream,
            options,
            TableOrigin::Parquet,
        )?;
        let mut reader = ParquetFlowReader { inner, rows_decoded, total_rows, file_bytes, stats: FlowFileStats::default() };
        reader.update_stats(false);
        Ok(reader)
    }

    /// Appends up to `max_records` records to `out`; returns how many, 0 at the end. After an
    /// error every call returns it again.
    pub fn next_batch(&mut self, max_records: usize, out: &mut Vec<FlowRecord>) -> Result<usize> {
        let read = self.inner.next_batch(max_records, out);
        self.update_stats(matches!(read, Ok(0)));
        read
    }

    /// The Arrow reader's counts, with the file's bytes: consumed in proportion to the rows
    /// decoded (Parquet is read by row group and column, not front to back).
    fn update_stats(&mut self, done: bool) {
        let mut stats = self.inner.stats().clone();
        stats.total_bytes = Some(self.file_bytes);
        stats.bytes_consumed = match (done, self.total_rows) {
            (true, _) => self.file_bytes,
            (false, 0) => 0,
            (false, total) => {
                let rows = self.rows_decoded.load(Ordering::Relaxed).min(total);
                (u128::from(self.file_bytes) * u128::from(rows) / u128::from(total)) as u64
            }
        };
        self.stats = stats;
    }

    /// The columns read, in order.
    pub fn columns(&self) -> Vec<&str> {
        self.inner.columns()
    }

    pub fn stats(&self) -> &FlowFileStats {
        &self.stats
    }
}

/// The file's record batches, decoded as they are asked for, and its row count.
fn decode<T: ChunkReader + 'static>(file: T, path: &Path) -> Result<(ParquetRecordBatchReader, u64)> {
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|err| corrupt(path, "damaged Parquet file (its footer cannot be read: cut short, or not Parquet)", err))?;
    refuse_codecs_not_built_in(builder.metadata(), path)?;
    let total_rows = u64::try_from(builder.metadata().file_metadata().num_rows()).unwrap_or(0);
    let names: Vec<&str> = builder.schema().fields().iter().map(|field| field.name().as_str()).collect();
    let projection = has_required_columns(&names).then(|| {
        let roots = names.iter().enumerate().filter(|(_, name)| is_flow_column(name)).map(|(index, _)| index);
        ProjectionMask::roots(builder.parquet_schema(), roots.collect::<Vec<_>>())
    });
    let builder = builder.with_batch_size(BATCH_ROWS);
    let builder = match projection {
        Some(mask) => builder.with_projection(mask),
        None => builder,
    };
    let batches = builder.build().map_err(|err| corrupt(path, "Parquet file that cannot be read", err))?;
    Ok((batches, total_rows))
}

/// Brotli (the codec that would have doubled the `parquet` crate's build) and LZO are not
/// built in: a file that uses them is refused when it opens, naming the codec and a column,
/// rather than at its first page with the crate's "disabled feature".
fn refuse_codecs_not_built_in(metadata: &ParquetMetaData, path: &Path) -> Result<()> {
    for column in metadata.row_groups().iter().flat_map(|group| group.columns()) {
        let codec = match column.compression() {
            Compression::BROTLI(_) => "brotli",
            Compression::LZO => "lzo",
            _ => continue,
        };
        return Err(FlowhoundError::new(
            ErrorCode::ParquetCorrupt,
            format!(
                "Parquet data compressed with a codec this build does not read ({codec}): column {}; \
                 write it with snappy (pandas' and pyarrow's default), zstd, lz4 or gzip",
                column.column_path().string()
            ),
        )
        .in_file(path));
    }
    Ok(())
}

/// A Parquet file's record batches as the bytes of an Arrow IPC stream: the schema, then
/// each batch (and any dictionary it needs) as it is decoded, then the end-of-stream marker.
/// A decoding failure is an `io::Error` carrying the `FlowhoundError`, which the Arrow reader
/// reports as it is (`FlowhoundError::io`).
struct IpcOfParquet {
    batches: ParquetRecordBatchReader,
    writer: StreamWriter<Vec<u8>>,
    /// Encoded bytes not yet read, from `at`.
    ready: Vec<u8>,
    at: usize,
    finished: bool,
    rows_decoded: Arc<AtomicU64>,
    path: std::path::PathBuf,
}

impl IpcOfParquet {
    fn new(batches: ParquetRecordBatchReader, rows_decoded: Arc<AtomicU64>, path: &Path) -> Result<IpcOfParquet> {
        use arrow_array::RecordBatchReader;
        let schema = batches.schema();
        let mut writer = StreamWriter::try_new(Vec::new(), &schema)
            .map_err(|err| corrupt(path, "Parquet schema that Arrow cannot hold", err))?;
        // The schema message, written as the writer was made, is read first.
        let ready = std::mem::take(writer.get_mut());
        Ok(IpcOfParquet { batches, writer, ready, at: 0, finished: false, rows_decoded, path: path.to_path_buf() })
    }

    /// Encodes the next batch (or the end of the stream) into `ready`.
    fn refill(&mut self) -> io::Result<()> {
        let failure = |what: &str, error: &dyn std::fmt::Display| io::Error::other(corrupt(&self.path, what, error));
        match self.batches.next() {
            Some(Ok(batch)) => {
                self.rows_decoded.fetch_add(batch.num_rows() as u64, Ordering::Relaxed);
                self.writer.write(&batch).map_err(|err| failure("Parquet rows that Arrow cannot hold", &err))?;
            }
            Some(Err(err)) => {
                return Err(failure("damaged Parquet data (a page or column chunk cannot be decoded)", &err));
            }
            None => {
                self.writer.finish().map_err(|err| failure("Parquet rows that Arrow cannot hold", &err))?;
                self.finished = true;
            }
        }
        self.ready.clear();
        self.at = 0;
        std::mem::swap(&mut self.ready, self.writer.get_mut());
        Ok(())
    }
}

impl Read for IpcOfParquet {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.at == self.ready.len() {
            if self.finished {
                return Ok(0);
            }
            self.refill()?;
        }
        let count = buf.len().min(self.ready.len() - self.at);
        buf[..count].copy_from_slice(&self.ready[self.at..self.at + count]);
        self.at += count;
        Ok(count)
    }
}
