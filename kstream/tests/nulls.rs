//! Null keys and values where Kafka Streams skips them: skipped, never an error, and
//! counted in `kstream_skipped_records_total{reason="null_key"}` or
//! `{reason="null_value"}`. The differential suite pins the outputs against Kafka
//! Streams; these tests pin the counts and the ways a null is told (`Serde::is_null`).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use kstream::prelude::*;
use kstream::serdes::SerdeResult;
use metrics::{Counter, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit};

type Text = Option<String>;

fn s(v: &str) -> String {
    v.to_owned()
}

fn texts() -> Consumed<Text, Text> {
    Consumed::with(OptionSerde(StringSerde), OptionSerde(StringSerde))
}

fn to_texts() -> Produced<Text, Text> {
    Produced::with(OptionSerde(StringSerde), OptionSerde(StringSerde))
}

/// Counts `kstream_skipped_records_total` by reason.
#[derive(Default)]
struct Skips(Mutex<BTreeMap<String, Arc<AtomicU64>>>);

impl Skips {
    fn of(&self, reason: &str) -> u64 {
        let counts = self.0.lock().unwrap();
        counts.get(reason).map_or(0, |c| c.load(Ordering::Relaxed))
    }
}

impl Recorder for Skips {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        if key.name() != "kstream_skipped_records_total" {
            return Counter::noop();
        }
        let reason = key
            .labels()
            .find(|l| l.key() == "reason")
            .map_or_else(String::new, |l| l.value().to_owned());
        let mut counts = self.0.lock().unwrap();
        Counter::from_arc(counts.entry(reason).or_default().clone())
    }
    fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::noop()
    }
    fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::noop()
    }
}

/// Runs `f` with a fresh counter of skips, and returns it.
fn counting(f: impl FnOnce()) -> Skips {
    let skips = Skips::default();
    metrics::with_local_recorder(&skips, f);
    skips
}

#[test]
fn aggregations_skip_null_keys_and_values_and_count_them() {
    let b = StreamsBuilder::new();
    let counts = Materialized::with(OptionSerde(StringSerde), I64Serde).named("counts");
    let counts_store = counts.handle();
    b.stream("in", texts())
        .group_by_key(Grouped::with(OptionSerde(StringSerde), OptionSerde(StringSerde)))
        .count(counts);
    let d = TopologyTestDriver::new(b.build().unwrap()).unwrap();
    let input = d.input_topic("in", StringSerde, StringSerde);
    let skips = counting(|| {
        input
            .pipe_record_list([
                TestRecord::new(s("a"), s("1")),
                TestRecord::without_key(s("2")),
                TestRecord::tombstone(s("a")),
                TestRecord::tombstone(s("b")),
                TestRecord::new(s("a"), s("3")),
            ])
            .unwrap();
    });
    assert_eq!((skips.of("null_key"), skips.of("null_value")), (1, 2));
    let store = d.store(&counts_store).unwrap();
    assert_eq!(store.all().unwrap(), vec![(Some(s("a")), 2)]);
}

/// Strings, with the empty string written as null: a serde of one's own that says
/// which of its values are null.
struct EmptyIsNull;

impl Serde<String> for EmptyIsNull {
    fn serialize(&self, topic: &str, value: &String) -> SerdeResult<Option<Bytes>> {
        if value.is_empty() {
            return Ok(None);
        }
        StringSerde.serialize(topic, value)
    }
    fn deserialize(&self, topic: &str, data: Option<&[u8]>) -> SerdeResult<String> {
        data.map_or_else(|| Ok(String::new()), |d| StringSerde.deserialize(topic, Some(d)))
    }
    fn is_null(&self, value: &String) -> bool {
        value.is_empty()
    }
}

#[test]
fn a_serde_of_ones_own_tells_which_values_are_null() {
    let b = StreamsBuilder::new();
    let lengths = Materialized::with(EmptyIsNull, I64Serde).named("lengths");
    let lengths_store = lengths.handle();
    b.stream("in", Consumed::with(EmptyIsNull, EmptyIsNull))
        .group_by_key(Grouped::with(EmptyIsNull, EmptyIsNull))
        .aggregate(|| 0, |_, v: String, n| n + v.len() as i64, lengths);
    let d = TopologyTestDriver::new(b.build().unwrap()).unwrap();
    let input = d.input_topic("in", StringSerde, StringSerde);
    let skips = counting(|| {
        input.pipe_input(s("a"), s("xy")).unwrap();
        input.pipe_input(s(""), s("xyz")).unwrap();
        input.pipe_input(s("a"), s("")).unwrap();
        // A null read by the serde is the empty string, so null as well.
        input.pipe_record(TestRecord::without_key(s("xyz"))).unwrap();
    });
    assert_eq!((skips.of("null_key"), skips.of("null_value")), (2, 1));
    let store = d.store(&lengths_store).unwrap();
    assert_eq!(store.all().unwrap(), vec![(s("a"), 2)]);
}

