//! The kstream harness: topologies on the embedded log, one stream thread, 200-byte
//! JSON records, each timed from start until the application has committed its whole
//! input, next to a hand-written loop doing the same work in the same run.
//!
//! `cargo run --release -p streamkit-benches --features rocksdb --bin kstream_bench`

use std::time::{Duration, Instant};

use clap::Parser;
use kstream::{
    Consumed, Grouped, I64Serde, JsonSerde, KafkaStreams, Materialized, Produced, StoreKind, StreamsBuilder,
    StreamsConfig, StringSerde, Topology,
};
use streamlog::{ClientConfig, Cluster, Offset, Producer, ProducerRecord, TopicConfig, TopicPartition};

#[derive(Parser)]
struct Args {
    /// Records per run. The application counts as done when it has committed its
    /// whole input, and it commits every 100 ms: runs of a few seconds keep that step
    /// a small part of the time measured.
    #[arg(long, default_value_t = 4_000_000)]
    records: u64,
    /// Keys of the table joined against.
    #[arg(long, default_value_t = 1_000_000)]
    table_keys: u64,
    /// Distinct keys counted.
    #[arg(long, default_value_t = 100_000)]
    count_keys: u64,
    /// Which benchmarks: map, join, count (comma-separated).
    #[arg(long, default_value = "map,join,count")]
    only: String,
}

#[path = "../event.rs"]
mod event;

use event::{Event, event};

fn produce(producer: &dyn Producer, topic: &str, n: u64, keys: u64) {
    let mut batch = Vec::with_capacity(10_000);
    for i in 0..n {
        let (k, v) = event(i, keys);
        batch.push(ProducerRecord::new(topic).key(k).value(v));
        if batch.len() == 10_000 {
            producer.send_batch(std::mem::take(&mut batch)).unwrap();
        }
    }
    producer.send_batch(batch).unwrap();
    producer.flush(Duration::from_secs(60)).unwrap();
}

/// Where the applications keep their stores; removed when the harness ends.
fn state_dir() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("kstream-bench-{}", std::process::id()))
}

fn start(cluster: &Cluster, app: &str, topology: Topology) -> KafkaStreams {
    let state = state_dir();
    let config = StreamsConfig::new(app)
        .commit_interval(Duration::from_millis(100))
        .state_dir(&state);
    let mut streams = KafkaStreams::new(topology, cluster.clone(), config).unwrap();
    streams.start().unwrap();
    streams
}

