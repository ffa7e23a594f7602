//! Application bytes at the start of some payloads, so that tshark and DPI tools see DNS,
//! NTP, HTTP and SMTP where the ports say so. The rest of a payload is filler.

/// What to write at the start of a transport payload. Small and `Copy`: activities hand it
/// to the generator, which renders it into a scratch buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppPayload {
    None,
    Text(&'static [u8]),
    DnsQuery { txid: u16, name: DnsName, qtype: DnsType },
    DnsResponse { txid: u16, name: DnsName, qtype: DnsType, answer: [u8; 16] },
    Ntp { from_server: bool },
    /// A NetBIOS name query for WORKGROUP<1d> (50 bytes).
    NbnsQuery { txid: u16 },
    /// The whole of a GET request of `message_len` bytes, padded inside a cookie.
    HttpGet { message_len: u32 },
    /// The headers of a POST whose body (filler) makes the message `message_len` bytes.
    HttpPost { message_len: u32 },
    /// The headers of a 200 response whose body (filler) makes the message `message_len` bytes.
    HttpOk { message_len: u32 },
    /// The whole of an SMTP DATA body of `message_len` bytes, ending with `CRLF.CRLF`.
    SmtpBody { message_len: u32 },
}

/// The application protocol of a message, before its length is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppKind {
    None,
    HttpGet,
    HttpPost,
    HttpOk,
    SmtpBody,
}

/// Messages rendered whole (not just their headers) stay within one segment.
const MAX_WHOLE_MESSAGE_LEN: u64 = 1_400;

impl AppKind {
    /// The payload for a message of about `bytes` bytes, and the message's exact length
    /// (raised to the protocol's minimum; capped to one segment when the whole message is text).
    pub fn message(self, bytes: u64) -> (u64, AppPayload) {
        let clamp = |minimum: usize| bytes.clamp(minimum as u64, MAX_WHOLE_MESSAGE_LEN.max(minimum as u64));
        let (len, payload) = match self {
            AppKind::None => return (bytes, AppPayload::None),
            AppKind::HttpGet => {
                let len = clamp(HTTP_GET_HEAD.len() + HTTP_GET_TAIL.len());
                (len, AppPayload::HttpGet { message_len: len as u32 })
            }
            AppKind::SmtpBody => {
                let len = clamp(SMTP_BODY_HEAD.len() + SMTP_BODY_TAIL.len());
                (len, AppPayload::SmtpBody { message_len: len as u32 })
            }
            AppKind::HttpPost | AppKind::HttpOk => {
                let head = if self == AppKind::HttpPost { HTTP_POST_HEAD } else { HTTP_OK_HEAD };
                let len = bytes.clamp((head.len() + 1 + HEADERS_END.len()) as u64, u32::MAX as u64);
                let payload = if self == AppKind::HttpPost {
                    AppPayload::HttpPost { message_len: len as u32 }
                } else {
                    AppPayload::HttpOk { message_len: len as u32 }
                };
                (len, payload)
            }
        };
        (len, payload)
    }
}

const HTTP_GET_HEAD: &[u8] = b"GET /index.html HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64)\r\nAccept: */*\r\nAccept-Encoding: gzip, deflate\r\nCookie: session=";
const HTTP_GET_TAIL: &[u8] = b"\r\n\r\n";
const HTTP_POST_HEAD: &[u8] = b"POST /gate.php HTTP/1.1\r\nHost: update-check.example\r\nContent-Type: application/octet-stream\r\nContent-Length: ";
const HTTP_OK_HEAD: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: ";
const HEADERS_END: &[u8] = b"\r\n\r\n";
const SMTP_BODY_HEAD: &[u8] = b"From: offers@deals.example\r\nTo: user@example.net\r\nSubject: Special offer\r\n\r\n";
const SMTP_BODY_TAIL: &[u8] = b"\r\n.\r\n";
const TEXT_FILL: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// Splits a message of `message_len` bytes whose header is `head` + Content-Length digits +
/// CRLFCRLF: returns (number of digits, body length). The digits may carry leading zeros
/// when no width fits exactly (e.g. a 9-byte body written "09").
fn content_length_split(message_len: u64, head: &[u8]) -> (usize, u64) {
    let fixed = (head.len() + HEADERS_END.len()) as u64;
    for width in 1..=20usize {
        let Some(body) = message_len.checked_sub(fixed + width as u64) else { break };
        if decimal_digits(body) <= width {
            return (width, body);
        }
    }
    (1, 0)
}

