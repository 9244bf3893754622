//! The input offsets a caller commits when it keeps the assembler's held records in its
//! inputs: the lowest offset of each input partition still held.

use std::collections::BTreeMap;

/// Which input offsets are safe to commit while an assembler holds records: per input
/// partition, the lowest offset of a record still held, or past the last record read
/// when none is. Replaying from these offsets after a crash brings back every held
/// record (and some records of units already emitted, which the
/// [`Checkpoint`](super::Checkpoint) makes the assembler drop).
///
/// ```
/// use cdc_core::transaction::ReplayOffsets;
/// let mut offsets = ReplayOffsets::new();
/// offsets.read("orders-0", 10, true); // held
/// offsets.read("orders-0", 11, false); // a duplicate, dropped
/// offsets.read("tx-0", 4, true);
/// assert_eq!(offsets.commit_offsets(), vec![("orders-0", 10), ("tx-0", 4)]);
/// offsets.release(&"orders-0", 10); // its unit was written
/// offsets.release(&"tx-0", 4);
/// assert_eq!(offsets.commit_offsets(), vec![("orders-0", 12), ("tx-0", 5)]);
/// ```
#[derive(Debug, Clone)]
pub struct ReplayOffsets<P> {
    held: BTreeMap<P, BTreeMap<i64, usize>>,
    next: BTreeMap<P, i64>,
}

impl<P> Default for ReplayOffsets<P> {
    fn default() -> Self {
        Self {
            held: BTreeMap::new(),
            next: BTreeMap::new(),
        }
    }
}

impl<P: Ord + Clone> ReplayOffsets<P> {
    /// Nothing read yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The record at `offset` of `partition` was read; `held` if the assembler holds it
    /// ([`Pushed::Held`](super::Pushed::Held)).
    pub fn read(&mut self, partition: P, offset: i64, held: bool) {
        let next = self.next.entry(partition.clone()).or_insert(offset + 1);
        *next = (*next).max(offset + 1);
        if held {
            *self.held.entry(partition).or_default().entry(offset).or_default() += 1;
        }
    }

    /// The held record at `offset` of `partition` was given out (in a unit, or
    /// released).
    pub fn release(&mut self, partition: &P, offset: i64) {
        let Some(offsets) = self.held.get_mut(partition) else {
            return;
        };
        if let Some(n) = offsets.get_mut(&offset) {
            *n -= 1;
            if *n == 0 {
                offsets.remove(&offset);
            }
        }
        if offsets.is_empty() {
            self.held.remove(partition);
        }
    }

    /// For each partition read, the offset to commit.
    pub fn commit_offsets(&self) -> Vec<(P, i64)> {
        self.next
            .iter()
            .map(|(p, next)| {
                let lowest = self.held.get(p).and_then(|o| o.keys().next().copied());
                (p.clone(), lowest.unwrap_or(*next))
            })
            .collect()
    }

    /// How many records are held.
    pub fn held(&self) -> usize {
        self.held.values().flat_map(BTreeMap::values).sum()
    }
}
