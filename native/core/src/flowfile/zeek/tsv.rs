//! Zeek's TSV logs: the `#` header lines, then one connection a line.
//!
//! ```text
//! #separator \x09
//! #set_separator	,
//! #empty_field	(empty)
//! #unset_field	-
//! #path	conn
//! #open	2019-03-15-14-50-49
//! #fields	ts	uid	id.orig_h	id.orig_p	…
//! #types	time	string	addr	port	…
//! 1545403816.962094	CrDn63WjJEmrWGjqf	192.168.1.195	41040	…
//! #close	2019-03-15-14-52-01
//! ```
//!
//! `#separator` is followed by a space and the separator with `\xNN` escapes; the other
//! header lines put the separator between their name and value. Columns are found by their
//! `#fields` name, in any order; unknown ones are ignored. `#types`, when present, must agree
//! with the fields flowhound reads. Header lines met later (logs concatenated by `cat` or
//! `zcat`) start a new header: a new `#fields` replaces the columns.
//!
//! IoT-23's labelled logs join their last three fields (`tunnel_parents`, `label`,
//! `detailed-label`) with three spaces instead of the separator, in `#fields`, `#types` and
//! every row: a `#fields` entry holding three spaces stands for as many fields, and the same
//! entry of every row must split the same way.

// The example above is Zeek's TSV, whose separator is the tab: the tabs are the point.
#![allow(clippy::tabs_in_doc_comments)]

use memchr::memmem;

use crate::record::FlowRecord;

use super::conn::{Value, ZeekConn, ZeekField};

/// IoT-23's joiner of its last three fields.
const IOT23_JOINER: &[u8] = b"   ";

/// Longest separator accepted (Zeek's default is one tab).
const MAX_SEPARATOR_BYTES: usize = 16;

pub struct ZeekTsvParser {
    separator: Vec<u8>,
    empty_field: Vec<u8>,
    unset_field: Vec<u8>,
    /// Column names from `#fields`, IoT-23's joined ones split.
    names: Vec<String>,
    /// Per field of a row (between separators): how many columns it holds (IoT-23: 3 for the last).
    columns_per_field: Vec<usize>,
    /// Per column: the field flowhound reads there, if any.
    field_of_column: Vec<Option<ZeekField>>,
    /// Byte ranges of the current row's columns; reused from row to row.
    bounds: Vec<(usize, usize)>,
    /// Whether the current header block has its `#fields`.
    has_fields: bool,
}

impl Default for ZeekTsvParser {
    fn default() -> ZeekTsvParser {
        ZeekTsvParser {
            separator: b"\t".to_vec(),
            empty_field: b"(empty)".to_vec(),
            unset_field: b"-".to_vec(),
            names: Vec::new(),
            columns_per_field: Vec::new(),
            field_of_column: Vec::new(),
            bounds: Vec::new(),
            has_fields: false,
        }
    }
}

/// Splits `line` at every `separator`.
fn split<'l>(line: &'l [u8], separator: &'l [u8]) -> impl Iterator<Item = &'l [u8]> + 'l {
    let mut start = 0;
    let mut ends = memmem::find_iter(line, separator).chain(std::iter::once(line.len()));
    std::iter::from_fn(move || {
        let end = ends.next()?;
        let piece = &line[start..end];
        start = end + separator.len();
        Some(piece)
    })
}

/// `\x09` → a tab: the escapes of `#separator` and `#set_separator`.
fn decode_escapes(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut pos = 0;
    while pos < text.len() {
        match text.get(pos..pos + 4) {
            Some([b'\\', b'x', high, low]) if high.is_ascii_hexdigit() && low.is_ascii_hexdigit() => {
                let digit = |d: u8| (d as char).to_digit(16).unwrap_or(0) as u8;
                out.push(digit(*high) << 4 | digit(*low));
                pos += 4;
            }
            _ => {
                out.push(text[pos]);
                pos += 1;
            }
        }
    }
    out
}

fn shown(text: &[u8]) -> String {
    let text = String::from_utf8_lossy(text);
    let mut short: String = text.chars().take(40).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    short
}

