//! The dedup workloads of the `dedup` bench and the `dedup_memory` binary: 16-byte ids
//! (a counter and a constant, as a UUID's size), one a millisecond, in a window that
//! holds `ids` of them. Included by path into each.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use dedup::{Deduplicator, IdSource, Storage, TimeBasis, Window};

/// Id `n`: 16 bytes.
pub fn id(n: u64) -> [u8; 16] {
    let mut id = [0u8; 16];
    id[..8].copy_from_slice(&n.to_be_bytes());
    id[8..].copy_from_slice(&0x0123_4567_89AB_CDEFu64.to_be_bytes());
    id
}

/// A deduplicator whose window holds `ids` ids (one a millisecond, 24 segments),
/// filled with ids `0..ids` at times `0..ids`.
pub fn filled(storage: Storage, ids: u64) -> Deduplicator {
    let window = Window::new(Duration::from_millis(ids), 24).expect("a window");
    let mut dedup = Deduplicator::with_storage(IdSource::Key, window, TimeBasis::EventTime, storage);
    for n in 0..ids {
        dedup.check_id(&id(n), n as i64).unwrap();
    }
    dedup
}

/// The deduplicator a user writes first: ids as strings with the time they were seen,
/// expired by a scan every `window / 24`.
pub struct NaiveDedup {
    seen: HashMap<String, Instant>,
    window: Duration,
    last_scan: Instant,
}

impl NaiveDedup {
    /// Empty, for `window`.
    pub fn new(window: Duration) -> Self {
        NaiveDedup {
            seen: HashMap::new(),
            window,
            last_scan: Instant::now(),
        }
    }

    /// Whether `id` is new at `now`, remembering it if so.
    pub fn check(&mut self, id: &str, now: Instant) -> bool {
        if now.duration_since(self.last_scan) > self.window / 24 {
            let window = self.window;
            self.seen.retain(|_, seen| now.duration_since(*seen) < window);
            self.last_scan = now;
        }
        match self.seen.get(id) {
            Some(seen) if now.duration_since(*seen) < self.window => false,
            _ => {
                self.seen.insert(id.to_owned(), now);
                true
            }
        }
    }
}

/// The naive deduplicator's id for `n`: the same 16 bytes as hex text.
pub fn naive_id(n: u64) -> String {
    format!("{n:016x}0123456789abcdef")
}
