//! The names of processors, stores and internal topics (`NamingTopologies.java`):
//! operators named with `Named`, `Consumed`, `Produced`, `Grouped`, `Joined`,
//! `Repartitioned` and `Branched`, next to unnamed ones whose generated names show how
//! the counter moved.

use kstream::{
    Branched, Grouped, I64Serde, Joined, Materialized, Named, Produced, Repartitioned, StreamsBuilder,
    StringSerde, Topology,
};

use super::catalogue::{Catalogue, string_store, strings};

pub fn register(c: &mut Catalogue) {
    c.add("named_stream_operations", stream_operations);
    c.add("named_grouping", grouping);
    c.add("unnamed_grouping", unnamed_grouping);
    c.add("named_stream_table_join", stream_table_join);
    c.add("named_table_operations", table_operations);
    c.add("unnamed_split", unnamed_split);
    c.add("named_global_table", global_table);
    c.add("unnamed_repartition", unnamed_repartition);
    c.add("unnamed_table_grouping", unnamed_table_grouping);
}

fn to_strings() -> Produced<String, String> {
    Produced::with(StringSerde, StringSerde)
}

fn to_longs() -> Produced<String, Option<i64>> {
    super::catalogue::to_optional_longs(StringSerde)
}

fn to_texts() -> Produced<String, Option<String>> {
    super::catalogue::to_optional_strings()
}

fn long_store(name: &str) -> Materialized<String, i64> {
    Materialized::with(StringSerde, I64Serde).named(name)
}

fn stream_operations() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    let input = b.stream("in", strings().named("read-in")?);
    input
        .filter_with(|_, v| !v.starts_with("drop"), Named::as_("kept")?)
        .map_values_with(|v: String| v.to_uppercase(), Named::as_("upper")?)
        .peek(|_, _| {})
        .to("out", to_strings().named("write-out")?);
    let words = input.flat_map_values_with(
        |v: String| v.split(' ').map(str::to_owned).collect::<Vec<_>>(),
        Named::as_("words")?,
    );
    words
        .merge_with(
            &input.filter_not(|_, v| v.starts_with("drop")),
            Named::as_("merged")?,
        )
        .select_key_with(|_, v: &String| Some(v.clone()), Named::as_("by-value")?)
        .to("all", to_strings());
    b.build()
}

fn grouping() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    let by_value = b.stream("in", strings()).group_by(
        |_, v: &String| Some(v.clone()),
        Grouped::with(StringSerde, StringSerde).named("by-value")?,
    );
    by_value
        .count(Materialized::with(StringSerde, I64Serde))
        .to_stream()
        .to("counts", to_longs());
    by_value
        .reduce(|agg, v| format!("{agg}|{v}"), string_store("reduced"))
        .to_stream()
        .to("reduced", to_texts());
    b.build()
}

fn unnamed_grouping() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    let grouped = b
        .stream("in", strings())
        .select_key(|_, v: &String| Some(v.clone()))
        .group_by_key(Grouped::with(StringSerde, StringSerde));
    grouped
        .count(long_store("counts"))
        .to_stream()
        .to("counts", to_longs());
    grouped
        .aggregate(
            String::new,
            |_, v: String, agg: String| format!("{agg}{}", v.encode_utf16().count()),
            Materialized::with(StringSerde, StringSerde),
        )
        .to_stream()
        .to("lengths", to_texts());
    b.build()
}

fn stream_table_join() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    let drivers = b.table("drivers", strings(), string_store("drivers"));
    let events = b
        .stream("events", strings())
        .select_key(|_, v: &String| v.split_once(':').map(|(d, _)| d.to_owned()));
    events
        .join_with(
            &drivers,
            |e, d| format!("{e}/{d}"),
            Joined::with(StringSerde, StringSerde).named("enrich")?,
        )
        .to("inner", to_strings());
    events
        .left_join_with(
            &drivers,
            |e, d: Option<&String>| format!("{e}/{}", d.map_or("-", String::as_str)),
            Joined::with(StringSerde, StringSerde),
        )
        .to("left", to_strings());
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

fn table_operations() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    let accounts = b.table("accounts", strings().named("accounts")?, string_store("accounts"));
    let limits = b.table("limits", strings(), string_store("limits"));
    accounts
        .filter_with(|_, v| !v.ends_with(":0"), Named::as_("open")?)
        .join_with(&limits, |a, l| format!("{a}<={l}"), Named::as_("with-limit")?)
        .to_stream_with(Named::as_("changes")?)
        .to("joined", to_texts());
    accounts
        .group_by(
            |_, v| (Some(region(v)), amount(v)),
            Grouped::with(StringSerde, I64Serde).named("by-region")?,
        )
        .reduce_with(
            |agg, v| agg + v,
            |agg, v| agg - v,
            long_store("totals"),
            Named::as_("total")?,
        )
        .to_stream()
        .to("totals", to_longs());
    b.build()
}

fn unnamed_split() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    let branches = b
        .stream("in", strings())
        .split()
        .branch(|_, v| v.starts_with('a'))
        .branch_with(|_, v| v.starts_with('b'), Branched::as_("-bees")?)
        .default_branch();
    for (name, branch) in &branches {
        let topic = if name.ends_with("-bees") {
            "b"
        } else if name.ends_with('0') {
            "other"
        } else {
            "a"
        };
        branch.to(topic, to_strings());
    }
    b.build()
}

fn global_table() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    let products = b.global_table(
        "products",
        strings().named("products-in")?,
        Some("products-store"),
    );
    b.stream("orders", strings())
        .join_global_with(
            &products,
            |_, order: &String| Some(order.clone()),
            |order, p: &String| format!("{order}/{p}"),
            Named::as_("with-product")?,
        )
        .to("out", to_strings());
    b.build()
}

/// Java's `String.hashCode`, as the Java twin's partitioner uses it.
fn java_hash(s: &str) -> i32 {
    s.encode_utf16()
        .fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(i32::from(c)))
}

fn unnamed_repartition() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    b.stream("in", strings())
        .select_key(|_, v: &String| Some(v.clone()))
        .repartition(
            Repartitioned::with(StringSerde, StringSerde)
                .partitions(3)?
                .partitioner(|k: &String, _, n| java_hash(k).rem_euclid(n)),
        )
        .map_values(|v| format!("seen:{v}"))
        .to("out", to_strings());
    b.build()
}

fn unnamed_table_grouping() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    let by_region = b.table("accounts", strings(), string_store("accounts")).group_by(
        |id, v| (Some(region(v)), id.clone()),
        Grouped::with(StringSerde, StringSerde),
    );
    by_region
        .count(Materialized::with(StringSerde, I64Serde))
        .to_stream()
        .to("counts", to_longs());
    by_region
        .aggregate_with(
            String::new,
            |_, id, agg| format!("{agg}+{id}"),
            |_, id, agg| format!("{agg}-{id}"),
            Materialized::with(StringSerde, StringSerde),
            Named::as_("log")?,
        )
        .to_stream()
        .to("log", to_texts());
    b.build()
}
