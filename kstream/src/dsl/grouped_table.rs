//! [`KGroupedTable`]: a table re-keyed for aggregation. Each update of the source table
//! becomes a retraction of the old row (through the subtractor) and an addition of the
//! new one (through the adder), so aggregates stay right when rows change group.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use bytes::{BufMut, Bytes, BytesMut};

use super::kstream::KStream;
use super::ktable::{Change, KTable, StoreSlot};
use super::options::{Grouped, Produced};
use crate::error::Result;
use crate::graph::{Erased, TopicName};
use crate::processor::{Fanout, Node, NodeRef, TaskCtx};
use crate::serdes::{Serde, SerdeRef, SerdeResult};
use crate::store::Materialized;

/// A value on its way to a table aggregation: to add, or to take back.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Delta<V> {
    pub(crate) value: V,
    pub(crate) subtract: bool,
}

/// Writes a [`Delta`] to the repartition topic: one flag byte (0 add, 1 subtract),
/// then the value's bytes.
struct DeltaSerde<V>(SerdeRef<V>);

impl<V: 'static> Serde<Delta<V>> for DeltaSerde<V> {
    fn serialize(&self, topic: &str, d: &Delta<V>) -> SerdeResult<Option<Bytes>> {
        let inner = self.0.serialize(topic, &d.value)?.unwrap_or_default();
        let mut out = BytesMut::with_capacity(inner.len() + 1);
        out.put_u8(u8::from(d.subtract));
        out.put_slice(&inner);
        Ok(Some(out.freeze()))
    }
    fn deserialize(&self, topic: &str, data: Option<&[u8]>) -> SerdeResult<Delta<V>> {
        match data {
            Some([flag @ (0 | 1), rest @ ..]) => Ok(Delta {
                value: self.0.deserialize(topic, Some(rest))?,
                subtract: *flag == 1,
            }),
            _ => Err("not a table-aggregation record (flag byte 0 or 1, then the value)".into()),
        }
    }
}

/// A table grouped by a new key, to aggregate with an adder and a subtractor.
pub struct KGroupedTable<K, V> {
    deltas: KStream<K, Delta<V>>,
}

type TableAggregator<K, V, A> = Arc<dyn Fn(&K, V, A) -> A + Send + Sync>;

/// Re-keys a table's changes into deltas and repartitions them by the new key.
pub(crate) fn group<K, V, K2, V2>(
    table: &KTable<K, V>,
    f: impl Fn(&K, &V) -> (K2, V2) + Send + Sync + 'static,
    grouped: Grouped<K2, V2>,
) -> KGroupedTable<K2, V2>
where
    K: Clone + 'static,
    V: Clone + 'static,
    K2: Clone + 'static,
    V2: Clone + 'static,
{
    let dsl = &table.dsl;
    let select = dsl.step::<K, Change<V>, K2, Delta<V2>>(
        vec![table.node],
        "KTABLE-SELECT",
        Arc::new(move |ctx, k, change, out| {
            if let Some(old) = change.old {
                let (k2, v2) = f(&k, &old);
                out.forward(
                    ctx,
                    k2,
                    Delta {
                        value: v2,
                        subtract: true,
                    },
                )?;
            }
            if let Some(new) = change.new {
                let (k2, v2) = f(&k, &new);
                out.forward(
                    ctx,
                    k2,
                    Delta {
                        value: v2,
                        subtract: false,
                    },
                )?;
            }
            Ok(())
        }),
    );
    let name = grouped
        .name
        .clone()
        .unwrap_or_else(|| dsl.name("KTABLE-AGGREGATE"));
    let topic = TopicName::Internal(format!("{name}-repartition"));
    let deltas: SerdeRef<Delta<V2>> = Arc::new(DeltaSerde(grouped.values.clone()));
    dsl.sink(
        select,
        topic.clone(),
        Produced {
            keys: grouped.keys.clone(),
            values: deltas.clone(),
            partitioner: None,
        },
    );
    let source = dsl.source(vec![topic], grouped.keys, deltas, None);
    KGroupedTable {
        deltas: KStream::new(dsl.clone(), source, false),
    }
}

