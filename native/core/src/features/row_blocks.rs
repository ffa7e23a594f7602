//! A window's feature rows while it is open, in blocks of a fixed number of rows: they grow
//! without being reallocated and copied, and are put together once, at their exact size, when
//! the window is handed out.
//!
//! Kept in one vector, the rows of each open window (about 33 k rows, 5 MB, for a window of
//! CTU-13 scenario 6) doubled as they came: every doubling a copy of what it held, and memory
//! that glibc's malloc kept after the vector moved on. Blocks of a few tens of kilobytes are
//! reused by the allocator as windows close and open.

/// Rows of `width` values.
pub struct RowBlocks {
    width: usize,
    blocks: Vec<Vec<f32>>,
    rows: usize,
}

/// Rows per block: a block stays below glibc's initial mmap threshold (128 KiB) for rows of up
/// to 64 values, so it comes from and goes back to the heap, not to the kernel.
const ROWS_PER_BLOCK: usize = 512;

impl RowBlocks {
    pub fn new(width: usize) -> RowBlocks {
        assert!(width > 0, "rows need at least one value");
        RowBlocks { width, blocks: Vec::new(), rows: 0 }
    }

    /// Adds a row of zeros; gives its index.
    pub fn push_zeros(&mut self) -> usize {
        let row = self.rows;
        if row.is_multiple_of(ROWS_PER_BLOCK) {
            self.blocks.push(Vec::with_capacity(ROWS_PER_BLOCK * self.width));
        }
        let block = self.blocks.last_mut().expect("a block for the row");
        block.resize(block.len() + self.width, 0.0);
        self.rows += 1;
        row
    }

    pub fn row_mut(&mut self, row: usize) -> &mut [f32] {
        let start = row % ROWS_PER_BLOCK * self.width;
        &mut self.blocks[row / ROWS_PER_BLOCK][start..start + self.width]
    }

    pub fn row(&self, row: usize) -> &[f32] {
        let start = row % ROWS_PER_BLOCK * self.width;
        &self.blocks[row / ROWS_PER_BLOCK][start..start + self.width]
    }

    /// Every row in order, row-major, in a vector of exactly their size.
    pub fn into_vec(self) -> Vec<f32> {
        let mut values = Vec::with_capacity(self.rows * self.width);
        for block in self.blocks {
            values.extend_from_slice(&block);
        }
        values
    }

    /// The rows in `order` (each row once), row-major, in a vector of exactly their size.
    pub fn gathered(&self, order: &[usize]) -> Vec<f32> {
        let mut values = Vec::with_capacity(order.len() * self.width);
        for &row in order {
            values.extend_from_slice(self.row(row));
        }
        values
    }
}

/// A window's rows in their order: the blocks they were written in, and, when it is not the
/// order they were written in, the order to read them in. Read in place, or put together.
pub struct OrderedRows {
    blocks: RowBlocks,
    order: Option<Vec<usize>>,
}

impl OrderedRows {
    pub fn new(blocks: RowBlocks, order: Option<Vec<usize>>) -> OrderedRows {
        OrderedRows { blocks, order }
    }

    /// How many rows.
    pub fn count(&self) -> usize {
        self.order.as_ref().map_or(self.blocks.rows, Vec::len)
    }

    /// The `index`-th row in order.
    pub fn row(&self, index: usize) -> &[f32] {
        self.blocks.row(self.order.as_ref().map_or(index, |order| order[index]))
    }

    /// Every row in order, row-major, in a vector of exactly their size.
    pub fn into_vec(self) -> Vec<f32> {
        match &self.order {
            None => self.blocks.into_vec(),
            Some(order) => self.blocks.gathered(order),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled(rows: usize, width: usize) -> RowBlocks {
        let mut blocks = RowBlocks::new(width);
        for n in 0..rows {
            let row = blocks.push_zeros();
            assert_eq!(row, n);
            for (i, value) in blocks.row_mut(row).iter_mut().enumerate() {
                *value = (n * width + i) as f32;
            }
        }
        blocks
    }

    #[test]
    fn rows_across_blocks_come_back_in_order_at_their_exact_size() {
        for rows in [0, 1, ROWS_PER_BLOCK - 1, ROWS_PER_BLOCK, 3 * ROWS_PER_BLOCK + 7] {
            let blocks = filled(rows, 3);
            let values = blocks.into_vec();
            assert_eq!(values, (0..rows * 3).map(|v| v as f32).collect::<Vec<_>>());
            assert_eq!(values.capacity(), values.len());
        }
    }

    #[test]
    fn rows_are_gathered_in_the_order_asked() {
        let blocks = filled(2 * ROWS_PER_BLOCK + 1, 2);
        let order = [2 * ROWS_PER_BLOCK, 0, ROWS_PER_BLOCK];
        let last = (2 * ROWS_PER_BLOCK * 2) as f32;
        let middle = (ROWS_PER_BLOCK * 2) as f32;
        assert_eq!(blocks.gathered(&order), vec![last, last + 1.0, 0.0, 1.0, middle, middle + 1.0]);
    }

    #[test]
    fn ordered_rows_read_in_place_as_put_together() {
        for order in [None, Some(vec![2 * ROWS_PER_BLOCK, 0, ROWS_PER_BLOCK, 1])] {
            let rows = OrderedRows::new(filled(2 * ROWS_PER_BLOCK + 1, 2), order);
            let in_place: Vec<f32> = (0..rows.count()).flat_map(|i| rows.row(i).to_vec()).collect();
            assert_eq!(in_place, rows.into_vec());
        }
    }

    #[test]
    fn a_row_can_be_rewritten() {
        let mut blocks = filled(ROWS_PER_BLOCK + 2, 2);
        blocks.row_mut(ROWS_PER_BLOCK + 1).copy_from_slice(&[-1.0, -2.0]);
        assert_eq!(blocks.row(ROWS_PER_BLOCK + 1), &[-1.0, -2.0]);
        assert_eq!(blocks.row(ROWS_PER_BLOCK), &[(ROWS_PER_BLOCK * 2) as f32, (ROWS_PER_BLOCK * 2 + 1) as f32]);
    }
}
