//! The right side's answer to subscriptions: the subscription store keeps who is
//! subscribed to which foreign key, and each subscription is answered with the right
//! table's value of its foreign key.

use super::wire::{Instruction, Response, Subscription, combined_key};
use super::{PseudoTopics, SubscriptionStore, serialize};
use crate::dsl::ops::{StoreSlot, latest};
use crate::error::Result;
use crate::processor::{Fanout, Node, Null, TaskCtx};
use crate::serdes::SerdeRef;

/// Records (or removes) each subscription in the subscription store under its
/// combined key, and passes it on to be answered.
pub(crate) struct SubscriptionReceive<K, KO> {
    pub(crate) name: String,
    pub(crate) store: SubscriptionStore<K>,
    /// The right table's key serde.
    pub(crate) foreign_keys: SerdeRef<KO>,
    /// The left table's key serde.
    pub(crate) primary_keys: SerdeRef<K>,
    pub(crate) topics: PseudoTopics,
    pub(crate) out: Fanout<Option<KO>, Subscription<K>>,
}

impl<K: Clone + 'static, KO: Clone + 'static> Node<Option<KO>, Subscription<K>>
    for SubscriptionReceive<K, KO>
{
    fn init(&mut self, ctx: &mut TaskCtx) -> Result<()> {
        self.store.open(ctx)
    }

    fn process(&mut self, ctx: &mut TaskCtx, fk: Option<KO>, subscription: Subscription<K>) -> Result<()> {
        let Some(key) = &fk else {
            // Only a left join's row without a foreign key comes without one: it is
            // answered (with no right value) and never stored.
            if subscription.instruction != Instruction::PropagateNullIfNoFkValAvailable {
                ctx.skip_null(&self.name, Null::Key);
                return Ok(());
            }
            return self.out.forward(ctx, fk, subscription);
        };
        let topics = &self.topics;
        let fk_bytes = serialize(ctx, &self.foreign_keys, &topics.foreign_key, "key", key)?;
        let pk_bytes = serialize(
            ctx,
            &self.primary_keys,
            &topics.primary_key,
            "key",
            &subscription.primary_key,
        )?;
        let combined = combined_key(
            fk_bytes.as_deref().unwrap_or_default(),
            pk_bytes.as_deref().unwrap_or_default(),
        );
        if subscription.instruction.unsubscribes() {
            self.store.delete(combined)?;
        } else {
            self.store
                .put(topics, combined, &subscription, ctx.meta.timestamp)?;
        }
        self.out.forward(ctx, fk, subscription)
    }
}

/// Answers each subscription, as its instruction says, with the right table's value of
/// its foreign key; the answer goes to the left key.
pub(crate) struct SubscriptionJoin<K, KO, VO> {
    pub(crate) right: StoreSlot<KO, VO>,
    pub(crate) out: Fanout<K, Response<VO>>,
}

impl<K: Clone + 'static, KO: 'static, VO: Clone + 'static> Node<Option<KO>, Subscription<K>>
    for SubscriptionJoin<K, KO, VO>
{
    fn init(&mut self, ctx: &mut TaskCtx) -> Result<()> {
        self.right.open(ctx)
    }

    fn process(&mut self, ctx: &mut TaskCtx, fk: Option<KO>, subscription: Subscription<K>) -> Result<()> {
        let found = match &fk {
            Some(fk) => self.right.get()?.get(fk)?,
            None => None,
        };
        // Stamped with the later of the subscription's and the right row's timestamps.
        let timestamp = latest(ctx.meta.timestamp, found.as_ref());
        let foreign_value = found.map(|found| found.value);
        let foreign_value = match subscription.instruction {
            Instruction::DeleteKeyNoPropagate => return Ok(()),
            Instruction::PropagateOnlyIfFkValAvailable if foreign_value.is_none() => return Ok(()),
            Instruction::DeleteKeyAndPropagate => None,
            Instruction::PropagateNullIfNoFkValAvailable | Instruction::PropagateOnlyIfFkValAvailable => {
                foreign_value
            }
        };
        let response = Response {
            hash: subscription.hash,
            foreign_value,
            primary_partition: Some(subscription.primary_partition),
        };
        self.out
            .forward_at(ctx, timestamp, subscription.primary_key, response)
    }
}
