//! The crate's error type.

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The record has no id where the [`IdSource`](crate::IdSource) looks for it.
    #[error("the record has no id: {reason}")]
    MissingId {
        /// Where the id was looked for, and what was there instead.
        reason: String,
    },
    /// A record read from the log has no id, and the policy is to fail.
    #[error("the record at {topic}/{partition}@{offset} has no id: {reason}")]
    MissingIdAt {
        /// Its topic.
        topic: String,
        /// Its partition.
        partition: i32,
        /// Its offset.
        offset: i64,
        /// Where the id was looked for, and what was there instead.
        reason: String,
    },
    /// Rebuilding a partition's ids from its changelog made no progress for the
    /// restore timeout.
    #[error("rebuilding the ids of {topic}/{partition} stalled at offset {position} of {end}")]
    RestoreStalled {
        /// The changelog topic.
        topic: String,
        /// The partition.
        partition: i32,
        /// Where the reading stopped.
        position: i64,
        /// Where the partition ended when the rebuild began.
        end: i64,
    },
    /// The store on disk failed (feature `rocksdb`).
    #[error("the id store in {path} failed: {reason}")]
    Store {
        /// Its directory.
        path: std::path::PathBuf,
        /// What failed, and why.
        reason: String,
    },
    /// A crash test's pipeline stopped before committing, as asked.
    #[doc(hidden)]
    #[error("abandoned before committing batch {batch}, as the crash test asked")]
    Abandoned {
        /// The batch.
        batch: u64,
    },
    /// The log failed (feature `pipeline`).
    #[cfg(feature = "pipeline")]
    #[error(transparent)]
    Log(#[from] streamlog::Error),
    /// A setting that cannot work.
    #[error("invalid setting `{setting}`: {reason}")]
    Config {
        /// The setting.
        setting: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
