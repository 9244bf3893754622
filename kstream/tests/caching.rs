//! Record caching (`statestore.cache.max.bytes`, `Materialized::with_caching_disabled`):
//! with a cache, a stored table's or aggregation's updates to one key between two commits
//! are forwarded once, with the last update's timestamp; without one, every update is.
//! The differential suite checks the same against Kafka Streams' goldens; here the
//! switches, the cache's budget and the stream thread's commit.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use kstream::{
    Consumed, Grouped, I64Serde, KafkaStreams, Materialized, Produced, StoreHandle, StreamsBuilder,
    StreamsConfig, StringSerde, Topology, TopologyTestDriver,
};
use streamlog::{ClientConfig, Cluster, Offset, ProducerRecord, TopicConfig, TopicPartition};

/// Counts the words of each line, writing the counts' updates to `counts-out`.
fn word_count(caching: bool) -> (Topology, StoreHandle<String, i64>) {
    let b = StreamsBuilder::new();
    let mut m = Materialized::with(StringSerde, I64Serde).named("counts");
    if !caching {
        m = m.with_caching_disabled();
    }
    let handle = m.handle();
    b.stream("lines", Consumed::with(StringSerde, StringSerde))
        .flat_map(|_, line: String| {
            line.split_whitespace()
                .map(|w| (Some(w.to_owned()), String::new()))
                .collect::<Vec<_>>()
        })
        .group_by_key(Grouped::with(StringSerde, StringSerde))
        .count(m)
        .to_stream()
        .to(
            "counts-out",
            Produced::with(StringSerde, kstream::OptionSerde(I64Serde)),
        );
    (b.build().unwrap(), handle)
}

