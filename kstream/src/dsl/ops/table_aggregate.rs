//! A grouped table's aggregation: each update of the source table arrives as a
//! retraction of the old row and an addition of the new one ([`Delta`]s, through the
//! repartition topic), taken in by the subtractor and the adder.

use std::sync::Arc;

use bytes::{BufMut, Bytes, BytesMut};

use super::{Change, StoreSlot, latest};
use crate::error::Result;
use crate::processor::{Fanout, Node, TaskCtx};
use crate::serdes::{Serde, SerdeError, SerdeRef, SerdeResult};

/// A value on its way to a table aggregation: to add, or to take back.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Delta<V> {
    pub(crate) value: V,
    pub(crate) subtract: bool,
}

/// Writes a [`Delta`] to the repartition topic: one flag byte (0 add, 1 subtract),
/// then the value's bytes.
pub(crate) struct DeltaSerde<V>(pub(crate) SerdeRef<V>);

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
            _ => Err(SerdeError::bad_data(
                "not a table-aggregation record (flag byte 0 or 1, then the value)",
            )),
        }
    }
    fn prepare(&self, topic: &str) -> SerdeResult<()> {
        self.0.prepare(topic)
    }
}

/// `(key, row, aggregate)` to the new aggregate: an adder or a subtractor.
pub(crate) type TableAggregator<K, V, A> = Arc<dyn Fn(&K, V, A) -> A + Send + Sync>;

/// Applies each delta to its key's aggregate and emits the change.
pub(crate) struct TableAggregate<K, V, A> {
    pub(crate) store: StoreSlot<K, A>,
    pub(crate) init: Arc<dyn Fn() -> A + Send + Sync>,
    pub(crate) adder: TableAggregator<K, V, A>,
    pub(crate) subtractor: TableAggregator<K, V, A>,
    pub(crate) out: Fanout<K, Change<A>>,
}

impl<K: Clone + 'static, V, A: Clone + 'static> Node<K, Delta<V>> for TableAggregate<K, V, A> {
    fn init(&mut self, ctx: &mut TaskCtx) -> Result<()> {
        self.store.open(ctx)
    }
    fn process(&mut self, ctx: &mut TaskCtx, key: K, delta: Delta<V>) -> Result<()> {
        let store = self.store.get()?;
        let (key_bytes, old) = store.get_with_key(&key)?;
        let timestamp = latest(ctx.meta.timestamp, old.as_ref());
        let old = old.map(|o| o.value);
        let base = old.clone().unwrap_or_else(|| (self.init)());
        let new = if delta.subtract {
            (self.subtractor)(&key, delta.value, base)
        } else {
            (self.adder)(&key, delta.value, base)
        };
        store.put_bytes(key_bytes, &new, timestamp)?;
        self.out
            .forward_at(ctx, timestamp, key, Change { new: Some(new), old })
    }
}
