//! [`StoreError`]: what a state store failed to do, with the underlying error as its
//! source (messages do not repeat their source: print the chain of `source()`s).

use std::path::PathBuf;

/// An error of any type, kept as the source of a store failure (a serde's error, a
/// storage engine's error).
type BoxedError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What went wrong in a state store. It is the source of
/// [`Error::Store`](crate::Error::Store), which names the store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The store's serde could not write a key or a value.
    #[error("cannot serialize a {part}")]
    Serialize {
        /// `key` or `value`.
        part: &'static str,
        /// The serde's error.
        #[source]
        source: BoxedError,
    },
    /// The store's serde could not read a stored key or value.
    #[error("cannot deserialize a stored {part}")]
    Deserialize {
        /// `key` or `value`.
        part: &'static str,
        /// The serde's error.
        #[source]
        source: BoxedError,
    },
    /// The store was opened as a timestamped store, but keeps no timestamps.
    #[error(
        "the store keeps no timestamps: declare it with `Materialized::timestamped` to open it as a timestamped store"
    )]
    NotTimestamped,
    /// The store was opened as a versioned store, but is not one.
    #[error(
        "the store is not versioned: declare it with `Materialized::versioned` to open it as a versioned store"
    )]
    NotVersioned,
    /// The store is not a window (or session) store.
    #[error("the store is not a {kind} store: only a windowed aggregation's store opens as one")]
    NotWindowed {
        /// `window` or `session`.
        kind: &'static str,
    },
    /// The key serde wrote null: a store key needs bytes.
    #[error("a store key cannot be null")]
    NullKey,
    /// The storage engine could not open the store's data at `path`.
    #[error("cannot open the store's data at {}", path.display())]
    Open {
        /// The store's directory.
        path: PathBuf,
        /// The engine's error.
        #[source]
        source: BoxedError,
    },
    /// The storage engine failed while reading or writing.
    #[error("the storage engine failed to {operation}")]
    Engine {
        /// What the store was doing (`get`, `put`, `flush` ...).
        operation: &'static str,
        /// The engine's error.
        #[source]
        source: BoxedError,
    },
    /// A file or directory of the state directory could not be read or written.
    #[error("cannot {operation} {}", path.display())]
    Io {
        /// What was done (`write`, `wipe` ...).
        operation: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A store's data or its format marker is not in a format this release reads.
    #[error("{problem}{}", path.as_ref().map(|p| format!(" ({})", p.display())).unwrap_or_default())]
    Format {
        /// The marker file, when the problem is there.
        path: Option<PathBuf>,
        /// What is wrong.
        problem: String,
    },
    /// Restoring from the changelog stopped making progress before its end.
    #[error("restore stopped at offset {position} of {end} in {topic}/{partition}")]
    RestoreStalled {
        /// The changelog topic.
        topic: String,
        /// Its partition.
        partition: i32,
        /// The next offset to restore.
        position: i64,
        /// The offset restoring had to reach.
        end: i64,
    },
}
