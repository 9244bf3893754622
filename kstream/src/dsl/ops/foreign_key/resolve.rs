//! The left side's last steps: a response is joined with the left row if it answers the
//! row's current value, and the result is kept as the join's table.

use super::wire::Response;
use super::{ForeignKeyJoiner, PseudoTopics, skip_stale, value_hash};
use crate::dsl::ops::{Change, StoreSlot};
use crate::error::Result;
use crate::processor::{Fanout, Node, TaskCtx};
use crate::serdes::SerdeRef;

/// Joins a response with the left row's current value, or drops it when it answers an
/// older value (its hash is not the current value's): the response to the newer value
/// is on its way.
pub(crate) struct ResponseJoin<K, V, VO, VR> {
    pub(crate) name: String,
    pub(crate) left: StoreSlot<K, V>,
    /// The left table's value serde, for the hash.
    pub(crate) values: SerdeRef<V>,
    pub(crate) joiner: ForeignKeyJoiner<V, VO, VR>,
    pub(crate) topics: PseudoTopics,
    pub(crate) out: Fanout<K, Option<VR>>,
}

impl<K: Clone + 'static, V: 'static, VO, VR: Clone> Node<K, Response<VO>> for ResponseJoin<K, V, VO, VR> {
    fn init(&mut self, ctx: &mut TaskCtx) -> Result<()> {
        self.left.open(ctx)
    }

    fn process(&mut self, ctx: &mut TaskCtx, key: K, response: Response<VO>) -> Result<()> {
        let current = self.left.get()?.get(&key)?.map(|current| current.value);
        let hash = match &current {
            Some(v) => value_hash(ctx, &self.values, &self.topics, v)?,
            None => None,
        };
        if hash != response.hash {
            skip_stale(ctx, &self.name);
            return Ok(());
        }
        let joined = current
            .as_ref()
            .and_then(|v| (self.joiner)(v, response.foreign_value.as_ref()));
        self.out.forward(ctx, key, joined)
    }
}

/// Stores the join's rows (`None` deletes one) and emits each change with the row it
/// replaced.
pub(crate) struct JoinOutput<K, VR> {
    pub(crate) store: StoreSlot<K, VR>,
    pub(crate) out: Fanout<K, Change<VR>>,
}

impl<K: Clone + 'static, VR: Clone + 'static> Node<K, Option<VR>> for JoinOutput<K, VR> {
    fn init(&mut self, ctx: &mut TaskCtx) -> Result<()> {
        self.store.open(ctx)
    }

    fn process(&mut self, ctx: &mut TaskCtx, key: K, new: Option<VR>) -> Result<()> {
        let store = self.store.get()?;
        let (key_bytes, old) = store.get_with_key(&key)?;
        let old = old.map(|old| old.value);
        match &new {
            Some(v) => {
                store.put_bytes(key_bytes, v, ctx.meta.timestamp)?;
            }
            None => store.delete_bytes(key_bytes),
        }
        self.out.forward(ctx, key, Change { new, old })
    }
}
