//! Model-based property tests: random operations on the embedded backend, checked
//! against a naive reference written from Kafka's rules.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use proptest::prelude::*;
use streamlog::embedded::EmbeddedCluster;
use streamlog::{ClientConfig, IsolationLevel, ProducerRecord, TopicConfig, TopicPartition};

const PARTITIONS: i32 = 3;
const T: Duration = Duration::from_secs(1);

#[derive(Debug, Clone)]
enum Op {
    /// A plain record to a partition.
    Send(i32, u16),
    /// A record inside the open transaction (begun on demand).
    TxSend(i32, u16),
    TxCommit,
    TxAbort,
    /// A `read_committed` poll.
    Poll,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..PARTITIONS, any::<u16>()).prop_map(|(p, v)| Op::Send(p, v)),
        3 => (0..PARTITIONS, any::<u16>()).prop_map(|(p, v)| Op::TxSend(p, v)),
        1 => Just(Op::TxCommit),
        1 => Just(Op::TxAbort),
        2 => Just(Op::Poll),
    ]
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum TxState {
    Open,
    Committed,
    Aborted,
}

/// What the log should hold: per partition, offset -> (value, transaction); markers
/// take offsets and hold no record.
#[derive(Default)]
struct Reference {
    partitions: BTreeMap<i32, BTreeMap<i64, (u16, Option<usize>)>>,
    next_offset: HashMap<i32, i64>,
    txns: Vec<TxState>,
    touched: Vec<Vec<i32>>,
}

impl Reference {
    fn append(&mut self, p: i32, value: u16, txn: Option<usize>) {
        let offset = self.take_offset(p);
        self.partitions.entry(p).or_default().insert(offset, (value, txn));
        if let Some(t) = txn
            && !self.touched[t].contains(&p)
        {
            self.touched[t].push(p);
        }
    }

    fn take_offset(&mut self, p: i32) -> i64 {
        let next = self.next_offset.entry(p).or_insert(0);
        *next += 1;
        *next - 1
    }

    fn end(&mut self, t: usize, state: TxState) {
        self.txns[t] = state;
        for p in self.touched[t].clone() {
            self.take_offset(p); // the marker
        }
    }

    fn visible(&self, txn: Option<usize>) -> bool {
        txn.is_none_or(|t| self.txns[t] == TxState::Committed)
    }

