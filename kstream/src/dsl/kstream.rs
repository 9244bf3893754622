//! [`KStream`]: a stream of records, each an independent fact.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use super::builder::Dsl;
use super::grouped::KGroupedStream;
use super::ktable::{KTable, StoreSlot};
use super::nodes::ProcessorNode;
use super::options::{Grouped, Produced};
use crate::graph::{Erased, TopicName};
use crate::processor::{Fanout, Node, NodeRef, Processor, TaskCtx};
use crate::store::AnyStoreHandle;

/// A record stream, typed by its key `K` and value `V`.
pub struct KStream<K, V> {
    pub(crate) dsl: Dsl,
    pub(crate) node: usize,
    /// The key was changed since the last repartition: a stateful operation must
    /// repartition first so that equal keys meet in one task.
    pub(crate) repartition: bool,
    _types: std::marker::PhantomData<fn() -> (K, V)>,
}

impl<K: Clone + 'static, V: Clone + 'static> Clone for KStream<K, V> {
    fn clone(&self) -> Self {
        KStream::new(self.dsl.clone(), self.node, self.repartition)
    }
}

impl<K: Clone + 'static, V: Clone + 'static> KStream<K, V> {
    pub(crate) fn new(dsl: Dsl, node: usize, repartition: bool) -> Self {
        Self {
            dsl,
            node,
            repartition,
            _types: std::marker::PhantomData,
        }
    }

    fn then<K2: Clone + 'static, V2: Clone + 'static>(
        &self,
        prefix: &str,
        key_changed: bool,
        step: impl Fn(&mut TaskCtx, K, V, &Fanout<K2, V2>) -> crate::Result<()> + Send + Sync + 'static,
    ) -> KStream<K2, V2> {
        let node = self.dsl.step(vec![self.node], prefix, Arc::new(step));
        KStream::new(self.dsl.clone(), node, self.repartition || key_changed)
    }

    /// Keeps the records for which `predicate` holds.
    pub fn filter(&self, predicate: impl Fn(&K, &V) -> bool + Send + Sync + 'static) -> KStream<K, V> {
        self.then("KSTREAM-FILTER", false, move |ctx, k, v, out| {
            if predicate(&k, &v) {
                out.forward(ctx, k, v)
            } else {
                Ok(())
            }
        })
    }

    /// Drops the records for which `predicate` holds.
    pub fn filter_not(&self, predicate: impl Fn(&K, &V) -> bool + Send + Sync + 'static) -> KStream<K, V> {
        self.filter(move |k, v| !predicate(k, v))
    }

    /// A new key and value per record (marks the stream for repartitioning).
    pub fn map<K2: Clone + 'static, V2: Clone + 'static>(
        &self,
        f: impl Fn(K, V) -> (K2, V2) + Send + Sync + 'static,
    ) -> KStream<K2, V2> {
        self.then("KSTREAM-MAP", true, move |ctx, k, v, out| {
            let (k2, v2) = f(k, v);
            out.forward(ctx, k2, v2)
        })
    }

