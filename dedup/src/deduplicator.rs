//! The deduplicator: ids kept in time segments, expired a segment at a time.

use std::hash::BuildHasher;

use crate::error::Result;
use crate::id::{IdSource, Message};
use crate::segments::SegmentCounts;
use crate::store::{CompactIds, ExactIds, SeenIds};
use crate::verdict::Verdict;
use crate::window::{TimeBasis, Window};

/// How ids are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Storage {
    /// 56-bit fingerprints, 12 to 19 bytes an id ([`CompactIds`]; read its collision
    /// probability).
    #[default]
    Compact,
    /// Whole ids, never confused ([`ExactIds`]).
    Exact,
}

/// What the deduplicator has done, since it was made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Records checked.
    pub checked: u64,
    /// Records found new.
    pub new: u64,
    /// Records found duplicate.
    pub duplicates: u64,
    /// New records older than the window, passed on and not remembered.
    pub late: u64,
    /// Segments forgotten because the window moved past them.
    pub expired_segments: u64,
    /// Segments forgotten early to keep within the space bound.
    pub evicted_segments: u64,
}

/// Drops repeated ids inside a time window.
///
/// Each new id is remembered in the segment of the window its time falls in, and
/// forgotten with the whole segment once the segment is older than the window (see
/// [`Window`]). With a space bound ([`Deduplicator::max_ids`],
/// [`Deduplicator::max_bytes`]), the oldest segments
/// are forgotten early when the ids would exceed it, counted in
/// [`Stats::evicted_segments`] and the metric `dedup_segments_evicted_total`.
///
/// ```
/// use std::time::Duration;
/// use dedup::{Deduplicator, IdSource, Message, TimeBasis, Verdict, Window};
///
/// let window = Window::new(Duration::from_secs(60), 6)?;
/// let mut dedup = Deduplicator::new(IdSource::json_field("id"), window, TimeBasis::EventTime);
/// let first = Message { value: Some(br#"{"id":"a"}"#), timestamp: 1_000, ..Message::default() };
/// let again = Message { timestamp: 30_000, ..first };
/// let much_later = Message { timestamp: 200_000, ..first };
/// assert_eq!(dedup.check(&first)?, Verdict::New);
/// assert_eq!(dedup.check(&again)?, Verdict::Duplicate { segment_start: 0 });
/// assert_eq!(dedup.check(&much_later)?, Verdict::New); // the window has moved on
/// # Ok::<(), dedup::Error>(())
/// ```
pub struct Deduplicator {
    ids: IdSource,
    window: Window,
    basis: TimeBasis,
    store: Box<dyn SeenIds>,
    hasher: foldhash::quality::FixedState,
    max_ids: Option<usize>,
    max_bytes: Option<usize>,
    /// How many ids each live segment holds.
    segments: SegmentCounts,
    /// The newest time seen (event time) or read from the clock.
    now: Option<i64>,
    first_live: i64,
    /// The segment of the last time placed.
    last_segment: LastSegment,
    stats: Stats,
}

/// A segment and its times, `start..end`: later times in it are placed without a
/// division.
#[derive(Debug, Clone, Copy)]
struct LastSegment {
    start: i64,
    end: i64,
    segment: i64,
}

impl LastSegment {
    /// Holds no time.
    const NONE: LastSegment = LastSegment {
        start: 0,
        end: 0,
        segment: 0,
    };
}

impl std::fmt::Debug for Deduplicator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deduplicator")
            .field("ids", &self.ids)
            .field("window", &self.window)
            .field("basis", &self.basis)
            .field("held", &self.store.len())
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

/// The seed of the id hash: fixed, so a hash means the same across runs and processes.
const SEED: u64 = 0x5EED_D0D0_CAFE_F00D;

impl Deduplicator {
    /// A deduplicator reading ids from `ids`, over `window`, in `basis` time, storing
    /// ids compactly.
    pub fn new(ids: IdSource, window: Window, basis: TimeBasis) -> Self {
        Self::with_storage(ids, window, basis, Storage::Compact)
    }

    /// [`Deduplicator::new`] with the storage chosen.
    pub fn with_storage(ids: IdSource, window: Window, basis: TimeBasis, storage: Storage) -> Self {
        let store: Box<dyn SeenIds> = match storage {
            Storage::Compact => Box::new(CompactIds::new()),
            Storage::Exact => Box::new(ExactIds::new()),
        };
        Self::with_store(ids, window, basis, store)
    }

