//! One partition's log: append, read with an isolation level, retention, compaction.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use bytes::Bytes;
use rustc_hash::FxHashMap;

use super::chunks::Chunks;
use crate::config::{IsolationLevel, TimestampType, TopicSettings};
use crate::record::{Headers, Record, Timestamp};

const OPEN: u8 = 0;
const COMMITTED: u8 = 1;
const ABORTED: u8 = 2;

/// The state of one transaction, shared by every record it wrote.
#[derive(Debug, Default)]
pub(super) struct TxnMarker(AtomicU8);

impl TxnMarker {
    pub(super) fn complete(&self, committed: bool) {
        self.0
            .store(if committed { COMMITTED } else { ABORTED }, Ordering::SeqCst);
    }
    fn state(&self) -> u8 {
        self.0.load(Ordering::SeqCst)
    }
}

/// A record as the log keeps it.
#[derive(Debug, Clone)]
pub(super) struct StoredRecord {
    pub(super) offset: i64,
    /// Milliseconds; whether create or append time follows the topic's
    /// `message.timestamp.type`.
    pub(super) timestamp: i64,
    /// Clock time of the append; retention counts from it.
    pub(super) appended_at: i64,
    pub(super) key: Option<Bytes>,
    pub(super) value: Option<Bytes>,
    pub(super) headers: Headers,
    pub(super) txn: Option<Arc<TxnMarker>>,
    /// A transaction marker: takes an offset, never returned to consumers.
    pub(super) control: bool,
}

impl StoredRecord {
    fn size(&self) -> u64 {
        (self.key.as_ref().map_or(0, Bytes::len)
            + self.value.as_ref().map_or(0, Bytes::len)
            + self.headers.size()) as u64
    }

    fn aborted(&self) -> bool {
        self.txn.as_ref().is_some_and(|t| t.state() == ABORTED)
    }
}

/// What a read found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ReadOutcome {
    /// Where the next read starts.
    pub(super) next_position: i64,
    /// Records handed out.
    pub(super) returned: usize,
}

/// Where a read puts its records, and how it labels them.
pub(super) struct ReadTarget<'a> {
    pub(super) topic: &'a Arc<str>,
    pub(super) partition: i32,
    pub(super) timestamp_type: TimestampType,
    pub(super) out: &'a mut Vec<Record>,
}

/// One partition.
#[derive(Debug, Default)]
pub(super) struct PartitionLog {
    records: Chunks,
    /// The first offset still in the log; moved by retention and deletion only.
    log_start: i64,
    /// The offset of the next append (the high watermark).
    next_offset: i64,
    /// Open transactions with the first offset they wrote here.
    open_txns: Vec<(i64, Arc<TxnMarker>)>,
    /// Records appended since the last compaction.
    dirty: usize,
    /// Below this offset the log is compacted: each key there is held once.
    clean_end: i64,
    bytes: u64,
}

impl PartitionLog {
    pub(super) fn log_start(&self) -> i64 {
        self.log_start
    }

    pub(super) fn end_offset(&self) -> i64 {
        self.next_offset
    }

    /// The last stable offset: the first offset of an open transaction, or the end.
    pub(super) fn last_stable_offset(&mut self) -> i64 {
        self.open_txns.retain(|(_, t)| t.state() == OPEN);
        self.open_txns
            .iter()
            .map(|(o, _)| *o)
            .min()
            .unwrap_or(self.next_offset)
    }

    /// The end offset as a consumer with `isolation` sees it.
    pub(super) fn visible_end(&mut self, isolation: IsolationLevel) -> i64 {
        match isolation {
            IsolationLevel::ReadCommitted => self.last_stable_offset(),
            IsolationLevel::ReadUncommitted => self.next_offset,
        }
    }

    /// Appends a record and returns its offset.
    pub(super) fn append(&mut self, mut record: StoredRecord) -> i64 {
        let offset = self.next_offset;
        record.offset = offset;
        if let Some(txn) = &record.txn
            && !record.control
            && !self.open_txns.iter().any(|(_, t)| Arc::ptr_eq(t, txn))
        {
            self.open_txns.push((offset, txn.clone()));
        }
        self.bytes += record.size();
        self.records.push_back(record);
        self.next_offset += 1;
        self.dirty += 1;
        offset
    }

