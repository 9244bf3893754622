//! How many ids each live segment holds, in a ring indexed by segment number.

use std::collections::VecDeque;

/// Ids per segment from `first` on: a segment is counted at `first + i`, so a count
/// costs no search, as segments come in order but for the few ids of late records.
#[derive(Debug, Default)]
pub(crate) struct SegmentCounts {
    first: i64,
    counts: VecDeque<usize>,
}

impl SegmentCounts {
    /// Counts one more id in `segment`, at or after every segment forgotten so far.
    pub(crate) fn add(&mut self, segment: i64) {
        if self.counts.is_empty() {
            self.first = segment;
        }
        if segment < self.first {
            // A late record's segment, before the oldest held: room before it.
            for _ in segment..self.first {
                self.counts.push_front(0);
            }
            self.first = segment;
        }
        let index = (segment - self.first) as usize;
        if index >= self.counts.len() {
            self.counts.resize(index + 1, 0);
        }
        self.counts[index] += 1;
    }

    /// Forgets every segment before `first_live`: how many of them held ids, and how
    /// many ids they held.
    pub(crate) fn forget_before(&mut self, first_live: i64) -> (u64, usize) {
        let (mut segments, mut ids) = (0, 0);
        while self.first < first_live {
            let Some(count) = self.counts.pop_front() else {
                break;
            };
            self.first += 1;
            if count > 0 {
                segments += 1;
                ids += count;
            }
        }
        if self.counts.is_empty() {
            self.first = first_live;
        }
        (segments, ids)
    }

    /// The oldest segment holding ids.
    pub(crate) fn oldest(&self) -> Option<i64> {
        let index = self.counts.iter().position(|count| *count > 0)?;
        Some(self.first + index as i64)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::SegmentCounts;

    proptest! {
        /// Against a map of segment to count.
        #[test]
        fn counts_as_a_map_does(ops in proptest::collection::vec((0u8..4, 0i64..40), 1..200)) {
            let mut counts = SegmentCounts::default();
            let mut model: BTreeMap<i64, usize> = BTreeMap::new();
            let mut first_live = 0i64;
            for (op, n) in ops {
                match op {
                    0 | 1 => {
                        let segment = first_live + n / 4;
                        counts.add(segment);
                        *model.entry(segment).or_default() += 1;
                    }
                    2 => {
                        first_live += n / 8;
                        let kept = model.split_off(&first_live);
                        let gone = std::mem::replace(&mut model, kept);
                        prop_assert_eq!(counts.forget_before(first_live), (gone.len() as u64, gone.values().sum::<usize>()));
                    }
                    _ => prop_assert_eq!(counts.oldest(), model.keys().next().copied()),
                }
            }
        }
    }
}
