//! [`TableJoined`]: the options of a foreign-key table join.

use std::fmt;
use std::sync::Arc;

use super::checked;
use crate::error::Result;

/// Which partition a table's key is in, given the topic's partition count.
pub(crate) type KeyPartitioner<K> = Arc<dyn Fn(&K, i32) -> i32 + Send + Sync>;

/// The options of a foreign-key join
/// ([`KTable::join_foreign_key_with`](crate::KTable::join_foreign_key_with), Kafka
/// Streams' `TableJoined`): the name its processors, internal topics and subscription
/// store are named after, and the partitioners of the two tables when their topics
/// were not written with Kafka's default partitioner.
///
/// ```
/// use kstream::TableJoined;
/// let options = TableJoined::<String, String>::as_("orders-by-customer")?
///     .other_partitioner(|customer, partitions| customer.len() as i32 % partitions);
/// # Ok::<(), kstream::Error>(())
/// ```
pub struct TableJoined<K, KO> {
    pub(crate) name: Option<String>,
    pub(crate) partitioner: Option<KeyPartitioner<K>>,
    pub(crate) other_partitioner: Option<KeyPartitioner<KO>>,
}

impl<K, KO> TableJoined<K, KO> {
    /// No name, default partitioning: responses go back to the partition the left row
    /// came from, subscriptions to the partition Kafka's default partitioner gives the
    /// foreign key.
    pub fn new() -> Self {
        Self {
            name: None,
            partitioner: None,
            other_partitioner: None,
        }
    }

    /// A name only (Kafka Streams' `TableJoined.as`): the processors are
    /// `<name>-subscription-registration-processor`, `<name>-subscription-receive` ...,
    /// the internal topics `<application.id>-<name>-subscription-registration-topic` and
    /// `<application.id>-<name>-subscription-response-topic`, the store
    /// `<name>-subscription-store`. A name Kafka refuses is
    /// [`Error::InvalidOption`](crate::Error::InvalidOption).
    pub fn as_(name: impl Into<String>) -> Result<Self> {
        Self::new().named(name)
    }

    /// Names the join (Kafka Streams' `TableJoined.withName`), as [`TableJoined::as_`].
    pub fn named(mut self, name: impl Into<String>) -> Result<Self> {
        self.name = Some(checked("TableJoined", name.into())?);
        Ok(self)
    }

    /// The partitioner of this (left) table's topic, `f(key, partition_count)` (Kafka
    /// Streams' `TableJoined.withPartitioner`): responses go to the partition it gives
    /// the left key, instead of the partition the left row was read from.
    pub fn partitioner(mut self, f: impl Fn(&K, i32) -> i32 + Send + Sync + 'static) -> Self {
        self.partitioner = Some(Arc::new(f));
        self
    }

    /// The partitioner of the other (right) table's topic, `f(foreign_key,
    /// partition_count)` (Kafka Streams' `TableJoined.withOtherPartitioner`):
    /// subscriptions go to the partition it gives the foreign key, where the right row
    /// of that key is.
    pub fn other_partitioner(mut self, f: impl Fn(&KO, i32) -> i32 + Send + Sync + 'static) -> Self {
        self.other_partitioner = Some(Arc::new(f));
        self
    }
}

impl<K, KO> Default for TableJoined<K, KO> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K, KO> fmt::Debug for TableJoined<K, KO> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TableJoined")
            .field("name", &self.name)
            .field("partitioner", &self.partitioner.as_ref().map(|_| "custom"))
            .field(
                "other_partitioner",
                &self.other_partitioner.as_ref().map(|_| "custom"),
            )
            .finish()
    }
}
