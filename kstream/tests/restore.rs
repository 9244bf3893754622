//! Restoring stores from their changelogs, in bulk, heard through a
//! `StateRestoreListener` and the restore metrics: a count runs over the input, stops,
//! loses its state directory and starts again; the listener must hear one start, the
//! batches and one end per changelog partition, adding up to what was replayed, and
//! the store must come back whole. On the embedded log and, in CI, the real broker.
//! (A test binary of its own: it installs a global metrics recorder.)

mod backends;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use backends::TestLog;
use kstream::{
    Consumed, Grouped, KafkaStreams, Materialized, StateRestoreListener, StoreHandle, StreamsBuilder,
    StreamsConfig, StringSerde,
};
use metrics::{Counter, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit};
use parking_lot::Mutex;
use streamlog::{ClientConfig, ProducerRecord, TopicPartition};

const PARTITIONS: i32 = 3;
const KEYS: usize = 2_000;
const RECORDS: usize = 10_000;

/// What the listener heard, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Heard {
    Start {
        store: String,
        start: i64,
        end: i64,
    },
    Batch {
        store: String,
        batch_end: i64,
        restored: u64,
    },
    End {
        store: String,
        total: u64,
    },
}

#[derive(Default)]
struct Recording(Mutex<BTreeMap<TopicPartition, Vec<Heard>>>);

impl StateRestoreListener for Recording {
    fn on_restore_start(&self, changelog: &TopicPartition, store: &str, start: i64, end: i64) {
        let store = store.to_owned();
        self.0
            .lock()
            .entry(changelog.clone())
            .or_default()
            .push(Heard::Start { store, start, end });
    }
    fn on_batch_restored(&self, changelog: &TopicPartition, store: &str, batch_end: i64, restored: u64) {
        let store = store.to_owned();
        let heard = Heard::Batch {
            store,
            batch_end,
            restored,
        };
        self.0.lock().entry(changelog.clone()).or_default().push(heard);
    }
    fn on_restore_end(&self, changelog: &TopicPartition, store: &str, total: u64) {
        let store = store.to_owned();
        self.0
            .lock()
            .entry(changelog.clone())
            .or_default()
            .push(Heard::End { store, total });
    }
}

/// `kstream_restore_records_total` and the last `kstream_restore_remaining_records`,
/// summed over stores: the process's global recorder.
#[derive(Default)]
struct RestoreMetrics {
    restored: Arc<AtomicU64>,
    remaining: Arc<AtomicU64>,
}

impl Recorder for RestoreMetrics {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        match key.name() {
            "kstream_restore_records_total" => Counter::from_arc(self.restored.clone()),
            _ => Counter::noop(),
        }
    }
    fn register_gauge(&self, key: &Key, _: &Metadata<'_>) -> Gauge {
        match key.name() {
            "kstream_restore_remaining_records" => Gauge::from_arc(self.remaining.clone()),
            _ => Gauge::noop(),
        }
    }
    fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::noop()
    }
}

/// The recorder every test of this binary shares.
fn restore_metrics() -> &'static RestoreMetrics {
    static METRICS: std::sync::OnceLock<&'static RestoreMetrics> = std::sync::OnceLock::new();
    METRICS.get_or_init(|| {
        let recorder: &'static RestoreMetrics = Box::leak(Box::default());
        metrics::set_global_recorder(recorder).expect("the only global recorder");
        recorder
    })
}

fn produce(b: &dyn TestLog, topic: &str) -> BTreeMap<String, i64> {
    let producer = b.cluster().producer(&ClientConfig::new()).unwrap();
    let mut expected = BTreeMap::new();
    for i in 0..RECORDS {
        let key = format!("user-{}", (i * 7919) % KEYS);
        *expected.entry(key.clone()).or_insert(0) += 1;
        producer
            .send(ProducerRecord::new(topic).key(key).value(format!("event {i}")))
            .unwrap();
    }
    producer.flush(Duration::from_secs(30)).unwrap();
    expected
}

