//! [`GlobalKTable`]: a table replicated in full to every instance, joined with streams
//! through a key mapper (no co-partitioning needed).

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use super::builder::Dsl;
use super::kstream::KStream;
use super::ktable::StoreSlot;
use super::options::Consumed;
use crate::error::Result;
use crate::graph::Erased;
use crate::processor::{Fanout, Node, NodeRef, TaskCtx};
use crate::store::{StoreHandle, StoreSpec};

/// A table of every partition of its topic, in every instance. Its store holds the
/// topic's bytes and is read with the topic's serdes.
pub struct GlobalKTable<K, V> {
    pub(crate) store: String,
    handle: StoreHandle<K, V>,
}

impl<K, V> GlobalKTable<K, V> {
    /// The handle of the table's store, to query it
    /// ([`KafkaStreams::store`](crate::KafkaStreams::store),
    /// [`TopologyTestDriver::store`](crate::TopologyTestDriver::store)).
    pub fn store_handle(&self) -> StoreHandle<K, V> {
        self.handle.clone()
    }
}

pub(crate) fn global_table<K: 'static, V: 'static>(
    dsl: &Dsl,
    topic: &str,
    consumed: Consumed<K, V>,
    store: Option<&str>,
) -> GlobalKTable<K, V> {
    let name = store
        .map(str::to_owned)
        .unwrap_or_else(|| dsl.name(&format!("{topic}-GLOBAL-STORE")));
    let (spec, handle) = StoreSpec::global(&name, consumed.keys, consumed.values);
    let mut g = dsl.graph.borrow_mut();
    if g.stores.contains_key(&name) {
        drop(g);
        dsl.fail(format!("the store name `{name}` is used twice"));
    } else {
        g.stores.insert(name.clone(), spec);
        g.globals.push((topic.to_owned(), name.clone()));
    }
    GlobalKTable { store: name, handle }
}

type GlobalJoiner<K, V, KG, VG, VR> =
    Arc<dyn Fn(&K, &V, &dyn Fn(&KG) -> Result<Option<VG>>) -> Result<Option<VR>> + Send + Sync>;

pub(crate) fn join<K, V, KG, VG, VR>(
    stream: &KStream<K, V>,
    table: &GlobalKTable<KG, VG>,
    prefix: &str,
    joiner: GlobalJoiner<K, V, KG, VG, VR>,
) -> KStream<K, VR>
where
    K: Clone + 'static,
    V: Clone + 'static,
    KG: 'static,
    VG: 'static,
    VR: Clone + 'static,
{
    let name = stream.dsl.name(prefix);
    let store = table.store.clone();
    let n = name.clone();
    let node = stream
        .dsl
        .node(name, vec![stream.node], vec![store.clone()], move |inst, id| {
            let out = inst.children::<K, VR>(id)?;
            let node: NodeRef<K, V> = Rc::new(RefCell::new(GlobalJoin {
                table: StoreSlot::<KG, VG>::new(&store, &n),
                joiner: joiner.clone(),
                out,
            }));
            Ok(Box::new(node) as Erased)
        });
    KStream::new(stream.dsl.clone(), node, stream.repartition)
}

struct GlobalJoin<K, V, KG, VG, VR> {
    table: StoreSlot<KG, VG>,
    joiner: GlobalJoiner<K, V, KG, VG, VR>,
    out: Fanout<K, VR>,
}

impl<K: Clone + 'static, V, KG: 'static, VG: 'static, VR: Clone> Node<K, V> for GlobalJoin<K, V, KG, VG, VR> {
    fn init(&mut self, ctx: &mut TaskCtx) -> Result<()> {
        self.table.open(ctx)
    }
    fn process(&mut self, ctx: &mut TaskCtx, key: K, value: V) -> Result<()> {
        let table = self.table.get()?;
        let lookup = |k: &KG| table.get(k);
        match (self.joiner)(&key, &value, &lookup)? {
            Some(joined) => self.out.forward(ctx, key, joined),
            None => Ok(()),
        }
    }
}
