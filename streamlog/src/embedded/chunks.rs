//! The records of one partition, in offset order, as a chain of chunks: appends never
//! move earlier records (no reallocation copies), and the oldest leave from the front.

use std::collections::VecDeque;

use super::log::StoredRecord;

/// Chunks grow with the log up to this many records each.
const MAX_CHUNK: usize = 4096;
const MIN_CHUNK: usize = 16;

#[derive(Debug, Default)]
pub(super) struct Chunks {
    chunks: VecDeque<VecDeque<StoredRecord>>,
    len: usize,
}

impl Chunks {
    pub(super) fn len(&self) -> usize {
        self.len
    }

    pub(super) fn push_back(&mut self, record: StoredRecord) {
        match self.chunks.back_mut() {
            Some(chunk) if chunk.len() < chunk.capacity() => chunk.push_back(record),
            _ => {
                let mut chunk = VecDeque::with_capacity(self.len.clamp(MIN_CHUNK, MAX_CHUNK));
                chunk.push_back(record);
                self.chunks.push_back(chunk);
            }
        }
        self.len += 1;
    }

    pub(super) fn front(&self) -> Option<&StoredRecord> {
        self.chunks.front().and_then(VecDeque::front)
    }

    pub(super) fn pop_front(&mut self) -> Option<StoredRecord> {
        let chunk = self.chunks.front_mut()?;
        let record = chunk.pop_front();
        if chunk.is_empty() {
            self.chunks.pop_front();
        }
        if record.is_some() {
            self.len -= 1;
        }
        record
    }

    /// Records in offset order.
    pub(super) fn iter(&self) -> impl Iterator<Item = &StoredRecord> {
        self.chunks.iter().flatten()
    }

    /// Records from the first one at or after `offset`.
    pub(super) fn iter_from(&self, offset: i64) -> impl Iterator<Item = &StoredRecord> {
        let first = self
            .chunks
            .partition_point(|c| c.back().is_some_and(|r| r.offset < offset));
        let within = self
            .chunks
            .get(first)
            .map_or(0, |c| c.partition_point(|r| r.offset < offset));
        self.chunks
            .range(first..)
            .enumerate()
            .flat_map(move |(i, c)| c.range(if i == 0 { within } else { 0 }..))
    }

    /// Keeps the records for which `keep` says so, in order.
    pub(super) fn retain(&mut self, mut keep: impl FnMut(&StoredRecord) -> bool) {
        let old = std::mem::take(self);
        for chunk in old.chunks {
            for record in chunk {
                if keep(&record) {
                    self.push_back(record);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Headers;

    fn rec(offset: i64) -> StoredRecord {
        StoredRecord {
            offset,
            timestamp: 0,
            appended_at: 0,
            key: None,
            value: None,
            headers: Headers::new(),
            txn: None,
            control: false,
        }
    }

    #[test]
    fn iter_from_finds_offsets_across_chunks_and_gaps() {
        let mut chunks = Chunks::default();
        for o in (0..20_000).step_by(2) {
            chunks.push_back(rec(o));
        }
        assert!(chunks.chunks.len() > 2);
        fn from(chunks: &Chunks, o: i64) -> Vec<i64> {
            chunks.iter_from(o).map(|r| r.offset).take(3).collect()
        }
        assert_eq!(from(&chunks, 0), vec![0, 2, 4]);
        assert_eq!(from(&chunks, 5), vec![6, 8, 10]);
        assert_eq!(from(&chunks, 8191), vec![8192, 8194, 8196]);
        assert_eq!(from(&chunks, 19_998), vec![19_998]);
        assert!(from(&chunks, 20_000).is_empty());
        assert_eq!(chunks.pop_front().map(|r| r.offset), Some(0));
        assert_eq!(from(&chunks, 0), vec![2, 4, 6]);
        chunks.retain(|r| r.offset % 4 == 0);
        assert_eq!(chunks.len(), 4_999);
        assert_eq!(from(&chunks, 0), vec![4, 8, 12]);
    }
}
