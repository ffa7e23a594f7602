//! Just enough of the FlatBuffers wire format to read Arrow IPC metadata: tables through their
//! vtables, scalars, strings, vectors of tables and of structs. Every read is bounds-checked
//! and returns a reason instead of panicking, since the bytes come from a file.
//!
//! Layout (little-endian): the buffer starts with a `u32` offset to the root table; a table
//! starts with an `i32` that, subtracted from its position, gives its vtable; the vtable holds
//! `u16` vtable size, `u16` table size, then one `u16` offset per field (0: absent). Offset
//! fields (tables, strings, vectors) hold a `u32` relative to their own position; a vector is a
//! `u32` count followed by its elements.

pub type FbResult<T> = Result<T, &'static str>;

const OUT_OF_RANGE: &str = "metadata offset out of range";

fn bytes<const N: usize>(buf: &[u8], at: usize) -> FbResult<[u8; N]> {
    let end = at.checked_add(N).ok_or(OUT_OF_RANGE)?;
    buf.get(at..end).and_then(|slice| slice.try_into().ok()).ok_or(OUT_OF_RANGE)
}

pub fn read_u16(buf: &[u8], at: usize) -> FbResult<u16> {
    bytes::<2>(buf, at).map(u16::from_le_bytes)
}

pub fn read_u32(buf: &[u8], at: usize) -> FbResult<u32> {
    bytes::<4>(buf, at).map(u32::from_le_bytes)
}

pub fn read_i32(buf: &[u8], at: usize) -> FbResult<i32> {
    bytes::<4>(buf, at).map(i32::from_le_bytes)
}

pub fn read_i64(buf: &[u8], at: usize) -> FbResult<i64> {
    bytes::<8>(buf, at).map(i64::from_le_bytes)
}

/// Follows the `u32` offset stored at `at`.
fn follow(buf: &[u8], at: usize) -> FbResult<usize> {
    let offset = read_u32(buf, at)? as usize;
    let target = at.checked_add(offset).ok_or(OUT_OF_RANGE)?;
    if target >= buf.len() {
        return Err(OUT_OF_RANGE);
    }
    Ok(target)
}

#[derive(Clone, Copy, Debug)]
pub struct Table<'a> {
    buf: &'a [u8],
    pos: usize,
    vtable: usize,
    vtable_len: usize,
}

impl<'a> Table<'a> {
    /// The root table of a buffer.
    pub fn root(buf: &'a [u8]) -> FbResult<Table<'a>> {
        Table::at(buf, follow(buf, 0)?)
    }

    fn at(buf: &'a [u8], pos: usize) -> FbResult<Table<'a>> {
        let soffset = i64::from(read_i32(buf, pos)?);
        let vtable = usize::try_from(pos as i64 - soffset).map_err(|_| OUT_OF_RANGE)?;
        let vtable_len = usize::from(read_u16(buf, vtable)?);
        if vtable_len < 4 || vtable.checked_add(vtable_len).is_none_or(|end| end > buf.len()) {
            return Err("metadata table has a bad vtable");
        }
        Ok(Table { buf, pos, vtable, vtable_len })
    }

    /// Position of field `id`'s data, when the field is present.
    fn field(&self, id: usize) -> FbResult<Option<usize>> {
        let entry = 4 + 2 * id;
        if entry + 2 > self.vtable_len {
            return Ok(None);
        }
        match read_u16(self.buf, self.vtable + entry)? {
            0 => Ok(None),
            offset => self.pos.checked_add(usize::from(offset)).map(Some).ok_or(OUT_OF_RANGE),
        }
    }

    pub fn u8(&self, id: usize, default: u8) -> FbResult<u8> {
        match self.field(id)? {
            Some(at) => self.buf.get(at).copied().ok_or(OUT_OF_RANGE),
            None => Ok(default),
        }
    }

    pub fn bool(&self, id: usize) -> FbResult<bool> {
        self.u8(id, 0).map(|value| value != 0)
    }

    pub fn i16(&self, id: usize, default: i16) -> FbResult<i16> {
        match self.field(id)? {
            Some(at) => bytes::<2>(self.buf, at).map(i16::from_le_bytes),
            None => Ok(default),
        }
    }

    pub fn i32(&self, id: usize, default: i32) -> FbResult<i32> {
        match self.field(id)? {
            Some(at) => read_i32(self.buf, at),
            None => Ok(default),
        }
    }

    pub fn i64(&self, id: usize, default: i64) -> FbResult<i64> {
        match self.field(id)? {
            Some(at) => read_i64(self.buf, at),
            None => Ok(default),
        }
    }

    pub fn table(&self, id: usize) -> FbResult<Option<Table<'a>>> {
        match self.field(id)? {
            Some(at) => Table::at(self.buf, follow(self.buf, at)?).map(Some),
            None => Ok(None),
        }
    }

    pub fn string(&self, id: usize) -> FbResult<Option<&'a str>> {
        match self.vector(id, 1)? {
            Some(vector) => std::str::from_utf8(vector.bytes()).map(Some).map_err(|_| "metadata string is not UTF-8"),
            None => Ok(None),
        }
    }

