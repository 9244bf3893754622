//! One side of a table-table join: each change looks the key up in the other table.

use std::sync::Arc;

use super::{Change, ValueGetter};
use crate::error::Result;
use crate::processor::{Fanout, Node, TaskCtx};

/// `(this side's value, the other side's value)` to the joined value, or `None` for no
/// row.
pub(crate) type TableJoiner<A, B, R> = Arc<dyn Fn(Option<&A>, Option<&B>) -> Option<R> + Send + Sync>;

/// Joins each change of one table with the other table's current value of the key
/// (read from its store, or through the tables it was derived from).
pub(crate) struct TableJoinSide<K, A, B, R> {
    pub(crate) other: Box<dyn ValueGetter<K, B>>,
    pub(crate) join: TableJoiner<A, B, R>,
    pub(crate) out: Fanout<K, Change<R>>,
}

impl<K: Clone + 'static, A, B: 'static, R: Clone> Node<K, Change<A>> for TableJoinSide<K, A, B, R> {
    fn init(&mut self, ctx: &mut TaskCtx) -> Result<()> {
        self.other.init(ctx)
    }
    fn process(&mut self, ctx: &mut TaskCtx, key: K, change: Change<A>) -> Result<()> {
        let theirs = self.other.get(&key)?;
        let new = (self.join)(change.new.as_ref(), theirs.as_ref());
        let old = (self.join)(change.old.as_ref(), theirs.as_ref());
        if new.is_none() && old.is_none() {
            return Ok(());
        }
        self.out.forward(ctx, key, Change { new, old })
    }
}
