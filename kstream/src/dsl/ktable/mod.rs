//! [`KTable`]: a changelog stream read as a table, the latest value per key. Row-by-row
//! operations are here, joins of two tables on their keys in `joins`, on a foreign key
//! in `foreign_key`, and which of a table's processors send old values in `old_values`.

mod foreign_key;
mod joins;
mod old_values;
mod suppress;

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::building::Dsl;
use super::grouped_table::{self, KGroupedTable};
use super::kstream::KStream;
use super::ops::{
    ArcSerde, Change, Getter, Materialize, RowMapper, StepFn, StepNode, StoreSlot, TableSource,
    VersionedSlot, VersionedTableSource,
};
use super::options::{Consumed, Grouped, Named};
use crate::graph::TopicName;
use crate::serdes::{OptionSerde, SerdeRef};
use crate::store::{Materialized, StoreHandle, StoreSpec, ValueLayout};
pub(crate) use old_values::OldValues;

/// A table, typed by its key `K` and value `V`, borrowing the
/// [`StreamsBuilder`](crate::StreamsBuilder) it was made from for `'b`. Where an
/// operation downstream needs it (`group_by`, left and outer joins, `filter` over a stored
/// table), an update carries the old value too, so that what was emitted before can be
/// retracted. A table's values live in its store: functions borrow them.
///
/// A table derived from another (`filter`, `map_values`, a join) has no store of its
/// own unless [`materialize`](KTable::materialize)d; joining it reads through to the
/// stores of the tables it comes from, applying the derivation on read, as Kafka
/// Streams' value getters do (a table source without a store is given one then).
pub struct KTable<'b, K, V> {
    pub(crate) dsl: &'b Dsl,
    /// The node that emits the table's changes.
    pub(crate) node: usize,
    /// The store holding the table, when it is materialized.
    pub(crate) store: Option<String>,
    /// Whether the node sends old values.
    pub(crate) old: OldValues,
    /// How a join reads the table's current values (through [`KTable::value_getter`]).
    getter: Getter<K, V>,
    _types: PhantomData<fn() -> (K, V)>,
}

