//! Ids as 56-bit fingerprints in buckets of one cache line each.

use super::SeenIds;
use super::buckets::{Bucket, Buckets};
use crate::error::Result;

/// Seen ids in 8 bytes each: 56 bits of the id's 64-bit hash and an 8-bit tag of its
/// segment, in buckets of one 64-byte cache line (seven ids and a marker), the bucket
/// chosen by the hash. The table grows by half once its ids fill three quarters of the
/// slots, so an id costs 12 to 19 bytes; tables of over 4 MiB ask for huge pages.
///
/// Expiring a segment costs nothing at once: its slots are dead from then on, skipped
/// by lookups and taken by inserts as if empty. An id whose bucket is full goes on to
/// the next bucket with room, and leaves in each bucket it passed the newest segment
/// that went past it, so a lookup reads the next bucket only while that segment lives:
/// a check reads one cache line, but for the few ids in full buckets. Before the tags
/// could be read as live again the table is swept, one pass that empties the dead.
///
/// Two different ids are taken for the same one when their hashes agree in the 56
/// stored bits. With `n` ids held, a new id is wrongly called a duplicate with
/// probability at most `n / 2^56`: 1.4 × 10^-10 per check with 10 million ids held,
/// about one false duplicate in 7 × 10^9 new ids. Use [`ExactIds`](super::ExactIds)
/// where that is too many.
#[derive(Debug)]
pub struct CompactIds {
    buckets: Buckets,
    live: usize,
    first_live: i64,
    /// The newest segment an id was put in: tags read as segments up to it.
    newest: i64,
    /// `first_live` at the last sweep: dead tags are swept before they could alias.
    swept_at: i64,
    /// The last new id (tagged) and its segment, put in its bucket at the next call:
    /// the bucket's line is then at hand, and the next id's line already asked for.
    unplaced: Option<(u64, i64)>,
}

const EMPTY: u64 = 0;
const TAG_BITS: u32 = 8;
const TAG: u64 = (1 << TAG_BITS) - 1;
const TAGS: i64 = 1 << TAG_BITS;
/// How far the live range may move between sweeps: a dead slot's tag reads as a
/// segment past the newest (so, dead) until the range has moved `TAGS - width`.
const SWEEP_EVERY: i64 = TAGS / 2;
/// Word 0 of a bucket: the newest segment of an id that went past the bucket, tagged
/// as a slot is (with a bit so that it is never [`EMPTY`]), or [`EMPTY`].
const MARKER: usize = 0;
/// Words 1 to 7: ids.
const SLOTS: std::ops::RangeInclusive<usize> = 1..=7;
const SLOTS_PER_BUCKET: usize = 7;
const MIN_BUCKETS: usize = 64;
/// The most ids a table holds, in quarters of its slots.
const MAX_LOAD_QUARTERS: usize = 3;

/// Where a slot's (or a marker's) tag reads when the live segments are
/// `first_live..=newest`: 1 when it holds a live segment, else 0 (empty or dead), and
/// that segment's distance from `first_live`. No branch, as whether a slot is empty,
/// dead or live is random.
fn liveness(word: u64, first_live: i64, newest: i64) -> (u32, i64) {
    let offset = ((word & TAG).wrapping_sub(first_live as u64) & TAG) as i64;
    // `&`, not `&&`.
    let live = u32::from(word != EMPTY) & u32::from(offset <= newest - first_live);
    (live, offset)
}

/// The live segment of a slot's (or a marker's) tag when the live segments are
/// `first_live..=newest`, or `None` for an empty or dead one.
fn live_segment(word: u64, first_live: i64, newest: i64) -> Option<i64> {
    let (live, offset) = liveness(word, first_live, newest);
    (live == 1).then_some(first_live + offset)
}

impl Default for CompactIds {
    fn default() -> Self {
        Self::new()
    }
}

impl CompactIds {
    /// An empty set.
    pub fn new() -> Self {
        Self::with_buckets(MIN_BUCKETS)
    }

    fn with_buckets(buckets: usize) -> Self {
        CompactIds {
            buckets: Buckets::zeroed(buckets),
            live: 0,
            first_live: i64::MIN / 2,
            newest: i64::MIN / 2,
            swept_at: i64::MIN / 2,
            unplaced: None,
        }
    }

    /// The stored bits of `hash`: never zero, so that a slot is never [`EMPTY`].
    fn fingerprint(hash: u64) -> u64 {
        (hash & !TAG).max(1 << TAG_BITS)
    }

    /// The bucket a fingerprint belongs in: from its own bits (its top ones scaled to
    /// the table), so a grow can place it again.
    fn home(&self, fingerprint: u64) -> usize {
        ((u128::from(fingerprint) * self.buckets.len() as u128) >> 64) as usize
    }

    fn next(&self, bucket: usize) -> usize {
        if bucket + 1 == self.buckets.len() {
            0
        } else {
            bucket + 1
        }
    }

