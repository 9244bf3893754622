//! The left side's first step: each change of a left row becomes the subscriptions its
//! old and new foreign keys need, with the hash of the new value.

use super::wire::{Instruction, Subscription};
use super::{ForeignKeyExtractor, PseudoTopics, serialize, value_hash};
use crate::dsl::ops::Change;
use crate::error::Result;
use crate::processor::{Fanout, Node, Null, TaskCtx};
use crate::serdes::SerdeRef;

/// Sends a left row's subscriptions to the registration topic, keyed by foreign key
/// (`None`: a left join's row without one).
pub(crate) struct SubscriptionSend<K, V, KO> {
    pub(crate) name: String,
    pub(crate) extractor: ForeignKeyExtractor<K, V, KO>,
    /// The right table's key serde: foreign keys are compared by their bytes.
    pub(crate) foreign_keys: SerdeRef<KO>,
    /// The left table's value serde, for the hash.
    pub(crate) values: SerdeRef<V>,
    pub(crate) left_join: bool,
    pub(crate) topics: PseudoTopics,
    pub(crate) out: Fanout<Option<KO>, Subscription<K>>,
}

impl<K: Clone + 'static, V: 'static, KO: Clone + 'static> Node<K, Change<V>> for SubscriptionSend<K, V, KO> {
    fn process(&mut self, ctx: &mut TaskCtx, key: K, change: Change<V>) -> Result<()> {
        // A foreign key its serde calls null is no foreign key.
        let foreign_key = |v: &V| (self.extractor)(&key, v).filter(|fk| !self.foreign_keys.is_null(fk));
        let old_fk = change.old.as_ref().and_then(foreign_key);
        let new_fk = change.new.as_ref().and_then(foreign_key);
        // The hash of the new value, computed for the first subscription sent.
        let mut computed = None;
        let (values, topics, out) = (&self.values, &self.topics, &self.out);
        let mut send = |ctx: &mut TaskCtx, fk: Option<KO>, instruction| -> Result<()> {
            let hash = match computed {
                Some(hash) => hash,
                None => *computed.insert(match &change.new {
                    Some(v) => value_hash(ctx, values, topics, v)?,
                    None => None,
                }),
            };
            let subscription = Subscription {
                hash,
                instruction,
                primary_key: key.clone(),
                primary_partition: ctx.meta.partition,
            };
            out.forward(ctx, fk, subscription)
        };
        if self.left_join {
            if change.old.is_none() && change.new.is_none() {
                return Ok(());
            }
            // The old foreign key loses the row unless the row keeps it; the new one (or
            // none) answers with the right value or without one.
            if let Some(old_fk) = old_fk
                && self.changed(ctx, new_fk.as_ref(), &old_fk)?
            {
                send(ctx, Some(old_fk), Instruction::DeleteKeyNoPropagate)?;
            }
            return send(ctx, new_fk, Instruction::PropagateNullIfNoFkValAvailable);
        }
        match (change.new.is_some(), new_fk, old_fk) {
            // A row without a foreign key has no inner-join row: the old one goes.
            (true, None, old_fk) => {
                ctx.skip_null(&self.name, Null::Key);
                match old_fk {
                    Some(old_fk) => send(ctx, Some(old_fk), Instruction::DeleteKeyAndPropagate),
                    None => Ok(()),
                }
            }
            (true, Some(new_fk), Some(old_fk)) => {
                if self.changed(ctx, Some(&new_fk), &old_fk)? {
                    // The row moves: its old result must go even when the new foreign
                    // key has no right row.
                    send(ctx, Some(old_fk), Instruction::DeleteKeyNoPropagate)?;
                    send(ctx, Some(new_fk), Instruction::PropagateNullIfNoFkValAvailable)
                } else {
                    send(ctx, Some(new_fk), Instruction::PropagateOnlyIfFkValAvailable)
                }
            }
            (true, Some(new_fk), None) => send(ctx, Some(new_fk), Instruction::PropagateOnlyIfFkValAvailable),
            (false, _, Some(old_fk)) => send(ctx, Some(old_fk), Instruction::DeleteKeyAndPropagate),
            (false, _, None) => Ok(()),
        }
    }
}

impl<K, V, KO: 'static> SubscriptionSend<K, V, KO> {
    /// Whether the row's foreign key changed, by the keys' bytes.
    fn changed(&self, ctx: &TaskCtx, new: Option<&KO>, old: &KO) -> Result<bool> {
        let bytes = |fk: &KO| serialize(ctx, &self.foreign_keys, &self.topics.foreign_key, "key", fk);
        Ok(match new {
            Some(new) => bytes(new)? != bytes(old)?,
            None => true,
        })
    }
}