    /// A new value per record; the key stays.
    pub fn map_values<V2: Clone + 'static>(
        &self,
        f: impl Fn(V) -> V2 + Send + Sync + 'static,
    ) -> KStream<K, V2> {
        self.then("KSTREAM-MAPVALUES", false, move |ctx, k, v, out| {
            out.forward(ctx, k, f(v))
        })
    }

    /// Zero or more records per record (marks the stream for repartitioning).
    pub fn flat_map<K2, V2, I>(&self, f: impl Fn(K, V) -> I + Send + Sync + 'static) -> KStream<K2, V2>
    where
        K2: Clone + 'static,
        V2: Clone + 'static,
        I: IntoIterator<Item = (K2, V2)>,
    {
        self.then("KSTREAM-FLATMAP", true, move |ctx, k, v, out| {
            f(k, v)
                .into_iter()
                .try_for_each(|(k2, v2)| out.forward(ctx, k2, v2))
        })
    }

    /// Zero or more values per record, each with the record's key.
    pub fn flat_map_values<V2, I>(&self, f: impl Fn(V) -> I + Send + Sync + 'static) -> KStream<K, V2>
    where
        V2: Clone + 'static,
        I: IntoIterator<Item = V2>,
    {
        self.then("KSTREAM-FLATMAPVALUES", false, move |ctx, k, v, out| {
            f(v).into_iter()
                .try_for_each(|v2| out.forward(ctx, k.clone(), v2))
        })
    }

    /// A new key from the record (marks the stream for repartitioning).
    pub fn select_key<K2: Clone + 'static>(
        &self,
        f: impl Fn(&K, &V) -> K2 + Send + Sync + 'static,
    ) -> KStream<K2, V> {
        self.then("KSTREAM-KEY-SELECT", true, move |ctx, k, v, out| {
            let k2 = f(&k, &v);
            out.forward(ctx, k2, v)
        })
    }

    /// Looks at each record and passes it on.
    pub fn peek(&self, f: impl Fn(&K, &V) + Send + Sync + 'static) -> KStream<K, V> {
        self.then("KSTREAM-PEEK", false, move |ctx, k, v, out| {
            f(&k, &v);
            out.forward(ctx, k, v)
        })
    }

    /// Calls `f` for each record (a terminal operation).
    pub fn foreach(&self, f: impl Fn(&K, &V) + Send + Sync + 'static) {
        let _: KStream<K, V> = self.then("KSTREAM-FOREACH", false, move |_, k, v, _: &Fanout<K, V>| {
            f(&k, &v);
            Ok(())
        });
    }

    /// Splits the stream: each record goes to the first branch whose predicate holds,
    /// or to the last stream returned (the default branch) when none does.
    pub fn split(&self, predicates: Vec<Predicate<K, V>>) -> Vec<KStream<K, V>> {
        let predicates: Arc<[Predicate<K, V>]> = predicates.into();
        let branches = predicates.len() + 1;
        let name = self.dsl.name("KSTREAM-BRANCH");
        let split = self.dsl.node(name, vec![self.node], Vec::new(), move |inst, id| {
            let mut outs = Vec::new();
            for child in inst.graph.children(id) {
                outs.push(inst.node::<K, V>(child)?);
            }
            let node: NodeRef<K, V> = Rc::new(RefCell::new(SplitNode {
                predicates: predicates.clone(),
                outs,
            }));
            Ok(Box::new(node) as Erased)
        });
        (0..branches)
            .map(|i| {
                let name = self.dsl.name(&format!("KSTREAM-BRANCHCHILD-{i}"));
                let node = self.dsl.step::<K, V, K, V>(
                    vec![split],
                    &name,
                    Arc::new(|ctx, k, v, out: &Fanout<K, V>| out.forward(ctx, k, v)),
                );
                KStream::new(self.dsl.clone(), node, self.repartition)
            })
            .collect()
    }

    /// The records of both streams.
    pub fn merge(&self, other: &KStream<K, V>) -> KStream<K, V> {
        let node = self.dsl.step::<K, V, K, V>(
            vec![self.node, other.node],
            "KSTREAM-MERGE",
            Arc::new(|ctx, k, v, out: &Fanout<K, V>| out.forward(ctx, k, v)),
        );
        KStream::new(self.dsl.clone(), node, self.repartition || other.repartition)
    }

    /// Writes the stream to `topic`.
    pub fn to(&self, topic: &str, produced: Produced<K, V>) {
        self.dsl
            .sink(self.node, TopicName::User(topic.to_owned()), produced);
    }

    /// Writes the stream to an internal topic `<application.id>-<name>-repartition`
    /// and reads it back, so records are partitioned by their current key.
    pub fn repartition(&self, grouped: Grouped<K, V>) -> KStream<K, V> {
        let name = grouped
            .name
            .clone()
            .unwrap_or_else(|| self.dsl.name("KSTREAM-REPARTITION"));
        let topic = TopicName::Internal(format!("{name}-repartition"));
        self.dsl.sink(
            self.node,
            topic.clone(),
            Produced {
                keys: grouped.keys.clone(),
                values: grouped.values.clone(),
                partitioner: None,
            },
        );
        let source = self.dsl.source(vec![topic], grouped.keys, grouped.values, None);
        KStream::new(self.dsl.clone(), source, false)
    }

    fn partitioned(&self, serdes: impl FnOnce() -> Grouped<K, V>) -> KStream<K, V> {
        if self.repartition {
            self.repartition(serdes())
        } else {
            self.clone()
        }
    }

    /// Groups by the current key, repartitioning first if the key was changed.
    pub fn group_by_key(&self, grouped: Grouped<K, V>) -> KGroupedStream<K, V> {
        KGroupedStream::new(self.partitioned(|| grouped))
    }

    /// Groups by a new key (always through a repartition topic).
    pub fn group_by<K2: Clone + 'static>(
        &self,
        f: impl Fn(&K, &V) -> K2 + Send + Sync + 'static,
        grouped: Grouped<K2, V>,
    ) -> KGroupedStream<K2, V> {
        self.select_key(f).group_by_key(grouped)
    }

    /// Inner join with a table: each record whose key is in the table emits
    /// `joiner(value, table value)`; table updates emit nothing.
    pub fn join<VT, VR>(
        &self,
        table: &KTable<K, VT>,
        joiner: impl Fn(&V, &VT) -> VR + Send + Sync + 'static,
    ) -> KStream<K, VR>
    where
        VT: Clone + 'static,
        VR: Clone + 'static,
    {
        self.table_join(table, "KSTREAM-JOIN", move |v, t| t.map(|t| joiner(v, t)))
    }

    /// Left join with a table: every record emits `joiner(value, table value or None)`.
    pub fn left_join<VT, VR>(
        &self,
        table: &KTable<K, VT>,
        joiner: impl Fn(&V, Option<&VT>) -> VR + Send + Sync + 'static,
    ) -> KStream<K, VR>
    where
        VT: Clone + 'static,
        VR: Clone + 'static,
    {
        self.table_join(table, "KSTREAM-LEFTJOIN", move |v, t| Some(joiner(v, t)))
    }

    fn table_join<VT, VR>(
        &self,
        table: &KTable<K, VT>,
        prefix: &str,
        joiner: impl Fn(&V, Option<&VT>) -> Option<VR> + Send + Sync + 'static,
    ) -> KStream<K, VR>
    where
        VT: Clone + 'static,
        VR: Clone + 'static,
    {
        if self.repartition {
            self.dsl.fail(format!(
                "{prefix}: the stream's key was changed; call `repartition` before joining it with a table"
            ));
        }
        let Some(store) = table.store.clone() else {
            self.dsl.fail(format!("{prefix}: the table is not materialized"));
            return KStream::new(self.dsl.clone(), self.node, self.repartition);
        };
        let joiner = Arc::new(joiner);
        let name = self.dsl.name(prefix);
        let node = self.dsl.node(
            name.clone(),
            vec![self.node],
            vec![store.clone()],
            move |inst, id| {
                let out = inst.children::<K, VR>(id)?;
                let node: NodeRef<K, V> = Rc::new(RefCell::new(StreamTableJoin {
                    table: StoreSlot::<K, VT>::new(&store, &name),
                    joiner: joiner.clone(),
                    out,
                }));
                Ok(Box::new(node) as Erased)
            },
        );
        KStream::new(self.dsl.clone(), node, false)
    }

    /// Inner join with a global table: `key_mapper` picks the table key of each
    /// record; records without a match emit nothing.
    pub fn join_global<KG, VG, VR>(
        &self,
        table: &super::GlobalKTable<KG, VG>,
        key_mapper: impl Fn(&K, &V) -> KG + Send + Sync + 'static,
        joiner: impl Fn(&V, &VG) -> VR + Send + Sync + 'static,
    ) -> KStream<K, VR>
    where
        KG: 'static,
        VG: 'static,
        VR: Clone + 'static,
    {
        super::global::join(
            self,
            table,
            "KSTREAM-GLOBAL-JOIN",
            Arc::new(move |k, v, lookup| Ok(lookup(&key_mapper(k, v))?.map(|g| joiner(v, &g)))),
        )
    }

    /// Left join with a global table: every record emits, with `None` when the mapped
    /// key is not in the table.
    pub fn left_join_global<KG, VG, VR>(
        &self,
        table: &super::GlobalKTable<KG, VG>,
        key_mapper: impl Fn(&K, &V) -> KG + Send + Sync + 'static,
        joiner: impl Fn(&V, Option<&VG>) -> VR + Send + Sync + 'static,
    ) -> KStream<K, VR>
    where
        KG: 'static,
        VG: 'static,
        VR: Clone + 'static,
    {
        super::global::join(
            self,
            table,
            "KSTREAM-GLOBAL-LEFTJOIN",
            Arc::new(move |k, v, lookup| Ok(Some(joiner(v, lookup(&key_mapper(k, v))?.as_ref())))),
        )
    }

    /// Runs a [`Processor`] of the user's (one made by `supplier` per task), connected
    /// to the stores of `stores`: handles from
    /// [`StreamsBuilder::add_state_store`](super::StreamsBuilder::add_state_store), or
    /// of this builder's tables. The processor opens them with
    /// [`ProcessorContext::store`](crate::ProcessorContext::store).
    pub fn process<KOut, VOut, P>(
        &self,
        supplier: impl Fn() -> P + Send + Sync + 'static,
        stores: &[&dyn AnyStoreHandle],
    ) -> KStream<KOut, VOut>
    where
        KOut: Clone + 'static,
        VOut: Clone + 'static,
        P: Processor<K, V, KOut, VOut>,
    {
        let name = self.dsl.name("KSTREAM-PROCESSOR");
        let mut names = Vec::with_capacity(stores.len());
        for handle in stores {
            let declared = handle.store_name().filter(|store| {
                (self.dsl.graph.borrow().stores.get(*store)).is_some_and(|spec| spec.is(*handle))
            });
            match declared {
                Some(store) => names.push(store.to_owned()),
                None => self.dsl.fail(format!(
                    "processor `{name}` is connected to store `{}`, which was never added to this builder",
                    handle.store_name().unwrap_or("(unnamed)")
                )),
            }
        }
        let stores = names;
        let connected = stores.clone();
        let node_name = name.clone();
        let node = self.dsl.node(name, vec![self.node], stores, move |inst, id| {
            let out = inst.children::<KOut, VOut>(id)?;
            let node: NodeRef<K, V> = Rc::new(RefCell::new(ProcessorNode {
                name: node_name.clone(),
                stores: connected.clone(),
                processor: supplier(),
                out,
            }));
            Ok(Box::new(node) as Erased)
        });
        KStream::new(self.dsl.clone(), node, true)
    }
}

