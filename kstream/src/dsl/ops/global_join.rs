//! A stream joined with a global table through a key mapper.

use std::sync::Arc;

use super::{StoreSlot, StreamTableJoiner};
use crate::error::Result;
use crate::processor::{Fanout, Node, TaskCtx};

/// Picks the table key of a record: `None` is no match.
pub(crate) type KeyMapper<K, V, KG> = Arc<dyn Fn(&K, &V) -> Option<KG> + Send + Sync>;

/// The key mapper and the joiner of a global-table join: the mapper picks the table key
/// of a record (`None`: no match), the joiner makes the joined value from the record
/// and the table value (`None`: emit nothing).
pub(crate) struct GlobalJoiner<K, V, KG, VG, VR> {
    pub(crate) key_mapper: KeyMapper<K, V, KG>,
    pub(crate) joiner: StreamTableJoiner<K, V, VG, VR>,
}

impl<K, V, KG, VG, VR> Clone for GlobalJoiner<K, V, KG, VG, VR> {
    fn clone(&self) -> Self {
        Self {
            key_mapper: self.key_mapper.clone(),
            joiner: self.joiner.clone(),
        }
    }
}

/// Joins each record with the global table's value of the key its mapper picks.
pub(crate) struct GlobalJoin<K, V, KG, VG, VR> {
    pub(crate) table: StoreSlot<KG, VG>,
    pub(crate) join: GlobalJoiner<K, V, KG, VG, VR>,
    pub(crate) out: Fanout<K, VR>,
}

impl<K: Clone + 'static, V, KG: 'static, VG: 'static, VR: Clone> Node<K, V> for GlobalJoin<K, V, KG, VG, VR> {
    fn init(&mut self, ctx: &mut TaskCtx) -> Result<()> {
        self.table.open(ctx)
    }
    fn process(&mut self, ctx: &mut TaskCtx, key: K, value: V) -> Result<()> {
        let found = match (self.join.key_mapper)(&key, &value) {
            Some(table_key) => self.table.get()?.get(&table_key)?.map(|row| row.value),
            None => None,
        };
        match (self.join.joiner)(&key, value, found.as_ref()) {
            Some(joined) => self.out.forward(ctx, key, joined),
            None => Ok(()),
        }
    }
}
