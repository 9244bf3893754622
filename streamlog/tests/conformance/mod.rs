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
use std::time::{Duration, Instant};

use streamlog::{ClientConfig, Cluster, Consumer, Producer, ProducerRecord, Record, TopicConfig};

/// What a backend can do; scenarios skip only the assertions a backend cannot meet.
/// The embedded backend and a real Kafka broker can do all of it ([`Caps::ALL`]);
/// librdkafka's mock cluster lacks several.
#[derive(Debug, Clone, Copy)]
pub struct Caps {
    /// Compacted topics are compacted.
    pub compaction: bool,
    /// Aborted transactional records stay in the log for `read_uncommitted` readers.
    pub aborted_records_kept: bool,
    /// Topics are created and deleted through the Admin API.
    pub topic_admin: bool,
    /// The group coordinator accepts offset commits from the current generation while a
    /// rebalance is in progress, so a revoke callback can commit.
    pub commit_during_rebalance: bool,
    /// Aborted transactional records are hidden from `read_committed` readers.
    pub hides_aborted: bool,
    /// A newer producer with the same `transactional.id` fences the older one.
    pub fences_zombies: bool,
    /// Offsets sent to a transaction are committed with it, and only then.
    pub transactional_offsets: bool,
}

impl Caps {
    /// Everything the suite asserts.
    pub const ALL: Caps = Caps {
        compaction: true,
        aborted_records_kept: true,
        topic_admin: true,
        commit_during_rebalance: true,
        hides_aborted: true,
        fences_zombies: true,
        transactional_offsets: true,
    };
}

/// A backend under test.
pub trait Harness {
    /// The cluster.
    fn cluster(&self) -> &Cluster;
    /// What it can do.
    fn caps(&self) -> Caps;
    /// Creates a topic (through the Admin API unless the backend needs another way).
    fn create_topic(&self, name: &str, config: &TopicConfig) {
        self.cluster()
            .admin()
            .unwrap()
            .create_topic(name, config)
            .unwrap_or_else(|e| panic!("create topic {name}: {e}"));
    }
    /// The settings a compacted topic gets on this backend, over `config` (a broker
    /// needs short segments: it never cleans the active one).
    fn compacted_topic(&self, config: TopicConfig) -> TopicConfig {
        config
    }
    /// How long to wait before a record that should start a new segment.
    fn segment_roll(&self) -> Duration {
        Duration::ZERO
    }
    /// Compacts a topic now, where the backend allows it (a broker compacts on its own).
    fn compact(&self, _topic: &str) {}
    /// How long to wait for records that should arrive.
    fn patience(&self) -> Duration {
        Duration::from_secs(30)
    }
}

/// A real Kafka broker (any listener): every capability; compaction on topics with
/// short segments.
pub struct RealBroker {
    /// A cluster on the broker.
    pub cluster: Cluster,
}

impl Harness for RealBroker {
    fn cluster(&self) -> &Cluster {
        &self.cluster
    }
    fn caps(&self) -> Caps {
        Caps::ALL
    }
    /// Kafka never cleans a log's active segment: segments roll after 100 ms, the
    /// cleaner takes any dirt at all, and compacted records are looked for until
    /// patience runs out (the broker checks every `log.cleaner.backoff.ms`).
    fn compacted_topic(&self, config: TopicConfig) -> TopicConfig {
        config
            .set("segment.ms", "100")
            .set("min.cleanable.dirty.ratio", "0.001")
            .set("min.compaction.lag.ms", "0")
    }
    fn segment_roll(&self) -> Duration {
        Duration::from_millis(300)
    }
}

/// A topic name no other test uses, on this backend or a shared broker.
pub fn unique(name: &str) -> String {
    streamlog::test_util::unique_name(name)
}

/// Creates a fresh topic and returns its name.
pub fn topic(h: &dyn Harness, name: &str, config: TopicConfig) -> String {
    let name = unique(name);
    h.create_topic(&name, &config);
    name
}

pub fn producer(h: &dyn Harness, extra: ClientConfig) -> Box<dyn Producer> {
    h.cluster().producer(&extra).expect("producer")
}

pub fn consumer(h: &dyn Harness, extra: ClientConfig) -> Box<dyn Consumer> {
    let base = ClientConfig::new()
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false");
    h.cluster().consumer(&base.merged(&extra)).expect("consumer")
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
