//! [`KTable`]: a changelog stream read as a table, the latest value per key. Row-by-row
//! operations are here, joins of two tables in `joins`.

mod joins;

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use super::building::Dsl;
use super::grouped_table::{self, KGroupedTable};
use super::kstream::KStream;
use super::ops::{ArcSerde, Change, Materialize, StoreSlot, TableSource};
use super::options::{Consumed, Grouped, Named};
use crate::graph::TopicName;
use crate::serdes::{OptionSerde, SerdeRef};
use crate::store::{Materialized, StoreHandle};

/// A table, typed by its key `K` and value `V`, borrowing the
/// [`StreamsBuilder`](crate::StreamsBuilder) it was made from for `'b`. Each update
/// carries the old value too, so joins and re-keyed aggregations can retract what they
/// emitted before. A table's values live in its store: functions borrow them.
pub struct KTable<'b, K, V> {
    pub(crate) dsl: &'b Dsl,
    /// The node that emits the table's changes.
    pub(crate) node: usize,
    /// The store holding the table, when it is materialized.
    pub(crate) store: Option<String>,
    _types: PhantomData<fn() -> (K, V)>,
}

impl<K, V> Clone for KTable<'_, K, V> {
    fn clone(&self) -> Self {
        Self {
            dsl: self.dsl,
            node: self.node,
            store: self.store.clone(),
            _types: PhantomData,
        }
    }
}

impl<K, V> fmt::Debug for KTable<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KTable")
            .field("processor", &self.dsl.node_name(self.node))
            .field("store", &self.store)
            .finish()
    }
}

/// A table read from `topic`.
pub(crate) fn source<'b, K, V>(
    dsl: &'b Dsl,
    topic: &str,
    consumed: Consumed<K, V>,
    m: Materialized<K, V>,
) -> KTable<'b, K, V>
where
    K: Clone + 'static,
    V: Clone + 'static,
{
    let store = dsl.store(&m, &format!("{topic}-STATE-STORE"));
    dsl.learn(&consumed.values.serde);
    let values: SerdeRef<Option<V>> = Arc::new(OptionSerde(ArcSerde(consumed.values.serde)));
    let source_name = dsl.name(consumed.name, "KSTREAM-SOURCE");
    let source = dsl.table_source(
        source_name,
        vec![TopicName::User(topic.to_owned())],
        consumed.keys.serde,
        values,
        consumed.extractor,
    );
    let name = dsl.name(None, "KTABLE-SOURCE");
    let slot = (store.clone(), name.clone());
    let node =
        dsl.operator::<K, Option<V>, K, Change<V>, _>(name, vec![source], vec![store.clone()], move |out| {
            TableSource {
                store: StoreSlot::new(&slot.0, &slot.1),
                out,
            }
        });
    KTable::new(dsl, node, Some(store))
}

impl<'b, K: Clone + 'static, V: Clone + 'static> KTable<'b, K, V> {
    pub(crate) fn new(dsl: &'b Dsl, node: usize, store: Option<String>) -> Self {
        Self {
            dsl,
            node,
            store,
            _types: PhantomData,
        }
    }

    /// The handle of the table's store, to query it
    /// ([`KafkaStreams::store`](crate::KafkaStreams::store),
    /// [`TopologyTestDriver::store`](crate::TopologyTestDriver::store)) or to connect it
    /// to a processor; `None` when the table is not materialized (the result of
    /// `filter`, `map_values`, a join: [`KTable::materialize`] stores it).
    pub fn store_handle(&self) -> Option<StoreHandle<K, V>> {
        self.dsl.store_handle(self.store.as_deref()?)
    }

