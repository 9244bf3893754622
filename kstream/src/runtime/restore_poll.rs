//! A restore's poll: the records the consumer lends out, gathered by changelog
//! partition into buffers kept from poll to poll, with no `Record` made for each. A
//! poll may hand out several runs of one partition between other partitions' runs
//! (librdkafka queues each fetch response as it comes); they are gathered together, in
//! offset order, so that a store's progress moves once per poll, past all of them.

use std::time::Duration;

use streamlog::{Consumer, RecordRef, TopicPartition};

use crate::error::Result;
use crate::store::{NO_TIMESTAMP, StampedWrite};

/// Where a polled record's key or value is in its partition's bytes.
type Span = (usize, usize);

/// One polled record.
#[derive(Debug, Clone, Copy)]
struct Polled {
    offset: i64,
    timestamp: i64,
    key: Option<Span>,
    value: Option<Span>,
}

/// One changelog partition's records of a poll.
#[derive(Debug)]
pub(crate) struct PolledPartition {
    pub(crate) tp: TopicPartition,
    bytes: Vec<u8>,
    records: Vec<Polled>,
}

impl PolledPartition {
    fn push(&mut self, r: &RecordRef<'_>) {
        let mut span = |data: Option<&[u8]>| {
            data.map(|d| {
                let at = self.bytes.len();
                self.bytes.extend_from_slice(d);
                (at, d.len())
            })
        };
        let key = span(r.key);
        let value = span(r.value);
        self.records.push(Polled {
            offset: r.offset,
            timestamp: r.timestamp.millis().unwrap_or(NO_TIMESTAMP),
            key,
            value,
        });
    }

    fn slice(&self, (at, len): Span) -> &[u8] {
        &self.bytes[at..at + len]
    }

    /// The offset of the last record polled.
    pub(crate) fn last_offset(&self) -> Option<i64> {
        self.records.last().map(|r| r.offset)
    }

    /// The writes of the records at offsets from `from` up to `to` (excluded), and the
    /// offset of the last of those records; a record without a key writes nothing.
    pub(crate) fn writes_within(&self, from: i64, to: i64) -> (Option<i64>, Vec<StampedWrite<'_>>) {
        let mut last = None;
        let mut writes = Vec::with_capacity(self.records.len());
        for r in self.records.iter().filter(|r| r.offset >= from && r.offset < to) {
            last = Some(r.offset);
            if let Some(key) = r.key {
                writes.push((self.slice(key), r.value.map(|v| self.slice(v)), r.timestamp));
            }
        }
        (last, writes)
    }
}

/// The buffers of a restore's polls, one per changelog partition seen.
#[derive(Debug, Default)]
pub(crate) struct RestorePoll {
    partitions: Vec<PolledPartition>,
}

impl RestorePoll {
    /// Polls `consumer`, waiting up to `wait`, and gathers what it lends by partition;
    /// returns how many records came.
    pub(crate) fn poll(&mut self, consumer: &mut dyn Consumer, wait: Duration) -> Result<usize> {
        self.clear();
        // The partition of the last record: the next one is most often of the same.
        let mut current = usize::MAX;
        let polled = consumer.poll_each(wait, &mut |r| self.gather(&mut current, &r))?;
        Ok(polled)
    }

    /// Empties the buffers, keeping their room.
    fn clear(&mut self) {
        for p in &mut self.partitions {
            p.bytes.clear();
            p.records.clear();
        }
    }

    /// Adds `r` to its partition's buffer; `current` is the index of the last one
    /// added to.
    fn gather(&mut self, current: &mut usize, r: &RecordRef<'_>) {
        let partitions = &mut self.partitions;
        let same = |p: &PolledPartition| p.tp.partition == r.partition && *p.tp.topic == *r.topic;
        if partitions.get(*current).is_none_or(|p| !same(p)) {
            *current = match partitions.iter().position(same) {
                Some(i) => i,
                None => {
                    partitions.push(PolledPartition {
                        tp: TopicPartition::new(r.topic, r.partition),
                        bytes: Vec::new(),
                        records: Vec::new(),
                    });
                    partitions.len() - 1
                }
            };
        }
        partitions[*current].push(r);
    }

