//! A data generator for demos and benchmarks, with Confluent datagen's config keys
//! (`kafka.topic`, `quickstart`, `max.interval`, `iterations`, `random.seed`,
//! `schema.keyfield`) and one of its own, `records.per.second`.
//!
//! Each task makes records `0, 1, 2 ...` of its quickstart, record `n` drawn from
//! (`random.seed`, task number, `n`) alone: the same seed gives the same records, and a
//! task that restarts from its stored offset makes the same records an uninterrupted
//! task would have. Source partition `{"task": <task number>, "quickstart": <name>}`,
//! source offset `{"iteration": <records made so far>, "seed": <the seed>}`.

mod pace;
mod quickstarts;
mod rng;
mod task;

pub use quickstarts::Quickstart;
pub use task::DatagenTask;

use std::sync::Arc;

use pace::Pace;
use std::time::Duration;

use crate::config::Properties;
use crate::config_def::{ConfigDef, ConfigType, ConfigValue, Importance, Validator};
use crate::connector::{Connector, SourceConnector, SourceTask};
use crate::connectors::parsed::Parsed;
use crate::error::{Error, Result};

/// The key of the topic records are written to.
pub const KAFKA_TOPIC_CONFIG: &str = "kafka.topic";
/// The key of the quickstart to generate.
pub const QUICKSTART_CONFIG: &str = "quickstart";
/// The key of the most milliseconds between two records of a task.
pub const MAX_INTERVAL_CONFIG: &str = "max.interval";
/// The key of the count of records each task makes.
pub const ITERATIONS_CONFIG: &str = "iterations";
/// The key of the seed of the generated values.
pub const RANDOM_SEED_CONFIG: &str = "random.seed";
/// The key of the records each task makes a second (ours).
pub const RECORDS_PER_SECOND_CONFIG: &str = "records.per.second";
/// The key of the value field that is the record's key.
pub const SCHEMA_KEYFIELD_CONFIG: &str = "schema.keyfield";
/// Confluent's key of an Avro schema to generate records of (not supported).
pub const SCHEMA_STRING_CONFIG: &str = "schema.string";
/// Confluent's key of an Avro schema file to generate records of (not supported).
pub const SCHEMA_FILENAME_CONFIG: &str = "schema.filename";
/// The key the connector puts in each task's config: its number, from 0.
pub const TASK_ID_CONFIG: &str = "task.id";

/// The source partition's key of the task number.
pub const TASK_FIELD: &str = "task";
/// The source partition's key of the quickstart.
pub const QUICKSTART_FIELD: &str = "quickstart";
/// The source offset's key of the count of records the task has made.
pub const ITERATION_FIELD: &str = "iteration";
/// The source offset's key of the seed the records were drawn with.
pub const SEED_FIELD: &str = "seed";

/// A generator of records for demos and benchmarks (in the manner of Confluent's
/// `io.confluent.kafka.connect.datagen.DatagenConnector`, whose class name it also
/// answers to), with its quickstarts [`Quickstart`].
///
/// Keys: `kafka.topic` (required), `quickstart` (required: `trucking_positions`,
/// `trucking_drivers`, `hotel_pageviews` or `hotel_loyalty`, in any case),
/// `max.interval` (default 500: each record a random time below that many ms after the
/// one before; 0 or less: no wait), `records.per.second` (default 0, off; above 0 it
/// replaces `max.interval` by that fixed rate), `iterations` (default -1: records per
/// task, below 1 for no end), `random.seed` (default none: a seed of the clock's, kept
/// in the offsets so that a restart goes on with it) and `schema.keyfield` (default
/// empty: the quickstart's key field).
///
/// A stream quickstart gets `tasks.max` tasks, each its own sequence; a table
/// quickstart one task, so that each key has one writer. A poll returns the records
/// due (at most 1000) and otherwise waits until the next is due, at most 100 ms.
#[derive(Debug, Default, Clone)]
pub struct DatagenConnector {
    config: Properties,
    quickstart: Option<Quickstart>,
}

impl DatagenConnector {
    /// Its class name, as a connector config's `connector.class` gives it.
    pub const CLASS: &'static str = "dev.streamkit.connect.datagen.DatagenConnector";
    /// The other names it answers to: the simple class name, that name without
    /// `Connector`, and Confluent's class name, which users' configs name.
    pub const ALIASES: &'static [&'static str] = &[
        "DatagenConnector",
        "Datagen",
        "io.confluent.kafka.connect.datagen.DatagenConnector",
    ];

    /// A connector, not started.
    pub fn new() -> Self {
        Self::default()
    }

    /// Its keys: Confluent's, with their types, defaults and importance, and ours.
    pub fn config_def() -> ConfigDef {
        ConfigDef::new()
            .define(
                KAFKA_TOPIC_CONFIG,
                ConfigType::String,
                None,
                Some(Validator::NonEmptyString),
                Importance::High,
                "The topic the generated records are written to.",
            )
            .define(
                MAX_INTERVAL_CONFIG,
                ConfigType::Long,
                Some("500"),
                None,
                Importance::High,
                "The most milliseconds between two records of a task (each wait is drawn below it); 0 or less: no wait.",
            )
            .define(
                ITERATIONS_CONFIG,
                ConfigType::Int,
                Some("-1"),
                None,
                Importance::High,
                "How many records each task makes; less than 1 for no end.",
            )
            .define(
                SCHEMA_STRING_CONFIG,
                ConfigType::String,
                Some(""),
                Some(unsupported_schema()),
                Importance::High,
                "Not supported here: records are those of a quickstart.",
            )
            .define(
                SCHEMA_FILENAME_CONFIG,
                ConfigType::String,
                Some(""),
                Some(unsupported_schema()),
                Importance::High,
                "Not supported here: records are those of a quickstart.",
            )
            .define(
                SCHEMA_KEYFIELD_CONFIG,
                ConfigType::String,
                Some(""),
                None,
                Importance::High,
                "The field of the value that is the record's key; empty: the quickstart's own key field.",
            )
            .define(
                QUICKSTART_CONFIG,
                ConfigType::String,
                None,
                Some(quickstart_name()),
                Importance::High,
                "The records to make: trucking_positions, trucking_drivers, hotel_pageviews or hotel_loyalty.",
            )
            .define_optional(
                RANDOM_SEED_CONFIG,
                ConfigType::Long,
                Importance::Low,
                "The seed of the generated values: the same seed makes the same records, each task its own.",
            )
            .define(
                RECORDS_PER_SECOND_CONFIG,
                ConfigType::Double,
                Some("0"),
                Some(Validator::Range {
                    min: Some(0.0),
                    max: None,
                }),
                Importance::Medium,
                "How many records each task makes a second; above 0 it replaces max.interval.",
            )
    }
}

