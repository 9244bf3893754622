//! `KStream::deduplicate`: against the `dedup` crate's deduplicator (a model test in
//! the test driver), its policies for records without an id, and its ids surviving a
//! restart with the state directory wiped and partitions moving to a second instance
//! (on the embedded log and, in CI, a real broker).

mod backends;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use backends::TestLog;
use dedup::{Deduplicator, IdSource, TimeBasis, Window};
use kstream::Deduplication;
use kstream::prelude::*;
use proptest::prelude::*;
use streamlog::{IsolationLevel, Offset};

const PARTITIONS: i32 = 3;

fn by_key(window: Window) -> Deduplication<String, String> {
    Deduplication::by(|k: &String, _: &String| Some(k.clone().into_bytes()), window)
}

fn topology(dedup: Deduplication<String, String>) -> Topology {
    let builder = StreamsBuilder::new();
    builder
        .stream("in", Consumed::with(StringSerde, StringSerde))
        .deduplicate(dedup)
        .to("out", Produced::with(StringSerde, StringSerde));
    builder.build().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// The operator passes exactly the records the `dedup` crate's deduplicator calls
    /// new, over random ids at out-of-order times.
    #[test]
    fn passes_what_the_deduplicator_calls_new(
        records in proptest::collection::vec((0u8..20, 0i64..50_000), 1..120),
        segments in 1u32..6,
    ) {
        let window = Window::new(Duration::from_secs(10), segments).unwrap();
        let driver = TopologyTestDriver::new(topology(by_key(window))).unwrap();
        let input = driver.input_topic("in", StringSerde, StringSerde);
        let mut model = Deduplicator::new(IdSource::Key, window, TimeBasis::EventTime);
        let mut expected = Vec::new();
        for (n, (id, time)) in records.iter().enumerate() {
            let key = format!("id-{id}");
            input.pipe_input_at(key.clone(), n.to_string(), *time).unwrap();
            if model.check_id(key.as_bytes(), *time).unwrap().is_new() {
                expected.push((key, n.to_string()));
            }
        }
        let out = driver.output_topic("out", StringSerde, StringSerde).read_key_values().unwrap();
        prop_assert_eq!(out, expected);
    }
}

#[test]
fn an_id_passes_again_once_its_segment_leaves_the_window() {
    let window = Window::new(Duration::from_secs(60), 6).unwrap();
    let driver = TopologyTestDriver::new(topology(by_key(window))).unwrap();
    let input = driver.input_topic("in", StringSerde, StringSerde);
    input.pipe_input_at("a".into(), "1".into(), 1_000).unwrap();
    input.pipe_input_at("a".into(), "2".into(), 55_000).unwrap();
    input.pipe_input_at("b".into(), "3".into(), 65_000).unwrap();
    input.pipe_input_at("a".into(), "4".into(), 69_000).unwrap();
    input.pipe_input_at("a".into(), "5".into(), 71_000).unwrap();
    let out = driver
        .output_topic("out", StringSerde, StringSerde)
        .read_key_values()
        .unwrap();
    let values: Vec<&str> = out.iter().map(|(_, v)| v.as_str()).collect();
    // At 69 s the window still holds the segment [0, 10 s) of the first `a`; at 71 s
    // it has moved past it.
    assert_eq!(values, ["1", "3", "5"]);
}

