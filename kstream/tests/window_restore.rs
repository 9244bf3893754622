//! Window and session stores (RocksDB) restored from their changelogs: run an
//! application over half the input, stop it, delete its state directory, run it again
//! over the rest; the windows must equal those of an uninterrupted run (a plain loop
//! here). On the embedded log and, in CI, a real broker.

#![cfg(feature = "rocksdb")]
mod backends;

use std::collections::BTreeMap;
use std::time::Duration;

use backends::TestLog;
use kstream::{
    Consumed, Grouped, I64Serde, KafkaStreams, Materialized, SessionWindows, StoreHandle, StoreKind,
    StreamsBuilder, StreamsConfig, StringSerde, TimeWindows, Topology,
};
use streamlog::{ClientConfig, ProducerRecord};

const PARTITIONS: i32 = 2;
const KEYS: i64 = 5;

struct App {
    topology: Topology,
    windows: StoreHandle<String, i64>,
    sessions: StoreHandle<String, i64>,
}

fn topology(input: &str) -> App {
    let b = StreamsBuilder::new();
    let grouped = b
        .stream(input, Consumed::with(StringSerde, I64Serde))
        .group_by_key(Grouped::with(StringSerde, I64Serde));
    let windows = Materialized::with(StringSerde, I64Serde)
        .named("per-10s")
        .kind(StoreKind::RocksDb);
    let windows_handle = windows.handle();
    grouped
        .windowed_by(
            TimeWindows::of_size_and_grace(Duration::from_secs(10), Duration::from_secs(3600)).unwrap(),
        )
        .count(windows);
    let sessions = Materialized::with(StringSerde, I64Serde)
        .named("sessions")
        .kind(StoreKind::RocksDb);
    let sessions_handle = sessions.handle();
    grouped
        .windowed_by_session(
            SessionWindows::of_inactivity_gap_and_grace(Duration::from_secs(1), Duration::from_secs(3600))
                .unwrap(),
        )
        .count(sessions);
    App {
        topology: b.build().unwrap(),
        windows: windows_handle,
        sessions: sessions_handle,
    }
}

/// The time of the first record: a recent whole minute (the broker deletes windowed
/// changelog records older than the store's retention plus a day, as it would Kafka
/// Streams').
fn base() -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    now / 60_000 * 60_000 - 3_600_000
}

/// Record `i`: key `k<i % KEYS>`, at `base + i * 100` ms.
fn produce(b: &dyn TestLog, topic: &str, base: i64, range: std::ops::Range<i64>) {
    let producer = b.cluster().producer(&ClientConfig::new()).unwrap();
    for i in range {
        let record = ProducerRecord::new(topic)
            .key(format!("k{}", i % KEYS))
            .value(i.to_be_bytes().to_vec())
            .timestamp(base + i * 100);
        producer.send(record).unwrap();
    }
    producer.flush(Duration::from_secs(30)).unwrap();
}

type Windows = BTreeMap<(String, i64, i64), i64>;

fn run_once(b: &dyn TestLog, app_id: &str, input: &str, state: &std::path::Path) -> (Windows, Windows) {
    let config = StreamsConfig::new(app_id)
        .commit_interval(Duration::from_millis(100))
        .num_stream_threads(1)
        .state_dir(state);
    let App {
        topology,
        windows,
        sessions,
    } = topology(input);
    let mut app = KafkaStreams::new(topology, b.cluster().clone(), config).unwrap();
    app.start().unwrap();
    app.wait_until_caught_up(Duration::from_secs(60)).unwrap();
    let mut by_window = Windows::new();
    for part in app.window_store(&windows).unwrap() {
        for (k, v) in part.all().unwrap() {
            by_window.insert((k.key, k.window.start, k.window.end), v.value);
        }
    }
    let mut by_session = Windows::new();
    for part in app.session_store(&sessions).unwrap() {
        for (k, v) in part.all().unwrap() {
            by_session.insert((k.key, k.window.start, k.window.end), v);
        }
    }
    assert!(app.close(Duration::from_secs(30)));
    (by_window, by_session)
}

