//! Seed 001's trucking pipeline: truck positions as CSV -> parse -> keep the
//! non-`Normal` events -> `dangerous_driving` (JSON) -> left join with the
//! `trucking_driver` table -> `dangerous_driving_and_driver`, plus a count of
//! dangerous events per driver, queried from the running application.
//!
//! `cargo run -p streamkit-examples --bin trucking` runs it on the embedded log;
//! `--records N --seed S --out-dir DIR` writes every topic as JSON lines;
//! `--bootstrap-servers HOST:PORT` (feature `kafka`) runs it on Kafka.

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Parser;
use kstream::{
    Consumed, Grouped, I64Serde, JsonSerde, KafkaStreams, Materialized, Produced, StreamsBuilder,
    StreamsConfig, StringSerde,
};
use serde::{Deserialize, Serialize};
use streamlog::{ClientConfig, Cluster, ProducerRecord, TopicConfig};

#[derive(Parser, Debug)]
#[command(about = "Dangerous driving joined with drivers (seed 001), on the embedded log or Kafka")]
struct Args {
    /// How many truck positions to generate.
    #[arg(long, default_value_t = 100_000)]
    records: u64,
    /// The generator's seed.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Write every topic as JSON lines to DIR/<topic>.jsonl.
    #[arg(long)]
    out_dir: Option<PathBuf>,
    /// Run on Kafka at these servers instead of the embedded log.
    #[arg(long)]
    bootstrap_servers: Option<String>,
    /// Partitions of each topic.
    #[arg(long, default_value_t = 4)]
    partitions: i32,
}

/// A position report, as the trucks send it (CSV).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
struct TruckPosition {
    ts: i64,
    truck_id: i64,
    driver_id: i64,
    route_id: i64,
    event_type: String,
    latitude: f64,
    longitude: f64,
    correlation_id: i64,
}

impl TruckPosition {
    fn parse(csv: &str) -> Option<TruckPosition> {
        let f: Vec<&str> = csv.split(',').collect();
        let [ts, truck, driver, route, event, lat, lon, corr] = f.as_slice() else {
            return None;
        };
        Some(TruckPosition {
            ts: ts.parse().ok()?,
            truck_id: truck.parse().ok()?,
            driver_id: driver.parse().ok()?,
            route_id: route.parse().ok()?,
            event_type: event.to_string(),
            latitude: lat.parse().ok()?,
            longitude: lon.parse().ok()?,
            correlation_id: corr.parse().ok()?,
        })
    }
}

/// A row of the driver table.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
struct Driver {
    id: i64,
    first_name: String,
    last_name: String,
    available: String,
}

/// What `dangerous_driving_and_driver` carries (the KSQL query's columns).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
struct DangerousDrivingAndDriver {
    driver_id: i64,
    first_name: Option<String>,
    last_name: Option<String>,
    truck_id: i64,
    route_id: i64,
    event_type: String,
}

/// A small deterministic generator (xorshift), so runs with one seed are identical.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const DRIVERS: i64 = 100;
/// The time of the first position (seed 001's sample line).
const FIRST_POSITION_MS: i64 = 1_522_846_456_703;
const EVENTS: &[&str] = &[
    "Overspeed",
    "Lane Departure",
    "Unsafe following distance",
    "Unsafe tail distance",
];
const FIRST: &[&str] = &[
    "Walter", "Lila", "Laurence", "Micky", "Anne", "Jamie", "Suresh", "Ana",
];
const LAST: &[&str] = &[
    "Ward",
    "Page",
    "Lindsey",
    "Isaacson",
    "Kretchmar",
    "Engesser",
    "Rao",
    "Silva",
];

fn drivers(rng: &mut Rng) -> Vec<Driver> {
    // Driver 13 is missing from the table, so the left join shows an unknown driver.
    (1..=DRIVERS)
        .filter(|id| *id != 13)
        .map(|id| Driver {
            id,
            first_name: FIRST[rng.below(FIRST.len() as u64) as usize].into(),
            last_name: LAST[rng.below(LAST.len() as u64) as usize].into(),
            available: if rng.below(4) == 0 { "N" } else { "Y" }.into(),
        })
        .collect()
}

