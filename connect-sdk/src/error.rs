//! The crate's one error type.

/// What went wrong, naming the config key, field or record it was about.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A configuration is invalid (Kafka's `ConfigException`): the key, and Kafka's
    /// message naming it and why.
    #[error("{message}")]
    Config {
        /// The config key.
        key: String,
        /// What is wrong, naming the key.
        message: String,
    },
    /// A required configuration is missing (Kafka's `ConfigException`).
    #[error("Missing required configuration \"{key}\" which has no default value.")]
    MissingConfig {
        /// The config key.
        key: String,
    },
    /// A value does not fit its schema, or a record is not what a transform or converter
    /// expects (Kafka's `DataException`).
    #[error("{0}")]
    Data(String),
    /// An argument a transform cannot work with, such as a field its record's schema
    /// lacks (Kafka's `IllegalArgumentException`).
    #[error("{0}")]
    InvalidArgument(String),
    /// A record a transform cannot work on for reasons Kafka reports as a plain
    /// `ConnectException`, such as a schema of no timestamp type.
    #[error("{0}")]
    Connect(String),
    /// A connector or task failed: what it says, and whether the worker may retry
    /// (Kafka's `ConnectException` and `RetriableException`).
    #[error("{message}")]
    Task {
        /// What went wrong.
        message: String,
        /// Whether trying again may succeed (an outage, not bad data).
        retriable: bool,
    },
    /// Bytes that are not what a converter reads: the topic and why.
    #[error(
        "Converting byte[] to Kafka Connect data failed due to serialization error: topic {topic}: {reason}"
    )]
    Deserialize {
        /// The topic the bytes came from.
        topic: String,
        /// Why they cannot be read.
        reason: String,
    },
    /// A connector, task or plugin the worker does not have (REST status 404).
    #[error("{0}")]
    NotFound(String),
    /// A request at odds with the worker's state, such as a connector that exists
    /// already (REST status 409).
    #[error("{0}")]
    Conflict(String),
    /// A request the worker refuses as it is, such as altering the offsets of a running
    /// connector (REST status 400).
    #[error("{0}")]
    BadRequest(String),
    /// The log (the worker's topics, or Kafka) failed: what the worker was doing.
    #[error("{context}: {source}")]
    Log {
        /// What the worker was doing.
        context: String,
        /// The log's error.
        #[source]
        source: streamlog::Error,
    },
}

impl Error {
    /// A [`Error::Task`] failure the worker does not retry.
    pub fn task(message: impl Into<String>) -> Self {
        Error::Task {
            message: message.into(),
            retriable: false,
        }
    }

    /// A [`Error::Task`] failure the worker retries (an outage of the system a task
    /// reads or writes).
    pub fn retriable(message: impl Into<String>) -> Self {
        Error::Task {
            message: message.into(),
            retriable: true,
        }
    }

    /// Whether the worker may retry what failed.
    pub fn is_retriable(&self) -> bool {
        match self {
            Error::Task { retriable, .. } => *retriable,
            Error::Log { source, .. } => source.is_retriable(),
            _ => false,
        }
    }

    /// A [`Error::Log`] failure while doing `context`.
    pub fn log(context: impl Into<String>) -> impl FnOnce(streamlog::Error) -> Self {
        let context = context.into();
        move |source| Error::Log { context, source }
    }

    /// A [`Error::Data`] with `message`.
    pub fn data(message: impl Into<String>) -> Self {
        Error::Data(message.into())
    }

    /// A [`Error::Config`] for `key` set to `value`, refused for `reason`: "Invalid value
    /// VALUE for configuration KEY: REASON", as Kafka words it.
    pub fn config(
        key: impl Into<String>,
        value: impl std::fmt::Display,
        reason: impl std::fmt::Display,
    ) -> Self {
        let key = key.into();
        Error::Config {
            message: format!("Invalid value {value} for configuration {key}: {reason}"),
            key,
        }
    }

    /// A [`Error::Config`] for `key` with a message of its own.
    pub fn config_message(key: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Config {
            key: key.into(),
            message: message.into(),
        }
    }

    /// The name of the Kafka exception this error stands for (`ConfigException`,
    /// `DataException`), as a Kafka Connect user would see it.
    pub fn kafka_class(&self) -> &'static str {
        match self {
            Error::Config { .. } | Error::MissingConfig { .. } => "ConfigException",
            Error::Data(_) | Error::Deserialize { .. } => "DataException",
            Error::InvalidArgument(_) => "IllegalArgumentException",
            Error::Connect(_) | Error::Task { retriable: false, .. } => "ConnectException",
            Error::Task { retriable: true, .. } => "RetriableException",
            Error::NotFound(_) => "NotFoundException",
            Error::Conflict(_) | Error::BadRequest(_) => "ConnectRestException",
            Error::Log { .. } => "ConnectException",
        }
    }

    /// The fully qualified name of the Java exception this error stands for
    /// (`org.apache.kafka.connect.errors.DataException`), as dead letter headers and task
    /// traces name it.
    pub fn java_class(&self) -> &'static str {
        match self {
            Error::Config { .. } | Error::MissingConfig { .. } => {
                "org.apache.kafka.common.config.ConfigException"
            }
            Error::Data(_) | Error::Deserialize { .. } => "org.apache.kafka.connect.errors.DataException",
            Error::InvalidArgument(_) => "java.lang.IllegalArgumentException",
            Error::Task { retriable: true, .. } => "org.apache.kafka.connect.errors.RetriableException",
            _ => "org.apache.kafka.connect.errors.ConnectException",
        }
    }
}

/// The crate's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;
