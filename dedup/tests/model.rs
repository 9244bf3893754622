//! The deduplicator against a naive reference (a map of id to the segment it was first
//! seen in, expired by scanning it), over random streams with repeated ids, times out
//! of order and jumps, for both storages, both time bases, with and without a space
//! bound.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use dedup::{Deduplicator, IdSource, ManualClock, Storage, TimeBasis, Verdict, Window};
use proptest::prelude::*;

struct Reference {
    window: Window,
    max_ids: Option<usize>,
    seen: HashMap<Vec<u8>, i64>,
    now: Option<i64>,
    first_live: i64,
}

impl Reference {
    fn forget_before(&mut self, first_live: i64) {
        self.first_live = self.first_live.max(first_live);
        let keep = self.first_live;
        self.seen.retain(|_, segment| *segment >= keep);
    }

    fn check(&mut self, id: &[u8], time: i64) -> Verdict {
        if self.now.is_none_or(|now| now < time) {
            self.now = Some(time);
            self.forget_before(self.window.first_live(time));
        }
        if let Some(segment) = self.seen.get(id) {
            return Verdict::Duplicate {
                segment_start: self.window.segment_start(*segment),
            };
        }
        let segment = self.window.segment_of(time);
        if segment >= self.first_live {
            self.seen.insert(id.to_vec(), segment);
            if let Some(max) = self.max_ids {
                while self.seen.len() > max {
                    let oldest = *self.seen.values().min().unwrap();
                    self.forget_before(oldest + 1);
                }
            }
        }
        Verdict::New
    }
}

#[derive(Debug, Clone)]
struct Case {
    window_ms: u64,
    segments: u32,
    max_ids: Option<usize>,
    exact: bool,
    processing_time: bool,
    /// (id, time step): the step moves the event time, or the clock.
    steps: Vec<(u8, i64)>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        1u64..200,
        prop_oneof![1u32..10, 100u32..=dedup::MAX_SEGMENTS],
        prop::option::of(1usize..30),
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec(
            (
                0u8..40,
                prop_oneof![8 => -30i64..60, 1 => -2000i64..2000, 1 => Just(0i64)],
            ),
            1..400,
        ),
    )
        .prop_map(
            |(window_ms, segments, max_ids, exact, processing_time, steps)| Case {
                window_ms,
                segments,
                max_ids,
                exact,
                processing_time,
                steps,
            },
        )
}

