//! A stream joined with a global table through a key mapper.

use std::sync::Arc;

use super::{StoreSlot, StreamTableJoiner};
use crate::dsl::nulls::RecordNulls;
use crate::error::Result;
use crate::processor::{Fanout, Node, Null, TaskCtx};

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

/// Joins each record with the global table's value of the key its mapper picks. A
/// record with a null value is skipped; one whose mapped key is null (`None`, or null by
/// the table's key serdes) is skipped by an inner join, and joined with no table value
/// by a left join.
pub(crate) struct GlobalJoin<K, V, KG, VG, VR> {
    pub(crate) table: StoreSlot<KG, VG>,
    pub(crate) join: GlobalJoiner<K, V, KG, VG, VR>,
    /// Null table keys and null stream values.
    pub(crate) nulls: RecordNulls<KG, V>,
    pub(crate) out: Fanout<K, VR>,
}

impl<K: Clone + 'static, V: 'static, KG: 'static, VG: 'static, VR: Clone> Node<K, V>
    for GlobalJoin<K, V, KG, VG, VR>
{
    fn init(&mut self, ctx: &mut TaskCtx) -> Result<()> {
        self.table.open(ctx)
    }
    fn process(&mut self, ctx: &mut TaskCtx, key: K, value: V) -> Result<()> {
        if self.nulls.value_is_null(&value) {
            self.nulls.skip(ctx, Null::Value);
            return Ok(());
        }
        let table_key = (self.join.key_mapper)(&key, &value).filter(|k| !self.nulls.key_is_null(k));
        let found = match table_key {
            Some(table_key) => self.table.get()?.get(&table_key)?.map(|row| row.value),
            None if self.join.joiner.left => None,
            None => {
                self.nulls.skip(ctx, Null::Key);
                return Ok(());
            }
        };
        match (self.join.joiner.join)(&key, value, found.as_ref()) {
            Some(joined) => self.out.forward(ctx, key, joined),
            None => Ok(()),
        }
    }
}
