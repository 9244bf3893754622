//! A table read from a topic into a versioned store (Kafka Streams' versioned tables):
//! every value each key had within the store's history retention, so a stream-table join
//! reads the table as of each stream record's time.

use super::Change;
use crate::error::{Error, Result};
use crate::processor::{Fanout, Node, TaskCtx};
use crate::store::{PutOutcome, VersionedKeyValueStore};

/// A versioned store a node opens at init.
pub(crate) struct VersionedSlot<K, V> {
    name: String,
    processor: String,
    store: Option<VersionedKeyValueStore<K, V>>,
}

impl<K: 'static, V: 'static> VersionedSlot<K, V> {
    pub(crate) fn new(name: &str, processor: &str) -> Self {
        Self {
            name: name.to_owned(),
            processor: processor.to_owned(),
            store: None,
        }
    }

    pub(crate) fn open(&mut self, ctx: &TaskCtx) -> Result<()> {
        self.store = Some(ctx.versioned_store(&self.name, &self.processor)?);
        Ok(())
    }

    pub(crate) fn get(&self) -> Result<&VersionedKeyValueStore<K, V>> {
        self.store.as_ref().ok_or_else(|| Error::UnknownStore {
            store: self.name.clone(),
            processor: self.processor.clone(),
        })
    }
}

/// Puts each record into the versioned store at its timestamp and forwards the change:
/// an out-of-order record goes into the history (later reads as of its time see it),
/// and one older than the history retention is dropped and counted.
pub(crate) struct VersionedTableSource<K, V> {
    pub(crate) store: VersionedSlot<K, V>,
    pub(crate) send_old: bool,
    pub(crate) out: Fanout<K, Change<V>>,
}

impl<K: Clone + 'static, V: Clone + 'static> Node<K, Option<V>> for VersionedTableSource<K, V> {
    fn init(&mut self, ctx: &mut TaskCtx) -> Result<()> {
        self.store.open(ctx)
    }
    fn process(&mut self, ctx: &mut TaskCtx, key: K, value: Option<V>) -> Result<()> {
        let store = self.store.get()?;
        let latest = store.get(&key)?.map(|r| r.value);
        match store.put(&key, value.as_ref(), ctx.meta.timestamp)? {
            // An out-of-order record is forwarded too, as Kafka Streams forwards it (its
            // change says it is not the latest; kstream's changes do not).
            PutOutcome::Latest | PutOutcome::ValidTo(_) => {
                let old = if self.send_old { latest } else { None };
                self.out.forward(ctx, key, Change { new: value, old })
            }
            PutOutcome::Expired => Ok(()),
        }
    }
}
