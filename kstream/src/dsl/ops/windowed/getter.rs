//! Reading a windowed table's value of a windowed key back from its store (Kafka
//! Streams' windowed value getters), for a join or a `filter` downstream.

use super::time::opened;
use crate::dsl::ops::ValueGetter;
use crate::error::Result;
use crate::processor::TaskCtx;
use crate::store::{SessionStore, ValueAndTimestamp, WindowStore};
use crate::window::Windowed;

/// Reads a time-windowed table: the key's value in the window starting at the
/// windowed key's start.
pub(crate) struct WindowGetter<K, V> {
    pub(crate) store: String,
    pub(crate) processor: String,
    pub(crate) size_ms: i64,
    pub(crate) opened: Option<WindowStore<K, V>>,
}

impl<K: 'static, V: 'static> ValueGetter<Windowed<K>, V> for WindowGetter<K, V> {
    fn init(&mut self, ctx: &TaskCtx) -> Result<()> {
        self.opened = Some(ctx.window_store(&self.store, &self.processor, self.size_ms)?);
        Ok(())
    }
    fn get(&self, key: &Windowed<K>) -> Result<Option<ValueAndTimestamp<V>>> {
        opened(&self.opened, &self.store, &self.processor)?.fetch(&key.key, key.window.start)
    }
}

/// Reads a session-windowed table: the aggregate of the windowed key's session, stamped
/// with the session's end.
pub(crate) struct SessionGetter<K, V> {
    pub(crate) store: String,
    pub(crate) processor: String,
    pub(crate) opened: Option<SessionStore<K, V>>,
}

impl<K: 'static, V: 'static> ValueGetter<Windowed<K>, V> for SessionGetter<K, V> {
    fn init(&mut self, ctx: &TaskCtx) -> Result<()> {
        self.opened = Some(ctx.session_store(&self.store, &self.processor)?);
        Ok(())
    }
    fn get(&self, key: &Windowed<K>) -> Result<Option<ValueAndTimestamp<V>>> {
        let store = opened(&self.opened, &self.store, &self.processor)?;
        Ok(store
            .fetch_session(&key.key, key.window)?
            .map(|v| ValueAndTimestamp::new(v, key.window.end)))
    }
}
