//! Exactly-once (`processing.guarantee=exactly_once_v2`) through a crash in the middle
//! of a commit: a count (with the record cache off, so every update is an output)
//! runs over the input and stops on the spot inside its third commit, after the
//! commit's outputs and changelog records were sent and before the transaction
//! committed. Another run takes over. Read with `read_committed`, each key's counts
//! must be exactly 1, 2, ..., n: nothing lost, nothing doubled, no count computed from
//! a store that kept uncommitted writes. The stores must equal the input's counts, and a
//! restart over a kept RocksDB state directory must replay only the changelog's tail.
//!
//! On the embedded log the crashed run is an abandoned runtime (its consumer and
//! producer left as a dead process leaves them); on the real broker (CI) it is a child
//! process that aborts.

mod backends;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use backends::TestLog;
use kstream::{
    Consumed, Grouped, I64Serde, KafkaStreams, Materialized, Produced, StateRestoreListener, StoreHandle,
    StreamThreadExceptionResponse, StreamsBuilder, StreamsConfig, StreamsState, StringSerde,
};
use streamlog::{ClientConfig, ProducerRecord, TopicPartition};

const PARTITIONS: i32 = 3;
const KEYS: i64 = 7;
/// The child process of the killed-process test runs when this is set.
const CHILD: &str = "KSTREAM_EOS_CRASH_CHILD";

struct Names {
    app: String,
    input: String,
    output: String,
}

fn names(prefix: &str) -> Names {
    Names {
        app: backends::unique(prefix),
        input: backends::unique("eos-in"),
        output: backends::unique("eos-counts"),
    }
}

fn topology(n: &Names) -> (kstream::Topology, StoreHandle<String, i64>) {
    let b = StreamsBuilder::new();
    let counts = Materialized::with(StringSerde, I64Serde).named("counts");
    let handle = counts.handle();
    b.stream(&n.input, Consumed::with(StringSerde, I64Serde))
        .group_by_key(Grouped::with(StringSerde, I64Serde))
        .count(counts)
        .to_stream()
        .to(
            &n.output,
            Produced::with(StringSerde, kstream::OptionSerde(I64Serde)),
        );
    (b.build().unwrap(), handle)
}

fn config(b: &dyn TestLog, n: &Names, state_dir: &Path, store: &str) -> StreamsConfig {
    // The broker's shortest session is 6 s (`group.min.session.timeout.ms`), and
    // librdkafka wants `max.poll.interval.ms` at least as long.
    let member_timeout = if b.cluster().backend_name() == "kafka" {
        "6000"
    } else {
        "3000"
    };
    StreamsConfig::new(n.app.as_str())
        .processing_guarantee(kstream::ProcessingGuarantee::ExactlyOnceV2)
        .state_dir(state_dir)
        .num_stream_threads(1)
        .commit_interval(Duration::ZERO)
        .set("statestore.cache.max.bytes", "0")
        .set("default.dsl.store", store)
        // Small polls, so that a commit covers a few records only.
        .set("max.poll.records", "20")
        // A crashed member leaves the group soon; a transaction it left open is
        // aborted soon when no restart with its id fences it first.
        .set("max.poll.interval.ms", member_timeout)
        .set("session.timeout.ms", member_timeout)
        .set("transaction.timeout.ms", "3000")
}

/// The key of the `i`-th input record: a few keys written again and again, except
/// between 300 and 600, where every record has a key of its own (so that a store
/// keeping an aborted write is caught even when no later commit writes its key).
fn key_of(i: i64) -> String {
    if (300..600).contains(&i) {
        format!("u{i}")
    } else {
        format!("k{}", i % KEYS)
    }
}

fn produce(b: &dyn TestLog, topic: &str, range: std::ops::Range<i64>) {
    let producer = b.cluster().producer(&ClientConfig::new()).unwrap();
    for i in range {
        producer
            .send(
                ProducerRecord::new(topic)
                    .key(key_of(i))
                    .value(1i64.to_be_bytes().to_vec()),
            )
            .unwrap();
    }
    producer.flush(Duration::from_secs(30)).unwrap();
}

