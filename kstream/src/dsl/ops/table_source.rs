//! A table read from a topic: the latest value per key, a null value deleting the key.

use super::{Change, StoreSlot};
use crate::error::Result;
use crate::processor::{Fanout, Node, TaskCtx};

/// Keeps the latest value per key and emits the change.
pub(crate) struct TableSource<K, V> {
    pub(crate) store: StoreSlot<K, V>,
    pub(crate) out: Fanout<K, Change<V>>,
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