    /// [`Deduplicator::new`] over a store of the caller's (such as a
    /// [`RocksIds`](crate::store::RocksIds), feature `rocksdb`), which must be empty.
    pub fn with_store(ids: IdSource, window: Window, basis: TimeBasis, mut store: Box<dyn SeenIds>) -> Self {
        store.prepare(&window);
        Deduplicator {
            ids,
            window,
            basis,
            store,
            hasher: foldhash::quality::FixedState::with_seed(SEED),
            max_ids: None,
            max_bytes: None,
            segments: SegmentCounts::default(),
            now: None,
            first_live: i64::MIN,
            last_segment: LastSegment::NONE,
            stats: Stats::default(),
        }
    }

    /// Keeps at most `max` ids, forgetting the oldest segments first when more would be
    /// held.
    pub fn max_ids(mut self, max: usize) -> Self {
        self.max_ids = Some(max.max(1));
        self
    }

    /// Keeps the ids within `max` bytes of memory ([`Deduplicator::bytes`]), forgetting
    /// the oldest segments first when they would take more; a table may pass the bound
    /// while it grows, and is shrunk back at once.
    pub fn max_bytes(mut self, max: usize) -> Self {
        self.max_bytes = Some(max);
        self
    }

    /// The verdict on `message`, its id remembered when new;
    /// [`Error::MissingId`](crate::Error::MissingId) when it has none.
    pub fn check(&mut self, message: &Message<'_>) -> Result<Verdict> {
        let id = self.ids.id(message)?;
        self.check_id(&id, message.timestamp)
    }

    /// The verdict on `id` at event time `timestamp` (ignored in processing time), the
    /// id remembered when new.
    pub fn check_id(&mut self, id: &[u8], timestamp: i64) -> Result<Verdict> {
        let time = self.time_of(timestamp);
        self.check_at(id, time)
    }

    /// The time that places a record of event time `timestamp` in the window: the
    /// timestamp itself, or the clock's time in processing time.
    pub fn time_of(&self, timestamp: i64) -> i64 {
        match &self.basis {
            TimeBasis::EventTime => timestamp,
            TimeBasis::ProcessingTime(clock) => clock.now_ms(),
        }
    }

    /// Remembers `id` as seen at `time` (whatever the time basis), as a changelog
    /// replays it: no verdict, and not counted in [`Stats`]. An id already held keeps
    /// its segment; one older than the window is not kept.
    pub fn remember(&mut self, id: &[u8], time: i64) -> Result<()> {
        let stats = self.stats;
        self.check_at(id, time)?;
        let kept = self.stats;
        self.stats = Stats {
            expired_segments: kept.expired_segments,
            evicted_segments: kept.evicted_segments,
            ..stats
        };
        Ok(())
    }

    /// The verdict on `id` seen at `time` (already placed by [`Deduplicator::time_of`]),
    /// the id remembered when new.
    pub fn check_at(&mut self, id: &[u8], time: i64) -> Result<Verdict> {
        let hash = self.hasher.hash_one(id);
        self.check_hashed(id, hash, time)
    }

    /// The verdicts on many ids, each with its time (placed by
    /// [`Deduplicator::time_of`]), appended to `verdicts` in order: the same verdicts
    /// as [`Deduplicator::check_at`] one after the other, faster when the ids are many,
    /// as the store looks a run of them up ahead, each lookup's memory fetched while
    /// the others' are.
    pub fn check_many_at(&mut self, ids: &[(&[u8], i64)], verdicts: &mut Vec<Verdict>) -> Result<()> {
        /// How many ids ahead of the one checked have their memory on the way.
        const AHEAD: usize = 16;
        verdicts.reserve(ids.len());
        let mut hashes = [0u64; AHEAD];
        for (i, (id, _)) in ids.iter().enumerate().take(AHEAD) {
            hashes[i] = self.hasher.hash_one(id);
            self.store.look_ahead(hashes[i]);
        }
        for (i, (id, time)) in ids.iter().enumerate() {
            let hash = hashes[i % AHEAD];
            if let Some((ahead, _)) = ids.get(i + AHEAD) {
                let ahead_hash = self.hasher.hash_one(ahead);
                self.store.look_ahead(ahead_hash);
                hashes[i % AHEAD] = ahead_hash;
            }
            verdicts.push(self.check_hashed(id, hash, *time)?);
        }
        Ok(())
    }

