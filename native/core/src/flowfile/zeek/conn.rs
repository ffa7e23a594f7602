//! One Zeek connection, whichever writer produced it: the fields flowhound reads, each as the
//! TSV or JSON writer left it, and the [`FlowRecord`] they make (the mapping is tabled in
//! `zeek/mod.rs`).

use std::borrow::Cow;

use crate::flow::{icmp_v4_request_of, icmp_v4_state, icmp_v6_request_type, icmp_v6_state, state_string};
use crate::flowfile::columns::FlowColumn;
use crate::flowfile::fields::{parse_address, parse_count, parse_protocol, parse_seconds_as_us};
use crate::packet::ip_proto;
use crate::record::{Address, Direction, FlowRecord, Protocol};

use super::label::flow_label;
use super::state::{sides_seen, tcp_view, SidesSeen};
use super::time::{ts_from_json_number, ts_from_text};

/// The conn.log fields flowhound reads; every other field is ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ZeekField {
    Ts,
    OrigH,
    OrigP,
    RespH,
    RespP,
    Proto,
    Duration,
    OrigBytes,
    RespBytes,
    ConnState,
    History,
    OrigPkts,
    OrigIpBytes,
    RespPkts,
    RespIpBytes,
    IpProto,
    Label,
    DetailedLabel,
}

impl ZeekField {
    pub const ALL: [ZeekField; 18] = [
        ZeekField::Ts,
        ZeekField::OrigH,
        ZeekField::OrigP,
        ZeekField::RespH,
        ZeekField::RespP,
        ZeekField::Proto,
        ZeekField::Duration,
        ZeekField::OrigBytes,
        ZeekField::RespBytes,
        ZeekField::ConnState,
        ZeekField::History,
        ZeekField::OrigPkts,
        ZeekField::OrigIpBytes,
        ZeekField::RespPkts,
        ZeekField::RespIpBytes,
        ZeekField::IpProto,
        ZeekField::Label,
        ZeekField::DetailedLabel,
    ];

    /// What a TSV log's `#fields` must name: the connection's time, ends and protocol.
    pub const REQUIRED: [ZeekField; 6] =
        [ZeekField::Ts, ZeekField::OrigH, ZeekField::OrigP, ZeekField::RespH, ZeekField::RespP, ZeekField::Proto];

