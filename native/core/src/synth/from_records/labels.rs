//! The labels sidecar: one CSV line per rebuilt record, in input order, so that a test or a
//! benchmark can score what `analyze` finds on the rebuilt capture.
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

use std::io::{BufWriter, Write};

use crate::error::{ErrorCode, FlowhoundError, Result};
use crate::record::{ip_protocol_name, FlowRecord};

use super::record_plan::RecordPlan;

pub const LABELS_HEADER: &str =
    "start_us,last_us,proto,src_addr,src_port,dst_addr,dst_port,state,total_pkts,total_bytes,src_bytes,label";

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

    pub fn write(&mut self, record: &FlowRecord, plan: &RecordPlan) -> Result<()> {
        use std::fmt::Write as _;
        let mut line = std::mem::take(&mut self.line);
        line.clear();
        let proto = ip_protocol_name(plan.proto).map_or_else(|| plan.proto.to_string(), str::to_string);
        let port = |port: Option<u16>| port.map_or_else(String::new, |p| p.to_string());
        let _ = write!(
            line,
            "{},{},{},{},{},{},{},",
            plan.start_us,
            plan.last_us,
            proto,
            plan.ends[0],
            port(record.src_port),
            plan.ends[1],
            port(record.dst_port),
        );
        push_field(&mut line, &record.state);
        let _ = write!(line, ",{},{},{},", record.total_pkts, record.total_bytes, record.src_bytes);
        push_field(&mut line, record.label.as_deref().unwrap_or(""));
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
}