impl<K, V> Clone for KTable<'_, K, V> {
    fn clone(&self) -> Self {
        Self {
            dsl: self.dsl,
            node: self.node,
            store: self.store.clone(),
            old: self.old.clone(),
            getter: self.getter.clone(),
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

/// A table read from `topic`, kept in the store of `m`; without one, in a store of its
/// own (under a name the builder chooses, with the topic's serdes) only once an
/// operation needs it, as Kafka Streams' `builder.table(topic, consumed)`.
pub(crate) fn source<'b, K, V>(
    dsl: &'b Dsl,
    topic: &str,
    consumed: Consumed<K, V>,
    m: Option<Materialized<K, V>>,
) -> KTable<'b, K, V>
where
    K: Clone + 'static,
    V: Clone + 'static,
{
    let versioned = m.as_ref().is_some_and(|m| m.history.is_some());
    let store = match &m {
        Some(m) if versioned => dsl.versioned_store(m, topic),
        Some(m) => dsl.store(m, topic),
        None => dsl.store_name(topic),
    };
    let on_demand = m.is_none().then(|| {
        let m = Materialized::with(
            ArcSerde(consumed.keys.serde.clone()),
            ArcSerde(consumed.values.serde.clone()),
        );
        StoreSpec::of(&store, &m, ValueLayout::Timestamped)
    });
    dsl.learn(&consumed.values.serde);
    let values: SerdeRef<Option<V>> = Arc::new(OptionSerde(ArcSerde(consumed.values.serde)));
    // Kafka Streams' names: `<Consumed name>-source` and `<Consumed name>`, or fresh ones.
    let source_name = dsl.suffixed(consumed.name.as_deref(), "-source", "KSTREAM-SOURCE");
    let name = dsl.name(consumed.name, "KTABLE-SOURCE");
    let source = dsl.table_source(
        source_name,
        vec![TopicName::User(topic.to_owned())],
        consumed.keys.serde,
        values,
        consumed.extractor,
    );
    let old = OldValues::source(m.is_some());
    if versioned {
        return versioned_source(dsl, name, source, store, old);
    }
    let (stored, send_old) = (old.keeps_store(), old.sends());
    let slot = (store.clone(), name.clone());
    let stores = if m.is_some() {
        vec![store.clone()]
    } else {
        Vec::new()
    };
    let node = dsl.operator::<K, Option<V>, K, Change<V>, _>(name, vec![source], stores, move |out| {
        TableSource::new(
            stored
                .load(Ordering::Relaxed)
                .then(|| StoreSlot::new(&slot.0, &slot.1)),
            send_old.load(Ordering::Relaxed),
            out,
        )
    });
    if let Some(spec) = on_demand {
        old.on_demand(node, spec);
    }
    let getter = Getter::store(&store);
    KTable::with(dsl, node, m.is_some().then_some(store), old, getter)
}

/// The processor of a table source kept in a versioned store: out-of-order records go
/// into the store's history without being forwarded, and joins read the table as of the
/// stream record's time.
fn versioned_source<'b, K, V>(
    dsl: &'b Dsl,
    name: String,
    source: usize,
    store: String,
    old: OldValues,
) -> KTable<'b, K, V>
where
    K: Clone + 'static,
    V: Clone + 'static,
{
    let send_old = old.sends();
    let slot = (store.clone(), name.clone());
    let node =
        dsl.operator::<K, Option<V>, K, Change<V>, _>(name, vec![source], vec![store.clone()], move |out| {
            VersionedTableSource {
                store: VersionedSlot::new(&slot.0, &slot.1),
                send_old: send_old.load(Ordering::Relaxed),
                out,
            }
        });
    let getter = Getter::versioned(&store);
    KTable::with(dsl, node, Some(store), old, getter)
}

impl<'b, K: Clone + 'static, V: Clone + 'static> KTable<'b, K, V> {
    /// A stored result (an aggregation, a materialized table) kept in `store`, emitted by
    /// `node`: it always sends old values, and is read from its store.
    pub(crate) fn stored(dsl: &'b Dsl, node: usize, store: String) -> Self {
        let getter = Getter::store(&store);
        Self::with(dsl, node, Some(store), OldValues::stored(), getter)
    }

    /// A table kept in `store` by the table source `node` (as `KStream::to_table`
    /// makes it), which sends old values once asked, as `old` says.
    pub(crate) fn stored_source(dsl: &'b Dsl, node: usize, store: String, old: OldValues) -> Self {
        let getter = Getter::store(&store);
        Self::with(dsl, node, Some(store), old, getter)
    }

    /// A table without a store, emitted by `node`, sending old values as `old` says and
    /// read through `getter`.
    pub(crate) fn derived(dsl: &'b Dsl, node: usize, old: OldValues, getter: Getter<K, V>) -> Self {
        Self::with(dsl, node, None, old, getter)
    }

    fn with(dsl: &'b Dsl, node: usize, store: Option<String>, old: OldValues, getter: Getter<K, V>) -> Self {
        Self {
            dsl,
            node,
            store,
            old,
            getter,
            _types: PhantomData,
        }
    }

    /// How to read the table's current values, for a join (Kafka Streams'
    /// `valueGetterSupplier()`): from its store, or through the tables it was derived
    /// from. A table source without a store that the reads reach is given one now.
    pub(crate) fn value_getter(&self) -> Getter<K, V> {
        self.old.readable(self.dsl);
        self.getter.clone()
    }

    /// The store the table's rows are kept in, when there is one (a stored table, or a
    /// source, given its store now when it had none): what a foreign-key join reads and
    /// writes through. `None` for a table derived without a store.
    pub(crate) fn lookup_store(&self) -> Option<String> {
        self.value_getter().direct
    }

