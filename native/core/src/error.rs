//! Errors of the core: every one has a stable code and says where it happened.

use std::fmt;
use std::path::PathBuf;

/// Stable error codes. The string form (`ERR_…`) is what users, scripts and the
/// TypeScript side see; never rename one, only add.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// The file could not be opened or read.
    Io,
    /// The file holds no bytes at all.
    EmptyFile,
    /// The first bytes are not a pcap or pcapng magic number.
    NotACapture,
    /// The file ends inside a header, block or packet record.
    PcapTruncated,
    /// A record claims more captured bytes than the snap length or a sane maximum allows.
    PcapBadCaplen,
    /// A pcapng block is malformed (bad length, trailer mismatch, bad section header).
    PcapngBadBlock,
    /// A packet references a pcapng interface that was never described.
    PcapngUnknownInterface,
    /// A link-layer type flowhound cannot decode.
    UnsupportedLinkType,
    /// A flow file (binetflow, CSV) has no usable header or lacks required columns.
    FlowFileBadHeader,
    /// A flow-file row cannot be parsed.
    FlowFileBadRow,
    /// Gzip data is corrupt or ends early.
    GzipCorrupt,
    /// An option value is out of range or inconsistent (e.g. window not a multiple of step).
    BadOption,
    /// A labels sidecar (written by synth) has a wrong header or a row that cannot be read.
    LabelsBadRow,
    /// A packet's or a record's time is one a date cannot hold: more than a day before 1970,
    /// or past 2100-01-01 (`time_range`).
    TimeOutOfRange,
    /// Live capture: this build has no libpcap (its headers were missing when it was built).
    CaptureUnavailable,
    /// Live capture: libpcap cannot compile the BPF filter.
    CaptureFilter,
    /// Live capture: not allowed to capture (needs root, or CAP_NET_RAW and CAP_NET_ADMIN).
    CapturePermission,
    /// Live capture: no interface of that name.
    CaptureNoDevice,
    /// Live capture: libpcap failed otherwise (opening the interface, reading from it).
    CaptureFailed,
    /// A Parquet file's metadata or pages cannot be decoded: cut short, damaged, or compressed
    /// with a codec this build does not have.
    ParquetCorrupt,
    /// Parquet: this build has no Parquet support (built without the `parquet` feature).
    ParquetUnavailable,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Io => "ERR_IO",
            ErrorCode::EmptyFile => "ERR_EMPTY_FILE",
            ErrorCode::NotACapture => "ERR_NOT_A_CAPTURE",
            ErrorCode::PcapTruncated => "ERR_PCAP_TRUNCATED",
            ErrorCode::PcapBadCaplen => "ERR_PCAP_BAD_CAPLEN",
            ErrorCode::PcapngBadBlock => "ERR_PCAPNG_BAD_BLOCK",
            ErrorCode::PcapngUnknownInterface => "ERR_PCAPNG_UNKNOWN_INTERFACE",
            ErrorCode::UnsupportedLinkType => "ERR_UNSUPPORTED_LINKTYPE",
            ErrorCode::FlowFileBadHeader => "ERR_FLOWFILE_BAD_HEADER",
            ErrorCode::FlowFileBadRow => "ERR_FLOWFILE_BAD_ROW",
            ErrorCode::GzipCorrupt => "ERR_GZIP_CORRUPT",
            ErrorCode::BadOption => "ERR_BAD_OPTION",
            ErrorCode::LabelsBadRow => "ERR_LABELS_BAD_ROW",
            ErrorCode::TimeOutOfRange => "ERR_TIME_OUT_OF_RANGE",
            ErrorCode::CaptureUnavailable => "ERR_CAPTURE_UNAVAILABLE",
            ErrorCode::CaptureFilter => "ERR_CAPTURE_FILTER",
            ErrorCode::CapturePermission => "ERR_CAPTURE_PERMISSION",
            ErrorCode::CaptureNoDevice => "ERR_CAPTURE_NO_DEVICE",
            ErrorCode::CaptureFailed => "ERR_CAPTURE_FAILED",
            ErrorCode::ParquetCorrupt => "ERR_PARQUET_CORRUPT",
            ErrorCode::ParquetUnavailable => "ERR_PARQUET_UNAVAILABLE",
        }
    }
}

