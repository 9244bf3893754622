//! Old values: which table operations forward a row's previous value, what a filter
//! forwards without them, and joins reading through derived tables to sources without a
//! store (`OldValueTopologies.java`). The table source `in` is stored (store
//! `source`) or not (`table_unmaterialized`); rows to keep start with "keep".

use kstream::{Grouped, I64Serde, KTable, Materialized, Produced, StreamsBuilder, StringSerde, Topology};

use super::catalogue::{Catalogue, string_store, strings, to_optional_longs, to_optional_strings};

pub fn register(c: &mut Catalogue) {
    c.add("table_filter_not", || filter_not(true));
    c.add("table_filter_not_unmaterialized", || filter_not(false));
    c.add("table_filter_materialized_unmaterialized_source", filter_stored);
    c.add("table_filter_group_by", filter_group_by);
    c.add("table_filter_join_order", filter_join_order);
    c.add("table_unmaterialized_stream_join", stream_join);
    c.add("table_map_values_unmaterialized", map_values);
    c.add("table_map_values_filter", || map_values_filter(true));
    c.add("table_map_values_filter_unmaterialized", || {
        map_values_filter(false)
    });
    c.add("stream_join_filtered_unmaterialized", stream_join_filtered);
    c.add("table_join_filtered_unmaterialized", || {
        table_join_filtered(false)
    });
    c.add("table_join_filtered_unmaterialized_then_filtered", || {
        table_join_filtered(true)
    });
    c.add("table_outer_join_filtered_unmaterialized", outer_join_filtered);
}

fn input(b: &StreamsBuilder, stored: bool) -> KTable<'_, String, String> {
    if stored {
        b.table("in", strings(), string_store("source"))
    } else {
        b.table_unmaterialized("in", strings())
    }
}

fn keep(v: &str) -> bool {
    v.starts_with("keep")
}

fn filter_not(stored: bool) -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    input(&b, stored)
        .filter_not(|_, v| v.starts_with("drop"))
        .to_stream()
        .to("out", to_optional_strings());
    b.build()
}

/// Kafka's `filter(predicate, Materialized)` is `filter` then `materialize` here.
fn filter_stored() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    input(&b, false)
        .filter(|_, v| keep(v))
        .materialize(string_store("filtered"))
        .to_stream()
        .to("out", to_optional_strings());
    b.build()
}

fn filter_group_by() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    let input = input(&b, false);
    input.to_stream().to("source", to_optional_strings());
    let kept = input.filter(|_, v| keep(v));
    kept.to_stream().to("out", to_optional_strings());
    kept.group_by(
        |k: &String, v: &String| (Some(v.clone()), k.clone()),
        Grouped::with(StringSerde, StringSerde).named("by-value")?,
    )
    .count(Materialized::with(StringSerde, I64Serde).named("counts"))
    .to_stream()
    .to("counts", to_optional_longs(StringSerde));
    b.build()
}

fn filter_join_order() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    let input = input(&b, false);
    let before = input.filter(|_, v| keep(v));
    let right = b.table("right", strings(), string_store("right-store"));
    input
        .join(&right, |l, r| format!("{l}+{r}"))
        .to_stream()
        .to("joined", to_optional_strings());
    let after = input.filter(|_, v| keep(v));
    input.to_stream().to("source", to_optional_strings());
    before.to_stream().to("before", to_optional_strings());
    after.to_stream().to("after", to_optional_strings());
    b.build()
}

fn stream_join() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    let drivers = b.table_unmaterialized("drivers", strings());
    let events = b.stream("events", strings());
    events
        .join(&drivers, |e: String, d: &String| format!("{e}/{d}"))
        .to("joined", Produced::with(StringSerde, StringSerde));
    drivers
        .filter(|_, v| keep(v))
        .to_stream()
        .to("out", to_optional_strings());
    b.build()
}

fn map_values() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    input(&b, false)
        .map_values(|v: &String| v.to_uppercase())
        .to_stream()
        .to("out", to_optional_strings());
    b.build()
}

fn map_values_filter(stored: bool) -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    input(&b, stored)
        .map_values(|v: &String| v.to_uppercase())
        .filter(|_, v| v.starts_with("KEEP"))
        .to_stream()
        .to("out", to_optional_strings());
    b.build()
}

/// The drivers to keep: a filter of a table source without a store of its own.
fn kept_drivers(b: &StreamsBuilder) -> KTable<'_, String, String> {
    b.table_unmaterialized("drivers", strings())
        .filter(|_, v| keep(v))
}

/// The shifts labelled: `map_values` of a table source without a store of its own.
fn labelled_shifts(b: &StreamsBuilder) -> KTable<'_, String, String> {
    b.table_unmaterialized("shifts", strings())
        .map_values(|v: &String| format!("shift {v}"))
}

fn stream_join_filtered() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    let kept = kept_drivers(&b);
    let events = b.stream("events", strings());
    events
        .join(&kept, |e: String, d: &String| format!("{e}/{d}"))
        .to("joined", Produced::with(StringSerde, StringSerde));
    events
        .left_join(&kept, |e: String, d: Option<&String>| {
            format!("{e}/{}", d.map_or("-", String::as_str))
        })
        .to("left-joined", Produced::with(StringSerde, StringSerde));
    kept.to_stream().to("kept", to_optional_strings());
    b.build()
}

fn table_join_filtered(filtered: bool) -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    let kept = kept_drivers(&b);
    let rota = kept.join(&labelled_shifts(&b), |d, s| format!("{d} on {s}"));
    rota.to_stream().to("rota", to_optional_strings());
    if filtered {
        rota.filter(|_, v| !v.ends_with("night"))
            .to_stream()
            .to("on-duty", to_optional_strings());
    }
    kept.to_stream().to("kept", to_optional_strings());
    b.build()
}

fn outer_join_filtered() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    let kept = kept_drivers(&b);
    kept.outer_join(&labelled_shifts(&b), |d, s| {
        let or_dash = |v: Option<&String>| v.map_or("-", String::as_str).to_owned();
        format!("{} on {}", or_dash(d), or_dash(s))
    })
    .to_stream()
    .to("rota", to_optional_strings());
    kept.to_stream().to("kept", to_optional_strings());
    b.build()
}
