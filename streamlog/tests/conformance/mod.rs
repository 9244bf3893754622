//! The conformance suite: the same scenarios run against every backend.
//!
//! A backend's test file implements [`Harness`] and expands [`conformance_tests!`].
//! Semantics a backend lacks are declared in [`Caps`] and asserted only where present.

#![allow(dead_code)]

pub mod errors;
pub mod groups;
pub mod ordering;
pub mod transactions;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use streamlog::{ClientConfig, Cluster, Consumer, Producer, ProducerRecord, Record, TopicConfig};

/// What a backend can do; scenarios skip only the assertions a backend cannot meet.
#[derive(Debug, Clone, Copy)]
pub struct Caps {
    /// Compaction of compacted topics can be triggered (the embedded backend).
    pub compaction: bool,
    /// Aborted transactional records stay in the log for `read_uncommitted` readers
    /// (real Kafka; nisshi drops them).
    pub aborted_records_kept: bool,
    /// Topics are created and deleted through the Admin API (librdkafka's mock cluster
    /// implements neither request; its topics are made through the mock's own call).
    pub topic_admin: bool,
    /// The group coordinator accepts offset commits from the current generation while a
    /// rebalance is in progress, so a revoke callback can commit (real Kafka; the mock
    /// cluster answers REBALANCE_IN_PROGRESS).
    pub commit_during_rebalance: bool,
    /// Aborted transactional records are hidden from `read_committed` readers (real
    /// Kafka; neither the mock cluster nor nisshi return the aborted-transaction list
    /// that librdkafka filters with).
    pub hides_aborted: bool,
    /// A newer producer with the same `transactional.id` fences the older one (real
    /// Kafka; the mock cluster lets the zombie commit, nisshi lets its commit time out).
    pub fences_zombies: bool,
    /// Offsets sent to a transaction are committed with it, and only then (real Kafka,
    /// nisshi; not the mock cluster).
    pub transactional_offsets: bool,
}

/// A backend under test.
pub trait Harness {
    /// The cluster.
    fn cluster(&self) -> &Cluster;
    /// What it can do.
    fn caps(&self) -> Caps;
    /// Properties every producer gets (e.g. `batch.num.messages=1` for a broker whose
    /// end offsets under-report multi-record batches).
    fn producer_base(&self) -> ClientConfig {
        ClientConfig::new()
    }
    /// Properties every consumer gets.
    fn consumer_base(&self) -> ClientConfig {
        ClientConfig::new()
    }
    /// Creates a topic (through the Admin API unless the backend needs another way).
    fn create_topic(&self, name: &str, config: &TopicConfig) {
        self.cluster()
            .admin()
            .unwrap()
            .create_topic(name, config)
            .unwrap_or_else(|e| panic!("create topic {name}: {e}"));
    }
    /// Compacts a topic now, where the backend allows it.
    fn compact(&self, _topic: &str) {}
    /// How long to wait for records that should arrive.
    fn patience(&self) -> Duration {
        Duration::from_secs(30)
    }
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A topic name no other test uses, on this backend or a shared broker.
pub fn unique(name: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    format!("{name}-{}-{n}", std::process::id())
}

/// Creates a fresh topic and returns its name.
pub fn topic(h: &dyn Harness, name: &str, config: TopicConfig) -> String {
    let name = unique(name);
    h.create_topic(&name, &config);
    name
}

pub fn producer(h: &dyn Harness, extra: ClientConfig) -> Box<dyn Producer> {
    h.cluster()
        .producer(&h.producer_base().merged(&extra))
        .expect("producer")
}

pub fn consumer(h: &dyn Harness, extra: ClientConfig) -> Box<dyn Consumer> {
    let base = ClientConfig::new()
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false");
    h.cluster()
        .consumer(&base.merged(&h.consumer_base()).merged(&extra))
        .expect("consumer")
}

/// Sends `records` and waits for every delivery.
pub fn send_all(p: &dyn Producer, records: Vec<ProducerRecord>) {
    let handles = p.send_batch(records).expect("send");
    for h in handles {
        h.wait(Duration::from_secs(30)).expect("delivery");
    }
    p.flush(Duration::from_secs(30)).expect("flush");
}

/// Polls until `n` records arrived or patience runs out.
pub fn poll_n(h: &dyn Harness, c: &mut dyn Consumer, n: usize) -> Vec<Record> {
    let deadline = Instant::now() + h.patience();
    let mut out = Vec::new();
    while out.len() < n && Instant::now() < deadline {
        out.extend(c.poll(Duration::from_millis(200)).expect("poll"));
    }
    assert_eq!(out.len(), n, "expected {n} records, got {}", out.len());
    out
}

/// Polls for `quiet` and asserts nothing more arrives.
pub fn assert_no_more(c: &mut dyn Consumer, quiet: Duration) {
    let deadline = Instant::now() + quiet;
    while Instant::now() < deadline {
        let extra = c.poll(Duration::from_millis(100)).expect("poll");
        assert!(extra.is_empty(), "unexpected records: {extra:?}");
    }
}

pub fn text(b: &Option<bytes::Bytes>) -> String {
    b.as_ref()
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .unwrap_or_else(|| "<null>".into())
}

/// Values grouped by partition, in the order they were read.
pub fn by_partition(records: &[Record]) -> BTreeMap<i32, Vec<(i64, String)>> {
    let mut map: BTreeMap<i32, Vec<(i64, String)>> = BTreeMap::new();
    for r in records {
        map.entry(r.partition)
            .or_default()
            .push((r.offset, text(&r.value)));
    }
    map
}

/// Expands one `#[test]` per scenario for the harness built by `$make`, an expression
/// of type `Option<impl Harness>` (`None`: no such backend here, the test returns).
#[macro_export]
macro_rules! conformance_tests {
    ($make:expr) => {
        $crate::conformance_tests!(@each $make;
            ordering::per_partition_ordering,
            ordering::keys_land_on_murmur2_partitions,
            ordering::headers_round_trip,
            ordering::poll_each_lends_what_poll_returns,
            ordering::seek_moves_the_position,
            ordering::seek_every_assigned_partition_to_the_beginning,
            ordering::large_batches_arrive_whole,
            ordering::enqueue_then_flush_delivers_everything,
            ordering::watermarks_and_lag,
            ordering::compaction_keeps_latest_per_key,
            groups::group_rebalance_loses_and_doubles_nothing,
            groups::commit_close_reopen_resume,
            groups::pause_and_resume,
            transactions::read_committed_hides_aborted_and_open,
            transactions::committed_transactions_become_visible,
            transactions::offsets_commit_with_the_transaction,
            transactions::newer_producer_fences_the_older,
            transactions::transaction_calls_out_of_order_fail,
            errors::unknown_topic_is_an_error,
            errors::unknown_config_key_is_named,
            errors::record_too_large_is_refused,
            errors::seek_on_unassigned_partition_fails,
        );
    };
    (@each $make:expr; $($module:ident :: $name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                let Some(harness) = $make else { return };
                conformance::$module::$name(&harness);
            }
        )*
    };
}
