//! A grouped stream's aggregation (count, reduce, aggregate) into a store.

use std::sync::Arc;

use super::{Change, Emitter, StoreSlot, latest};
use crate::dsl::nulls::RecordNulls;
use crate::error::Result;
use crate::processor::{Node, TaskCtx};

/// `(key, value, the key's aggregate so far)` to the new aggregate.
pub(crate) type AggregateStep<K, V, A> = Arc<dyn Fn(&K, V, Option<A>) -> A + Send + Sync>;

/// Folds each record into its key's aggregate and emits the change; a record with a
/// null key or value is skipped.
pub(crate) struct Aggregate<K, V, A> {
    pub(crate) nulls: RecordNulls<K, V>,
    pub(crate) store: StoreSlot<K, A>,
    pub(crate) step: AggregateStep<K, V, A>,
    pub(crate) out: Emitter<K, A>,
}

impl<K: Clone + 'static, V: 'static, A: Clone + 'static> Node<K, V> for Aggregate<K, V, A> {
    fn init(&mut self, ctx: &mut TaskCtx) -> Result<()> {
        self.store.open(ctx)?;
        self.out.caching(self.store.caches(ctx));
        Ok(())
    }
    fn flush_cache(&mut self, ctx: &mut TaskCtx) -> Result<()> {
        self.out.flush(ctx)
    }
    fn process(&mut self, ctx: &mut TaskCtx, key: K, value: V) -> Result<()> {
        if self.nulls.skips(ctx, &key, &value) {
            return Ok(());
        }
        let store = self.store.get()?;
        let (key_bytes, old) = store.get_with_key(&key)?;
        // Stamped with the latest timestamp of the records in it, as Kafka does.
        let timestamp = latest(ctx.meta.timestamp, old.as_ref());
        let old = old.map(|o| o.value);
        let new = (self.step)(&key, value, old.clone());
        let len = store.put_bytes(key_bytes.clone(), &new, timestamp)?;
        let change = Change { new: Some(new), old };
        self.out.emit(ctx, &key_bytes, key, change, timestamp, len)
    }
}
