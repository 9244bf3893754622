//! The kstream harness: topologies on the embedded log, one stream thread, 200-byte
//! JSON records, each timed until the application has committed its whole input (from
//! its first commit; for `join`, from the first stream record produced), next to a
//! hand-written loop doing the same work in the same run where one is given. The events
//! all but `join` read are stamped one millisecond apart (the last one at the harness's
//! start): event time runs 4,000 s over the default 4,000,000 records.
//!
//! The benchmarks (`--only`, comma-separated; the default runs all but `wjoin`):
//!
//! - `map`: filter + map_values to an output topic; floor: the same decode, filter and
//!   encode in a loop over a consumer and a producer.
//! - `join`: stream-table left join against `--table-keys` RocksDB keys (the table
//!   loaded first, timed apart); the rate of the stream side.
//! - `count`: count per key over `--count-keys` keys into a RocksDB key-value store
//!   with its changelog.
//! - `wcount`: the same events counted per key in 60 s tumbling windows with 10 s grace,
//!   into a RocksDB window store with its changelog (segments of 60 s, dropped once 70 s
//!   of event time have passed them). Printed with its ratio to `count` when both ran,
//!   and next to a floor: the same decode, then a `HashMap<(key, window start), count>`
//!   per partition that drops windows past the same retention and late records.
//! - `wjoin`: a stream-stream inner join of the events with a second stream of as many
//!   payments (the same keys, each stamped 1 s after its event), 10 s join window with
//!   1 s grace, both sides' records in RocksDB window stores with changelogs, one joined
//!   record per event to an output topic. Its rate counts the records of both streams.
//!
//! - `eos`: the cost of exactly-once: `map` and `count` as above, each run under
//!   `at_least_once` and under `exactly_once_v2` (both committing every 100 ms),
//!   alternating, three rounds; medians and the exactly-once / at-least-once ratios of
//!   rate and CPU per record.
//!
//! `count`, `wcount` and `wjoin` print next to their steady rate the CPU time of the
//! whole process (stream thread, embedded log and harness alike, `/proc/self/stat`) over
//! the same interval, in CPU seconds per million input records (microseconds per record),
//! as `streams_compare` reports its children's; the `wcount` floor's is over its loop.
//!
//! ```sh
//! cargo run --release -p streamkit-benches --features rocksdb --bin kstream_bench
//! cargo run --release -p streamkit-benches --features rocksdb --bin kstream_bench -- --only count,wcount,wjoin
//! ```

use std::collections::HashMap;
use std::time::{Duration, Instant};

use clap::Parser;
use kstream::{
    Consumed, Grouped, I64Serde, JoinWindows, JsonSerde, KafkaStreams, Materialized, Produced, StoreKind,
    StreamJoined, StreamsBuilder, StreamsConfig, StringSerde, TimeWindows, Topology,
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
    /// Distinct keys counted (and joined by `wjoin`).
    #[arg(long, default_value_t = 100_000)]
    count_keys: u64,
    /// Which benchmarks: map, join, count, wcount, wjoin, eos (comma-separated).
    #[arg(long, default_value = "map,join,count,wcount")]
    only: String,
}

#[path = "../event.rs"]
mod event;
// CPU time of this process; the rest of the module is for `streams_compare`'s children.
#[allow(dead_code)]
#[path = "streams_compare/process.rs"]
mod process;

use event::{Event, PAYMENT_LAG_MS, event, payment};

// The windowed benchmarks' windows: 60 s tumbling windows with 10 s grace (`wcount`),
// and a 10 s join window with 1 s grace (`wjoin`), as `streams_compare` has them.
const WINDOW: Duration = Duration::from_secs(60);
const WINDOW_GRACE: Duration = Duration::from_secs(10);
const JOIN_WINDOW: Duration = Duration::from_secs(10);
const JOIN_GRACE: Duration = Duration::from_secs(1);