#[test]
fn records_without_an_id_fail_pass_or_go_to_the_dead_letter_topic() {
    let window = Window::new(Duration::from_secs(60), 6).unwrap();
    let ids = |_: &String, v: &String| (!v.is_empty()).then(|| v.clone().into_bytes());

    let driver = TopologyTestDriver::new(topology(Deduplication::by(ids, window))).unwrap();
    let input = driver.input_topic("in", StringSerde, StringSerde);
    input.pipe_input("k".into(), "x".into()).unwrap();
    let err = input.pipe_input("k".into(), String::new()).unwrap_err();
    let mut text = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    assert!(text.contains("in/0@1") && text.contains("no id"), "{text}");

    let driver =
        TopologyTestDriver::new(topology(Deduplication::by(ids, window).pass_missing_ids())).unwrap();
    let input = driver.input_topic("in", StringSerde, StringSerde);
    for v in ["x", "", "", "x"] {
        input.pipe_input("k".into(), v.into()).unwrap();
    }
    let out = driver
        .output_topic("out", StringSerde, StringSerde)
        .read_key_values()
        .unwrap();
    assert_eq!(out.len(), 3);

    let dlq = Deduplication::by(ids, window)
        .dead_letter_missing_ids("bad", Produced::with(StringSerde, StringSerde));
    let driver = TopologyTestDriver::new(topology(dlq)).unwrap();
    let input = driver.input_topic("in", StringSerde, StringSerde);
    for v in ["x", "", "x"] {
        input.pipe_input("k".into(), v.into()).unwrap();
    }
    assert_eq!(
        driver
            .output_topic("out", StringSerde, StringSerde)
            .read_key_values()
            .unwrap()
            .len(),
        1
    );
    let letters = driver.read_raw("bad");
    assert_eq!(letters.len(), 1);
    let offset = letters[0]
        .headers
        .last(dedup::dead_letter_headers::OFFSET)
        .unwrap();
    assert_eq!(offset.value.as_deref(), Some(&b"1"[..]));
}

struct Names {
    app: String,
    input: String,
    output: String,
}

/// The application, started: repeats of its input dropped, ids in a `kind` store.
fn start(b: &dyn TestLog, n: &Names, kind: StoreKind, state: &std::path::Path) -> KafkaStreams {
    let builder = StreamsBuilder::new();
    let window = Window::new(Duration::from_secs(24 * 3600), 24).unwrap();
    builder
        .stream(&n.input, Consumed::with(StringSerde, StringSerde))
        .deduplicate(by_key(window).named("seen").kind(kind))
        .to(&n.output, Produced::with(StringSerde, StringSerde));
    let config = StreamsConfig::new(n.app.as_str())
        .commit_interval(Duration::from_millis(100))
        .num_stream_threads(1)
        .state_dir(state);
    let mut app = KafkaStreams::new(builder.build().unwrap(), b.cluster().clone(), config).unwrap();
    app.start().unwrap();
    app
}

/// Sends `ids` keyed by themselves, so repeats share a partition, at recent times.
fn produce(b: &dyn TestLog, topic: &str, ids: &[String]) {
    let producer = b.cluster().producer(&ClientConfig::new()).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    for (n, id) in ids.iter().enumerate() {
        producer
            .send(
                ProducerRecord::new(topic)
                    .key(id.clone())
                    .value(n.to_string())
                    .timestamp(now - 3_600_000 + n as i64),
            )
            .unwrap();
    }
    producer.flush(Duration::from_secs(30)).unwrap();
}

/// How many times each key came out on `topic`, read to its end.
fn key_counts(b: &dyn TestLog, topic: &str) -> BTreeMap<String, usize> {
    let admin = b.cluster().admin().unwrap();
    let ends = admin.end_offsets(topic).unwrap();
    let mut c = b
        .cluster()
        .consumer(&ClientConfig::new().isolation_level(IsolationLevel::ReadCommitted))
        .unwrap();
    let parts: Vec<TopicPartition> = (0..PARTITIONS).map(|p| TopicPartition::new(topic, p)).collect();
    c.assign(&parts).unwrap();
    for tp in &parts {
        c.seek(tp, Offset::Beginning).unwrap();
    }
    let mut counts = BTreeMap::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while parts
        .iter()
        .any(|tp| c.position(tp).unwrap_or(0) < ends[tp.partition as usize])
    {
        assert!(Instant::now() < deadline, "{topic} not read to its end");
        for r in c.poll(Duration::from_millis(200)).unwrap() {
            let k = String::from_utf8(r.key.unwrap().to_vec()).unwrap();
            *counts.entry(k).or_default() += 1;
        }
    }
    counts
}