    /// The name Zeek gives the field.
    pub fn name(self) -> &'static str {
        match self {
            ZeekField::Ts => "ts",
            ZeekField::OrigH => "id.orig_h",
            ZeekField::OrigP => "id.orig_p",
            ZeekField::RespH => "id.resp_h",
            ZeekField::RespP => "id.resp_p",
            ZeekField::Proto => "proto",
            ZeekField::Duration => "duration",
            ZeekField::OrigBytes => "orig_bytes",
            ZeekField::RespBytes => "resp_bytes",
            ZeekField::ConnState => "conn_state",
            ZeekField::History => "history",
            ZeekField::OrigPkts => "orig_pkts",
            ZeekField::OrigIpBytes => "orig_ip_bytes",
            ZeekField::RespPkts => "resp_pkts",
            ZeekField::RespIpBytes => "resp_ip_bytes",
            ZeekField::IpProto => "ip_proto",
            ZeekField::Label => "label",
            ZeekField::DetailedLabel => "detailed-label",
        }
    }

    /// The field a `#fields` name or JSON key means. Stratosphere spells the detailed label
    /// `detailed-label` (IoT-23) and `detailedlabel` (CTU-Normal).
    pub fn from_name(name: &str) -> Option<ZeekField> {
        match name {
            "detailedlabel" | "detailed_label" => Some(ZeekField::DetailedLabel),
            _ => ZeekField::ALL.into_iter().find(|field| field.name() == name),
        }
    }

    /// The type Zeek's `#types` line gives the field (the labels are the labeller's strings).
    pub fn zeek_type(self) -> &'static str {
        match self {
            ZeekField::Ts => "time",
            ZeekField::OrigH | ZeekField::RespH => "addr",
            ZeekField::OrigP | ZeekField::RespP => "port",
            ZeekField::Proto => "enum",
            ZeekField::Duration => "interval",
            ZeekField::ConnState | ZeekField::History | ZeekField::Label | ZeekField::DetailedLabel => "string",
            _ => "count",
        }
    }

    /// The fields a record column is made from (for `FlowFileReader::has_column`).
    pub fn making(column: FlowColumn) -> &'static [ZeekField] {
        use ZeekField::*;
        match column {
            FlowColumn::StartTime => &[Ts],
            FlowColumn::Dur => &[Duration],
            FlowColumn::Proto => &[Proto],
            FlowColumn::SrcAddr => &[OrigH],
            FlowColumn::Sport => &[OrigP],
            FlowColumn::DstAddr => &[RespH],
            FlowColumn::Dport => &[RespP],
            FlowColumn::Dir | FlowColumn::State => &[History, ConnState, OrigPkts, RespPkts],
            FlowColumn::TotPkts => &[OrigPkts, RespPkts],
            FlowColumn::SrcPkts => &[OrigPkts],
            FlowColumn::DstPkts => &[RespPkts],
            FlowColumn::TotBytes => &[OrigIpBytes, RespIpBytes],
            FlowColumn::SrcBytes => &[OrigIpBytes],
            FlowColumn::DstBytes => &[RespIpBytes],
            FlowColumn::SrcAppBytes => &[OrigBytes],
            FlowColumn::DstAppBytes => &[RespBytes],
            FlowColumn::Label => &[Label, DetailedLabel],
            FlowColumn::LastTime | FlowColumn::SrcTos | FlowColumn::DstTos | FlowColumn::WindowStart => &[],
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// A field's value as its writer left it.
#[derive(Clone, Debug, PartialEq)]
pub enum Value<'a> {
    /// A TSV field's text (Zeek's `\xNN` escapes not yet decoded).
    Tsv(&'a [u8]),
    /// A JSON string, decoded.
    String(Cow<'a, str>),
    /// A JSON number as written.
    Number(&'a [u8]),
    Bool(bool),
    /// The unset value as written: TSV `-` (or the file's `#unset_field`), JSON `null`.
    Unset(&'a [u8]),
    /// The empty value as written: TSV `(empty)` (or the file's `#empty_field`), JSON `[]`.
    Empty(&'a [u8]),
    /// A JSON array with items.
    Array,
}

#[derive(Clone, Debug, PartialEq)]
struct Located<'a> {
    value: Value<'a>,
    /// One-based TSV column; `None` for JSON.
    column: Option<usize>,
}

/// The fields of one log line; a field the line lacks is unset.
#[derive(Clone, Debug, Default)]
pub struct ZeekConn<'a> {
    fields: [Option<Located<'a>>; ZeekField::ALL.len()],
}

/// How much of a bad value to quote in a message.
const QUOTED_VALUE_MAX_CHARS: usize = 60;

impl<'a> ZeekConn<'a> {
    /// Sets a field; a field given twice (a JSON key repeated) is an error.
    pub fn set(&mut self, field: ZeekField, value: Value<'a>, column: Option<usize>) -> Result<(), String> {
        let slot = &mut self.fields[field.index()];
        if slot.is_some() {
            return Err(format!("field {} appears twice", field.name()));
        }
        *slot = Some(Located { value, column });
        Ok(())
    }

    fn value(&self, field: ZeekField) -> &Value<'a> {
        const ABSENT: &Value<'static> = &Value::Unset(b"");
        self.fields[field.index()].as_ref().map_or(ABSENT, |located| &located.value)
    }

    /// `field NAME (column N) "VALUE": REASON`, as binetflow rows say it.
    fn error(&self, field: ZeekField, reason: &str) -> String {
        let located = self.fields[field.index()].as_ref();
        let shown: Cow<'_, str> = match located.map(|l| &l.value) {
            None => return format!("field {}: {reason}", field.name()),
            Some(Value::Tsv(text) | Value::Number(text) | Value::Unset(text) | Value::Empty(text)) => {
                String::from_utf8_lossy(text)
            }
            Some(Value::String(text)) => Cow::Borrowed(text.as_ref()),
            Some(Value::Bool(value)) => Cow::Owned(value.to_string()),
            Some(Value::Array) => Cow::Borrowed("[…]"),
        };
        let mut quoted: String = shown.chars().take(QUOTED_VALUE_MAX_CHARS).collect();
        if quoted.len() < shown.len() && shown.chars().count() > QUOTED_VALUE_MAX_CHARS {
            quoted.push('…');
        }
        match located.and_then(|l| l.column) {
            Some(column) => format!("field {} (column {column}) {quoted:?}: {reason}", field.name()),
            None => format!("field {} {quoted:?}: {reason}", field.name()),
        }
    }

    /// A required field is unset (TSV `-`, JSON `null`) or absent (a JSON line without it).
    fn unset_error(&self, field: ZeekField, need: &str) -> String {
        match self.fields[field.index()] {
            None => format!("field {} is missing: {need}", field.name()),
            Some(_) => self.error(field, &format!("unset: {need}")),
        }
    }

    /// A text field (strings, enums, addresses): `None` when unset, `""` when empty.
    fn text(&self, field: ZeekField) -> Result<Option<Cow<'a, [u8]>>, String> {
        match self.value(field) {
            Value::Tsv(text) => Ok(Some(unescape(text))),
            Value::String(Cow::Borrowed(text)) => Ok(Some(Cow::Borrowed((*text).as_bytes()))),
            Value::String(Cow::Owned(text)) => Ok(Some(Cow::Owned(text.clone().into_bytes()))),
            Value::Unset(_) => Ok(None),
            Value::Empty(_) => Ok(Some(Cow::Borrowed(b""))),
            Value::Number(_) | Value::Bool(_) | Value::Array => Err(self.error(field, "not a string")),
        }
    }

    /// A number's text: TSV text or a JSON number (a JSON string is refused).
    fn number_text(&self, field: ZeekField, what: &str) -> Result<Option<&'a [u8]>, String> {
        match self.value(field) {
            Value::Tsv(text) | Value::Number(text) => Ok(Some(*text)),
            Value::Unset(_) => Ok(None),
            Value::Empty(_) => Err(self.error(field, &format!("empty, where {what} is expected"))),
            Value::String(_) | Value::Bool(_) | Value::Array => Err(self.error(field, &format!("not {what}"))),
        }
    }

    fn count(&self, field: ZeekField) -> Result<Option<u64>, String> {
        match self.number_text(field, "a count")? {
            Some(text) => parse_count(text).map(Some).map_err(|reason| self.error(field, reason)),
            None => Ok(None),
        }
    }

    fn ts_us(&self) -> Result<i64, String> {
        let field = ZeekField::Ts;
        match self.value(field) {
            Value::Tsv(text) => ts_from_text(text),
            Value::String(text) => ts_from_text(text.as_bytes()),
            Value::Number(number) => ts_from_json_number(number),
            Value::Unset(_) => return Err(self.unset_error(field, "a connection needs its time")),
            Value::Empty(_) | Value::Bool(_) | Value::Array => Err("not a time"),
        }
        .map_err(|reason| self.error(field, reason))
    }

    fn address(&self, field: ZeekField) -> Result<Address, String> {
        match self.text(field)? {
            None => Ok(Address::Unknown),
            Some(text) if text.is_empty() => Err(self.error(field, "empty, where an address is expected")),
            Some(text) => parse_address(&text).map_err(|reason| self.error(field, reason)),
        }
    }

    fn protocol(&self, orig: &Address, resp: &Address) -> Result<Protocol, String> {
        let field = ZeekField::Proto;
        let Some(text) = self.text(field)? else {
            return Err(self.unset_error(field, "a connection needs its protocol"));
        };
        let is_v6 = |address: &Address| matches!(address, Address::Ip(ip) if !ip.is_v4());
        Ok(match text.as_ref() {
            b"tcp" => Protocol::Ip(ip_proto::TCP),
            b"udp" => Protocol::Ip(ip_proto::UDP),
            // Zeek names ICMPv6 `icmp` too: the addresses tell them apart.
            b"icmp" if is_v6(orig) || is_v6(resp) => Protocol::Ip(ip_proto::ICMPV6),
            b"icmp" => Protocol::Ip(ip_proto::ICMP),
            b"unknown_transport" => match self.count(ZeekField::IpProto)? {
                Some(number) => {
                    Protocol::Ip(u8::try_from(number).map_err(|_| self.error(ZeekField::IpProto, "above 255"))?)
                }
                None => Protocol::Named("unknown_transport".into()),
            },
            other => parse_protocol(other).map_err(|reason| self.error(field, reason))?,
        })
    }

    /// The record's ports (see [`FlowRecord::src_port`] for ICMP's convention).
    fn ports(&self, protocol: &Protocol) -> Result<(Option<u16>, Option<u16>), String> {
        let orig_p = self.count(ZeekField::OrigP)?;
        let resp_p = self.count(ZeekField::RespP)?;
        let byte = |value: u64, field: ZeekField, what: &str| {
            u8::try_from(value).map_err(|_| self.error(field, &format!("ICMP {what} above 255")))
        };
        let port = |value: Option<u64>, field: ZeekField| -> Result<Option<u16>, String> {
            value.map(|v| u16::try_from(v).map_err(|_| self.error(field, "port above 65535"))).transpose()
        };
        match protocol {
            Protocol::Ip(number @ (ip_proto::ICMP | ip_proto::ICMPV6)) => {
                let Some(icmp_type) = orig_p else { return Ok((None, None)) };
                let icmp_type = byte(icmp_type, ZeekField::OrigP, "type")?;
                // For query/reply types Zeek puts the counterpart type in `id.resp_p` (their code
                // is 0, RFC 792); for the others, the code.
                let code = match resp_p {
                    _ if has_counterpart(*number, icmp_type) => 0,
                    Some(code) => byte(code, ZeekField::RespP, "code")?,
                    None => 0,
                };
                Ok((Some(u16::from(icmp_type) << 8 | u16::from(code)), None))
            }
            Protocol::Ip(ip_proto::TCP | ip_proto::UDP) => {
                Ok((port(orig_p, ZeekField::OrigP)?, port(resp_p, ZeekField::RespP)?))
            }
            // Zeek writes 0 and 0 for other protocols; the record has no ports for them.
            _ => Ok((None, None)),
        }
    }

    /// The flow record of this connection.
    pub fn to_record(&self) -> Result<FlowRecord, String> {
        let start_us = self.ts_us()?;
        let duration_us = match self.number_text(ZeekField::Duration, "a number of seconds")? {
            Some(text) => parse_seconds_as_us(text).map_err(|reason| self.error(ZeekField::Duration, reason))?,
            None => 0,
        };
        // Saturating: a time no date holds is refused by the reader's range check.
        let last_us = start_us.saturating_add(duration_us);
        let orig_addr = self.address(ZeekField::OrigH)?;
        let resp_addr = self.address(ZeekField::RespH)?;
        let protocol = self.protocol(&orig_addr, &resp_addr)?;
        let (src_port, dst_port) = self.ports(&protocol)?;

        let orig_pkts = self.count(ZeekField::OrigPkts)?;
        let resp_pkts = self.count(ZeekField::RespPkts)?;
        let orig_bytes = self.count(ZeekField::OrigBytes)?;
        let resp_bytes = self.count(ZeekField::RespBytes)?;
        // A log cut down to some fields (`zeek-cut`, a JSON pipeline) may lack the IP byte
        // counts: then the payload's, with each counted packet's IP and transport headers (no
        // options), rather than no bytes at all, which every byte feature would read as silence.
        let header_bytes = ip_and_transport_header_bytes(&protocol, &orig_addr);
        let ip_bytes = |field, payload: Option<u64>, pkts: Option<u64>| -> Result<Option<u64>, String> {
            Ok(self.count(field)?.or_else(|| payload.map(|payload| payload.saturating_add(pkts.unwrap_or(0).saturating_mul(header_bytes)))))
        };
        let orig_ip_bytes = ip_bytes(ZeekField::OrigIpBytes, orig_bytes, orig_pkts)?;
        let resp_ip_bytes = ip_bytes(ZeekField::RespIpBytes, resp_bytes, resp_pkts)?;
        let history = self.text(ZeekField::History)?;
        let conn_state = self.text(ZeekField::ConnState)?;
        let label_text = |field| -> Result<String, String> {
            Ok(self.text(field)?.map(|t| String::from_utf8_lossy(&t).into_owned()).unwrap_or_default())
        };
        let (label, detail) = (label_text(ZeekField::Label)?, label_text(ZeekField::DetailedLabel)?);

        let mut swapped = false;
        let mut sides = sides_seen(orig_pkts, resp_pkts, history.as_deref(), conn_state.as_deref());
        let mut ends = Ends {
            src_addr: orig_addr,
            dst_addr: resp_addr,
            src_pkts: orig_pkts,
            dst_pkts: resp_pkts,
            src_bytes: orig_ip_bytes,
            dst_bytes: resp_ip_bytes,
            src_payload_bytes: orig_bytes,
            dst_payload_bytes: resp_bytes,
        };
        let (state, direction, src_tcp_flags, dst_tcp_flags) = match protocol {
            Protocol::Ip(ip_proto::TCP) => {
                let view = tcp_view(history.as_deref(), conn_state.as_deref());
                let direction = if view.opened_by_handshake {
                    Direction::Forward
                } else {
                    match (sides.orig, sides.resp) {
                        (true, true) => Direction::BothUncertain,
                        (false, true) => Direction::BackwardUncertain,
                        _ => Direction::ForwardUncertain,
                    }
                };
                (state_string(view.orig_flags, view.resp_flags), direction, view.orig_flags, view.resp_flags)
            }
            Protocol::Ip(ip_proto::ICMP) => {
                let type_code = src_port.map(|tc| ((tc >> 8) as u8, (tc & 0xff) as u8));
                let state = type_code.map_or("UNK", |(icmp_type, code)| icmp_v4_state(icmp_type, code));
                // Argus orients a query flow requester → responder: a lone reply is `<-`, its
                // receiver the source. Zeek's originator sent the reply: swap the ends.
                if type_code.is_some_and(|(icmp_type, _)| matches!(icmp_v4_request_of(icmp_type), Some((_, true)))) {
                    ends.swap();
                    swapped = true;
                    sides = SidesSeen { orig: sides.resp, resp: sides.orig };
                }
                (state.to_string(), one_or_both_ways(sides), 0, 0)
            }
            Protocol::Ip(ip_proto::ICMPV6) => {
                let state = src_port
                    .map_or("UNK", |tc| icmp_v6_state(icmp_v6_request_type((tc >> 8) as u8), (tc & 0xff) as u8));
                (state.to_string(), one_or_both_ways(sides), 0, 0)
            }
            _ => {
                let state = match (sides.orig, sides.resp) {
                    (true, true) => "CON",
                    (false, true) => "RSP",
                    _ => "INT",
                };
                (state.to_string(), one_or_both_ways(sides), 0, 0)
            }
        };
        let (total_pkts, src_pkts) = match (ends.src_pkts, ends.dst_pkts) {
            (None, None) => (0, None),
            (src, dst) => {
                let (src, dst) = (src.unwrap_or(0), dst.unwrap_or(0));
                (
                    src.checked_add(dst).ok_or_else(|| self.error(ZeekField::OrigPkts, "packet total too large"))?,
                    Some(src),
                )
            }
        };
        let src_bytes = ends.src_bytes.unwrap_or(0);
        let total_bytes = src_bytes
            .checked_add(ends.dst_bytes.unwrap_or(0))
            .ok_or_else(|| self.error(ZeekField::OrigIpBytes, "byte total too large"))?;

        Ok(FlowRecord {
            window_start_us: None,
            start_us,
            last_us,
            protocol,
            src_addr: ends.src_addr,
            dst_addr: ends.dst_addr,
            src_port,
            dst_port,
            direction,
            state,
            src_tos: None,
            dst_tos: None,
            total_pkts,
            total_bytes,
            src_bytes,
            src_pkts,
            src_payload_bytes: ends.src_payload_bytes,
            dst_payload_bytes: ends.dst_payload_bytes,
            src_tcp_flags,
            dst_tcp_flags,
            label: flow_label(&label, &detail, !swapped),
        })
    }
}

