//! The stream side of a stream-table join: each record looks its key up in the table.

use std::sync::Arc;

use super::ValueGetter;
use crate::dsl::nulls::RecordNulls;
use crate::error::Result;
use crate::processor::{Fanout, Node, Null, TaskCtx};

/// `(key, stream value, table value or None)` to the joined value, or `None` to emit
/// nothing.
pub(crate) type JoinFn<K, V, VT, VR> = Arc<dyn Fn(&K, V, Option<&VT>) -> Option<VR> + Send + Sync>;

/// The joiner of a stream-table or stream-global join, and its kind.
pub(crate) struct StreamTableJoiner<K, V, VT, VR> {
    pub(crate) join: JoinFn<K, V, VT, VR>,
    /// A left join: a record without a table key is joined with no table value, not
    /// skipped.
    pub(crate) left: bool,
}

impl<K, V, VT, VR> Clone for StreamTableJoiner<K, V, VT, VR> {
    fn clone(&self) -> Self {
        Self {
            join: self.join.clone(),
            left: self.left,
        }
    }
}

/// Joins each record with the table's current value of its key. A record with a null
/// value is skipped; one with a null key is skipped by an inner join, and joined with no
/// table value by a left join (Kafka Streams' KIP-962).
pub(crate) struct StreamTableJoin<K, V, VT, VR> {
    pub(crate) table: Box<dyn ValueGetter<K, VT>>,
    pub(crate) joiner: StreamTableJoiner<K, V, VT, VR>,
    pub(crate) nulls: RecordNulls<K, V>,
    pub(crate) out: Fanout<K, VR>,
}

impl<K: Clone + 'static, V: 'static, VT: 'static, VR: Clone> Node<K, V> for StreamTableJoin<K, V, VT, VR> {
    fn init(&mut self, ctx: &mut TaskCtx) -> Result<()> {
        self.table.init(ctx)
    }
    fn process(&mut self, ctx: &mut TaskCtx, key: K, value: V) -> Result<()> {
        if self.nulls.value_is_null(&value) {
            self.nulls.skip(ctx, Null::Value);
            return Ok(());
        }
        let other = if !self.nulls.key_is_null(&key) {
            // A versioned table is read as of the stream record's time.
            self.table
                .get_as_of(&key, ctx.meta.timestamp)?
                .map(|row| row.value)
        } else if self.joiner.left {
            None
        } else {
            self.nulls.skip(ctx, Null::Key);
            return Ok(());
        };
        match (self.joiner.join)(&key, value, other.as_ref()) {
            Some(joined) => self.out.forward(ctx, key, joined),
            None => Ok(()),
        }
    }
}
