//! [`KGroupedTable`]: a table re-keyed for aggregation. Each update of the source table
//! becomes a retraction of the old row (through the subtractor) and an addition of the
//! new one (through the adder), so aggregates stay right when rows change group.

use std::fmt;
use std::sync::Arc;

use super::building::{RepartitionNames, RepartitionSpec};
use super::kstream::KStream;
use super::ktable::KTable;
use super::ops::{
    Change, Delta, DeltaSerde, Reducer, StoreSlot, TableAggregate, TableAggregator, TableReduce,
    drop_null_key,
};
use super::options::{Grouped, Named};
use crate::processor::Fanout;
use crate::serdes::SerdeRef;
use crate::store::{Materialized, StoreSpec};

/// A table grouped by a new key, to aggregate with an adder and a subtractor. Each
/// aggregation repartitions the re-keyed rows through
/// `<application.id>-<name>-repartition`: the `Grouped` name, or the aggregation's store
/// name (as Kafka Streams names it).
pub struct KGroupedTable<'b, K, V> {
    /// The re-keyed rows, before the repartition topic.
    deltas: KStream<'b, K, Delta<V>>,
    keys: SerdeRef<K>,
    values: SerdeRef<Delta<V>>,
    /// The `Grouped` name: the repartition topic's.
    name: Option<String>,
}

impl<K, V> fmt::Debug for KGroupedTable<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KGroupedTable")
            .field("processor", &self.deltas.dsl.node_name(self.deltas.node))
            .finish()
    }
}

/// Re-keys a table's changes into deltas, in a processor named by `Grouped` (or
/// `KTABLE-SELECT-…`), as Kafka Streams names it.
pub(crate) fn group<'b, K, V, K2, V2>(
    table: &KTable<'b, K, V>,
    selector: impl Fn(&K, &V) -> (Option<K2>, V2) + Send + Sync + 'static,
    grouped: Grouped<K2, V2>,
) -> KGroupedTable<'b, K2, V2>
where
    K: Clone + 'static,
    V: Clone + 'static,
    K2: Clone + 'static,
    V2: Clone + 'static,
{
    let dsl = table.dsl;
    let name = dsl.name(grouped.name.clone(), "KTABLE-SELECT");
    let processor = name.clone();
    let select =
        dsl.step::<K, Change<V>, K2, Delta<V2>>(name, vec![table.node], move |ctx, k, change, out| {
            let rows = [(change.old, true), (change.new, false)];
            for (row, subtract) in rows {
                let Some(row) = row else { continue };
                match selector(&k, &row) {
                    (Some(k2), value) => out.forward(ctx, k2, Delta { value, subtract })?,
                    (None, _) => drop_null_key(ctx, &processor),
                }
            }
            Ok(())
        });
    KGroupedTable {
        deltas: KStream::new(dsl, select, true),
        keys: grouped.keys.serde,
        values: Arc::new(DeltaSerde(grouped.values.serde)),
        name: grouped.name,
    }
}

