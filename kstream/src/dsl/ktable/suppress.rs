//! [`KTable::suppress`]: holding a table's updates back.

use super::{KTable, OldValues};
use crate::dsl::ops::{ArcSerde, Change, Suppress};
use crate::dsl::options::Suppressed;
use crate::serdes::BytesSerde;
use crate::store::{Materialized, StoreKind, StoreSpec, ValueLayout};

impl<'b, K: Clone + 'static, V: Clone + 'static> KTable<'b, K, V> {
    /// Holds the table's updates back as `suppressed` says (Kafka Streams'
    /// `suppress`): with [`Suppressed::until_window_closes`], a windowed aggregation
    /// emits each window's final result only; with [`Suppressed::until_time_limit`], a
    /// key's updates are emitted at most once per limit. The updates wait in a buffer,
    /// one per key, logged to the changelog of the store `KTABLE-SUPPRESS-STATE-STORE-…`
    /// (or `<name>-store`); they are due by stream time, so an idle input holds them.
    ///
    /// The table must know its serdes (an aggregation, windowed or not, does).
    ///
    /// ```
    /// use std::time::Duration;
    /// use kstream::prelude::*;
    /// use kstream::{BufferConfig, Suppressed, TimeWindows, Windowed};
    ///
    /// let builder = StreamsBuilder::new();
    /// builder
    ///     .stream("events", Consumed::with(StringSerde, StringSerde))
    ///     .group_by_key(Grouped::with(StringSerde, StringSerde))
    ///     .windowed_by(TimeWindows::of_size_and_grace(Duration::from_secs(10), Duration::from_secs(2))?)
    ///     .count(Materialized::with(StringSerde, I64Serde).named("counts"))
    ///     .suppress(Suppressed::until_window_closes(BufferConfig::unbounded()))
    ///     .to_stream()
    ///     .map(|k: Windowed<String>, n| (Some(format!("{}@{}", k.key, k.window.start)), n.unwrap_or(0)))
    ///     .to("final-counts", Produced::with(StringSerde, I64Serde));
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let events = driver.input_topic("events", StringSerde, StringSerde);
    /// events.pipe_input_at("a".into(), "x".into(), 1_000)?;
    /// events.pipe_input_at("a".into(), "x".into(), 2_000)?;
    /// // Stream time 12 s: the window [0, 10 s) closed with its grace.
    /// events.pipe_input_at("b".into(), "x".into(), 12_000)?;
    /// let out = driver.output_topic("final-counts", StringSerde, I64Serde).read_key_values()?;
    /// assert_eq!(out, vec![("a@0".to_string(), 2)]);
    /// # Ok::<(), kstream::Error>(())
    /// ```
    pub fn suppress(&self, suppressed: Suppressed<K>) -> KTable<'b, K, V> {
        let dsl = self.dsl;
        let name = match &suppressed.name {
            Some(n) => n.clone(),
            None => dsl.fresh("KTABLE-SUPPRESS"),
        };
        let store = match &suppressed.name {
            Some(n) => format!("{n}-store"),
            None => dsl.store_name("KTABLE-SUPPRESS"),
        };
        let wait_ms = match suppressed.wait_ms {
            Some(ms) => ms,
            None => dsl.window_close_of(self.node).unwrap_or_else(|chain| {
                dsl.fail(format!(
                    "Window close time is only defined for windowed computations. Got [{chain}]."
                ));
                0
            }),
        };
        let Some((keys, values)) = dsl.table_serdes::<K, V>(self.node) else {
            dsl.fail(format!(
                "suppress `{name}`: the table it suppresses has no serdes of its own (suppress an \
                 aggregation, or materialize the table with its serdes first)"
            ));
            return self.clone();
        };
        // The suppression sends the old values it is given: the table must send them.
        self.old.enable(dsl, true);
        let mut m = Materialized::with(ArcSerde(keys.clone()), BytesSerde)
            .kind(StoreKind::InMemory)
            .with_caching_disabled();
        if !suppressed.buffer.logged {
            m = m.without_logging();
        }
        dsl.declare_store(StoreSpec::of(&store, &m, ValueLayout::Plain));
        let Suppressed {
            due,
            buffer,
            drop_tombstones,
            ..
        } = suppressed;
        let (processor, store_name) = (name.clone(), store.clone());
        let node =
            dsl.operator::<K, Change<V>, K, Change<V>, _>(name, vec![self.node], vec![store], move |out| {
                Suppress::new(
                    processor.clone(),
                    store_name.clone(),
                    wait_ms,
                    due.clone(),
                    buffer,
                    drop_tombstones,
                    keys.clone(),
                    values.clone(),
                    out,
                )
            });
        KTable::derived(dsl, node, OldValues::step(&self.old), self.value_getter())
    }
}