#[test]
fn stream_table_joins_skip_null_values_and_the_left_join_takes_null_keys() {
    let b = StreamsBuilder::new();
    let drivers = b.table(
        "drivers",
        Consumed::with(OptionSerde(StringSerde), StringSerde),
        Materialized::with(OptionSerde(StringSerde), StringSerde),
    );
    let events = b.stream("events", texts());
    events
        .join(&drivers, |e: Text, d: &String| Some(format!("{e:?}/{d}")))
        .to("inner", to_texts());
    events
        .left_join(&drivers, |e: Text, d: Option<&String>| {
            Some(format!("{e:?}/{d:?}"))
        })
        .to("left", to_texts());
    let d = TopologyTestDriver::new(b.build().unwrap()).unwrap();
    d.input_topic("drivers", StringSerde, StringSerde)
        .pipe_input(s("1"), s("Walter"))
        .unwrap();
    let events = d.input_topic("events", StringSerde, StringSerde);
    let skips = counting(|| {
        events.pipe_record(TestRecord::without_key(s("e1"))).unwrap();
        events.pipe_record(TestRecord::tombstone(s("1"))).unwrap();
        events.pipe_input(s("1"), s("e2")).unwrap();
    });
    // The inner join skips the null key, both skip the null value.
    assert_eq!((skips.of("null_key"), skips.of("null_value")), (1, 2));
    let read = |topic| {
        d.output_topic(topic, StringSerde, StringSerde)
            .read_records_to_list()
            .unwrap()
            .into_iter()
            .map(|r| (r.key, r.value))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        read("inner"),
        vec![(Some(s("1")), Some(s("Some(\"e2\")/Walter")))]
    );
    assert_eq!(
        read("left"),
        vec![
            (None, Some(s("Some(\"e1\")/None"))),
            (Some(s("1")), Some(s("Some(\"e2\")/Some(\"Walter\")")))
        ]
    );
}

#[test]
fn a_global_join_without_a_table_key_is_skipped_by_the_inner_join_and_joined_by_the_left() {
    let b = StreamsBuilder::new();
    let products = b.global_table("products", Consumed::with(StringSerde, StringSerde), None);
    let orders = b.stream("orders", Consumed::with(StringSerde, StringSerde));
    let product = |order: &String| order.split_once(':').map(|(p, _)| p.to_owned());
    orders
        .join_global(
            &products,
            move |_, o| product(o),
            |o, p: &String| format!("{o}/{p}"),
        )
        .to("inner", Produced::with(StringSerde, StringSerde));
    orders
        .left_join_global(
            &products,
            move |_, o| product(o),
            |o, p: Option<&String>| format!("{o}/{}", p.map_or("-", String::as_str)),
        )
        .to("left", Produced::with(StringSerde, StringSerde));
    let d = TopologyTestDriver::new(b.build().unwrap()).unwrap();
    let products = d.input_topic("products", StringSerde, StringSerde);
    let orders = d.input_topic("orders", StringSerde, StringSerde);
    let skips = counting(|| {
        products.pipe_input(s("p1"), s("pen")).unwrap();
        // A product without a key: the global table skips it.
        products.pipe_record(TestRecord::without_key(s("ghost"))).unwrap();
        orders.pipe_input(s("o1"), s("p1:1")).unwrap();
        orders.pipe_input(s("o2"), s("no product")).unwrap();
    });
    assert_eq!((skips.of("null_key"), skips.of("null_value")), (2, 0));
    let values = |topic| {
        d.output_topic(topic, StringSerde, StringSerde)
            .read_key_values()
            .unwrap()
    };
    assert_eq!(values("inner"), vec![(s("o1"), s("p1:1/pen"))]);
    assert_eq!(
        values("left"),
        vec![(s("o1"), s("p1:1/pen")), (s("o2"), s("no product/-"))]
    );
}

