//! Each flow feature against values worked out by hand from small records.

use super::*;
use crate::flowfile::{FlowFileOptions, FlowFileReader};

fn features_of(line: &str) -> Vec<f32> {
    let text = format!("StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes,Label\n{line}\n");
    let mut reader = FlowFileReader::from_read(Box::new(std::io::Cursor::new(text.into_bytes())), "test.binetflow", FlowFileOptions::default()).unwrap();
    let mut records = Vec::new();
    reader.next_batch(10, &mut records).unwrap();
    let mut row = vec![f32::NAN; FLOW_FEATURE_COUNT];
    write_flow_features(&records[0], &mut row);
    assert!(row.iter().all(|v| v.is_finite()), "every feature is written: {row:?}");
    row
}

fn get(row: &[f32], name: &str) -> f32 {
    row[FLOW_FEATURES.iter().position(|f| f.name == name).unwrap()]
}

#[test]
fn an_smtp_attempt_reset_by_the_server() {
    // capture20110816.binetflow: a spam attempt of the bot, answered by a reset.
    let row = features_of("2011/08/16 10:01:46.972101,3.0,tcp,147.32.84.165,1040,   ->,65.55.92.152,25,S_RA,0,0,4,244,124,flow=From-Botnet-V47-1-TCP-Attempt-SPAM");
    assert_eq!(get(&row, "duration_s"), 3.0);
    assert_eq!((get(&row, "proto_is_tcp"), get(&row, "proto_is_udp")), (1.0, 0.0));
    assert_eq!((get(&row, "src_port_number"), get(&row, "dst_port_number")), (1040.0, 25.0));
    assert_eq!((get(&row, "dst_port_is_smtp"), get(&row, "dst_port_is_web")), (1.0, 0.0));
    assert_eq!((get(&row, "tcp_src_syn"), get(&row, "tcp_src_ack"), get(&row, "tcp_dst_rst"), get(&row, "tcp_dst_ack")), (1.0, 0.0, 1.0, 1.0));
    assert_eq!((get(&row, "src_bytes"), get(&row, "dst_bytes"), get(&row, "dst_silent")), (124.0, 120.0, 0.0));
    assert_eq!(get(&row, "bytes_per_pkt"), 61.0);
    assert!((get(&row, "pkts_per_s") - 4.0 / 3.0).abs() < 1e-6);
    assert_eq!(get(&row, "state_is_con"), 0.0);
}

#[test]
fn a_one_way_udp_flow_and_an_echo() {
    let row = features_of("2011/08/16 10:01:47.0,0.000000,udp,147.32.84.165,1025,   ->,147.32.80.9,53,INT,0,,1,75,75,flow=Background");
    assert_eq!((get(&row, "proto_is_udp"), get(&row, "dst_port_is_dns"), get(&row, "state_is_int")), (1.0, 1.0, 1.0));
    assert_eq!((get(&row, "dst_silent"), get(&row, "dst_tos"), get(&row, "tcp_src_syn")), (1.0, -1.0, 0.0));
    assert_eq!(get(&row, "pkts_per_s"), 1000.0, "a zero duration counts as 1 ms");
    let echo = features_of("2011/08/18 15:52:55.099841,98.652954,icmp,147.32.84.191,0x0008,   ->,147.32.96.69,0x008a,ECO,0,,22,23452,23452,flow=From-Botnet");
    assert_eq!((get(&echo, "proto_is_icmp"), get(&echo, "state_is_eco"), get(&echo, "src_port_is_ephemeral")), (1.0, 1.0, 0.0));
    assert_eq!(get(&echo, "src_port_number"), 8.0 * 256.0, "type 8, code 0");
}