    fn check_hashed(&mut self, id: &[u8], hash: u64, time: i64) -> Result<Verdict> {
        let segment = self.segment_of(time);
        self.advance(time, segment)?;
        self.stats.checked += 1;
        let insert_into = (segment >= self.first_live).then_some(segment);
        Ok(match self.store.check_and_insert(id, hash, insert_into)? {
            Some(seen) => {
                self.stats.duplicates += 1;
                Verdict::Duplicate {
                    segment_start: self.window.segment_start(seen),
                }
            }
            None => {
                self.stats.new += 1;
                match insert_into {
                    Some(segment) => {
                        self.segments.add(segment);
                        self.keep_within_bound()?;
                    }
                    None => self.stats.late += 1,
                }
                Verdict::New
            }
        })
    }

    /// The window's segment holding `time`.
    fn segment_of(&mut self, time: i64) -> i64 {
        let last = self.last_segment;
        if (last.start..last.end).contains(&time) {
            return last.segment;
        }
        let segment = self.window.segment_of(time);
        self.last_segment = LastSegment {
            start: self.window.segment_start(segment),
            end: self.window.segment_start(segment.saturating_add(1)),
            segment,
        };
        segment
    }

    /// Moves the window to `time`, in `segment`, if it is the newest seen, forgetting
    /// the segments it leaves.
    fn advance(&mut self, time: i64, segment: i64) -> Result<()> {
        if self.now.is_some_and(|now| now >= time) {
            return Ok(());
        }
        self.now = Some(time);
        let first_live = segment - i64::from(self.window.segments());
        if first_live > self.first_live {
            let expired = self.forget_before(first_live)?;
            self.stats.expired_segments += expired;
            if expired > 0 {
                metrics::counter!("dedup_segments_expired_total").increment(expired);
            }
        }
        Ok(())
    }

    /// Forgets the oldest segments while more than `max_ids` ids are held, or more
    /// than `max_bytes` bytes.
    fn keep_within_bound(&mut self) -> Result<()> {
        if let Some(max) = self.max_bytes {
            while self.store.bytes() > max && self.segments.oldest().is_some() {
                self.evict_oldest()?;
                self.store.shrink_to_fit();
            }
        }
        let Some(max) = self.max_ids else { return Ok(()) };
        while self.store.len() > max && self.segments.oldest().is_some() {
            self.evict_oldest()?;
        }
        Ok(())
    }

    /// Forgets the oldest segment, counted as evicted.
    fn evict_oldest(&mut self) -> Result<()> {
        let Some(oldest) = self.segments.oldest() else {
            return Ok(());
        };
        self.forget_before(oldest + 1)?;
        self.stats.evicted_segments += 1;
        metrics::counter!("dedup_segments_evicted_total").increment(1);
        Ok(())
    }

    /// Forgets every segment before `first_live`: how many of them held ids.
    fn forget_before(&mut self, first_live: i64) -> Result<u64> {
        self.first_live = self.first_live.max(first_live);
        let (segments, ids) = self.segments.forget_before(self.first_live);
        self.store.expire(self.first_live, ids)?;
        Ok(segments)
    }

    /// What it has done so far.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// How many ids are remembered.
    pub fn len(&self) -> usize {
        self.store.len()
    }

    /// Whether no id is remembered.
    pub fn is_empty(&self) -> bool {
        self.store.is_empty()
    }

    /// The memory the remembered ids take, in bytes.
    pub fn bytes(&self) -> usize {
        self.store.bytes()
    }

    /// The window.
    pub fn window(&self) -> Window {
        self.window
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// The segment kept from the last time placed agrees with the window's, over
        /// times going back and forth, negative ones and the extremes.
        #[test]
        fn the_last_segment_places_times_as_the_window_does(
            times in prop::collection::vec(prop_oneof![
                -5_000i64..5_000,
                Just(i64::MIN),
                Just(i64::MAX),
                Just(i64::MAX - 1),
            ], 1..100),
            segment_ms in 1u64..700,
        ) {
            let window = Window::new(Duration::from_millis(segment_ms * 3), 3).unwrap();
            let mut dedup = Deduplicator::new(IdSource::Key, window, TimeBasis::EventTime);
            for time in times {
                prop_assert_eq!(dedup.segment_of(time), window.segment_of(time));
            }
        }
    }
}
