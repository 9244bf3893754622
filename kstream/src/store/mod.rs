//! State stores: a byte-level backend (in memory, or RocksDB under feature `rocksdb`),
//! a write cache, and a compacted changelog topic `<application.id>-<store>-changelog`
//! from which a task restores the store before it processes.

mod backend;
mod error;
// The format marker is written by persistent (RocksDB) stores only.
#[cfg_attr(not(feature = "rocksdb"), allow(dead_code))]
mod format;
mod handle;
#[cfg(feature = "rocksdb")]
mod rocks;
mod segmented;
mod state;
mod timestamped;
mod typed;
mod versioned;
pub(crate) mod window;

use std::sync::Arc;
use std::time::Duration;

pub use backend::{InMemoryBackend, KeyValueBackend};
pub use error::StoreError;
pub use format::NO_TIMESTAMP;
pub(crate) use format::ValueLayout;
pub(crate) use format::corrupt;
#[cfg(feature = "rocksdb")]
pub(crate) use format::prepare as prepare_format;
pub use handle::{AnyStoreHandle, StoreHandle};
pub(crate) use handle::{ErasedHandle, Sealed, StoreId};
#[cfg(feature = "rocksdb")]
pub use rocks::RocksDbBackend;
#[cfg(feature = "rocksdb")]
pub(crate) use rocks::RocksSegments;
pub use segmented::SegmentedStore;
pub(crate) use state::StampedWrite;
pub use state::StateStore;
pub use timestamped::{ReadOnlyTimestampedKeyValueStore, TimestampedKeyValueStore, ValueAndTimestamp};
pub use typed::{KeyValueStore, ReadOnlyKeyValueStore};
pub use versioned::{PutOutcome, VersionedKeyValueStore, VersionedRecord};
pub use window::{SessionStore, WindowStore};

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

/// The backend of the store `spec` declares, of `kind` (RocksDB's data in `dir`), for
/// task `task` (named in logs).
#[cfg_attr(not(feature = "rocksdb"), allow(unused_variables))]
pub(crate) fn open_backend(
    spec: &StoreSpec,
    kind: StoreKind,
    dir: &std::path::Path,
    task: &str,
) -> crate::error::Result<Box<dyn KeyValueBackend>> {
    match (kind, spec.segments) {
        (StoreKind::InMemory, Some(segments)) => window::in_memory(&spec.name, segments),
        (StoreKind::InMemory, None) => Ok(Box::new(InMemoryBackend::default())),
        #[cfg(feature = "rocksdb")]
        (StoreKind::RocksDb, Some(segments)) => {
            let factory = RocksSegments::new(&spec.name, dir, segments.segment_ms);
            Ok(Box::new(window::SegmentedBackend::open(
                &spec.name,
                segments,
                Box::new(factory),
            )?))
        }
        #[cfg(feature = "rocksdb")]
        (StoreKind::RocksDb, None) => {
            let mut backend = RocksDbBackend::open(&spec.name, dir)?;
            let rewritten = prepare_format(&spec.name, &mut backend, dir, spec.layout)?;
            if rewritten > 0 {
                tracing::info!(store = %spec.name, task, values = rewritten, "converted the store's values to this release's layout");
            }
            Ok(Box::new(backend))
        }
    }
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
    /// For a versioned store, how much history it keeps.
    pub(crate) history: Option<Duration>,
    /// For a window or session store, how long it keeps windows.
    pub(crate) retention: Option<Duration>,
    /// Whether the table's updates go through the record cache (the default).
    pub(crate) caching: bool,
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
            history: None,
            retention: None,
            caching: true,
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

    /// Turns record caching off for this store (Kafka's `withCachingDisabled`): every
    /// update of the table is forwarded downstream as it happens, whatever
    /// `statestore.cache.max.bytes` is.
    pub fn with_caching_disabled(mut self) -> Self {
        self.caching = false;
        self
    }

    /// Turns record caching on for this store, the default (Kafka's
    /// `withCachingEnabled`): with `statestore.cache.max.bytes` above zero, the table's
    /// updates of one key between two commits are forwarded once.
    pub fn with_caching_enabled(mut self) -> Self {
        self.caching = true;
        self
    }

    /// How long the window or session store of a windowed aggregation keeps its
    /// windows (Kafka's `withRetention`): at least the window size plus the grace
    /// period, which is the default; longer keeps closed windows readable by
    /// interactive queries.
    pub fn with_retention(mut self, retention: Duration) -> Self {
        self.retention = Some(retention);
        self
    }

    /// Makes a processor API store a versioned store (Kafka's
    /// `Stores.persistentVersionedKeyValueStore`): every value each key had within
    /// `history_retention` of the latest timestamp written, readable as of a time with
    /// [`VersionedKeyValueStore`], opened by
    /// [`ProcessorContext::versioned_store`](crate::ProcessorContext::versioned_store)
    /// and [`TopologyTestDriver::versioned_store`](crate::TopologyTestDriver::versioned_store).
    ///
    /// ```
    /// use std::time::Duration;
    /// use kstream::{I64Serde, Materialized, PutOutcome, StreamsBuilder, StringSerde};
    ///
    /// let builder = StreamsBuilder::new();
    /// let prices = builder.add_state_store(
    ///     Materialized::with(StringSerde, I64Serde)
    ///         .named("prices")
    ///         .versioned(Duration::from_secs(3600)),
    /// );
    /// # let _ = prices;
    /// ```
    pub fn versioned(mut self, history_retention: Duration) -> Self {
        self.history = Some(history_retention);
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
            .field("history", &self.history)
            .field("retention", &self.retention)
            .field("caching", &self.caching)
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
    /// A versioned store's history retention in milliseconds (0 for others).
    pub(crate) history_ms: i64,
    /// Whether the updates of the table kept in it go through the record cache.
    pub(crate) caching: bool,
    /// How a window or session store is cut into time segments (`None`: a key-value
    /// store).
    pub(crate) segments: Option<window::Segmentation>,
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
        let mut spec = Self::declare(name, &m.handle, m.kind, m.logged, layout, false);
        spec.history_ms = m
            .history
            .map_or(0, |h| i64::try_from(h.as_millis()).unwrap_or(i64::MAX));
        spec.caching = m.caching;
        spec
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
            history_ms: 0,
            caching: false,
            segments: None,
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
            history_ms: self.history_ms,
            segments: self.segments,
            caching: self.caching,
        }
    }

    /// Whether `handle` is a handle of this store.
    pub(crate) fn is(&self, handle: &(impl Sealed + ?Sized)) -> bool {
        self.id == handle.id()
    }
}
