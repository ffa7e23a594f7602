//! Argus's state names for ICMP and ICMPv6 flows, as `ra` prints them.
//!
//! Checked one type and code at a time against argus 3.0.8 / ra 3.0.8 (probe pcaps in
//! `test/fixtures/argus/README.md`); the few marked "unprobed" follow the same naming.

/// `icmp_type` is the type the flow is named by: the request type once a request was seen,
/// else the type of the first packet (so a flow of echo replies alone is `ECR`).
pub fn icmp_v4_state(icmp_type: u8, icmp_code: u8) -> &'static str {
    match icmp_type {
        0 => "ECR",
        1 | 2 | 7 => "",
        3 => match icmp_code {
            0 => "URN",
            1 => "URH",
            2 => "URO",
            3 => "URP",
            4 => "URF",
            5 => "URS",
            6 => "URNU",
            7 => "URHU",
            8 => "URISO",
            9 => "URNPRO",
            10 => "URHPRO",
            11 => "URNTOS",
            12 => "URHTOS",
            13 => "URFIL",
            14 => "URPRE",
            15 => "URCUT",
            _ => "UR",
        },
        4 => "SRC",
        5 => "RED",
        6 => "AHA",
        8 => "ECO",
        9 => "RTA",
        10 => "RTS",
        11 => "TXD",
        12 => "PAR",
        13 => "TST",
        14 => "TSR",
        15 => "IRQ",
        16 => "IRR",
        17 => "MAS",
        18 => "MSR",
        19 => "SEC",
        // 21–29, 32 and 42–45 as the Argus that made CTU-13 named them (every ICMP type
        // appears in scenario 11's flood; argus 3.0.8 writes no record for these types).
        20..=29 => "ROB",
        30 => "TRC",
        31 => "DCE", // unprobed; seen in CTU-13
        32 => "MHR",
        33 => "WAY",
        34 => "IAH",
        35 => "MRQ",
        36 => "MRP",
        37 => "DNQ",
        38 => "DNP",
        39 => "SKP",
        40 => "PHO",
        41 => "NRS",
        42 => "NRA",
        43 => "NNS",
        44 => "NNA",
        45 => "PTB",
        _ => "UNK",
    }
}

/// `icmp_type` is already mapped to the request type (see `key::icmp_v6_request_type`).
pub fn icmp_v6_state(icmp_type: u8, icmp_code: u8) -> &'static str {
    match (icmp_type, icmp_code) {
        (1, 0) => "URNR",
        (1, 1) => "URAD",
        (1, 2) => "URBS",
        (1, 3) => "URAR",
        (1, 4) => "URP",
        (1, 5) => "URSF",
        (1, 6) => "URRR",
        (1, 7) => "URES",
        (1, _) => "UR",
        (2, _) => "PTB",
        (3, 0) => "TXT",
        (3, 1) => "TXR",
        (4, 0) => "PPH",
        (4, 1) => "PPNH",
        (4, 2) => "PPO",
        (128, _) => "ECO",
        (130, _) => "MRQ",
        (133, _) => "NRS",
        (135, _) => "NNS",
        (137, _) => "RED",
        (143, _) => "MHR",
        _ => "UNK",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probed_icmp_names() {
        assert_eq!(icmp_v4_state(8, 0), "ECO");
        assert_eq!(icmp_v4_state(0, 0), "ECR");
        assert_eq!(icmp_v4_state(3, 3), "URP");
        assert_eq!(icmp_v4_state(3, 1), "URH");
        assert_eq!(icmp_v4_state(3, 0), "URN");
        assert_eq!(icmp_v4_state(3, 13), "URFIL");
        assert_eq!(icmp_v4_state(3, 99), "UR");
        assert_eq!(icmp_v4_state(5, 1), "RED");
        assert_eq!(icmp_v4_state(11, 0), "TXD");
        assert_eq!(icmp_v4_state(7, 0), "");
        assert_eq!(icmp_v4_state(253, 0), "UNK");
        // Names taken from CTU-13 (capture20110818-2.botnet.binetflow): 0x1b00 ROB, 0x2000 MHR,
        // 0x2a00 NRA, 0x2b00 NNS, 0x2c00 NNA, 0x2d00 PTB, 0x2e00 UNK.
        let ctu13 = [(27, "ROB"), (32, "MHR"), (42, "NRA"), (43, "NNS"), (44, "NNA"), (45, "PTB"), (46, "UNK")];
        for (icmp_type, name) in ctu13 {
            assert_eq!(icmp_v4_state(icmp_type, 0), name, "type {icmp_type}");
        }
    }

    #[test]
    fn probed_icmpv6_names() {
        assert_eq!(icmp_v6_state(135, 0), "NNS");
        assert_eq!(icmp_v6_state(133, 0), "NRS");
        assert_eq!(icmp_v6_state(143, 0), "MHR");
        assert_eq!(icmp_v6_state(128, 0), "ECO");
        assert_eq!(icmp_v6_state(1, 4), "URP");
        assert_eq!(icmp_v6_state(144, 0), "UNK");
    }
}
