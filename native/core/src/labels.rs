//! The labels sidecar of a rebuilt capture: one CSV line per rebuilt record, in input order,
//! so that a test or a benchmark can score what `analyze` finds on the rebuilt capture.
//! `flowhound synth` writes it ([`LabelsWriter`]); `features` reads it ([`LabelsReader`],
//! through `features::LabelIndex`). The format is written down here alone.
//!
//! ```text
//! start_us,last_us,proto,src_addr,src_port,dst_addr,dst_port,state,total_pkts,total_bytes,src_bytes,label
//! 1313675277983212,1313675277983409,udp,147.32.84.165,1025,147.32.80.9,53,CON,2,203,64,flow=From-Botnet-V52-1-UDP-DNS
//! ```
//!
//! Times are those of the capture's first and last packet of the record (µs since the epoch,
//! UTC). `proto` is the protocol on the wire (`udp` for Argus's `rtp`). Ports follow
//! `FlowRecord`'s convention (ICMP: `type << 8 | code`, then the id Argus printed), blank when
//! the record has none. The counts are the record's. Fields holding a comma, a quote or a
//! line break are quoted as RFC 4180 says.

use std::io::{BufRead, BufWriter, Write};

use crate::error::{ErrorCode, FlowhoundError, Result};
use crate::flowfile::{parse_address, parse_protocol};
use crate::packet::IpAddr16;
use crate::record::{ip_protocol_name, Address, Protocol};

pub const LABELS_HEADER: &str =
    "start_us,last_us,proto,src_addr,src_port,dst_addr,dst_port,state,total_pkts,total_bytes,src_bytes,label";

/// One line to write: a rebuilt record as its capture holds it.
#[derive(Clone, Copy, Debug)]
pub struct LabelsRow<'a> {
    /// The capture's first and last packet of the record, µs since the epoch.
    pub start_us: i64,
    pub last_us: i64,
    /// The IP protocol on the wire.
    pub proto: u8,
    pub src_addr: IpAddr16,
    pub src_port: Option<u16>,
    pub dst_addr: IpAddr16,
    pub dst_port: Option<u16>,
    pub state: &'a str,
    pub total_pkts: u64,
    pub total_bytes: u64,
    pub src_bytes: u64,
    /// Empty when the record had none.
    pub label: &'a str,
}

pub struct LabelsWriter<L: Write> {
    out: BufWriter<L>,
    lines: u64,
    line: String,
}

impl<L: Write> LabelsWriter<L> {
    pub fn new(out: L) -> Result<LabelsWriter<L>> {
        let mut writer = LabelsWriter { out: BufWriter::with_capacity(1 << 16, out), lines: 0, line: String::with_capacity(256) };
        writer.put(&format!("{LABELS_HEADER}\n"))?;
        Ok(writer)
    }

    /// Lines written, header not counted.
    pub fn lines(&self) -> u64 {
        self.lines
    }

    pub fn write(&mut self, row: &LabelsRow) -> Result<()> {
        use std::fmt::Write as _;
        let mut line = std::mem::take(&mut self.line);
        line.clear();
        let proto = ip_protocol_name(row.proto).map_or_else(|| row.proto.to_string(), str::to_string);
        let port = |port: Option<u16>| port.map_or_else(String::new, |p| p.to_string());
        let _ = write!(
            line,
            "{},{},{},{},{},{},{},",
            row.start_us,
            row.last_us,
            proto,
            row.src_addr,
            port(row.src_port),
            row.dst_addr,
            port(row.dst_port),
        );
        push_field(&mut line, row.state);
        let _ = write!(line, ",{},{},{},", row.total_pkts, row.total_bytes, row.src_bytes);
        push_field(&mut line, row.label);
        line.push('\n');
        let result = self.put(&line);
        self.line = line;
        self.lines += 1;
        result
    }

    fn put(&mut self, text: &str) -> Result<()> {
        self.out
            .write_all(text.as_bytes())
            .map_err(|err| FlowhoundError::new(ErrorCode::Io, format!("writing the labels: {err}")).at_line(self.lines + 1))
    }

    pub fn finish(self) -> Result<L> {
        self.out
            .into_inner()
            .map_err(|err| FlowhoundError::new(ErrorCode::Io, format!("writing the labels: {}", err.error())))
            .and_then(|mut inner| {
                inner.flush().map_err(|err| FlowhoundError::new(ErrorCode::Io, format!("flushing the labels: {err}")))?;
                Ok(inner)
            })
    }
}

fn push_field(line: &mut String, value: &str) {
    if value.contains([',', '"', '\n', '\r']) {
        line.push('"');
        line.push_str(&value.replace('"', "\"\""));
        line.push('"');
    } else {
        line.push_str(value);
    }
}

/// What the index of a sidecar needs of a line; the State and the counts are carried for
/// people and tools, and not read back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelsRecord {
    pub start_us: i64,
    pub last_us: i64,
    pub proto: u8,
    pub src_addr: Address,
    pub src_port: Option<u16>,
    pub dst_addr: Address,
    pub dst_port: Option<u16>,
    pub label: String,
}

