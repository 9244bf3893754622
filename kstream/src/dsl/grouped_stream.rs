//! [`KGroupedStream`]: a stream grouped by key, to aggregate into a table.

use std::fmt;
use std::sync::Arc;

use super::cogrouped::CogroupedKStream;
use super::kstream::KStream;
use super::ktable::KTable;
use super::nulls::{NullCheck, RecordNulls};
use super::ops::{Aggregate, AggregateStep, Change, Emitter, StoreSlot};
use super::options::{Grouped, Named};
use crate::serdes::SerdeRef;
use crate::store::Materialized;

/// A stream grouped by its key (records with equal keys are in one task). When the
/// key was changed, each aggregation repartitions the stream first, through
/// `<application.id>-<name>-repartition`: the `Grouped` name, or the aggregation's store
/// name (as Kafka Streams names it).
pub struct KGroupedStream<'b, K, V> {
    pub(crate) stream: KStream<'b, K, V>,
    pub(crate) keys: SerdeRef<K>,
    pub(crate) values: SerdeRef<V>,
    /// The `Grouped` name: the repartition topic's.
    pub(crate) name: Option<String>,
}

impl<K, V> Clone for KGroupedStream<'_, K, V> {
    fn clone(&self) -> Self {
        Self {
            stream: self.stream,
            keys: self.keys.clone(),
            values: self.values.clone(),
            name: self.name.clone(),
        }
    }
}

impl<K, V> fmt::Debug for KGroupedStream<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KGroupedStream")
            .field("processor", &self.stream.dsl.node_name(self.stream.node))
            .finish()
    }
}

impl<'b, K: Clone + 'static, V: Clone + 'static> KGroupedStream<'b, K, V> {
    pub(crate) fn new(stream: KStream<'b, K, V>, grouped: Grouped<K, V>) -> Self {
        Self {
            stream,
            keys: grouped.keys.serde,
            values: grouped.values.serde,
            name: grouped.name,
        }
    }

    /// The stream an aggregation into store `store` reads: this one, or when its key
    /// was changed, this one through its repartition topic.
    pub(crate) fn partitioned(&self, store: &str) -> KStream<'b, K, V> {
        if !self.stream.repartition {
            return self.stream;
        }
        let prefix = self.name.as_deref().unwrap_or(store);
        self.stream
            .repartitioned_as(prefix, self.keys.clone(), self.values.clone(), true)
    }

    /// Starts a cogroup (Kafka Streams' `cogroup`): this stream, whose values
    /// `aggregator` folds into an aggregate of type `A`, aggregated together with the
    /// grouped streams added by [`CogroupedKStream::cogroup`] into one table.
    pub fn cogroup<A: Clone + 'static>(
        &self,
        aggregator: impl Fn(&K, V, A) -> A + Send + Sync + 'static,
    ) -> CogroupedKStream<'b, K, A> {
        CogroupedKStream::first(self, aggregator)
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
        // Kafka Streams burns one store name more for a count with an unnamed store.
        if m.name.is_none() {
            self.stream.dsl.store_name("KSTREAM-AGGREGATE");
        }
        self.aggregate_node(m, named, "KSTREAM-AGGREGATE", |_, _, n: Option<i64>| {
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
        let store = m.name.clone().unwrap_or_else(|| dsl.store_name(prefix));
        let name = self.stream.name_of(named, prefix);
        let input = self.partitioned(&store);
        let store = dsl.store_named(&store, &m);
        let step: AggregateStep<K, V, A> = Arc::new(step);
        let (keys, values) = (NullCheck::of(&self.keys), NullCheck::of(&self.values));
        let slot = (store.clone(), name.clone());
        let node =
            dsl.operator::<K, V, K, Change<A>, _>(name, vec![input.node], vec![store.clone()], move |out| {
                Aggregate {
                    nulls: RecordNulls::new(&slot.1, keys.clone(), values.clone()),
                    store: StoreSlot::new(&slot.0, &slot.1),
                    step: step.clone(),
                    out: Emitter::new(out, true),
                }
            });
        dsl.set_table_serdes(node, m.keys.clone(), m.values.clone());
        KTable::stored(dsl, node, store)
    }
}
