//! Ids as 56-bit fingerprints in one open-addressing table of 8-byte slots.

use super::SeenIds;
use crate::error::Result;

/// Seen ids in 8 bytes each: 56 bits of the id's 64-bit hash and an 8-bit tag of its
/// segment, in one table probed linearly from a position taken from the stored hash
/// bits. The table is kept at most 80 % full and grows by doubling, so an id costs 10
/// to 20 bytes.
///
/// Expiring a segment costs nothing at once: its slots are dead from then on, skipped
/// by lookups and reused by inserts, and swept out together when dead slots fill a
/// quarter of the table or before their tags could be read as live again.
///
/// Two different ids are taken for the same one when their hashes agree in the 56
/// stored bits. With `n` ids held, a new id is wrongly called a duplicate with
/// probability at most `n / 2^56`: 1.4 × 10^-10 per check with 10 million ids held,
/// about one false duplicate in 7 × 10^9 new ids. Use [`ExactIds`](super::ExactIds)
/// where that is too many.
#[derive(Debug)]
pub struct CompactIds {
    slots: Vec<u64>,
    /// Slots not empty, live or dead.
    occupied: usize,
    live: usize,
    first_live: i64,
    /// The newest segment an id was put in: tags read as segments up to it.
    newest: i64,
    /// `first_live` at the last sweep: dead tags are swept before they could alias.
    swept_at: i64,
}

const EMPTY: u64 = 0;
const TAG_BITS: u32 = 8;
const TAG: u64 = (1 << TAG_BITS) - 1;
const TAGS: i64 = 1 << TAG_BITS;
/// How far the live range may move between sweeps: a dead slot's tag reads as a
/// segment past the newest (so, dead) until the range has moved `TAGS - width`.
const SWEEP_EVERY: i64 = TAGS / 2;
const MIN_CAPACITY: usize = 1024;

impl Default for CompactIds {
    fn default() -> Self {
        Self::new()
    }
}

impl CompactIds {
    /// An empty set.
    pub fn new() -> Self {
        CompactIds {
            slots: vec![EMPTY; MIN_CAPACITY],
            occupied: 0,
            live: 0,
            first_live: i64::MIN / 2,
            newest: i64::MIN / 2,
            swept_at: i64::MIN / 2,
        }
    }

    fn mask(&self) -> usize {
        self.slots.len() - 1
    }

    /// The stored bits of `hash`: never zero, so that a slot is never [`EMPTY`].
    fn fingerprint(hash: u64) -> u64 {
        (hash & !TAG).max(1 << TAG_BITS)
    }

    /// Where a fingerprint's probe run starts: from its own bits, so a grow can place
    /// it again.
    fn home(&self, fingerprint: u64) -> usize {
        ((fingerprint >> TAG_BITS) as usize) & self.mask()
    }

    /// The live segment a slot holds an id of, or `None` for a dead slot. A tag reads
    /// as the segment at or after `first_live` with those low bits; a dead slot's reads
    /// past `newest` until the live range has moved [`SWEEP_EVERY`], and sweeps come
    /// sooner.
    fn live_segment(&self, slot: u64) -> Option<i64> {
        let tag = (slot & TAG) as i64;
        let segment = self.first_live + (tag - self.first_live).rem_euclid(TAGS);
        (segment <= self.newest).then_some(segment)
    }

    fn put(&mut self, slot: u64) {
        let mut at = self.home(slot & !TAG);
        while self.slots[at] != EMPTY {
            at = (at + 1) & self.mask();
        }
        self.slots[at] = slot;
    }

    /// Whether a slot holds an id of a segment at or after `cutoff` (read in the
    /// current live range).
    fn keeps(&self, slot: u64, cutoff: i64) -> bool {
        slot != EMPTY && self.live_segment(slot).is_some_and(|segment| segment >= cutoff)
    }

    /// Rebuilds the table at `capacity` with the live slots only.
    fn rebuild(&mut self, capacity: usize) {
        let old = std::mem::replace(&mut self.slots, vec![EMPTY; capacity]);
        for slot in old {
            if self.keeps(slot, self.first_live) {
                self.put(slot);
            }
        }
        self.occupied = self.live;
        self.swept_at = self.first_live;
    }

    /// Sweeps out in place every slot of a segment before `cutoff` (and every dead
    /// one): empties them, then puts every slot back where a lookup finds it, going
    /// once around from an empty slot.
    fn sweep(&mut self, cutoff: i64) {
        for i in 0..self.slots.len() {
            if !self.keeps(self.slots[i], cutoff) {
                self.slots[i] = EMPTY;
            }
        }
        let start = self.slots.iter().position(|s| *s == EMPTY).unwrap_or(0);
        for k in 1..=self.slots.len() {
            let i = (start + k) & self.mask();
            let slot = std::mem::replace(&mut self.slots[i], EMPTY);
            if slot != EMPTY {
                self.put(slot);
            }
        }
        self.occupied = self.live;
        self.swept_at = cutoff;
    }
}

impl SeenIds for CompactIds {
    fn check_and_insert(&mut self, _id: &[u8], hash: u64, insert_into: Option<i64>) -> Result<Option<i64>> {
        let fingerprint = Self::fingerprint(hash);
        let mut at = self.home(fingerprint);
        let mut reusable = None;
        loop {
            let slot = self.slots[at];
            if slot == EMPTY {
                break;
            }
            match self.live_segment(slot) {
                Some(segment) if slot & !TAG == fingerprint => return Ok(Some(segment)),
                Some(_) => {}
                None => {
                    reusable.get_or_insert(at);
                }
            }
            at = (at + 1) & self.mask();
        }
        let Some(segment) = insert_into else {
            return Ok(None);
        };
        self.newest = self.newest.max(segment);
        let tagged = fingerprint | (segment as u64 & TAG);
        match reusable {
            Some(dead) => self.slots[dead] = tagged,
            None => {
                self.slots[at] = tagged;
                self.occupied += 1;
            }
        }
        self.live += 1;
        if self.occupied * 5 > self.slots.len() * 4 {
            // Sweeping the dead leaves the table at most 65 % full: sweep; else grow.
            if self.live * 100 <= self.slots.len() * 65 {
                self.sweep(self.first_live);
            } else {
                self.rebuild(self.slots.len() * 2);
            }
        }
        Ok(None)
    }

    fn expire(&mut self, first_live: i64, ids: usize) -> Result<()> {
        if first_live <= self.first_live {
            return Ok(());
        }
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
        self.slots.len() * std::mem::size_of::<u64>() + std::mem::size_of::<Self>()
    }

    fn look_ahead(&self, hash: u64) {
        // A load nothing waits for: the CPU fetches the lines of several at once.
        std::hint::black_box(self.slots[self.home(Self::fingerprint(hash))]);
    }

    fn shrink_to_fit(&mut self) {
        // The smallest table that holds the live ids at most 65 % full.
        let needed = (self.live * 100 / 65 + 1).next_power_of_two().max(MIN_CAPACITY);
        if needed < self.slots.len() {
            self.rebuild(needed);
        }
    }
}