    /// Reads from `position` into `out`: at most `max` records, none at or past the end
    /// that `isolation` allows; control records and (for `read_committed`) aborted ones
    /// are skipped.
    pub(super) fn read(
        &mut self,
        position: i64,
        max: usize,
        isolation: IsolationLevel,
        to: ReadTarget<'_>,
    ) -> ReadOutcome {
        let end = self.visible_end(isolation);
        let skip_aborted = isolation == IsolationLevel::ReadCommitted;
        let mut next_position = position;
        let mut returned = 0;
        to.out
            .reserve((end - position).clamp(0, max.min(1 << 16) as i64) as usize);
        for r in self.records.iter_from(position) {
            if r.offset >= end || returned == max {
                break;
            }
            next_position = r.offset + 1;
            if r.control || (skip_aborted && r.aborted()) {
                continue;
            }
            to.out.push(Record {
                topic: to.topic.clone(),
                partition: to.partition,
                offset: r.offset,
                timestamp: match to.timestamp_type {
                    TimestampType::CreateTime => Timestamp::CreateTime(r.timestamp),
                    TimestampType::LogAppendTime => Timestamp::LogAppendTime(r.timestamp),
                },
                key: r.key.clone(),
                value: r.value.clone(),
                headers: r.headers.clone(),
            });
            returned += 1;
        }
        // Nothing left below `end` but gaps (compaction, skipped markers): move to it.
        if returned < max && next_position < end {
            next_position = end;
        }
        ReadOutcome {
            next_position,
            returned,
        }
    }

    /// Drops records past `retention.ms` (counted from append) or `retention.bytes`.
    pub(super) fn apply_retention(&mut self, settings: &TopicSettings, now: i64) {
        let limit_ms = settings.retention_ms;
        let limit_bytes = settings.retention_bytes;
        let oldest_kept = self.records.front().map_or(i64::MAX, |r| r.appended_at);
        if limit_ms.is_none_or(|ms| oldest_kept >= now.saturating_sub(ms))
            && limit_bytes.is_none_or(|b| self.bytes <= b)
        {
            return;
        }
        while let Some(first) = self.records.front() {
            let too_old = limit_ms.is_some_and(|ms| first.appended_at < now.saturating_sub(ms));
            let too_big = limit_bytes.is_some_and(|b| self.bytes > b);
            if !(too_old || too_big) {
                break;
            }
            self.bytes -= first.size();
            self.records.pop_front();
        }
        self.log_start = self
            .records
            .front()
            .map_or(self.next_offset, |r| r.offset)
            .max(self.log_start);
    }

    /// Whether enough has been appended since the last compaction to clean again.
    pub(super) fn wants_compaction(&self, settings: &TopicSettings, min_dirty: usize) -> bool {
        self.dirty >= min_dirty
            && (self.dirty as f64) >= settings.min_cleanable_dirty_ratio * self.records.len() as f64
    }

    /// Keeps the latest record per key below the last stable offset; drops aborted
    /// records and markers there, and tombstones older than `delete.retention.ms`.
    pub(super) fn compact(&mut self, settings: &TopicSettings, now: i64) {
        let boundary = self.last_stable_offset();
        let clean_end = self.clean_end;
        // Which records below the boundary stay, decided while the keys are borrowed
        // (no key is copied), then applied in one pass. As Kafka's cleaner does, only
        // the keys appended since the last compaction are mapped to their latest
        // offset: a key of the compacted part not among them is still its latest.
        let keep: Vec<bool> = {
            let below = || self.records.iter().take_while(|r| r.offset < boundary);
            let mut latest: FxHashMap<&[u8], i64> =
                FxHashMap::with_capacity_and_hasher(self.dirty, Default::default());
            for r in self
                .records
                .iter_from(clean_end)
                .take_while(|r| r.offset < boundary)
            {
                if let Some(key) = &r.key
                    && !r.control
                    && !r.aborted()
                {
                    latest.insert(key, r.offset);
                }
            }
            below()
                .map(|r| {
                    if r.control || r.aborted() {
                        return false;
                    }
                    let Some(key) = r.key.as_deref() else {
                        return false;
                    };
                    let is_latest = latest.get(key).map_or(r.offset < clean_end, |&o| o == r.offset);
                    let expired_tombstone = r.value.is_none()
                        && r.appended_at.saturating_add(settings.delete_retention_ms) <= now;
                    is_latest && !expired_tombstone
                })
                .collect()
        };
        if keep.contains(&false) {
            let mut position = 0;
            self.records.retain(|_| {
                let stays = keep.get(position).copied().unwrap_or(true);
                position += 1;
                stays
            });
            self.bytes = self.records.iter().map(StoredRecord::size).sum();
        }
        self.clean_end = self.clean_end.max(boundary);
        self.dirty = 0;
    }