/// Counts restored records.
#[derive(Default)]
struct Restored(AtomicU64);

impl StateRestoreListener for Restored {
    fn on_restore_start(&self, _: &TopicPartition, _: &str, _: i64, _: i64) {}
    fn on_batch_restored(&self, _: &TopicPartition, _: &str, _: i64, restored: u64) {
        self.0.fetch_add(restored, Ordering::SeqCst);
    }
    fn on_restore_end(&self, _: &TopicPartition, _: &str, _: u64) {}
}

/// Runs the application until it has processed everything, then closes it; the
/// store's contents and how many changelog records the start restored.
fn run_to_end(b: &dyn TestLog, n: &Names, state_dir: &Path, store: &str) -> (BTreeMap<String, i64>, u64) {
    let (topology, handle) = topology(n);
    let mut app = KafkaStreams::new(topology, b.cluster().clone(), config(b, n, state_dir, store)).unwrap();
    let restored = Arc::new(Restored::default());
    app.set_global_state_restore_listener(restored.clone()).unwrap();
    app.start().unwrap();
    app.wait_until_caught_up(Duration::from_secs(60)).unwrap();
    let counts = app.store(&handle).unwrap().all().unwrap().into_iter().collect();
    assert!(app.close(Duration::from_secs(30)));
    (counts, restored.0.load(Ordering::SeqCst))
}

