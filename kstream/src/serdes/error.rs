//! [`SerdeError`]: why a serde refused, and whether the data or a dependency is to
//! blame.

use std::error::Error as StdError;

/// The error a dependency of a serde gives, kept as the [`SerdeError`]'s source.
pub type BoxError = Box<dyn StdError + Send + Sync>;

/// What kind of failure a [`SerdeError`] is: it decides what a task does with the
/// record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SerdeErrorKind {
    /// The bytes or the value are wrong (not UTF-8, the wrong length, not the schema):
    /// trying again gives the same answer. The record goes to the deserialization or
    /// production handler (fail, skip, or dead-letter, as configured).
    BadData,
    /// Something the serde needs is unavailable (a schema registry that does not
    /// answer): the record may be fine. The task retries the same record with backoff
    /// and, past `task.timeout.ms`, fails without skipping it; it never goes to a
    /// handler.
    Unavailable,
}

/// Why a [`Serde`](super::Serde) could not write or read a value: its
/// [kind](SerdeErrorKind), a message naming what was wrong, and the underlying error
/// as its [`source`](std::error::Error::source).
///
/// ```
/// use kstream::serdes::{SerdeError, SerdeErrorKind};
///
/// let parse = "x1".parse::<u32>().unwrap_err();
/// let error = SerdeError::bad_data("the value is not a decimal number").with_source(parse);
/// assert_eq!(error.kind(), SerdeErrorKind::BadData);
/// assert_eq!(error.to_string(), "the value is not a decimal number");
/// assert!(std::error::Error::source(&error).is_some());
/// ```
#[derive(Debug)]
pub struct SerdeError(Box<Inner>);

/// A [`SerdeError`]'s parts, boxed so that errors carrying one stay small.
#[derive(Debug)]
struct Inner {
    kind: SerdeErrorKind,
    message: String,
    source: Option<BoxError>,
}

impl std::fmt::Display for SerdeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl StdError for SerdeError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.0
            .source
            .as_deref()
            .map(|source| source as &(dyn StdError + 'static))
    }
}

impl SerdeError {
    /// An error of `kind` with a message naming what was wrong.
    pub fn new(kind: SerdeErrorKind, message: impl Into<String>) -> Self {
        SerdeError(Box::new(Inner {
            kind,
            message: message.into(),
            source: None,
        }))
    }

    /// Bad bytes or a bad value ([`SerdeErrorKind::BadData`]).
    pub fn bad_data(message: impl Into<String>) -> Self {
        Self::new(SerdeErrorKind::BadData, message)
    }

    /// A dependency that did not answer ([`SerdeErrorKind::Unavailable`]).
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(SerdeErrorKind::Unavailable, message)
    }

    /// The same error with its underlying cause.
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.0.source = Some(source.into());
        self
    }

    /// Its kind.
    pub fn kind(&self) -> SerdeErrorKind {
        self.0.kind
    }

    /// Whether a dependency was unavailable (the task retries the record).
    pub fn is_unavailable(&self) -> bool {
        self.0.kind == SerdeErrorKind::Unavailable
    }

    /// What was wrong, without the source.
    pub fn message(&self) -> &str {
        &self.0.message
    }
}
