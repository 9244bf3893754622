//! Upgrade: the state directory an earlier release left behind (RocksDB stores with
//! plain values, no format marker, Kafka's checkpoint files), in
//! `tests/fixtures/store-format-1/`, opens with this release: the stores are converted
//! to the timestamped layout in place, keep their values (with no timestamp, as Kafka
//! Streams' upgrade to timestamped stores gives them), are not restored again from
//! scratch, and go on counting. See the fixture's README for how it was written.
#![cfg(feature = "rocksdb")]

use std::path::{Path, PathBuf};
use std::time::Duration;

use kstream::{
    Consumed, Grouped, I64Serde, KafkaStreams, Materialized, NO_TIMESTAMP, StoreHandle, StoreKind,
    StreamsBuilder, StreamsConfig, StringSerde, ValueAndTimestamp,
};
use streamlog::{ClientConfig, Cluster, ProducerRecord, TopicConfig};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/store-format-1/state")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The application the fixture was written by.
fn app(
    cluster: &Cluster,
    state_dir: &Path,
) -> (KafkaStreams, StoreHandle<String, i64>, StoreHandle<String, i64>) {
    let counts = Materialized::with(StringSerde, I64Serde)
        .named("counts")
        .kind(StoreKind::RocksDb);
    let prices = Materialized::with(StringSerde, I64Serde)
        .named("prices")
        .kind(StoreKind::RocksDb);
    let (counts_store, prices_store) = (counts.handle(), prices.handle());
    let b = StreamsBuilder::new();
    b.stream("words", Consumed::with(StringSerde, StringSerde))
        .group_by_key(Grouped::with(StringSerde, StringSerde))
        .count(counts);
    b.table("prices", Consumed::with(StringSerde, I64Serde), prices);
    let config = StreamsConfig::new("upgrade")
        .commit_interval(Duration::from_millis(100))
        .num_stream_threads(1)
        .state_dir(state_dir);
    let app = KafkaStreams::new(b.build().unwrap(), cluster.clone(), config).unwrap();
    (app, counts_store, prices_store)
}

fn unknown(value: i64) -> ValueAndTimestamp<i64> {
    ValueAndTimestamp::new(value, NO_TIMESTAMP)
}

#[test]
fn a_state_directory_of_the_earlier_format_opens_converted() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), dir.path());
    // A fresh log: the stores' data can only come from the files.
    let cluster = Cluster::embedded();
    let admin = cluster.admin().unwrap();
    admin.create_topic("words", &TopicConfig::new(1)).unwrap();
    admin.create_topic("prices", &TopicConfig::new(1)).unwrap();

    let (mut streams, counts, prices) = app(&cluster, dir.path());
    streams.start().unwrap();
    let found = entries_once_open(&streams, &counts);
    assert_eq!(
        found,
        vec![
            ("kafka".to_owned(), unknown(3)),
            ("rust".to_owned(), unknown(1)),
            ("streams".to_owned(), unknown(1)),
        ]
    );
    let found = entries_once_open(&streams, &prices);
    assert_eq!(
        found,
        vec![("apple".to_owned(), unknown(4)), ("pear".to_owned(), unknown(5))]
    );

    // The converted store goes on: the count grows and takes the new record's time.
    let producer = cluster.producer(&ClientConfig::new()).unwrap();
    let mut record = ProducerRecord::new("words").key("kafka").value("x");
    record.timestamp = Some(9_000);
    producer.send(record).unwrap();
    producer.flush(Duration::from_secs(10)).unwrap();
    streams.wait_until_caught_up(Duration::from_secs(60)).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let store = streams.timestamped_store(&counts).unwrap();
    while store.get(&"kafka".to_owned()).unwrap() != Some(ValueAndTimestamp::new(4, 9_000)) {
        assert!(
            std::time::Instant::now() < deadline,
            "the count did not reach 4 at 9000"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(streams.close(Duration::from_secs(30)));
    // A queried store keeps its database open: let both go before opening it again.
    drop((store, streams));

    // Each store's directory is marked with the format it now has.
    let markers: Vec<String> = walk(dir.path())
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n == "KSTREAM-STORE-FORMAT"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    assert_eq!(markers.len(), 2, "{markers:?}");
    for marker in markers {
        assert_eq!(marker, "kstream-store-format 2\nvalues timestamped\n");
    }

    // Opened again, the marked stores are read as they are.
    let (mut streams, counts, _) = app(&cluster, dir.path());
    streams.start().unwrap();
    entries_once_open(&streams, &counts);
    let store = streams.timestamped_store(&counts).unwrap();
    assert_eq!(
        store.get(&"kafka".to_owned()).unwrap(),
        Some(ValueAndTimestamp::new(4, 9_000))
    );
    assert_eq!(store.get(&"rust".to_owned()).unwrap(), Some(unknown(1)));
    assert!(streams.close(Duration::from_secs(30)));
}

/// The entries of the store of `handle` once its task has opened it (the input is
/// empty: being caught up says nothing about the tasks).
fn entries_once_open(
    streams: &KafkaStreams,
    handle: &StoreHandle<String, i64>,
) -> Vec<(String, ValueAndTimestamp<i64>)> {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let entries = streams.timestamped_store(handle).unwrap().all().unwrap();
        if !entries.is_empty() || std::time::Instant::now() > deadline {
            return entries;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
