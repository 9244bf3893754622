//! Stores a table's changes in a store and passes them on, with the stored old value
//! (through the record cache when the store caches).

use super::{Change, Emitter, StoreSlot};
use crate::error::Result;
use crate::processor::{Fanout, Node, TaskCtx};

/// Keeps the table's latest value per key in its store.
pub(crate) struct Materialize<K, V> {
    pub(crate) store: StoreSlot<K, V>,
    pub(crate) out: Emitter<K, V>,
}

impl<K: Clone + 'static, V: Clone + 'static> Materialize<K, V> {
    /// Keeps the table in `store` and passes its changes to `out`, old values included.
    pub(crate) fn new(store: StoreSlot<K, V>, out: Fanout<K, Change<V>>) -> Self {
        Self {
            store,
            out: Emitter::new(out, true),
        }
    }
}

impl<K: Clone + 'static, V: Clone + 'static> Node<K, Change<V>> for Materialize<K, V> {
    fn init(&mut self, ctx: &mut TaskCtx) -> Result<()> {
        self.store.open(ctx)?;
        self.out.caching(self.store.caches(ctx));
        Ok(())
    }
    fn process(&mut self, ctx: &mut TaskCtx, key: K, change: Change<V>) -> Result<()> {
        let store = self.store.get()?;
        // The old value is the stored one: the parent may not send old values.
        let (key_bytes, old) = store.get_with_key(&key)?;
        let old = old.map(|o| o.value);
        let timestamp = ctx.meta.timestamp;
        let len = match &change.new {
            Some(v) => store.put_bytes(key_bytes.clone(), v, timestamp)?,
            None => {
                store.delete_bytes(key_bytes.clone());
                0
            }
        };
        let change = Change { new: change.new, old };
        self.out.emit(ctx, &key_bytes, key, change, timestamp, len)
    }
    fn flush_cache(&mut self, ctx: &mut TaskCtx) -> Result<()> {
        self.out.flush(ctx)
    }
}
