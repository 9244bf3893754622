//! Stores a table's changes in a store and passes them on.

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
        match &change.new {
            Some(v) => store.put(&key, v, ctx.meta.timestamp)?,
            None => store.delete(&key)?,
        }
        self.out.forward(ctx, key, change)
    }
}