/// What each end sent, source first; swapped for ICMP replies.
struct Ends {
    src_addr: Address,
    dst_addr: Address,
    src_pkts: Option<u64>,
    dst_pkts: Option<u64>,
    src_bytes: Option<u64>,
    dst_bytes: Option<u64>,
    src_payload_bytes: Option<u64>,
    dst_payload_bytes: Option<u64>,
}

impl Ends {
    fn swap(&mut self) {
        std::mem::swap(&mut self.src_addr, &mut self.dst_addr);
        std::mem::swap(&mut self.src_pkts, &mut self.dst_pkts);
        std::mem::swap(&mut self.src_bytes, &mut self.dst_bytes);
        std::mem::swap(&mut self.src_payload_bytes, &mut self.dst_payload_bytes);
    }
}

/// Argus's `Dir` for flows other than TCP: `<->` when both sides sent.
fn one_or_both_ways(sides: SidesSeen) -> Direction {
    match (sides.orig, sides.resp) {
        (true, true) => Direction::Both,
        (false, true) => Direction::Backward,
        _ => Direction::Forward,
    }
}

/// Whether Zeek pairs this ICMP type with a counterpart (`ICMP4_counterpart`,
/// `ICMP6_counterpart`): then `id.resp_p` holds that type, not a code.
fn has_counterpart(protocol: u8, icmp_type: u8) -> bool {
    if protocol == ip_proto::ICMPV6 {
        matches!(icmp_type, 128 | 129 | 130 | 131 | 133 | 134 | 135 | 136 | 139 | 140 | 144 | 145)
    } else {
        matches!(icmp_type, 0 | 8 | 9 | 10 | 13 | 14 | 15 | 16 | 17 | 18)
    }
}