/// Runs `case` against the reference, on `store` when given (else the storage the
/// case names).
fn run_case(case: &Case, store: Option<Box<dyn dedup::store::SeenIds>>) -> Result<(), TestCaseError> {
    let window = Window::new(Duration::from_millis(case.window_ms), case.segments).unwrap();
    let clock = Arc::new(ManualClock::at(1_000_000));
    let basis = if case.processing_time {
        TimeBasis::ProcessingTime(clock.clone())
    } else {
        TimeBasis::EventTime
    };
    let mut dedup = match store {
        Some(store) => Deduplicator::with_store(IdSource::Key, window, basis, store),
        None => {
            let storage = if case.exact {
                Storage::Exact
            } else {
                Storage::Compact
            };
            Deduplicator::with_storage(IdSource::Key, window, basis, storage)
        }
    };
    if let Some(max) = case.max_ids {
        dedup = dedup.max_ids(max);
    }
    let mut reference = Reference {
        window,
        max_ids: case.max_ids,
        seen: HashMap::new(),
        now: None,
        first_live: i64::MIN,
    };
    let mut event_time = 1_000_000i64;
    for (i, (id, step)) in case.steps.iter().enumerate() {
        event_time += step;
        clock.advance(*step);
        let id = format!("id-{id}");
        // In processing time the record's own timestamp is not read: it gets one
        // far from the clock's.
        let (time, timestamp) = match case.processing_time {
            true => (dedup::Clock::now_ms(&*clock), event_time - 5_000_000),
            false => (event_time, event_time),
        };
        let expected = reference.check(id.as_bytes(), time);
        let got = dedup.check_id(id.as_bytes(), timestamp).unwrap();
        prop_assert_eq!(got, expected, "step {} (id {}, time {})", i, id, time);
        prop_assert_eq!(dedup.len(), reference.seen.len(), "ids held after step {}", i);
    }
    let stats = dedup.stats();
    prop_assert_eq!(stats.checked, case.steps.len() as u64);
    prop_assert_eq!(stats.new + stats.duplicates, stats.checked);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn verdicts_equal_the_reference(case in case()) {
        run_case(&case, None)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Checking ids many at once gives the verdicts of checking them one at a time.
    #[test]
    fn many_at_once_equals_one_at_a_time(
        steps in prop::collection::vec((0u8..50, -30i64..60), 1..300),
        exact in any::<bool>(),
    ) {
        let window = Window::new(Duration::from_millis(200), 5).unwrap();
        let storage = if exact { Storage::Exact } else { Storage::Compact };
        let mut one = Deduplicator::with_storage(IdSource::Key, window, TimeBasis::EventTime, storage);
        let mut many = Deduplicator::with_storage(IdSource::Key, window, TimeBasis::EventTime, storage);
        let mut time = 1_000i64;
        let ids: Vec<(Vec<u8>, i64)> = steps
            .iter()
            .map(|(id, step)| {
                time += step;
                (vec![*id], time)
            })
            .collect();
        let expected: Vec<Verdict> = ids.iter().map(|(id, t)| one.check_at(id, *t).unwrap()).collect();
        let borrowed: Vec<(&[u8], i64)> = ids.iter().map(|(id, t)| (id.as_slice(), *t)).collect();
        let mut got = Vec::new();
        many.check_many_at(&borrowed, &mut got).unwrap();
        prop_assert_eq!(got, expected);
        prop_assert_eq!(many.stats(), one.stats());
    }
}

#[cfg(feature = "rocksdb")]
proptest! {
    // Each segment is a column family: fewer cases, as each costs milliseconds.
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn rocksdb_verdicts_equal_the_reference(case in case()) {
        let dir = tempfile::tempdir().unwrap();
        // A segment's ids are written three at a time: most segments end up with
        // ids in several files and in memory.
        let store = dedup::store::RocksIds::open(dir.path().join("ids"))
            .unwrap()
            .expected_ids_per_segment(8)
            .max_ids_in_memory(3);
        run_case(&case, Some(Box::new(store)))?;
    }
}

#[test]
fn a_space_bound_forgets_the_oldest_segment_first() {
    let window = Window::new(Duration::from_secs(10), 10).unwrap();
    let mut dedup = Deduplicator::new(IdSource::Key, window, TimeBasis::EventTime).max_ids(3);
    for (id, t) in [("a", 0), ("b", 1_000), ("c", 2_000), ("d", 3_000)] {
        assert!(dedup.check_id(id.as_bytes(), t).unwrap().is_new());
    }
    assert_eq!(dedup.stats().evicted_segments, 1);
    assert!(
        dedup.check_id(b"a", 3_000).unwrap().is_new(),
        "a's segment was evicted"
    );
    assert_eq!(
        dedup.check_id(b"c", 3_000).unwrap(),
        Verdict::Duplicate { segment_start: 2_000 }
    );
}

#[test]
fn a_byte_bound_keeps_memory_under_it_forgetting_the_oldest_segments() {
    for storage in [Storage::Compact, Storage::Exact] {
        let window = Window::new(Duration::from_secs(100), 100).unwrap();
        let max = 64 * 1024;
        let mut dedup =
            Deduplicator::with_storage(IdSource::Key, window, TimeBasis::EventTime, storage).max_bytes(max);
        // 20,000 ids over 100 segments: far more than 64 KiB holds.
        for n in 0..20_000i64 {
            dedup.check_id(&n.to_be_bytes(), n / 200 * 1_000).unwrap();
            assert!(
                dedup.bytes() <= max,
                "{storage:?}: {} bytes after id {n}",
                dedup.bytes()
            );
        }
        let stats = dedup.stats();
        assert!(stats.evicted_segments > 0, "{storage:?}: {stats:?}");
        // Exact ids take about 80 bytes each, compact ones 8 to 16.
        assert!(dedup.len() > 400, "{storage:?}: only {} ids kept", dedup.len());
        // The newest ids are still there; the oldest were forgotten.
        assert!(!dedup.check_id(&19_999i64.to_be_bytes(), 99_000).unwrap().is_new());
        assert!(dedup.check_id(&0i64.to_be_bytes(), 99_000).unwrap().is_new());
    }
}

#[test]
fn a_record_without_an_id_is_a_typed_error() {
    let window = Window::new(Duration::from_secs(10), 10).unwrap();
    let mut dedup = Deduplicator::new(IdSource::json_field("order.id"), window, TimeBasis::EventTime);
    let err = dedup
        .check(&dedup::Message {
            value: Some(br#"{"order":{}}"#),
            ..Default::default()
        })
        .unwrap_err();
    assert!(matches!(err, dedup::Error::MissingId { .. }));
    assert!(err.to_string().contains("order.id"), "{err}");
}

/// A RocksDB store whose segments outgrow their bloom filters rebuilds them larger from
/// the stored hashes, and still finds every id.
#[cfg(feature = "rocksdb")]
#[test]
fn rocksdb_filters_grow_and_keep_every_id() {
    let dir = tempfile::tempdir().unwrap();
    let store = dedup::store::RocksIds::open(dir.path().join("ids"))
        .unwrap()
        .expected_ids_per_segment(1)
        .max_ids_in_memory(1_000);
    let window = Window::new(Duration::from_secs(100), 4).unwrap();
    let mut dedup = Deduplicator::with_store(IdSource::Key, window, TimeBasis::EventTime, Box::new(store));
    let before = dedup.bytes();
    for n in 0..20_000u32 {
        assert!(
            dedup
                .check_id(&n.to_be_bytes(), i64::from(n % 4) * 25_000)
                .unwrap()
                .is_new()
        );
    }
    assert!(
        dedup.bytes() > before,
        "the filters did not grow: {} bytes",
        dedup.bytes()
    );
    for n in 0..20_000u32 {
        assert!(
            !dedup.check_id(&n.to_be_bytes(), 80_000).unwrap().is_new(),
            "id {n} was lost"
        );
    }
}

/// A segment written out one id at a time holds a file per id (far more than RocksDB
/// lets a compacted store pile up) and still takes more, and finds every one.
#[cfg(feature = "rocksdb")]
#[test]
fn rocksdb_a_segment_in_hundreds_of_files_keeps_taking_ids() {
    let dir = tempfile::tempdir().unwrap();
    let store = dedup::store::RocksIds::open(dir.path().join("ids"))
        .unwrap()
        .max_ids_in_memory(1);
    let window = Window::new(Duration::from_secs(100), 4).unwrap();
    let mut dedup = Deduplicator::with_store(IdSource::Key, window, TimeBasis::EventTime, Box::new(store));
    for n in 0..300u32 {
        assert!(dedup.check_id(&n.to_be_bytes(), 1_000).unwrap().is_new());
    }
    for n in 0..300u32 {
        assert!(
            !dedup.check_id(&n.to_be_bytes(), 1_000).unwrap().is_new(),
            "id {n}"
        );
    }
}

/// Files are written on a thread of their own: the ids of a file being written are
/// found meanwhile, taken in once written, and the file of a segment forgotten before
/// it was taken in is removed.
#[cfg(feature = "rocksdb")]
#[test]
fn rocksdb_files_written_aside_are_taken_in_or_removed() {
    use dedup::store::{RocksIds, SeenIds};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ids");
    let mut store = RocksIds::open(&path).unwrap().max_ids_in_memory(100);
    store.expire(0, 0).unwrap();
    let id = |n: u32| n.to_be_bytes();
    let hash = |n: u32| u64::from(n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    // Segment s holds ids s * 1000 .. s * 1000 + 450: five files each, the last id in memory.
    for segment in 0..6u32 {
        for n in segment * 1000..segment * 1000 + 450 {
            assert_eq!(
                store
                    .check_and_insert(&id(n), hash(n), Some(i64::from(segment)))
                    .unwrap(),
                None
            );
        }
        // Found at once, whether in memory, being written or taken in.
        let first = segment * 1000;
        assert_eq!(
            store.check_and_insert(&id(first), hash(first), None).unwrap(),
            Some(i64::from(segment))
        );
        if segment >= 2 {
            // Forget the segment before last, its files perhaps still being written.
            store.expire(i64::from(segment - 1), 450).unwrap();
        }
    }
    store.flush().unwrap();
    for n in (4000..4450).chain(5000..5450) {
        assert_eq!(
            store.check_and_insert(&id(n), hash(n), None).unwrap(),
            Some(i64::from(n / 1000)),
            "id {n}"
        );
    }
    for n in (0..450).chain(3000..3450) {
        assert_eq!(
            store.check_and_insert(&id(n), hash(n), None).unwrap(),
            None,
            "id {n}"
        );
    }
    let left: Vec<_> = std::fs::read_dir(&path)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|name| name.starts_with("ids-"))
        .collect();
    assert!(left.is_empty(), "files left behind: {left:?}");
}