/// A position line in the seed's CSV shape; one in ten is a dangerous event.
fn position(rng: &mut Rng, i: u64) -> (String, String) {
    let driver = 1 + rng.below(DRIVERS as u64) as i64;
    let event = if rng.below(10) == 0 {
        EVENTS[rng.below(EVENTS.len() as u64) as usize]
    } else {
        "Normal"
    };
    let csv = format!(
        "{},{},{},{},{},{:.2},{:.2},{}",
        FIRST_POSITION_MS + i as i64 * 100,
        100 + driver,
        driver,
        1_927_624_662 + rng.below(20) as i64,
        event,
        35.0 + rng.below(800) as f64 / 100.0,
        -95.0 + rng.below(800) as f64 / 100.0,
        rng.next() as i64,
    );
    (driver.to_string(), csv)
}

fn topology() -> kstream::Result<kstream::Topology> {
    let builder = StreamsBuilder::new();
    let drivers = builder.table(
        "trucking_driver",
        Consumed::with(StringSerde, JsonSerde::<Driver>::new()),
        Materialized::with(StringSerde, JsonSerde::<Driver>::new()).named("drivers"),
    );
    let dangerous = builder
        .stream("truck_position", Consumed::with(StringSerde, StringSerde))
        .flat_map_values(|csv| TruckPosition::parse(&csv))
        .filter(|_, p| p.event_type != "Normal");
    dangerous.to("dangerous_driving", Produced::with(StringSerde, JsonSerde::new()));
    dangerous
        .left_join(&drivers, |p: &TruckPosition, d: Option<&Driver>| {
            DangerousDrivingAndDriver {
                driver_id: p.driver_id,
                first_name: d.map(|d| d.first_name.clone()),
                last_name: d.map(|d| d.last_name.clone()),
                truck_id: p.truck_id,
                route_id: p.route_id,
                event_type: p.event_type.clone(),
            }
        })
        .to(
            "dangerous_driving_and_driver",
            Produced::with(StringSerde, JsonSerde::new()),
        );
    dangerous
        .group_by_key(Grouped::with(StringSerde, JsonSerde::new()))
        .count(Materialized::with(StringSerde, I64Serde).named("dangerous-per-driver"));
    builder.build()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let cluster = match &args.bootstrap_servers {
        // Without feature `kafka` this is an error naming `bootstrap.servers`.
        Some(servers) => Cluster::connect(ClientConfig::new().bootstrap_servers(servers.as_str()))?,
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
    ] {
        if !existing.iter().any(|t| t == topic) {
            admin.create_topic(topic, &TopicConfig::new(args.partitions))?;
        }
    }

    let topology = topology()?;
    println!("{}", topology.describe());
    let app_id = format!("trucking-{}", args.seed);
    let state_dir = std::env::temp_dir().join("streamkit-trucking");
    let config = StreamsConfig::new(app_id)
        .set("commit.interval.ms", "200")?
        .set("state.dir", &state_dir.to_string_lossy())?;
    let mut app = KafkaStreams::new(topology, cluster.clone(), config)?;
    app.start()?;

    let mut rng = Rng(args.seed.max(1));
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
        producer.enqueue(record.timestamp(FIRST_POSITION_MS + i as i64 * 100))?;
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

    let counts = app.store::<String, i64>("dangerous-per-driver")?;
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
    ];
    let mut reader = cluster.consumer(&ClientConfig::new().set("auto.offset.reset", "earliest"))?;
    for topic in topics {
        let ends = admin.end_offsets(topic)?;
        let partitions: Vec<_> = (0..ends.len() as i32)
            .map(|p| streamlog::TopicPartition::new(topic, p))
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
                if topic == "dangerous_driving_and_driver" && sample.is_none() {
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
    app.close()?;
    Ok(())
}
