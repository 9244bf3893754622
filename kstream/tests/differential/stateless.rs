//! Record-at-a-time operations: filter, map, flatMap, selectKey, split, merge,
//! repartition (`StatelessTopologies.java`).

use kstream::{Branched, Named, OptionSerde, Repartitioned, StreamsBuilder, StringSerde, Topology};

use super::catalogue::{Catalogue, Text, texts, to_texts, words};

pub fn register(c: &mut Catalogue) {
    c.add("stream_filter", filter);
    c.add("stream_map", map);
    c.add("stream_map_values", map_values);
    c.add("stream_flat_map", flat_map);
    c.add("stream_select_key", select_key);
    c.add("stream_split", split);
    c.add("stream_merge", merge);
    c.add("stream_repartition", repartition);
}

fn keep(_: &Text, v: &Text) -> bool {
    v.as_deref().is_some_and(|v| !v.starts_with("drop"))
}

fn filter() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    let input = b.stream("in", texts());
    input.filter(keep).to("kept", to_texts());
    input.filter_not(keep).to("dropped", to_texts());
    b.build()
}

fn map() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    b.stream("in", texts())
        .map(|k: Text, v: Text| (Some(v.map(|v| v.to_uppercase())), k))
        .to("out", to_texts());
    b.build()
}

fn map_values() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    b.stream("in", texts())
        .map_values(|v: Text| v.map(|v| format!("{}:{v}", v.chars().count())))
        .to("out", to_texts());
    b.build()
}

fn flat_map() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    let input = b.stream("in", texts());
    input
        .flat_map(|k: Text, v: Text| {
            words(&v)
                .into_iter()
                .map(|w| (Some(Some(w)), k.clone()))
                .collect::<Vec<_>>()
        })
        .to("by-word", to_texts());
    input
        .flat_map_values(|v: Text| words(&v).into_iter().map(Some).collect::<Vec<_>>())
        .to("words", to_texts());
    b.build()
}

fn select_key() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    b.stream("in", texts())
        .select_key(|_, v: &Text| Some(v.as_deref().and_then(|v| v.chars().next()).map(|c| c.to_string())))
        .to("out", to_texts());
    b.build()
}

fn split() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    let starts = |v: &Text, prefixes: &[&str]| {
        v.as_deref()
            .is_some_and(|v| prefixes.iter().any(|p| v.starts_with(p)))
    };
    let branches = b
        .stream("in", texts())
        .split_with(Named::as_("split-")?)
        .branch_with(move |_, v| starts(v, &["a"]), Branched::as_("a")?)
        .branch_with(move |_, v| starts(v, &["a", "b"]), Branched::as_("b")?)
        .default_branch_with(Branched::as_("other")?);
    for (name, branch) in &branches {
        branch.to(name.trim_start_matches("split-"), to_texts());
    }
    b.build()
}

fn merge() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    let left = b
        .stream("left", texts())
        .map_values(|v: Text| v.map(|v| format!("L:{v}")));
    let right = b
        .stream("right", texts())
        .map_values(|v: Text| v.map(|v| format!("R:{v}")));
    left.merge(&right).to("merged", to_texts());
    b.build()
}

fn repartition() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    b.stream("in", texts())
        .select_key(|_, v: &Text| Some(v.clone()))
        .repartition(
            Repartitioned::with(OptionSerde(StringSerde), OptionSerde(StringSerde)).named("by-value")?,
        )
        .map_values(|v: Text| v.map(|v| format!("seen:{v}")))
        .to("out", to_texts());
    b.build()
}
