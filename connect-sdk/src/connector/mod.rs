//! The connector and task traits: what a source or sink connector implements, as in
//! Kafka Connect, for a worker to run. Every method is blocking: a task's loop runs on
//! a thread of the worker's, and needs no async runtime of its own.

mod sink;
mod source;

pub use sink::{SinkConnector, SinkTask, TopicPartition};
pub use source::{OffsetReader, SourceConnector, SourceTask};

use crate::config::Properties;
use crate::config_def::ConfigDef;
use crate::error::Result;

/// What a source and a sink connector both have: a declared configuration, a start
/// (with the validated config), the configs of its tasks, and a stop.
pub trait Connector: Send {
    /// The version reported by the worker's REST API.
    fn version(&self) -> String {
        env!("CARGO_PKG_VERSION").to_owned()
    }

    /// The keys it takes, validated before [`Connector::start`].
    fn config_def(&self) -> ConfigDef;

    /// Starts with its config (every key of [`Connector::config_def`] valid).
    fn start(&mut self, config: &Properties) -> Result<()>;

    /// The configs of at most `max_tasks` tasks, one per task to run.
    fn task_configs(&self, max_tasks: usize) -> Result<Vec<Properties>>;

    /// Stops; the worker stops the tasks first.
    fn stop(&mut self) -> Result<()>;
}

/// Checks `config` against `connector`'s declared keys: the first key at fault as an
/// error naming it, as a worker checks a config before it runs.
pub fn validate_config(connector: &dyn Connector, config: &Properties) -> Result<()> {
    connector.config_def().parse(config).map(|_| ())
}