impl ErrorCode {
    /// Every code, in declaration order. The binding exports their names (`errorCodes()`), and
    /// a test holds TypeScript's list of codes (src/error-codes.ts) against them.
    pub const ALL: [ErrorCode; 21] = [
        ErrorCode::Io,
        ErrorCode::EmptyFile,
        ErrorCode::NotACapture,
        ErrorCode::PcapTruncated,
        ErrorCode::PcapBadCaplen,
        ErrorCode::PcapngBadBlock,
        ErrorCode::PcapngUnknownInterface,
        ErrorCode::UnsupportedLinkType,
        ErrorCode::FlowFileBadHeader,
        ErrorCode::FlowFileBadRow,
        ErrorCode::GzipCorrupt,
        ErrorCode::BadOption,
        ErrorCode::LabelsBadRow,
        ErrorCode::TimeOutOfRange,
        ErrorCode::CaptureUnavailable,
        ErrorCode::CaptureFilter,
        ErrorCode::CapturePermission,
        ErrorCode::CaptureNoDevice,
        ErrorCode::CaptureFailed,
        ErrorCode::ParquetCorrupt,
        ErrorCode::ParquetUnavailable,
    ];
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where in the input an error happened. Byte offsets for captures, line numbers for flow files.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Location {
    pub path: Option<PathBuf>,
    pub byte_offset: Option<u64>,
    pub line: Option<u64>,
    /// Zero-based index of the packet record being read, when known.
    pub packet_index: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlowhoundError {
    pub code: ErrorCode,
    pub message: String,
    pub location: Location,
}

impl FlowhoundError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        FlowhoundError { code, message: message.into(), location: Location::default() }
    }

    pub fn at_offset(mut self, byte_offset: u64) -> Self {
        self.location.byte_offset = Some(byte_offset);
        self
    }

    pub fn at_line(mut self, line: u64) -> Self {
        self.location.line = Some(line);
        self
    }

    pub fn at_packet(mut self, packet_index: u64) -> Self {
        self.location.packet_index = Some(packet_index);
        self
    }

    /// Sets the file path unless one is already set (inner layers know better).
    pub fn in_file(mut self, path: impl Into<PathBuf>) -> Self {
        if self.location.path.is_none() {
            self.location.path = Some(path.into());
        }
        self
    }

    /// An I/O error of `path`; one that carries a `FlowhoundError` (a reader behind a `Read`,
    /// such as a Parquet table's, failing with its own code) is that error.
    pub fn io(err: &std::io::Error, path: impl Into<PathBuf>) -> Self {
        match err.get_ref().and_then(|inner| inner.downcast_ref::<FlowhoundError>()) {
            Some(inner) => inner.clone().in_file(path),
            None => FlowhoundError::new(ErrorCode::Io, err.to_string()).in_file(path),
        }
    }
}

impl fmt::Display for FlowhoundError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.code)?;
        if let Some(path) = &self.location.path {
            write!(f, "{}", path.display())?;
            if let Some(line) = self.location.line {
                write!(f, ":{line}")?;
            }
            if let Some(offset) = self.location.byte_offset {
                write!(f, " at byte {offset}")?;
            }
            if let Some(index) = self.location.packet_index {
                write!(f, " (packet {})", index + 1)?;
            }
            f.write_str(": ")?;
        } else if let Some(offset) = self.location.byte_offset {
            write!(f, "at byte {offset}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for FlowhoundError {}

pub type Result<T> = std::result::Result<T, FlowhoundError>;

#[cfg(test)]
mod tests {
    use super::ErrorCode;

    /// A variant's place in the declaration. The match is exhaustive, so a new variant does not
    /// compile until it is given a place here, which the test then wants in `ALL` too.
    fn declared_position(code: ErrorCode) -> usize {
        match code {
            ErrorCode::Io => 0,
            ErrorCode::EmptyFile => 1,
            ErrorCode::NotACapture => 2,
            ErrorCode::PcapTruncated => 3,
            ErrorCode::PcapBadCaplen => 4,
            ErrorCode::PcapngBadBlock => 5,
            ErrorCode::PcapngUnknownInterface => 6,
            ErrorCode::UnsupportedLinkType => 7,
            ErrorCode::FlowFileBadHeader => 8,
            ErrorCode::FlowFileBadRow => 9,
            ErrorCode::GzipCorrupt => 10,
            ErrorCode::BadOption => 11,
            ErrorCode::LabelsBadRow => 12,
            ErrorCode::TimeOutOfRange => 13,
            ErrorCode::CaptureUnavailable => 14,
            ErrorCode::CaptureFilter => 15,
            ErrorCode::CapturePermission => 16,
            ErrorCode::CaptureNoDevice => 17,
            ErrorCode::CaptureFailed => 18,
            ErrorCode::ParquetCorrupt => 19,
            ErrorCode::ParquetUnavailable => 20,
        }
    }

    #[test]
    fn all_lists_every_code_once_in_declaration_order() {
        for (index, code) in ErrorCode::ALL.iter().enumerate() {
            assert_eq!(declared_position(*code), index, "{code} is out of place in ErrorCode::ALL");
        }
        let mut names: Vec<&str> = ErrorCode::ALL.iter().map(|code| code.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ErrorCode::ALL.len(), "two codes share a name");
        assert!(names.iter().all(|name| name.starts_with("ERR_")));
    }
}
