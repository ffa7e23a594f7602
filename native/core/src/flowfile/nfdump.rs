//! nfdump's CSV (`nfdump -r FILE -o csv`): NetFlow, sFlow and IPFIX records as the most used
//! collector prints them. Its header names the fields in short (`ts,te,td,sa,da,sp,dp,pr,flg,
//! …,ipkt,ibyt,opkt,obyt,…`), its rows give both sides' counts apart and the TCP flags of the
//! record as one dotted string (`.AP.SF`), and a summary closes the file (`Summary`, then its
//! own header and totals).
//!
//! Read with Argus's meanings: `ts`/`te` → StartTime/LastTime (local time, as nfdump prints
//! it: `--utc-offset`), `sa`:`sp` → source, `da`:`dp` → destination, `pr` → Proto, `ipkt` +
//! `opkt` → TotPkts, `ibyt` + `obyt` → TotBytes, `ipkt`/`ibyt` → the source's, `stos`/`dtos`
//! → TOS; Dir `->` (a NetFlow record is one direction, or a bidirectional NSEL one told by its
//! `o` counts); State from `flg`: TCP the flags as Argus's `-Z b` source side (`FSPA_`), ICMP
//! Argus's name of the type and code nfdump puts in `dp` (`3.3`: `URP`, kept in `src_port` as
//! Argus keeps them), others `CON` when both sides sent, else `INT`. nfdump's `dir` (ingress or
//! egress) is not Argus's.

use super::tcp_state::flag_of_letter;
use crate::flow::state_string;

/// The first fields of every nfdump CSV header (nfdump 1.6 and 1.7).
const LEADING_NAMES: [&str; 8] = ["ts", "te", "td", "sa", "da", "sp", "dp", "pr"];

/// The header's names as the column map reads them, when it is nfdump's: each known field
/// under its Argus name, the others blanked (ignored).
pub fn argus_names(names: &[String]) -> Option<Vec<String>> {
    let leading = names.get(..LEADING_NAMES.len())?;
    if !leading.iter().zip(LEADING_NAMES).all(|(name, expected)| name.eq_ignore_ascii_case(expected)) {
        return None;
    }
    Some(
        names
            .iter()
            .map(|name| {
                match name.to_ascii_lowercase().as_str() {
                    "ts" => "StartTime",
                    "te" => "LastTime",
                    "td" => "Dur",
                    "sa" => "SrcAddr",
                    "da" => "DstAddr",
                    "sp" => "Sport",
                    "dp" => "Dport",
                    "pr" => "Proto",
                    "flg" => "State",
                    "stos" => "sTos",
                    "dtos" => "dTos",
                    "ipkt" => "SrcPkts",
                    "opkt" => "DstPkts",
                    "ibyt" => "SrcBytes",
                    "obyt" => "DstBytes",
                    _ => "",
                }
                .to_string()
            })
            .collect(),
    )
}

/// An ICMP record's `dp` as nfdump prints it, `type.code` (`3.3`), as the 16-bit value NetFlow
/// carries (`type << 8 | code`, 771), which the port columns take; `None` for other text.
pub fn icmp_type_code(text: &[u8]) -> Option<u32> {
    let text = text.trim_ascii();
    let dot = text.iter().position(|&b| b == b'.')?;
    let number = |digits: &[u8]| -> Option<u32> {
        if digits.is_empty() || digits.len() > 3 || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let value = digits.iter().fold(0u32, |value, &d| value * 10 + u32::from(d - b'0'));
        (value <= 255).then_some(value)
    };
    Some(number(&text[..dot])? << 8 | number(&text[dot + 1..])?)
}

/// The line that ends the records: the summary's title.
pub fn is_summary_line(line: &[u8]) -> bool {
    line.trim_ascii() == b"Summary"
}

/// Argus's State of an nfdump record: from `flg` (`.AP.SF`, or with the ECN bits `..A..S.`),
/// TCP's flags as the source side of a `-Z b` state; other protocols `CON` or `INT`.
pub fn argus_state(flags: &[u8], tcp: bool, both_sides_sent: bool) -> String {
    if !tcp {
        return if both_sides_sent { "CON" } else { "INT" }.to_string();
    }
    // Argus's letters, in its order, as packet-built records write them.
    let seen = flags.trim_ascii().iter().filter_map(|&letter| flag_of_letter(letter)).fold(0u8, |seen, flag| seen | flag);
    state_string(seen, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(names: &[&str]) -> Vec<String> {
        names.iter().map(|name| name.to_string()).collect()
    }

    #[test]
    fn the_header_is_known_by_its_leading_fields() {
        let header = strings(&["ts", "te", "td", "sa", "da", "sp", "dp", "pr", "flg", "fwd", "stos", "ipkt", "ibyt", "opkt", "obyt", "in", "dir"]);
        let names = argus_names(&header).unwrap();
        assert_eq!(&names[..9], ["StartTime", "LastTime", "Dur", "SrcAddr", "DstAddr", "Sport", "Dport", "Proto", "State"]);
        assert_eq!(&names[9..], ["", "sTos", "SrcPkts", "SrcBytes", "DstPkts", "DstBytes", "", ""]);
        assert_eq!(argus_names(&strings(&["StartTime", "Dur", "Proto", "SrcAddr", "Sport", "Dir", "DstAddr", "Dport"])), None);
        assert_eq!(argus_names(&strings(&["ts", "te"])), None);
    }

    #[test]
    fn icmp_type_and_code() {
        assert_eq!(icmp_type_code(b"3.3"), Some(771));
        assert_eq!(icmp_type_code(b"8.0"), Some(2048));
        assert_eq!(icmp_type_code(b"771"), None);
        assert_eq!(icmp_type_code(b"3.256"), None);
        assert_eq!(icmp_type_code(b".3"), None);
    }

    #[test]
    fn flags_become_an_argus_state() {
        assert_eq!(argus_state(b".AP.SF", true, false), "FSPA_");
        assert_eq!(argus_state(b"....S.", true, false), "S_");
        assert_eq!(argus_state(b"...R..", true, true), "R_");
        assert_eq!(argus_state(b"CE.A..S.", true, false), "SAEC_");
        assert_eq!(argus_state(b"......", false, false), "INT");
        assert_eq!(argus_state(b"......", false, true), "CON");
    }
}
