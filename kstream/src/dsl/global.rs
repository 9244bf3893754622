//! [`GlobalKTable`]: a table replicated in full to every instance, joined with streams
//! through a key mapper (no co-partitioning needed).

use std::fmt;

use super::building::Dsl;
use super::options::Consumed;
use crate::store::{StoreHandle, StoreSpec};

/// A table of every partition of its topic, in every instance, borrowing the
/// [`StreamsBuilder`](crate::StreamsBuilder) it was made from for `'b`. Its store holds
/// the topic's bytes and is read with the topic's serdes.
pub struct GlobalKTable<'b, K, V> {
    pub(crate) dsl: &'b Dsl,
    pub(crate) store: String,
    handle: StoreHandle<K, V>,
}

impl<K, V> Clone for GlobalKTable<'_, K, V> {
    fn clone(&self) -> Self {
        Self {
            dsl: self.dsl,
            store: self.store.clone(),
            handle: self.handle.clone(),
        }
    }
}

impl<K, V> fmt::Debug for GlobalKTable<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GlobalKTable")
            .field("store", &self.store)
            .finish()
    }
}

impl<K, V> GlobalKTable<'_, K, V> {
    /// The handle of the table's store, to query it
    /// ([`KafkaStreams::store`](crate::KafkaStreams::store),
    /// [`TopologyTestDriver::store`](crate::TopologyTestDriver::store)).
    pub fn store_handle(&self) -> StoreHandle<K, V> {
        self.handle.clone()
    }
}

pub(crate) fn global_table<'b, K: 'static, V: 'static>(
    dsl: &'b Dsl,
    topic: &str,
    consumed: Consumed<K, V>,
    store: Option<&str>,
) -> GlobalKTable<'b, K, V> {
    let name = store.map(str::to_owned).unwrap_or_else(|| dsl.store_name(topic));
    // Kafka Streams' names: `<Consumed name>-source` and `<Consumed name>`, or fresh ones.
    let source = dsl.suffixed(consumed.name.as_deref(), "-source", "KSTREAM-SOURCE");
    let processor = dsl.name(consumed.name.clone(), "KTABLE-SOURCE");
    dsl.learn(&consumed.keys.serde);
    dsl.learn(&consumed.values.serde);
    let (spec, handle) = StoreSpec::global(&name, consumed.keys.serde, consumed.values.serde);
    let declared = !dsl.has_store(&spec.name);
    let name = dsl.declare_store(spec);
    if declared {
        dsl.add_global(topic, &name, source, processor);
    }
    GlobalKTable {
        dsl,
        store: name,
        handle,
    }
}
