//! [`KGroupedTable`]: a table re-keyed for aggregation. Each update of the source table
//! becomes a retraction of the old row (through the subtractor) and an addition of the
//! new one (through the adder), so aggregates stay right when rows change group.

use std::fmt;
use std::sync::Arc;

use super::building::RepartitionSpec;
use super::kstream::KStream;
use super::ktable::KTable;
use super::nulls::{NullCheck, RecordNulls};
use super::ops::{
    ArcSerde, Change, Delta, DeltaSerde, StoreSlot, TableAggregate, TableAggregator, drop_null_key,
};
use super::options::{Grouped, Named};
use crate::serdes::{OptionSerde, SerdeRef};
use crate::store::Materialized;

/// A table grouped by a new key, to aggregate with an adder and a subtractor.
pub struct KGroupedTable<'b, K, V> {
    deltas: KStream<'b, K, Delta<V>>,
}

impl<K, V> fmt::Debug for KGroupedTable<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KGroupedTable")
            .field("processor", &self.deltas.dsl.node_name(self.deltas.node))
            .finish()
    }
}

/// Re-keys a table's changes into deltas and repartitions them by the new key.
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
    let name = dsl.name(None, "KTABLE-SELECT");
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
        dsl.step::<K, Change<V>, K2, Delta<V2>>(name, vec![table.node], move |ctx, k, change, out| {
            let rows = [(change.old, true), (change.new, false)];
            for (row, subtract) in rows {
                let Some(row) = row else { continue };
                match selector(&k, &row) {
                    (Some(k2), value) if !nulls.skips(ctx, &k2, &value) => {
                        out.forward(ctx, k2, Delta { value, subtract })?;
                    }
                    (Some(_), _) => {}
                    (None, _) => drop_null_key(ctx, &processor),
                }
            }
            Ok(())
        });
    let base = dsl.name(grouped.name, "KTABLE-AGGREGATE");
    let deltas: SerdeRef<Delta<V2>> = Arc::new(DeltaSerde(grouped.values.serde));
    let source = dsl.repartition(
        select,
        RepartitionSpec {
            base,
            keys: grouped.keys.serde,
            values: deltas,
            partitioner: None,
            partitions: None,
        },
    );
    KGroupedTable {
        deltas: KStream::new(dsl, source, false),
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
        let dsl = self.deltas.dsl;
        let name = self.deltas.name_of(named, "KTABLE-AGGREGATE");
        let store = dsl.store(&m, &format!("{name}-STATE-STORE"));
        let init: Arc<dyn Fn() -> A + Send + Sync> = Arc::new(init);
        let (adder, subtractor): (TableAggregator<K, V, A>, TableAggregator<K, V, A>) =
            (Arc::new(adder), Arc::new(subtractor));
        let slot = (store.clone(), name.clone());
        let node = dsl.operator::<K, Delta<V>, K, Change<A>, _>(
            name,
            vec![self.deltas.node],
            vec![store.clone()],
            move |out| TableAggregate {
                store: StoreSlot::new(&slot.0, &slot.1),
                init: init.clone(),
                adder: adder.clone(),
                subtractor: subtractor.clone(),
                out,
            },
        );
        KTable::new(dsl, node, Some(store))
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
        // The aggregate of no rows is "no value yet": the first row starts it.
        let table = self.aggregate_step(
            || None::<V>,
            move |_, v, agg| {
                Some(match agg {
                    Some(a) => adder(a, v),
                    None => v,
                })
            },
            move |_, v, agg| agg.map(|a| subtractor(a, v)),
            m.derived(
                m.name.clone().map(|n| format!("{n}-optional")),
                Arc::new(OptionSerde(ArcSerde(m.values.clone()))),
            ),
            named,
        );
        table.flatten().materialize(m)
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
