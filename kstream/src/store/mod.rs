//! State stores: a byte-level backend (in memory, or RocksDB under feature `rocksdb`),
//! a write cache, and a compacted changelog topic `<application.id>-<store>-changelog`
//! from which a task restores the store before it processes.

mod backend;
mod error;
mod format;
mod handle;
#[cfg(feature = "rocksdb")]
mod rocks;
mod state;
mod timestamped;
mod typed;

use std::sync::Arc;

pub use backend::{InMemoryBackend, KeyValueBackend};
pub use error::StoreError;
pub use format::NO_TIMESTAMP;
pub(crate) use format::{ValueLayout, prepare as prepare_format};
pub use handle::{AnyStoreHandle, StoreHandle};
pub(crate) use handle::{ErasedHandle, Sealed, StoreId};
#[cfg(feature = "rocksdb")]
pub use rocks::RocksDbBackend;
pub use state::StateStore;
pub use timestamped::{ReadOnlyTimestampedKeyValueStore, TimestampedKeyValueStore, ValueAndTimestamp};
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

/// How a table or aggregation is stored: the store's name, its serdes, its kind and
/// whether it is logged to a changelog topic. [`Materialized::handle`] is the typed
/// handle that opens the store once it is part of a topology.
pub struct Materialized<K, V> {
    pub(crate) name: Option<String>,
    /// Its serdes (also what tells a null key or value).
    pub(crate) keys: SerdeRef<K>,
    pub(crate) values: SerdeRef<V>,
    /// The store's identity, shared with every handle of it.
    handle: StoreHandle<K, V>,
    /// `None`: the application's default (`StreamsConfig::default_store`).
    pub(crate) kind: Option<StoreKind>,
    pub(crate) logged: bool,
    /// Whether a processor API store keeps each value's timestamp (the DSL's stores
    /// always do).
    pub(crate) timestamped: bool,
}

impl<K: 'static, V: 'static> Materialized<K, V> {
    /// A store with these serdes; named by the builder unless [`Materialized::named`].
    pub fn with(keys: impl Serde<K>, values: impl Serde<V>) -> Self {
        let (keys, values): (SerdeRef<K>, SerdeRef<V>) = (Arc::new(keys), Arc::new(values));
        Self {
            name: None,
            handle: StoreHandle::new(keys.clone(), values.clone()),
            keys,
            values,
            kind: None,
            logged: true,
            timestamped: false,
        }
    }

    /// The handle of the store this declares, to open it in processors
    /// ([`ProcessorContext::store`](crate::ProcessorContext::store)), in the test driver
    /// and in interactive queries. It opens the store once the `Materialized` is given
    /// to an operation of a topology (`count(m)`, `table(.., m)` ...).
    pub fn handle(&self) -> StoreHandle<K, V> {
        self.handle.clone()
    }

    /// Names the store: its changelog is `<application.id>-<name>-changelog`, and
    /// [`Topology::describe`](crate::Topology::describe) shows it.
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

    /// Keeps, with each value, the timestamp of the record that wrote it (Kafka's
    /// `TimestampedKeyValueStore`), to open with
    /// [`ProcessorContext::timestamped_store`](crate::ProcessorContext::timestamped_store).
    /// Only a store declared with
    /// [`StreamsBuilder::add_state_store`](crate::StreamsBuilder::add_state_store) needs
    /// it: the stores of tables and aggregations are always timestamped.
    pub fn timestamped(mut self) -> Self {
        self.timestamped = true;
        self
    }
}

impl<K, V> std::fmt::Debug for Materialized<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Materialized")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("logged", &self.logged)
            .field("timestamped", &self.timestamped)
            .finish()
    }
}

/// A store as the topology declares it.
pub(crate) struct StoreSpec {
    #[cfg_attr(not(feature = "rocksdb"), allow(dead_code))]
    pub(crate) name: String,
    pub(crate) kind: Option<StoreKind>,
    pub(crate) logged: bool,
    /// How its values are laid out.
    pub(crate) layout: ValueLayout,
    /// Filled from a global table's topic, shared by every task.
    pub(crate) global: bool,
    /// The identity its handles carry.
    pub(crate) id: StoreId,
    /// Its `StoreHandle<K, V>`, for typed access inside the crate.
    pub(crate) handle: ErasedHandle,
}

impl StoreSpec {
    /// The declaration of the store of `m`, under `name`, with values laid out as
    /// `layout`; its handles learn the name.
    pub(crate) fn of<K: 'static, V: 'static>(
        name: &str,
        m: &Materialized<K, V>,
        layout: ValueLayout,
    ) -> Self {
        Self::declare(name, &m.handle, m.kind, m.logged, layout, false)
    }

    /// The declaration of a global table's store under `name`, read with the topic's
    /// serdes and never logged (the topic is its log), with the store's handle.
    pub(crate) fn global<K: 'static, V: 'static>(
        name: &str,
        keys: SerdeRef<K>,
        values: SerdeRef<V>,
    ) -> (Self, StoreHandle<K, V>) {
        let handle = StoreHandle::new(keys, values);
        let spec = Self::declare(
            name,
            &handle,
            Some(StoreKind::InMemory),
            false,
            ValueLayout::Timestamped,
            true,
        );
        (spec, handle)
    }

    fn declare<K: 'static, V: 'static>(
        name: &str,
        handle: &StoreHandle<K, V>,
        kind: Option<StoreKind>,
        logged: bool,
        layout: ValueLayout,
        global: bool,
    ) -> Self {
        // A handle keeps the first name it was declared under.
        let _ = handle.name.set(name.to_owned());
        Self {
            name: name.to_owned(),
            kind,
            logged,
            layout,
            global,
            id: handle.id,
            handle: handle.erased(),
        }
    }

    /// The typed handle of this store, if it holds these types.
    pub(crate) fn handle<K: 'static, V: 'static>(&self) -> Option<StoreHandle<K, V>> {
        StoreHandle::of(&self.handle)
    }

    /// This store's instance `state` in a task.
    pub(crate) fn task_store(&self, state: Arc<StateStore>) -> crate::processor::TaskStore {
        crate::processor::TaskStore {
            state,
            id: self.id,
            handle: self.handle.clone(),
        }
    }

    /// Whether `handle` is a handle of this store.
    pub(crate) fn is(&self, handle: &(impl Sealed + ?Sized)) -> bool {
        self.id == handle.id()
    }
}
