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

/// Record `i`: key `k<i % KEYS>`, at `i * 100` ms.
fn produce(b: &dyn TestLog, topic: &str, range: std::ops::Range<i64>) {
    let producer = b.cluster().producer(&ClientConfig::new()).unwrap();
    for i in range {
        let record = ProducerRecord::new(topic)
            .key(format!("k{}", i % KEYS))
            .value(i.to_be_bytes().to_vec())
            .timestamp(i * 100);
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
    produce(b, &input, 0..200);
    let (first, _) = run_once(b, &app_id, &input, state.path());
    assert_eq!(first.values().sum::<i64>(), 200, "first half: {first:?}");
    std::fs::remove_dir_all(state.path()).unwrap();

    produce(b, &input, 200..400);
    let (windows, sessions) = run_once(b, &app_id, &input, state.path());
    let mut expected_windows = Windows::new();
    let mut expected_sessions = Windows::new();
    for i in 0..400 {
        let (key, ts) = (format!("k{}", i % KEYS), i * 100);
        let start = ts / 10_000 * 10_000;
        *expected_windows.entry((key, start, start + 10_000)).or_default() += 1;
    }
    for k in 0..KEYS {
        // Each key's records are 500 ms apart: one session from its first to its last.
        expected_sessions.insert((format!("k{k}"), k * 100, (400 - KEYS + k) * 100), 400 / KEYS);
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