impl ZeekTsvParser {
    /// Reads a header line (one that starts with `#`); an error says what is wrong with it.
    pub fn header_line(&mut self, line: &[u8]) -> Result<(), String> {
        if let Some(rest) = line.strip_prefix(b"#separator") {
            // One space, then the separator as written (`\x09`): a space or tab separator
            // may follow as itself.
            let value = rest.strip_prefix(b" ").unwrap_or(rest);
            let separator = decode_escapes(value);
            if separator.is_empty() || separator.len() > MAX_SEPARATOR_BYTES {
                return Err(format!(
                    "#separator {:?}: not a separator of 1 to {MAX_SEPARATOR_BYTES} bytes",
                    shown(value)
                ));
            }
            self.separator = separator;
            return Ok(());
        }
        let body = &line[1..];
        let (name, value) = match memmem::find(body, &self.separator) {
            Some(at) => (&body[..at], Some(&body[at + self.separator.len()..])),
            None => (body, None),
        };
        let need_value = || match value {
            Some(value) if !value.is_empty() => Ok(value),
            _ => Err(format!("#{} without a value", String::from_utf8_lossy(name))),
        };
        match name {
            b"empty_field" => self.empty_field = need_value()?.to_vec(),
            b"unset_field" => self.unset_field = need_value()?.to_vec(),
            b"path" => {
                let path = need_value()?;
                if path != b"conn" {
                    return Err(format!(
                        "#path is {:?}: this is Zeek's {} log, not its conn.log",
                        shown(path),
                        shown(path)
                    ));
                }
            }
            b"fields" => self.read_fields(need_value()?)?,
            b"types" => self.check_types(need_value()?)?,
            // `#set_separator` (sets are not read), `#open`, `#close`, and other comments.
            _ => {}
        }
        Ok(())
    }

