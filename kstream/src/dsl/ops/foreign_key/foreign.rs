//! The right side's changes: each goes to every left key subscribed to its key.

use super::wire::{Response, fk_prefix};
use super::{PseudoTopics, SubscriptionStore, serialize};
use crate::dsl::ops::Change;
use crate::error::Result;
use crate::processor::{Fanout, Node, TaskCtx};
use crate::serdes::SerdeRef;

/// Sends each change of a right row to every subscriber of its key, found by a prefix
/// scan of the subscription store, with the hash each subscriber last sent.
pub(crate) struct ForeignTableJoin<K, KO, VO> {
    pub(crate) store: SubscriptionStore<K>,
    /// The right table's key serde.
    pub(crate) foreign_keys: SerdeRef<KO>,
    pub(crate) topics: PseudoTopics,
    pub(crate) out: Fanout<K, Response<VO>>,
}

impl<K: Clone + 'static, KO: 'static, VO: Clone + 'static> Node<KO, Change<VO>>
    for ForeignTableJoin<K, KO, VO>
{
    fn init(&mut self, ctx: &mut TaskCtx) -> Result<()> {
        self.store.open(ctx)
    }

    fn process(&mut self, ctx: &mut TaskCtx, fk: KO, change: Change<VO>) -> Result<()> {
        let fk_bytes = serialize(ctx, &self.foreign_keys, &self.topics.foreign_key, "key", &fk)?;
        let prefix = fk_prefix(fk_bytes.as_deref().unwrap_or_default());
        for subscription in self.store.subscribers(&self.topics, &prefix)? {
            let response = Response {
                hash: subscription.hash,
                foreign_value: change.new.clone(),
                primary_partition: Some(subscription.primary_partition),
            };
            self.out.forward(ctx, subscription.primary_key, response)?;
        }
        Ok(())
    }
}
