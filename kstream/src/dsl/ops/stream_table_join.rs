//! The stream side of a stream-table join: each record looks its key up in the table.

use std::sync::Arc;

use super::ValueGetter;
use crate::error::Result;
use crate::processor::{Fanout, Node, TaskCtx};

/// `(key, stream value, table value or None)` to the joined value, or `None` to emit
/// nothing.
pub(crate) type StreamTableJoiner<K, V, VT, VR> = Arc<dyn Fn(&K, V, Option<&VT>) -> Option<VR> + Send + Sync>;

/// Joins each record with the table's current value of its key.
pub(crate) struct StreamTableJoin<K, V, VT, VR> {
    pub(crate) table: Box<dyn ValueGetter<K, VT>>,
    pub(crate) joiner: StreamTableJoiner<K, V, VT, VR>,
    pub(crate) out: Fanout<K, VR>,
}

impl<K: Clone + 'static, V, VT: 'static, VR: Clone> Node<K, V> for StreamTableJoin<K, V, VT, VR> {
    fn init(&mut self, ctx: &mut TaskCtx) -> Result<()> {
        self.table.init(ctx)
    }
    fn process(&mut self, ctx: &mut TaskCtx, key: K, value: V) -> Result<()> {
        let other = self.table.get(&key)?;
        match (self.joiner)(&key, value, other.as_ref()) {
            Some(joined) => self.out.forward(ctx, key, joined),
            None => Ok(()),
        }
    }
}
