//! The records a task has fetched and not yet processed, one queue per input
//! partition, handed out in timestamp order across the partitions (Kafka Streams'
//! `PartitionGroup`): a table's records that are older than a stream's are applied
//! before the stream's records are joined against the table.

use std::collections::{BTreeSet, VecDeque};

use streamlog::{Record, TopicPartition};

#[derive(Debug, Default)]
pub(crate) struct PartitionGroup {
    /// A queue per input partition, in partition order: a task has a few, so a sorted
    /// list, searched without building a key per record.
    queues: Vec<(TopicPartition, VecDeque<Record>)>,
    /// Since when (clock milliseconds) an empty partition with more data in the log
    /// has held the task back.
    waiting_since: Option<i64>,
}

impl PartitionGroup {
    /// Adds an input partition of the task; the index of its queue.
    pub(crate) fn add_partition(&mut self, tp: TopicPartition) -> usize {
        match self.queues.binary_search_by(|(q, _)| q.cmp(&tp)) {
            Ok(at) => at,
            Err(at) => {
                self.queues.insert(at, (tp, VecDeque::new()));
                at
            }
        }
    }

    pub(crate) fn push(&mut self, record: Record) {
        let at = match self
            .queues
            .iter()
            .position(|(tp, _)| tp.partition == record.partition && *tp.topic == *record.topic)
        {
            Some(at) => at,
            None => self.add_partition(record.topic_partition()),
        };
        self.queues[at].1.push_back(record);
    }

    /// Whether a record of the group's only partition can be processed at once: with
    /// one partition there is no order across partitions to keep, and nothing queued
    /// goes first.
    pub(crate) fn passes_through(&self) -> bool {
        matches!(&self.queues[..], [(_, queue)] if queue.is_empty())
    }

    /// The task's input partitions.
    pub(crate) fn partitions(&self) -> impl Iterator<Item = &TopicPartition> {
        self.queues.iter().map(|(tp, _)| tp)
    }

    /// How many records `tp` has buffered.
    pub(crate) fn buffered(&self, tp: &TopicPartition) -> usize {
        self.queues
            .iter()
            .find(|(q, _)| q == tp)
            .map_or(0, |(_, q)| q.len())
    }

    /// The record with the smallest timestamp among the queues' heads. `None` when no
    /// record is buffered, or when a partition in `lagging` (empty here, but with data
    /// in the log not fetched yet) may hold older records, for at most `max_idle_ms`
    /// after `now` (clock milliseconds) first found the task waiting.
    pub(crate) fn next(
        &mut self,
        lagging: &BTreeSet<TopicPartition>,
        now: i64,
        max_idle_ms: i64,
    ) -> Option<Record> {
        if self.queues.len() == 1 {
            // One partition: its own order is the order.
            return self.queues[0].1.pop_front();
        }
        let waiting = self
            .queues
            .iter()
            .any(|(tp, q)| q.is_empty() && lagging.contains(tp));
        if waiting {
            let since = *self.waiting_since.get_or_insert(now);
            if now - since < max_idle_ms {
                return None;
            }
        } else {
            self.waiting_since = None;
        }
        let (_, queue) = self
            .queues
            .iter_mut()
            .filter_map(|(_, q)| Some((q.front()?.timestamp.millis().unwrap_or(i64::MIN), q)))
            .min_by_key(|(ts, _)| *ts)?;
        queue.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use streamlog::Timestamp;

    use super::*;

    fn record(topic: &str, offset: i64, ts: i64) -> Record {
        Record {
            topic: Arc::from(topic),
            partition: 0,
            offset,
            timestamp: Timestamp::CreateTime(ts),
            key: None,
            value: None,
            headers: Default::default(),
        }
    }

    #[test]
    fn hands_out_records_in_timestamp_order_and_waits_for_lagging_partitions() {
        let mut g = PartitionGroup::default();
        let (a, b) = (TopicPartition::new("a", 0), TopicPartition::new("b", 0));
        g.add_partition(a.clone());
        g.add_partition(b.clone());
        g.push(record("a", 0, 30));
        g.push(record("a", 1, 40));
        // `b` is empty but has data in the log: wait.
        let lagging = BTreeSet::from([b.clone()]);
        assert!(g.next(&lagging, 1_000, 500).is_none());
        // Still within max_idle of when the waiting began.
        assert!(g.next(&lagging, 1_499, 500).is_none());
        g.push(record("b", 0, 10));
        g.push(record("b", 1, 35));
        let order: Vec<(String, i64)> = std::iter::from_fn(|| g.next(&BTreeSet::new(), 1_499, 500))
            .map(|r| (r.topic.to_string(), r.offset))
            .collect();
        assert_eq!(
            order,
            vec![("b".into(), 0), ("a".into(), 0), ("b".into(), 1), ("a".into(), 1)]
        );
        // Waiting ends once max_idle has passed on the clock.
        g.push(record("a", 2, 50));
        assert!(g.next(&lagging, 2_000, 500).is_none());
        assert!(g.next(&lagging, 2_500, 500).is_some());
    }
}
