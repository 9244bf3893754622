//! A table read from a topic: the latest value per key, a null value deleting the key.

use super::{Change, Emitter, StoreSlot};
use crate::error::Result;
use crate::processor::{Fanout, Node, TaskCtx};

/// Keeps the latest value per key in its store, if it has one, and emits the change
/// (through the record cache when the store caches).
pub(crate) struct TableSource<K, V> {
    /// `None` for a source without a store: it passes each record on as it comes.
    pub(crate) store: Option<StoreSlot<K, V>>,
    pub(crate) out: Emitter<K, V>,
}

impl<K: Clone + 'static, V: Clone + 'static> TableSource<K, V> {
    /// A source keeping its table in `store` (when given), passing the replaced value
    /// on when `send_old`.
    pub(crate) fn new(store: Option<StoreSlot<K, V>>, send_old: bool, out: Fanout<K, Change<V>>) -> Self {
        Self {
            store,
            out: Emitter::new(out, send_old),
        }
    }
}

impl<K: Clone + 'static, V: Clone + 'static> Node<K, Option<V>> for TableSource<K, V> {
    fn init(&mut self, ctx: &mut TaskCtx) -> Result<()> {
        match &mut self.store {
            Some(store) => {
                store.open(ctx)?;
                self.out.caching(store.caches(ctx));
                Ok(())
            }
            None => Ok(()),
        }
    }
    fn process(&mut self, ctx: &mut TaskCtx, key: K, value: Option<V>) -> Result<()> {
        let timestamp = ctx.meta.timestamp;
        let Some(store) = &self.store else {
            let change = Change {
                new: value,
                old: None,
            };
            return self
                .out
                .emit(ctx, &bytes::Bytes::new(), key, change, timestamp, 0);
        };
        let store = store.get()?;
        let (key_bytes, old) = store.get_with_key(&key)?;
        let old = old.map(|o| o.value);
        // A tombstone of a key the table does not hold is passed on too (Kafka Streams
        // without a record cache does; its cache, and this one, forward nothing for it).
        let len = match &value {
            Some(v) => store.put_bytes(key_bytes.clone(), v, timestamp)?,
            None => {
                store.delete_bytes(key_bytes.clone());
                0
            }
        };
        let change = Change { new: value, old };
        self.out.emit(ctx, &key_bytes, key, change, timestamp, len)
    }
    fn flush_cache(&mut self, ctx: &mut TaskCtx) -> Result<()> {
        self.out.flush(ctx)
    }
}

/// A stream read as a table (`KStream::to_table`): each record is its key's new value.
pub(crate) struct StreamToTable<K, V>(pub(crate) TableSource<K, V>);

impl<K: Clone + 'static, V: Clone + 'static> Node<K, V> for StreamToTable<K, V> {
    fn init(&mut self, ctx: &mut TaskCtx) -> Result<()> {
        self.0.init(ctx)
    }
    fn process(&mut self, ctx: &mut TaskCtx, key: K, value: V) -> Result<()> {
        self.0.process(ctx, key, Some(value))
    }
    fn flush_cache(&mut self, ctx: &mut TaskCtx) -> Result<()> {
        self.0.flush_cache(ctx)
    }
}