impl<'b, K: Clone + 'static, V: Clone + 'static> KGroupedTable<'b, K, V> {
    /// Names an aggregation as Kafka Streams does (its store `<store prefix>-STATE-STORE-…`
    /// unless `m` names it, the repartition sink and source `<name>-sink` and
    /// `<name>-source` or fresh ones, the processor `<name>` or a fresh one after
    /// `prefix`), repartitions the rows, and adds the aggregation's processor from
    /// `make(processor, store)` under the repartition's source.
    fn aggregation<A: Clone + 'static, N: crate::processor::Node<K, Delta<V>> + 'static>(
        &self,
        m: &Materialized<K, A>,
        named: Option<Named>,
        prefix: &str,
        make: impl Fn(&str, &str, Fanout<K, Change<A>>) -> N + Send + Sync + 'static,
    ) -> KTable<'b, K, A> {
        let dsl = self.deltas.dsl;
        let store = m
            .name
            .clone()
            .unwrap_or_else(|| dsl.store_name("KTABLE-AGGREGATE"));
        let named = named.map(Named::into_string);
        let sink = dsl.suffixed(named.as_deref(), "-sink", "KSTREAM-SINK");
        let source = dsl.suffixed(named.as_deref(), "-source", "KSTREAM-SOURCE");
        let name = dsl.name(named, prefix);
        let topic = format!("{}-repartition", self.name.as_deref().unwrap_or(&store));
        let source = dsl.repartition(
            self.deltas.node,
            RepartitionSpec {
                topic,
                names: RepartitionNames {
                    filter: None,
                    sink,
                    source,
                },
                keys: self.keys.clone(),
                values: self.values.clone(),
                partitioner: None,
                partitions: None,
            },
            true,
        );
        let store = dsl.declare_store(StoreSpec::of(&store, m));
        let slot = (name.clone(), store.clone());
        let node = dsl.operator::<K, Delta<V>, K, Change<A>, _>(
            name,
            vec![source],
            vec![store.clone()],
            move |out| make(&slot.0, &slot.1, out),
        );
        KTable::stored(dsl, node, store)
    }

    /// Aggregates: `adder` takes in each new row, `subtractor` takes back each old one.
    pub fn aggregate<A: Clone + 'static>(
        &self,
        init: impl Fn() -> A + Send + Sync + 'static,
        adder: impl Fn(&K, V, A) -> A + Send + Sync + 'static,
        subtractor: impl Fn(&K, V, A) -> A + Send + Sync + 'static,
        m: Materialized<K, A>,
    ) -> KTable<'b, K, A> {
        self.aggregate_step(init, adder, subtractor, m, None)
    }

    /// [`aggregate`](Self::aggregate), naming the processor.
    pub fn aggregate_with<A: Clone + 'static>(
        &self,
        init: impl Fn() -> A + Send + Sync + 'static,
        adder: impl Fn(&K, V, A) -> A + Send + Sync + 'static,
        subtractor: impl Fn(&K, V, A) -> A + Send + Sync + 'static,
        m: Materialized<K, A>,
        named: Named,
    ) -> KTable<'b, K, A> {
        self.aggregate_step(init, adder, subtractor, m, Some(named))
    }

    fn aggregate_step<A: Clone + 'static>(
        &self,
        init: impl Fn() -> A + Send + Sync + 'static,
        adder: impl Fn(&K, V, A) -> A + Send + Sync + 'static,
        subtractor: impl Fn(&K, V, A) -> A + Send + Sync + 'static,
        m: Materialized<K, A>,
        named: Option<Named>,
    ) -> KTable<'b, K, A> {
        let init: Arc<dyn Fn() -> A + Send + Sync> = Arc::new(init);
        let (adder, subtractor): (TableAggregator<K, V, A>, TableAggregator<K, V, A>) =
            (Arc::new(adder), Arc::new(subtractor));
        self.aggregation(&m, named, "KTABLE-AGGREGATE", move |name, store, out| {
            TableAggregate {
                store: StoreSlot::new(store, name),
                init: init.clone(),
                adder: adder.clone(),
                subtractor: subtractor.clone(),
                out,
            }
        })
    }

    /// Combines rows: `adder(aggregate, new)`, `subtractor(aggregate, old)`.
    pub fn reduce(
        &self,
        adder: impl Fn(V, V) -> V + Send + Sync + 'static,
        subtractor: impl Fn(V, V) -> V + Send + Sync + 'static,
        m: Materialized<K, V>,
    ) -> KTable<'b, K, V> {
        self.reduce_step(adder, subtractor, m, None)
    }

    /// [`reduce`](Self::reduce), naming the processor.
    pub fn reduce_with(
        &self,
        adder: impl Fn(V, V) -> V + Send + Sync + 'static,
        subtractor: impl Fn(V, V) -> V + Send + Sync + 'static,
        m: Materialized<K, V>,
        named: Named,
    ) -> KTable<'b, K, V> {
        self.reduce_step(adder, subtractor, m, Some(named))
    }

    fn reduce_step(
        &self,
        adder: impl Fn(V, V) -> V + Send + Sync + 'static,
        subtractor: impl Fn(V, V) -> V + Send + Sync + 'static,
        m: Materialized<K, V>,
        named: Option<Named>,
    ) -> KTable<'b, K, V> {
        let (adder, subtractor): (Reducer<V>, Reducer<V>) = (Arc::new(adder), Arc::new(subtractor));
        self.aggregation(&m, named, "KTABLE-REDUCE", move |name, store, out| TableReduce {
            store: StoreSlot::new(store, name),
            adder: adder.clone(),
            subtractor: subtractor.clone(),
            out,
        })
    }

    /// The number of rows per key.
    pub fn count(&self, m: Materialized<K, i64>) -> KTable<'b, K, i64> {
        self.count_step(m, None)
    }

    /// [`count`](Self::count), naming the processor.
    pub fn count_with(&self, m: Materialized<K, i64>, named: Named) -> KTable<'b, K, i64> {
        self.count_step(m, Some(named))
    }

    fn count_step(&self, m: Materialized<K, i64>, named: Option<Named>) -> KTable<'b, K, i64> {
        self.aggregate_step(|| 0, |_, _, n| n + 1, |_, _, n| n - 1, m, named)
    }
}
