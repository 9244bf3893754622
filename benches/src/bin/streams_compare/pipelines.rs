//! The four pipelines as kstream topologies, and the records they read: the 200-byte
//! JSON events of `kstream_bench` and the trucking example's positions and drivers. The
//! Java side (`peers/.../bench/StreamsBench.java`) builds the same topologies.

use std::time::Duration;

use kstream::{
    Consumed, Grouped, I64Serde, JsonSerde, Materialized, Produced, StoreKind, StreamsBuilder, StringSerde,
    Topology,
};
use serde::{Deserialize, Serialize};
use streamlog::{Producer, ProducerRecord};

/// The record of `kstream_bench`: about 200 bytes of JSON.
#[derive(Serialize, Deserialize, Clone)]
pub struct Event {
    id: u64,
    user: String,
    kind: String,
    amount: f64,
    note: String,
}

/// Event `i`, keyed by its user (one of `keys`).
pub fn event(i: u64, keys: u64) -> (String, Vec<u8>) {
    let e = Event {
        id: i,
        user: format!("user-{}", i % keys),
        kind: if i.is_multiple_of(4) { "refund" } else { "purchase" }.into(),
        amount: (i % 1000) as f64 / 10.0,
        note: "x".repeat(135),
    };
    let value = serde_json::to_vec(&e).expect("an event serializes");
    (e.user, value)
}

/// A position report, as the trucks send it (CSV).
#[derive(Debug, Clone, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    id: i64,
    first_name: String,
    last_name: String,
    available: String,
}

/// What `dangerous_driving_and_driver` carries.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DangerousDrivingAndDriver {
    driver_id: i64,
    first_name: Option<String>,
    last_name: Option<String>,
    truck_id: i64,
    route_id: i64,
    event_type: String,
}

/// The trucking example's generator (xorshift), so runs with one seed are identical.
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
/// The time of the first position (the seed's sample line).
pub const FIRST_POSITION_MS: i64 = 1_522_846_456_703;
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

/// Produces `n` events keyed over `keys` users to `topic`.
pub fn produce_events(producer: &dyn Producer, topic: &str, n: u64, keys: u64) -> streamlog::Result<()> {
    for i in 0..n {
        let (k, v) = event(i, keys);
        producer.enqueue(ProducerRecord::new(topic).key(k).value(v))?;
    }
    producer.flush(Duration::from_secs(120))
}

/// Produces the join's table: `keys` users with a small JSON value each.
pub fn produce_table(producer: &dyn Producer, topic: &str, keys: u64) -> streamlog::Result<()> {
    for i in 0..keys {
        let record = ProducerRecord::new(topic)
            .key(format!("user-{i}"))
            .value(format!("{{\"tier\":{}}}", i % 5));
        producer.enqueue(record)?;
    }
    producer.flush(Duration::from_secs(120))
}

/// Produces the trucking example's input: the driver table (99 drivers, older than
/// every position) and `n` CSV positions, one in ten of them dangerous. Returns the
/// number of drivers.
pub fn produce_trucking(
    producer: &dyn Producer,
    positions: &str,
    drivers: &str,
    n: u64,
    seed: u64,
) -> streamlog::Result<u64> {
    let mut rng = Rng(seed.max(1));
    let table: Vec<Driver> = (1..=DRIVERS)
        .filter(|id| *id != 13)
        .map(|id| Driver {
            id,
            first_name: FIRST[rng.below(FIRST.len() as u64) as usize].into(),
            last_name: LAST[rng.below(LAST.len() as u64) as usize].into(),
            available: if rng.below(4) == 0 { "N" } else { "Y" }.into(),
        })
        .collect();
    for d in &table {
        let value = serde_json::to_vec(d).expect("a driver serializes");
        let record = ProducerRecord::new(drivers)
            .key(d.id.to_string())
            .value(value)
            .timestamp(FIRST_POSITION_MS - 60_000);
        producer.enqueue(record)?;
    }
    for i in 0..n {
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
        let record = ProducerRecord::new(positions)
            .key(driver.to_string())
            .value(csv)
            .timestamp(FIRST_POSITION_MS + i as i64 * 100);
        producer.enqueue(record)?;
    }
    producer.flush(Duration::from_secs(120))?;
    Ok(table.len() as u64)
}

/// The topology of `pipeline` over `inputs` (the stream first, then the table) and
/// `outputs`, as `StreamsBench.java` builds it.
pub fn topology(pipeline: &str, inputs: &[String], outputs: &[String]) -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    let events = || Consumed::with(StringSerde, JsonSerde::<Event>::new());
    match pipeline {
        "map" => b
            .stream(&inputs[0], events())
            .filter(|_, e| e.kind != "refund")
            .map_values(|e| e.amount * 1.2)
            .to(&outputs[0], Produced::with(StringSerde, JsonSerde::<f64>::new())),
        "join" => {
            let table = b.table(
                &inputs[1],
                Consumed::with(StringSerde, StringSerde),
                Materialized::with(StringSerde, StringSerde)
                    .named("tiers")
                    .kind(StoreKind::RocksDb),
            );
            b.stream(&inputs[0], events())
                .left_join(&table, |e, t| {
                    format!("{}:{}", e.id, t.map_or("none", |t| t.as_str()))
                })
                .to(&outputs[0], Produced::with(StringSerde, StringSerde));
        }
        "count" => {
            b.stream(&inputs[0], events())
                .group_by_key(Grouped::with(StringSerde, JsonSerde::new()))
                .count(
                    Materialized::with(StringSerde, I64Serde)
                        .named("counts")
                        .kind(StoreKind::RocksDb),
                );
        }
        "trucking" => {
            let drivers = b.table(
                &inputs[1],
                Consumed::with(StringSerde, JsonSerde::<Driver>::new()),
                Materialized::with(StringSerde, JsonSerde::<Driver>::new())
                    .named("drivers")
                    .kind(StoreKind::RocksDb),
            );
            let dangerous = b
                .stream(&inputs[0], Consumed::with(StringSerde, StringSerde))
                .flat_map_values(|csv| TruckPosition::parse(&csv))
                .filter(|_, p| p.event_type != "Normal");
            dangerous.to(&outputs[0], Produced::with(StringSerde, JsonSerde::new()));
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
                .to(&outputs[1], Produced::with(StringSerde, JsonSerde::new()));
            dangerous
                .group_by_key(Grouped::with(StringSerde, JsonSerde::new()))
                .count(
                    Materialized::with(StringSerde, I64Serde)
                        .named("dangerous-per-driver")
                        .kind(StoreKind::RocksDb),
                );
        }
        other => {
            return Err(kstream::Error::Topology(format!(
                "unknown pipeline `{other}` (map, join, count, trucking)"
            )));
        }
    }
    b.build()
}
