//! How much text a gzip flow file holds, for the progress line, which counts a gzip input in
//! the bytes its reader works through (the uncompressed text), not in the stored ones.
//!
//! gzip records each member's uncompressed size, modulo 2³², in its last four bytes (ISIZE,
//! RFC 1952). For the common file, one member under 4 GiB, that is the size exactly; above
//! 4 GiB it has wrapped, and of concatenated members (`cat a.gz b.gz`, bgzip's blocks) it is
//! only the last one's. So the trailer is taken as it is only where it agrees with what the
//! reading so far projects (text per stored byte, times the stored size): the projection picks
//! the wrap, and a trailer far from it (another member's) is set aside for the projection.
//! Either way the figure is an estimate until the end, where the reader knows the size.

use std::fs::File;

/// A trailer is believed when within this factor of the projection: a text flow file's
/// compression ratio varies little along it.
const AGREEMENT: f64 = 1.33;

/// The ISIZE trailer of a regular file (its last four bytes, little-endian), read where they
/// are without moving the file's position; `None` when it cannot be read there.
pub fn gzip_trailer_size(file: &File) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileExt;
        let len = file.metadata().ok()?.len();
        let mut trailer = [0u8; 4];
        file.read_exact_at(&mut trailer, len.checked_sub(4)?).ok()?;
        Some(u32::from_le_bytes(trailer))
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        None
    }
}

/// The estimated uncompressed size of a gzip file of `stored_total` bytes, of which
/// `stored_read` bytes have given `text_read` bytes of text; never less than `text_read`.
pub fn estimated_text_bytes(trailer: Option<u32>, stored_total: Option<u64>, stored_read: u64, text_read: u64) -> Option<u64> {
    let projection = match stored_total {
        Some(total) if stored_read > 0 && text_read > 0 => Some(text_read as f64 * total as f64 / stored_read as f64),
        _ => None,
    };
    let believed = match (trailer, projection) {
        // Nothing read yet: the trailer as it is (most files: one member, under 4 GiB).
        (Some(trailer), None) => Some(u64::from(trailer)),
        (Some(trailer), Some(projection)) => {
            let wraps = ((projection - f64::from(trailer)) / 4_294_967_296.0).round().max(0.0);
            let candidate = u64::from(trailer) + (wraps as u64) * (1 << 32);
            let ratio = candidate as f64 / projection;
            (candidate >= text_read && (1.0 / AGREEMENT..=AGREEMENT).contains(&ratio)).then_some(candidate)
        }
        (None, _) => None,
    };
    believed.or(projection.map(|p| p.round() as u64)).map(|estimate| estimate.max(text_read))
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use flate2::Compression;
    use std::io::Write;

    #[test]
    fn one_member_under_4_gib_is_its_trailer() {
        // Before any reading, and when the projection agrees.
        assert_eq!(estimated_text_bytes(Some(1_000_000), Some(100_000), 0, 0), Some(1_000_000));
        assert_eq!(estimated_text_bytes(Some(1_000_000), Some(100_000), 10_000, 90_000), Some(1_000_000));
    }

    #[test]
    fn a_wrapped_trailer_takes_the_wrap_the_projection_points_to() {
        // 10 GiB of text in 1 GiB stored: the trailer holds 10 GiB mod 4 GiB = 2 GiB.
        let text = 10u64 << 30;
        let trailer = (text % (1 << 32)) as u32;
        let stored = 1u64 << 30;
        // A tenth read, at a ratio of 9.6 (the projection 9.6 GiB): the wrap of 10 GiB is chosen.
        assert_eq!(estimated_text_bytes(Some(trailer), Some(stored), stored / 10, (text as f64 * 0.096) as u64), Some(text));
    }

    #[test]
    fn another_members_trailer_is_set_aside_for_the_projection() {
        // `cat big.gz small.gz`: the trailer is small.gz's 1 kB; 50 MB of text from 5 MB read of 10 MB.
        assert_eq!(estimated_text_bytes(Some(1_000), Some(10_000_000), 5_000_000, 50_000_000), Some(100_000_000));
        // Never below what was read already, even before a projection exists.
        assert_eq!(estimated_text_bytes(Some(1_000), None, 0, 5_000), Some(5_000));
        // No trailer (a pipe) and no size: nothing to estimate with.
        assert_eq!(estimated_text_bytes(None, None, 100, 1_000), None);
    }

    #[test]
    fn the_trailer_is_read_from_the_file() {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(&b"StartTime,Dur\n".repeat(1000)).unwrap();
        let path = std::env::temp_dir().join(format!("flowhound-isize-{}.gz", std::process::id()));
        std::fs::write(&path, encoder.finish().unwrap()).unwrap();
        let file = File::open(&path).unwrap();
        if cfg!(unix) {
            assert_eq!(gzip_trailer_size(&file), Some(14_000));
        }
        std::fs::remove_file(&path).unwrap();
    }
}