/// Counts the words of each line under the line's key (no repartition: one record's
/// updates are all processed before the driver's commit).
fn words_per_key(caching: bool) -> Topology {
    let b = StreamsBuilder::new();
    let mut m = Materialized::with(StringSerde, I64Serde).named("words");
    if !caching {
        m = m.with_caching_disabled();
    }
    b.stream("lines", Consumed::with(StringSerde, StringSerde))
        .flat_map_values(|line: String| line.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
        .group_by_key(Grouped::with(StringSerde, StringSerde))
        .count(m)
        .to_stream()
        .to(
            "counts-out",
            Produced::with(StringSerde, kstream::OptionSerde(I64Serde)),
        );
    b.build().unwrap()
}

fn counts_of(driver: &TopologyTestDriver, lines: &[(&str, &str)]) -> Vec<(String, Option<i64>)> {
    let input = driver.input_topic("lines", StringSerde, StringSerde);
    let out = driver.output_topic("counts-out", StringSerde, kstream::OptionSerde(I64Serde));
    for (key, line) in lines {
        input.pipe_input((*key).into(), (*line).into()).unwrap();
    }
    out.read_key_values().unwrap()
}

#[test]
fn a_commit_forwards_each_key_once_with_caching_and_every_update_without() {
    let lines = [("x", "a b c"), ("y", "d"), ("x", "e")];
    let counted = |pairs: &[(&str, i64)]| -> Vec<(String, Option<i64>)> {
        pairs.iter().map(|(k, n)| ((*k).to_owned(), Some(*n))).collect()
    };
    // The driver commits after each record, with Kafka's default 10 MiB cache.
    let driver = TopologyTestDriver::new(words_per_key(true)).unwrap();
    assert_eq!(
        counts_of(&driver, &lines),
        counted(&[("x", 3), ("y", 1), ("x", 4)])
    );
    // The store opts out: every update.
    let every = counted(&[("x", 1), ("x", 2), ("x", 3), ("y", 1), ("x", 4)]);
    let driver = TopologyTestDriver::new(words_per_key(false)).unwrap();
    assert_eq!(counts_of(&driver, &lines), every);
    // No cache at all.
    let config = StreamsConfig::new("caching").cache_max_bytes(0);
    let driver = TopologyTestDriver::with_config(words_per_key(true), &config).unwrap();
    assert_eq!(counts_of(&driver, &lines), every);
    // A cache too small for one entry forwards each update as it comes.
    let config = StreamsConfig::new("caching").set("cache.max.bytes.buffering", "1");
    let driver = TopologyTestDriver::with_config(words_per_key(true), &config).unwrap();
    assert_eq!(counts_of(&driver, &lines), every);
}

#[test]
fn a_bad_cache_size_names_the_key() {
    let (topology, _) = word_count(true);
    let config = StreamsConfig::new("caching").set("statestore.cache.max.bytes", "ten");
    let err = TopologyTestDriver::with_config(topology, &config).err().unwrap();
    assert!(err.to_string().contains("statestore.cache.max.bytes"), "{err}");
}

/// Runs the word count on the embedded log with a commit interval longer than the test:
/// only the final commit at `close` forwards what the cache holds.
fn run_until_closed(caching: bool, lines: &[&str]) -> Vec<(String, i64)> {
    let cluster = Cluster::embedded();
    let admin = cluster.admin().unwrap();
    admin.create_topic("lines", &TopicConfig::new(1)).unwrap();
    admin.create_topic("counts-out", &TopicConfig::new(1)).unwrap();
    let producer = cluster.producer(&ClientConfig::new()).unwrap();
    for line in lines {
        producer
            .send(ProducerRecord::new("lines").key("l").value(line.to_string()))
            .unwrap();
    }
    producer.flush(Duration::from_secs(10)).unwrap();
    let words: usize = lines.iter().map(|l| l.split_whitespace().count()).sum();

    let (topology, counts) = word_count(caching);
    let dir = tempfile::tempdir().unwrap();
    let config = StreamsConfig::new(format!("caching-{caching}"))
        .commit_interval(Duration::from_secs(3600))
        .state_dir(dir.path());
    let mut streams = KafkaStreams::new(topology, cluster.clone(), config).unwrap();
    streams.start().unwrap();
    // The store is updated at once; the counts reach every word before any commit.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let counted: i64 = streams
            .store(&counts)
            .and_then(|s| s.all())
            .map(|all| all.iter().map(|(_, n)| n).sum())
            .unwrap_or(0);
        if counted == words as i64 {
            break;
        }
        assert!(Instant::now() < deadline, "counted {counted} of {words} words");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(streams.close(Duration::from_secs(30)));

    let mut consumer = cluster.consumer(&ClientConfig::new()).unwrap();
    let tp = TopicPartition::new("counts-out", 0);
    consumer.assign(std::slice::from_ref(&tp)).unwrap();
    consumer.seek(&tp, Offset::Beginning).unwrap();
    let end = admin.watermarks(&tp).unwrap().high;
    let mut out = Vec::new();
    while (out.len() as i64) < end {
        for r in consumer.poll(Duration::from_millis(200)).unwrap() {
            let key = String::from_utf8(r.key.unwrap().to_vec()).unwrap();
            let n = i64::from_be_bytes(r.value.unwrap().as_ref().try_into().unwrap());
            out.push((key, n));
        }
    }
    out
}

#[test]
fn the_stream_thread_forwards_the_cache_at_its_commit() {
    let lines = ["a b a", "b c", "a a c", "b"];
    let cached = run_until_closed(true, &lines);
    // One record per key, at the final commit, with the final count.
    let finals: BTreeMap<String, i64> = cached.iter().cloned().collect();
    assert_eq!(cached.len(), 3, "{cached:?}");
    assert_eq!(
        finals,
        BTreeMap::from([("a".into(), 4), ("b".into(), 3), ("c".into(), 2)])
    );
    // Without caching, every update.
    let uncached = run_until_closed(false, &lines);
    assert_eq!(uncached.len(), 9, "{uncached:?}");
    let finals_uncached: BTreeMap<String, i64> = uncached.iter().cloned().collect();
    assert_eq!(finals_uncached, finals);
}