impl<K: Clone + 'static, V: Clone + 'static> KGroupedTable<K, V> {
    /// Aggregates: `adder` takes in each new row, `subtractor` takes back each old one.
    pub fn aggregate<A: Clone + 'static>(
        &self,
        init: impl Fn() -> A + Send + Sync + 'static,
        adder: impl Fn(&K, V, A) -> A + Send + Sync + 'static,
        subtractor: impl Fn(&K, V, A) -> A + Send + Sync + 'static,
        m: Materialized<K, A>,
    ) -> KTable<K, A> {
        let dsl = &self.deltas.dsl;
        let name = dsl.name("KTABLE-AGGREGATE");
        let store = dsl.store(&m, &format!("{name}-STATE-STORE"));
        let init: Arc<dyn Fn() -> A + Send + Sync> = Arc::new(init);
        let (adder, subtractor): (TableAggregator<K, V, A>, TableAggregator<K, V, A>) =
            (Arc::new(adder), Arc::new(subtractor));
        let (slot_store, n) = (store.clone(), name.clone());
        let node = dsl.node(
            name,
            vec![self.deltas.node],
            vec![store.clone()],
            move |inst, id| {
                let out = inst.children::<K, Change<A>>(id)?;
                let node: NodeRef<K, Delta<V>> = Rc::new(RefCell::new(TableAggregate {
                    store: StoreSlot::new(&slot_store, &n),
                    init: init.clone(),
                    adder: adder.clone(),
                    subtractor: subtractor.clone(),
                    out,
                }));
                Ok(Box::new(node) as Erased)
            },
        );
        KTable::new(dsl.clone(), node, Some(store))
    }

    /// Combines rows: `adder(aggregate, new)`, `subtractor(aggregate, old)`.
    pub fn reduce(
        &self,
        adder: impl Fn(V, V) -> V + Send + Sync + 'static,
        subtractor: impl Fn(V, V) -> V + Send + Sync + 'static,
        m: Materialized<K, V>,
    ) -> KTable<K, V> {
        // The aggregate of no rows is "no value yet": the first row starts it.
        let table = self.aggregate(
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
                Arc::new(crate::serdes::OptionSerde(super::ktable::ArcSerde(
                    m.values.clone(),
                ))),
            ),
        );
        table.flatten().materialize(m)
    }

    /// The number of rows per key.
    pub fn count(&self, m: Materialized<K, i64>) -> KTable<K, i64> {
        self.aggregate(|| 0, |_, _, n| n + 1, |_, _, n| n - 1, m)
    }
}

struct TableAggregate<K, V, A> {
    store: StoreSlot<K, A>,
    init: Arc<dyn Fn() -> A + Send + Sync>,
    adder: TableAggregator<K, V, A>,
    subtractor: TableAggregator<K, V, A>,
    out: Fanout<K, Change<A>>,
}

impl<K: Clone + 'static, V, A: Clone + 'static> Node<K, Delta<V>> for TableAggregate<K, V, A> {
    fn init(&mut self, ctx: &mut TaskCtx) -> Result<()> {
        self.store.open(ctx)
    }
    fn process(&mut self, ctx: &mut TaskCtx, key: K, delta: Delta<V>) -> Result<()> {
        let store = self.store.get()?;
        let old = store.get(&key)?;
        let base = old.clone().unwrap_or_else(|| (self.init)());
        let new = if delta.subtract {
            (self.subtractor)(&key, delta.value, base)
        } else {
            (self.adder)(&key, delta.value, base)
        };
        store.put(&key, &new)?;
        self.out.forward(ctx, key, Change { new: Some(new), old })
    }
}