#[test]
fn a_table_of_non_null_keys_skips_a_record_without_a_key_instead_of_failing() {
    let b = StreamsBuilder::new();
    let table = Materialized::with(StringSerde, StringSerde).named("table");
    let table_store = table.handle();
    b.table("in", Consumed::with(StringSerde, StringSerde), table);
    let d = TopologyTestDriver::new(b.build().unwrap()).unwrap();
    let input = d.input_topic("in", StringSerde, StringSerde);
    let skips = counting(|| {
        input.pipe_input(s("a"), s("1")).unwrap();
        input.pipe_record(TestRecord::without_key(s("2"))).unwrap();
    });
    assert_eq!(skips.of("null_key"), 1);
    assert_eq!(
        d.store(&table_store).unwrap().all().unwrap(),
        vec![(s("a"), s("1"))]
    );
}

/// Events re-keyed by their value's prefix, through `repartition`, then through a
/// second repartition to a left or an inner join.
fn rekeyed(left: bool) -> TopologyTestDriver {
    let b = StreamsBuilder::new();
    let table = b.table(
        "table",
        Consumed::with(OptionSerde(StringSerde), StringSerde),
        Materialized::with(OptionSerde(StringSerde), StringSerde),
    );
    let prefix = |v: &Text| {
        v.as_deref()
            .and_then(|v| v.split_once(':'))
            .map(|(p, _)| p.to_owned())
    };
    let repartitioned = b
        .stream("in", texts())
        .select_key(move |_, v| Some(prefix(v)))
        .repartition(Repartitioned::with(
            OptionSerde(StringSerde),
            OptionSerde(StringSerde),
        ))
        .map(|k: Text, v: Text| (Some(k), v));
    let joined = Joined::with(OptionSerde(StringSerde), OptionSerde(StringSerde));
    if left {
        repartitioned
            .left_join_with(
                &table,
                |v: Text, t: Option<&String>| Some(format!("{v:?}/{t:?}")),
                joined,
            )
            .to("out", to_texts());
    } else {
        repartitioned
            .join_with(&table, |v: Text, t: &String| Some(format!("{v:?}/{t}")), joined)
            .to("out", to_texts());
    }
    let topology = b.build().unwrap();
    let described = topology.describe().to_string();
    let sinks = described
        .lines()
        .filter(|l| l.contains("Sink:") && l.contains("-repartition"))
        .count();
    assert_eq!(sinks, 2, "{described}");
    TopologyTestDriver::new(topology).unwrap()
}

#[test]
fn repartitions_drop_null_keys_unless_a_left_join_downstream_takes_them() {
    for left in [false, true] {
        let d = rekeyed(left);
        let input = d.input_topic("in", StringSerde, StringSerde);
        let skips = counting(|| {
            input.pipe_input(s("k"), s("no prefix")).unwrap();
        });
        let out = d
            .output_topic("out", StringSerde, StringSerde)
            .read_records_to_list()
            .unwrap();
        if left {
            // Through both repartitions to the left join, joined with no table row.
            assert_eq!(skips.of("null_key"), 0);
            assert_eq!(
                out,
                vec![TestRecord::without_key(s("Some(\"no prefix\")/None")).at(0)]
            );
        } else {
            // Dropped by the first repartition.
            assert_eq!(skips.of("null_key"), 1);
            assert_eq!(out, vec![]);
        }
    }
}

#[test]
fn a_table_row_regrouped_to_a_null_value_is_counted_nowhere() {
    let b = StreamsBuilder::new();
    let counts = Materialized::with(StringSerde, I64Serde).named("counts");
    let counts_store = counts.handle();
    b.table(
        "accounts",
        Consumed::with(StringSerde, StringSerde),
        Materialized::with(StringSerde, StringSerde),
    )
    // "region" or "region!" (frozen: its grouped value is null).
    .group_by(
        |id: &String, v: &String| {
            let frozen = v.ends_with('!');
            (
                Some(v.trim_end_matches('!').to_owned()),
                (!frozen).then(|| id.clone()),
            )
        },
        Grouped::with(StringSerde, OptionSerde(StringSerde)),
    )
    .count(counts);
    let d = TopologyTestDriver::new(b.build().unwrap()).unwrap();
    let input = d.input_topic("accounts", StringSerde, StringSerde);
    let skips = counting(|| {
        input.pipe_input(s("a1"), s("eu")).unwrap();
        input.pipe_input(s("a2"), s("eu!")).unwrap();
        input.pipe_input(s("a2"), s("us")).unwrap();
    });
    // a2's frozen row: its addition, then its subtraction.
    assert_eq!(skips.of("null_value"), 2);
    let store = d.store(&counts_store).unwrap();
    assert_eq!(store.all().unwrap(), vec![(s("eu"), 1), (s("us"), 1)]);
}