/// A branch predicate of [`KStream::split`].
pub type Predicate<K, V> = Box<dyn Fn(&K, &V) -> bool + Send + Sync>;

struct SplitNode<K, V> {
    predicates: Arc<[Predicate<K, V>]>,
    outs: Vec<NodeRef<K, V>>,
}

impl<K, V> Node<K, V> for SplitNode<K, V> {
    fn process(&mut self, ctx: &mut TaskCtx, key: K, value: V) -> crate::Result<()> {
        let branch = self
            .predicates
            .iter()
            .position(|p| p(&key, &value))
            .unwrap_or(self.predicates.len());
        match self.outs.get(branch) {
            Some(out) => out.borrow_mut().process(ctx, key, value),
            None => Ok(()),
        }
    }
}

type Joiner<V, VT, VR> = Arc<dyn Fn(&V, Option<&VT>) -> Option<VR> + Send + Sync>;

struct StreamTableJoin<K, V, VT, VR> {
    table: StoreSlot<K, VT>,
    joiner: Joiner<V, VT, VR>,
    out: Fanout<K, VR>,
}

impl<K: Clone + 'static, V, VT: 'static, VR: Clone> Node<K, V> for StreamTableJoin<K, V, VT, VR> {
    fn init(&mut self, ctx: &mut TaskCtx) -> crate::Result<()> {
        self.table.open(ctx)
    }
    fn process(&mut self, ctx: &mut TaskCtx, key: K, value: V) -> crate::Result<()> {
        let other = self.table.get()?.get(&key)?;
        match (self.joiner)(&value, other.as_ref()) {
            Some(joined) => self.out.forward(ctx, key, joined),
            None => Ok(()),
        }
    }
}
