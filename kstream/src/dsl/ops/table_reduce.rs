//! A grouped table's reduce: as a table aggregation, with no initial value (the first
//! row of a key is its aggregate) and the reducers taking the aggregate and the row.

use std::sync::Arc;

use super::{Change, Delta, StoreSlot};
use crate::error::Result;
use crate::processor::{Fanout, Node, TaskCtx};

/// `(aggregate, row)` to the new aggregate: an adder or a subtractor.
pub(crate) type Reducer<V> = Arc<dyn Fn(V, V) -> V + Send + Sync>;

/// Applies each delta to its key's aggregate and emits the change: a row added to no
/// aggregate starts it, a row taken from no aggregate changes nothing.
pub(crate) struct TableReduce<K, V> {
    pub(crate) store: StoreSlot<K, V>,
    pub(crate) adder: Reducer<V>,
    pub(crate) subtractor: Reducer<V>,
    pub(crate) out: Fanout<K, Change<V>>,
}

impl<K: Clone + 'static, V: Clone + 'static> Node<K, Delta<V>> for TableReduce<K, V> {
    fn init(&mut self, ctx: &mut TaskCtx) -> Result<()> {
        self.store.open(ctx)
    }
    fn process(&mut self, ctx: &mut TaskCtx, key: K, delta: Delta<V>) -> Result<()> {
        let store = self.store.get()?;
        let old = store.get(&key)?;
        let new = match (old.clone(), delta.subtract) {
            (Some(agg), true) => (self.subtractor)(agg, delta.value),
            (None, true) => return Ok(()),
            (Some(agg), false) => (self.adder)(agg, delta.value),
            (None, false) => delta.value,
        };
        store.put(&key, &new)?;
        self.out.forward(ctx, key, Change { new: Some(new), old })
    }
}
