//! Flow records written out, a batch at a time, without a value per record crossing into
//! JavaScript: CTU-13 binetflow CSV text exactly as Argus's `ra -c , -Z b` prints it
//! (`binetflow`), and the columns of the flow table's Arrow schema in Arrow's memory layout
//! (`arrow_columns`), which the binding hands to apache-arrow's IPC writer as they are; and
//! any table made as Arrow, written as Parquet (`parquet`, with the `parquet` feature).

mod arrow_columns;
mod binetflow;
#[cfg(feature = "parquet")]
mod parquet;
mod text;

pub use arrow_columns::{FlowArrowColumns, Nullable, Utf8Column, Validity};
pub use binetflow::{binetflow_header, write_binetflow_rows, BinetflowLayout};
#[cfg(feature = "parquet")]
pub use parquet::ParquetTableWriter;
pub use text::{address_text, protocol_text};