/// Zeek's ASCII writer writes bytes it must not print (the separator, control bytes) as
/// `\xNN`; everything else is as it was.
fn unescape(text: &[u8]) -> Cow<'_, [u8]> {
    let escape_at = |pos: usize| -> Option<u8> {
        match text.get(pos..pos + 4)? {
            [b'\\', b'x', high, low] if high.is_ascii_hexdigit() && low.is_ascii_hexdigit() => {
                let digit = |d: u8| (d as char).to_digit(16).unwrap_or(0) as u8;
                Some(digit(*high) << 4 | digit(*low))
            }
            _ => None,
        }
    };
    if !(0..text.len()).any(|pos| escape_at(pos).is_some()) {
        return Cow::Borrowed(text);
    }
    let mut out = Vec::with_capacity(text.len());
    let mut pos = 0;
    while pos < text.len() {
        match escape_at(pos) {
            Some(byte) => {
                out.push(byte);
                pos += 4;
            }
            None => {
                out.push(text[pos]);
                pos += 1;
            }
        }
    }
    Cow::Owned(out)
}

/// The bytes of an IP and a transport header without options: what Zeek's `*_ip_bytes` count
/// beyond the payload for each packet.
fn ip_and_transport_header_bytes(protocol: &Protocol, address: &Address) -> u64 {
    let ip = if matches!(address, Address::Ip(ip) if !ip.is_v4()) { 40 } else { 20 };
    let transport = match protocol {
        Protocol::Ip(ip_proto::TCP) => 20,
        Protocol::Ip(ip_proto::UDP | ip_proto::ICMP | ip_proto::ICMPV6) => 8,
        _ => 0,
    };
    ip + transport
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::IpAddr16;

    /// A connection from `(field, TSV text)` pairs; `-` is unset, as in Zeek's TSV.
    fn conn<'a>(fields: &[(ZeekField, &'a str)]) -> ZeekConn<'a> {
        let mut conn = ZeekConn::default();
        for (column, (field, text)) in fields.iter().enumerate() {
            let value = if *text == "-" { Value::Unset(b"-") } else { Value::Tsv(text.as_bytes()) };
            conn.set(*field, value, Some(column + 1)).unwrap();
        }
        conn
    }

    fn ip(text: &str) -> Address {
        match text.parse::<std::net::IpAddr>().unwrap() {
            std::net::IpAddr::V4(v4) => Address::Ip(IpAddr16::from_v4(v4.octets())),
            std::net::IpAddr::V6(v6) => Address::Ip(IpAddr16::from_v6(v6.octets())),
        }
    }

    use ZeekField::*;

    fn icmp(orig: &str, orig_p: &str, resp: &str, resp_p: &str, orig_pkts: &str, resp_pkts: &str) -> FlowRecord {
        conn(&[
            (Ts, "1655243845.785917"),
            (OrigH, orig),
            (OrigP, orig_p),
            (RespH, resp),
            (RespP, resp_p),
            (Proto, "icmp"),
            (OrigPkts, orig_pkts),
            (OrigIpBytes, "64"),
            (RespPkts, resp_pkts),
            (RespIpBytes, "0"),
            (Label, "Malicious"),
        ])
        .to_record()
        .unwrap()
    }

    #[test]
    fn without_ip_byte_counts_the_payload_and_headers_stand_in() {
        // conn-hand.log's first row (test/fixtures/zeek) cut down by zeek-cut to its payload
        // counts: 5 and 12 bytes over 5 and 3 packets of TCP over IPv4 (40 header bytes each).
        let base = [(Ts, "1600000000.006000"), (OrigH, "10.1.3.2"), (OrigP, "4444"), (RespH, "10.1.3.1"), (RespP, "80"), (Proto, "tcp")];
        let cut = conn(&[&base[..], &[(OrigBytes, "5"), (RespBytes, "12"), (OrigPkts, "5"), (RespPkts, "3")]].concat()).to_record().unwrap();
        assert_eq!((cut.total_bytes, cut.src_bytes, cut.total_pkts), (5 + 5 * 40 + 12 + 3 * 40, 205, 8));
        // The log's own counts, when it has them, are what is read.
        let whole = conn(&[&base[..], &[(OrigBytes, "5"), (RespBytes, "12"), (OrigPkts, "5"), (RespPkts, "3"), (OrigIpBytes, "205"), (RespIpBytes, "132")]].concat());
        assert_eq!(whole.to_record().unwrap().total_bytes, 337);
        // Neither: no bytes, as before.
        assert_eq!(conn(&base).to_record().unwrap().total_bytes, 0);
    }

    #[test]
    fn icmp_echo_from_ctu_normal() {
        // CTU-Normal-42_day2_host-147.32.83.234.conn.log.labeled.gz, the last ICMP row:
        // 1655243845.785917 CZl5ZQ1sl3cbejLfr4 128.9.29.131 8 147.32.83.234 0 icmp - 0.000003 8 0
        // OTH F T 0 - 2 64 0 0 (empty) Malicious External-Attack-to-Device
        let record = conn(&[
            (Ts, "1655243845.785917"),
            (OrigH, "128.9.29.131"),
            (OrigP, "8"),
            (RespH, "147.32.83.234"),
            (RespP, "0"),
            (Proto, "icmp"),
            (Duration, "0.000003"),
            (OrigBytes, "8"),
            (RespBytes, "0"),
            (ConnState, "OTH"),
            (History, "-"),
            (OrigPkts, "2"),
            (OrigIpBytes, "64"),
            (RespPkts, "0"),
            (RespIpBytes, "0"),
            (Label, "Malicious"),
            (DetailedLabel, ""),
        ])
        .to_record()
        .unwrap();
        assert_eq!(record.protocol, Protocol::Ip(1));
        assert_eq!((record.src_port, record.dst_port), (Some(0x0800), None));
        assert_eq!((record.state.as_str(), record.direction), ("ECO", Direction::Forward));
        assert_eq!((record.total_pkts, record.src_pkts, record.total_bytes, record.src_bytes), (2, Some(2), 64, 64));
        assert_eq!((record.src_payload_bytes, record.dst_payload_bytes), (Some(8), Some(0)));
        assert_eq!(record.duration_us(), 3);
        assert_eq!((record.src_tcp_flags, record.dst_tcp_flags, record.src_tos, record.dst_tos), (0, 0, None, None));
        assert_eq!(record.label.as_deref(), Some("flow=From-Botnet-Zeek-Malicious"));
    }

    #[test]
    fn icmp_types_codes_and_replies() {
        // Hand-made, with the ports Zeek's ICMP4_counterpart / ICMP6_counterpart give.
        let unreachable = icmp("10.6.3.1", "3", "10.6.3.2", "3", "1", "0");
        assert_eq!((unreachable.src_port, unreachable.state.as_str()), (Some(0x0303), "URP"));
        let answered = icmp("10.5.1.1", "8", "10.5.1.2", "0", "2", "1");
        assert_eq!((answered.state.as_str(), answered.direction), ("ECO", Direction::Both));
        // A lone echo reply: Argus's source is the requester, who received it.
        let reply = icmp("10.5.2.2", "0", "10.5.2.1", "8", "1", "0");
        assert_eq!((reply.src_addr, reply.dst_addr), (ip("10.5.2.1"), ip("10.5.2.2")));
        assert_eq!((reply.state.as_str(), reply.direction, reply.src_port), ("ECR", Direction::Backward, Some(0)));
        assert_eq!((reply.total_pkts, reply.src_pkts, reply.total_bytes, reply.src_bytes), (1, Some(0), 64, 0));
        assert_eq!(reply.label.as_deref(), Some("flow=To-Botnet-Zeek-Malicious"), "the label still names the sender");
        // ICMPv6 is `icmp` in Zeek: the addresses say it is IPv6.
        let solicitation = icmp("fe80::c:1", "135", "fe80::c:2", "136", "1", "0");
        assert_eq!(solicitation.protocol, Protocol::Ip(58));
        assert_eq!(
            (solicitation.src_port, solicitation.dst_port, solicitation.state.as_str()),
            (Some(135 << 8), None, "NNS")
        );
        let advert = icmp("fe80::c:2", "136", "fe80::c:1", "135", "1", "0");
        assert_eq!((advert.state.as_str(), advert.src_addr), ("NNS", ip("fe80::c:2")));
        let port_unreachable = icmp("fe80::4:1", "1", "fe80::4:2", "4", "1", "0");
        assert_eq!((port_unreachable.src_port, port_unreachable.state.as_str()), (Some(0x0104), "URP"));
        let echo6 = icmp("2001:db8::1", "128", "2001:db8::2", "129", "2", "1");
        assert_eq!((echo6.src_port, echo6.state.as_str(), echo6.direction), (Some(128 << 8), "ECO", Direction::Both));
        // Errors name the field.
        let bad =
            conn(&[(Ts, "1"), (OrigH, "10.0.0.1"), (OrigP, "300"), (RespH, "10.0.0.2"), (RespP, "0"), (Proto, "icmp")]);
        assert_eq!(bad.to_record().unwrap_err(), "field id.orig_p (column 3) \"300\": ICMP type above 255");
        let bad =
            conn(&[(Ts, "1"), (OrigH, "10.0.0.1"), (OrigP, "3"), (RespH, "10.0.0.2"), (RespP, "256"), (Proto, "icmp")]);
        assert_eq!(bad.to_record().unwrap_err(), "field id.resp_p (column 5) \"256\": ICMP code above 255");
    }

    #[test]
    fn other_transports_and_partial_counts() {
        // Hand-made: GRE, which Zeek logs as unknown_transport with its ip_proto.
        let fields = |proto: &'static str, ip_proto: &'static str| {
            conn(&[
                (Ts, "1545403816.962094"),
                (OrigH, "10.0.0.1"),
                (OrigP, "0"),
                (RespH, "10.0.0.2"),
                (RespP, "0"),
                (Proto, proto),
                (IpProto, ip_proto),
                (OrigPkts, "3"),
                (RespPkts, "-"),
                (OrigIpBytes, "-"),
                (RespIpBytes, "40"),
            ])
        };
        let gre = fields("unknown_transport", "47").to_record().unwrap();
        assert_eq!((gre.protocol.clone(), gre.src_port, gre.dst_port), (Protocol::Ip(47), None, None));
        assert_eq!((gre.state.as_str(), gre.direction), ("INT", Direction::Forward));
        assert_eq!((gre.total_pkts, gre.src_pkts, gre.total_bytes, gre.src_bytes), (3, Some(3), 40, 0));
        let unknown = fields("unknown_transport", "-").to_record().unwrap();
        assert_eq!(unknown.protocol, Protocol::Named("unknown_transport".into()));
        assert_eq!(
            fields("unknown_transport", "256").to_record().unwrap_err(),
            "field ip_proto (column 7) \"256\": above 255"
        );
        assert_eq!(fields("", "-").to_record().unwrap_err(), "field proto (column 6) \"\": empty");
        assert_eq!(
            fields("-", "-").to_record().unwrap_err(),
            "field proto (column 6) \"-\": unset: a connection needs its protocol"
        );
        assert_eq!(fields("a b", "-").to_record().unwrap_err(), "field proto (column 6) \"a b\": not a protocol name");
        let both = conn(&[
            (Ts, "1"),
            (OrigH, "10.0.0.1"),
            (OrigP, "1"),
            (RespH, "10.0.0.2"),
            (RespP, "2"),
            (Proto, "udp"),
            (RespPkts, "2"),
        ])
        .to_record()
        .unwrap();
        assert_eq!(
            (both.state.as_str(), both.direction, both.src_pkts, both.total_pkts),
            ("RSP", Direction::Backward, Some(0), 2)
        );
    }

    #[test]
    fn totals_and_times_that_do_not_fit_are_refused() {
        let base = [(Ts, "1"), (OrigH, "10.0.0.1"), (OrigP, "1"), (RespH, "10.0.0.2"), (RespP, "2"), (Proto, "tcp")];
        let with = |extra: &[(ZeekField, &'static str)]| conn(&[&base[..], extra].concat()).to_record();
        assert_eq!(
            with(&[(OrigIpBytes, "18446744073709551615"), (RespIpBytes, "1")]).unwrap_err(),
            "field orig_ip_bytes (column 7) \"18446744073709551615\": byte total too large"
        );
        assert_eq!(
            with(&[(OrigPkts, "18446744073709551615"), (RespPkts, "1")]).unwrap_err(),
            "field orig_pkts (column 7) \"18446744073709551615\": packet total too large"
        );
        assert_eq!(
            with(&[(Duration, "1e300")]).unwrap_err(),
            "field duration (column 7) \"1e300\": duration too large"
        );
        assert_eq!(
            with(&[(Duration, "nan")]).unwrap_err(),
            "field duration (column 7) \"nan\": not a number of seconds"
        );
        assert_eq!(with(&[(OrigPkts, "2.5")]).unwrap_err(), "field orig_pkts (column 7) \"2.5\": not a whole number");
        let mut twice = conn(&base);
        assert_eq!(twice.set(OrigH, Value::Tsv(b"10.0.0.3"), Some(9)).unwrap_err(), "field id.orig_h appears twice");
        let record = with(&[(Duration, "9223372036")]).unwrap();
        assert_eq!(record.duration_us(), 9_223_372_036_000_000);
        let long_text = "x".repeat(100);
        let err = conn(&[(Ts, long_text.as_str())]).to_record().unwrap_err();
        assert!(err.starts_with(&format!("field ts (column 1) \"{}…\"", "x".repeat(60))), "{err}");
    }

    #[test]
    fn unescaping() {
        assert_eq!(unescape(b"plain").as_ref(), b"plain");
        assert_eq!(unescape(b"a\\x09b\\x5c").as_ref(), b"a\tb\\");
        assert_eq!(unescape(b"\\x4").as_ref(), b"\\x4");
        assert_eq!(unescape(b"\\xzz\\x41").as_ref(), b"\\xzzA");
    }
}
