//! The one error type of `kstream`.

use std::time::Duration;

use crate::serdes::SerdeError;

/// What can go wrong building or running a topology. Each variant names what was wrong:
/// the topic, partition and offset of a record, the store, or the config key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The log underneath failed.
    #[error(transparent)]
    Log(#[from] streamlog::Error),
    /// A record's key or value could not be read by its serde: bad data (a serde's
    /// unavailable dependency is [`Error::SerdeUnavailable`]). The record went through
    /// the deserialization handler, which chose to fail.
    #[error("cannot deserialize the {part} of the record at {topic}/{partition}@{offset}")]
    Deserialize {
        /// The record's topic.
        topic: String,
        /// Its partition.
        partition: i32,
        /// Its offset.
        offset: i64,
        /// `key` or `value`.
        part: &'static str,
        /// The serde's error.
        #[source]
        source: SerdeError,
    },
    /// A serde could not write a value: bad data. The record went through the
    /// production handler, which chose to fail.
    #[error("cannot serialize a record for topic `{topic}`")]
    Serialize {
        /// The destination topic (or store changelog).
        topic: String,
        /// The serde's error.
        #[source]
        source: SerdeError,
    },
    /// A serde's dependency (a schema registry) stayed unavailable while a task
    /// handled a record, and the task stopped retrying: `task.timeout.ms` passed, or
    /// the application was closing. The record was neither processed nor skipped and
    /// its offset was not committed: the next run starts from it.
    #[error(
        "the task stopped {step} for the record at {topic}/{partition}@{offset} after retrying for {waited:?} while a dependency was unavailable: {stopped}"
    )]
    SerdeUnavailable {
        /// The input record's topic.
        topic: String,
        /// Its partition.
        partition: i32,
        /// Its offset.
        offset: i64,
        /// What the task was doing (`deserializing its value`, `serializing the key of
        /// a record for topic `out``).
        step: String,
        /// How long it retried.
        waited: Duration,
        /// Why it stopped.
        stopped: StoppedWaiting,
        /// The serde's last error.
        #[source]
        source: SerdeError,
    },
    /// An [`AvroSerde`](crate::serdes::AvroSerde)'s schema does not parse, or the
    /// registry refused it when the serde was connected (feature `avro`).
    #[cfg(feature = "avro")]
    #[error("cannot make the Avro serde of `{type_name}`")]
    AvroSerde {
        /// The type the serde was for.
        type_name: &'static str,
        /// The registry client's error.
        #[source]
        source: schema_registry_client::Error,
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
    /// The topic a sink's [`TopicNameExtractor`](crate::TopicNameExtractor) picked for a
    /// record is not a name Kafka accepts for a topic.
    #[error("sink `{sink}` picked topic `{topic}` for a record: {reason}")]
    ExtractedTopic {
        /// The sink's name.
        sink: String,
        /// The name the extractor returned.
        topic: String,
        /// What is wrong with it.
        reason: &'static str,
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
    /// A [simulation](crate::sim) found an invariant broken (or its run could not
    /// settle); the same seed replays the same run.
    #[error("simulation seed {seed}: {failure}\nlast events:\n{trace_tail}")]
    Simulation {
        /// The seed of the run.
        seed: u64,
        /// What went wrong.
        failure: String,
        /// The run's last events, one per line.
        trace_tail: String,
    },
    /// Interactive query metadata asked of an application without an
    /// `application.server`: its instances do not announce where they are.
    #[error("query metadata needs `application.server` (host:port) in the configuration")]
    NoApplicationServer,
    /// A topology a [simulation](crate::sim) cannot step.
    #[error("this topology cannot be simulated: {reason}")]
    NotSimulable {
        /// Why.
        reason: String,
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
    /// The application's process metadata file (its process id, which names its
    /// transactional producers) could not be read or written, or is not in its format.
    #[error("process metadata file {}: {problem}", path.display())]
    ProcessMetadata {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong.
        problem: String,
        /// The I/O failure, if that was it.
        #[source]
        source: Option<std::io::Error>,
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
    /// A stream thread stopped on the spot, as a crash would stop it (the test switch
    /// `__test.abandon.at.commit__`, or a [simulation](crate::sim)'s fault): nothing
    /// was committed, aborted or closed, and its clients were left as they were.
    #[error("the thread was abandoned at {at:?} after {commit} commits began (a simulated crash)")]
    Abandoned {
        /// How many commits the thread began, this one included when it stopped in a
        /// commit.
        commit: u64,
        /// Where it stopped.
        at: crate::runtime::FaultPoint,
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

/// Why a task stopped retrying a record whose serde's dependency was unavailable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoppedWaiting {
    /// `task.timeout.ms` (this long) passed.
    TaskTimeout(Duration),
    /// The application was closing.
    Closing,
    /// The serde answered "unavailable" after taking the value it was writing (from
    /// [`Serde::serialize_owned`](crate::Serde::serialize_owned), once
    /// [`Serde::prepare`](crate::Serde::prepare) had succeeded), so the call cannot be
    /// repeated.
    CannotRetry,
}

impl std::fmt::Display for StoppedWaiting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoppedWaiting::TaskTimeout(limit) => {
                write!(f, "task.timeout.ms ({} ms) passed", limit.as_millis())
            }
            StoppedWaiting::Closing => f.write_str("the application was closing"),
            StoppedWaiting::CannotRetry => f.write_str(
                "the serde was unavailable after it had taken the value, so the call cannot be repeated",
            ),
        }
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
