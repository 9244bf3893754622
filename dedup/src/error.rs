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
