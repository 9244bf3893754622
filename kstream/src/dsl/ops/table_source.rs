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
        let (key_bytes, old) = store.get_with_key(&key)?;
        let old = old.map(|o| o.value);
        match &value {
            Some(v) => store.put_bytes(key_bytes, v, ctx.meta.timestamp)?,
            None if old.is_none() => return Ok(()),
            None => store.delete_bytes(key_bytes),
        }
        self.out.forward(ctx, key, Change { new: value, old })
    }
}