fn windows_survive_a_wiped_state_directory(b: &dyn TestLog) {
    let app_id = backends::unique("window-restore");
    let input = backends::unique("window-events");
    b.create_topic(&input, PARTITIONS);
    let state = tempfile::tempdir().unwrap();
    let base = base();
    produce(b, &input, base, 0..200);
    let (first, _) = run_once(b, &app_id, &input, state.path());
    assert_eq!(first.values().sum::<i64>(), 200, "first half: {first:?}");
    std::fs::remove_dir_all(state.path()).unwrap();

    produce(b, &input, base, 200..400);
    let (windows, sessions) = run_once(b, &app_id, &input, state.path());
    let mut expected_windows = Windows::new();
    let mut expected_sessions = Windows::new();
    for i in 0..400 {
        let (key, ts) = (format!("k{}", i % KEYS), base + i * 100);
        let start = ts / 10_000 * 10_000;
        *expected_windows.entry((key, start, start + 10_000)).or_default() += 1;
    }
    for k in 0..KEYS {
        // Each key's records are 500 ms apart: one session from its first to its last.
        expected_sessions.insert(
            (format!("k{k}"), base + k * 100, base + (400 - KEYS + k) * 100),
            400 / KEYS,
        );
    }
    assert_eq!(windows, expected_windows, "windows after the restore");
    assert_eq!(sessions, expected_sessions, "sessions after the restore");
}

#[test]
fn window_stores_restore_on_the_embedded_log() {
    windows_survive_a_wiped_state_directory(&backends::embedded());
}

#[cfg(feature = "kafka")]
#[test]
fn window_stores_restore_on_the_broker() {
    if let Some(broker) = backends::broker() {
        windows_survive_a_wiped_state_directory(&broker);
    }
}

/// Final results wait in the suppression buffer across a restart with the state
/// directory deleted: the buffer comes back from its changelog, and the windows close
/// in the second run with the counts of the first.
fn suppression_buffer_survives_a_restart(b: &dyn TestLog) {
    let app_id = backends::unique("suppress-restore");
    let input = backends::unique("suppress-events");
    let output = backends::unique("suppress-final");
    b.create_topic(&input, 1);
    b.create_topic(&output, 1);
    let state = tempfile::tempdir().unwrap();
    let base = base();
    let run = |records: &[(&str, i64)]| {
        let producer = b.cluster().producer(&ClientConfig::new()).unwrap();
        for (key, ts) in records {
            let record = ProducerRecord::new(input.as_str())
                .key(key.to_string())
                .value(ts.to_be_bytes().to_vec())
                .timestamp(base + ts);
            producer.send(record).unwrap();
        }
        producer.flush(Duration::from_secs(30)).unwrap();
        let builder = StreamsBuilder::new();
        builder
            .stream(&input, Consumed::with(StringSerde, I64Serde))
            .group_by_key(Grouped::with(StringSerde, I64Serde))
            .windowed_by(TimeWindows::of_size_with_no_grace(Duration::from_secs(10)).unwrap())
            .count(
                Materialized::with(StringSerde, I64Serde)
                    .named("counts")
                    .kind(StoreKind::RocksDb),
            )
            .suppress(kstream::Suppressed::until_window_closes(
                kstream::BufferConfig::unbounded(),
            ))
            .to_stream()
            .map(move |k: kstream::Windowed<String>, n| {
                (
                    Some(format!("{}@{}", k.key, k.window.start - base)),
                    n.unwrap_or(0),
                )
            })
            .to(&output, kstream::Produced::with(StringSerde, I64Serde));
        let config = StreamsConfig::new(app_id.as_str())
            .commit_interval(Duration::from_millis(100))
            .state_dir(state.path());
        let mut app = KafkaStreams::new(builder.build().unwrap(), b.cluster().clone(), config).unwrap();
        app.start().unwrap();
        app.wait_until_caught_up(Duration::from_secs(60)).unwrap();
        assert!(app.close(Duration::from_secs(30)));
    };
    run(&[("a", 1_000), ("a", 2_000), ("b", 3_000)]);
    std::fs::remove_dir_all(state.path()).unwrap();
    run(&[("c", 15_000)]);
    let mut consumer = b
        .cluster()
        .consumer(&ClientConfig::new().set("auto.offset.reset", "earliest"))
        .unwrap();
    consumer
        .assign(&[streamlog::TopicPartition::new(output.as_str(), 0)])
        .unwrap();
    let mut finals = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while finals.len() < 2 && std::time::Instant::now() < deadline {
        for r in consumer.poll(Duration::from_millis(200)).unwrap() {
            let key = String::from_utf8(r.key.unwrap().to_vec()).unwrap();
            let n = i64::from_be_bytes(r.value.unwrap().as_ref().try_into().unwrap());
            finals.push((key, n));
        }
    }
    assert_eq!(finals, vec![("a@0".to_string(), 2), ("b@0".to_string(), 1)]);
}

#[test]
fn the_suppression_buffer_restores_on_the_embedded_log() {
    suppression_buffer_survives_a_restart(&backends::embedded());
}

#[cfg(feature = "kafka")]
#[test]
fn the_suppression_buffer_restores_on_the_broker() {
    if let Some(broker) = backends::broker() {
        suppression_buffer_survives_a_restart(&broker);
    }
}
