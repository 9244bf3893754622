//! The one error type of `kstream`.

/// What can go wrong building or running a topology. Each variant names what was wrong:
/// the topic, partition and offset of a record, the store, or the config key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The log underneath failed.
    #[error(transparent)]
    Log(#[from] streamlog::Error),
    /// A record's key or value could not be read by its serde.
    #[error("cannot deserialize the {part} of the record at {topic}/{partition}@{offset}: {reason}")]
    Deserialize {
        /// The record's topic.
        topic: String,
        /// Its partition.
        partition: i32,
        /// Its offset.
        offset: i64,
        /// `key` or `value`.
        part: &'static str,
        /// The serde's complaint.
        reason: String,
    },
    /// A serde could not write a value.
    #[error("cannot serialize a record for topic `{topic}`: {reason}")]
    Serialize {
        /// The destination topic (or store changelog).
        topic: String,
        /// The serde's complaint.
        reason: String,
    },
    /// A processor asked for a store it was not connected to (or for a store of
    /// another topology).
    #[error("no state store named `{store}` is connected to processor `{processor}`")]
    UnknownStore {
        /// The store.
        store: String,
        /// The processor that asked.
        processor: String,
    },
    /// A query for a store this topology does not have (a handle of another
    /// topology's store, or a name no store has).
    #[error("no state store named `{0}` in this topology")]
    NoSuchStore(String),
    /// A topology that cannot run (a name used twice, a store on no processor ...).
    #[error("invalid topology: {0}")]
    Topology(String),
    /// Co-partitioned topics with different partition counts.
    #[error("topics {topics:?} are joined or read by one task but have partition counts {counts:?}")]
    CoPartitioning {
        /// The topics.
        topics: Vec<String>,
        /// Their partition counts, in the same order.
        counts: Vec<i32>,
    },
    /// A configuration key nobody knows, or a value that does not parse.
    #[error("invalid config `{key}`: {reason}")]
    Config {
        /// The key.
        key: String,
        /// What is wrong.
        reason: String,
    },
    /// A state store failed: its serdes, its storage engine (RocksDB), the state
    /// directory, or its restore.
    #[error("state store `{store}` failed")]
    Store {
        /// The store.
        store: String,
        /// What failed, with the underlying error as its source.
        #[source]
        source: crate::store::StoreError,
    },
    /// A processor of the user's failed with an error of its own.
    #[error("processor `{processor}` failed")]
    Processor {
        /// The processor's name.
        processor: String,
        /// The error the processor returned.
        #[source]
        source: crate::processor::ProcessorError,
    },
    /// The application was closed, or a stream thread died.
    #[error("the streams application is not running: {0}")]
    NotRunning(String),
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