    /// Asks the table to send old values, and to keep a store for them if it is a
    /// source without one: for an operation that needs them (`group_by`, the outer sides
    /// of a join).
    pub(crate) fn need_old_values(&self) {
        self.old.enable(self.dsl, true);
    }

    /// The handle of the table's store, to query it
    /// ([`KafkaStreams::store`](crate::KafkaStreams::store),
    /// [`TopologyTestDriver::store`](crate::TopologyTestDriver::store)) or to connect it
    /// to a processor; `None` when the table is not materialized (the result of
    /// `filter`, `map_values`, a join: [`KTable::materialize`] stores it), and for a
    /// source from [`StreamsBuilder::table_unmaterialized`](crate::StreamsBuilder::table_unmaterialized),
    /// also once it keeps a store for an operation that needs one.
    pub fn store_handle(&self) -> Option<StoreHandle<K, V>> {
        self.dsl.store_handle(self.store.as_deref()?)
    }

    /// A row-by-row step: `f` maps the new value of each change, the old one when the
    /// step sends old values, and the values a join reads. A filter asks its parent for
    /// old values when it is made, and passes on no change that has neither value when
    /// it has them.
    fn then<V2: Clone + 'static>(
        &self,
        named: Option<Named>,
        prefix: &str,
        filter: bool,
        f: impl Fn(&K, Option<V>) -> Option<V2> + Send + Sync + 'static,
    ) -> KTable<'b, K, V2> {
        let old = OldValues::step(&self.old);
        if filter {
            old.enable(self.dsl, false);
        }
        let send_old = old.sends();
        let name = self.dsl.name(named.map(Named::into_string), prefix);
        let f: RowMapper<K, V, V2> = Arc::new(f);
        let getter = self.getter.map(f.clone());
        let step: StepFn<K, Change<V>, K, Change<V2>> = Arc::new(move |ctx, k, change, out| {
            let send_old = send_old.load(Ordering::Relaxed);
            let new = f(&k, change.new);
            let old = if send_old { f(&k, change.old) } else { None };
            if filter && send_old && new.is_none() && old.is_none() {
                return Ok(());
            }
            out.forward(ctx, k, Change { new, old })
        });
        let node = self.dsl.table_operator::<K, Change<V>, K, V2, _>(
            name,
            vec![self.node],
            Vec::new(),
            move |out| StepNode {
                step: step.clone(),
                out,
            },
        );
        KTable::derived(self.dsl, node, old, getter)
    }

    /// Keeps the rows for which `predicate` holds; a row that stops matching is deleted
    /// downstream. Without old values (over a table source without a store, unless an
    /// operation downstream needs them) every rejected update is forwarded as a
    /// deletion, also of a row that was never there, as Kafka Streams does.
    pub fn filter(&self, predicate: impl Fn(&K, &V) -> bool + Send + Sync + 'static) -> KTable<'b, K, V> {
        self.then(None, "KTABLE-FILTER", true, move |k, v| {
            v.filter(|v| predicate(k, v))
        })
    }

    /// [`filter`](Self::filter), naming the processor.
    pub fn filter_with(
        &self,
        predicate: impl Fn(&K, &V) -> bool + Send + Sync + 'static,
        named: Named,
    ) -> KTable<'b, K, V> {
        self.then(Some(named), "KTABLE-FILTER", true, move |k, v| {
            v.filter(|v| predicate(k, v))
        })
    }

    /// Drops the rows for which `predicate` holds: [`filter`](Self::filter) with the
    /// predicate negated (a deletion stays a deletion).
    pub fn filter_not(&self, predicate: impl Fn(&K, &V) -> bool + Send + Sync + 'static) -> KTable<'b, K, V> {
        self.then(None, "KTABLE-FILTER", true, move |k, v| {
            v.filter(|v| !predicate(k, v))
        })
    }

    /// [`filter_not`](Self::filter_not), naming the processor.
    pub fn filter_not_with(
        &self,
        predicate: impl Fn(&K, &V) -> bool + Send + Sync + 'static,
        named: Named,
    ) -> KTable<'b, K, V> {
        self.then(Some(named), "KTABLE-FILTER", true, move |k, v| {
            v.filter(|v| !predicate(k, v))
        })
    }

    /// A new value per row, from the row's value.
    pub fn map_values<V2: Clone + 'static>(
        &self,
        mapper: impl Fn(&V) -> V2 + Send + Sync + 'static,
    ) -> KTable<'b, K, V2> {
        self.then(None, "KTABLE-MAPVALUES", false, move |_, v| v.map(|v| mapper(&v)))
    }

    /// [`map_values`](Self::map_values), naming the processor.
    pub fn map_values_with<V2: Clone + 'static>(
        &self,
        mapper: impl Fn(&V) -> V2 + Send + Sync + 'static,
        named: Named,
    ) -> KTable<'b, K, V2> {
        self.then(Some(named), "KTABLE-MAPVALUES", false, move |_, v| {
            v.map(|v| mapper(&v))
        })
    }

    /// A new value per row, from its key and value (Kafka's `ValueMapperWithKey`).
    pub fn map_values_with_key<V2: Clone + 'static>(
        &self,
        mapper: impl Fn(&K, &V) -> V2 + Send + Sync + 'static,
    ) -> KTable<'b, K, V2> {
        self.then(None, "KTABLE-MAPVALUES", false, move |k, v| {
            v.map(|v| mapper(k, &v))
        })
    }

    /// [`map_values_with_key`](Self::map_values_with_key), naming the processor.
    pub fn map_values_with_key_with<V2: Clone + 'static>(
        &self,
        mapper: impl Fn(&K, &V) -> V2 + Send + Sync + 'static,
        named: Named,
    ) -> KTable<'b, K, V2> {
        self.then(Some(named), "KTABLE-MAPVALUES", false, move |k, v| {
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
    /// takes the old row out of its group and adds the new row to its group, in one
    /// step when both are in the same group (equal keys), so the aggregate changes once.
    /// A `None` key leaves the row out, as Kafka leaves out a null key.
    pub fn group_by<K2, V2>(
        &self,
        selector: impl Fn(&K, &V) -> (Option<K2>, V2) + Send + Sync + 'static,
        grouped: Grouped<K2, V2>,
    ) -> KGroupedTable<'b, K2, V2>
    where
        K2: Clone + PartialEq + 'static,
        V2: Clone + 'static,
    {
        grouped_table::group(self, selector, grouped)
    }

    /// Stores the table (to query it, or so that joins read it from its own store). A
    /// table derived by `filter`, `map_values` or a join keeps its rows in the store
    /// itself, as Kafka Streams' operation given a `Materialized` does; any other table
    /// (one with a store already) is copied into the store by a processor of its own.
    pub fn materialize(&self, m: Materialized<K, V>) -> KTable<'b, K, V> {
        if self.store.is_none() {
            let store = m
                .name
                .clone()
                .unwrap_or_else(|| self.dsl.store_name("KTABLE-MATERIALIZE"));
            let store = self.dsl.store_named(&store, &m);
            if self.dsl.materialize_in_place(self.node, &store) {
                return KTable::stored(self.dsl, self.node, store);
            }
            return self.materialize_into(store);
        }
        let store = self.dsl.store(&m, "KTABLE-MATERIALIZE");
        self.materialize_into(store)
    }

    /// A processor of its own copying the table into `store`.
    fn materialize_into(&self, store: String) -> KTable<'b, K, V> {
        let name = self.dsl.fresh("KTABLE-MATERIALIZE");
        let slot = (store.clone(), name.clone());
        let node = self.dsl.operator::<K, Change<V>, K, Change<V>, _>(
            name,
            vec![self.node],
            vec![store.clone()],
            move |out| Materialize::new(StoreSlot::new(&slot.0, &slot.1), out),
        );
        KTable::stored(self.dsl, node, store)
    }
}