    /// The partitions the last poll brought records of.
    pub(crate) fn partitions(&self) -> impl Iterator<Item = &PolledPartition> {
        self.partitions.iter().filter(|p| !p.records.is_empty())
    }

    /// Whether the last poll brought records of `tp`.
    pub(crate) fn brought(&self, tp: &TopicPartition) -> bool {
        self.partitions().any(|p| p.tp == *tp)
    }

    /// Forgets the partitions not in `keep` (their restores ended).
    pub(crate) fn retain(&mut self, keep: impl Fn(&TopicPartition) -> bool) {
        self.partitions.retain(|p| keep(&p.tp));
    }
}

#[cfg(test)]
mod tests {
    use streamlog::{HeadersRef, Timestamp};

    use super::*;

    fn record<'a>(
        partition: i32,
        offset: i64,
        key: Option<&'a [u8]>,
        value: Option<&'a [u8]>,
    ) -> RecordRef<'a> {
        RecordRef {
            topic: "app-store-changelog",
            partition,
            offset,
            timestamp: Timestamp::CreateTime(offset * 10),
            key,
            value,
            headers: HeadersRef::NONE,
        }
    }

    /// Runs of one partition between another's are gathered together, in offset
    /// order; a record without a key moves the last offset and writes nothing; a
    /// tombstone deletes; the next poll starts empty.
    #[test]
    fn a_poll_gathers_each_partitions_runs_together() {
        let mut poll = RestorePoll::default();
        let mut current = usize::MAX;
        let lent = [
            record(0, 10, Some(b"a"), Some(b"1")),
            record(0, 11, Some(b"b"), Some(b"2")),
            record(1, 5, Some(b"x"), None),
            record(0, 12, None, Some(b"keyless")),
            record(0, 13, Some(b"a"), Some(b"3")),
            record(1, 6, Some(b"y"), Some(b"")),
        ];
        for r in &lent {
            poll.gather(&mut current, r);
        }
        let zero = TopicPartition::new("app-store-changelog", 0);
        let one = TopicPartition::new("app-store-changelog", 1);
        assert!(poll.brought(&zero) && poll.brought(&one));
        let parts: Vec<&PolledPartition> = poll.partitions().collect();
        assert_eq!(
            parts.iter().map(|p| p.tp.clone()).collect::<Vec<_>>(),
            [zero.clone(), one.clone()]
        );
        assert_eq!(parts[0].last_offset(), Some(13));
        let (last, writes) = parts[0].writes_within(0, i64::MAX);
        assert_eq!(last, Some(13));
        let a: &[u8] = b"a";
        let b: &[u8] = b"b";
        assert_eq!(
            writes,
            vec![
                (a, Some(&b"1"[..]), 100),
                (b, Some(&b"2"[..]), 110),
                (a, Some(&b"3"[..]), 130)
            ]
        );
        // Offsets before the store's position or past the end it restores to are left.
        let (last, writes) = parts[0].writes_within(11, 13);
        assert_eq!((last, writes.len()), (Some(12), 1));
        let (last, writes) = parts[1].writes_within(0, i64::MAX);
        assert_eq!(last, Some(6));
        let x: &[u8] = b"x";
        let y: &[u8] = b"y";
        assert_eq!(writes, vec![(x, None, 50), (y, Some(&b""[..]), 60)]);

        poll.clear();
        assert_eq!(poll.partitions().count(), 0);
        assert!(!poll.brought(&zero));
        poll.retain(|tp| *tp == one);
        let mut current = usize::MAX;
        poll.gather(&mut current, &record(0, 14, Some(b"c"), Some(b"4")));
        let parts: Vec<&PolledPartition> = poll.partitions().collect();
        assert_eq!(
            (parts.len(), parts[0].tp.clone(), parts[0].last_offset()),
            (1, zero, Some(14))
        );
    }
}
