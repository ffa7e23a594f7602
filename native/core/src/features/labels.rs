//! Ground truth for training tables: a flow's class from its CTU-13 label, and a host's
//! label in a window.
//!
//! CTU-13 labels read `flow=From-Botnet-V47-1-TCP-Attempt-SPAM`, `flow=To-Normal-…`,
//! `flow=Background-…`, `flow=Benign-Sample`. `From-X` says the source is of class X,
//! `To-X` the destination: a `To-Botnet` flow makes its destination the bot. Zeek logs'
//! Stratosphere labels are read into the same form (`flowfile/zeek/label.rs`:
//! `flow=From-Botnet-Zeek-Malicious-C&C`, `flow=From-Normal-Zeek-Benign`, `flow=Background-Zeek`).

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlowClass {
    Botnet,
    Normal,
    Background,
    /// No label, or one that names none of the above.
    Unlabelled,
}

impl FlowClass {
    pub fn as_str(self) -> &'static str {
        match self {
            FlowClass::Botnet => "botnet",
            FlowClass::Normal => "normal",
            FlowClass::Background => "background",
            FlowClass::Unlabelled => "unlabelled",
        }
    }
}

/// Which end of the flow the label speaks of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LabelledEnd {
    Src,
    Dst,
    Neither,
}

/// `text.trim()`, without the Unicode scan when both ends are plain ASCII that is not white
/// space (nearly every label and state): the same result, for a call per record per window.
pub(super) fn trimmed(text: &str) -> &str {
    let plain = |byte: u8| byte.is_ascii() && byte != b' ' && !(0x09..=0x0d).contains(&byte);
    match (text.as_bytes().first(), text.as_bytes().last()) {
        (Some(&first), Some(&last)) if plain(first) && plain(last) => text,
        _ => text.trim(),
    }
}

/// A flow's class, and the end it names, from its label text.
pub fn classify_label(label: &str) -> (FlowClass, LabelledEnd) {
    let text = trimmed(label);
    let text = text.strip_prefix("flow=").unwrap_or(text);
    let (end, rest) = if let Some(rest) = text.strip_prefix("From-") {
        (LabelledEnd::Src, rest)
    } else if let Some(rest) = text.strip_prefix("To-") {
        (LabelledEnd::Dst, rest)
    } else {
        (LabelledEnd::Neither, text)
    };
    // Case-insensitive prefixes without a lower-case copy per record.
    let starts = |prefix: &str| rest.len() >= prefix.len() && rest.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes());
    let class = if starts("botnet") {
        FlowClass::Botnet
    } else if starts("malware") && end == LabelledEnd::Neither {
        // Stratosphere's per-flow labels of malware captures (`flow=Malware-UDP-DNS`,
        // test5-old.binetflow): the malware's own flows, opened by the infected host.
        return (FlowClass::Botnet, LabelledEnd::Src);
    } else if starts("normal") {
        FlowClass::Normal
    } else if starts("background") || starts("benign") {
        // The benign sample mixes Normal and Background rows without telling them apart.
        FlowClass::Background
    } else {
        return (FlowClass::Unlabelled, LabelledEnd::Neither);
    };
    (class, end)
}

/// A LAN host's label in one window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostLabel {
    /// The host is one of the infected hosts (given, or named by a botnet label), and it acts
    /// as a bot in this window: a botnet-labelled flow that names it starts here, or, where
    /// none of its flows here carries a label (unlabelled inputs), it opens a flow here.
    Infected,
    /// An infected host in a window where it does not act as one: its flows here are labelled
    /// and none botnet, or it only answers, or all it has here are pieces of flows opened
    /// earlier. Neither a positive nor a negative example: no detector can see an infection in
    /// a window where the bot does nothing new.
    InfectedIdle,
    /// A `Normal` label names the host in this window, or it is a known normal host.
    Normal,
    Unknown,
}

