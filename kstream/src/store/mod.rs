//! State stores: a byte-level backend (in memory, or RocksDB under feature `rocksdb`),
//! a write cache, and a compacted changelog topic `<application.id>-<store>-changelog`
//! from which a task restores the store before it processes.

mod backend;
#[cfg(feature = "rocksdb")]
mod rocks;
mod state;
mod typed;

use std::any::Any;
use std::sync::Arc;

pub use backend::{InMemoryBackend, KeyValueBackend};
#[cfg(feature = "rocksdb")]
pub use rocks::RocksDbBackend;
pub use state::StateStore;
pub(crate) use typed::typed_serdes;
pub use typed::{KeyValueStore, ReadOnlyKeyValueStore};

use crate::serdes::{Serde, SerdeRef};

/// Where a store keeps its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum StoreKind {
    /// A B-tree in memory, restored from the changelog at each start.
    #[default]
    InMemory,
    /// RocksDB under `state.dir` (feature `rocksdb`); a checkpoint file skips restoring
    /// what is already on disk.
    #[cfg(feature = "rocksdb")]
    RocksDb,
}

/// How a table or aggregation is stored: the store's name (which makes it queryable),
/// its serdes, its kind and whether it is logged to a changelog topic.
pub struct Materialized<K, V> {
    pub(crate) name: Option<String>,
    pub(crate) keys: SerdeRef<K>,
    pub(crate) values: SerdeRef<V>,
    /// `None`: the application's default (`StreamsConfig::default_store`).
    pub(crate) kind: Option<StoreKind>,
    pub(crate) logged: bool,
}

impl<K: 'static, V: 'static> Materialized<K, V> {
    /// A store with these serdes; named by the builder unless [`Materialized::named`].
    pub fn with(keys: impl Serde<K>, values: impl Serde<V>) -> Self {
        Self {
            name: None,
            keys: Arc::new(keys),
            values: Arc::new(values),
            kind: None,
            logged: true,
        }
    }

    /// Names the store (its changelog is `<application.id>-<name>-changelog`) and makes
    /// it queryable under that name.
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Chooses the backend (without it, `StreamsConfig::default_store`).
    pub fn kind(mut self, kind: StoreKind) -> Self {
        self.kind = Some(kind);
        self
    }

    /// Turns the changelog off: the store is then lost with its state directory.
    pub fn without_logging(mut self) -> Self {
        self.logged = false;
        self
    }
}

/// A store as the topology declares it.
pub(crate) struct StoreSpec {
    #[cfg_attr(not(feature = "rocksdb"), allow(dead_code))]
    pub(crate) name: String,
    pub(crate) kind: Option<StoreKind>,
    pub(crate) logged: bool,
    /// Filled from a global table's topic, shared by every task.
    pub(crate) global: bool,
    /// `(SerdeRef<K>, SerdeRef<V>)`, for typed access by name.
    pub(crate) serdes: Arc<dyn Any + Send + Sync>,
}

impl StoreSpec {
    pub(crate) fn of<K: 'static, V: 'static>(name: &str, m: &Materialized<K, V>) -> Self {
        Self {
            name: name.to_owned(),
            kind: m.kind,
            logged: m.logged,
            global: false,
            serdes: Arc::new((m.keys.clone(), m.values.clone())),
        }
    }
}