/// Runs the count until it has caught up with its input, with `listener` when given
/// and the client `properties`, and returns the store's contents.
fn run(
    b: &dyn TestLog,
    app: &str,
    input: &str,
    state_dir: &std::path::Path,
    listener: Option<Arc<Recording>>,
    properties: &[(&str, &str)],
) -> BTreeMap<String, i64> {
    let builder = StreamsBuilder::new();
    let counts = Materialized::with(StringSerde, kstream::I64Serde).named("counts");
    let handle: StoreHandle<String, i64> = counts.handle();
    builder
        .stream(input, Consumed::with(StringSerde, StringSerde))
        .group_by_key(Grouped::with(StringSerde, StringSerde))
        .count(counts);
    let mut config = StreamsConfig::new(app)
        .commit_interval(Duration::from_millis(100))
        .num_stream_threads(1)
        .state_dir(state_dir);
    for (key, value) in properties {
        config.insert(*key, *value);
    }
    let mut streams = KafkaStreams::new(builder.build().unwrap(), b.cluster().clone(), config).unwrap();
    if let Some(listener) = listener {
        streams.set_global_state_restore_listener(listener).unwrap();
    }
    streams.start().unwrap();
    // Running once every task is assigned and its stores restored.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while streams.state() != kstream::StreamsState::Running {
        assert!(
            std::time::Instant::now() < deadline,
            "not running: {:?}",
            streams.state()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    streams.wait_until_caught_up(Duration::from_secs(60)).unwrap();
    let all = streams.store(&handle).unwrap().all().unwrap();
    assert!(streams.close(Duration::from_secs(30)));
    all.into_iter().collect()
}

/// Restores the count with the client `properties`; the listener and the metrics must
/// account for every record replayed, and the store must come back whole.
fn restore_is_heard_and_complete(b: &dyn TestLog, properties: &[(&str, &str)]) {
    // The metrics are the process's: one restore at a time.
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    let _alone = ONE_AT_A_TIME.lock();
    let metrics = restore_metrics();
    let app = backends::unique("restore");
    let input = backends::unique("events");
    b.create_topic(&input, PARTITIONS);
    let expected = produce(b, &input);
    let state = tempfile::tempdir().unwrap();
    let first = run(b, &app, &input, state.path(), None, properties);
    assert!(
        first == expected,
        "first run: {} keys of {}",
        first.len(),
        expected.len()
    );
    std::fs::remove_dir_all(state.path()).unwrap();

    let restored_before = metrics.restored.load(Ordering::Relaxed);
    let recording = Arc::new(Recording::default());
    let second = run(b, &app, &input, state.path(), Some(recording.clone()), properties);
    assert!(
        second == expected,
        "the store restored from its changelog: {} keys of {}",
        second.len(),
        expected.len()
    );

    let heard = recording.0.lock().clone();
    let changelog = kstream::changelog_topic(&app, "counts");
    let admin = b.cluster().admin().unwrap();
    let mut total_restored = 0;
    for p in 0..PARTITIONS {
        let tp = TopicPartition::new(changelog.as_str(), p);
        let marks = admin.watermarks(&tp).unwrap();
        let events = heard
            .get(&tp)
            .unwrap_or_else(|| panic!("nothing heard of {tp:?}: {heard:?}"));
        let Some(Heard::Start { store, start, end }) = events.first() else {
            panic!("{tp:?} does not start with its start: {events:?}");
        };
        assert_eq!((store.as_str(), *start, *end), ("counts", marks.low, marks.high));
        let Some(Heard::End { total, .. }) = events.last() else {
            panic!("{tp:?} does not finish with its end: {events:?}");
        };
        let batches: Vec<(i64, u64)> = events[1..events.len() - 1]
            .iter()
            .map(|e| match e {
                Heard::Batch {
                    batch_end, restored, ..
                } => (*batch_end, *restored),
                other => panic!("{tp:?}: {other:?} between start and end"),
            })
            .collect();
        assert!(!batches.is_empty(), "{tp:?}: no batch");
        assert!(
            batches.windows(2).all(|w| w[0].0 < w[1].0),
            "{tp:?}: batch ends must grow: {batches:?}"
        );
        assert_eq!(
            batches.last().unwrap().0,
            end - 1,
            "{tp:?}: the last batch ends at the end"
        );
        assert_eq!(
            batches.iter().map(|b| b.1).sum::<u64>(),
            *total,
            "{tp:?}: batches add up"
        );
        assert!(
            *total > 0 && *total as i64 <= end - start,
            "{tp:?}: {total} of {start}..{end}"
        );
        total_restored += total;
    }
    // Each of the application's distinct keys has at least one changelog record left.
    assert!(total_restored >= expected.len() as u64);
    assert_eq!(
        metrics.restored.load(Ordering::Relaxed) - restored_before,
        total_restored,
        "kstream_restore_records_total counts what the listener heard"
    );
    assert_eq!(
        f64::from_bits(metrics.remaining.load(Ordering::Relaxed)),
        0.0,
        "nothing remains once restored"
    );
}

#[test]
fn restore_on_the_embedded_log() {
    restore_is_heard_and_complete(&backends::embedded(), &[]);
}

#[cfg(feature = "kafka")]
#[test]
fn restore_on_the_broker() {
    if let Some(broker) = backends::broker() {
        restore_is_heard_and_complete(&broker, &[]);
    }
}

/// A RocksDB store is loaded in bulk (its writes gathered, then ingested as a table
/// file) and comes back whole.
#[cfg(feature = "rocksdb")]
#[test]
fn restore_into_rocksdb_on_the_embedded_log() {
    restore_is_heard_and_complete(&backends::embedded(), &[("default.dsl.store", "rocksDB")]);
}

/// Changelog batches and fetches of a few hundred bytes bring each partition's records
/// in many runs, which a poll hands out interleaved with the other partitions' runs:
/// every run is restored, into RocksDB.
#[cfg(all(feature = "kafka", feature = "rocksdb"))]
#[test]
fn restore_in_small_fetches_on_the_broker() {
    if let Some(broker) = backends::broker() {
        restore_is_heard_and_complete(
            &broker,
            &[
                ("max.partition.fetch.bytes", "256"),
                ("batch.size", "512"),
                ("default.dsl.store", "rocksDB"),
            ],
        );
    }
}

#[test]
fn a_restore_listener_is_set_before_start_only() {
    let builder = StreamsBuilder::new();
    builder
        .stream("in", Consumed::with(StringSerde, StringSerde))
        .to("out", kstream::Produced::with(StringSerde, StringSerde));
    let log = backends::embedded();
    log.create_topic("in", 1);
    log.create_topic("out", 1);
    let cluster = log.cluster().clone();
    let state = tempfile::tempdir().unwrap();
    let config = StreamsConfig::new("listener-late").state_dir(state.path());
    let mut streams = KafkaStreams::new(builder.build().unwrap(), cluster, config).unwrap();
    streams.start().unwrap();
    let late = streams.set_global_state_restore_listener(Arc::new(Recording::default()));
    assert!(
        matches!(late, Err(kstream::Error::InvalidState { .. })),
        "{late:?}"
    );
    assert!(streams.close(Duration::from_secs(30)));
}
