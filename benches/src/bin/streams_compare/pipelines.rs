//! The pipelines as kstream topologies, and the records they read: the 200-byte JSON
//! events of `kstream_bench` (and, for `sjoin`, their payments) and the trucking
//! example's positions and drivers. The Java side (`peers/.../bench/StreamsBench.java`)
//! builds the same topologies.

use std::time::Duration;

use kstream::{
    Consumed, Grouped, I64Serde, JoinWindows, JsonSerde, Materialized, Produced, StoreKind, StreamJoined,
    StreamsBuilder, StringSerde, TimeWindows, Topology,
};
use streamlog::{Producer, ProducerRecord};

#[path = "../../event.rs"]
mod event;
// The example's driver alerts are not part of this comparison.
#[allow(dead_code)]
#[path = "../../../../examples/src/trucking_pipeline.rs"]
mod trucking_pipeline;

pub use event::{Event, PAYMENT_LAG_MS, event, payment};
pub use trucking_pipeline::FIRST_POSITION_MS;
use trucking_pipeline::{Rng, Topics};

/// `wcount`'s windows: 60 s tumbling windows ...
pub const WINDOW: Duration = Duration::from_secs(60);
/// ... accepting records up to 10 s late.
pub const WINDOW_GRACE: Duration = Duration::from_secs(10);
/// `sjoin`'s window: records at most 10 s apart join ...
pub const JOIN_WINDOW: Duration = Duration::from_secs(10);
/// ... up to 1 s late.
pub const JOIN_GRACE: Duration = Duration::from_secs(1);

/// Produces `n` events keyed over `keys` users to `topic`: event `i` stamped
/// `first_ms + i` when `first_ms` is given, else at the producer's clock.
pub fn produce_events(
    producer: &dyn Producer,
    topic: &str,
    n: u64,
    keys: u64,
    first_ms: Option<i64>,
) -> streamlog::Result<()> {
    for i in 0..n {
        let (k, v) = event(i, keys);
        let mut record = ProducerRecord::new(topic).key(k).value(v);
        if let Some(first) = first_ms {
            record = record.timestamp(first + i as i64);
        }
        producer.enqueue(record)?;
    }
    producer.flush(Duration::from_secs(120))
}

/// Produces the payments of the first `n` events to `topic` (`sjoin`'s second stream):
/// payment `i` keyed as event `i`, stamped [`PAYMENT_LAG_MS`] after it.
pub fn produce_payments(
    producer: &dyn Producer,
    topic: &str,
    n: u64,
    keys: u64,
    first_ms: i64,
) -> streamlog::Result<()> {
    for i in 0..n {
        let (k, v) = payment(i, keys);
        let record = ProducerRecord::new(topic)
            .key(k)
            .value(v)
            .timestamp(first_ms + PAYMENT_LAG_MS + i as i64);
        producer.enqueue(record)?;
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
    let mut rng = Rng::new(seed);
    let table = trucking_pipeline::drivers(&mut rng);
    for d in &table {
        let value = serde_json::to_vec(d).expect("a driver serializes");
        let record = ProducerRecord::new(drivers)
            .key(d.id.to_string())
            .value(value)
            .timestamp(FIRST_POSITION_MS - 60_000);
        producer.enqueue(record)?;
    }
    for i in 0..n {
        let (key, csv) = trucking_pipeline::position(&mut rng, i);
        let record = ProducerRecord::new(positions)
            .key(key)
            .value(csv)
            .timestamp(trucking_pipeline::position_timestamp(i));
        producer.enqueue(record)?;
    }
    producer.flush(Duration::from_secs(120))?;
    Ok(table.len() as u64)
}

/// The topology of `pipeline` over `inputs` (the stream first, then the table, or for
/// `sjoin` the second stream) and `outputs`, as `StreamsBench.java` builds it.
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
        "wcount" => {
            b.stream(&inputs[0], events())
                .group_by_key(Grouped::with(StringSerde, JsonSerde::new()))
                .windowed_by(TimeWindows::of_size_and_grace(WINDOW, WINDOW_GRACE)?)
                .count(
                    Materialized::with(StringSerde, I64Serde)
                        .named("counts")
                        .kind(StoreKind::RocksDb),
                );
        }
        "sjoin" => {
            let payments = b.stream(&inputs[1], Consumed::with(StringSerde, StringSerde));
            b.stream(&inputs[0], events())
                .join_windowed(
                    &payments,
                    |e: &Event, p: &String| format!("{}:{p}", e.id),
                    JoinWindows::of_time_difference_and_grace(JOIN_WINDOW, JOIN_GRACE)?,
                    StreamJoined::with(StringSerde, JsonSerde::<Event>::new(), StringSerde)
                        .with_store_kind(StoreKind::RocksDb),
                )
                .to(&outputs[0], Produced::with(StringSerde, StringSerde));
        }
        "trucking" => {
            let topics = Topics {
                positions: &inputs[0],
                drivers: &inputs[1],
                dangerous: &outputs[0],
                joined: &outputs[1],
            };
            trucking_pipeline::add_to(&b, &topics, StoreKind::RocksDb);
        }
        other => {
            return Err(kstream::Error::Topology(format!(
                "unknown pipeline `{other}` (map, join, count, wcount, sjoin, trucking)"
            )));
        }
    }
    b.build()
}
