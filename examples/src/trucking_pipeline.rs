//! Seed 001's trucking pipeline, shared by the `trucking` example and the
//! `streams_compare` benchmark (which includes this file by path, so that nothing depends
//! on the examples crate): the records, a deterministic input generator and the topology.

use kstream::prelude::*;
use serde::{Deserialize, Serialize};

/// A position report, as the trucks send it (CSV).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TruckPosition {
    pub ts: i64,
    pub truck_id: i64,
    pub driver_id: i64,
    pub route_id: i64,
    pub event_type: String,
    pub latitude: f64,
    pub longitude: f64,
    pub correlation_id: i64,
}

impl TruckPosition {
    /// Parses one CSV line; `None` for a line that does not have the eight fields.
    pub fn parse(csv: &str) -> Option<TruckPosition> {
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
pub struct Driver {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub available: String,
}

/// What `dangerous_driving_and_driver` carries (the KSQL query's columns).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DangerousDrivingAndDriver {
    pub driver_id: i64,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub truck_id: i64,
    pub route_id: i64,
    pub event_type: String,
}

/// A small deterministic generator (xorshift), so runs with one seed are identical.
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed` (0 counts as 1: xorshift cannot leave 0).
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }
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

/// The driver table. Driver 13 is missing from it, so the left join shows an unknown
/// driver.
pub fn drivers(rng: &mut Rng) -> Vec<Driver> {
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

/// The driver who drives dangerously all the time: one position in twenty is theirs,
/// and every one is a dangerous event (so `driver_alerts` has something to say).
pub const RECKLESS_DRIVER: i64 = 31;

/// Position `i` as (driver id, CSV line in the seed's shape), stamped
/// `FIRST_POSITION_MS + i * 100`; one in ten of the other drivers' is a dangerous event.
pub fn position(rng: &mut Rng, i: u64) -> (String, String) {
    let reckless = rng.below(20) == 0;
    let driver = if reckless {
        RECKLESS_DRIVER
    } else {
        1 + rng.below(DRIVERS as u64) as i64
    };
    let event = if reckless || rng.below(10) == 0 {
        EVENTS[rng.below(EVENTS.len() as u64) as usize]
    } else {
        "Normal"
    };
    let csv = format!(
        "{},{},{},{},{},{:.2},{:.2},{}",
        position_timestamp(i),
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

/// The timestamp of position `i`.
pub fn position_timestamp(i: u64) -> i64 {
    FIRST_POSITION_MS + i as i64 * 100
}

/// The topics the pipeline reads and writes.
pub struct Topics<'a> {
    /// Positions in (CSV).
    pub positions: &'a str,
    /// The driver table in (JSON).
    pub drivers: &'a str,
    /// Dangerous positions out (JSON).
    pub dangerous: &'a str,
    /// Dangerous positions joined with their driver out (JSON).
    pub joined: &'a str,
}

/// The window of the driver alerts: 30 seconds, tumbling.
pub const ALERT_WINDOW: std::time::Duration = std::time::Duration::from_secs(30);
/// How late a position may come and still count in its alert window.
pub const ALERT_GRACE: std::time::Duration = std::time::Duration::from_secs(10);
/// More dangerous events than this in one window raise an alert.
pub const ALERT_THRESHOLD: i64 = 3;

/// An alert of `driver_alerts`: a driver with more than [`ALERT_THRESHOLD`] dangerous
/// events in one window (seed 004's `WINDOW TUMBLING ... HAVING count(*) > 3`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DriverAlert {
    pub driver_id: String,
    pub window_start: i64,
    pub window_end: i64,
    pub dangerous_events: i64,
}

/// Adds the pipeline to `builder`: parse, keep the non-`Normal` events, write them, left
/// join them with the driver table (store `drivers`) and count them per driver (store
/// `dangerous-per-driver`), both stores of `kind`. Returns the handle of the counts.
pub fn add_to(builder: &StreamsBuilder, topics: &Topics<'_>, kind: StoreKind) -> StoreHandle<String, i64> {
    dangerous_events(builder, topics, kind).1
}

/// [`add_to`], and the driver alerts: the dangerous events per driver in 30-second
/// tumbling windows (store `dangerous-per-window`, of `kind`), each window's final count
/// only, once its grace has passed, and the drivers above the threshold written to
/// `alerts` (JSON [`DriverAlert`]s keyed by driver).
pub fn add_with_alerts(
    builder: &StreamsBuilder,
    topics: &Topics<'_>,
    alerts: &str,
    kind: StoreKind,
) -> kstream::Result<StoreHandle<String, i64>> {
    let (dangerous, per_driver) = dangerous_events(builder, topics, kind);
    dangerous
        .group_by_key(Grouped::with(StringSerde, JsonSerde::new()))
        .windowed_by(kstream::TimeWindows::of_size_and_grace(
            ALERT_WINDOW,
            ALERT_GRACE,
        )?)
        .count(
            Materialized::with(StringSerde, I64Serde)
                .named("dangerous-per-window")
                .kind(kind),
        )
        .suppress(kstream::Suppressed::until_window_closes(
            kstream::BufferConfig::unbounded(),
        ))
        .to_stream()
        .filter(|_, n| n.is_some_and(|n| n > ALERT_THRESHOLD))
        .map(|k: kstream::Windowed<String>, n| {
            let alert = DriverAlert {
                driver_id: k.key.clone(),
                window_start: k.window.start,
                window_end: k.window.end,
                dangerous_events: n.unwrap_or_default(),
            };
            (Some(k.key), alert)
        })
        .to(alerts, Produced::with(StringSerde, JsonSerde::new()));
    Ok(per_driver)
}

/// The parsed dangerous events, written to their topic and joined with the drivers, and
/// the handle of their count per driver.
fn dangerous_events<'b>(
    builder: &'b StreamsBuilder,
    topics: &Topics<'_>,
    kind: StoreKind,
) -> (KStream<'b, String, TruckPosition>, StoreHandle<String, i64>) {
    let drivers = builder.table(
        topics.drivers,
        Consumed::with(StringSerde, JsonSerde::<Driver>::new()),
        Materialized::with(StringSerde, JsonSerde::<Driver>::new())
            .named("drivers")
            .kind(kind),
    );
    let dangerous = builder
        .stream(topics.positions, Consumed::with(StringSerde, StringSerde))
        .flat_map_values(|csv| TruckPosition::parse(&csv))
        .filter(|_, p| p.event_type != "Normal");
    dangerous.to(topics.dangerous, Produced::with(StringSerde, JsonSerde::new()));
    dangerous
        .left_join(&drivers, |p: TruckPosition, d: Option<&Driver>| {
            DangerousDrivingAndDriver {
                driver_id: p.driver_id,
                first_name: d.map(|d| d.first_name.clone()),
                last_name: d.map(|d| d.last_name.clone()),
                truck_id: p.truck_id,
                route_id: p.route_id,
                event_type: p.event_type,
            }
        })
        .to(topics.joined, Produced::with(StringSerde, JsonSerde::new()));
    let per_driver = Materialized::with(StringSerde, I64Serde)
        .named("dangerous-per-driver")
        .kind(kind);
    let per_driver_store = per_driver.handle();
    dangerous
        .group_by_key(Grouped::with(StringSerde, JsonSerde::new()))
        .count(per_driver);
    (dangerous, per_driver_store)
}
