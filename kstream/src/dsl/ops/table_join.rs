//! One side of a table-table join: each change looks the key up in the other table.

use std::sync::Arc;

use super::{Change, ValueGetter, latest};
use crate::error::Result;
use crate::processor::{Fanout, Node, TaskCtx};

/// `(this side's value, the other side's value)` to the joined value, or `None` for no
/// row.
pub(crate) type TableJoiner<A, B, R> = Arc<dyn Fn(Option<&A>, Option<&B>) -> Option<R> + Send + Sync>;

/// Joins each change of one table with the other table's current value of the key
/// (read from its store, or through the tables it was derived from), as Kafka Streams'
/// `KTableKTable…Join` processors do.
pub(crate) struct TableJoinSide<K, A, B, R> {
    pub(crate) other: Box<dyn ValueGetter<K, B>>,
    pub(crate) join: TableJoiner<A, B, R>,
    /// Whether this side's rows join without a row on the other side (the left side of
    /// a left join, both sides of an outer join): a change of a key the other side does
    /// not have is then joined, unless it has neither a new nor an old value. Else it
    /// is dropped.
    pub(crate) outer: bool,
    /// Whether the join sends old values (the join of the change's old value).
    pub(crate) send_old: bool,
    pub(crate) out: Fanout<K, Change<R>>,
}

impl<K: Clone + 'static, A, B: 'static, R: Clone> Node<K, Change<A>> for TableJoinSide<K, A, B, R> {
    fn init(&mut self, ctx: &mut TaskCtx) -> Result<()> {
        self.other.init(ctx)
    }
    fn process(&mut self, ctx: &mut TaskCtx, key: K, change: Change<A>) -> Result<()> {
        let theirs = self.other.get(&key)?;
        if theirs.is_none() && (!self.outer || (change.new.is_none() && change.old.is_none())) {
            return Ok(());
        }
        // Stamped with the later of the two rows' timestamps, as Kafka does.
        let timestamp = latest(ctx.meta.timestamp, theirs.as_ref());
        let theirs = theirs.map(|t| t.value);
        let new = (self.join)(change.new.as_ref(), theirs.as_ref());
        let old = if self.send_old {
            (self.join)(change.old.as_ref(), theirs.as_ref())
        } else {
            None
        };
        // A change with neither value is passed on too (a deletion of a row the parent
        // cannot tell was there), as Kafka's joins pass it.
        self.out.forward_at(ctx, timestamp, key, Change { new, old })
    }
}