fn names(b: &dyn TestLog, what: &str) -> Names {
    let n = Names {
        app: backends::unique(what),
        input: backends::unique(&format!("{what}-in")),
        output: backends::unique(&format!("{what}-out")),
    };
    b.create_topic(&n.input, PARTITIONS);
    b.create_topic(&n.output, PARTITIONS);
    n
}

fn ids(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i}")).collect()
}

fn kinds() -> Vec<StoreKind> {
    vec![
        StoreKind::InMemory,
        #[cfg(feature = "rocksdb")]
        StoreKind::RocksDb,
    ]
}

/// Run over some ids, stop, wipe the state directory, run again over them and new
/// ones: the old ids come back from the changelog and none passes twice.
fn wiped_state_lets_no_repeat_through(b: &dyn TestLog) {
    for kind in kinds() {
        let n = names(b, "dedup-wipe");
        let state = tempfile::tempdir().unwrap();
        let first = ids("a", 150);
        produce(b, &n.input, &first);
        let app = start(b, &n, kind, state.path());
        app.wait_until_caught_up(Duration::from_secs(60)).unwrap();
        assert!(app.close(Duration::from_secs(30)));
        std::fs::remove_dir_all(state.path()).unwrap();

        let second: Vec<String> = first.iter().take(100).cloned().chain(ids("b", 50)).collect();
        produce(b, &n.input, &second);
        let app = start(b, &n, kind, state.path());
        app.wait_until_caught_up(Duration::from_secs(60)).unwrap();
        assert!(app.close(Duration::from_secs(30)));
        let counts = key_counts(b, &n.output);
        assert_eq!(counts.len(), 200, "{kind:?}: ids out");
        let repeated: Vec<_> = counts.iter().filter(|(_, c)| **c > 1).collect();
        assert!(repeated.is_empty(), "{kind:?}: passed twice: {repeated:?}");
    }
}

/// A second instance joins mid-stream and takes partitions with their ids; every id
/// is then sent again: none passes twice, none is lost.
fn moved_partitions_let_no_repeat_through(b: &dyn TestLog) {
    let n = names(b, "dedup-move");
    let (a_state, b_state) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let first = ids("m", 200);
    produce(b, &n.input, &first);
    let a = start(b, &n, StoreKind::InMemory, a_state.path());
    a.wait_until_caught_up(Duration::from_secs(60)).unwrap();
    let second = start(b, &n, StoreKind::InMemory, b_state.path());
    produce(b, &n.input, &first);
    produce(b, &n.input, &ids("n", 50));
    second.wait_until_caught_up(Duration::from_secs(60)).unwrap();
    a.wait_until_caught_up(Duration::from_secs(60)).unwrap();
    assert!(second.close(Duration::from_secs(30)));
    assert!(a.close(Duration::from_secs(30)));
    let counts = key_counts(b, &n.output);
    assert_eq!(counts.len(), 250, "ids out");
    let repeated: Vec<_> = counts.iter().filter(|(_, c)| **c > 1).collect();
    assert!(repeated.is_empty(), "passed twice: {repeated:?}");
}

#[test]
fn embedded_wiped_state() {
    wiped_state_lets_no_repeat_through(&backends::embedded());
}

#[test]
fn embedded_moved_partitions() {
    moved_partitions_let_no_repeat_through(&backends::embedded());
}

#[cfg(feature = "kafka")]
#[test]
fn broker_wiped_state() {
    if let Some(b) = backends::broker() {
        wiped_state_lets_no_repeat_through(&b);
    }
}

#[cfg(feature = "kafka")]
#[test]
fn broker_moved_partitions() {
    if let Some(b) = backends::broker() {
        moved_partitions_let_no_repeat_through(&b);
    }
}
