//! Tables: the source, filter, map_values, and group_by with adder and subtractor
//! (`TableTopologies.java`). The accounts table maps an account id to "region:amount".

use kstream::{Grouped, I64Serde, KTable, Materialized, StreamsBuilder, StringSerde, Topology};

use super::catalogue::{Catalogue, string_store, strings, to_optional_longs, to_optional_strings};

pub fn register(c: &mut Catalogue) {
    c.add("table_source", source);
    c.add("table_filter", filter);
    c.add("table_filter_materialized", filter_materialized);
    c.add("table_filter_unmaterialized", filter_unmaterialized);
    c.add("table_map_values", map_values);
    c.add("table_group_by_count", group_by_count);
    c.add("table_group_by_reduce", group_by_reduce);
    c.add("table_group_by_aggregate", group_by_aggregate);
    c.add("table_group_by_rows", group_by_rows);
}

fn source() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    b.table("in", strings(), string_store("table"))
        .to_stream()
        .to("out", to_optional_strings());
    b.build()
}

fn filter() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    b.table("in", strings(), string_store("source"))
        .filter(|_, v| v.starts_with("keep"))
        .to_stream()
        .to("out", to_optional_strings());
    b.build()
}

/// Kafka's `filter(predicate, Materialized)` is `filter` then `materialize` here.
fn filter_materialized() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    b.table("in", strings(), string_store("source"))
        .filter(|_, v| v.starts_with("keep"))
        .materialize(string_store("filtered"))
        .to_stream()
        .to("out", to_optional_strings());
    b.build()
}

/// Kafka's `builder.table(topic, consumed)`: a source without a store of its own.
fn filter_unmaterialized() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    b.table_unmaterialized("in", strings())
        .filter(|_, v| v.starts_with("keep"))
        .to_stream()
        .to("out", to_optional_strings());
    b.build()
}

fn map_values() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    b.table("in", strings(), string_store("source"))
        .map_values(|v: &String| v.to_uppercase())
        .to_stream()
        .to("out", to_optional_strings());
    b.build()
}

fn region(account: &str) -> String {
    account.split_once(':').map_or(account, |(r, _)| r).to_owned()
}

fn amount(account: &str) -> i64 {
    account
        .split_once(':')
        .and_then(|(_, a)| a.parse().ok())
        .expect("an account is region:amount")
}

fn accounts(b: &StreamsBuilder) -> KTable<'_, String, String> {
    b.table("accounts", strings(), string_store("accounts"))
}

fn group_by_count() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    accounts(&b)
        .group_by(
            |id: &String, v: &String| (Some(region(v)), id.clone()),
            Grouped::with(StringSerde, StringSerde).named("by-region")?,
        )
        .count(Materialized::with(StringSerde, I64Serde).named("region-counts"))
        .to_stream()
        .to("out", to_optional_longs(StringSerde));
    b.build()
}

fn group_by_reduce() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    accounts(&b)
        .group_by(
            |_: &String, v: &String| (Some(region(v)), amount(v)),
            Grouped::with(StringSerde, I64Serde).named("by-region")?,
        )
        .reduce(
            |agg, v| agg + v,
            |agg, v| agg - v,
            Materialized::with(StringSerde, I64Serde).named("region-totals"),
        )
        .to_stream()
        .to("out", to_optional_longs(StringSerde));
    b.build()
}

fn group_by_aggregate() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    accounts(&b)
        .group_by(
            |id: &String, v: &String| (Some(region(v)), id.clone()),
            Grouped::with(StringSerde, StringSerde).named("by-region")?,
        )
        .aggregate(
            String::new,
            |_, id, agg| format!("{agg}+{id}"),
            |_, id, agg| format!("{agg}-{id}"),
            string_store("region-log"),
        )
        .to_stream()
        .to("out", to_optional_strings());
    b.build()
}

/// Region "none" is no group (a null key).
fn group_by_rows() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    accounts(&b)
        .group_by(
            |id: &String, v: &String| {
                let region = Some(region(v)).filter(|r| r != "none");
                (region, format!("{id}={}", amount(v)))
            },
            Grouped::with(StringSerde, StringSerde).named("by-region")?,
        )
        .aggregate(
            String::new,
            |_, row, agg| format!("{agg}+{row}"),
            |_, row, agg| format!("{agg}-{row}"),
            string_store("region-log"),
        )
        .to_stream()
        .to("out", to_optional_strings());
    b.build()
}