    /// How many records the log holds.
    pub(super) fn len(&self) -> usize {
        self.records.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::TopicConfig;

    fn rec(key: &str, value: Option<&str>, at: i64) -> StoredRecord {
        StoredRecord {
            offset: -1,
            timestamp: at,
            appended_at: at,
            key: Some(Bytes::copy_from_slice(key.as_bytes())),
            value: value.map(|v| Bytes::copy_from_slice(v.as_bytes())),
            headers: Headers::new(),
            txn: None,
            control: false,
        }
    }

    fn read_all(log: &mut PartitionLog, isolation: IsolationLevel) -> Vec<(i64, String)> {
        let mut out = Vec::new();
        let topic: Arc<str> = Arc::from("t");
        let to = ReadTarget {
            topic: &topic,
            partition: 0,
            timestamp_type: TimestampType::CreateTime,
            out: &mut out,
        };
        log.read(0, usize::MAX, isolation, to);
        out.iter()
            .map(|r| {
                let v = r
                    .value
                    .as_ref()
                    .map_or("<null>".into(), |v| String::from_utf8_lossy(v).into_owned());
                (r.offset, v)
            })
            .collect()
    }

    #[test]
    fn compaction_keeps_latest_per_key_and_drops_old_tombstones() {
        let settings = TopicConfig::new(1)
            .compacted()
            .set("delete.retention.ms", "100")
            .settings()
            .unwrap();
        let mut log = PartitionLog::default();
        log.append(rec("a", Some("a1"), 0));
        log.append(rec("b", Some("b1"), 0));
        log.append(rec("a", Some("a2"), 0));
        log.append(rec("b", None, 0)); // tombstone at t=0
        log.append(rec("c", None, 150)); // fresh tombstone
        log.compact(&settings, 150);
        assert_eq!(
            read_all(&mut log, IsolationLevel::ReadCommitted),
            vec![(2, "a2".into()), (4, "<null>".into())]
        );
        assert_eq!(log.end_offset(), 5, "compaction keeps offsets");
        assert_eq!(log.log_start(), 0);
    }

    proptest::proptest! {
        /// Compacting now and then while appending leaves what one compaction of the
        /// whole log would: the latest record of each key, in offset order.
        #[test]
        fn repeated_compactions_keep_the_latest_record_of_each_key(
            appends in proptest::collection::vec((0u8..12, proptest::option::of(0u8..4), proptest::bool::ANY), 0..200)
        ) {
            let settings = TopicConfig::new(1).compacted().settings().unwrap();
            let mut log = PartitionLog::default();
            let mut latest = std::collections::BTreeMap::new();
            for (i, (key, value, compact)) in appends.iter().enumerate() {
                let value = value.map(|v| format!("{i}-{v}"));
                let offset = log.append(rec(&format!("k{key}"), value.as_deref(), 0));
                latest.insert(*key, (offset, value.unwrap_or_else(|| "<null>".into())));
                if *compact {
                    log.compact(&settings, 0);
                }
            }
            log.compact(&settings, 0);
            let mut expected: Vec<(i64, String)> = latest.into_values().collect();
            expected.sort();
            proptest::prop_assert_eq!(read_all(&mut log, IsolationLevel::ReadCommitted), expected);
        }
    }

    #[test]
    fn read_committed_stops_at_open_transactions_and_skips_aborted() {
        let mut log = PartitionLog::default();
        let open = Arc::new(TxnMarker::default());
        let aborted = Arc::new(TxnMarker::default());
        log.append(rec("k", Some("plain"), 0));
        log.append(StoredRecord {
            txn: Some(aborted.clone()),
            ..rec("k", Some("aborted"), 0)
        });
        aborted.complete(false);
        log.append(StoredRecord {
            txn: Some(open.clone()),
            ..rec("k", Some("open"), 0)
        });
        log.append(rec("k", Some("after"), 0));
        assert_eq!(
            read_all(&mut log, IsolationLevel::ReadCommitted),
            vec![(0, "plain".into())]
        );
        assert_eq!(log.visible_end(IsolationLevel::ReadCommitted), 2);
        open.complete(true);
        assert_eq!(
            read_all(&mut log, IsolationLevel::ReadCommitted),
            vec![(0, "plain".into()), (2, "open".into()), (3, "after".into())]
        );
        assert_eq!(read_all(&mut log, IsolationLevel::ReadUncommitted).len(), 4);
    }

    #[test]
    fn retention_drops_by_age_and_size() {
        let settings = TopicConfig::new(1).retention_ms(1000).settings().unwrap();
        let mut log = PartitionLog::default();
        log.append(rec("a", Some("1"), 0));
        log.append(rec("a", Some("2"), 500));
        log.append(rec("a", Some("3"), 1500));
        log.apply_retention(&settings, 1600);
        assert_eq!(log.log_start(), 2);
        assert_eq!(log.len(), 1);
        let settings = TopicConfig::new(1)
            .set("retention.bytes", "2")
            .retention_ms(-1)
            .settings()
            .unwrap();
        log.append(rec("a", Some("4"), 1600));
        log.apply_retention(&settings, 1600);
        assert_eq!(log.log_start(), 3, "two records of 2 bytes exceed 2 bytes");
    }
}
