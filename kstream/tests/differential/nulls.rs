//! Null keys and values where Kafka Streams skips them (`NullTopologies.java`): a
//! global join whose key mapper gives none, a re-keyed stream joined with a table through
//! repartition topics, and a table re-grouped to a null key or value.

use kstream::{
    Consumed, Grouped, I64Serde, Joined, Materialized, OptionSerde, StreamsBuilder, StringSerde, Topology,
};

use super::catalogue::{
    Catalogue, Text, dash, java, string_store, strings, texts, to_optional_longs, to_texts,
};

pub fn register(c: &mut Catalogue) {
    c.add("stream_global_join_no_key", global_join_no_key);
    c.add("stream_rekey_table_join", rekey_table_join);
    c.add("table_group_by_nulls", table_group_by_nulls);
}

/// The part of "part:rest" before the colon; none for a value without one (or none).
fn prefix(value: &Text) -> Text {
    prefix_of(value.as_deref()?)
}

fn prefix_of(value: &str) -> Text {
    value.split_once(':').map(|(p, _)| p.to_owned())
}

/// Nullable string keys, as the tables joined with re-keyed or nullable streams have.
fn text_keys() -> Consumed<Text, String> {
    Consumed::with(OptionSerde(StringSerde), StringSerde)
}

/// Java's mapper gives null for an order without a product. The inner join's mapper
/// says so with `None` (no table key), the left join's with `Some(None)` (a table key
/// that is null): both are Kafka's null.
fn global_join_no_key() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    let products = b.global_table("products", text_keys(), Some("products"));
    let orders = b.stream("orders", texts());
    orders
        .join_global(
            &products,
            |_, order: &Text| prefix(order).map(Some),
            |order: Text, p: &String| Some(format!("{}/{p}", java(&order))),
        )
        .to("inner", to_texts());
    orders
        .left_join_global(
            &products,
            |_, order: &Text| Some(prefix(order)),
            |order: Text, p: Option<&String>| Some(format!("{}/{}", java(&order), dash(p))),
        )
        .to("left", to_texts());
    b.build()
}

fn rekey_table_join() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    let drivers = b.table(
        "drivers",
        text_keys(),
        Materialized::with(OptionSerde(StringSerde), StringSerde).named("drivers"),
    );
    let by_driver = b
        .stream("events", texts())
        .select_key(|_, v: &Text| Some(prefix(v)));
    let joined = |name: &str| Joined::with(OptionSerde(StringSerde), OptionSerde(StringSerde)).named(name);
    by_driver
        .join_with(
            &drivers,
            |e: Text, d: &String| Some(format!("{}/{d}", java(&e))),
            joined("inner")?,
        )
        .to("inner", to_texts());
    by_driver
        .left_join_with(
            &drivers,
            |e: Text, d: Option<&String>| Some(format!("{}/{}", java(&e), dash(d))),
            joined("left")?,
        )
        .to("left", to_texts());
    b.build()
}

fn table_group_by_nulls() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    b.table("accounts", strings(), string_store("accounts"))
        .group_by(
            |id: &String, v: &String| (prefix_of(v), (!v.ends_with('!')).then(|| id.clone())),
            Grouped::with(StringSerde, OptionSerde(StringSerde)).named("by-region")?,
        )
        .count(Materialized::with(StringSerde, I64Serde).named("region-counts"))
        .to_stream()
        .to("out", to_optional_longs(StringSerde));
    b.build()
}
