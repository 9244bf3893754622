//! What the deduplicator says of a record.

/// A record's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Its id was not seen inside the window: pass it on.
    New,
    /// Its id was seen before, first in the segment starting at `segment_start`
    /// (milliseconds since the epoch): drop it.
    Duplicate {
        /// The first time of the segment the id was first seen in.
        segment_start: i64,
    },
}

impl Verdict {
    /// Whether the record is new.
    pub fn is_new(self) -> bool {
        self == Verdict::New
    }
}