    /// A vector whose elements are `element_bytes` wide (4 for tables, a struct's size).
    pub fn vector(&self, id: usize, element_bytes: usize) -> FbResult<Option<Vector<'a>>> {
        let Some(at) = self.field(id)? else { return Ok(None) };
        let start = follow(self.buf, at)?;
        let len = read_u32(self.buf, start)? as usize;
        let end = len.checked_mul(element_bytes).and_then(|size| (start + 4).checked_add(size)).ok_or(OUT_OF_RANGE)?;
        if end > self.buf.len() {
            return Err(OUT_OF_RANGE);
        }
        Ok(Some(Vector { buf: self.buf, start: start + 4, len, element_bytes }))
    }
}

#[derive(Clone, Copy, Debug)]
pub struct Vector<'a> {
    buf: &'a [u8],
    start: usize,
    len: usize,
    element_bytes: usize,
}

impl<'a> Vector<'a> {
    pub fn len(&self) -> usize {
        self.len
    }

    fn bytes(&self) -> &'a [u8] {
        &self.buf[self.start..self.start + self.len * self.element_bytes]
    }

    /// Element `index` of a vector of tables.
    pub fn table(&self, index: usize) -> FbResult<Table<'a>> {
        Table::at(self.buf, follow(self.buf, self.start + 4 * index)?)
    }

    /// Element `index` of a vector of structs, as its bytes.
    pub fn element(&self, index: usize) -> &'a [u8] {
        let at = self.start + self.element_bytes * index;
        &self.buf[at..at + self.element_bytes]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_hand_built_table() {
        // Layout: [0] root → 16; [4..14] vtable; [16] table: soffset 12 (→ vtable at 4), i16 7
        // at +4, string offset at +8 → string at 28: len 2, "ab".
        let mut buf = Vec::new();
        buf.extend(16u32.to_le_bytes()); // 0: root table at 16
        buf.extend([10, 0, 12, 0, 4, 0, 0, 0, 8, 0]); // 4: vtable: size 10, table 12, fields +4, -, +8
        buf.extend([0, 0]); // 14: padding
        buf.extend(12i32.to_le_bytes()); // 16
        buf.extend(7i16.to_le_bytes()); // 20
        buf.extend([0, 0]); // 22
        buf.extend(4u32.to_le_bytes()); // 24: string offset → 28
        buf.extend(2u32.to_le_bytes()); // 28
        buf.extend(b"ab\0\0");
        let table = Table::root(&buf).unwrap();
        assert_eq!(table.i16(0, -1), Ok(7));
        assert_eq!(table.i16(1, -1), Ok(-1), "absent field: default");
        assert_eq!(table.i16(9, -1), Ok(-1), "beyond the vtable: default");
        assert_eq!(table.string(2), Ok(Some("ab")));
        // Damage: a string length past the end, a vtable outside the buffer.
        let mut long = buf.clone();
        long[28..32].copy_from_slice(&1000u32.to_le_bytes());
        assert_eq!(Table::root(&long).unwrap().string(2), Err(OUT_OF_RANGE));
        let mut bad = buf.clone();
        bad[16..20].copy_from_slice(&(-1000i32).to_le_bytes());
        assert!(Table::root(&bad).is_err());
        assert!(Table::root(&buf[..3]).is_err());
        assert!(Table::root(&[0xff, 0xff, 0xff, 0xff]).is_err());
    }
}
