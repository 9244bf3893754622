//! [`KGroupedStream`]: a stream grouped by key, to aggregate into a table.

use std::fmt;
use std::sync::Arc;

use super::kstream::KStream;
use super::ktable::KTable;
use super::nulls::{NullCheck, RecordNulls};
use super::ops::{Aggregate, AggregateStep, Change, StoreSlot};
use super::options::Named;
use crate::serdes::SerdeRef;
use crate::store::Materialized;

/// A stream grouped by its key (records with equal keys are in one task).
pub struct KGroupedStream<'b, K, V> {
    stream: KStream<'b, K, V>,
    /// Null keys and values, as the grouping's serdes tell them: aggregations skip them.
    keys: NullCheck<K>,
    values: NullCheck<V>,
}

impl<K, V> fmt::Debug for KGroupedStream<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KGroupedStream")
            .field("processor", &self.stream.dsl.node_name(self.stream.node))
            .finish()
    }
}

impl<'b, K: Clone + 'static, V: Clone + 'static> KGroupedStream<'b, K, V> {
    /// `stream` grouped with serdes `keys` and `values`.
    pub(crate) fn new(stream: KStream<'b, K, V>, keys: &SerdeRef<K>, values: &SerdeRef<V>) -> Self {
        Self {
            stream,
            keys: NullCheck::of(keys),
            values: NullCheck::of(values),
        }
    }

    /// The number of records per key, in a store of `m`.
    pub fn count(&self, m: Materialized<K, i64>) -> KTable<'b, K, i64> {
        self.count_step(m, None)
    }

    /// [`count`](Self::count), naming the processor.
    pub fn count_with(&self, m: Materialized<K, i64>, named: Named) -> KTable<'b, K, i64> {
        self.count_step(m, Some(named))
    }

    fn count_step(&self, m: Materialized<K, i64>, named: Option<Named>) -> KTable<'b, K, i64> {
        self.aggregate_node(m, named, "KSTREAM-COUNT", |_, _, n: Option<i64>| {
            n.unwrap_or(0) + 1
        })
    }

    /// Combines the values per key with `reducer(aggregate, value)`; the first value of
    /// a key is its aggregate.
    pub fn reduce(
        &self,
        reducer: impl Fn(V, V) -> V + Send + Sync + 'static,
        m: Materialized<K, V>,
    ) -> KTable<'b, K, V> {
        self.reduce_step(reducer, m, None)
    }

    /// [`reduce`](Self::reduce), naming the processor.
    pub fn reduce_with(
        &self,
        reducer: impl Fn(V, V) -> V + Send + Sync + 'static,
        m: Materialized<K, V>,
        named: Named,
    ) -> KTable<'b, K, V> {
        self.reduce_step(reducer, m, Some(named))
    }

    fn reduce_step(
        &self,
        reducer: impl Fn(V, V) -> V + Send + Sync + 'static,
        m: Materialized<K, V>,
        named: Option<Named>,
    ) -> KTable<'b, K, V> {
        self.aggregate_node(m, named, "KSTREAM-REDUCE", move |_, v, old| match old {
            Some(agg) => reducer(agg, v),
            None => v,
        })
    }

    /// Folds the values per key into an aggregate, starting from `init()`.
    pub fn aggregate<A: Clone + 'static>(
        &self,
        init: impl Fn() -> A + Send + Sync + 'static,
        aggregator: impl Fn(&K, V, A) -> A + Send + Sync + 'static,
        m: Materialized<K, A>,
    ) -> KTable<'b, K, A> {
        self.aggregate_step(init, aggregator, m, None)
    }

    /// [`aggregate`](Self::aggregate), naming the processor.
    pub fn aggregate_with<A: Clone + 'static>(
        &self,
        init: impl Fn() -> A + Send + Sync + 'static,
        aggregator: impl Fn(&K, V, A) -> A + Send + Sync + 'static,
        m: Materialized<K, A>,
        named: Named,
    ) -> KTable<'b, K, A> {
        self.aggregate_step(init, aggregator, m, Some(named))
    }

    fn aggregate_step<A: Clone + 'static>(
        &self,
        init: impl Fn() -> A + Send + Sync + 'static,
        aggregator: impl Fn(&K, V, A) -> A + Send + Sync + 'static,
        m: Materialized<K, A>,
        named: Option<Named>,
    ) -> KTable<'b, K, A> {
        self.aggregate_node(m, named, "KSTREAM-AGGREGATE", move |k, v, old| {
            aggregator(k, v, old.unwrap_or_else(&init))
        })
    }

    fn aggregate_node<A: Clone + 'static>(
        &self,
        m: Materialized<K, A>,
        named: Option<Named>,
        prefix: &str,
        step: impl Fn(&K, V, Option<A>) -> A + Send + Sync + 'static,
    ) -> KTable<'b, K, A> {
        let dsl = self.stream.dsl;
        let name = self.stream.name_of(named, prefix);
        let store = dsl.store(&m, &format!("{name}-STATE-STORE"));
        let step: AggregateStep<K, V, A> = Arc::new(step);
        let (keys, values) = (self.keys.clone(), self.values.clone());
        let slot = (store.clone(), name.clone());
        let node = dsl.operator::<K, V, K, Change<A>, _>(
            name,
            vec![self.stream.node],
            vec![store.clone()],
            move |out| Aggregate {
                nulls: RecordNulls::new(&slot.1, keys.clone(), values.clone()),
                store: StoreSlot::new(&slot.0, &slot.1),
                step: step.clone(),
                out,
            },
        );
        KTable::new(dsl, node, Some(store))
    }
}
