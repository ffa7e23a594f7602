//! Zeek's JSON logs (`LogAscii::use_json=T`): one object a line, keyed by field name
//! (`"id.orig_h"`), unset fields left out. A `_path` key, which some writers add, must say
//! `conn`; keys flowhound does not read are ignored.

use crate::record::FlowRecord;

use super::conn::{Value, ZeekConn, ZeekField};
use super::json::{parse_object, JsonValue};

/// The record of one JSON line.
pub fn parse_json_line(line: &[u8]) -> Result<FlowRecord, String> {
    let mut entries = Vec::with_capacity(24);
    parse_object(line, &mut entries).map_err(|err| err.to_string())?;
    let mut conn = ZeekConn::default();
    for entry in entries {
        if entry.key == "_path" {
            match &entry.value {
                JsonValue::String(path) if path == "conn" => continue,
                JsonValue::String(path) => {
                    return Err(format!("_path is {path:?}: a line of Zeek's {path} log, not of conn.log"))
                }
                _ => return Err("_path is not a string".into()),
            }
        }
        let Some(field) = ZeekField::from_name(&entry.key) else { continue };
        let value = match entry.value {
            JsonValue::String(text) => Value::String(text),
            JsonValue::Number(number) => Value::Number(number),
            JsonValue::Bool(value) => Value::Bool(value),
            JsonValue::Null => Value::Unset(b"null"),
            JsonValue::Array(0) => Value::Empty(b"[]"),
            JsonValue::Array(_) => Value::Array,
        };
        conn.set(field, value, None)?;
    }
    conn.to_record()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::tcp_flag::{ACK, FIN, PSH, SYN};
    use crate::packet::IpAddr16;
    use crate::record::{Address, Direction, Protocol};

    fn v4(text: &str) -> Address {
        Address::Ip(IpAddr16::from_v4(text.parse::<std::net::Ipv4Addr>().unwrap().octets()))
    }

    #[test]
    fn iot23_rows_as_zeek_writes_them_in_json() {
        // Hand-made from lines 9 and 12 of IoT-23_CTU-IoT-Malware-Capture-34-1_Mirai.conn.log.labeled.gz,
        // written as LogAscii::use_json=T writes them (unset fields left out).
        let record = parse_json_line(br#"{"ts":1545403816.962094,"uid":"CrDn63WjJEmrWGjqf","id.orig_h":"192.168.1.195","id.orig_p":41040,"id.resp_h":"185.244.25.235","id.resp_p":80,"proto":"tcp","duration":3.139211,"orig_bytes":0,"resp_bytes":0,"conn_state":"S0","missed_bytes":0,"history":"S","orig_pkts":3,"orig_ip_bytes":180,"resp_pkts":0,"resp_ip_bytes":0,"label":"Benign"}"#).unwrap();
        assert_eq!((record.start_us, record.duration_us()), (1_545_403_816_962_094, 3_139_211));
        assert_eq!(
            (record.src_addr, record.src_port, record.dst_addr, record.dst_port),
            (v4("192.168.1.195"), Some(41040), v4("185.244.25.235"), Some(80))
        );
        assert_eq!(
            (record.state.as_str(), record.direction, record.total_pkts, record.total_bytes),
            ("S_", Direction::Forward, 3, 180)
        );
        let record = parse_json_line(br#"{"ts":1545403848.981338,"uid":"CDrkrSobGYxHhYfth","id.orig_h":"192.168.1.195","id.orig_p":41040,"id.resp_h":"185.244.25.235","id.resp_p":80,"proto":"tcp","service":"http","duration":1.477656,"orig_bytes":149,"resp_bytes":128252,"conn_state":"SF","missed_bytes":2896,"history":"ShADadttcfF","orig_pkts":94,"orig_ip_bytes":5525,"resp_pkts":96,"resp_ip_bytes":139044,"tunnel_parents":[],"label":"Benign","detailed-label":"-"}"#).unwrap();
        assert_eq!((record.src_tcp_flags, record.dst_tcp_flags), (FIN | SYN | PSH | ACK, FIN | SYN | PSH | ACK));
        assert_eq!(
            (record.total_pkts, record.src_pkts, record.total_bytes, record.src_bytes),
            (190, Some(94), 144_569, 5525)
        );
        assert_eq!((record.src_payload_bytes, record.dst_payload_bytes), (Some(149), Some(128_252)));
        assert_eq!(record.protocol, Protocol::Ip(6));
    }

    #[test]
    fn iso8601_times_nested_ids_and_nulls() {
        // Hand-made: JSON::TS_ISO8601 timestamps, `id` nested, a null and an absent duration.
        let record = parse_json_line(br#"{"ts":"2018-12-21T14:50:16.962094Z","id":{"orig_h":"192.168.1.195","orig_p":123,"resp_h":"147.251.48.140","resp_p":123},"proto":"udp","conn_state":"S0","history":"D","orig_pkts":1,"orig_ip_bytes":76,"resp_pkts":0,"resp_ip_bytes":0,"local_orig":null,"label":null}"#).unwrap();
        assert_eq!((record.start_us, record.last_us), (1_545_403_816_962_094, 1_545_403_816_962_094));
        assert_eq!(
            (record.src_port, record.dst_port, record.state.as_str(), record.direction),
            (Some(123), Some(123), "INT", Direction::Forward)
        );
        assert_eq!(record.label, None);
    }

    #[test]
    fn bad_lines_say_why() {
        let error = |line: &str| parse_json_line(line.as_bytes()).unwrap_err();
        let base = r#""id.orig_h":"10.0.0.1","id.orig_p":1,"id.resp_h":"10.0.0.2","id.resp_p":2,"proto":"udp""#;
        assert_eq!(error(&format!("{{{base}}}")), "field ts is missing: a connection needs its time");
        assert_eq!(error(&format!("{{\"ts\":null,{base}}}")), "field ts \"null\": unset: a connection needs its time");
        assert_eq!(error(&format!("{{\"ts\":1,\"ts\":2,{base}}}")), "field ts appears twice");
        assert_eq!(
            error(&format!("{{\"ts\":\"yesterday\",{base}}}")),
            "field ts \"yesterday\": not a time (epoch seconds or ISO 8601)"
        );
        assert_eq!(error(&format!("{{\"ts\":true,{base}}}")), "field ts \"true\": not a time");
        // Times out of range parse: the reader refuses them (ERR_TIME_OUT_OF_RANGE, time_range).
        assert_eq!(parse_json_line(format!("{{\"ts\":5e9,{base}}}").as_bytes()).unwrap().start_us, 5_000_000_000_000_000);
        assert_eq!(parse_json_line(format!("{{\"ts\":-90000,{base}}}").as_bytes()).unwrap().start_us, -90_000_000_000);
        assert_eq!(error(&format!("{{\"ts\":1,{base},\"orig_pkts\":\"3\"}}")), "field orig_pkts \"3\": not a count");
        assert_eq!(
            error(&format!("{{\"ts\":1,{base},\"orig_pkts\":-3}}")),
            "field orig_pkts \"-3\": not a whole number"
        );
        assert_eq!(
            error(&format!("{{\"ts\":1,{base},\"duration\":-0.5}}")),
            "field duration \"-0.5\": negative duration"
        );
        assert_eq!(error(&format!("{{\"ts\":1,{base},\"history\":5}}")), "field history \"5\": not a string");
        assert_eq!(
            error(&format!("{{\"ts\":1,{base},\"_path\":\"dns\"}}")),
            "_path is \"dns\": a line of Zeek's dns log, not of conn.log"
        );
        assert_eq!(
            error(
                r#"{"ts":1,"id.orig_h":"10.0.0.300","id.orig_p":1,"id.resp_h":"10.0.0.2","id.resp_p":2,"proto":"udp"}"#
            ),
            "field id.orig_h \"10.0.0.300\": not an IP or MAC address"
        );
        assert_eq!(
            error(
                r#"{"ts":1,"id.orig_h":"10.0.0.1","id.orig_p":70000,"id.resp_h":"10.0.0.2","id.resp_p":2,"proto":"udp"}"#
            ),
            "field id.orig_p \"70000\": port above 65535"
        );
        assert_eq!(
            error(r#"{"ts":1,"id.orig_h":"10.0.0.1"}"#),
            "field proto is missing: a connection needs its protocol"
        );
        assert_eq!(error(r#"{"ts":1,"#), "not a JSON object: expected a key in double quotes at byte 9");
        assert!(parse_json_line(format!("{{\"ts\":1,{base},\"_path\":\"conn\"}}").as_bytes()).is_ok());
    }
}