fn decimal_digits(mut value: u64) -> usize {
    let mut digits = 1;
    while value >= 10 {
        value /= 10;
        digits += 1;
    }
    digits
}

fn push_padded_decimal(out: &mut Vec<u8>, value: u64, width: usize) {
    let text = value.to_string();
    out.extend(std::iter::repeat_n(b'0', width.saturating_sub(text.len())));
    out.extend_from_slice(text.as_bytes());
}

fn push_text_fill(out: &mut Vec<u8>, len: usize) {
    out.extend(TEXT_FILL.iter().cycle().take(len));
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DnsType {
    A,
    Aaaa,
}

impl DnsType {
    fn code(self) -> u16 {
        match self {
            DnsType::A => 1,
            DnsType::Aaaa => 28,
        }
    }

    fn rdata_len(self) -> usize {
        match self {
            DnsType::A => 4,
            DnsType::Aaaa => 16,
        }
    }
}

/// A made-up host name `label.first+second.tld`, e.g. `cdn.telvio.com`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DnsName {
    pub label: u8,
    pub first: u8,
    pub second: u8,
    pub tld: u8,
}

const LABELS: [&str; 8] = ["www", "mail", "api", "cdn", "static", "img", "login", "update"];
const FIRST: [&str; 8] = ["nor", "tel", "vex", "pla", "kin", "mo", "zen", "ar"];
const SECOND: [&str; 8] = ["vio", "tex", "ma", "net", "lo", "ria", "dex", "bo"];
const TLDS: [&str; 6] = ["com", "net", "org", "io", "cz", "de"];

impl DnsName {
    pub fn from_index(index: u64) -> Self {
        DnsName {
            label: (index % 8) as u8,
            first: (index / 8 % 8) as u8,
            second: (index / 64 % 8) as u8,
            tld: (index / 512 % 6) as u8,
        }
    }

    fn parts(&self) -> (&'static str, &'static str, &'static str, &'static str) {
        (
            LABELS[self.label as usize % LABELS.len()],
            FIRST[self.first as usize % FIRST.len()],
            SECOND[self.second as usize % SECOND.len()],
            TLDS[self.tld as usize % TLDS.len()],
        )
    }

    /// Length of the name in DNS wire format (length-prefixed labels and the root byte).
    fn wire_len(&self) -> usize {
        let (label, first, second, tld) = self.parts();
        1 + label.len() + 1 + first.len() + second.len() + 1 + tld.len() + 1
    }

    fn render(&self, out: &mut Vec<u8>) {
        let (label, first, second, tld) = self.parts();
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
        out.push((first.len() + second.len()) as u8);
        out.extend_from_slice(first.as_bytes());
        out.extend_from_slice(second.as_bytes());
        out.push(tld.len() as u8);
        out.extend_from_slice(tld.as_bytes());
        out.push(0);
    }
}

const DNS_HEADER_LEN: usize = 12;
const DNS_QUESTION_TAIL_LEN: usize = 4; // type, class
const DNS_ANSWER_FIXED_LEN: usize = 12; // name pointer, type, class, TTL, rdlength
const NTP_LEN: usize = 48;
const NBNS_QUERY_LEN: usize = 50;

impl AppPayload {
    /// Bytes this payload renders to.
    pub fn len(&self) -> usize {
        match self {
            AppPayload::None => 0,
            AppPayload::Text(text) => text.len(),
            AppPayload::DnsQuery { name, .. } => DNS_HEADER_LEN + name.wire_len() + DNS_QUESTION_TAIL_LEN,
            AppPayload::DnsResponse { name, qtype, .. } => {
                DNS_HEADER_LEN + name.wire_len() + DNS_QUESTION_TAIL_LEN + DNS_ANSWER_FIXED_LEN + qtype.rdata_len()
            }
            AppPayload::Ntp { .. } => NTP_LEN,
            AppPayload::NbnsQuery { .. } => NBNS_QUERY_LEN,
            AppPayload::HttpGet { message_len } | AppPayload::SmtpBody { message_len } => *message_len as usize,
            AppPayload::HttpPost { message_len } => {
                let (width, _) = content_length_split(*message_len as u64, HTTP_POST_HEAD);
                HTTP_POST_HEAD.len() + width + HEADERS_END.len()
            }
            AppPayload::HttpOk { message_len } => {
                let (width, _) = content_length_split(*message_len as u64, HTTP_OK_HEAD);
                HTTP_OK_HEAD.len() + width + HEADERS_END.len()
            }
        }
    }

