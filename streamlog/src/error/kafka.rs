//! [`KafkaError`]: what the Kafka client library reported, in `streamlog`'s own terms.

use std::fmt;

/// An error code of the Kafka protocol or of the Kafka client library.
///
/// Positive numbers are the codes a broker answers with, as listed in Kafka's protocol
/// guide (16 is `NOT_COORDINATOR`, 29 `TOPIC_AUTHORIZATION_FAILED`); negative ones are
/// the client library's own (-195: the connection to a broker failed).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KafkaErrorCode {
    number: i32,
    name: String,
}

impl KafkaErrorCode {
    /// A code and its name.
    #[cfg_attr(not(feature = "kafka"), allow(dead_code))]
    pub(crate) fn new(number: i32, name: impl Into<String>) -> Self {
        Self {
            number,
            name: name.into(),
        }
    }

    /// The code's number.
    pub fn number(&self) -> i32 {
        self.number
    }

    /// The code's name as the client library spells it, such as `NotCoordinator`.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for KafkaErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (code {})", self.name, self.number)
    }
}

/// An error the Kafka backend met in the client library (librdkafka) or in a broker's
/// answer: its code, its message and whether trying again may succeed.
///
/// The library's own error value is kept as the [`source`](std::error::Error::source),
/// for messages and logs; its type is not part of `streamlog`'s API, so a new version of
/// the library changes nothing here.
#[derive(Debug)]
pub struct KafkaError(Box<Reported>);

/// What a [`KafkaError`] holds, behind one pointer so that [`Error`](crate::Error) stays
/// small on the success path of every call.
#[derive(Debug)]
struct Reported {
    code: Option<KafkaErrorCode>,
    message: String,
    retriable: bool,
    source: Box<dyn std::error::Error + Send + Sync>,
}

impl KafkaError {
    /// An error with its code (if it has one), message, whether it is retriable, and the
    /// library's error.
    #[cfg_attr(not(feature = "kafka"), allow(dead_code))]
    pub(crate) fn new(
        code: Option<KafkaErrorCode>,
        message: String,
        retriable: bool,
        source: Box<dyn std::error::Error + Send + Sync>,
    ) -> Self {
        Self(Box::new(Reported {
            code,
            message,
            retriable,
            source,
        }))
    }

    /// The error code, if the error has one (a client-side failure such as a refused
    /// configuration may not).
    pub fn code(&self) -> Option<&KafkaErrorCode> {
        self.0.code.as_ref()
    }

    /// What went wrong, in the library's words.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// Whether the error is an outage or a transient answer of the cluster (a broker
    /// down or unreachable, a coordinator or leader being elected, a request timed out,
    /// a rebalance in progress): the same request may succeed later. `false` for errors
    /// that trying again does not fix: bad input, configuration, authorization, fencing.
    pub fn is_retriable(&self) -> bool {
        self.0.retriable
    }
}

impl fmt::Display for KafkaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0.code {
            Some(code) => write!(f, "{} [{code}]", self.0.message),
            None => f.write_str(&self.0.message),
        }
    }
}

impl std::error::Error for KafkaError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.0.source.as_ref())
    }
}