/// Produces `n` records `record(i)` to `topic`, record `i` stamped `first_ms + i` when
/// `first_ms` is given (else at the log's clock).
fn produce<V: Into<bytes::Bytes>>(
    producer: &dyn Producer,
    topic: &str,
    n: u64,
    first_ms: Option<i64>,
    record: impl Fn(u64) -> (String, V),
) {
    let mut batch = Vec::with_capacity(10_000);
    for i in 0..n {
        let (k, v) = record(i);
        let mut r = ProducerRecord::new(topic).key(k).value(v);
        if let Some(first) = first_ms {
            r = r.timestamp(first + i as i64);
        }
        batch.push(r);
        if batch.len() == 10_000 {
            producer.send_batch(std::mem::take(&mut batch)).unwrap();
        }
    }
    producer.send_batch(batch).unwrap();
    producer.flush(Duration::from_secs(60)).unwrap();
}

/// User + system CPU seconds of this process so far.
fn cpu_now(ticks: f64) -> f64 {
    process::cpu_seconds(std::process::id(), ticks).expect("/proc/self/stat is readable")
}

/// Where the applications keep their stores; removed when the harness ends.
fn state_dir() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("kstream-bench-{}", std::process::id()))
}

fn start(cluster: &Cluster, app: &str, topology: Topology, guarantee: &str) -> KafkaStreams {
    let state = state_dir();
    let config = StreamsConfig::new(app)
        .commit_interval(Duration::from_millis(100))
        .set("processing.guarantee", guarantee)
        .state_dir(&state);
    let mut streams = KafkaStreams::new(topology, cluster.clone(), config).unwrap();
    streams.start().unwrap();
    streams
}

/// What [`run`] measured.
struct Steady {
    /// Records/s from the first commit until the whole input was committed, over the
    /// records left at the first commit.
    rate: f64,
    /// From the start to the first commit.
    startup: Duration,
    /// CPU seconds of the process over the same interval, per million of those records.
    cpu_per_m: f64,
}

/// Starts the application and measures its steady rate: from its first commit (when
/// the group has formed and tasks run) until it has committed all of `topics`, over the
/// records left at the first commit, and the process's CPU time over that interval.
fn run(cluster: &Cluster, app: &str, topology: Topology, topics: &[&str], ticks: f64) -> Steady {
    run_with(cluster, app, topology, topics, ticks, "at_least_once")
}

