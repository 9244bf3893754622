//! The DSL's further operators (`OperatorTopologies.java`): `to_table`,
//! `process_values`, `to_dynamic`, joins with derived (unmaterialized) tables, and
//! `cogroup`.

use kstream::processor::{FixedKeyProcessor, FixedKeyProcessorContext, FixedKeyRecord, ProcessorError};
use kstream::{
    Grouped, I64Serde, Materialized, Named, Produced, StoreHandle, StreamsBuilder, StringSerde, Topology,
};

use super::catalogue::{Catalogue, dash, string_store, strings, to_optional_longs, to_optional_strings};

pub fn register(c: &mut Catalogue) {
    c.add("stream_to_table", to_table);
    c.add("stream_process_values", process_values);
    c.add("stream_to_dynamic", to_dynamic);
    c.add("table_join_derived", join_derived);
    c.add("stream_cogroup", cogroup);
    c.add("stream_cogroup_named", cogroup_named);
}

fn to_strings() -> Produced<String, String> {
    Produced::with(StringSerde, StringSerde)
}

fn to_table() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    let input = b.stream("in", strings());
    let latest = input.to_table_with(string_store("latest"), Named::as_("latest")?);
    latest.to_stream().to("latest-out", to_optional_strings());
    input
        .select_key(|_, v: &String| Some(v.clone()))
        .to_table(string_store("by-value"))
        .to_stream()
        .to("by-value-out", to_optional_strings());
    b.stream("lookups", strings())
        .join(&latest, |l, t| format!("{l}={t}"))
        .to("lookups-out", to_strings());
    b.build()
}

/// Numbers each key's values ("n:value"), counting in store `seen`.
struct Numbered {
    seen: StoreHandle<String, i64>,
}

impl FixedKeyProcessor<String, String, String> for Numbered {
    fn process(
        &mut self,
        ctx: &mut FixedKeyProcessorContext<'_, String, String>,
        record: FixedKeyRecord<String, String>,
    ) -> Result<(), ProcessorError> {
        let seen = ctx.store(&self.seen)?;
        let n = seen.get(record.key())?.unwrap_or(0) + 1;
        seen.put(record.key(), &n)?;
        ctx.forward(record.map_value(|v| format!("{n}:{v}")))?;
        Ok(())
    }
}

/// Tags each value with its record's timestamp.
struct Stamped;

impl FixedKeyProcessor<String, String, String> for Stamped {
    fn process(
        &mut self,
        ctx: &mut FixedKeyProcessorContext<'_, String, String>,
        record: FixedKeyRecord<String, String>,
    ) -> Result<(), ProcessorError> {
        let stamp = ctx.timestamp();
        ctx.forward(record.map_value(|v| format!("{v}@{stamp}")))?;
        Ok(())
    }
}

fn process_values() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    let seen = b.add_state_store(Materialized::with(StringSerde, I64Serde).named("seen"));
    let handle = seen.clone();
    let numbered = b
        .stream("in", strings())
        .process_values(move || Numbered { seen: handle.clone() }, &[&seen])
        .process_values_with(|| Stamped, &[], Named::as_("stamp")?);
    numbered.to("numbered", to_strings());
    numbered
        .group_by_key(Grouped::with(StringSerde, StringSerde))
        .count(Materialized::with(StringSerde, I64Serde).named("counts"))
        .to_stream()
        .to("counts", to_optional_longs(StringSerde));
    b.build()
}

fn to_dynamic() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    b.stream("in", strings())
        .map_values(|v| v.to_uppercase())
        .to_dynamic(
            |_, v: &String, context| match v.split_once(':') {
                Some((to, _)) if !to.is_empty() => format!("topic-{}", to.to_lowercase()),
                _ => format!(
                    "{}-{}-{}",
                    context.topic(),
                    context.partition(),
                    if context.offset() % 2 == 0 { "even" } else { "odd" }
                ),
            },
            to_strings().named("route")?,
        );
    b.build()
}

fn join_derived() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    let drivers = b.table("drivers", strings(), string_store("drivers"));
    let shifts = b.table("shifts", strings(), string_store("shifts"));
    let active = drivers.filter(|_, v| !v.starts_with("off"));
    let labelled = shifts.map_values(|v: &String| format!("shift {v}"));
    let rota = active.join(&labelled, |d, s| format!("{d} on {s}"));
    rota.to_stream().to("rota", to_optional_strings());
    let events = b.stream("events", strings());
    events
        .join(&active, |e, d| format!("{e} by {d}"))
        .to("by-active", to_strings());
    events
        .left_join(&rota, |e, r| format!("{e} in {}", dash(r)))
        .to("by-rota", to_strings());
    b.build()
}

/// The part of "user:amount" after the colon.
fn amount(v: &str) -> &str {
    v.split_once(':').map_or("", |(_, a)| a)
}

/// The part of "user:amount" before the colon.
fn user(v: &str) -> Option<String> {
    v.split_once(':').map(|(u, _)| u.to_owned())
}

fn cogroup() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    let clicks = b
        .stream("clicks", strings())
        .group_by_key(Grouped::with(StringSerde, StringSerde));
    let buys = b
        .stream("buys", strings())
        .select_key(|_, v: &String| user(v))
        .group_by_key(Grouped::with(StringSerde, StringSerde));
    clicks
        .cogroup(|_, v: String, agg: String| format!("{agg} c:{v}"))
        .cogroup(&buys, |_, v: String, agg: String| {
            format!("{agg} b:{}", amount(&v))
        })
        .aggregate(String::new, string_store("activity"))
        .to_stream()
        .to("activity", to_optional_strings());
    b.build()
}

fn cogroup_named() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    let clicks = b
        .stream("clicks", strings())
        .group_by_key(Grouped::with(StringSerde, StringSerde));
    let buys = b
        .stream("buys", strings())
        .select_key(|_, v: &String| user(v))
        .group_by_key(Grouped::with(StringSerde, StringSerde).named("by-user")?);
    let refunds = b
        .stream("refunds", strings())
        .select_key(|_, v: &String| user(v))
        .group_by_key(Grouped::with(StringSerde, StringSerde));
    clicks
        .cogroup(|_, v: String, agg: String| format!("{agg} c:{v}"))
        .cogroup(&buys, |_, v: String, agg: String| {
            format!("{agg} b:{}", amount(&v))
        })
        .cogroup(&refunds, |_, v: String, agg: String| {
            format!("{agg} r:{}", amount(&v))
        })
        .aggregate_with(
            String::new,
            Materialized::with(StringSerde, StringSerde),
            Named::as_("summary")?,
        )
        .to_stream()
        .to("summary", to_optional_strings());
    b.build()
}
