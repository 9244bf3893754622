//! A step without state (filter, map, peek ...): a function of the record and the
//! node's children.

use std::sync::Arc;

use crate::error::Result;
use crate::processor::{Fanout, Node, TaskCtx};

/// The function of a [`StepNode`].
pub(crate) type StepFn<K, V, K2, V2> =
    Arc<dyn Fn(&mut TaskCtx, K, V, &Fanout<K2, V2>) -> Result<()> + Send + Sync>;

/// Runs its function on each record.
pub(crate) struct StepNode<K, V, K2, V2> {
    pub(crate) step: StepFn<K, V, K2, V2>,
    pub(crate) out: Fanout<K2, V2>,
}

impl<K, V, K2, V2> Node<K, V> for StepNode<K, V, K2, V2> {
    fn process(&mut self, ctx: &mut TaskCtx, key: K, value: V) -> Result<()> {
        (self.step)(ctx, key, value, &self.out)
    }
}

/// Passes every record on (a merge, a branch of a split, a filter in front of a
/// repartition topic).
pub(crate) struct PassThrough<K, V> {
    pub(crate) out: Fanout<K, V>,
}

impl<K: Clone, V: Clone> Node<K, V> for PassThrough<K, V> {
    fn process(&mut self, ctx: &mut TaskCtx, key: K, value: V) -> Result<()> {
        self.out.forward(ctx, key, value)
    }
}
