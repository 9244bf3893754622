//! [`KTable`]: a changelog stream read as a table, the latest value per key.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use super::builder::Dsl;
use super::kstream::KStream;
use super::options::Consumed;
use crate::error::{Error, Result};
use crate::graph::{Erased, TopicName};
use crate::processor::{Fanout, Node, NodeRef, TaskCtx};
use crate::serdes::{OptionSerde, SerdeRef};
use crate::store::{KeyValueStore, Materialized, StoreHandle};

/// A change to one key of a table: the new value (`None`: deleted) and the old one.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Change<V> {
    pub(crate) new: Option<V>,
    pub(crate) old: Option<V>,
}

/// A store a node opens at init and reads or writes per record.
pub(crate) struct StoreSlot<K, V> {
    name: String,
    processor: String,
    store: Option<KeyValueStore<K, V>>,
}

impl<K: 'static, V: 'static> StoreSlot<K, V> {
    pub(crate) fn new(name: &str, processor: &str) -> Self {
        Self {
            name: name.to_owned(),
            processor: processor.to_owned(),
            store: None,
        }
    }

    pub(crate) fn open(&mut self, ctx: &TaskCtx) -> Result<()> {
        self.store = Some(ctx.store(&self.name, &self.processor)?);
        Ok(())
    }

    pub(crate) fn get(&self) -> Result<&KeyValueStore<K, V>> {
        self.store.as_ref().ok_or_else(|| Error::UnknownStore {
            store: self.name.clone(),
            processor: self.processor.clone(),
        })
    }
}

/// A table, typed by its key `K` and value `V`. Each update carries the old value too,
/// so joins and re-keyed aggregations can retract what they emitted before.
pub struct KTable<K, V> {
    pub(crate) dsl: Dsl,
    /// The node that emits the table's changes.
    pub(crate) node: usize,
    /// The store holding the table, when it is materialized.
    pub(crate) store: Option<String>,
    /// The handle of that store.
    handle: Option<StoreHandle<K, V>>,
}

impl<K, V> Clone for KTable<K, V> {
    fn clone(&self) -> Self {
        Self {
            dsl: self.dsl.clone(),
            node: self.node,
            store: self.store.clone(),
            handle: self.handle.clone(),
        }
    }
}

/// A table read from `topic`.
pub(crate) fn source<K, V>(
    dsl: &Dsl,
    topic: &str,
    consumed: Consumed<K, V>,
    m: Materialized<K, V>,
) -> KTable<K, V>
where
    K: Clone + 'static,
    V: Clone + 'static,
{
    let store = dsl.store(&m, &format!("{topic}-STATE-STORE"));
    let values: SerdeRef<Option<V>> = Arc::new(OptionSerde(ArcSerde(consumed.values)));
    let source = dsl.source(
        vec![TopicName::User(topic.to_owned())],
        consumed.keys,
        values,
        consumed.extractor,
    );
    let name = dsl.name("KTABLE-SOURCE");
    let slot_store = store.clone();
    let node_name = name.clone();
    let node = dsl.node(name, vec![source], vec![store.clone()], move |inst, id| {
        let out = inst.children::<K, Change<V>>(id)?;
        let node: NodeRef<K, Option<V>> = Rc::new(RefCell::new(TableSource {
            store: StoreSlot::new(&slot_store, &node_name),
            out,
        }));
        Ok(Box::new(node) as Erased)
    });
    KTable::new(dsl.clone(), node, Some(store))
}

/// Lets a shared serde stand where a serde value is expected.
pub(crate) struct ArcSerde<T>(pub(crate) SerdeRef<T>);

impl<T: 'static> crate::serdes::Serde<T> for ArcSerde<T> {
    fn serialize(&self, topic: &str, value: &T) -> crate::serdes::SerdeResult<Option<bytes::Bytes>> {
        self.0.serialize(topic, value)
    }
    fn deserialize(&self, topic: &str, data: Option<&[u8]>) -> crate::serdes::SerdeResult<T> {
        self.0.deserialize(topic, data)
    }
}

/// Keeps the latest value per key and emits the change.
struct TableSource<K, V> {
    store: StoreSlot<K, V>,
    out: Fanout<K, Change<V>>,
}

impl<K: Clone + 'static, V: Clone + 'static> Node<K, Option<V>> for TableSource<K, V> {
    fn init(&mut self, ctx: &mut TaskCtx) -> Result<()> {
        self.store.open(ctx)
    }
    fn process(&mut self, ctx: &mut TaskCtx, key: K, value: Option<V>) -> Result<()> {
        let store = self.store.get()?;
        let old = store.get(&key)?;
        match &value {
            Some(v) => store.put(&key, v)?,
            None if old.is_none() => return Ok(()),
            None => store.delete(&key)?,
        }
        self.out.forward(ctx, key, Change { new: value, old })
    }
}