    /// The live segment a slot (or a marker) holds, or `None` for a dead one. A tag
    /// reads as the segment at or after `first_live` with those low bits; a dead one's
    /// reads past `newest` until the live range has moved [`SWEEP_EVERY`], and sweeps
    /// come sooner.
    fn live_segment(&self, word: u64) -> Option<i64> {
        live_segment(word, self.first_live, self.newest)
    }

    fn tagged(bits: u64, segment: i64) -> u64 {
        bits | (segment as u64 & TAG)
    }

    /// Puts a slot in the first free slot from its home on, leaving `segment` in the
    /// markers of the full buckets it passes.
    fn place(&mut self, slot: u64, segment: i64) {
        let mut at = self.home(slot & !TAG);
        loop {
            let free = self.free_slots(&self.buckets.get()[at]);
            if free != 0 {
                self.buckets.get_mut()[at][free.trailing_zeros() as usize] = slot;
                return;
            }
            self.raise_marker(at, segment);
            at = self.next(at);
        }
    }

    /// Which of `bucket`'s slots hold `fingerprint`, live or dead: a bit per slot, at
    /// the slot's index.
    fn same_fingerprint(bucket: &Bucket, fingerprint: u64) -> u32 {
        let mut same = 0;
        for i in SLOTS {
            same |= u32::from(bucket[i] & !TAG == fingerprint) << i;
        }
        same
    }

    /// Which of `bucket`'s slots are free (empty or dead): a bit per slot, at the
    /// slot's index. Every slot is read, with no branch on what it holds, so that the
    /// CPU, which could not guess it, runs on to the next check while the bucket's line
    /// is on its way.
    fn free_slots(&self, bucket: &Bucket) -> u32 {
        let mut free = 0;
        for i in SLOTS {
            free |= (self.is_live(bucket[i]) ^ 1) << i;
        }
        free
    }

    /// 1 when a slot (or a marker) holds a live segment, else 0, with no branch.
    fn is_live(&self, word: u64) -> u32 {
        liveness(word, self.first_live, self.newest).0
    }

    /// Makes `bucket`'s marker say that an id of `segment` went past it.
    fn raise_marker(&mut self, bucket: usize, segment: i64) {
        let marker = self.buckets.get()[bucket][MARKER];
        let newest = self.live_segment(marker).map_or(segment, |old| old.max(segment));
        self.buckets.get_mut()[bucket][MARKER] = Self::tagged(1 << TAG_BITS, newest);
    }

    /// Puts the last new id in its bucket, if it is not there yet.
    fn place_unplaced(&mut self) {
        if let Some((slot, segment)) = self.unplaced.take() {
            self.place(slot, segment);
        }
    }

    /// Rebuilds the table with `buckets` buckets and the live ids only.
    fn rebuild(&mut self, buckets: usize) {
        self.place_unplaced();
        let old = std::mem::replace(&mut self.buckets, Buckets::zeroed(buckets));
        for bucket in old.get() {
            for &slot in &bucket[SLOTS] {
                if let Some(segment) = self.live_segment(slot) {
                    self.place(slot, segment);
                }
            }
        }
        self.swept_at = self.first_live;
    }

    /// Empties, in place, every slot and marker of a segment before `cutoff`, read in
    /// the current live range. A marker of a dead segment guards only dead ids, so
    /// nothing live is lost to a lookup.
    fn sweep(&mut self, cutoff: i64) {
        let (first_live, newest) = (self.first_live, self.newest);
        for bucket in self.buckets.get_mut() {
            for word in bucket.iter_mut() {
                if live_segment(*word, first_live, newest).is_none_or(|segment| segment < cutoff) {
                    *word = EMPTY;
                }
            }
        }
        self.swept_at = cutoff;
    }

    fn capacity(&self) -> usize {
        self.buckets.len() * SLOTS_PER_BUCKET
    }
}

impl CompactIds {
    /// The segment of the id with `fingerprint`, if held: read from its home bucket
    /// on, while the buckets' markers say an id went past them.
    fn find(&self, fingerprint: u64) -> Option<i64> {
        let buckets = self.buckets.get();
        let mut at = self.home(fingerprint);
        // At most three quarters of the slots hold ids: some bucket has room, and no
        // id went past it; the bound only keeps a broken table from looping.
        for _ in 0..buckets.len() {
            let bucket: &Bucket = &buckets[at];
            let mut same = Self::same_fingerprint(bucket, fingerprint);
            while same != 0 {
                if let Some(segment) = self.live_segment(bucket[same.trailing_zeros() as usize]) {
                    return Some(segment);
                }
                same &= same - 1;
            }
            // Most markers are empty or dead, at random: one branch, on liveness.
            if self.is_live(bucket[MARKER]) == 0 {
                return None;
            }
            at = self.next(at);
        }
        None
    }
}

