//! The node of `split`: each record goes to the first branch whose predicate holds.

use std::sync::Arc;

use crate::error::Result;
use crate::processor::{Node, NodeRef, TaskCtx};

/// A branch's predicate.
pub(crate) type BranchPredicate<K, V> = Arc<dyn Fn(&K, &V) -> bool + Send + Sync>;

/// Sends each record to the branch of the first predicate that holds, or to the
/// default branch (the one after the last predicate) when there is one.
pub(crate) struct SplitNode<K, V> {
    pub(crate) predicates: Vec<BranchPredicate<K, V>>,
    /// One per predicate, then the default branch if there is one.
    pub(crate) branches: Vec<NodeRef<K, V>>,
}

impl<K, V> Node<K, V> for SplitNode<K, V> {
    fn process(&mut self, ctx: &mut TaskCtx, key: K, value: V) -> Result<()> {
        let branch = self
            .predicates
            .iter()
            .position(|p| p(&key, &value))
            .unwrap_or(self.predicates.len());
        match self.branches.get(branch) {
            Some(out) => out.borrow_mut().process(ctx, key, value),
            None => Ok(()),
        }
    }
}