/// Reads a sidecar line by line: the header checked, blank lines skipped, errors with their
/// line (`ERR_LABELS_BAD_ROW`; `ERR_EMPTY_FILE` for an empty file).
pub struct LabelsReader<R: BufRead> {
    input: R,
    line: String,
    number: u64,
}

impl<R: BufRead> LabelsReader<R> {
    pub fn new(input: R) -> LabelsReader<R> {
        LabelsReader { input, line: String::new(), number: 0 }
    }

    /// The next record, or `None` at the end.
    pub fn next_record(&mut self) -> Result<Option<LabelsRecord>> {
        let bad = |line: u64, why: String| FlowhoundError::new(ErrorCode::LabelsBadRow, why).at_line(line);
        loop {
            self.line.clear();
            let read = self.input.read_line(&mut self.line).map_err(|err| FlowhoundError::new(ErrorCode::Io, err.to_string()))?;
            if read == 0 {
                if self.number == 0 {
                    return Err(FlowhoundError::new(ErrorCode::EmptyFile, "the labels sidecar is empty"));
                }
                return Ok(None);
            }
            self.number += 1;
            let number = self.number;
            let text = self.line.trim_end_matches(['\n', '\r']);
            if number == 1 {
                if text != LABELS_HEADER {
                    return Err(bad(1, format!("not a labels sidecar: the header must be `{LABELS_HEADER}`")));
                }
                continue;
            }
            if text.is_empty() {
                continue;
            }
            let fields: Vec<&str> = text.splitn(12, ',').collect();
            if fields.len() != 12 {
                return Err(bad(number, format!("{} fields, expected 12", fields.len())));
            }
            let time = |i: usize| fields[i].parse::<i64>().map_err(|_| bad(number, format!("field {} is not a time in µs: {:?}", i + 1, fields[i])));
            let port = |i: usize| -> Result<Option<u16>> {
                if fields[i].is_empty() {
                    return Ok(None);
                }
                fields[i].parse::<u16>().map(Some).map_err(|_| bad(number, format!("field {} is not a port: {:?}", i + 1, fields[i])))
            };
            let address = |i: usize| parse_address(fields[i].as_bytes()).map_err(|why| bad(number, format!("field {}: {why}", i + 1)));
            let proto = match parse_protocol(fields[2].as_bytes()) {
                Ok(Protocol::Ip(number)) => number,
                _ => return Err(bad(number, format!("field 3 is not an IP protocol: {:?}", fields[2]))),
            };
            // Checked in this order, so that a line with several bad fields names the same one.
            let (src_addr, src_port, dst_addr, dst_port) = (address(3)?, port(4)?, address(5)?, port(6)?);
            let label = unquote(fields[11]);
            return Ok(Some(LabelsRecord { start_us: time(0)?, last_us: time(1)?, proto, src_addr, src_port, dst_addr, dst_port, label }));
        }
    }
}

fn unquote(field: &str) -> String {
    match field.strip_prefix('"').and_then(|f| f.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\""),
        None => field.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_with_separators_are_quoted() {
        let mut line = String::new();
        push_field(&mut line, "flow=From-Botnet-V52-1-UDP-DNS");
        line.push(',');
        push_field(&mut line, "a,\"b\"");
        assert_eq!(line, "flow=From-Botnet-V52-1-UDP-DNS,\"a,\"\"b\"\"\"");
    }

    #[test]
    fn what_is_written_is_read_back() {
        let row = LabelsRow {
            start_us: 1_313_675_300_000_000,
            last_us: 1_313_675_900_000_000,
            proto: 6,
            src_addr: IpAddr16::from_v4([147, 32, 84, 165]),
            src_port: Some(1040),
            dst_addr: IpAddr16::from_v4([1, 2, 3, 4]),
            dst_port: None,
            state: "FSPA_FSPA",
            total_pkts: 20,
            total_bytes: 2000,
            src_bytes: 1000,
            label: "flow=Background, \"quoted\"",
        };
        let mut writer = LabelsWriter::new(Vec::new()).unwrap();
        writer.write(&row).unwrap();
        assert_eq!(writer.lines(), 1);
        let bytes = writer.finish().unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert_eq!(
            text,
            format!("{LABELS_HEADER}\n1313675300000000,1313675900000000,tcp,147.32.84.165,1040,1.2.3.4,,FSPA_FSPA,20,2000,1000,\"flow=Background, \"\"quoted\"\"\"\n")
        );
        let mut reader = LabelsReader::new(&bytes[..]);
        let record = reader.next_record().unwrap().unwrap();
        assert_eq!(
            record,
            LabelsRecord {
                start_us: row.start_us,
                last_us: row.last_us,
                proto: 6,
                src_addr: Address::Ip(row.src_addr),
                src_port: Some(1040),
                dst_addr: Address::Ip(row.dst_addr),
                dst_port: None,
                label: row.label.to_string(),
            }
        );
        assert_eq!(reader.next_record().unwrap(), None);
    }
}
