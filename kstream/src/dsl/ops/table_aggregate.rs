//! A grouped table's aggregation: each change of a row, through the repartition topic,
//! takes the old row out of its group's aggregate with the subtractor and adds the new
//! row with the adder. A row updated within its group comes as one change with both
//! values, so the aggregate takes both in one step and emits once (Kafka Streams'
//! KIP-904).

use std::sync::Arc;

use super::{AggregateStep, Change, Emitter, StoreSlot, latest};
use crate::error::Result;
use crate::processor::{Node, TaskCtx};

/// `(key, row, aggregate)` to the aggregate without the row: a subtractor.
pub(crate) type TableAggregator<K, V, A> = Arc<dyn Fn(&K, V, A) -> A + Send + Sync>;

/// Applies each change to its key's aggregate and emits the aggregate's change.
pub(crate) struct TableAggregate<K, V, A> {
    pub(crate) store: StoreSlot<K, A>,
    /// Adds a row to the aggregate, `None` when the key has none yet (an aggregation
    /// starts from its initializer, a reduction from the row).
    pub(crate) adder: AggregateStep<K, V, A>,
    pub(crate) subtractor: TableAggregator<K, V, A>,
    pub(crate) out: Emitter<K, A>,
}

impl<K: Clone + 'static, V, A: Clone + 'static> Node<K, Change<V>> for TableAggregate<K, V, A> {
    fn init(&mut self, ctx: &mut TaskCtx) -> Result<()> {
        self.store.open(ctx)?;
        self.out.caching(self.store.caches(ctx));
        Ok(())
    }
    fn flush_cache(&mut self, ctx: &mut TaskCtx) -> Result<()> {
        self.out.flush(ctx)
    }
    fn process(&mut self, ctx: &mut TaskCtx, key: K, change: Change<V>) -> Result<()> {
        if change.new.is_none() && change.old.is_none() {
            return Ok(());
        }
        let store = self.store.get()?;
        let (key_bytes, old) = store.get_with_key(&key)?;
        let timestamp = latest(ctx.meta.timestamp, old.as_ref());
        let old = old.map(|o| o.value);
        // The old row first, and only out of an aggregate that exists.
        let without = match (change.old, &old) {
            (Some(row), Some(agg)) => Some((self.subtractor)(&key, row, agg.clone())),
            _ => old.clone(),
        };
        let new = match change.new {
            Some(row) => Some((self.adder)(&key, row, without)),
            // A row taken out of a group without an aggregate leaves none: Kafka Streams
            // forwards that (no value, no old value) without a record cache, and its
            // cache (as this one) forwards nothing for it.
            None => without,
        };
        let len = match &new {
            Some(new) => store.put_bytes(key_bytes.clone(), new, timestamp)?,
            None => {
                store.delete_bytes(key_bytes.clone());
                0
            }
        };
        let change = Change { new, old };
        self.out.emit(ctx, &key_bytes, key, change, timestamp, len)
    }
}
