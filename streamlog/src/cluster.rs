//! [`Cluster`]: the handle that creates clients on one backend.

use std::fmt;
use std::sync::Arc;

use crate::client::{Admin, Consumer, Producer};
use crate::config::ClientConfig;
use crate::embedded::EmbeddedCluster;
#[cfg(not(feature = "kafka"))]
use crate::error::Error;
use crate::error::Result;
use crate::sealed::Sealed;

/// A backend: something that can create admin, producer and consumer clients.
///
/// Sealed: [`EmbeddedCluster`] and, with feature `kafka`, `kafka::KafkaBackend` are the
/// backends (see the [crate] docs).
pub trait Backend: Sealed + Send + Sync + fmt::Debug {
    /// A short name for logs: `embedded`, `kafka`.
    fn name(&self) -> &'static str;
    /// An admin client.
    fn admin(&self, config: &ClientConfig) -> Result<Box<dyn Admin>>;
    /// A producer.
    fn producer(&self, config: &ClientConfig) -> Result<Box<dyn Producer>>;
    /// A consumer.
    fn consumer(&self, config: &ClientConfig) -> Result<Box<dyn Consumer>>;
}

/// A log cluster: the embedded one in this process, or a Kafka cluster.
///
/// Cloning is cheap and shares the backend. A base configuration given at creation is
/// laid under every client's own configuration.
#[derive(Clone, Debug)]
pub struct Cluster {
    backend: Arc<dyn Backend>,
    base: ClientConfig,
}

impl Cluster {
    /// A fresh embedded cluster (in-process, no external service).
    pub fn embedded() -> Self {
        Self::from_backend(Arc::new(EmbeddedCluster::new()))
    }

    /// A cluster on any backend.
    pub fn from_backend(backend: Arc<dyn Backend>) -> Self {
        Self {
            backend,
            base: ClientConfig::new(),
        }
    }

    /// A Kafka cluster reached through `config` (`bootstrap.servers` and any librdkafka
    /// property). Fails with [`crate::Error::BrokerUnreachable`] if no broker answers within
    /// `default.api.timeout.ms` (default 30 s).
    #[cfg(feature = "kafka")]
    pub fn kafka(config: ClientConfig) -> Result<Self> {
        let backend = crate::kafka::KafkaBackend::connect(&config)?;
        Ok(Self {
            backend: Arc::new(backend),
            base: config,
        })
    }

    /// Picks the backend from `bootstrap.servers`: absent or `embedded:` gives a fresh
    /// embedded cluster, anything else the Kafka backend (feature `kafka`).
    pub fn connect(config: ClientConfig) -> Result<Self> {
        match config.get("bootstrap.servers") {
            None => Ok(Self::embedded()),
            Some(s) if s.starts_with("embedded:") => Ok(Self::embedded().with_base(config)),
            #[cfg(feature = "kafka")]
            Some(_) => Self::kafka(config),
            #[cfg(not(feature = "kafka"))]
            Some(s) => Err(Error::InvalidConfig {
                key: "bootstrap.servers".into(),
                value: s.into(),
                reason: "the Kafka backend needs streamlog's `kafka` feature".into(),
            }),
        }
    }

    /// Adds `base` to the properties laid under every client configuration (a key in
    /// `base` replaces the same key given before, such as by [`Cluster::kafka`]).
    pub fn with_base(mut self, base: ClientConfig) -> Self {
        self.base = self.base.merged(&base);
        self
    }

    /// The backend's name.
    pub fn backend_name(&self) -> &'static str {
        self.backend.name()
    }

    /// An admin client.
    pub fn admin(&self) -> Result<Box<dyn Admin>> {
        self.backend.admin(&self.base)
    }

    /// A producer with `config` over the base configuration.
    pub fn producer(&self, config: &ClientConfig) -> Result<Box<dyn Producer>> {
        self.backend.producer(&self.base.merged(config))
    }

    /// A consumer with `config` over the base configuration.
    pub fn consumer(&self, config: &ClientConfig) -> Result<Box<dyn Consumer>> {
        self.backend.consumer(&self.base.merged(config))
    }
}
