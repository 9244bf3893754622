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
    /// The application was closed, or a stream thread died.
    #[error("the streams application is not running: {0}")]
    NotRunning(String),
    /// A configuration key that is neither a Kafka Streams property this crate knows
    /// nor a client property.
    #[error("unknown config key `{key}`")]
    UnknownConfig {
        /// The key as it was given.
        key: String,
    },
    /// A known configuration key with a value that does not fit.
    #[error("invalid value `{value}` for config key `{key}`: {reason}")]
    InvalidConfig {
        /// The key.
        key: String,
        /// The value as it was given.
        value: String,
        /// What was expected.
        reason: String,
    },
    /// A task's checkpoint file could not be read or written.
    #[error("checkpoint file {}: {source}", path.display())]
    CheckpointIo {
        /// The file.
        path: std::path::PathBuf,
        /// The failure.
        #[source]
        source: std::io::Error,
    },
    /// A task's checkpoint file that is not in the checkpoint format.
    #[error("checkpoint file {}, line {line}: {problem}", path.display())]
    CorruptCheckpoint {
        /// The file.
        path: std::path::PathBuf,
        /// The line (from 1; 0 when the file ends too early).
        line: usize,
        /// What is wrong with it.
        problem: String,
    },
    /// A stream thread (or the global thread) stopped with an error.
    #[error("thread `{thread}` stopped: {source}")]
    ThreadFailed {
        /// The thread's name.
        thread: String,
        /// What stopped it.
        #[source]
        source: std::sync::Arc<Error>,
    },
    /// A thread panicked (a processor's panic): the panic's message is in the log.
    #[error("the thread panicked")]
    ThreadPanicked,
    /// The system would not start a thread.
    #[error("cannot start thread `{thread}`: {source}")]
    ThreadSpawn {
        /// The thread's name.
        thread: String,
        /// The system's refusal.
        #[source]
        source: std::io::Error,
    },
    /// An operation the application's current state does not allow.
    #[error("cannot {operation} while the application is {state:?}")]
    InvalidState {
        /// What was asked.
        operation: &'static str,
        /// The state it was in.
        state: crate::runtime::StreamsState,
    },
    /// The local state directory could not be removed.
    #[error("cannot remove the state directory {}: {source}", path.display())]
    StateDirectory {
        /// The directory.
        path: std::path::PathBuf,
        /// The failure.
        #[source]
        source: std::io::Error,
    },
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
