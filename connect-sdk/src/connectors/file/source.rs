//! `FileStreamSourceConnector`: its config and its one task.

use std::sync::Arc;

use super::{
    DEFAULT_TASK_BATCH_SIZE, FILE_CONFIG, FileStreamSourceTask, POSITION_FIELD, TASK_BATCH_SIZE_CONFIG,
    TOPIC_CONFIG,
};
use crate::config::Properties;
use crate::config_def::{ConfigDef, ConfigType, ConfigValue, Importance, Validator};
use crate::connector::{Connector, SourceConnector, SourceTask};
use crate::connectors::parsed::Parsed;
use crate::data::Value;
use crate::error::{Error, Result};

/// Kafka's `org.apache.kafka.connect.file.FileStreamSourceConnector`: the lines of a
/// file (or standard input) into one topic, by one task.
///
/// Keys: `file` (the file to read; unset or empty: standard input), `topic` (required,
/// one topic) and `batch.size` (the most records a poll returns, default 2000). Its
/// version is this crate's, as Kafka's is the Kafka release's.
///
/// ```
/// use connect_sdk::config::Properties;
/// use connect_sdk::connector::{validate_config, Connector};
/// use connect_sdk::connectors::FileStreamSourceConnector;
///
/// let connector = FileStreamSourceConnector::new();
/// let config = Properties::from([("file".into(), "/tmp/in.txt".into()), ("topic".into(), "lines".into())]);
/// validate_config(&connector, &config)?;
/// let err = validate_config(&connector, &Properties::from([("file".into(), "/tmp/in.txt".into())])).unwrap_err();
/// assert_eq!(err.to_string(), r#"Missing required configuration "topic" which has no default value."#);
/// # Ok::<(), connect_sdk::Error>(())
/// ```
#[derive(Debug, Default, Clone)]
pub struct FileStreamSourceConnector {
    config: Properties,
}

impl FileStreamSourceConnector {
    /// Its Java class name, as a connector config's `connector.class` gives it.
    pub const CLASS: &'static str = "org.apache.kafka.connect.file.FileStreamSourceConnector";
    /// The other names a worker accepts for it: the simple class name, and that name
    /// without `Connector`.
    pub const ALIASES: &'static [&'static str] = &["FileStreamSourceConnector", "FileStreamSource"];

    /// A connector, not started.
    pub fn new() -> Self {
        Self::default()
    }

    /// Its keys, as Kafka declares them.
    pub fn config_def() -> ConfigDef {
        ConfigDef::new()
            .define_optional(
                FILE_CONFIG,
                ConfigType::String,
                Importance::High,
                "The file to read, line by line. Unset or empty: standard input.",
            )
            .define(
                TOPIC_CONFIG,
                ConfigType::String,
                None,
                Some(single_topic()),
                Importance::High,
                "The topic the lines are written to.",
            )
            .define(
                TASK_BATCH_SIZE_CONFIG,
                ConfigType::Int,
                Some(&DEFAULT_TASK_BATCH_SIZE.to_string()),
                None,
                Importance::Low,
                "The most records the task returns from one poll.",
            )
    }
}

/// A topic that is set, not blank, and one topic: Kafka's `NonEmptyString`, and the
/// single-topic check Kafka made up to 3.3 (a comma is not a legal topic character).
fn single_topic() -> Validator {
    Validator::Custom(Arc::new(|value: &ConfigValue| match value {
        ConfigValue::String(s) if s.is_empty() => Err("String must be non-empty".to_owned()),
        ConfigValue::String(s) if s.contains(',') => Err(
            "'topic' in FileStreamSourceConnector configuration requires definition of a single topic"
                .to_owned(),
        ),
        _ => Ok(()),
    }))
}

impl Connector for FileStreamSourceConnector {
    fn config_def(&self) -> ConfigDef {
        Self::config_def()
    }

    fn start(&mut self, config: &Properties) -> Result<()> {
        Parsed::new(&Self::config_def(), config)?;
        self.config = config.clone();
        Ok(())
    }

    /// One task, whatever `max_tasks`: one input stream.
    fn task_configs(&self, _max_tasks: usize) -> Result<Vec<Properties>> {
        Ok(vec![self.config.clone()])
    }

    fn stop(&mut self) -> Result<()> {
        Ok(())
    }
}

impl SourceConnector for FileStreamSourceConnector {
    fn create_task(&self) -> Box<dyn SourceTask> {
        Box::new(FileStreamSourceTask::new())
    }

    /// Offsets set by hand must name a position Kafka's task can seek to: an integer,
    /// not negative (the checks of Kafka's `FileStreamSourceConnector.alterOffsets`).
    fn alter_offsets(&self, _config: &Properties, offsets: &[(Value, Option<Value>)]) -> Result<()> {
        for (_, offset) in offsets {
            let Some(offset) = offset else { continue };
            match offset.map_get(POSITION_FIELD) {
                Some(Value::Int64(p)) if *p < 0 => {
                    return Err(Error::data(format!(
                        "The value for the '{POSITION_FIELD}' key in the offset should be a non-negative value"
                    )));
                }
                Some(Value::Int64(_)) => {}
                Some(_) => {
                    return Err(Error::data(format!(
                        "The value for the '{POSITION_FIELD}' key in the offset is expected to be a Long value"
                    )));
                }
                None => {
                    return Err(Error::data(format!(
                        "The offset is missing the key '{POSITION_FIELD}', which is required"
                    )));
                }
            }
        }
        Ok(())
    }
}