/// Runs the application with the switch that stops its thread inside its third
/// commit, until it has stopped.
fn run_and_crash(b: &dyn TestLog, n: &Names, state_dir: &Path, store: &str) {
    let (topology, _) = topology(n);
    let config = config(b, n, state_dir, store).set("__test.abandon.at.commit__", "3");
    let mut app = KafkaStreams::new(topology, b.cluster().clone(), config).unwrap();
    app.set_uncaught_exception_handler(|e| {
        assert!(matches!(e, kstream::Error::Abandoned { commit: 3, .. }), "{e}");
        StreamThreadExceptionResponse::ShutdownClient
    })
    .unwrap();
    app.start().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while app.state() != StreamsState::Error {
        assert!(
            Instant::now() < deadline,
            "the crash switch did not stop the thread"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // The runtime is dropped without `close`: nothing more is committed.
}

/// The expected outputs: each key's counts 1..=n.
fn expected(records: i64) -> BTreeMap<String, Vec<i64>> {
    let mut counts: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for i in 0..records {
        let list = counts.entry(key_of(i)).or_default();
        list.push(list.len() as i64 + 1);
    }
    counts
}

fn last_counts(expected: &BTreeMap<String, Vec<i64>>) -> BTreeMap<String, i64> {
    expected
        .iter()
        .map(|(k, v)| (k.clone(), *v.last().unwrap()))
        .collect()
}

fn create_topics(b: &dyn TestLog, n: &Names) {
    for t in [&n.input, &n.output] {
        b.create_topic(t, PARTITIONS);
    }
}

/// Crash inside a commit, restart (over the same state directory, or a new one: the
/// instance moved), and compare with the expected counts.
fn crash_and_take_over(b: &dyn TestLog, store: &str, same_dir: bool) {
    let n = names("eos-crash");
    create_topics(b, &n);
    let state = tempfile::tempdir().unwrap();
    produce(b, &n.input, 0..300);
    run_and_crash(b, &n, state.path(), store);
    produce(b, &n.input, 300..500);
    let other = tempfile::tempdir().unwrap();
    let dir = if same_dir { state.path() } else { other.path() };
    let (stores, _) = run_to_end(b, &n, dir, store);
    let expected = expected(500);
    assert_eq!(
        stores,
        last_counts(&expected),
        "{store}: the store after the crash"
    );
    assert_eq!(
        backends::read_committed_i64(b, &n.output, PARTITIONS, 500),
        expected,
        "{store}, same state directory: {same_dir}: each key's committed counts"
    );
}

/// A clean run leaves a checkpoint; a crashed run after it; the restart over the same
/// RocksDB directory replays the changelog from the checkpoint only.
#[cfg(feature = "rocksdb")]
fn crash_keeps_rocksdb_state(b: &dyn TestLog) {
    let n = names("eos-keep");
    create_topics(b, &n);
    let state = tempfile::tempdir().unwrap();
    produce(b, &n.input, 0..300);
    let (first, _) = run_to_end(b, &n, state.path(), "rocksDB");
    assert_eq!(first, last_counts(&expected(300)));
    produce(b, &n.input, 300..600);
    run_and_crash(b, &n, state.path(), "rocksDB");
    produce(b, &n.input, 600..700);
    let (stores, restored) = run_to_end(b, &n, state.path(), "rocksDB");
    let expected = expected(700);
    assert_eq!(
        stores,
        last_counts(&expected),
        "the RocksDB store after the crash"
    );
    assert!(
        restored < 300,
        "the restart replayed {restored} changelog records: the first run's 300 were kept"
    );
    assert_eq!(
        backends::read_committed_i64(b, &n.output, PARTITIONS, 700),
        expected
    );
}

#[test]
fn a_crash_inside_a_commit_repeats_and_loses_nothing_on_the_embedded_log() {
    let b = backends::embedded();
    crash_and_take_over(&b, "in_memory", true);
    crash_and_take_over(&b, "in_memory", false);
    #[cfg(feature = "rocksdb")]
    {
        crash_and_take_over(&b, "rocksDB", true);
        crash_keeps_rocksdb_state(&b);
    }
}

/// The killed-process test's child: runs the crashing application on the broker and
/// aborts the process when its thread stops inside the commit.
#[test]
fn crash_child() {
    let Ok(spec) = std::env::var(CHILD) else {
        return;
    };
    #[cfg(feature = "kafka")]
    {
        let [app, input, output, state_dir, store]: [&str; 5] =
            spec.split(',').collect::<Vec<_>>().try_into().unwrap();
        let n = Names {
            app: app.into(),
            input: input.into(),
            output: output.into(),
        };
        let broker = backends::broker().expect("the child runs with the parent's broker");
        let (topology, _) = topology(&n);
        let config = config(&broker, &n, Path::new(state_dir), store).set("__test.abandon.at.commit__", "3");
        let mut app = KafkaStreams::new(topology, broker.cluster().clone(), config).unwrap();
        app.set_uncaught_exception_handler(|e| {
            println!("crashed: {e}");
            std::process::abort();
        })
        .unwrap();
        app.start().unwrap();
        std::thread::sleep(Duration::from_secs(120));
        panic!("the crash switch did not stop the thread");
    }
    #[cfg(not(feature = "kafka"))]
    panic!("{spec}: the killed-process test needs feature `kafka`");
}

#[cfg(feature = "kafka")]
#[test]
fn a_killed_process_repeats_and_loses_nothing_on_the_broker() {
    let Some(b) = backends::broker() else {
        return;
    };
    let stores: &[&str] = if cfg!(feature = "rocksdb") {
        &["in_memory", "rocksDB"]
    } else {
        &["in_memory"]
    };
    for store in stores {
        let n = names("eos-killed");
        create_topics(&b, &n);
        let state = tempfile::tempdir().unwrap();
        produce(&b, &n.input, 0..300);
        let spec = format!(
            "{},{},{},{},{store}",
            n.app,
            n.input,
            n.output,
            state.path().display()
        );
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "crash_child", "--nocapture", "--test-threads=1"])
            .env(CHILD, spec)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            !out.status.success()
                && text.contains("crashed: the thread was abandoned at")
                && text.contains("after 3 commits began"),
            "the child did not crash inside its commit: {}\n{text}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        produce(&b, &n.input, 300..500);
        let (stores, _) = run_to_end(&b, &n, state.path(), store);
        let expected = expected(500);
        assert_eq!(
            stores,
            last_counts(&expected),
            "{store}: the store after the kill"
        );
        assert_eq!(
            backends::read_committed_i64(&b, &n.output, PARTITIONS, 500),
            expected,
            "{store}: each key's committed counts after the kill"
        );
    }
}