impl<K: Clone + 'static, V: Clone + 'static> KTable<K, V> {
    pub(crate) fn new(dsl: Dsl, node: usize, store: Option<String>) -> Self {
        let handle = store
            .as_ref()
            .and_then(|name| dsl.graph.borrow().stores.get(name)?.handle());
        Self {
            dsl,
            node,
            store,
            handle,
        }
    }

    /// The handle of the table's store, to query it
    /// ([`KafkaStreams::store`](crate::KafkaStreams::store),
    /// [`TopologyTestDriver::store`](crate::TopologyTestDriver::store)) or to connect it
    /// to a processor; `None` when the table is not materialized (the result of
    /// `filter`, `map_values`, a join: [`KTable::materialize`] stores it).
    pub fn store_handle(&self) -> Option<StoreHandle<K, V>> {
        self.handle.clone()
    }

    pub(crate) fn then<V2: Clone + 'static>(
        &self,
        prefix: &str,
        f: impl Fn(&K, Option<V>) -> Option<V2> + Send + Sync + 'static,
    ) -> KTable<K, V2> {
        let node = self.dsl.step::<K, Change<V>, K, Change<V2>>(
            vec![self.node],
            prefix,
            Arc::new(move |ctx, k, change, out| {
                let new = f(&k, change.new);
                let old = f(&k, change.old);
                if new.is_none() && old.is_none() {
                    return Ok(());
                }
                out.forward(ctx, k, Change { new, old })
            }),
        );
        KTable::new(self.dsl.clone(), node, None)
    }

    /// Keeps the rows for which `predicate` holds; a row that stops matching is deleted
    /// downstream.
    pub fn filter(&self, predicate: impl Fn(&K, &V) -> bool + Send + Sync + 'static) -> KTable<K, V> {
        self.then("KTABLE-FILTER", move |k, v| v.filter(|v| predicate(k, v)))
    }

    /// A new value per row.
    pub fn map_values<V2: Clone + 'static>(
        &self,
        f: impl Fn(&V) -> V2 + Send + Sync + 'static,
    ) -> KTable<K, V2> {
        self.then("KTABLE-MAPVALUES", move |_, v| v.map(|v| f(&v)))
    }

    /// The table's updates as a stream: the new value, or `None` for a deletion.
    pub fn to_stream(&self) -> KStream<K, Option<V>> {
        let node = self.dsl.step::<K, Change<V>, K, Option<V>>(
            vec![self.node],
            "KTABLE-TOSTREAM",
            Arc::new(|ctx, k, change, out| out.forward(ctx, k, change.new)),
        );
        KStream::new(self.dsl.clone(), node, false)
    }

    /// Inner join of two tables on their keys: a row while both have the key, updated
    /// from either side.
    pub fn join<V2, VR>(
        &self,
        other: &KTable<K, V2>,
        joiner: impl Fn(&V, &V2) -> VR + Send + Sync + 'static,
    ) -> KTable<K, VR>
    where
        V2: Clone + 'static,
        VR: Clone + 'static,
    {
        self.table_join(other, "KTABLE-JOIN", move |l, r| Some(joiner(l?, r?)))
    }

    /// Left join: a row while this table has the key.
    pub fn left_join<V2, VR>(
        &self,
        other: &KTable<K, V2>,
        joiner: impl Fn(&V, Option<&V2>) -> VR + Send + Sync + 'static,
    ) -> KTable<K, VR>
    where
        V2: Clone + 'static,
        VR: Clone + 'static,
    {
        self.table_join(other, "KTABLE-LEFTJOIN", move |l, r| Some(joiner(l?, r)))
    }

    /// Outer join: a row while either table has the key.
    pub fn outer_join<V2, VR>(
        &self,
        other: &KTable<K, V2>,
        joiner: impl Fn(Option<&V>, Option<&V2>) -> VR + Send + Sync + 'static,
    ) -> KTable<K, VR>
    where
        V2: Clone + 'static,
        VR: Clone + 'static,
    {
        self.table_join(other, "KTABLE-OUTERJOIN", move |l, r| {
            (l.is_some() || r.is_some()).then(|| joiner(l, r))
        })
    }

    fn table_join<V2, VR>(
        &self,
        other: &KTable<K, V2>,
        prefix: &str,
        joiner: impl Fn(Option<&V>, Option<&V2>) -> Option<VR> + Send + Sync + 'static,
    ) -> KTable<K, VR>
    where
        V2: Clone + 'static,
        VR: Clone + 'static,
    {
        let (Some(left_store), Some(right_store)) = (self.store.clone(), other.store.clone()) else {
            self.dsl
                .fail(format!("{prefix}: both tables must be materialized"));
            return KTable::new(self.dsl.clone(), self.node, None);
        };
        let joiner = Arc::new(joiner);
        // One node per side: each looks the key up in the other side's store.
        let left_name = self.dsl.name(&format!("{prefix}-THIS"));
        let (j, store, n) = (joiner.clone(), right_store.clone(), left_name.clone());
        let left = self.dsl.node(
            left_name,
            vec![self.node],
            vec![right_store.clone()],
            move |inst, id| {
                let out = inst.children::<K, Change<VR>>(id)?;
                let j = j.clone();
                let node: NodeRef<K, Change<V>> = Rc::new(RefCell::new(TableJoinSide {
                    other: StoreSlot::<K, V2>::new(&store, &n),
                    join: Arc::new(move |mine: Option<&V>, theirs: Option<&V2>| j(mine, theirs)),
                    out,
                }));
                Ok(Box::new(node) as Erased)
            },
        );
        let right_name = self.dsl.name(&format!("{prefix}-OTHER"));
        let (store, n) = (left_store.clone(), right_name.clone());
        let right = self
            .dsl
            .node(right_name, vec![other.node], vec![left_store], move |inst, id| {
                let out = inst.children::<K, Change<VR>>(id)?;
                let j = joiner.clone();
                let node: NodeRef<K, Change<V2>> = Rc::new(RefCell::new(TableJoinSide {
                    other: StoreSlot::<K, V>::new(&store, &n),
                    join: Arc::new(move |mine: Option<&V2>, theirs: Option<&V>| j(theirs, mine)),
                    out,
                }));
                Ok(Box::new(node) as Erased)
            });
        let merged = self.dsl.step::<K, Change<VR>, K, Change<VR>>(
            vec![left, right],
            &format!("{prefix}-MERGE"),
            Arc::new(|ctx, k, change, out| out.forward(ctx, k, change)),
        );
        KTable::new(self.dsl.clone(), merged, None)
    }

    /// Re-keys the rows for an aggregation (through a repartition topic): an update
    /// takes the old row out of its group and adds the new row to its group.
    pub fn group_by<K2, V2>(
        &self,
        f: impl Fn(&K, &V) -> (K2, V2) + Send + Sync + 'static,
        grouped: super::Grouped<K2, V2>,
    ) -> super::KGroupedTable<K2, V2>
    where
        K2: Clone + 'static,
        V2: Clone + 'static,
    {
        super::grouped_table::group(self, f, grouped)
    }

    /// Stores the table (to join it again or query it).
    pub fn materialize(&self, m: Materialized<K, V>) -> KTable<K, V> {
        let store = self.dsl.store(&m, "KTABLE-MATERIALIZE-STATE-STORE");
        let name = self.dsl.name("KTABLE-MATERIALIZE");
        let (slot_store, n) = (store.clone(), name.clone());
        let node = self
            .dsl
            .node(name, vec![self.node], vec![store.clone()], move |inst, id| {
                let out = inst.children::<K, Change<V>>(id)?;
                let node: NodeRef<K, Change<V>> = Rc::new(RefCell::new(Materialize {
                    store: StoreSlot::new(&slot_store, &n),
                    out,
                }));
                Ok(Box::new(node) as Erased)
            });
        KTable::new(self.dsl.clone(), node, Some(store))
    }
}

