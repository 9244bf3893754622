//! [`StoreHandle`]: a typed reference to one store of one topology, by which processors,
//! the test driver and interactive queries open it.

use std::any::Any;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use crate::serdes::SerdeRef;

/// The identity of a declared store, unique in the process: two topologies built from
/// the same code have stores with equal names but different identities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StoreId(u64);

impl StoreId {
    pub(crate) fn fresh() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        StoreId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// A typed reference to a state store of a topology: the key and value types and
/// serdes it was declared with, and its identity. Get one from
/// [`Materialized::handle`](super::Materialized::handle),
/// [`StreamsBuilder::add_state_store`](crate::StreamsBuilder::add_state_store),
/// [`KTable::store_handle`](crate::KTable::store_handle) or
/// [`GlobalKTable::store_handle`](crate::GlobalKTable::store_handle), and open the store
/// with [`ProcessorContext::store`](crate::ProcessorContext::store),
/// [`TopologyTestDriver::store`](crate::TopologyTestDriver::store) or
/// [`KafkaStreams::store`](crate::KafkaStreams::store). A handle opens the store it was
/// made for and no other: given to a topology built separately (even from the same
/// code), it gives [`Error::NoSuchStore`](crate::Error::NoSuchStore) or
/// [`Error::UnknownStore`](crate::Error::UnknownStore) naming the store.
///
/// ```
/// use kstream::{Consumed, Grouped, I64Serde, Materialized, StreamsBuilder, StringSerde, TopologyTestDriver};
///
/// let counts = Materialized::with(StringSerde, I64Serde).named("counts");
/// let counts_store = counts.handle();
/// let builder = StreamsBuilder::new();
/// builder
///     .stream("words", Consumed::with(StringSerde, StringSerde))
///     .group_by_key(Grouped::with(StringSerde, StringSerde))
///     .count(counts);
/// let driver = TopologyTestDriver::new(builder.build()?)?;
/// driver.input_topic("words", StringSerde, StringSerde).pipe_input("kafka".into(), "".into())?;
/// assert_eq!(counts_store.name(), Some("counts"));
/// assert_eq!(driver.store(&counts_store)?.get(&"kafka".into())?, Some(1));
/// # Ok::<(), kstream::Error>(())
/// ```
pub struct StoreHandle<K, V> {
    pub(crate) id: StoreId,
    /// Set when the store is added to a topology (with the name given to
    /// [`Materialized::named`](super::Materialized::named), or one the builder chose).
    pub(crate) name: Arc<OnceLock<String>>,
    pub(crate) keys: SerdeRef<K>,
    pub(crate) values: SerdeRef<V>,
}

impl<K, V> Clone for StoreHandle<K, V> {
    fn clone(&self) -> Self {
        Self {
            id: self.id,
            name: self.name.clone(),
            keys: self.keys.clone(),
            values: self.values.clone(),
        }
    }
}

impl<K, V> std::fmt::Debug for StoreHandle<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreHandle")
            .field("name", &self.name())
            .field("key", &std::any::type_name::<K>())
            .field("value", &std::any::type_name::<V>())
            .finish()
    }
}

impl<K, V> StoreHandle<K, V> {
    pub(crate) fn new(keys: SerdeRef<K>, values: SerdeRef<V>) -> Self {
        Self {
            id: StoreId::fresh(),
            name: Arc::new(OnceLock::new()),
            keys,
            values,
        }
    }

    /// The store's name, once the store is part of a topology: the name given to
    /// [`Materialized::named`](super::Materialized::named), or the one the builder
    /// chose. It names the changelog topic `<application.id>-<name>-changelog` and
    /// appears in [`Topology::describe`](crate::Topology::describe).
    pub fn name(&self) -> Option<&str> {
        self.name.get().map(String::as_str)
    }

    /// The name for error messages, also for a store never added to a topology.
    pub(crate) fn label(&self) -> String {
        self.name()
            .map_or_else(|| "(a store never added to a topology)".to_owned(), str::to_owned)
    }
}

impl<K: 'static, V: 'static> StoreHandle<K, V> {
    /// The handle with its types erased, as a topology's store declaration keeps it.
    pub(crate) fn erased(&self) -> ErasedHandle {
        Arc::new(self.clone())
    }

    /// The typed handle of an erased one, if it has these types.
    pub(crate) fn of(erased: &ErasedHandle) -> Option<Self> {
        erased.downcast_ref::<StoreHandle<K, V>>().cloned()
    }
}

/// A [`StoreHandle`] whose types are erased (`StoreHandle<K, V>` in an `Any`).
pub(crate) type ErasedHandle = Arc<dyn Any + Send + Sync>;

mod sealed {
    /// What the crate reads of any handle; outside the crate, no type implements it.
    pub trait Sealed {
        fn id(&self) -> super::StoreId;
    }
}

pub(crate) use sealed::Sealed;

impl<K, V> Sealed for StoreHandle<K, V> {
    fn id(&self) -> StoreId {
        self.id
    }
}

/// A store handle of any key and value types: what
/// [`KStream::process`](crate::KStream::process) takes to connect a processor to
/// stores of different types (`&[&seen, &counts]`). Only [`StoreHandle`] implements it.
pub trait AnyStoreHandle: Sealed + std::fmt::Debug {
    /// The store's name, once the store is part of a topology.
    fn store_name(&self) -> Option<&str>;
}

impl<K, V> AnyStoreHandle for StoreHandle<K, V> {
    fn store_name(&self) -> Option<&str> {
        self.name()
    }
}
