//! Bounds-checked big-endian reads: `None` past the captured bytes, never a panic.

#[inline]
pub fn be16(data: &[u8], at: usize) -> Option<u16> {
    match data.get(at..at.checked_add(2)?) {
        Some(&[high, low]) => Some(u16::from_be_bytes([high, low])),
        _ => None,
    }
}

#[inline]
pub fn be32(data: &[u8], at: usize) -> Option<u32> {
    match data.get(at..at.checked_add(4)?) {
        Some(&[a, b, c, d]) => Some(u32::from_be_bytes([a, b, c, d])),
        _ => None,
    }
}

#[inline]
pub fn array<const N: usize>(data: &[u8], at: usize) -> Option<[u8; N]> {
    data.get(at..at.checked_add(N)?)?.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_stop_at_the_end() {
        let data = [1, 2, 3, 4, 5];
        assert_eq!(be16(&data, 3), Some(0x0405));
        assert_eq!(be16(&data, 4), None);
        assert_eq!(be32(&data, 1), Some(0x0203_0405));
        assert_eq!(be32(&data, 2), None);
        assert_eq!(be32(&data, usize::MAX), None);
        assert_eq!(array::<2>(&data, 0), Some([1, 2]));
        assert_eq!(array::<6>(&data, 0), None);
    }
}
