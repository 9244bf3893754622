//! Restoring a RocksDB store from its changelog: `--keys` records (one per key) are
//! written to the changelog of a count's store, then the count starts with an empty
//! state directory and restores them. Reports the restore's rate (from the first
//! store's start to the last one's end, as a `StateRestoreListener` hears them) and its
//! CPU time, next to the floor of the same run: a plain consumer reading the same
//! changelog partitions to their end, each record lent (`poll_each`) and not copied.
//!
//! ```sh
//! cargo run --release -p streamkit-benches --features rocksdb --bin restore_bench -- --keys 1000000
//! # on a broker (feature kafka): --bootstrap-servers 127.0.0.1:9092
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use kstream::{
    Consumed, Grouped, I64Serde, KafkaStreams, Materialized, StateRestoreListener, StoreKind, StreamsBuilder,
    StreamsConfig, StreamsState, StringSerde,
};
use parking_lot::Mutex;
use streamlog::{ClientConfig, Cluster, Offset, ProducerRecord, TopicConfig, TopicPartition};

// CPU time of this process; the rest of the module is for `streams_compare`'s children.
#[allow(dead_code)]
#[path = "streams_compare/process.rs"]
mod process;

#[derive(Parser)]
struct Args {
    /// Keys in the changelog (one record each).
    #[arg(long, default_value_t = 1_000_000)]
    keys: u64,
    /// Partitions of the changelog (and of the count's input topic).
    #[arg(long, default_value_t = 4)]
    partitions: i32,
    /// A Kafka broker (feature `kafka`); the embedded log when not given.
    #[arg(long)]
    bootstrap_servers: Option<String>,
    /// The Java peers' classpath: with a broker, Kafka Streams 4.4 restores the same
    /// changelog after kstream, in the same run (`peers/.../bench/RestoreBench.java`).
    #[arg(long, env = "STREAMKIT_PEERS_CLASSPATH")]
    peers_classpath: Option<String>,
    /// Options for the Kafka Streams JVM.
    #[arg(long, default_value = "-Xmx2g", allow_hyphen_values = true)]
    java_opts: String,
}

/// When the first store started restoring and the last one ended, and how many
/// records they replayed.
#[derive(Default)]
struct Timing(Mutex<(Option<Instant>, Option<Instant>, u64)>);

impl StateRestoreListener for Timing {
    fn on_restore_start(&self, _: &TopicPartition, _: &str, _: i64, _: i64) {
        self.0.lock().0.get_or_insert_with(Instant::now);
    }
    fn on_restore_end(&self, _: &TopicPartition, _: &str, total: u64) {
        let mut t = self.0.lock();
        t.1 = Some(Instant::now());
        t.2 += total;
    }
}

fn cluster(args: &Args) -> Cluster {
    match &args.bootstrap_servers {
        None => Cluster::embedded(),
        #[cfg(feature = "kafka")]
        Some(servers) => Cluster::kafka(ClientConfig::new().set("bootstrap.servers", servers.as_str()))
            .expect("a Kafka cluster"),
        #[cfg(not(feature = "kafka"))]
        Some(_) => panic!("--bootstrap-servers needs feature `kafka`"),
    }
}

fn cpu_now(ticks: f64) -> f64 {
    process::cpu_seconds(std::process::id(), ticks).expect("/proc/self/stat is readable")
}

