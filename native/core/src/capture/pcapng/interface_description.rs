//! Interface Description Block: link type, snap length and time-stamp options of one
//! interface. Options are checked as strictly as libpcap checks them, so that a file it
//! refuses is refused here at the same block.

use crate::capture::format::ByteOrder;
use crate::capture::snaplen::effective_snaplen;
use crate::capture::timestamp::TimestampScale;
use crate::packet::LinkType;

pub const BLOCK_TYPE: u32 = 0x0000_0001;

const OPT_END_OF_OPTIONS: u16 = 0;
const OPT_IF_TSRESOL: u16 = 9;
const OPT_IF_TSOFFSET: u16 = 14;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interface {
    pub link_type: LinkType,
    /// Snap length as libpcap enforces it (0 or huge means the link type's maximum).
    pub snaplen_bytes: u32,
    pub timestamps: TimestampScale,
}

/// Parses an IDB body (the block without its 8-byte header and 4-byte trailer).
pub fn parse(body: &[u8], order: ByteOrder) -> Result<Interface, String> {
    if body.len() < 8 {
        return Err(format!("interface description block body of {} bytes, shorter than 8", body.len()));
    }
    let link_type = order.u16(body, 0);
    let snaplen = order.u32(body, 4);
    let mut tsresol: Option<u8> = None;
    let mut tsoffset_s: Option<i64> = None;

    let mut options = &body[8..];
    while !options.is_empty() {
        if options.len() < 4 {
            return Err("interface description block option header is cut short".to_string());
        }
        let code = order.u16(options, 0);
        let value_len = usize::from(order.u16(options, 2));
        let padded_len = (value_len + 3) & !3;
        if options.len() - 4 < padded_len {
            return Err(format!("interface description block option {code} of {value_len} bytes overruns the block"));
        }
        let value = &options[4..4 + value_len];
        match code {
            OPT_END_OF_OPTIONS => {
                if value_len != 0 {
                    return Err(format!("opt_endofopt with length {value_len} != 0"));
                }
                break;
            }
            OPT_IF_TSRESOL => {
                if value_len != 1 {
                    return Err(format!("if_tsresol option with length {value_len} != 1"));
                }
                if tsresol.replace(value[0]).is_some() {
                    return Err("more than one if_tsresol option".to_string());
                }
            }
            OPT_IF_TSOFFSET => {
                if value_len != 8 {
                    return Err(format!("if_tsoffset option with length {value_len} != 8"));
                }
                if tsoffset_s.replace(order.u64(value, 0) as i64).is_some() {
                    return Err("more than one if_tsoffset option".to_string());
                }
            }
            _ => {}
        }
        options = &options[4 + padded_len..];
    }

    const MICROSECONDS_TSRESOL: u8 = 6;
    let tsresol = tsresol.unwrap_or(MICROSECONDS_TSRESOL);
    let timestamps = TimestampScale::from_tsresol(tsresol, tsoffset_s.unwrap_or(0))
        .ok_or_else(|| format!("if_tsresol {tsresol:#04x} is too fine for 64-bit time stamps"))?;
    Ok(Interface { link_type, snaplen_bytes: effective_snaplen(link_type, snaplen), timestamps })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_ethernet_interface() {
        // Body of the IDB of pcapng-test-generator output_le/basic/test001.pcapng (offset
        // 0x68): Ethernet, snaplen 0, an if_name option "silly ethernet interface", end.
        let mut body = vec![0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x18, 0x00];
        body.extend_from_slice(b"silly ethernet interface");
        body.extend_from_slice(&[0x00, 0x00, 0x00, 0x00]);
        let interface = parse(&body, ByteOrder::Little).unwrap();
        assert_eq!(interface.link_type, 1);
        assert_eq!(interface.snaplen_bytes, 262_144);
        assert_eq!(interface.timestamps, TimestampScale::MICROSECONDS);
    }

    #[test]
    fn nanosecond_resolution_and_offset_big_endian() {
        let mut body = vec![0x00, 0x71, 0x00, 0x00, 0x00, 0x00, 0x00, 0x60];
        body.extend_from_slice(&[0x00, 0x09, 0x00, 0x01, 0x09, 0, 0, 0]); // if_tsresol = 9
        body.extend_from_slice(&[0x00, 0x0e, 0x00, 0x08, 0, 0, 0, 0, 0, 0, 0, 10]); // if_tsoffset = 10 s
        body.extend_from_slice(&[0, 0, 0, 0]); // opt_endofopt
        let interface = parse(&body, ByteOrder::Big).unwrap();
        assert_eq!(interface.link_type, 113);
        assert_eq!(interface.snaplen_bytes, 96);
        assert_eq!(interface.timestamps.units_per_second(), 1_000_000_000);
        assert_eq!(interface.timestamps.to_us(1_500), 10_000_001);
    }

    #[test]
    fn options_after_end_of_options_are_ignored() {
        let mut body = vec![0x01, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00];
        body.extend_from_slice(&[0, 0, 0, 0]);
        body.extend_from_slice(&[0x09, 0x00, 0x05, 0x00]); // would be a bad if_tsresol
        assert!(parse(&body, ByteOrder::Little).is_ok());
    }

    #[test]
    fn bad_options_are_refused() {
        let head = [0x01, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00];
        let with = |options: &[u8]| {
            let mut body = head.to_vec();
            body.extend_from_slice(options);
            parse(&body, ByteOrder::Little)
        };
        assert!(with(&[0x09, 0x00, 0x02, 0x00, 6, 6, 0, 0]).is_err(), "tsresol length 2");
        assert!(with(&[0x09, 0x00, 0x01, 0x00, 6, 0, 0, 0, 0x09, 0x00, 0x01, 0x00, 6, 0, 0, 0]).is_err(), "two tsresol");
        assert!(with(&[0x09, 0x00, 0x01, 0x00, 20, 0, 0, 0]).is_err(), "10^-20");
        assert!(with(&[0x09, 0x00, 0x01, 0x00, 0x80 | 64, 0, 0, 0]).is_err(), "2^-64");
        assert!(with(&[0x0e, 0x00, 0x04, 0x00, 0, 0, 0, 0]).is_err(), "tsoffset length 4");
        assert!(with(&[0x02, 0x00, 0x10, 0x00, b'e', b't', b'h']).is_err(), "option overruns");
        assert!(with(&[0x02, 0x00]).is_err(), "option header cut");
        assert!(with(&[0x00, 0x00, 0x04, 0x00, 0, 0, 0, 0]).is_err(), "endofopt with a length");
        assert!(with(&[0x02, 0x00, 0x03, 0x00, b'e', b't', b'h', 0]).is_ok(), "padded if_name");
    }
}