    /// Names and joined entries of a `#fields` or `#types` line.
    fn entries<'l>(&'l self, value: &'l [u8]) -> (Vec<&'l [u8]>, Vec<usize>) {
        let mut entries = Vec::new();
        let mut per_field = Vec::new();
        for field in split(value, &self.separator) {
            let before = entries.len();
            if self.separator != IOT23_JOINER && memmem::find(field, IOT23_JOINER).is_some() {
                entries.extend(split(field, IOT23_JOINER).map(<[u8]>::trim_ascii));
            } else {
                entries.push(field);
            }
            per_field.push(entries.len() - before);
        }
        (entries, per_field)
    }

    fn read_fields(&mut self, value: &[u8]) -> Result<(), String> {
        let (entries, per_field) = self.entries(value);
        let names: Vec<String> = entries.iter().map(|name| String::from_utf8_lossy(name).into_owned()).collect();
        let mut field_of_column = vec![None; names.len()];
        let mut column_of = [None::<usize>; ZeekField::ALL.len()];
        for (column, name) in names.iter().enumerate() {
            let Some(field) = ZeekField::from_name(name) else { continue };
            if let Some(first) = column_of[field as usize] {
                return Err(format!("#fields names {} twice (columns {} and {})", field.name(), first + 1, column + 1));
            }
            column_of[field as usize] = Some(column);
            field_of_column[column] = Some(field);
        }
        let missing: Vec<&str> =
            ZeekField::REQUIRED.iter().filter(|f| column_of[**f as usize].is_none()).map(|f| f.name()).collect();
        if !missing.is_empty() {
            return Err(format!(
                "#fields lacks {} (a conn.log has ts, id.orig_h, id.orig_p, id.resp_h, id.resp_p and proto)",
                missing.join(", ")
            ));
        }
        self.names = names;
        self.columns_per_field = per_field;
        self.field_of_column = field_of_column;
        self.has_fields = true;
        Ok(())
    }

    fn check_types(&self, value: &[u8]) -> Result<(), String> {
        if !self.has_fields {
            return Err("#types before #fields".into());
        }
        let (types, per_field) = self.entries(value);
        if types.len() != self.names.len() || per_field != self.columns_per_field {
            return Err(format!("#types has {} entries for the {} of #fields", types.len(), self.names.len()));
        }
        for (column, (zeek_type, field)) in types.iter().zip(&self.field_of_column).enumerate() {
            let Some(field) = field else { continue };
            if *zeek_type != field.zeek_type().as_bytes() {
                return Err(format!(
                    "#types gives {} (column {}) the type {:?}, where a conn.log has {}",
                    field.name(),
                    column + 1,
                    shown(zeek_type),
                    field.zeek_type()
                ));
            }
        }
        Ok(())
    }

    /// Whether a `#fields` line was read: rows can be.
    pub fn has_fields(&self) -> bool {
        self.has_fields
    }

    /// The columns of `#fields`, IoT-23's joined ones split.
    pub fn column_names(&self) -> &[String] {
        &self.names
    }

    pub fn has_field(&self, field: ZeekField) -> bool {
        self.field_of_column.contains(&Some(field))
    }

    /// The record of a data row.
    pub fn parse_row(&mut self, line: &[u8]) -> Result<FlowRecord, String> {
        if !self.has_fields {
            return Err("a row before the #fields line".into());
        }
        let fields = split(line, &self.separator).count();
        if fields != self.columns_per_field.len() {
            return Err(format!("expected {} fields as in #fields, found {fields}", self.columns_per_field.len()));
        }
        self.bounds.clear();
        let mut start = 0;
        for (index, piece) in split(line, &self.separator).enumerate() {
            // Offsets, so that the bounds do not borrow the line.
            let piece_start = start;
            start += piece.len() + self.separator.len();
            let expected = self.columns_per_field[index];
            if expected == 1 {
                self.bounds.push((piece_start, piece_start + piece.len()));
                continue;
            }
            let before = self.bounds.len();
            let mut offset = piece_start;
            for part in split(piece, IOT23_JOINER) {
                self.bounds.push((offset, offset + part.len()));
                offset += part.len() + IOT23_JOINER.len();
            }
            let found = self.bounds.len() - before;
            if found != expected {
                return Err(format!(
                    "field {} holds {found} value(s) joined by three spaces where #fields has {expected} (IoT-23's form)",
                    index + 1
                ));
            }
        }
        let mut conn = ZeekConn::default();
        for (column, (&(start, end), field)) in self.bounds.iter().zip(&self.field_of_column).enumerate() {
            let Some(field) = field else { continue };
            let text = line[start..end].trim_ascii();
            let value = if text == self.unset_field.as_slice() {
                Value::Unset(text)
            } else if text == self.empty_field.as_slice() {
                Value::Empty(text)
            } else {
                Value::Tsv(text)
            };
            conn.set(*field, value, Some(column + 1))?;
        }
        conn.to_record()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::tcp_flag::SYN;
    use crate::packet::IpAddr16;
    use crate::record::{Address, Direction, Protocol};

    /// Header lines 1–8 of CTU-Normal-40_day1_host-147.32.81.167.conn.log.labeled.gz.
    const CTU_NORMAL_HEADER: [&str; 8] = [
        "#separator \\x09",
        "#set_separator\t,",
        "#empty_field\t(empty)",
        "#unset_field\t-",
        "#path\tconn",
        "#open\t2022-06-17-00-00-07",
        "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents\tlabel\tdetailedlabel",
        "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]\tstring\tstring",
    ];

    /// Header lines 7–8 of IoT-23_CTU-IoT-Malware-Capture-34-1_Mirai.conn.log.labeled.gz.
    const IOT23_FIELDS: &str = "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents   label   detailed-label";
    const IOT23_TYPES: &str = "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]   string   string";

    fn parser(lines: &[&str]) -> ZeekTsvParser {
        let mut parser = ZeekTsvParser::default();
        for line in lines {
            parser.header_line(line.as_bytes()).unwrap();
        }
        parser
    }

    fn v4(text: &str) -> Address {
        Address::Ip(IpAddr16::from_v4(text.parse::<std::net::Ipv4Addr>().unwrap().octets()))
    }

    #[test]
    fn ctu_normal_header_and_rows() {
        let mut parser = parser(&CTU_NORMAL_HEADER);
        assert_eq!(parser.column_names().len(), 23);
        assert_eq!(parser.column_names()[22], "detailedlabel");
        assert!(parser.has_field(ZeekField::DetailedLabel) && !parser.has_field(ZeekField::IpProto));
        // Line 9: a Benign HTTPS connection of the clean host.
        let record = parser
            .parse_row(b"1655071198.444458\tCHLXQF2OBY4onAR0Ug\t147.32.81.167\t62771\t40.74.108.123\t443\ttcp\tssl\t1.135424\t1596\t4039\tSF\tT\tF\t5138\tShADdaFf\t14\t1016\t16\t1226\t(empty)\tBenign\tMicrosoft")
            .unwrap();
        assert_eq!((record.start_us, record.duration_us()), (1_655_071_198_444_458, 1_135_424));
        assert_eq!(
            (record.src_addr, record.src_port, record.dst_addr, record.dst_port),
            (v4("147.32.81.167"), Some(62771), v4("40.74.108.123"), Some(443))
        );
        assert_eq!(
            (record.protocol.clone(), record.state.as_str(), record.direction),
            (Protocol::Ip(6), "FSPA_FSPA", Direction::Forward)
        );
        assert_eq!(
            (record.total_pkts, record.src_pkts, record.total_bytes, record.src_bytes),
            (30, Some(14), 2242, 1016)
        );
        assert_eq!((record.src_payload_bytes, record.dst_payload_bytes), (Some(1596), Some(4039)));
        assert_eq!(record.label.as_deref(), Some("flow=From-Normal-Zeek-Benign-Microsoft"));
        // Line 10: an outside scanner's SYN, and `(empty)` in the detailed label elsewhere.
        let record = parser
            .parse_row(b"1655071231.749548\tCEL3aLvvNGvO6Ecoa\t193.201.9.232\t46563\t147.32.81.167\t3933\ttcp\t-\t0.000010\t0\t0\tS0\tF\tT\t0\tS\t2\t80\t0\t0\t(empty)\tMalicious\tExternal-Attack-to-Device")
            .unwrap();
        assert_eq!((record.state.as_str(), record.src_tcp_flags, record.dst_tcp_flags), ("S_", SYN, 0));
        assert_eq!(record.label.as_deref(), Some("flow=From-Botnet-Zeek-Malicious-External-Attack-to-Device"));
    }

    #[test]
    fn iot23_joins_its_last_three_fields_with_three_spaces() {
        let mut parser = parser(&["#separator \\x09", "#unset_field\t-", "#path\tconn", IOT23_FIELDS, IOT23_TYPES]);
        assert_eq!(parser.column_names().len(), 23);
        assert_eq!(&parser.column_names()[20..], ["tunnel_parents", "label", "detailed-label"]);
        // Line 9 (first row) and line 9,000-odd of the DDoS: unset duration and bytes.
        let record = parser
            .parse_row(b"1545403816.962094\tCrDn63WjJEmrWGjqf\t192.168.1.195\t41040\t185.244.25.235\t80\ttcp\t-\t3.139211\t0\t0\tS0\t-\t-\t0\tS\t3\t180\t0\t0\t-   Benign   -")
            .unwrap();
        assert_eq!(
            (record.start_us, record.duration_us(), record.total_pkts, record.total_bytes),
            (1_545_403_816_962_094, 3_139_211, 3, 180)
        );
        assert_eq!(record.label.as_deref(), Some("flow=From-Normal-Zeek-Benign"));
        let record = parser
            .parse_row(b"1545466958.988497\tCkzKkQ3JSDFQLo5Cnh\t192.168.1.195\t65279\t123.59.209.185\t80\ttcp\t-\t-\t-\t-\tOTH\t-\t-\t0\tC\t0\t0\t0\t0\t-   Malicious   DDoS")
            .unwrap();
        assert_eq!((record.duration_us(), record.total_pkts, record.src_pkts, record.total_bytes), (0, 0, Some(0), 0));
        assert_eq!((record.src_payload_bytes, record.dst_payload_bytes), (None, None));
        assert_eq!((record.state.as_str(), record.direction), ("_", Direction::ForwardUncertain));
        assert_eq!(record.label.as_deref(), Some("flow=From-Botnet-Zeek-Malicious-DDoS"));
        // Hand-made: the joined field split the wrong way.
        let err = parser
            .parse_row(b"1545403816.962094\tC\t192.168.1.195\t41040\t185.244.25.235\t80\ttcp\t-\t3.1\t0\t0\tS0\t-\t-\t0\tS\t3\t180\t0\t0\t-\tBenign\t-")
            .unwrap_err();
        assert_eq!(err, "expected 21 fields as in #fields, found 23");
        let err = parser
            .parse_row(b"1545403816.962094\tC\t192.168.1.195\t41040\t185.244.25.235\t80\ttcp\t-\t3.1\t0\t0\tS0\t-\t-\t0\tS\t3\t180\t0\t0\t-   Benign")
            .unwrap_err();
        assert_eq!(err, "field 21 holds 2 value(s) joined by three spaces where #fields has 3 (IoT-23's form)");
    }

    #[test]
    fn other_separators_unset_and_empty_values_and_column_order() {
        // Hand-made: a comma separator, `?` unset, `<none>` empty, fields in another order.
        let mut parser = parser(&[
            "#separator \\x2c",
            "#unset_field,?",
            "#empty_field,<none>",
            "#fields,proto,id.resp_p,id.resp_h,id.orig_p,id.orig_h,ts,history,label,extra",
        ]);
        let record = parser.parse_row(b"udp,53,10.0.0.1,5353,10.0.0.2,1545403816.5,?,<none>,x").unwrap();
        assert_eq!(
            (record.src_addr, record.dst_addr, record.src_port, record.dst_port),
            (v4("10.0.0.2"), v4("10.0.0.1"), Some(5353), Some(53))
        );
        assert_eq!((record.state.as_str(), record.label.as_deref(), record.total_pkts), ("INT", None, 0));
        assert_eq!(parser.parse_row(b"udp,53,?,?,10.0.0.2,1545403816.5,?,?,x").unwrap().dst_addr, Address::Unknown);
        assert_eq!(parser.parse_row(b"udp,?,10.0.0.1,?,10.0.0.2,1545403816.5,?,?,x").unwrap().src_port, None);
        let err = parser.parse_row(b"udp,<none>,10.0.0.1,1,10.0.0.2,1545403816.5,?,?,x").unwrap_err();
        assert_eq!(err, "field id.resp_p (column 2) \"<none>\": empty, where a count is expected");
        let err = parser.parse_row(b"udp,53,10.0.0.1,1,10.0.0.2,?,?,?,x").unwrap_err();
        assert_eq!(err, "field ts (column 6) \"?\": unset: a connection needs its time");
        // Escapes in a label: `\x2c` is the separator itself.
        let record = parser.parse_row(b"udp,53,10.0.0.1,1,10.0.0.2,1,?,a\\x2cb,x").unwrap();
        assert_eq!(record.label.as_deref(), Some("a,b"));
    }

    #[test]
    fn header_problems() {
        let mut parser = ZeekTsvParser::default();
        let err = |parser: &mut ZeekTsvParser, line: &str| parser.header_line(line.as_bytes()).unwrap_err();
        assert_eq!(err(&mut parser, "#path\tdns"), "#path is \"dns\": this is Zeek's dns log, not its conn.log");
        assert_eq!(err(&mut parser, "#types\ttime"), "#types before #fields");
        assert_eq!(err(&mut parser, "#fields\tts\tuid\tproto"), "#fields lacks id.orig_h, id.orig_p, id.resp_h, id.resp_p (a conn.log has ts, id.orig_h, id.orig_p, id.resp_h, id.resp_p and proto)");
        assert_eq!(
            err(&mut parser, "#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tts"),
            "#fields names ts twice (columns 1 and 7)"
        );
        assert_eq!(err(&mut parser, "#separator "), "#separator \"\": not a separator of 1 to 16 bytes");
        assert_eq!(err(&mut parser, "#unset_field"), "#unset_field without a value");
        assert!(!parser.has_fields());
        assert_eq!(parser.parse_row(b"1\t2").unwrap_err(), "a row before the #fields line");
        parser.header_line(b"#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto").unwrap();
        assert_eq!(err(&mut parser, "#types\ttime\taddr"), "#types has 2 entries for the 6 of #fields");
        assert_eq!(
            err(&mut parser, "#types\tdouble\taddr\tport\taddr\tport\tenum"),
            "#types gives ts (column 1) the type \"double\", where a conn.log has time"
        );
        parser.header_line(b"#types\ttime\taddr\tport\taddr\tport\tenum").unwrap();
        // Comments and the footer are ignored.
        parser.header_line(b"#close\t2019-03-15-14-52-01").unwrap();
        parser.header_line(b"# a comment").unwrap();
        parser.header_line(b"#separator  ").unwrap(); // a space as separator
        assert_eq!(parser.separator, b" ");
    }
}
