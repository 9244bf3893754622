//! Stores a table's changes in a store and passes them on, with the stored old value.

use super::{Change, StoreSlot};
use crate::error::Result;
use crate::processor::{Fanout, Node, TaskCtx};

/// Keeps the table's latest value per key in its store.
pub(crate) struct Materialize<K, V> {
    pub(crate) store: StoreSlot<K, V>,
    pub(crate) out: Fanout<K, Change<V>>,
}

impl<K: Clone + 'static, V: Clone + 'static> Node<K, Change<V>> for Materialize<K, V> {
    fn init(&mut self, ctx: &mut TaskCtx) -> Result<()> {
        self.store.open(ctx)
    }
    fn process(&mut self, ctx: &mut TaskCtx, key: K, change: Change<V>) -> Result<()> {
        let store = self.store.get()?;
        // The old value is the stored one: the parent may not send old values.
        let old = store.get(&key)?.map(|o| o.value);
        match &change.new {
            Some(v) => store.put(&key, v, ctx.meta.timestamp)?,
            // Nothing was there and nothing is: like Kafka's record cache, no update.
            None if old.is_none() => return Ok(()),
            None => store.delete(&key)?,
        }
        self.out.forward(ctx, key, Change { new: change.new, old })
    }
}
