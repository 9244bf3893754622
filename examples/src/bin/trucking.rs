//! Seed 001's trucking pipeline: truck positions as CSV -> parse -> keep the
//! non-`Normal` events -> `dangerous_driving` (JSON) -> left join with the
//! `trucking_driver` table -> `dangerous_driving_and_driver`, plus a count of
//! dangerous events per driver, queried from the running application.
//!
//! Seed 004's alert runs along: dangerous events per driver in 30-second tumbling
//! windows (10 s of grace), each window's final count only, drivers with more than 3 to
//! `driver_alerts`.
//!
//! `cargo run -p streamkit-examples --bin trucking` runs it on the embedded log;
//! `--records N --seed S --out-dir DIR` writes every topic as JSON lines;
//! `--bootstrap-servers HOST:PORT` runs it on Kafka (built with `--features kafka`;
//! without it the option is refused with exit code 2).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use kstream::prelude::*;

#[path = "../error_report.rs"]
mod error_report;
// `add_to` (the pipeline without the alerts) is the `streams_compare` benchmark's.
#[allow(dead_code)]
#[path = "../trucking_pipeline.rs"]
mod trucking_pipeline;

use trucking_pipeline::{FIRST_POSITION_MS, Rng, Topics, drivers, position, position_timestamp};

#[derive(Parser, Debug)]
#[command(about = "Dangerous driving joined with drivers (seed 001), on the embedded log or Kafka")]
struct Args {
    /// How many truck positions to generate.
    #[arg(long, default_value_t = 100_000)]
    records: u64,
    /// The generator's seed.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Write every topic as JSON lines to `DIR/<topic>.jsonl`.
    #[arg(long)]
    out_dir: Option<PathBuf>,
    /// Run on Kafka at these servers instead of the embedded log.
    #[arg(long)]
    bootstrap_servers: Option<String>,
    /// Kafka client properties for every client, from a Java properties file (as
    /// Kafka's tools take them): `security.protocol`, `sasl.*`, `ssl.*` for a secured
    /// cluster.
    #[arg(long, requires = "bootstrap_servers")]
    command_config: Option<PathBuf>,
    /// Partitions of each topic.
    #[arg(long, default_value_t = 4)]
    partitions: i32,
}

/// The topology, and the handle of its per-driver counts.
fn topology() -> kstream::Result<(Topology, StoreHandle<String, i64>)> {
    let builder = StreamsBuilder::new();
    let topics = Topics {
        positions: "truck_position",
        drivers: "trucking_driver",
        dangerous: "dangerous_driving",
        joined: "dangerous_driving_and_driver",
    };
    let per_driver =
        trucking_pipeline::add_with_alerts(&builder, &topics, "driver_alerts", StoreKind::InMemory)?;
    Ok((builder.build()?, per_driver))
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.bootstrap_servers.is_some() && !cfg!(feature = "kafka") {
        eprintln!(
            "trucking: --bootstrap-servers needs the Kafka backend, which this build lacks: \
             rebuild with `cargo run -p streamkit-examples --features kafka --bin trucking -- ...`"
        );
        return ExitCode::from(error_report::USAGE);
    }
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => error_report::fail("trucking", &*e),
    }
}

fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let cluster = match &args.bootstrap_servers {
        Some(servers) => {
            let properties = match &args.command_config {
                Some(path) => ClientConfig::from_properties_file(path)?,
                None => ClientConfig::new(),
            };
            Cluster::connect(properties.bootstrap_servers(servers.as_str()))?
        }
        None => Cluster::embedded(),
    };
    println!(
        "trucking on the {} backend: {} positions, seed {}",
        cluster.backend_name(),
        args.records,
        args.seed
    );
    let admin = cluster.admin()?;
    let existing = admin.list_topics()?;
    for topic in [
        "truck_position",
        "trucking_driver",
        "dangerous_driving",
        "dangerous_driving_and_driver",
        "driver_alerts",
    ] {
        if !existing.iter().any(|t| t == topic) {
            admin.create_topic(topic, &TopicConfig::new(args.partitions))?;
        }
    }

    let (topology, per_driver) = topology()?;
    println!("{}", topology.describe());
    let app_id = format!("trucking-{}", args.seed);
    let state_dir = std::env::temp_dir().join("streamkit-trucking");
    let config = StreamsConfig::new(app_id)
        .commit_interval(Duration::from_millis(200))
        .state_dir(&state_dir);
    let mut app = KafkaStreams::new(topology, cluster.clone(), config)?;
    app.start()?;

    let mut rng = Rng::new(args.seed);
    let producer = cluster.producer(&ClientConfig::new())?;
    for d in drivers(&mut rng) {
        let value = serde_json::to_vec(&d)?;
        // The driver table is older than every position (event time decides the order
        // in which a task reads its partitions).
        let record = ProducerRecord::new("trucking_driver")
            .key(d.id.to_string())
            .value(value);
        producer.enqueue(record.timestamp(FIRST_POSITION_MS - 60_000))?;
    }
    producer.flush(Duration::from_secs(30))?;
    let start = Instant::now();
    for i in 0..args.records {
        let (key, csv) = position(&mut rng, i);
        // The record's timestamp is the position's own (event time).
        let record = ProducerRecord::new("truck_position").key(key).value(csv);
        producer.enqueue(record.timestamp(position_timestamp(i)))?;
        if (i + 1).is_multiple_of(20_000) {
            eprint!("\rproduced {} positions", i + 1);
        }
    }
    producer.flush(Duration::from_secs(60))?;
    eprintln!("\rproduced {} positions in {:.2?}", args.records, start.elapsed());
    app.wait_until_caught_up(Duration::from_secs(300))?;
    let elapsed = start.elapsed();
    println!(
        "processed {} positions in {:.2?} ({:.0} records/s)",
        args.records,
        elapsed,
        args.records as f64 / elapsed.as_secs_f64()
    );

    let counts = app.store(&per_driver)?;
    let mut top = counts.all()?;
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    println!("dangerous events per driver (top 5 of {}):", top.len());
    for (driver, n) in top.iter().take(5) {
        println!("  driver {driver:>3}: {n}");
    }

    let topics = [
        "truck_position",
        "trucking_driver",
        "dangerous_driving",
        "dangerous_driving_and_driver",
        "driver_alerts",
    ];
    let mut reader = cluster.consumer(&ClientConfig::new().set("auto.offset.reset", "earliest"))?;
    for topic in topics {
        let ends = admin.end_offsets(topic)?;
        let partitions: Vec<_> = (0..ends.len() as i32)
            .map(|p| TopicPartition::new(topic, p))
            .collect();
        // No group and no committed offsets: each partition starts at its beginning.
        reader.assign(&partitions)?;
        let total: i64 = ends.iter().sum();
        let mut file = match &args.out_dir {
            Some(dir) => {
                std::fs::create_dir_all(dir)?;
                Some(std::io::BufWriter::new(std::fs::File::create(
                    dir.join(format!("{topic}.jsonl")),
                )?))
            }
            None => None,
        };
        let mut read = 0;
        let mut sample = None;
        let deadline = Instant::now() + Duration::from_secs(60);
        while read < total && Instant::now() < deadline {
            for r in reader.poll(Duration::from_millis(200))? {
                read += 1;
                let value = r
                    .value
                    .as_deref()
                    .map(String::from_utf8_lossy)
                    .unwrap_or_default()
                    .into_owned();
                let key = r
                    .key
                    .as_deref()
                    .map(String::from_utf8_lossy)
                    .unwrap_or_default()
                    .into_owned();
                if matches!(topic, "dangerous_driving_and_driver" | "driver_alerts") && sample.is_none() {
                    sample = Some(value.clone());
                }
                if let Some(f) = file.as_mut() {
                    let line = serde_json::json!({"partition": r.partition, "offset": r.offset, "timestamp": r.timestamp.millis(), "key": key, "value": value});
                    writeln!(f, "{line}")?;
                }
            }
        }
        println!("{topic}: {read} records");
        if let Some(s) = sample {
            println!("  sample: {s}");
        }
    }
    if !app.close(Duration::from_secs(60)) {
        return Err("the stream threads did not stop within 60 s".into());
    }
    Ok(())
}