/// Confluent's words for a quickstart it does not have.
fn quickstart_name() -> Validator {
    Validator::Custom(Arc::new(|value: &ConfigValue| match value {
        ConfigValue::String(s) if Quickstart::from_name(s).is_some() => Ok(()),
        _ => {
            let names: Vec<&str> = Quickstart::ALL.iter().map(|q| q.name()).collect();
            Err(format!(
                "{QUICKSTART_CONFIG} must be one out of {}",
                names.join(",")
            ))
        }
    }))
}

/// Refuses an Avro schema to generate from.
fn unsupported_schema() -> Validator {
    Validator::Custom(Arc::new(|value: &ConfigValue| match value {
        ConfigValue::String(s) if !s.is_empty() => Err(format!(
            "records of an Avro schema are not supported by this datagen; set {QUICKSTART_CONFIG} instead"
        )),
        _ => Ok(()),
    }))
}

/// A datagen config, read and checked.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    topic: String,
    quickstart: Quickstart,
    key_field: String,
    pace: Pace,
    /// Records per task; `None`: no end.
    iterations: Option<u64>,
    seed: Option<u64>,
}

impl Settings {
    /// `config` parsed by [`DatagenConnector::config_def`], with the checks it cannot
    /// declare.
    pub(crate) fn read(config: &Properties) -> Result<Settings> {
        let parsed = Parsed::new(&DatagenConnector::config_def(), config)?;
        let name = parsed.string(QUICKSTART_CONFIG)?.unwrap_or_default();
        let quickstart = Quickstart::from_name(name)
            .ok_or_else(|| Error::config(QUICKSTART_CONFIG, name, "not a quickstart"))?;
        let key_field = match parsed.string(SCHEMA_KEYFIELD_CONFIG)? {
            None => quickstart.key_field().to_owned(),
            Some(field) => {
                if quickstart.value_schema()?.field(field).is_none() {
                    return Err(Error::config_message(
                        SCHEMA_KEYFIELD_CONFIG,
                        format!(
                            "The schema does not contain the field provided in '{SCHEMA_KEYFIELD_CONFIG}'"
                        ),
                    ));
                }
                field.to_owned()
            }
        };
        let rate = parsed.double(RECORDS_PER_SECOND_CONFIG)?;
        if !rate.is_finite() {
            return Err(Error::config(
                RECORDS_PER_SECOND_CONFIG,
                rate,
                "Value must be a finite number",
            ));
        }
        let max_interval = parsed.long(MAX_INTERVAL_CONFIG)?.unwrap_or(0);
        let pace = if rate > 0.0 {
            Pace::PerSecond(rate)
        } else if max_interval > 0 {
            Pace::MaxInterval(Duration::from_millis(max_interval.unsigned_abs()))
        } else {
            Pace::Unpaced
        };
        let iterations = parsed.int(ITERATIONS_CONFIG)?;
        Ok(Settings {
            topic: parsed.string(KAFKA_TOPIC_CONFIG)?.unwrap_or_default().to_owned(),
            quickstart,
            key_field,
            pace,
            iterations: (iterations >= 1).then_some(iterations.unsigned_abs().into()),
            seed: parsed.long(RANDOM_SEED_CONFIG)?.map(|s| s as u64),
        })
    }
}

impl Connector for DatagenConnector {
    fn config_def(&self) -> ConfigDef {
        Self::config_def()
    }

    fn start(&mut self, config: &Properties) -> Result<()> {
        self.quickstart = Some(Settings::read(config)?.quickstart);
        self.config = config.clone();
        Ok(())
    }

    /// `max_tasks` tasks numbered from 0 (`task.id`), or one for a table quickstart.
    fn task_configs(&self, max_tasks: usize) -> Result<Vec<Properties>> {
        let quickstart = self
            .quickstart
            .ok_or_else(|| Error::task("DatagenConnector asked for task configs before it was started"))?;
        let tasks = if quickstart.is_table() {
            max_tasks.min(1)
        } else {
            max_tasks
        };
        Ok((0..tasks)
            .map(|task| {
                let mut config = self.config.clone();
                config.insert(TASK_ID_CONFIG.to_owned(), task.to_string());
                config
            })
            .collect())
    }

    fn stop(&mut self) -> Result<()> {
        Ok(())
    }
}

impl SourceConnector for DatagenConnector {
    fn create_task(&self) -> Box<dyn SourceTask> {
        Box::new(DatagenTask::new())
    }
}
