//! The node that keeps one side's records for the other side to find.

use crate::dsl::nulls::RecordNulls;
use crate::error::{Error, Result};
use crate::processor::{Fanout, Node, TaskCtx};
use crate::store::WindowStore;

/// Passes each record on to the side's join processor first (so that a record never
/// meets itself), then puts it into the side's window store under its timestamp.
pub(crate) struct JoinWindowNode<K, V> {
    pub(crate) processor: String,
    pub(crate) store: String,
    pub(crate) size_ms: i64,
    /// The join these stores belong to, and which side this is (0: left).
    pub(crate) join: String,
    pub(crate) side: usize,
    pub(crate) nulls: RecordNulls<K, V>,
    pub(crate) opened: Option<WindowStore<K, V>>,
    pub(crate) out: Fanout<K, V>,
}

impl<K: Clone + 'static, V: Clone + 'static> Node<K, V> for JoinWindowNode<K, V> {
    fn init(&mut self, ctx: &mut TaskCtx) -> Result<()> {
        let mut store = ctx.window_store::<K, V>(&self.store, &self.processor, self.size_ms)?;
        store.resume_sequence()?;
        self.opened = Some(store);
        Ok(())
    }

    fn process(&mut self, ctx: &mut TaskCtx, key: K, value: V) -> Result<()> {
        let stored = (!self.nulls.key_is_null(&key) && !self.nulls.value_is_null(&value))
            .then(|| (key.clone(), value.clone()));
        self.out.forward(ctx, key, value)?;
        if let Some((key, value)) = stored {
            let timestamp = ctx.meta.timestamp;
            let times = ctx.join_times.entry(self.join.clone()).or_default();
            times.stored[self.side] = times.stored[self.side].max(timestamp);
            let store = self.opened.as_mut().ok_or_else(|| Error::UnknownStore {
                store: self.store.clone(),
                processor: self.processor.clone(),
            })?;
            let key_bytes = store.key_bytes(&key)?;
            store.put_duplicate(&key_bytes, timestamp, &value, timestamp)?;
        }
        Ok(())
    }
}
