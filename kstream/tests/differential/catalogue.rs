//! The topologies by name, and the serdes they share. Each family file registers the
//! same topologies, under the same names, as its Java counterpart in
//! `peers/src/main/java/dev/streamkit/peers/streams/`.
//!
//! Kafka's Java `String` may be null; where a Java topology meets null keys or values, the
//! Rust one types them `Option<String>` ([`Text`]) and its functions do with `None` what the
//! Java lambdas do with null, so the two sides stay the same program.

use std::collections::BTreeMap;

use kstream::{Consumed, I64Serde, Materialized, OptionSerde, Produced, StringSerde, Topology};

/// Builds one topology.
pub type Build = fn() -> kstream::Result<Topology>;

/// A nullable string, as Java's `String`.
pub type Text = Option<String>;

/// Every topology, by name.
pub struct Catalogue(BTreeMap<&'static str, Build>);

impl Catalogue {
    pub fn all() -> Catalogue {
        let mut c = Catalogue(BTreeMap::new());
        super::stateless::register(&mut c);
        super::aggregation::register(&mut c);
        super::tables::register(&mut c);
        super::old_values::register(&mut c);
        super::joins::register(&mut c);
        super::nulls::register(&mut c);
        super::versioned::register(&mut c);
        super::naming::register(&mut c);
        super::operators::register(&mut c);
        super::windows::register(&mut c);
        c
    }

    pub fn add(&mut self, name: &'static str, build: Build) {
        assert!(
            self.0.insert(name, build).is_none(),
            "topology `{name}` is in the catalogue twice"
        );
    }

    pub fn get(&self, name: &str) -> Option<Build> {
        self.0.get(name).copied()
    }

    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.0.keys().copied()
    }
}

/// Nullable keys and values, as UTF-8.
pub fn texts() -> Consumed<Text, Text> {
    Consumed::with(OptionSerde(StringSerde), OptionSerde(StringSerde))
}

/// Writes nullable keys and values.
pub fn to_texts() -> Produced<Text, Text> {
    Produced::with(OptionSerde(StringSerde), OptionSerde(StringSerde))
}

/// Non-null keys and values.
pub fn strings() -> Consumed<String, String> {
    Consumed::with(StringSerde, StringSerde)
}

/// Table updates as strings (`None`: a tombstone).
pub fn to_optional_strings() -> Produced<String, Text> {
    Produced::with(StringSerde, OptionSerde(StringSerde))
}

/// Table updates as longs (`None`: a tombstone).
pub fn to_optional_longs<K>(keys: impl kstream::Serde<K>) -> Produced<K, Option<i64>> {
    Produced::with(keys, OptionSerde(I64Serde))
}

/// A named store of string keys and values.
pub fn string_store(name: &str) -> Materialized<String, String> {
    Materialized::with(StringSerde, StringSerde).named(name)
}

/// Java's `"" + s` for a nullable string.
pub fn java(s: &Text) -> &str {
    s.as_deref().unwrap_or("null")
}

/// "-" for a missing value (the joiners' `orDash`).
pub fn dash(s: Option<&String>) -> &str {
    s.map_or("-", String::as_str)
}

/// The words of a value split on spaces (none for null or blank).
pub fn words(v: &Text) -> Vec<String> {
    v.as_deref()
        .map(|v| v.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default()
}