fn main() {
    let args = Args::parse();
    let ticks = process::clock_ticks();
    let cluster = cluster(&args);
    let app = format!("bench-restore-{}", std::process::id());
    let input = format!("{app}-input");
    let changelog = kstream::changelog_topic(&app, "counts");
    let admin = cluster.admin().unwrap();
    admin
        .create_topic(&input, &TopicConfig::new(args.partitions))
        .unwrap();
    admin
        .create_topic(&changelog, &TopicConfig::new(args.partitions).compacted())
        .unwrap();

    let producer = cluster.producer(&ClientConfig::new()).unwrap();
    let mut batch = Vec::with_capacity(10_000);
    for i in 0..args.keys {
        let record = ProducerRecord::new(changelog.as_str())
            .partition((i % args.partitions as u64) as i32)
            .key(format!("user-{i}"))
            .value((i as i64).to_be_bytes().to_vec())
            .timestamp(1_000_000 + i as i64);
        batch.push(record);
        if batch.len() == batch.capacity() {
            producer.send_batch(std::mem::take(&mut batch)).unwrap();
        }
    }
    producer.send_batch(batch).unwrap();
    producer.flush(Duration::from_secs(120)).unwrap();

    // The floor: the same partitions read to their end by a plain consumer.
    let parts: Vec<TopicPartition> = (0..args.partitions)
        .map(|p| TopicPartition::new(changelog.as_str(), p))
        .collect();
    let ends: Vec<i64> = parts.iter().map(|p| admin.watermarks(p).unwrap().high).collect();
    let mut floor_config = ClientConfig::new().set("enable.auto.commit", "false");
    for kv in std::env::var("FLOOR_CONFIG")
        .unwrap_or_default()
        .split(',')
        .filter(|s| !s.is_empty())
    {
        let (k, v) = kv.split_once('=').expect("k=v");
        floor_config = floor_config.set(k, v);
    }
    let mut consumer = cluster.consumer(&floor_config).unwrap();
    consumer.assign(&parts).unwrap();
    for p in &parts {
        consumer.seek(p, Offset::Beginning).unwrap();
    }
    let (begin, cpu_begin) = (Instant::now(), cpu_now(ticks));
    let mut read = 0u64;
    while read < ends.iter().sum::<i64>() as u64 {
        // Records lent, not copied: the cheapest read there is.
        let mut key_bytes = 0u64;
        read += consumer
            .poll_each(Duration::from_millis(200), &mut |r| {
                key_bytes += r.key.map_or(0, |k| k.len() as u64);
            })
            .unwrap() as u64;
        std::hint::black_box(key_bytes);
    }
    let (floor_time, floor_cpu) = (begin.elapsed(), cpu_now(ticks) - cpu_begin);
    drop(consumer);

    let b = StreamsBuilder::new();
    b.stream(&input, Consumed::with(StringSerde, StringSerde))
        .group_by_key(Grouped::with(StringSerde, StringSerde))
        .count(
            Materialized::with(StringSerde, I64Serde)
                .named("counts")
                .kind(StoreKind::RocksDb),
        );
    let state = std::env::temp_dir().join(format!("{app}-state"));
    let config = StreamsConfig::new(app.as_str()).state_dir(&state);
    let mut streams = KafkaStreams::new(b.build().unwrap(), cluster.clone(), config).unwrap();
    let timing = Arc::new(Timing::default());
    streams.set_global_state_restore_listener(timing.clone()).unwrap();
    let (started, cpu_begin) = (Instant::now(), cpu_now(ticks));
    streams.start().unwrap();
    while streams.state() != StreamsState::Running {
        let state = streams.state();
        assert!(
            !matches!(state, StreamsState::Error | StreamsState::NotRunning),
            "the application stopped: {state:?}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "not running after 10 minutes"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let (to_running, cpu) = (started.elapsed(), cpu_now(ticks) - cpu_begin);
    assert!(streams.close(Duration::from_secs(60)));
    let _ = std::fs::remove_dir_all(&state);
    let (first, last, total) = *timing.0.lock();
    let restore = last.expect("a restore ended") - first.expect("a restore started");
    assert_eq!(total, args.keys, "every changelog record restored");

    let rate = |n: u64, t: Duration| n as f64 / t.as_secs_f64();
    let kafka_streams = match (&args.bootstrap_servers, &args.peers_classpath) {
        (Some(servers), Some(classpath)) => {
            Some(kafka_streams_restore(&args, servers, classpath, &app, &input))
        }
        _ => None,
    };
    println!(
        "restore of {} keys into RocksDB from {} changelog partitions: {:.0} records/s (first start to last end, {:.2?}; {:.2?} from start() to running), {:.2} CPU s per M records (the process, start() to running)",
        args.keys,
        args.partitions,
        rate(total, restore),
        restore,
        to_running,
        cpu / (args.keys as f64 / 1e6),
    );
    println!(
        "floor, a plain consumer reading the same partitions: {:.0} records/s, {:.2} CPU s per M records; restore / floor: {:.2}",
        rate(read, floor_time),
        floor_cpu / (read as f64 / 1e6),
        rate(total, restore) / rate(read, floor_time),
    );
    if let Some(ks) = kafka_streams {
        let ks_rate = rate(ks.restored, ks.restore);
        println!(
            "Kafka Streams 4.4 restoring the same changelog: {:.0} records/s ({:.2?}; {:.2?} from start() to running), {:.2} CPU s per M records (the JVM, start() to running); kstream / Kafka Streams: {:.2}",
            ks_rate,
            ks.restore,
            ks.to_running,
            ks.cpu.as_secs_f64() / (ks.restored as f64 / 1e6),
            rate(total, restore) / ks_rate,
        );
    }
}

/// What Kafka Streams' restore of the changelog took.
struct PeerRestore {
    restored: u64,
    restore: Duration,
    to_running: Duration,
    cpu: Duration,
}

/// Runs `RestoreBench.java`: Kafka Streams restores the changelog kstream restored,
/// into an empty state directory of its own.
fn kafka_streams_restore(args: &Args, servers: &str, classpath: &str, app: &str, input: &str) -> PeerRestore {
    let state = std::env::temp_dir().join(format!("{app}-ks-state"));
    let out = std::process::Command::new("java")
        .args(args.java_opts.split_whitespace())
        .args(["-cp", classpath, "dev.streamkit.peers.bench.RestoreBench"])
        .args([
            servers,
            app,
            input,
            &state.display().to_string(),
            &args.keys.to_string(),
        ])
        .output()
        .expect("java runs");
    let _ = std::fs::remove_dir_all(&state);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "RestoreBench failed: {}\n{text}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let line = text
        .lines()
        .find(|l| l.starts_with("restored="))
        .unwrap_or_else(|| panic!("RestoreBench printed no figures:\n{text}"));
    let field = |name: &str| -> u64 {
        line.split_whitespace()
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in `{line}`"))
    };
    PeerRestore {
        restored: field("restored"),
        restore: Duration::from_nanos(field("restore_ns")),
        to_running: Duration::from_nanos(field("running_ns")),
        cpu: Duration::from_nanos(field("cpu_ns")),
    }
}
