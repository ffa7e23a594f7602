//! A flow file's record cut into the windows ahead of the input's time: the record is held once,
//! shared by those windows, and each window's piece is made when the input reaches that window.
//!
//! CTU-13's records last up to an hour, so a record reaches up to 24 windows ahead (scenario 6:
//! 56,231 of its 558,919 records last over 450 s). Made at once, each piece (a record of its
//! own, with its strings, in a growing vector) would be copied into every window ahead and sit
//! there until it closes. Held so, they take the record once and a pointer per window, and
//! each piece is made once, when its window is reached.
//!
//! The pieces reach their window in the order their records came, before any record that comes
//! after the window is reached (`FeatureBuilder::push`), so a window sees the same pieces in the
//! same order as if each had been added when its record came: the same rows, the same sample
//! under the memory budget, the same tallies.

use std::sync::Arc;

use crate::record::FlowRecord;

use super::labels::FlowClass;
use super::record_pieces::RecordCut;

/// A record whose pieces some windows ahead wait for.
pub struct FutureRecord {
    record: FlowRecord,
    cut: RecordCut,
    /// When the flow started (its record's start, or the start a labels sidecar gave).
    pub record_start_us: i64,
    /// It carries a label that is not empty.
    pub has_label: bool,
    /// Its label's class.
    pub class: FlowClass,
}

impl FutureRecord {
    pub fn new(record: FlowRecord, cut: RecordCut, record_start_us: i64, has_label: bool, class: FlowClass) -> Arc<FutureRecord> {
        Arc::new(FutureRecord { record, cut, record_start_us, has_label, class })
    }

    pub fn record(&self) -> &FlowRecord {
        &self.record
    }

    pub fn cut(&self) -> &RecordCut {
        &self.cut
    }

    /// The piece window `window_start_us` (one of the cut's windows) holds, made into `piece`.
    pub fn piece_into(&self, window_start_us: i64, piece: &mut FlowRecord) {
        self.cut.piece_into(&self.record, window_start_us, piece);
    }
}
