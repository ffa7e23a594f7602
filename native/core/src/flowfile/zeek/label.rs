//! Stratosphere's two label columns of a Zeek log (`label`, `detailed-label`) as one flowhound
//! label, in the CTU-13 form that `features::classify_label` reads.
//!
//! | `label` | flowhound label | class, end named |
//! |---|---|---|
//! | `Malicious` | `flow=From-Botnet-Zeek-Malicious[-DETAIL]` | botnet, the originator |
//! | `Benign` | `flow=From-Normal-Zeek-Benign[-DETAIL]` | normal, the originator |
//! | `Background` | `flow=Background-Zeek[-DETAIL]` | background |
//! | anything else | the text as written, `-DETAIL` appended | whatever it says |
//!
//! `From-Botnet` names the originator as the bot. That holds for CTU-Normal's
//! `External-Attack-to-Device` rows too: an outside scanner originates them, and the LAN host
//! it hits is their responder, so it is never named (a victim, not a bot).
//!
//! When the record's source is not Zeek's originator (a lone ICMP reply, turned round as Argus
//! orients it), `From-` becomes `To-`, so that the label still names the originator.

/// The label of a connection; `None` when neither column says anything.
pub fn flow_label(label: &str, detail: &str, originator_is_src: bool) -> Option<String> {
    let (label, detail) = (label.trim(), detail.trim());
    let base = if label.eq_ignore_ascii_case("malicious") {
        if originator_is_src {
            "flow=From-Botnet-Zeek-Malicious"
        } else {
            "flow=To-Botnet-Zeek-Malicious"
        }
    } else if label.eq_ignore_ascii_case("benign") {
        if originator_is_src {
            "flow=From-Normal-Zeek-Benign"
        } else {
            "flow=To-Normal-Zeek-Benign"
        }
    } else if label.eq_ignore_ascii_case("background") {
        "flow=Background-Zeek"
    } else if label.is_empty() && detail.is_empty() {
        return None;
    } else if label.is_empty() {
        "flow=Zeek"
    } else {
        label
    };
    Some(if detail.is_empty() { base.to_string() } else { format!("{base}-{detail}") })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::{classify_label, FlowClass, LabelledEnd};

    #[test]
    fn stratosphere_labels() {
        // IoT-23 (label, detailed-label) pairs, and CTU-Normal's (label, detailedlabel).
        assert_eq!(flow_label("Malicious", "C&C", true).as_deref(), Some("flow=From-Botnet-Zeek-Malicious-C&C"));
        assert_eq!(
            flow_label("Malicious", "PartOfAHorizontalPortScan", true).as_deref(),
            Some("flow=From-Botnet-Zeek-Malicious-PartOfAHorizontalPortScan")
        );
        assert_eq!(
            flow_label("Malicious", "External-Attack-to-Device", true).as_deref(),
            Some("flow=From-Botnet-Zeek-Malicious-External-Attack-to-Device")
        );
        assert_eq!(flow_label("Benign", "", true).as_deref(), Some("flow=From-Normal-Zeek-Benign"));
        assert_eq!(flow_label("Benign", "Microsoft", true).as_deref(), Some("flow=From-Normal-Zeek-Benign-Microsoft"));
        assert_eq!(flow_label("Background", "", true).as_deref(), Some("flow=Background-Zeek"));
        assert_eq!(flow_label(" malicious ", " DDoS ", true).as_deref(), Some("flow=From-Botnet-Zeek-Malicious-DDoS"));
        assert_eq!(flow_label("", "", true), None);
        assert_eq!(flow_label("", "Odd", true).as_deref(), Some("flow=Zeek-Odd"));
        assert_eq!(flow_label("From-Botnet-V42-TCP", "", true).as_deref(), Some("From-Botnet-V42-TCP"));
        assert_eq!(flow_label("Suspicious", "x", true).as_deref(), Some("Suspicious-x"));
        // A record turned round from Zeek's orientation.
        assert_eq!(flow_label("Malicious", "C&C", false).as_deref(), Some("flow=To-Botnet-Zeek-Malicious-C&C"));
        assert_eq!(flow_label("Benign", "", false).as_deref(), Some("flow=To-Normal-Zeek-Benign"));
    }

    #[test]
    fn the_labels_classify_as_meant() {
        let class = |label: &str, detail: &str| classify_label(&flow_label(label, detail, true).unwrap());
        assert_eq!(class("Malicious", "DDoS"), (FlowClass::Botnet, LabelledEnd::Src));
        assert_eq!(class("Malicious", "External-Attack-to-Device"), (FlowClass::Botnet, LabelledEnd::Src));
        assert_eq!(class("Benign", "Microsoft"), (FlowClass::Normal, LabelledEnd::Src));
        assert_eq!(class("Benign", ""), (FlowClass::Normal, LabelledEnd::Src));
        assert_eq!(class("Background", ""), (FlowClass::Background, LabelledEnd::Neither));
        assert_eq!(class("", "Odd"), (FlowClass::Unlabelled, LabelledEnd::Neither));
        assert_eq!(class("Suspicious", ""), (FlowClass::Unlabelled, LabelledEnd::Neither));
        assert_eq!(
            classify_label(&flow_label("Malicious", "C&C", false).unwrap()),
            (FlowClass::Botnet, LabelledEnd::Dst)
        );
    }
}