impl SeenIds for CompactIds {
    fn check_and_insert(&mut self, _id: &[u8], hash: u64, insert_into: Option<i64>) -> Result<Option<i64>> {
        let fingerprint = Self::fingerprint(hash);
        // The id's line is asked for first, and the last new id placed while it comes.
        self.look_ahead(hash);
        self.place_unplaced();
        if let Some(segment) = self.find(fingerprint) {
            return Ok(Some(segment));
        }
        let Some(segment) = insert_into else {
            return Ok(None);
        };
        self.newest = self.newest.max(segment);
        self.unplaced = Some((Self::tagged(fingerprint, segment), segment));
        self.live += 1;
        if self.live * 4 > self.capacity() * MAX_LOAD_QUARTERS {
            self.rebuild(self.buckets.len() + self.buckets.len() / 2);
        }
        Ok(None)
    }

    fn expire(&mut self, first_live: i64, ids: usize) -> Result<()> {
        if first_live <= self.first_live {
            return Ok(());
        }
        self.place_unplaced();
        self.live -= ids;
        // A dead slot reads as dead while the live range has moved at most
        // `SWEEP_EVERY` since the last sweep: past that, sweep now, reading the tags
        // in the range they were written in.
        if first_live - self.swept_at > SWEEP_EVERY {
            self.sweep(first_live);
        }
        self.first_live = first_live;
        Ok(())
    }

    fn len(&self) -> usize {
        self.live
    }

    fn bytes(&self) -> usize {
        self.buckets.len() * std::mem::size_of::<Bucket>() + std::mem::size_of::<Self>()
    }

    fn look_ahead(&self, hash: u64) {
        // A prefetch: the CPU fetches the lines of several ids at once, and goes on.
        prefetch_index::prefetch_index(self.buckets.get(), self.home(Self::fingerprint(hash)));
    }

    fn shrink_to_fit(&mut self) {
        // The smallest table that holds the live ids at most half full.
        let needed = (self.live * 2 / SLOTS_PER_BUCKET + 1).max(MIN_BUCKETS);
        if needed < self.buckets.len() {
            self.rebuild(needed);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use proptest::prelude::*;

    use super::*;

    /// A hash whose top bits (the bucket) take one of `homes` values: ids crowd into
    /// a few buckets, and go on past full ones.
    fn crowded_hash(home: u8, low: u32) -> u64 {
        (u64::from(home) << 59) | (u64::from(low) << TAG_BITS) | 0xAB
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        /// Against a map of fingerprint to segment: ids crowded into a few buckets,
        /// segments expiring, the live range moving far enough for tags to wrap, the
        /// table growing and shrinking.
        #[test]
        fn holds_what_a_map_holds(
            ops in prop::collection::vec((0u8..10, 0u8..4, 0u32..600), 1..1500),
            width in 1i64..20,
        ) {
            let mut ids = CompactIds::new();
            // The deduplicator places the window before the first id.
            ids.expire(0, 0).unwrap();
            let mut model: HashMap<u64, i64> = HashMap::new();
            let (mut newest, mut first_live) = (0i64, 0i64);
            for (op, home, low) in ops {
                match op {
                    0 => {
                        // The window moves on: sometimes far, past the tags' range.
                        newest += if low % 50 == 0 { i64::from(low) } else { i64::from(low % 3) };
                        let next_first = (newest - width).max(first_live);
                        let gone = model.values().filter(|s| **s < next_first).count();
                        model.retain(|_, s| *s >= next_first);
                        ids.expire(next_first, gone).unwrap();
                        first_live = next_first;
                    }
                    1 => ids.shrink_to_fit(),
                    _ => {
                        let hash = crowded_hash(home, low);
                        let fingerprint = CompactIds::fingerprint(hash);
                        // Mostly now, sometimes an older live segment.
                        let segment = if low % 7 == 0 { first_live + i64::from(low) % (newest - first_live + 1) } else { newest };
                        let insert = (op != 9).then_some(segment);
                        let expected = model.get(&fingerprint).copied();
                        prop_assert_eq!(ids.check_and_insert(&[], hash, insert).unwrap(), expected);
                        if expected.is_none() && let Some(segment) = insert {
                            model.insert(fingerprint, segment);
                        }
                    }
                }
                prop_assert_eq!(ids.len(), model.len());
            }
            ids.place_unplaced();
            for (fingerprint, segment) in &model {
                prop_assert_eq!(ids.find(*fingerprint), Some(*segment));
            }
        }
    }

    #[test]
    fn an_id_costs_at_most_19_bytes_once_the_table_is_large() {
        let mut ids = CompactIds::new();
        ids.expire(0, 0).unwrap();
        for n in 0..1_000_000u64 {
            let hash = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
            ids.check_and_insert(&[], hash, Some(0)).unwrap();
            if n > 10_000 {
                let per_id = ids.bytes() as f64 / ids.len() as f64;
                assert!(per_id < 19.1, "{per_id} bytes an id with {n} ids");
            }
        }
    }
}