    /// Replaces the contents of `out` with the payload's bytes.
    pub fn render(&self, out: &mut Vec<u8>) {
        out.clear();
        match self {
            AppPayload::None => {}
            AppPayload::Text(text) => out.extend_from_slice(text),
            AppPayload::DnsQuery { txid, name, qtype } => {
                render_dns_header(out, *txid, 0x0100, 0);
                render_question(out, name, *qtype);
            }
            AppPayload::DnsResponse { txid, name, qtype, answer } => {
                render_dns_header(out, *txid, 0x8180, 1);
                render_question(out, name, *qtype);
                out.extend_from_slice(&[0xc0, 0x0c]); // pointer to the question's name
                out.extend_from_slice(&qtype.code().to_be_bytes());
                out.extend_from_slice(&1u16.to_be_bytes());
                out.extend_from_slice(&300u32.to_be_bytes());
                out.extend_from_slice(&(qtype.rdata_len() as u16).to_be_bytes());
                let rdata = match qtype {
                    DnsType::A => &answer[12..16],
                    DnsType::Aaaa => &answer[..],
                };
                out.extend_from_slice(rdata);
            }
            AppPayload::Ntp { from_server } => {
                // LI 0, version 4, mode 3 (client) or 4 (server); a server says stratum 2.
                out.push(if *from_server { 0x24 } else { 0x23 });
                out.push(if *from_server { 2 } else { 0 });
                out.push(6); // poll interval 2^6 s
                out.push(0xe9); // precision
                out.resize(NTP_LEN, 0);
            }
            AppPayload::NbnsQuery { txid } => {
                render_dns_header(out, *txid, 0x0110, 0);
                // First-level encoding (RFC 1001 14.1): each nibble of the padded 16-byte
                // NetBIOS name becomes 'A' + nibble.
                out.push(32);
                let mut name = *b"WORKGROUP       ";
                name[15] = 0x1d;
                for byte in name {
                    out.push(b'A' + (byte >> 4));
                    out.push(b'A' + (byte & 0x0f));
                }
                out.push(0);
                out.extend_from_slice(&0x0020u16.to_be_bytes()); // NB
                out.extend_from_slice(&1u16.to_be_bytes()); // IN
            }
            AppPayload::HttpGet { message_len } => {
                let fill = *message_len as usize - HTTP_GET_HEAD.len() - HTTP_GET_TAIL.len();
                out.extend_from_slice(HTTP_GET_HEAD);
                push_text_fill(out, fill);
                out.extend_from_slice(HTTP_GET_TAIL);
            }
            AppPayload::SmtpBody { message_len } => {
                let fill = *message_len as usize - SMTP_BODY_HEAD.len() - SMTP_BODY_TAIL.len();
                out.extend_from_slice(SMTP_BODY_HEAD);
                push_text_fill(out, fill);
                out.extend_from_slice(SMTP_BODY_TAIL);
            }
            AppPayload::HttpPost { message_len } | AppPayload::HttpOk { message_len } => {
                let head = if matches!(self, AppPayload::HttpPost { .. }) { HTTP_POST_HEAD } else { HTTP_OK_HEAD };
                let (width, body) = content_length_split(*message_len as u64, head);
                out.extend_from_slice(head);
                push_padded_decimal(out, body, width);
                out.extend_from_slice(HEADERS_END);
            }
        }
    }
}

fn render_dns_header(out: &mut Vec<u8>, txid: u16, flags: u16, answers: u16) {
    out.extend_from_slice(&txid.to_be_bytes());
    out.extend_from_slice(&flags.to_be_bytes());
    out.extend_from_slice(&1u16.to_be_bytes());
    out.extend_from_slice(&answers.to_be_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]);
}

fn render_question(out: &mut Vec<u8>, name: &DnsName, qtype: DnsType) {
    name.render(out);
    out.extend_from_slice(&qtype.code().to_be_bytes());
    out.extend_from_slice(&1u16.to_be_bytes());
}

