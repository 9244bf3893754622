//! `to_table`: a stream read as a table, each record the new value of its key.

use std::sync::atomic::Ordering;

use super::KStream;
use crate::dsl::ktable::{KTable, OldValues};
use crate::dsl::ops::{Change, StoreSlot, StreamToTable, TableSource};
use crate::dsl::options::Named;
use crate::store::Materialized;

impl<'b, K: Clone + 'static, V: Clone + 'static> KStream<'b, K, V> {
    /// The stream as a table, kept in a store of `m`: each record is its key's new value
    /// (Kafka Streams' `toTable`). When the stream's key was changed, it is repartitioned
    /// first, through `<application.id>-<processor name>-repartition`, with `m`'s serdes.
    ///
    /// ```
    /// use kstream::prelude::*;
    /// let builder = StreamsBuilder::new();
    /// let latest = Materialized::with(StringSerde, StringSerde).named("latest");
    /// let handle = latest.handle();
    /// builder
    ///     .stream("positions", Consumed::with(StringSerde, StringSerde))
    ///     .to_table(latest);
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let input = driver.input_topic("positions", StringSerde, StringSerde);
    /// input.pipe_input("truck-1".into(), "north".into())?;
    /// input.pipe_input("truck-1".into(), "east".into())?;
    /// assert_eq!(driver.store(&handle)?.get(&"truck-1".to_string())?, Some("east".to_string()));
    /// # Ok::<(), kstream::Error>(())
    /// ```
    pub fn to_table(&self, m: Materialized<K, V>) -> KTable<'b, K, V> {
        self.make_table(m, None)
    }

    /// [`to_table`](Self::to_table), naming the processor (and so the repartition
    /// topic).
    pub fn to_table_with(&self, m: Materialized<K, V>, named: Named) -> KTable<'b, K, V> {
        self.make_table(m, Some(named))
    }

    fn make_table(&self, m: Materialized<K, V>, named: Option<Named>) -> KTable<'b, K, V> {
        let name = self.name_of(named, "KSTREAM-TOTABLE");
        let store = m
            .name
            .clone()
            .unwrap_or_else(|| self.dsl.store_name("KSTREAM-TOTABLE"));
        let input = if self.repartition {
            self.repartitioned_as(&name, m.keys.clone(), m.values.clone(), false)
        } else {
            *self
        };
        let store = self.dsl.store_named(&store, &m);
        let slot = (store.clone(), name.clone());
        // A table source with a store: it sends old values once asked.
        let old = OldValues::source(true);
        let send_old = old.sends();
        let node = self.dsl.operator::<K, V, K, Change<V>, _>(
            name,
            vec![input.node],
            vec![store.clone()],
            move |out| {
                StreamToTable(TableSource::new(
                    Some(StoreSlot::new(&slot.0, &slot.1)),
                    send_old.load(Ordering::Relaxed),
                    out,
                ))
            },
        );
        KTable::stored_source(self.dsl, node, store, old)
    }
}
