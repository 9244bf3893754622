//! Bloom filters of the live segments, interleaved: the filters of every segment for a
//! hash sit side by side, so testing an id against all of them reads one run of
//! memory rather than one distant cache line (and page) per segment.

use super::buckets::Buckets;

/// Words of one block: a filter tests and sets bits in one block per id. Small blocks
/// keep the run of every segment's block short (25 segments: 400 bytes).
const BLOCK_WORDS: usize = 2;
const BLOCK_BITS: u64 = 64 * BLOCK_WORDS as u64;
/// A block of a filter.
type Block = [u64; BLOCK_WORDS];
/// Bits set per id: with 32 bits an id, about 0.01 % false positives.
const PROBES: u32 = 10;
/// Bits of filter per id a segment's filter is sized for: each segment's filter is
/// tested for every new id, so its false positives add up over the segments (with 25
/// segments, about one new id in 400 reads RocksDB).
const BITS_PER_ID: u64 = 32;

/// Where a hash sits in the filters ([`SegmentFilters::probe`]): worked out once and
/// tested against every segment's filter.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Probe {
    block: usize,
    mask: Block,
}

/// One bloom filter per segment slot (a segment's number modulo the slots), block `b`
/// of every slot stored together, on huge pages where the system gives them.
#[derive(Debug)]
pub(crate) struct SegmentFilters {
    slots: usize,
    blocks_per_slot: usize,
    /// Block `b` of slot `s` at `b * slots + s`.
    blocks: Buckets<Block>,
    /// Ids put in each slot since it was cleared.
    held: Vec<usize>,
    /// The ids a slot's filter is sized for.
    capacity: usize,
}

impl SegmentFilters {
    /// Filters for `slots` live segments, each sized for `capacity` ids.
    pub(crate) fn new(slots: usize, capacity: usize) -> Self {
        let slots = slots.max(1);
        let capacity = capacity.max(1024);
        let blocks_per_slot = (capacity as u64 * BITS_PER_ID).div_ceil(BLOCK_BITS) as usize;
        SegmentFilters {
            slots,
            blocks_per_slot,
            blocks: Buckets::zeroed(blocks_per_slot * slots),
            held: vec![0; slots],
            capacity,
        }
    }

    /// The slot whose filter is `segment`'s.
    pub(crate) fn slot(&self, segment: i64) -> usize {
        segment.rem_euclid(self.slots as i64) as usize
    }

    /// The block `hash` sits in, in every slot's filter.
    fn block_of(&self, hash: u64) -> usize {
        (((hash >> 32) * self.blocks_per_slot as u64) >> 32) as usize
    }

