//! [`KGroupedStream`]: a stream grouped by key, to aggregate into a table.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use super::kstream::KStream;
use super::ktable::{Change, KTable, StoreSlot};
use crate::error::Result;
use crate::graph::Erased;
use crate::processor::{Fanout, Node, NodeRef, TaskCtx};
use crate::store::Materialized;

/// A stream grouped by its key (records with equal keys are in one task).
pub struct KGroupedStream<K, V> {
    stream: KStream<K, V>,
}

type Aggregator<K, V, A> = Arc<dyn Fn(&K, V, A) -> A + Send + Sync>;

impl<K: Clone + 'static, V: Clone + 'static> KGroupedStream<K, V> {
    pub(crate) fn new(stream: KStream<K, V>) -> Self {
        Self { stream }
    }

    /// The number of records per key, in a store of `m`.
    pub fn count(&self, m: Materialized<K, i64>) -> KTable<K, i64> {
        self.aggregate_with(m, || 0, |_, _, n| n + 1, "KSTREAM-COUNT")
    }

    /// Combines the values per key with `reducer(aggregate, value)`.
    pub fn reduce(
        &self,
        reducer: impl Fn(V, V) -> V + Send + Sync + 'static,
        m: Materialized<K, V>,
    ) -> KTable<K, V> {
        // The first value of a key is the aggregate; later ones are reduced into it.
        let reducer = Arc::new(reducer);
        let name = self.stream.dsl.name("KSTREAM-REDUCE");
        self.aggregate_node::<V>(m, &name, move |_, v, old| match old {
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
    ) -> KTable<K, A> {
        self.aggregate_with(m, init, aggregator, "KSTREAM-AGGREGATE")
    }

    fn aggregate_with<A: Clone + 'static>(
        &self,
        m: Materialized<K, A>,
        init: impl Fn() -> A + Send + Sync + 'static,
        aggregator: impl Fn(&K, V, A) -> A + Send + Sync + 'static,
        prefix: &str,
    ) -> KTable<K, A> {
        let name = self.stream.dsl.name(prefix);
        self.aggregate_node(m, &name, move |k, v, old| {
            aggregator(k, v, old.unwrap_or_else(&init))
        })
    }

    fn aggregate_node<A: Clone + 'static>(
        &self,
        m: Materialized<K, A>,
        name: &str,
        step: impl Fn(&K, V, Option<A>) -> A + Send + Sync + 'static,
    ) -> KTable<K, A> {
        let dsl = &self.stream.dsl;
        let store = dsl.store(&m, &format!("{name}-STATE-STORE"));
        let step: Aggregator<K, V, Option<A>> = Arc::new(move |k, v, old| Some(step(k, v, old)));
        let (slot_store, n) = (store.clone(), name.to_owned());
        let node = dsl.node(
            name.to_owned(),
            vec![self.stream.node],
            vec![store.clone()],
            move |inst, id| {
                let out = inst.children::<K, Change<A>>(id)?;
                let node: NodeRef<K, V> = Rc::new(RefCell::new(AggregateNode {
                    store: StoreSlot::new(&slot_store, &n),
                    step: step.clone(),
                    out,
                }));
                Ok(Box::new(node) as Erased)
            },
        );
        KTable::new(dsl.clone(), node, Some(store))
    }
}

struct AggregateNode<K, V, A> {
    store: StoreSlot<K, A>,
    step: Aggregator<K, V, Option<A>>,
    out: Fanout<K, Change<A>>,
}

impl<K: Clone + 'static, V, A: Clone + 'static> Node<K, V> for AggregateNode<K, V, A> {
    fn init(&mut self, ctx: &mut TaskCtx) -> Result<()> {
        self.store.open(ctx)
    }
    fn process(&mut self, ctx: &mut TaskCtx, key: K, value: V) -> Result<()> {
        let store = self.store.get()?;
        let (key_bytes, old) = store.get_with_key(&key)?;
        let new = (self.step)(&key, value, old.clone());
        if let Some(n) = &new {
            store.put_bytes(key_bytes, n)?;
        }
        self.out.forward(ctx, key, Change { new, old })
    }
}