    /// The offsets a `read_committed` reader may return in `p` now: stop at the first
    /// record of an open transaction, skip aborted ones.
    fn readable(&self, p: i32) -> Vec<(i64, u16)> {
        let mut out = Vec::new();
        for (offset, (value, txn)) in self.partitions.get(&p).into_iter().flatten() {
            if txn.is_some_and(|t| self.txns[t] == TxState::Open) {
                break;
            }
            if self.visible(*txn) {
                out.push((*offset, *value));
            }
        }
        out
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn read_committed_matches_the_reference(ops in proptest::collection::vec(op(), 1..120)) {
        let cluster = EmbeddedCluster::new().cluster();
        cluster.admin().unwrap().create_topic("m", &TopicConfig::new(PARTITIONS)).unwrap();
        let plain = cluster.producer(&ClientConfig::new()).unwrap();
        let tx = cluster.producer(&ClientConfig::new().transactional_id("model")).unwrap();
        tx.init_transactions(T).unwrap();
        let mut consumer = cluster
            .consumer(
                &ClientConfig::new()
                    .isolation_level(IsolationLevel::ReadCommitted)
                    .set("auto.offset.reset", "earliest")
                    .max_poll_records(3),
            )
            .unwrap();
        let all: Vec<_> = (0..PARTITIONS).map(|p| TopicPartition::new("m", p)).collect();
        consumer.assign(&all).unwrap();

        let mut reference = Reference::default();
        let mut open: Option<usize> = None;
        let mut returned: BTreeMap<i32, Vec<(i64, u16)>> = BTreeMap::new();
        let check_poll = |records: Vec<streamlog::Record>, reference: &Reference, returned: &mut BTreeMap<i32, Vec<(i64, u16)>>| {
            for r in records {
                let value = u16::from_be_bytes(r.value.as_deref().unwrap().try_into().unwrap());
                let got = returned.entry(r.partition).or_default();
                got.push((r.offset, value));
                // Everything returned so far is a prefix of what the reference allows.
                let allowed = reference.readable(r.partition);
                prop_assert!(
                    allowed.starts_with(got),
                    "partition {}: returned {:?}, reference allows {:?}", r.partition, got, allowed
                );
            }
            Ok(())
        };
        for op in ops {
            match op {
                Op::Send(p, v) => {
                    plain.send(ProducerRecord::new("m").partition(p).value(v.to_be_bytes().to_vec())).unwrap();
                    reference.append(p, v, None);
                }
                Op::TxSend(p, v) => {
                    let t = match open {
                        Some(t) => t,
                        None => {
                            tx.begin_transaction().unwrap();
                            reference.txns.push(TxState::Open);
                            reference.touched.push(Vec::new());
                            open = Some(reference.txns.len() - 1);
                            reference.txns.len() - 1
                        }
                    };
                    tx.send(ProducerRecord::new("m").partition(p).value(v.to_be_bytes().to_vec())).unwrap();
                    reference.append(p, v, Some(t));
                }
                Op::TxCommit | Op::TxAbort => {
                    if let Some(t) = open.take() {
                        if matches!(op, Op::TxCommit) {
                            tx.commit_transaction(T).unwrap();
                            reference.end(t, TxState::Committed);
                        } else {
                            tx.abort_transaction(T).unwrap();
                            reference.end(t, TxState::Aborted);
                        }
                    }
                }
                Op::Poll => {
                    let records = consumer.poll(Duration::ZERO).unwrap();
                    check_poll(records, &reference, &mut returned)?;
                }
            }
        }
        if let Some(t) = open.take() {
            tx.commit_transaction(T).unwrap();
            reference.end(t, TxState::Committed);
        }
        loop {
            let records = consumer.poll(Duration::ZERO).unwrap();
            if records.is_empty() {
                break;
            }
            check_poll(records, &reference, &mut returned)?;
        }
        // Nothing lost: every readable record was returned, and the log ends where the
        // reference's offsets (markers included) end.
        let admin = cluster.admin().unwrap();
        for p in 0..PARTITIONS {
            prop_assert_eq!(returned.get(&p).cloned().unwrap_or_default(), reference.readable(p));
            let end = admin.watermarks(&TopicPartition::new("m", p)).unwrap().high;
            prop_assert_eq!(end, reference.next_offset.get(&p).copied().unwrap_or(0));
        }
    }

    #[test]
    fn compaction_keeps_the_latest_value_per_key(
        writes in proptest::collection::vec((0u8..8, proptest::option::of(any::<u16>())), 1..200)
    ) {
        let cluster = EmbeddedCluster::new();
        let log = cluster.cluster();
        log.admin()
            .unwrap()
            .create_topic("c", &TopicConfig::new(2).compacted().set("delete.retention.ms", "0"))
            .unwrap();
        let p = log.producer(&ClientConfig::new()).unwrap();
        // The reference: for each key, its partition, last offset and last value.
        let mut latest: BTreeMap<u8, (i32, i64, Option<u16>)> = BTreeMap::new();
        for (key, value) in &writes {
            let mut record = ProducerRecord::new("c").key(vec![*key]);
            if let Some(v) = value {
                record = record.value(v.to_be_bytes().to_vec());
            }
            let meta = p.send(record).unwrap().wait(T).unwrap();
            prop_assert_eq!(meta.partition, streamlog::partitioner::partition_for_key(&[*key], 2));
            latest.insert(*key, (meta.partition, meta.offset, *value));
        }
        cluster.compact("c").unwrap();
        let mut c = log.consumer(&ClientConfig::new().set("auto.offset.reset", "earliest")).unwrap();
        c.assign(&[TopicPartition::new("c", 0), TopicPartition::new("c", 1)]).unwrap();
        let mut got: BTreeMap<u8, (i32, i64, Option<u16>)> = BTreeMap::new();
        loop {
            let records = c.poll(Duration::ZERO).unwrap();
            if records.is_empty() {
                break;
            }
            for r in records {
                let key = r.key.as_deref().unwrap()[0];
                let value = r.value.as_deref().map(|v| u16::from_be_bytes(v.try_into().unwrap()));
                prop_assert!(got.insert(key, (r.partition, r.offset, value)).is_none(), "key {} twice", key);
            }
        }
        // Tombstones are gone (delete.retention.ms=0); every other key keeps its last write.
        let expected: BTreeMap<_, _> = latest.into_iter().filter(|(_, (_, _, v))| v.is_some()).collect();
        prop_assert_eq!(got, expected);
    }
}
