//! A table read from a topic: the latest value per key, a null value deleting the key.

use super::{Change, StoreSlot};
use crate::error::Result;
use crate::processor::{Fanout, Node, TaskCtx};

/// Keeps the latest value per key in its store, if it has one, and emits the change.
pub(crate) struct TableSource<K, V> {
    /// `None` for a source without a store: it passes each record on as it comes.
    pub(crate) store: Option<StoreSlot<K, V>>,
    /// Whether the change carries the value it replaces (only a stored source knows it).
    pub(crate) send_old: bool,
    pub(crate) out: Fanout<K, Change<V>>,
}

impl<K: Clone + 'static, V: Clone + 'static> Node<K, Option<V>> for TableSource<K, V> {
    fn init(&mut self, ctx: &mut TaskCtx) -> Result<()> {
        match &mut self.store {
            Some(store) => store.open(ctx),
            None => Ok(()),
        }
    }
    fn process(&mut self, ctx: &mut TaskCtx, key: K, value: Option<V>) -> Result<()> {
        let Some(store) = &self.store else {
            return self.out.forward(
                ctx,
                key,
                Change {
                    new: value,
                    old: None,
                },
            );
        };
        let store = store.get()?;
        let (key_bytes, old) = store.get_with_key(&key)?;
        let old = old.map(|o| o.value);
        match &value {
            Some(v) => store.put_bytes(key_bytes, v, ctx.meta.timestamp)?,
            None if old.is_none() => return Ok(()),
            None => store.delete_bytes(key_bytes),
        }
        let old = if self.send_old { old } else { None };
        self.out.forward(ctx, key, Change { new: value, old })
    }
}

/// A stream read as a table (`KStream::to_table`): each record is the key's new value.
pub(crate) struct StreamToTable<K, V>(pub(crate) TableSource<K, V>);

impl<K: Clone + 'static, V: Clone + 'static> Node<K, V> for StreamToTable<K, V> {
    fn init(&mut self, ctx: &mut TaskCtx) -> Result<()> {
        self.0.init(ctx)
    }
    fn process(&mut self, ctx: &mut TaskCtx, key: K, value: V) -> Result<()> {
        self.0.process(ctx, key, Some(value))
    }
}