impl HostLabel {
    pub fn as_str(self) -> &'static str {
        match self {
            HostLabel::Infected => "infected",
            HostLabel::InfectedIdle => "infected_idle",
            HostLabel::Normal => "normal",
            HostLabel::Unknown => "unknown",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ctu13_labels() {
        assert_eq!(classify_label("flow=From-Botnet-V47-1-TCP-Attempt-SPAM"), (FlowClass::Botnet, LabelledEnd::Src));
        assert_eq!(classify_label("flow=To-Botnet-V52-1-ICMP"), (FlowClass::Botnet, LabelledEnd::Dst));
        assert_eq!(classify_label("flow=From-Normal-V47-Grill"), (FlowClass::Normal, LabelledEnd::Src));
        assert_eq!(classify_label("flow=To-Normal-V47-Jist"), (FlowClass::Normal, LabelledEnd::Dst));
        assert_eq!(classify_label("flow=Background-UDP-Established"), (FlowClass::Background, LabelledEnd::Neither));
        assert_eq!(classify_label("flow=Benign-Sample"), (FlowClass::Background, LabelledEnd::Neither));
        assert_eq!(classify_label(""), (FlowClass::Unlabelled, LabelledEnd::Neither));
        assert_eq!(classify_label("flow=Spyware-X"), (FlowClass::Unlabelled, LabelledEnd::Neither));
        // Stratosphere's newer files label without the flow= prefix.
        assert_eq!(classify_label("From-Botnet-V42-TCP"), (FlowClass::Botnet, LabelledEnd::Src));
    }

    #[test]
    fn stratosphere_malware_labels_name_the_initiator() {
        // test5-old.binetflow: the capture's infected host 10.0.2.15 opens every such flow.
        assert_eq!(classify_label("flow=Malware-UDP-DNS"), (FlowClass::Botnet, LabelledEnd::Src));
        assert_eq!(classify_label("flow=Malware-TCP"), (FlowClass::Botnet, LabelledEnd::Src));
        assert_eq!(classify_label("flow=Background-UDP-Attempt-DNS"), (FlowClass::Background, LabelledEnd::Neither));
        assert_eq!(classify_label("flow=To-Malware-X"), (FlowClass::Unlabelled, LabelledEnd::Neither), "only the capture's own malware flows");
    }

    #[test]
    fn labels_of_zeek_logs() {
        // What the flow-file reader makes of IoT-23's and CTU-Normal's label columns.
        assert_eq!(classify_label("flow=From-Botnet-Zeek-Malicious-C&C"), (FlowClass::Botnet, LabelledEnd::Src));
        assert_eq!(classify_label("flow=From-Botnet-Zeek-Malicious-DDoS"), (FlowClass::Botnet, LabelledEnd::Src));
        assert_eq!(
            classify_label("flow=From-Botnet-Zeek-Malicious-External-Attack-to-Device"),
            (FlowClass::Botnet, LabelledEnd::Src),
            "the outside attacker originates: its LAN victim is not named"
        );
        assert_eq!(classify_label("flow=To-Botnet-Zeek-Malicious"), (FlowClass::Botnet, LabelledEnd::Dst));
        assert_eq!(classify_label("flow=From-Normal-Zeek-Benign-Microsoft"), (FlowClass::Normal, LabelledEnd::Src));
        assert_eq!(classify_label("flow=From-Normal-Zeek-Benign"), (FlowClass::Normal, LabelledEnd::Src));
        assert_eq!(classify_label("flow=Background-Zeek"), (FlowClass::Background, LabelledEnd::Neither));
        // Label words the reader does not know are kept as written, and name no class.
        assert_eq!(classify_label("flow=Zeek-Odd"), (FlowClass::Unlabelled, LabelledEnd::Neither));
        assert_eq!(classify_label("Malicious"), (FlowClass::Unlabelled, LabelledEnd::Neither));
    }

    #[test]
    fn trimmed_is_trim() {
        for text in ["", " ", "CON", " CON", "CON\t", "\u{a0}S_RA\u{a0}", "\u{b}x\u{b}", "flow=Background ", "é", " é "] {
            assert_eq!(trimmed(text), text.trim(), "{text:?}");
        }
    }
}
