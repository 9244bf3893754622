//! Typed nodes of an instantiated topology: each forwards to its children by a direct
//! call, with no per-record allocation or type erasure.

use std::cell::RefCell;
use std::rc::Rc;

use super::TaskCtx;
use crate::error::Result;
use crate::processor::PunctuationType;

/// A node that takes records with keys `K` and values `V`.
pub(crate) trait Node<K, V> {
    fn process(&mut self, ctx: &mut TaskCtx, key: K, value: V) -> Result<()>;
    fn init(&mut self, _ctx: &mut TaskCtx) -> Result<()> {
        Ok(())
    }
    fn punctuate(&mut self, _ctx: &mut TaskCtx, _kind: PunctuationType, _now: i64) -> Result<()> {
        Ok(())
    }
    /// Forwards what the node's record cache holds (at a commit).
    fn flush_cache(&mut self, _ctx: &mut TaskCtx) -> Result<()> {
        Ok(())
    }
}

/// A shared node: a node with several parents (after `merge`) is one instance.
pub(crate) type NodeRef<K, V> = Rc<RefCell<dyn Node<K, V>>>;

/// The children of a node.
pub(crate) struct Fanout<K, V>(pub(crate) Vec<NodeRef<K, V>>);

impl<K: Clone, V: Clone> Fanout<K, V> {
    /// Sends a record to every child (clones for all but the last).
    pub(crate) fn forward(&self, ctx: &mut TaskCtx, key: K, value: V) -> Result<()> {
        let Some((last, rest)) = self.0.split_last() else {
            return Ok(());
        };
        for child in rest {
            child.borrow_mut().process(ctx, key.clone(), value.clone())?;
        }
        last.borrow_mut().process(ctx, key, value)
    }

    /// Sends a record stamped with `timestamp` (the current record's timestamp is
    /// restored afterwards).
    pub(crate) fn forward_at(&self, ctx: &mut TaskCtx, timestamp: i64, key: K, value: V) -> Result<()> {
        let saved = std::mem::replace(&mut ctx.meta.timestamp, timestamp);
        let result = self.forward(ctx, key, value);
        ctx.meta.timestamp = saved;
        result
    }
}

/// A node chosen when the task is made (one of several kinds of one operation).
impl<K, V> Node<K, V> for Box<dyn Node<K, V>> {
    fn process(&mut self, ctx: &mut TaskCtx, key: K, value: V) -> Result<()> {
        (**self).process(ctx, key, value)
    }
    fn init(&mut self, ctx: &mut TaskCtx) -> Result<()> {
        (**self).init(ctx)
    }
    fn punctuate(&mut self, ctx: &mut TaskCtx, kind: PunctuationType, now: i64) -> Result<()> {
        (**self).punctuate(ctx, kind, now)
    }
    fn flush_cache(&mut self, ctx: &mut TaskCtx) -> Result<()> {
        (**self).flush_cache(ctx)
    }
}