type SideJoiner<A, B, R> = Arc<dyn Fn(Option<&A>, Option<&B>) -> Option<R>>;

struct TableJoinSide<K, A, B, R> {
    other: StoreSlot<K, B>,
    join: SideJoiner<A, B, R>,
    out: Fanout<K, Change<R>>,
}

impl<K: Clone + 'static, A, B: 'static, R: Clone> Node<K, Change<A>> for TableJoinSide<K, A, B, R> {
    fn init(&mut self, ctx: &mut TaskCtx) -> Result<()> {
        self.other.open(ctx)
    }
    fn process(&mut self, ctx: &mut TaskCtx, key: K, change: Change<A>) -> Result<()> {
        let theirs = self.other.get()?.get(&key)?;
        let new = (self.join)(change.new.as_ref(), theirs.as_ref());
        let old = (self.join)(change.old.as_ref(), theirs.as_ref());
        if new.is_none() && old.is_none() {
            return Ok(());
        }
        self.out.forward(ctx, key, Change { new, old })
    }
}

struct Materialize<K, V> {
    store: StoreSlot<K, V>,
    out: Fanout<K, Change<V>>,
}

impl<K: Clone + 'static, V: Clone + 'static> Node<K, Change<V>> for Materialize<K, V> {
    fn init(&mut self, ctx: &mut TaskCtx) -> Result<()> {
        self.store.open(ctx)
    }
    fn process(&mut self, ctx: &mut TaskCtx, key: K, change: Change<V>) -> Result<()> {
        let store = self.store.get()?;
        match &change.new {
            Some(v) => store.put(&key, v)?,
            None => store.delete(&key)?,
        }
        self.out.forward(ctx, key, change)
    }
}

impl<K: Clone + 'static, V: Clone + 'static> KTable<K, Option<V>> {
    /// The rows whose value is `Some`, unwrapped; a `None` deletes the row.
    pub(crate) fn flatten(&self) -> KTable<K, V> {
        self.then("KTABLE-MAPVALUES", |_, v| v.flatten())
    }
}
