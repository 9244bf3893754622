//! [`KGroupedTable`]: a table re-keyed for aggregation. Each update of the source table
//! takes the old row out of its group (through the subtractor) and adds the new one to
//! its group (through the adder), so aggregates stay right when rows change group; a
//! row updated within its group goes through the repartition topic as one change
//! with both values, taken in one step (Kafka Streams' KIP-904).

use std::fmt;
use std::sync::Arc;

use super::building::{RepartitionNames, RepartitionSpec};
use super::kstream::KStream;
use super::ktable::KTable;
use super::nulls::{NullCheck, RecordNulls};
use super::ops::{
    AggregateStep, Change, ChangeSerde, Emitter, StoreSlot, TableAggregate, TableAggregator, drop_null_key,
};
use super::options::{Grouped, Named};
use crate::processor::{Fanout, TaskCtx};
use crate::serdes::SerdeRef;
use crate::store::Materialized;

/// A table grouped by a new key, to aggregate with an adder and a subtractor.
pub struct KGroupedTable<'b, K, V> {
    /// The re-keyed rows' changes, before the repartition topic.
    changes: KStream<'b, K, Change<V>>,
    keys: SerdeRef<K>,
    values: SerdeRef<Change<V>>,
    /// The `Grouped` name: the repartition topic's.
    name: Option<String>,
}

impl<K, V> fmt::Debug for KGroupedTable<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KGroupedTable")
            .field("processor", &self.changes.dsl.node_name(self.changes.node))
            .finish()
    }
}

/// Re-keys a table's changes by the groups of their rows and repartitions them by the
/// new key.
pub(crate) fn group<'b, K, V, K2, V2>(
    table: &KTable<'b, K, V>,
    selector: impl Fn(&K, &V) -> (Option<K2>, V2) + Send + Sync + 'static,
    grouped: Grouped<K2, V2>,
) -> KGroupedTable<'b, K2, V2>
where
    K: Clone + 'static,
    V: Clone + 'static,
    K2: Clone + PartialEq + 'static,
    V2: Clone + 'static,
{
    let dsl = table.dsl;
    // Named by `Grouped` (or `KTABLE-SELECT-…`), as Kafka Streams names it.
    let name = dsl.name(grouped.name.clone(), "KTABLE-SELECT");
    let processor = name.clone();
    dsl.learn(&grouped.keys.serde);
    dsl.learn(&grouped.values.serde);
    // A row whose new key or value is null leaves or joins no group.
    let nulls = RecordNulls::new(
        &name,
        NullCheck::of(&grouped.keys.serde),
        NullCheck::of(&grouped.values.serde),
    );
    let select =
        dsl.step::<K, Change<V>, K2, Change<V2>>(name, vec![table.node], move |ctx, k, change, out| {
            // The new row is mapped first, as Kafka Streams maps it.
            let group = |row: Option<V>| match row {
                Some(row) => group_of(ctx, &processor, &selector, &nulls, &k, row),
                None => None,
            };
            let new = group(change.new);
            let old = group(change.old);
            for (k2, change) in regrouped(old, new).into_iter().flatten() {
                out.forward(ctx, k2, change)?;
            }
            Ok(())
        });
    table.need_old_values();
    KGroupedTable {
        changes: KStream::new(dsl, select, true),
        keys: grouped.keys.serde,
        values: Arc::new(ChangeSerde(grouped.values.serde)),
        name: grouped.name,
    }
}

/// What a row's change sends to the groups, from its old and its new row's group and
/// value: one change with both when they are in the same group, else the old row out of
/// its group, then the new row into its own.
fn regrouped<K2: PartialEq, V2>(
    old: Option<(K2, V2)>,
    new: Option<(K2, V2)>,
) -> [Option<(K2, Change<V2>)>; 2] {
    let change = |new, old| Change { new, old };
    match (old, new) {
        (Some((ko, old)), Some((kn, new))) if ko == kn => [Some((kn, change(Some(new), Some(old)))), None],
        (old, new) => [
            old.map(|(k, v)| (k, change(None, Some(v)))),
            new.map(|(k, v)| (k, change(Some(v), None))),
        ],
    }
}

/// The group of a row and the value it brings, or `None` (counted as dropped) for a
/// row the selector gives no key.
fn group_of<K, V, K2: 'static, V2: 'static>(
    ctx: &TaskCtx,
    processor: &str,
    selector: &impl Fn(&K, &V) -> (Option<K2>, V2),
    nulls: &RecordNulls<K2, V2>,
    key: &K,
    row: V,
) -> Option<(K2, V2)> {
    match selector(key, &row) {
        // A row whose new key or value is null (by the serdes) leaves or joins no group.
        (Some(k2), value) if nulls.skips(ctx, &k2, &value) => None,
        (Some(k2), value) => Some((k2, value)),
        (None, _) => {
            drop_null_key(ctx, processor);
            None
        }
    }
}

impl<'b, K: Clone + 'static, V: Clone + 'static> KGroupedTable<'b, K, V> {
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
        let adder = move |k: &K, v, agg: Option<A>| adder(k, v, agg.unwrap_or_else(&init));
        self.table_aggregate(
            Arc::new(adder),
            Arc::new(subtractor),
            m,
            named,
            "KTABLE-AGGREGATE",
        )
    }

    /// The aggregation node, named as Kafka Streams names it (its store
    /// `KTABLE-AGGREGATE-STATE-STORE-…` unless `m` names it; the repartition sink and
    /// source `<name>-sink` and `<name>-source` or fresh ones; the processor `<name>` or
    /// a fresh one after `prefix`), under the repartition of the rows' changes through
    /// `<Grouped name or store name>-repartition`. `adder` gets `None` for a key
    /// without an aggregate yet.
    fn table_aggregate<A: Clone + 'static>(
        &self,
        adder: AggregateStep<K, V, A>,
        subtractor: TableAggregator<K, V, A>,
        m: Materialized<K, A>,
        named: Option<Named>,
        prefix: &str,
    ) -> KTable<'b, K, A> {
        let dsl = self.changes.dsl;
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
            self.changes.node,
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
        let store = dsl.store_named(&store, &m);
        let slot = (store.clone(), name.clone());
        let node = dsl.operator::<K, Change<V>, K, Change<A>, _>(
            name,
            vec![source],
            vec![store.clone()],
            move |out: Fanout<K, Change<A>>| TableAggregate {
                store: StoreSlot::new(&slot.0, &slot.1),
                adder: adder.clone(),
                subtractor: subtractor.clone(),
                out: Emitter::new(out, true),
            },
        );
        KTable::stored(dsl, node, store)
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
        // The first row of a key is its aggregate.
        let adder = move |_: &K, v, agg: Option<V>| match agg {
            Some(a) => adder(a, v),
            None => v,
        };
        let subtractor = move |_: &K, v, agg| subtractor(agg, v);
        self.table_aggregate(Arc::new(adder), Arc::new(subtractor), m, named, "KTABLE-REDUCE")
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