    /// A row-by-row step: `f` maps the new and the old value of each change.
    pub(crate) fn then<V2: Clone + 'static>(
        &self,
        named: Option<Named>,
        prefix: &str,
        f: impl Fn(&K, Option<V>) -> Option<V2> + Send + Sync + 'static,
    ) -> KTable<'b, K, V2> {
        let name = self.dsl.name(named.map(Named::into_string), prefix);
        let node = self.dsl.step::<K, Change<V>, K, Change<V2>>(
            name,
            vec![self.node],
            move |ctx, k, change, out| {
                let new = f(&k, change.new);
                let old = f(&k, change.old);
                if new.is_none() && old.is_none() {
                    return Ok(());
                }
                out.forward(ctx, k, Change { new, old })
            },
        );
        KTable::new(self.dsl, node, None)
    }

    /// Keeps the rows for which `predicate` holds; a row that stops matching is deleted
    /// downstream.
    pub fn filter(&self, predicate: impl Fn(&K, &V) -> bool + Send + Sync + 'static) -> KTable<'b, K, V> {
        self.then(None, "KTABLE-FILTER", move |k, v| v.filter(|v| predicate(k, v)))
    }

    /// [`filter`](Self::filter), naming the processor.
    pub fn filter_with(
        &self,
        predicate: impl Fn(&K, &V) -> bool + Send + Sync + 'static,
        named: Named,
    ) -> KTable<'b, K, V> {
        self.then(Some(named), "KTABLE-FILTER", move |k, v| {
            v.filter(|v| predicate(k, v))
        })
    }

    /// Drops the rows for which `predicate` holds.
    pub fn filter_not(&self, predicate: impl Fn(&K, &V) -> bool + Send + Sync + 'static) -> KTable<'b, K, V> {
        self.then(None, "KTABLE-FILTER", move |k, v| v.filter(|v| !predicate(k, v)))
    }

    /// [`filter_not`](Self::filter_not), naming the processor.
    pub fn filter_not_with(
        &self,
        predicate: impl Fn(&K, &V) -> bool + Send + Sync + 'static,
        named: Named,
    ) -> KTable<'b, K, V> {
        self.then(Some(named), "KTABLE-FILTER", move |k, v| {
            v.filter(|v| !predicate(k, v))
        })
    }

    /// A new value per row, from the row's value.
    pub fn map_values<V2: Clone + 'static>(
        &self,
        mapper: impl Fn(&V) -> V2 + Send + Sync + 'static,
    ) -> KTable<'b, K, V2> {
        self.then(None, "KTABLE-MAPVALUES", move |_, v| v.map(|v| mapper(&v)))
    }

    /// [`map_values`](Self::map_values), naming the processor.
    pub fn map_values_with<V2: Clone + 'static>(
        &self,
        mapper: impl Fn(&V) -> V2 + Send + Sync + 'static,
        named: Named,
    ) -> KTable<'b, K, V2> {
        self.then(Some(named), "KTABLE-MAPVALUES", move |_, v| v.map(|v| mapper(&v)))
    }

    /// A new value per row, from its key and value (Kafka's `ValueMapperWithKey`).
    pub fn map_values_with_key<V2: Clone + 'static>(
        &self,
        mapper: impl Fn(&K, &V) -> V2 + Send + Sync + 'static,
    ) -> KTable<'b, K, V2> {
        self.then(None, "KTABLE-MAPVALUES", move |k, v| v.map(|v| mapper(k, &v)))
    }

    /// [`map_values_with_key`](Self::map_values_with_key), naming the processor.
    pub fn map_values_with_key_with<V2: Clone + 'static>(
        &self,
        mapper: impl Fn(&K, &V) -> V2 + Send + Sync + 'static,
        named: Named,
    ) -> KTable<'b, K, V2> {
        self.then(Some(named), "KTABLE-MAPVALUES", move |k, v| {
            v.map(|v| mapper(k, &v))
        })
    }

    /// The table's updates as a stream: the new value, or `None` for a deletion.
    pub fn to_stream(&self) -> KStream<'b, K, Option<V>> {
        self.to_stream_step(None)
    }

    /// [`to_stream`](Self::to_stream), naming the processor.
    pub fn to_stream_with(&self, named: Named) -> KStream<'b, K, Option<V>> {
        self.to_stream_step(Some(named))
    }

    fn to_stream_step(&self, named: Option<Named>) -> KStream<'b, K, Option<V>> {
        let name = self.dsl.name(named.map(Named::into_string), "KTABLE-TOSTREAM");
        let node =
            self.dsl
                .step::<K, Change<V>, K, Option<V>>(name, vec![self.node], |ctx, k, change, out| {
                    out.forward(ctx, k, change.new)
                });
        KStream::new(self.dsl, node, false)
    }

    /// Re-keys the rows for an aggregation (through a repartition topic): an update
    /// takes the old row out of its group and adds the new row to its group. A `None`
    /// key leaves the row out, as Kafka leaves out a null key.
    pub fn group_by<K2, V2>(
        &self,
        selector: impl Fn(&K, &V) -> (Option<K2>, V2) + Send + Sync + 'static,
        grouped: Grouped<K2, V2>,
    ) -> KGroupedTable<'b, K2, V2>
    where
        K2: Clone + 'static,
        V2: Clone + 'static,
    {
        grouped_table::group(self, selector, grouped)
    }

    /// Stores the table (to join it again or query it).
    pub fn materialize(&self, m: Materialized<K, V>) -> KTable<'b, K, V> {
        let store = self.dsl.store(&m, "KTABLE-MATERIALIZE-STATE-STORE");
        let name = self.dsl.name(None, "KTABLE-MATERIALIZE");
        let slot = (store.clone(), name.clone());
        let node = self.dsl.operator::<K, Change<V>, K, Change<V>, _>(
            name,
            vec![self.node],
            vec![store.clone()],
            move |out| Materialize {
                store: StoreSlot::new(&slot.0, &slot.1),
                out,
            },
        );
        KTable::new(self.dsl, node, Some(store))
    }
}

impl<'b, K: Clone + 'static, V: Clone + 'static> KTable<'b, K, Option<V>> {
    /// The rows whose value is `Some`, unwrapped; a `None` deletes the row.
    pub(crate) fn flatten(&self) -> KTable<'b, K, V> {
        self.then(None, "KTABLE-MAPVALUES", |_, v| v.flatten())
    }
}