/// [`run`] under `guarantee` (`processing.guarantee`).
fn run_with(
    cluster: &Cluster,
    app: &str,
    topology: Topology,
    topics: &[&str],
    ticks: f64,
    guarantee: &str,
) -> Steady {
    let admin = cluster.admin().unwrap();
    let total: i64 = topics
        .iter()
        .map(|t| admin.end_offsets(t).unwrap().iter().sum::<i64>())
        .sum();
    let lag = || -> i64 {
        topics
            .iter()
            .map(|t| admin.lag(app, t).unwrap().iter().map(|l| l.lag).sum::<i64>())
            .sum()
    };
    let begin = Instant::now();
    let streams = start(cluster, app, topology, guarantee);
    let (t0, cpu0, left) = loop {
        let left = lag();
        if left < total {
            break (Instant::now(), cpu_now(ticks), left);
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    streams.wait_until_caught_up(Duration::from_secs(600)).unwrap();
    let (elapsed, cpu) = (t0.elapsed(), cpu_now(ticks) - cpu0);
    assert!(
        streams.close(Duration::from_secs(60)),
        "the stream threads did not stop in 60 s"
    );
    Steady {
        rate: left as f64 / elapsed.as_secs_f64(),
        startup: t0 - begin,
        cpu_per_m: cpu / left as f64 * 1e6,
    }
}

fn rate(n: u64, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

/// A consumer of `input`'s four partitions from their beginning.
fn consumer_from_start(cluster: &Cluster, input: &str) -> Box<dyn streamlog::Consumer> {
    let mut consumer = cluster.consumer(&ClientConfig::new()).unwrap();
    let parts: Vec<_> = (0..4).map(|p| TopicPartition::new(input, p)).collect();
    consumer.assign(&parts).unwrap();
    for p in &parts {
        consumer.seek(p, Offset::Beginning).unwrap();
    }
    consumer
}

/// The same decode, filter, map and encode as the topology, in a plain loop.
fn hand_written(cluster: &Cluster, input: &str, output: &str, n: u64) -> Duration {
    let start = Instant::now();
    let mut consumer = consumer_from_start(cluster, input);
    let producer = cluster.producer(&ClientConfig::new()).unwrap();
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

/// One partition's windowed counts in the hand-written loop: what the window store
/// holds, in a map.
struct WindowCounts {
    counts: HashMap<(String, i64), i64>,
    /// The largest timestamp seen.
    stream_time: i64,
    /// When the stream time reaches this, windows past the retention are dropped.
    next_sweep: i64,
}

impl WindowCounts {
    fn new() -> Self {
        WindowCounts {
            counts: HashMap::new(),
            stream_time: i64::MIN,
            next_sweep: i64::MIN,
        }
    }

    /// Counts a record of `key` at `ts` in its tumbling window; `false` when it is late
    /// (its window closed: ended more than the grace before the stream time).
    fn add(&mut self, key: String, ts: i64) -> bool {
        let (size, grace) = (WINDOW.as_millis() as i64, WINDOW_GRACE.as_millis() as i64);
        self.stream_time = self.stream_time.max(ts);
        let start = ts - ts.rem_euclid(size);
        if start + size + grace <= self.stream_time {
            return false;
        }
        *self.counts.entry((key, start)).or_insert(0) += 1;
        // As the store drops a segment once the stream time has passed it by the
        // retention (size + grace): here once per window the stream time enters.
        if self.stream_time >= self.next_sweep {
            let oldest = self.stream_time - (size + grace);
            self.counts.retain(|(_, s), _| *s > oldest);
            self.next_sweep = self.stream_time - self.stream_time.rem_euclid(size) + size;
        }
        true
    }
}

/// The windowed count in a plain loop: the same decode as the topology, then a
/// `HashMap<(key, window start), count>` per partition. Returns the time taken, the
/// process's CPU seconds over it, and the records dropped as late (none when each
/// partition is in timestamp order, as produced).
fn hand_written_windowed_count(cluster: &Cluster, input: &str, n: u64, ticks: f64) -> (Duration, f64, u64) {
    let (start, cpu0) = (Instant::now(), cpu_now(ticks));
    let mut consumer = consumer_from_start(cluster, input);
    let mut partitions: Vec<WindowCounts> = (0..4).map(|_| WindowCounts::new()).collect();
    let (mut seen, mut late) = (0, 0);
    while seen < n {
        let records = consumer.poll(Duration::from_millis(100)).unwrap();
        seen += records.len() as u64;
        for r in records {
            let e: Event = serde_json::from_slice(r.value.as_deref().unwrap()).unwrap();
            std::hint::black_box(&e);
            let key = String::from_utf8(r.key.as_deref().unwrap().to_vec()).unwrap();
            let ts = r.timestamp.millis().unwrap();
            if !partitions[r.partition as usize].add(key, ts) {
                late += 1;
            }
        }
    }
    std::hint::black_box(&partitions);
    (start.elapsed(), cpu_now(ticks) - cpu0, late)
}

fn main() {
    let args = Args::parse();
    let only: Vec<&str> = args.only.split(',').collect();
    let ticks = process::clock_ticks();
    let cluster = Cluster::embedded();
    let admin = cluster.admin().unwrap();
    let producer = cluster.producer(&ClientConfig::new()).unwrap();
    for t in [
        "events",
        "events-join",
        "out",
        "out-hand",
        "table",
        "joined",
        "payments",
        "wjoined",
    ] {
        admin.create_topic(t, &TopicConfig::new(4)).unwrap();
    }
    // One millisecond apart, the last one now.
    let unix_ms = std::time::SystemTime::UNIX_EPOCH.elapsed().unwrap().as_millis() as i64;
    let first_ms = unix_ms - args.records as i64;
    produce(&*producer, "events", args.records, Some(first_ms), |i| {
        event(i, args.count_keys)
    });
    println!("{} records of {} bytes", args.records, event(1, 10).1.len());

    if only.contains(&"map") {
        let b = StreamsBuilder::new();
        b.stream("events", Consumed::with(StringSerde, JsonSerde::<Event>::new()))
            .filter(|_, e| e.kind != "refund")
            .map_values(|e| e.amount * 1.2)
            .to("out", Produced::with(StringSerde, JsonSerde::<f64>::new()));
        let Steady {
            rate: dsl, startup, ..
        } = run(&cluster, "bench-map", b.build().unwrap(), &["events"], ticks);
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
        let streams = start(&cluster, "bench-join", b.build().unwrap(), "at_least_once");
        streams.wait_until_caught_up(Duration::from_secs(600)).unwrap();
        let load = begin.elapsed();
        let begin = Instant::now();
        produce(&*producer, "events-join", args.records, None, |i| {
            event(i, args.table_keys)
        });
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

    // The key-value count's figures, for the windowed count's ratio.
    let mut kv_count = None;
    if only.contains(&"count") {
        let b = StreamsBuilder::new();
        b.stream("events", Consumed::with(StringSerde, JsonSerde::<Event>::new()))
            .group_by_key(Grouped::with(StringSerde, JsonSerde::new()))
            .count(
                Materialized::with(StringSerde, I64Serde)
                    .named("counts")
                    .kind(StoreKind::RocksDb),
            );
        let m = run(&cluster, "bench-count", b.build().unwrap(), &["events"], ticks);
        println!(
            "count over {} keys (RocksDB + changelog): {:.0} records/s (steady), {:.2} CPU s per M records",
            args.count_keys, m.rate, m.cpu_per_m
        );
        kv_count = Some(m);
    }

    if only.contains(&"wcount") {
        let b = StreamsBuilder::new();
        b.stream("events", Consumed::with(StringSerde, JsonSerde::<Event>::new()))
            .group_by_key(Grouped::with(StringSerde, JsonSerde::new()))
            .windowed_by(TimeWindows::of_size_and_grace(WINDOW, WINDOW_GRACE).unwrap())
            .count(
                Materialized::with(StringSerde, I64Serde)
                    .named("window-counts")
                    .kind(StoreKind::RocksDb),
            );
        let m = run(&cluster, "bench-wcount", b.build().unwrap(), &["events"], ticks);
        let (hand, hand_cpu, late) = hand_written_windowed_count(&cluster, "events", args.records, ticks);
        let hand_rate = rate(args.records, hand);
        let versus_kv = kv_count.as_ref().map_or_else(String::new, |kv| {
            format!(
                "; windowed / key-value count: {:.2}× the rate, {:.2}× the CPU per record",
                m.rate / kv.rate,
                m.cpu_per_m / kv.cpu_per_m
            )
        });
        println!(
            "windowed count, {}s tumbling windows + {}s grace, over {} keys (RocksDB window store + changelog): {:.0} records/s (steady), {:.2} CPU s per M records{versus_kv}; hand-written loop (a HashMap per (key, window start), {late} late) {hand_rate:.0} records/s, {:.2} CPU s per M records, ratio {:.2}",
            WINDOW.as_secs(),
            WINDOW_GRACE.as_secs(),
            args.count_keys,
            m.rate,
            m.cpu_per_m,
            hand_cpu / args.records as f64 * 1e6,
            hand_rate / m.rate
        );
    }

    if only.contains(&"wjoin") {
        produce(
            &*producer,
            "payments",
            args.records,
            Some(first_ms + PAYMENT_LAG_MS),
            |i| payment(i, args.count_keys),
        );
        let b = StreamsBuilder::new();
        let payments = b.stream("payments", Consumed::with(StringSerde, StringSerde));
        b.stream("events", Consumed::with(StringSerde, JsonSerde::<Event>::new()))
            .join_windowed(
                &payments,
                |e: &Event, p: &String| format!("{}:{p}", e.id),
                JoinWindows::of_time_difference_and_grace(JOIN_WINDOW, JOIN_GRACE).unwrap(),
                StreamJoined::with(StringSerde, JsonSerde::<Event>::new(), StringSerde)
                    .with_store_kind(StoreKind::RocksDb),
            )
            .to("wjoined", Produced::with(StringSerde, StringSerde));
        let m = run(
            &cluster,
            "bench-wjoin",
            b.build().unwrap(),
            &["events", "payments"],
            ticks,
        );
        let joined: i64 = admin.end_offsets("wjoined").unwrap().iter().sum();
        println!(
            "stream-stream join, {}s window + {}s grace, of {} events with as many payments over {} keys (RocksDB window stores + changelogs): {:.0} records/s of both streams (steady), {:.2} CPU s per M records; {joined} joined records",
            JOIN_WINDOW.as_secs(),
            JOIN_GRACE.as_secs(),
            args.records,
            args.count_keys,
            m.rate,
            m.cpu_per_m
        );
    }
    if only.contains(&"eos") {
        exactly_once_cost(&cluster, ticks);
    }
    let _ = std::fs::remove_dir_all(state_dir());
}

/// The `map` and `count` topologies (the latter's store in RocksDB).
fn eos_topology(pipeline: &str) -> Topology {
    let b = StreamsBuilder::new();
    let events = b.stream("events", Consumed::with(StringSerde, JsonSerde::<Event>::new()));
    if pipeline == "map" {
        events
            .filter(|_, e| e.kind != "refund")
            .map_values(|e| e.amount * 1.2)
            .to("out", Produced::with(StringSerde, JsonSerde::<f64>::new()));
    } else {
        events
            .group_by_key(Grouped::with(StringSerde, JsonSerde::new()))
            .count(
                Materialized::with(StringSerde, I64Serde)
                    .named("counts")
                    .kind(StoreKind::RocksDb),
            );
    }
    b.build().unwrap()
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// `eos`: each pipeline under both guarantees, alternating, three rounds.
fn exactly_once_cost(cluster: &Cluster, ticks: f64) {
    const GUARANTEES: [&str; 2] = ["at_least_once", "exactly_once_v2"];
    for pipeline in ["map", "count"] {
        let mut figures: [Vec<(f64, f64)>; 2] = Default::default();
        for round in 0..3 {
            for (g, guarantee) in GUARANTEES.iter().enumerate() {
                let app = format!("bench-eos-{pipeline}-{guarantee}-{round}");
                let m = run_with(
                    cluster,
                    &app,
                    eos_topology(pipeline),
                    &["events"],
                    ticks,
                    guarantee,
                );
                println!(
                    "eos {pipeline:<5} {guarantee:<15} round {round}: {:.0} records/s, {:.2} CPU s per M records",
                    m.rate, m.cpu_per_m
                );
                figures[g].push((m.rate, m.cpu_per_m));
            }
        }
        let [alos, eos] = figures.map(|f| {
            (
                median(f.iter().map(|x| x.0).collect()),
                median(f.iter().map(|x| x.1).collect()),
            )
        });
        println!(
            "eos {pipeline}: at_least_once {:.0} records/s ({:.2} CPU s/M), exactly_once_v2 {:.0} records/s ({:.2} CPU s/M); exactly-once costs {:.1}% of the rate, {:.2}× the CPU per record",
            alos.0,
            alos.1,
            eos.0,
            eos.1,
            (1.0 - eos.0 / alos.0) * 100.0,
            eos.1 / alos.1
        );
    }
}
