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
    /// A processor asked for a store it was not connected to.
    #[error("no state store named `{store}` is connected to processor `{processor}`")]
    UnknownStore {
        /// The store.
        store: String,
        /// The processor that asked.
        processor: String,
    },
    /// An interactive query for a store this instance does not have.
    #[error("no state store named `{0}` in this topology")]
    NoSuchStore(String),
    /// A store was asked for with types other than the ones it was built with.
    #[error("state store `{store}` holds other key/value types than the ones asked for")]
    StoreType {
        /// The store.
        store: String,
    },
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
    /// A state store's backend failed (RocksDB, the state directory).
    #[error("state store `{store}`: {reason}")]
    Store {
        /// The store.
        store: String,
        /// What failed.
        reason: String,
    },
    /// A processor of the user's failed.
    #[error("processor `{processor}` failed: {reason}")]
    Processor {
        /// The processor's name.
        processor: String,
        /// Its message.
        reason: String,
    },
    /// An option of a DSL operation that Kafka Streams would refuse too (a name with
    /// characters a topic name cannot have, a repartition topic of no partitions ...).
    #[error("invalid {option} `{value}`: {reason}")]
    InvalidOption {
        /// The option: `Named`, `Branched`, `Grouped`, `Repartitioned` ...
        option: &'static str,
        /// The value given.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The application was closed, or a stream thread died.
    #[error("the streams application is not running: {0}")]
    NotRunning(String),
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
