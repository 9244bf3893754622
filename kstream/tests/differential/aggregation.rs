//! Grouped streams: group_by_key and group_by with count, reduce and aggregate
//! (`AggregationTopologies.java`).

use kstream::{
    Grouped, I64Serde, Materialized, OptionSerde, Produced, StreamsBuilder, StringSerde, Topology,
};

use super::catalogue::{Catalogue, Text, java, texts, to_optional_longs, words};

pub fn register(c: &mut Catalogue) {
    c.add("stream_count", count);
    c.add("stream_group_by_count", group_by_count);
    c.add("stream_reduce", reduce);
    c.add("stream_group_by_reduce", group_by_reduce);
    c.add("stream_group_by_aggregate", group_by_aggregate);
    c.add("stream_aggregate", aggregate);
    c.add("stream_count_words", count_words);
}

fn nullable_keys() -> Grouped<Text, Text> {
    Grouped::with(OptionSerde(StringSerde), OptionSerde(StringSerde))
}

fn long_store(name: &str) -> Materialized<Text, i64> {
    Materialized::with(OptionSerde(StringSerde), I64Serde).named(name)
}

fn count() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    b.stream("in", texts())
        .group_by_key(nullable_keys())
        .count(long_store("counts"))
        .to_stream()
        .to("counts-out", to_optional_longs(OptionSerde(StringSerde)));
    b.build()
}

/// Grouping by a new key drops the records whose new key is null, as Kafka does.
fn by_new_key(name: &str) -> kstream::Result<Grouped<String, Text>> {
    Grouped::with(StringSerde, OptionSerde(StringSerde)).named(name)
}

fn group_by_count() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    b.stream("in", texts())
        .group_by(|_, v: &Text| v.clone(), by_new_key("by-value")?)
        .count(Materialized::with(StringSerde, I64Serde).named("counts"))
        .to_stream()
        .to("counts-out", to_optional_longs(StringSerde));
    b.build()
}

fn reduce() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    b.stream("in", texts())
        .group_by_key(nullable_keys())
        .reduce(
            |agg: Text, v: Text| Some(format!("{}|{}", java(&agg), java(&v))),
            Materialized::with(OptionSerde(StringSerde), OptionSerde(StringSerde)).named("reduced"),
        )
        .to_stream()
        .to(
            "out",
            Produced::with(OptionSerde(StringSerde), OptionSerde(OptionSerde(StringSerde))),
        );
    b.build()
}

/// The first letter of a value (none for a null or empty value).
fn first_letter(v: &Text) -> Text {
    v.as_deref()?.chars().next().map(String::from)
}

fn group_by_reduce() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    b.stream("in", texts())
        .group_by(|_, v: &Text| first_letter(v), by_new_key("by-letter")?)
        .reduce(
            |agg: Text, v: Text| Some(format!("{}|{}", java(&agg), java(&v))),
            Materialized::with(StringSerde, OptionSerde(StringSerde)).named("reduced"),
        )
        .to_stream()
        .to(
            "out",
            Produced::with(StringSerde, OptionSerde(OptionSerde(StringSerde))),
        );
    b.build()
}

fn group_by_aggregate() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    b.stream("in", texts())
        .group_by(|_, v: &Text| first_letter(v), by_new_key("by-letter")?)
        .aggregate(
            || 0i64,
            |_, v: Text, agg| v.map_or(agg, |v| agg + v.chars().count() as i64),
            Materialized::with(StringSerde, I64Serde).named("lengths"),
        )
        .to_stream()
        .to("out", to_optional_longs(StringSerde));
    b.build()
}

fn aggregate() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    b.stream("in", texts())
        .group_by_key(nullable_keys())
        .aggregate(
            || 0i64,
            |_, v: Text, agg| v.map_or(agg, |v| agg + v.chars().count() as i64),
            long_store("lengths"),
        )
        .to_stream()
        .to("out", to_optional_longs(OptionSerde(StringSerde)));
    b.build()
}

fn count_words() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    b.stream("lines", texts())
        .flat_map_values(|v: Text| words(&v))
        .group_by_key(Grouped::with(OptionSerde(StringSerde), StringSerde))
        .count(long_store("word-counts"))
        .to_stream()
        .to("counts-out", to_optional_longs(OptionSerde(StringSerde)));
    b.build()
}
