//! Standby replicas (`num.standby.replicas`): two instances split the partitions and
//! each keeps warm copies of the other's stores; when one goes, the other takes its
//! tasks and restores only what the standbys had not read yet. Without standbys the
//! same failover restores the whole changelog of the moved tasks.

mod backends;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use backends::TestLog;
use kstream::{
    Consumed, Grouped, I64Serde, KafkaStreams, Materialized, StateRestoreListener, StoreKind, StreamsBuilder,
    StreamsConfig, StreamsState, StringSerde, TopicPartition,
};
use streamlog::{ClientConfig, ProducerRecord};

const PARTITIONS: i32 = 4;
const KEYS: i64 = 2000;
const RECORDS: i64 = 4000;

/// Counts the records restored while `counting` is set.
#[derive(Default)]
struct Restored {
    counting: AtomicBool,
    records: AtomicU64,
}

impl StateRestoreListener for Restored {
    fn on_restore_start(&self, _: &TopicPartition, _: &str, _: i64, _: i64) {}
    fn on_batch_restored(&self, _: &TopicPartition, _: &str, _: i64, restored: u64) {
        if self.counting.load(Ordering::SeqCst) {
            self.records.fetch_add(restored, Ordering::SeqCst);
        }
    }
    fn on_restore_end(&self, _: &TopicPartition, _: &str, _: u64) {}
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "waited 60 s for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Runs the failover with `replicas` standbys per task: how many changelog records the
/// remaining instance restored when it took the closed one's tasks.
fn failover(b: &dyn TestLog, replicas: usize, store: StoreKind) -> u64 {
    let app = backends::unique("standbys");
    let input = backends::unique("standbys-in");
    b.create_topic(&input, PARTITIONS);
    let producer = b.cluster().producer(&ClientConfig::new()).unwrap();
    for i in 0..RECORDS {
        producer
            .send(
                ProducerRecord::new(input.as_str())
                    .key(format!("k{}", i % KEYS))
                    .value("v"),
            )
            .unwrap();
    }
    producer.flush(Duration::from_secs(30)).unwrap();

    let start = |restored: Option<Arc<Restored>>| {
        let builder = StreamsBuilder::new();
        let counts = Materialized::with(StringSerde, I64Serde)
            .named("counts")
            .kind(store);
        let handle = counts.handle();
        builder
            .stream(&input, Consumed::with(StringSerde, StringSerde))
            .group_by_key(Grouped::with(StringSerde, StringSerde))
            .count(counts);
        let state = tempfile::tempdir().unwrap();
        let member_timeout = if b.cluster().backend_name() == "kafka" {
            "6000"
        } else {
            "3000"
        };
        let config = StreamsConfig::new(app.as_str())
            .state_dir(state.path())
            .num_standby_replicas(replicas)
            .commit_interval(Duration::from_millis(100))
            .set("statestore.cache.max.bytes", "0")
            .set("max.poll.interval.ms", member_timeout)
            .set("session.timeout.ms", member_timeout);
        let mut streams = KafkaStreams::new(builder.build().unwrap(), b.cluster().clone(), config).unwrap();
        if let Some(restored) = restored {
            streams.set_global_state_restore_listener(restored).unwrap();
        }
        streams.start().unwrap();
        (streams, handle, state)
    };
    let restored = Arc::new(Restored::default());
    let (a, handle, _a_state) = start(Some(restored.clone()));
    let (second, _, _b_state) = start(None);
    let tasks = |app: &KafkaStreams| -> (usize, usize) {
        app.metadata_for_local_threads().iter().fold((0, 0), |(a, s), t| {
            (a + t.active_tasks.len(), s + t.standby_tasks.len())
        })
    };
    wait_for("both instances to run two tasks each", || {
        a.state() == StreamsState::Running
            && second.state() == StreamsState::Running
            && tasks(&a).0 == 2
            && tasks(&second).0 == 2
    });
    a.wait_until_caught_up(Duration::from_secs(60)).unwrap();
    if replicas > 0 {
        wait_for("each instance to keep standbys of the other's tasks", || {
            tasks(&a).1 == 2 && tasks(&second).1 == 2
        });
    }
    // The standbys read the changelogs as they grow; give them a moment to reach the end.
    std::thread::sleep(Duration::from_millis(1500));
    restored.counting.store(true, Ordering::SeqCst);
    assert!(second.close(Duration::from_secs(30)));
    wait_for("the remaining instance to run every task", || {
        a.state() == StreamsState::Running && tasks(&a).0 == PARTITIONS as usize
    });
    a.wait_until_caught_up(Duration::from_secs(60)).unwrap();
    let counts: BTreeMap<String, i64> = a.store(&handle).unwrap().all().unwrap().into_iter().collect();
    assert_eq!(counts.len(), KEYS as usize);
    assert!(counts.values().all(|c| *c == RECORDS / KEYS), "{counts:?}");
    assert!(a.close(Duration::from_secs(30)));
    restored.records.load(Ordering::SeqCst)
}

fn standbys_restore_only_the_tail(b: &dyn TestLog, store: StoreKind) {
    let without = failover(b, 0, store);
    let with = failover(b, 1, store);
    eprintln!("{store:?}: the failover restored {without} records without standbys, {with} with one");
    // Without standbys the moved tasks' whole changelogs (at least one record per key
    // of theirs, about half the keys) are restored; with them, next to nothing.
    assert!(without >= (KEYS / 4) as u64, "without standbys: {without}");
    assert!(with * 10 < without, "with a standby: {with} (without: {without})");
}

#[test]
fn a_failover_restores_only_the_tail_with_standbys_on_the_embedded_log() {
    standbys_restore_only_the_tail(&backends::embedded(), StoreKind::InMemory);
}

#[cfg(feature = "rocksdb")]
#[test]
fn a_failover_restores_only_the_tail_of_rocksdb_standbys_on_the_embedded_log() {
    standbys_restore_only_the_tail(&backends::embedded(), StoreKind::RocksDb);
}

#[cfg(feature = "kafka")]
#[test]
fn a_failover_restores_only_the_tail_with_standbys_on_the_broker() {
    let Some(b) = backends::broker() else {
        return;
    };
    standbys_restore_only_the_tail(&b, StoreKind::InMemory);
}

#[test]
fn a_bad_standby_count_is_refused_with_its_key() {
    let err = StreamsConfig::new("app")
        .set("num.standby.replicas", "one")
        .validate()
        .unwrap_err();
    assert!(err.to_string().contains("num.standby.replicas"), "{err}");
}
