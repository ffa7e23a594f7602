//! A strict reader for one line of a Zeek JSON log: one object, whose members are flattened
//! into `(key, value)` entries.
//!
//! Zeek writes `LogAscii::use_json=T` logs with dotted keys (`"id.orig_h"`); tools that nest
//! them (`"id":{"orig_h":…}`) are read the same way: a nested object's members get the
//! parent's key and a dot as prefix. Arrays (`tunnel_parents`) are checked and skipped.
//!
//! Why not `serde_json`: a conn.log line is a flat object of a few scalar types, and this
//! reader is 300 lines without a build-time cost. It follows RFC 8259's grammar exactly
//! (strings with every escape and surrogate pairs, numbers without leading zeros or `NaN`), so
//! a malformed line is refused with the byte where it goes wrong; nesting is bounded, and the
//! line itself is bounded by the line reader, so neither recursion nor memory can run away.

use std::borrow::Cow;

/// Nesting of objects and arrays beyond this refuses the line (Zeek writes two levels).
pub const MAX_JSON_DEPTH: usize = 16;

#[derive(Clone, Debug, PartialEq)]
pub enum JsonValue<'a> {
    /// Decoded text (borrowed when the string has no escapes).
    String(Cow<'a, str>),
    /// A number as written (`1545403816.962094`, `41040`, `1e3`).
    Number(&'a [u8]),
    Bool(bool),
    Null,
    /// An array, skipped: how many items it had.
    Array(usize),
}

#[derive(Clone, Debug, PartialEq)]
pub struct JsonEntry<'a> {
    /// The key; members of nested objects get their parents' keys and dots before theirs.
    pub key: Cow<'a, str>,
    pub value: JsonValue<'a>,
}

/// Where and why a line is not a JSON object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JsonError {
    /// Zero-based byte offset in the line.
    pub offset: usize,
    pub reason: &'static str,
}

impl std::fmt::Display for JsonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "not a JSON object: {} at byte {}", self.reason, self.offset + 1)
    }
}

/// Parses `line` as one JSON object and appends its members to `out` (cleared first).
pub fn parse_object<'a>(line: &'a [u8], out: &mut Vec<JsonEntry<'a>>) -> Result<(), JsonError> {
    out.clear();
    let mut cursor = Cursor { bytes: line, pos: 0 };
    cursor.skip_whitespace();
    if cursor.peek() != Some(b'{') {
        return Err(cursor.error("expected '{' to open the object"));
    }
    cursor.object(None, 1, out)?;
    cursor.skip_whitespace();
    if cursor.pos != line.len() {
        return Err(cursor.error("text after the end of the object"));
    }
    Ok(())
}

struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn error(&self, reason: &'static str) -> JsonError {
        JsonError { offset: self.pos, reason }
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, byte: u8, reason: &'static str) -> Result<(), JsonError> {
        self.skip_whitespace();
        if self.peek() != Some(byte) {
            return Err(self.error(reason));
        }
        self.pos += 1;
        Ok(())
    }

    /// An object at `{`; its members go to `out` with `prefix` (the parent's key) before theirs.
    fn object(&mut self, prefix: Option<&str>, depth: usize, out: &mut Vec<JsonEntry<'a>>) -> Result<(), JsonError> {
        if depth > MAX_JSON_DEPTH {
            return Err(self.error("objects and arrays nested too deep"));
        }
        self.pos += 1; // '{'
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            self.skip_whitespace();
            if self.peek() != Some(b'"') {
                return Err(self.error("expected a key in double quotes"));
            }
            let name = self.string()?;
            let key: Cow<'a, str> = match prefix {
                Some(prefix) => Cow::Owned(format!("{prefix}.{name}")),
                None => name,
            };
            self.expect(b':', "expected ':' after the key")?;
            self.skip_whitespace();
            if self.peek() == Some(b'{') {
                self.object(Some(&key), depth + 1, out)?;
            } else {
                let value = self.value(depth)?;
                out.push(JsonEntry { key, value });
            }
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(self.error("expected ',' or '}' after a member")),
            }
        }
    }

    /// Any value but an object (objects are flattened by the caller).
    fn value(&mut self, depth: usize) -> Result<JsonValue<'a>, JsonError> {
        match self.peek() {
            Some(b'"') => Ok(JsonValue::String(self.string()?)),
            Some(b'-' | b'0'..=b'9') => Ok(JsonValue::Number(self.number()?)),
            Some(b't') => self.literal(b"true", JsonValue::Bool(true)),
            Some(b'f') => self.literal(b"false", JsonValue::Bool(false)),
            Some(b'n') => self.literal(b"null", JsonValue::Null),
            Some(b'[') => self.array(depth + 1).map(JsonValue::Array),
            Some(b'{') => Err(self.error("an object inside an array is not read")),
            None => Err(self.error("the line ends where a value should be")),
            Some(_) => Err(self.error("expected a value")),
        }
    }

    fn literal(&mut self, word: &'static [u8], value: JsonValue<'a>) -> Result<JsonValue<'a>, JsonError> {
        if self.bytes[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.error("expected true, false or null"))
        }
    }

    /// An array at `[`, checked item by item and skipped; returns its length.
    fn array(&mut self, depth: usize) -> Result<usize, JsonError> {
        if depth > MAX_JSON_DEPTH {
            return Err(self.error("objects and arrays nested too deep"));
        }
        self.pos += 1; // '['
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(0);
        }
        let mut items = 0;
        loop {
            self.skip_whitespace();
            if self.peek() == Some(b'{') {
                // Skipped like the array: members discarded, grammar still checked.
                let mut discarded = Vec::new();
                self.object(None, depth + 1, &mut discarded)?;
            } else {
                self.value(depth)?;
            }
            items += 1;
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(items);
                }
                _ => return Err(self.error("expected ',' or ']' in an array")),
            }
        }
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, returned as written.
    fn number(&mut self) -> Result<&'a [u8], JsonError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => {
                self.pos += 1;
                if matches!(self.peek(), Some(b'0'..=b'9')) {
                    return Err(self.error("a number with a leading zero"));
                }
            }
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.error("expected a digit")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.error("expected a digit after the decimal point"));
            }
            self.digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.error("expected a digit in the exponent"));
            }
            self.digits();
        }
        Ok(&self.bytes[start..self.pos])
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
    }

    /// A string at `"`: borrowed when it has no escapes, else decoded.
    fn string(&mut self) -> Result<Cow<'a, str>, JsonError> {
        self.pos += 1; // opening quote
        let start = self.pos;
        // Fast path: no escape before the closing quote.
        loop {
            match self.peek() {
                None => return Err(self.error("a string without its closing quote")),
                Some(b'"') => {
                    let text = self.utf8(start, self.pos)?;
                    self.pos += 1;
                    return Ok(Cow::Borrowed(text));
                }
                Some(b'\\') => break,
                Some(byte) if byte < 0x20 => return Err(self.error("a control character inside a string")),
                Some(_) => self.pos += 1,
            }
        }
        let mut decoded = String::from(self.utf8(start, self.pos)?);
        loop {
            let run_start = self.pos;
            while let Some(byte) = self.peek() {
                if byte == b'"' || byte == b'\\' {
                    break;
                }
                if byte < 0x20 {
                    return Err(self.error("a control character inside a string"));
                }
                self.pos += 1;
            }
            decoded.push_str(self.utf8(run_start, self.pos)?);
            match self.peek() {
                None => return Err(self.error("a string without its closing quote")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(Cow::Owned(decoded));
                }
                _ => {
                    self.pos += 1; // backslash
                    let escaped = match self.peek() {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.pos += 1;
                            decoded.push(self.unicode_escape()?);
                            continue;
                        }
                        _ => return Err(self.error("an unknown escape in a string")),
                    };
                    self.pos += 1;
                    decoded.push(escaped);
                }
            }
        }
    }

    /// After `\u`: four hex digits, and a second `\uXXXX` for a surrogate pair.
    fn unicode_escape(&mut self) -> Result<char, JsonError> {
        let first = self.hex4()?;
        let code = match first {
            0xd800..=0xdbff => {
                if !self.bytes[self.pos..].starts_with(b"\\u") {
                    return Err(self.error("a high surrogate without its low surrogate"));
                }
                self.pos += 2;
                let second = self.hex4()?;
                if !(0xdc00..=0xdfff).contains(&second) {
                    return Err(self.error("a high surrogate without its low surrogate"));
                }
                0x10000 + ((first - 0xd800) << 10) + (second - 0xdc00)
            }
            0xdc00..=0xdfff => return Err(self.error("a low surrogate without its high surrogate")),
            _ => first,
        };
        char::from_u32(code).ok_or_else(|| self.error("not a Unicode scalar value"))
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let digits = self.bytes.get(self.pos..self.pos + 4).ok_or_else(|| self.error("expected four hex digits"))?;
        let mut value = 0;
        for &digit in digits {
            value = value * 16 + (digit as char).to_digit(16).ok_or_else(|| self.error("expected four hex digits"))?;
        }
        self.pos += 4;
        Ok(value)
    }

    fn utf8(&self, start: usize, end: usize) -> Result<&'a str, JsonError> {
        std::str::from_utf8(&self.bytes[start..end]).map_err(|err| JsonError {
            offset: start + err.valid_up_to(),
            reason: "bytes that are not UTF-8 inside a string",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(line: &[u8]) -> Vec<(String, JsonValue<'_>)> {
        let mut out = Vec::new();
        parse_object(line, &mut out).unwrap();
        out.into_iter().map(|e| (e.key.into_owned(), e.value)).collect()
    }

    fn error(line: &[u8]) -> JsonError {
        parse_object(line, &mut Vec::new()).unwrap_err()
    }

    fn text(s: &str) -> JsonValue<'_> {
        JsonValue::String(Cow::Borrowed(s))
    }

    #[test]
    fn a_zeek_conn_line() {
        // Hand-made: line 9 of IoT-23_CTU-IoT-Malware-Capture-34-1_Mirai.conn.log.labeled.gz
        // (the first row) as Zeek writes it with LogAscii::use_json=T (unset fields left out).
        let line = br#"{"ts":1545403816.962094,"uid":"CrDn63WjJEmrWGjqf","id.orig_h":"192.168.1.195","id.orig_p":41040,"id.resp_h":"185.244.25.235","id.resp_p":80,"proto":"tcp","duration":3.139211,"orig_bytes":0,"resp_bytes":0,"conn_state":"S0","missed_bytes":0,"history":"S","orig_pkts":3,"orig_ip_bytes":180,"resp_pkts":0,"resp_ip_bytes":0,"tunnel_parents":[],"label":"Benign"}"#;
        let found = entries(line);
        assert_eq!(found.len(), 19);
        assert_eq!(found[0], ("ts".into(), JsonValue::Number(b"1545403816.962094")));
        assert_eq!(found[2], ("id.orig_h".into(), text("192.168.1.195")));
        assert_eq!(found[3], ("id.orig_p".into(), JsonValue::Number(b"41040")));
        assert_eq!(found[17], ("tunnel_parents".into(), JsonValue::Array(0)));
        assert_eq!(found[18], ("label".into(), text("Benign")));
    }

    #[test]
    fn nested_objects_are_flattened_and_arrays_skipped() {
        // Hand-made: the nested form some collectors write.
        let line = br#" { "ts" : "2018-12-21T14:50:16.962094Z", "id" : {"orig_h":"fe80::1","orig_p":135, "x":{"y":null}}, "tunnel_parents":["Cx",["a",{"b":1}]], "local_orig":true } "#;
        let found = entries(line);
        assert_eq!(
            found,
            vec![
                ("ts".into(), text("2018-12-21T14:50:16.962094Z")),
                ("id.orig_h".into(), text("fe80::1")),
                ("id.orig_p".into(), JsonValue::Number(b"135")),
                ("id.x.y".into(), JsonValue::Null),
                ("tunnel_parents".into(), JsonValue::Array(2)),
                ("local_orig".into(), JsonValue::Bool(true)),
            ]
        );
        assert!(entries(b"{}").is_empty());
    }

    #[test]
    fn escapes_are_decoded() {
        // Hand-made: Zeek escapes non-printable bytes of strings as \u00XX.
        let found = entries(br#"{"a":"tab\there \"q\" \\ \/ \u00e9 \ud83d\ude00 \b\f\n\r"}"#);
        assert_eq!(found[0].1, JsonValue::String(Cow::Owned("tab\there \"q\" \\ / é 😀 \u{8}\u{c}\n\r".into())));
        let found = entries("{\"é\":\"ü\"}".as_bytes());
        assert_eq!(found[0], ("é".into(), text("ü")));
    }

    #[test]
    fn numbers_follow_the_grammar() {
        for good in [&b"0"[..], b"-0", b"12", b"1.5", b"-1.25e-3", b"1E+9", b"1545403816962"] {
            let line = [&b"{\"n\":"[..], good, b"}"].concat();
            assert_eq!(entries(&line)[0].1, JsonValue::Number(good), "{}", String::from_utf8_lossy(good));
        }
        for bad in [&b"01"[..], b"1.", b".5", b"+1", b"-", b"1e", b"1e+", b"NaN", b"Infinity", b"-Infinity", b"0x10"] {
            let line = [&b"{\"n\":"[..], bad, b"}"].concat();
            assert!(parse_object(&line, &mut Vec::new()).is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn malformed_lines_say_where() {
        assert_eq!(error(b""), JsonError { offset: 0, reason: "expected '{' to open the object" });
        assert_eq!(error(b"[1]"), JsonError { offset: 0, reason: "expected '{' to open the object" });
        assert_eq!(error(br#"{"a":1"#), JsonError { offset: 6, reason: "expected ',' or '}' after a member" });
        assert_eq!(error(br#"{"a":1,}"#), JsonError { offset: 7, reason: "expected a key in double quotes" });
        assert_eq!(error(br#"{a:1}"#), JsonError { offset: 1, reason: "expected a key in double quotes" });
        assert_eq!(error(br#"{"a" 1}"#), JsonError { offset: 5, reason: "expected ':' after the key" });
        assert_eq!(error(br#"{"a":}"#), JsonError { offset: 5, reason: "expected a value" });
        assert_eq!(error(br#"{"a":tru}"#), JsonError { offset: 5, reason: "expected true, false or null" });
        assert_eq!(error(br#"{"a":"x}"#), JsonError { offset: 8, reason: "a string without its closing quote" });
        assert_eq!(error(b"{\"a\":\"x\ty\"}"), JsonError { offset: 7, reason: "a control character inside a string" });
        assert_eq!(error(br#"{"a":"\x41"}"#), JsonError { offset: 7, reason: "an unknown escape in a string" });
        assert_eq!(error(br#"{"a":"\ud83d"}"#).reason, "a high surrogate without its low surrogate");
        assert_eq!(error(br#"{"a":"\ude00"}"#).reason, "a low surrogate without its high surrogate");
        assert_eq!(error(br#"{"a":"\u12"}"#).reason, "expected four hex digits");
        assert_eq!(
            error(b"{\"a\":\"\xff\"}"),
            JsonError { offset: 6, reason: "bytes that are not UTF-8 inside a string" }
        );
        assert_eq!(error(br#"{"a":1} {"b":2}"#), JsonError { offset: 8, reason: "text after the end of the object" });
        assert_eq!(error(br#"{"a":[1 2]}"#).reason, "expected ',' or ']' in an array");
        assert_eq!(error(br#"{"a":1"#).to_string(), "not a JSON object: expected ',' or '}' after a member at byte 7");
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = format!("{{\"a\":{}1{}}}", "[".repeat(MAX_JSON_DEPTH), "]".repeat(MAX_JSON_DEPTH));
        assert_eq!(error(deep.as_bytes()).reason, "objects and arrays nested too deep");
        let fine = format!("{{\"a\":{}1{}}}", "[".repeat(MAX_JSON_DEPTH - 1), "]".repeat(MAX_JSON_DEPTH - 1));
        assert_eq!(entries(fine.as_bytes())[0].1, JsonValue::Array(1));
        let objects = format!("{}1{}", "{\"a\":".repeat(MAX_JSON_DEPTH + 1), "}".repeat(MAX_JSON_DEPTH + 1));
        assert_eq!(error(objects.as_bytes()).reason, "objects and arrays nested too deep");
    }

    #[test]
    fn every_prefix_of_a_line_is_refused_without_panicking() {
        let line = br#"{"ts":1.5,"s":"a\u00e9\"","n":[1,{"x":[true,false,null]}],"o":{"p":-0.5e3}}"#;
        assert_eq!(entries(line).len(), 4);
        for end in 0..line.len() {
            assert!(parse_object(&line[..end], &mut Vec::new()).is_err(), "prefix of {end} bytes");
        }
    }
}
