//! The bytes that fill payloads: a fixed 64-byte text repeated, indexed by the byte's offset
//! in the frame (not in the payload). Indexing by frame offset means a reused frame buffer
//! already holds the right filler wherever the previous packet wrote no header, and the
//! Internet-checksum sum of any stretch of filler is known in O(1) without materialising it,
//! so TCP/UDP/ICMP checksums stay correct even for bytes cut off by the snap length.

pub const PATTERN_LEN: usize = 64;
pub const PATTERN: &[u8; PATTERN_LEN] = b"flowhound synthetic payload, no real data here: 0123456789abcdef";

/// `PREFIX_SUMS[n]`: unfolded word sum of the first `n` pattern bytes (odd `n`: the last
/// byte as a high byte), exactly as `checksum::sum_words(&PATTERN[..n])`.
const PREFIX_SUMS: [u64; PATTERN_LEN + 1] = prefix_sums();

const fn prefix_sums() -> [u64; PATTERN_LEN + 1] {
    let mut sums = [0u64; PATTERN_LEN + 1];
    let mut n = 1;
    while n <= PATTERN_LEN {
        let byte = PATTERN[n - 1] as u64;
        // Byte n-1 is a high byte when n-1 is even (words start at even offsets).
        sums[n] = sums[n - 1] + if (n - 1) % 2 == 0 { byte << 8 } else { byte };
        n += 1;
    }
    sums
}

/// The filler byte at a frame offset.
pub fn byte_at(frame_offset: usize) -> u8 {
    PATTERN[frame_offset % PATTERN_LEN]
}

/// Writes filler into `bytes`, whose first byte sits at `frame_offset` in the frame.
pub fn fill(bytes: &mut [u8], frame_offset: usize) {
    let mut phase = frame_offset % PATTERN_LEN;
    let mut rest = bytes;
    while !rest.is_empty() {
        let take = (PATTERN_LEN - phase).min(rest.len());
        rest[..take].copy_from_slice(&PATTERN[phase..phase + take]);
        rest = &mut rest[take..];
        phase = 0;
    }
}

/// Word sum of the filler from frame offset 0 up to `end`.
fn sum_to(end: usize) -> u64 {
    (end / PATTERN_LEN) as u64 * PREFIX_SUMS[PATTERN_LEN] + PREFIX_SUMS[end % PATTERN_LEN]
}

/// Unfolded Internet-checksum word sum of the filler over frame offsets [start, end), as if
/// those bytes were materialised. `start` must be even (words begin at even offsets).
pub fn sum_words(start: usize, end: usize) -> u64 {
    debug_assert!(start.is_multiple_of(2));
    if end <= start {
        return 0;
    }
    sum_to(end) - sum_to(start)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checksum;

    #[test]
    fn closed_form_sum_equals_the_materialised_sum() {
        let frame: Vec<u8> = (0..1000).map(byte_at).collect();
        for start in (0..200).step_by(2) {
            for end in start..start + 300 {
                assert_eq!(sum_words(start, end), checksum::sum_words(&frame[start..end]), "{start}..{end}");
            }
        }
    }

    #[test]
    fn fill_follows_frame_offsets() {
        let mut bytes = [0u8; 150];
        fill(&mut bytes, 42);
        for (index, byte) in bytes.iter().enumerate() {
            assert_eq!(*byte, byte_at(42 + index));
        }
    }
}