/// Starts the application and measures its steady rate: from its first commit (when
/// the group has formed and tasks run) until it has committed all of `topic`, over the
/// records left at the first commit. Returns (records/s, time to the first commit).
fn run(cluster: &Cluster, app: &str, topology: Topology, topic: &str) -> (f64, Duration) {
    let admin = cluster.admin().unwrap();
    let total: i64 = admin.end_offsets(topic).unwrap().iter().sum();
    let lag = || -> i64 { admin.lag(app, topic).unwrap().iter().map(|l| l.lag).sum() };
    let begin = Instant::now();
    let streams = start(cluster, app, topology);
    let (t0, left) = loop {
        let left = lag();
        if left < total {
            break (Instant::now(), left);
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    streams.wait_until_caught_up(Duration::from_secs(600)).unwrap();
    let rate = left as f64 / t0.elapsed().as_secs_f64();
    assert!(
        streams.close(Duration::from_secs(60)),
        "the stream threads did not stop in 60 s"
    );
    (rate, t0 - begin)
}

fn rate(n: u64, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

/// The same decode, filter, map and encode as the topology, in a plain loop.
fn hand_written(cluster: &Cluster, input: &str, output: &str, n: u64) -> Duration {
    let start = Instant::now();
    let mut consumer = cluster.consumer(&ClientConfig::new()).unwrap();
    let producer = cluster.producer(&ClientConfig::new()).unwrap();
    let parts: Vec<_> = (0..4).map(|p| TopicPartition::new(input, p)).collect();
    consumer.assign(&parts).unwrap();
    for p in &parts {
        consumer.seek(p, Offset::Beginning).unwrap();
    }
    let topic: std::sync::Arc<str> = output.into();
    let mut seen = 0;
    while seen < n {
        let records = consumer.poll(Duration::from_millis(100)).unwrap();
        seen += records.len() as u64;
        let mut out = Vec::with_capacity(records.len());
        for r in records {
            let e: Event = serde_json::from_slice(r.value.as_deref().unwrap()).unwrap();
            if e.kind != "refund" {
                let amount = e.amount * 1.2;
                let mut rec = ProducerRecord::new(topic.clone());
                rec.key = r.key.clone();
                rec.value = Some(serde_json::to_vec(&amount).unwrap().into());
                out.push(rec);
            }
        }
        producer.send_batch(out).unwrap();
    }
    producer.flush(Duration::from_secs(60)).unwrap();
    start.elapsed()
}

fn main() {
    let args = Args::parse();
    let only: Vec<&str> = args.only.split(',').collect();
    let cluster = Cluster::embedded();
    let admin = cluster.admin().unwrap();
    let producer = cluster.producer(&ClientConfig::new()).unwrap();
    for t in ["events", "events-join", "out", "out-hand", "table", "joined"] {
        admin.create_topic(t, &TopicConfig::new(4)).unwrap();
    }
    produce(&*producer, "events", args.records, args.count_keys);
    println!("{} records of {} bytes", args.records, event(1, 10).1.len());

    if only.contains(&"map") {
        let b = StreamsBuilder::new();
        b.stream("events", Consumed::with(StringSerde, JsonSerde::<Event>::new()))
            .filter(|_, e| e.kind != "refund")
            .map_values(|e| e.amount * 1.2)
            .to("out", Produced::with(StringSerde, JsonSerde::<f64>::new()));
        let (dsl, startup) = run(&cluster, "bench-map", b.build().unwrap(), "events");
        let hand = rate(
            args.records,
            hand_written(&cluster, "events", "out-hand", args.records),
        );
        println!(
            "filter+map_values: kstream {dsl:.0} records/s (steady, after {startup:.2?} to the first commit), hand-written loop {hand:.0} records/s, ratio {:.2}",
            hand / dsl
        );
    }

    if only.contains(&"join") {
        // The table: every user of the stream, plus more, in RocksDB.
        let mut batch = Vec::new();
        for i in 0..args.table_keys {
            batch.push(
                ProducerRecord::new("table")
                    .key(format!("user-{i}"))
                    .value(format!("{{\"tier\":{}}}", i % 5)),
            );
            if batch.len() == 10_000 {
                producer.send_batch(std::mem::take(&mut batch)).unwrap();
            }
        }
        producer.send_batch(batch).unwrap();
        producer.flush(Duration::from_secs(60)).unwrap();
        let b = StreamsBuilder::new();
        let table = b.table(
            "table",
            Consumed::with(StringSerde, StringSerde),
            Materialized::with(StringSerde, StringSerde)
                .named("tiers")
                .kind(StoreKind::RocksDb),
        );
        b.stream(
            "events-join",
            Consumed::with(StringSerde, JsonSerde::<Event>::new()),
        )
        .left_join(&table, |e, t| {
            format!("{}:{}", e.id, t.map_or("none", |t| t.as_str()))
        })
        .to("joined", Produced::with(StringSerde, StringSerde));
        // Load the table first (timed apart), then time the stream side: from the first
        // stream record produced until all are committed.
        let begin = Instant::now();
        let streams = start(&cluster, "bench-join", b.build().unwrap());
        streams.wait_until_caught_up(Duration::from_secs(600)).unwrap();
        let load = begin.elapsed();
        let begin = Instant::now();
        produce(&*producer, "events-join", args.records, args.table_keys);
        streams.wait_until_caught_up(Duration::from_secs(600)).unwrap();
        let join = begin.elapsed();
        assert!(
            streams.close(Duration::from_secs(60)),
            "the stream threads did not stop in 60 s"
        );
        println!(
            "stream-table left join against {} RocksDB keys (loaded in {:.2?}): {:.0} stream records/s",
            args.table_keys,
            load,
            rate(args.records, join)
        );
    }

    if only.contains(&"count") {
        let b = StreamsBuilder::new();
        b.stream("events", Consumed::with(StringSerde, JsonSerde::<Event>::new()))
            .group_by_key(Grouped::with(StringSerde, JsonSerde::new()))
            .count(
                Materialized::with(StringSerde, I64Serde)
                    .named("counts")
                    .kind(StoreKind::RocksDb),
            );
        let (rate, _) = run(&cluster, "bench-count", b.build().unwrap(), "events");
        println!(
            "count over {} keys (RocksDB + changelog): {rate:.0} records/s (steady)",
            args.count_keys
        );
    }
    let _ = std::fs::remove_dir_all(state_dir());
}
