//! Restart: run an application over half the input, stop it, delete its state
//! directory, run it again over the rest. The stores must equal those of an
//! uninterrupted run (computed here by a plain loop), and every expected output must be
//! there (at-least-once may repeat, never lose). On the embedded log, librdkafka's
//! mock cluster and, in CI, a real broker (also over SASL_SSL).

mod backends;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use backends::TestLog;
use kstream::{
    Consumed, Grouped, I64Serde, KafkaStreams, Materialized, Produced, StoreHandle, StreamsBuilder,
    StreamsConfig, StringSerde, Topology,
};
use streamlog::{ClientConfig, ProducerRecord, TopicPartition};

const PARTITIONS: i32 = 3;

struct Names {
    app: String,
    input: String,
    output: String,
}

/// The topology, and the handles of its stores.
struct App {
    topology: Topology,
    counts: StoreHandle<String, i64>,
    sums: StoreHandle<String, i64>,
}

fn topology(n: &Names) -> App {
    let b = StreamsBuilder::new();
    let orders = b.stream(&n.input, Consumed::with(StringSerde, I64Serde));
    let grouped = orders.group_by_key(Grouped::with(StringSerde, I64Serde));
    let counts = Materialized::with(StringSerde, I64Serde).named("counts");
    let counts_store = counts.handle();
    grouped.count(counts);
    let sums = grouped.reduce(
        |a, b| a + b,
        Materialized::with(StringSerde, I64Serde).named("sums"),
    );
    orders
        .filter(|_, v| v % 5 == 0)
        .map_values(|v| v * 10)
        .to(&n.output, Produced::with(StringSerde, I64Serde));
    App {
        counts: counts_store,
        sums: sums.store_handle().unwrap(),
        topology: b.build().unwrap(),
    }
}

fn input(range: std::ops::Range<i64>) -> Vec<(String, i64)> {
    range.map(|i| (format!("k{}", i % 7), i)).collect()
}

fn produce(b: &dyn TestLog, topic: &str, records: &[(String, i64)]) {
    let producer = b.cluster().producer(&ClientConfig::new()).unwrap();
    for (k, v) in records {
        producer
            .send(
                ProducerRecord::new(topic)
                    .key(k.clone())
                    .value(v.to_be_bytes().to_vec()),
            )
            .unwrap();
    }
    producer.flush(Duration::from_secs(30)).unwrap();
}

fn run_once(b: &dyn TestLog, n: &Names, state_dir: &std::path::Path) -> BTreeMap<String, (i64, i64)> {
    let config = StreamsConfig::new(n.app.as_str())
        .commit_interval(Duration::from_millis(100))
        .num_stream_threads(1)
        .state_dir(state_dir);
    let App {
        topology,
        counts,
        sums,
    } = topology(n);
    let mut app = KafkaStreams::new(topology, b.cluster().clone(), config).unwrap();
    app.start().unwrap();
    app.wait_until_caught_up(Duration::from_secs(60)).unwrap();
    let counts = app.store(&counts).unwrap().all().unwrap();
    let sums = app.store(&sums).unwrap().all().unwrap();
    assert!(app.close(Duration::from_secs(30)));
    assert_eq!(app.state(), kstream::StreamsState::NotRunning);
    let sums: BTreeMap<String, i64> = sums.into_iter().collect();
    counts
        .into_iter()
        .map(|(k, c)| (k.clone(), (c, sums[&k])))
        .collect()
}

/// Reads `topic` from the start until every `wanted` record was seen (or 60 s passed;
/// a broker's end offsets cannot be trusted to say when to stop), then a little more,
/// so unexpected records show too.
fn read_until(b: &dyn TestLog, topic: &str, wanted: &BTreeSet<(String, i64)>) -> BTreeSet<(String, i64)> {
    let mut c = b
        .cluster()
        .consumer(&ClientConfig::new().set("auto.offset.reset", "earliest"))
        .unwrap();
    let parts: Vec<TopicPartition> = (0..PARTITIONS).map(|p| TopicPartition::new(topic, p)).collect();
    c.assign(&parts).unwrap();
    let mut seen = BTreeSet::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut extra = 0;
    while extra < 3 && Instant::now() < deadline {
        if wanted.is_subset(&seen) {
            extra += 1;
        }
        for r in c.poll(Duration::from_millis(200)).unwrap() {
            let k = String::from_utf8(r.key.unwrap().to_vec()).unwrap();
            let v = i64::from_be_bytes(r.value.unwrap().as_ref().try_into().unwrap());
            seen.insert((k, v));
        }
    }
    seen
}

fn restart_loses_nothing(b: &dyn TestLog) {
    let n = Names {
        app: backends::unique("restart"),
        input: backends::unique("orders"),
        output: backends::unique("big-orders"),
    };
    for t in [&n.input, &n.output] {
        b.create_topic(t, PARTITIONS);
    }
    for store in ["counts", "sums"] {
        // Made here so that the mock cluster, which cannot create topics, has them.
        let changelog = kstream::changelog_topic(&n.app, store);
        if !b
            .cluster()
            .admin()
            .unwrap()
            .list_topics()
            .unwrap()
            .contains(&changelog)
        {
            b.create_topic(&changelog, PARTITIONS);
        }
    }
    let all = input(0..400);
    let state = tempfile::tempdir().unwrap();

    produce(b, &n.input, &all[..200]);
    let first = run_once(b, &n, state.path());
    assert_eq!(
        first.values().map(|(c, _)| c).sum::<i64>(),
        200,
        "first half: {first:?}"
    );
    std::fs::remove_dir_all(state.path()).unwrap();

    produce(b, &n.input, &all[200..]);
    let second = run_once(b, &n, state.path());

    let mut expected: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for (k, v) in &all {
        let e = expected.entry(k.clone()).or_default();
        e.0 += 1;
        e.1 += v;
    }
    assert_eq!(
        second, expected,
        "stores after a restart with the state directory deleted"
    );

    let wanted: BTreeSet<(String, i64)> = all
        .iter()
        .filter(|(_, v)| v % 5 == 0)
        .map(|(k, v)| (k.clone(), v * 10))
        .collect();
    let outputs = read_until(b, &n.output, &wanted);
    let ends = b.cluster().admin().unwrap().all_watermarks(&n.output).unwrap();
    eprintln!("output watermarks: {ends:?}");
    assert_eq!(outputs, wanted, "every output, none lost and none unexpected");
}

#[test]
fn restart_on_the_embedded_log() {
    restart_loses_nothing(&backends::embedded());
}

#[cfg(feature = "kafka")]
#[test]
fn restart_on_the_mock_cluster() {
    restart_loses_nothing(&backends::mock());
}

#[cfg(feature = "kafka")]
#[test]
fn restart_on_the_broker() {
    if let Some(broker) = backends::broker() {
        restart_loses_nothing(&broker);
    }
}

/// Every client of the application (consumers, producers, admin, changelogs) over
/// SASL_SSL with SCRAM-SHA-512.
#[cfg(feature = "kafka")]
#[test]
fn restart_on_the_broker_over_sasl_ssl() {
    if let Some(broker) = backends::sasl_ssl_broker() {
        restart_loses_nothing(&broker);
    }
}