    /// Where `hash` sits in every slot's filter: its block, and the bits set in it
    /// (from the hash's other bits), the same for every slot.
    pub(crate) fn probe(&self, hash: u64) -> Probe {
        let block = self.block_of(hash);
        let mut mask: Block = [0; BLOCK_WORDS];
        // The bits come from the hash's low half (the block is from its high half),
        // spread by a multiply and drawn by xorshift: bits drawn from the same few
        // hash bits as the block, or in a fixed stride, make many more false positives.
        let mut bits = (hash as u32 as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        for _ in 0..PROBES {
            bits ^= bits << 13;
            bits ^= bits >> 7;
            bits ^= bits << 17;
            let bit = bits % BLOCK_BITS;
            mask[(bit / 64) as usize] |= 1 << (bit % 64);
        }
        Probe { block, mask }
    }

    /// Puts `hash` (its [`SegmentFilters::probe`]) in `segment`'s filter.
    pub(crate) fn insert(&mut self, segment: i64, probe: &Probe) {
        let slot = self.slot(segment);
        let block = &mut self.blocks.get_mut()[probe.block * self.slots + slot];
        for (word, bits) in block.iter_mut().zip(probe.mask) {
            *word |= bits;
        }
        self.held[slot] += 1;
    }

    #[cfg(test)]
    /// Whether `hash` (its [`SegmentFilters::probe`]) may be in `segment`: never
    /// `false` for one that was put there.
    pub(crate) fn may_contain(&self, segment: i64, probe: &Probe) -> bool {
        let block = &self.blocks.get()[probe.block * self.slots + self.slot(segment)];
        block
            .iter()
            .zip(probe.mask)
            .all(|(word, bits)| word & bits == bits)
    }

    /// The slots whose filters may hold `hash` (its [`SegmentFilters::probe`]), one
    /// bit each: the filters of every slot tested in one pass over their run of memory.
    pub(crate) fn candidates(&self, probe: &Probe) -> u128 {
        let start = probe.block * self.slots;
        let mut found = 0u128;
        for (slot, block) in self.blocks.get()[start..start + self.slots].iter().enumerate() {
            let missing = block
                .iter()
                .zip(probe.mask)
                .fold(0, |acc, (word, bits)| acc | (bits & !word));
            found |= u128::from(missing == 0) << slot;
        }
        found
    }

    /// Starts fetching the memory [`SegmentFilters::candidates`] reads for `hash`.
    pub(crate) fn prefetch(&self, hash: u64) {
        let start = self.block_of(hash) * self.slots;
        // A line at a time: the blocks' run is a few lines long.
        let per_line = 64 / std::mem::size_of::<Block>();
        for block in (start..start + self.slots).step_by(per_line) {
            prefetch_index::prefetch_index(self.blocks.get(), block);
        }
        prefetch_index::prefetch_index(self.blocks.get(), start + self.slots - 1);
    }

    /// Empties `segment`'s filter, for the segment that will take its slot.
    pub(crate) fn clear(&mut self, segment: i64) {
        let slot = self.slot(segment);
        for block in self.blocks.get_mut().iter_mut().skip(slot).step_by(self.slots) {
            *block = [0; BLOCK_WORDS];
        }
        self.held[slot] = 0;
    }

    /// Whether a slot holds twice the ids its filter is sized for (its false
    /// positives are then about ten times as many).
    pub(crate) fn overfull(&self) -> bool {
        self.held.iter().any(|held| *held > 2 * self.capacity)
    }

    /// The most ids a slot holds.
    pub(crate) fn fullest(&self) -> usize {
        self.held.iter().copied().max().unwrap_or(0)
    }

    /// The slots.
    pub(crate) fn slots(&self) -> usize {
        self.slots
    }

    /// The bytes its bits take.
    pub(crate) fn bytes(&self) -> usize {
        self.blocks.len() * std::mem::size_of::<Block>()
    }
}

#[cfg(test)]
mod tests {
    use std::hash::BuildHasher;

    use super::*;

    #[test]
    fn no_false_negatives_and_few_false_positives() {
        let hasher = foldhash::quality::FixedState::with_seed(7);
        let mut filters = SegmentFilters::new(4, 20_000);
        for i in 0..20_000u64 {
            filters.insert(3, &filters.probe(hasher.hash_one(i)));
            filters.insert(5, &filters.probe(hasher.hash_one(i + 1_000_000)));
        }
        assert!((0..20_000u64).all(|i| filters.may_contain(3, &filters.probe(hasher.hash_one(i)))));
        let false_positives = (100_000..200_000u64)
            .filter(|i| filters.may_contain(3, &filters.probe(hasher.hash_one(i))))
            .count();
        // About 5 expected.
        assert!(false_positives < 30, "{false_positives} in 100,000");
        // Segment 7 shares segment 3's slot: cleared for it first.
        filters.clear(7);
        assert!((0..20_000u64).all(|i| !filters.may_contain(7, &filters.probe(hasher.hash_one(i)))));
        assert!(
            (0..20_000u64).all(|i| filters.may_contain(5, &filters.probe(hasher.hash_one(i + 1_000_000))))
        );
        assert!(!filters.overfull());
        // One pass over every slot says what testing each one says.
        for i in 0..5_000u64 {
            let probe = filters.probe(hasher.hash_one(i * 7));
            let candidates = filters.candidates(&probe);
            for segment in [3i64, 5, 7, 8] {
                let bit = candidates >> filters.slot(segment) & 1 == 1;
                assert_eq!(
                    bit,
                    filters.may_contain(segment, &probe),
                    "id {i}, segment {segment}"
                );
            }
        }
    }
}