pub mod text {
    //! Fixed application messages.
    pub const SSDP_NOTIFY: &[u8] = b"NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nCACHE-CONTROL: max-age=1800\r\nLOCATION: http://192.168.0.1:2869/upnphost/udhisapi.dll?content=uuid:4d696e69-444c-164e-9d41-b827eb3b5a17\r\nNT: upnp:rootdevice\r\nNTS: ssdp:alive\r\nSERVER: Microsoft-Windows/10.0 UPnP/1.0 UPnP-Device-Host/1.0\r\nUSN: uuid:4d696e69-444c-164e-9d41-b827eb3b5a17::upnp:rootdevice\r\n\r\n";
    pub const SMTP_BANNER: &[u8] = b"220 mx.example.net ESMTP ready\r\n";
    pub const SMTP_EHLO: &[u8] = b"EHLO localhost\r\n";
    pub const SMTP_EHLO_REPLY: &[u8] = b"250-mx.example.net\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 8BITMIME\r\n";
    pub const SMTP_MAIL_FROM: &[u8] = b"MAIL FROM:<offers@deals.example>\r\n";
    pub const SMTP_OK: &[u8] = b"250 2.1.0 Ok\r\n";
    pub const SMTP_RCPT_TO: &[u8] = b"RCPT TO:<user@example.net>\r\n";
    pub const SMTP_REJECT: &[u8] = b"550 5.7.1 Service unavailable; client host blocked using zen.spamhaus.org\r\n";
    pub const SMTP_DATA: &[u8] = b"DATA\r\n";
    pub const SMTP_GO_AHEAD: &[u8] = b"354 End data with <CR><LF>.<CR><LF>\r\n";
    pub const SMTP_QUEUED: &[u8] = b"250 2.0.0 Ok: queued\r\n";
    pub const SMTP_QUIT: &[u8] = b"QUIT\r\n";
    pub const SMTP_BYE: &[u8] = b"221 2.0.0 Bye\r\n";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rendered_lengths_match_declared_lengths() {
        let mut out = Vec::new();
        for index in 0..3000 {
            let name = DnsName::from_index(index);
            for qtype in [DnsType::A, DnsType::Aaaa] {
                for payload in [
                    AppPayload::DnsQuery { txid: 7, name, qtype },
                    AppPayload::DnsResponse { txid: 7, name, qtype, answer: [9; 16] },
                ] {
                    payload.render(&mut out);
                    assert_eq!(out.len(), payload.len());
                }
            }
        }
        for payload in [
            AppPayload::None,
            AppPayload::Text(text::SSDP_NOTIFY),
            AppPayload::Ntp { from_server: true },
            AppPayload::NbnsQuery { txid: 3 },
        ] {
            payload.render(&mut out);
            assert_eq!(out.len(), payload.len());
        }
    }

    #[test]
    fn http_and_smtp_messages_have_exact_lengths_and_consistent_content_length() {
        let mut out = Vec::new();
        for bytes in (0..3_000u64).chain([99_999, 100_000, 20_000_000]) {
            for kind in [AppKind::HttpGet, AppKind::HttpPost, AppKind::HttpOk, AppKind::SmtpBody] {
                let (len, payload) = kind.message(bytes);
                payload.render(&mut out);
                assert_eq!(out.len(), payload.len());
                match payload {
                    AppPayload::HttpGet { .. } | AppPayload::SmtpBody { .. } => {
                        assert_eq!(out.len() as u64, len);
                        assert!(len == bytes || len <= MAX_WHOLE_MESSAGE_LEN || bytes < len);
                    }
                    _ => {
                        // Headers only: the declared body is the rest of the message.
                        let text = std::str::from_utf8(&out).unwrap();
                        let value = text.split("Content-Length: ").nth(1).unwrap().trim_end();
                        let body: u64 = value.parse().unwrap();
                        assert_eq!(out.len() as u64 + body, len, "{bytes}: {text:?}");
                        assert!(len >= bytes);
                    }
                }
            }
        }
        let (_, payload) = AppKind::SmtpBody.message(200);
        payload.render(&mut out);
        assert!(out.ends_with(b"\r\n.\r\n"));
    }

    #[test]
    fn nbns_query_encodes_workgroup() {
        // RFC 1001 first-level encoding of "WORKGROUP" padded with spaces, suffix 0x1d:
        // W=0x57 -> "FH", O=0x4f -> "EP", ... space=0x20 -> "CA", 0x1d -> "BN".
        let mut out = Vec::new();
        AppPayload::NbnsQuery { txid: 0x8001 }.render(&mut out);
        assert_eq!(&out[..4], &[0x80, 0x01, 0x01, 0x10]);
        assert_eq!(&out[12..46], b"\x20FHEPFCELEHFCEPFFFACACACACACACABN\x00");
    }

    #[test]
    fn dns_query_bytes() {
        // Same layout as the DNS query tshark decoded as "Standard query 0x1234 A
        // example.com" in the packet builder's tests, here for "cdn.telvio.com".
        let mut out = Vec::new();
        let name = DnsName { label: 3, first: 1, second: 0, tld: 0 };
        AppPayload::DnsQuery { txid: 0x1234, name, qtype: DnsType::A }.render(&mut out);
        assert_eq!(&out[..], b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03cdn\x06telvio\x03com\x00\x00\x01\x00\x01");
    }
}
