//! Single message transforms, by Kafka Connect's class names and config keys, and the
//! chain a connector config declares (`transforms=a,b`, `transforms.a.type=...`).
//!
//! ```
//! use connect_sdk::config::Properties;
//! use connect_sdk::data::Value;
//! use connect_sdk::record::ConnectRecord;
//! use connect_sdk::transforms::TransformChain;
//!
//! // Seed 001's chain: the value's `id` becomes the key, then the key is that field.
//! let config = Properties::from([
//!     ("transforms".into(), "createKey,extractInt".into()),
//!     ("transforms.createKey.type".into(), "org.apache.kafka.connect.transforms.ValueToKey".into()),
//!     ("transforms.createKey.fields".into(), "id".into()),
//!     ("transforms.extractInt.type".into(), "org.apache.kafka.connect.transforms.ExtractField$Key".into()),
//!     ("transforms.extractInt.field".into(), "id".into()),
//! ]);
//! let mut chain = TransformChain::from_properties(&config)?;
//! let value = Value::Map(vec![("id".into(), Value::Int64(7)), ("name".into(), "a".into())]);
//! let out = chain.apply(ConnectRecord::new("t", None, value))?.unwrap();
//! assert_eq!(out.key, Value::Int64(7));
//! # Ok::<(), connect_sdk::Error>(())
//! ```

mod cast;
mod extract_field;
mod extract_new_record_state;
mod flatten;
mod headers;
mod hoist_field;
mod insert_field;
pub(crate) mod java_time;
mod mask_field;
mod predicates;
mod regex_router;
mod replace_field;
mod set_schema_metadata;
mod timestamp_converter;
mod timestamp_router;
mod value_to_key;

pub use cast::Cast;
pub use extract_field::ExtractField;
pub use extract_new_record_state::ExtractNewRecordState;
pub use flatten::Flatten;
pub use headers::{DropHeaders, HeaderFrom, InsertHeader};
pub use hoist_field::HoistField;
pub use insert_field::InsertField;
pub use mask_field::MaskField;
pub use predicates::{
    Conditional, Filter, HasHeaderKey, Predicate, RecordIsTombstone, TopicNameMatches, predicate,
};
pub use regex_router::RegexRouter;
pub use replace_field::ReplaceField;
pub use set_schema_metadata::SetSchemaMetadata;
pub use timestamp_converter::TimestampConverter;
pub use timestamp_router::TimestampRouter;
pub use value_to_key::ValueToKey;

use crate::config::{ConfigReader, Properties};
use crate::data::{Schema, Struct, Value};
use crate::error::{Error, Result};
use crate::record::ConnectRecord;

/// A single message transform: a record in, a record (or none, to drop it) out.
/// Implement it to write your own.
pub trait Transform: Send {
    /// The record `record` becomes, or `None` to drop it.
    fn apply(&mut self, record: ConnectRecord) -> Result<Option<ConnectRecord>>;
}

/// Which part of a record a `$Key`/`$Value` transform works on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The key (`$Key`).
    Key,
    /// The value (`$Value`).
    Value,
}

impl Part {
    /// The part's schema and value in `record`.
    pub fn of(self, record: &ConnectRecord) -> (Option<&Schema>, &Value) {
        match self {
            Part::Key => (record.key_schema.as_ref(), &record.key),
            Part::Value => (record.value_schema.as_ref(), &record.value),
        }
    }

    /// The part's schema and value taken out of `record` (left null).
    pub fn take(self, record: &mut ConnectRecord) -> (Option<Schema>, Value) {
        match self {
            Part::Key => (
                record.key_schema.take(),
                std::mem::replace(&mut record.key, Value::Null),
            ),
            Part::Value => (
                record.value_schema.take(),
                std::mem::replace(&mut record.value, Value::Null),
            ),
        }
    }

    /// `record` with this part replaced.
    pub fn replace(self, mut record: ConnectRecord, schema: Option<Schema>, value: Value) -> ConnectRecord {
        match self {
            Part::Key => {
                record.key_schema = schema;
                record.key = value;
            }
            Part::Value => {
                record.value_schema = schema;
                record.value = value;
            }
        }
        record
    }

    /// The part a class name's `$Key`/`$Value` suffix names.
    fn of_class(class: &str) -> Option<(&str, Part)> {
        if let Some(base) = class.strip_suffix("$Key") {
            Some((base, Part::Key))
        } else {
            class.strip_suffix("$Value").map(|base| (base, Part::Value))
        }
    }
}

/// The Java class name Kafka would name `value` by in a message.
pub(crate) fn java_class(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Boolean(_) => "java.lang.Boolean",
        Value::Int8(_) => "java.lang.Byte",
        Value::Int16(_) => "java.lang.Short",
        Value::Int32(_) => "java.lang.Integer",
        Value::Int64(_) => "java.lang.Long",
        Value::Float32(_) => "java.lang.Float",
        Value::Float64(_) => "java.lang.Double",
        Value::String(_) => "java.lang.String",
        Value::Bytes(_) => "[B",
        Value::Array(_) => "java.util.ArrayList",
        Value::Map(_) => "java.util.HashMap",
        Value::Struct(_) => "org.apache.kafka.connect.data.Struct",
        Value::Decimal(_) => "java.math.BigDecimal",
        Value::Date(_) | Value::Time(_) | Value::Timestamp(_) => "java.util.Date",
    }
}

/// The entries of a schemaless map, or Kafka's error for anything else.
pub(crate) fn require_map<'v>(value: &'v Value, purpose: &str) -> Result<&'v [(Value, Value)]> {
    match value {
        Value::Map(entries) => Ok(entries),
        other => Err(Error::data(format!(
            "Only Map objects supported in absence of schema for [{purpose}], found: {}",
            java_class(other)
        ))),
    }
}

/// The struct of a schema'd value, or Kafka's error for anything else.
pub(crate) fn require_struct<'v>(value: &'v Value, purpose: &str) -> Result<&'v Struct> {
    match value {
        Value::Struct(s) => Ok(s),
        other => Err(Error::data(format!(
            "Only Struct objects supported for [{purpose}], found: {}",
            java_class(other)
        ))),
    }
}

/// The value at `key` of a schemaless map (null when absent).
pub(crate) fn map_get<'v>(entries: &'v [(Value, Value)], key: &str) -> &'v Value {
    entries
        .iter()
        .find(|(k, _)| k.as_str() == Some(key))
        .map_or(&Value::Null, |(_, v)| v)
}

/// The transform a Java class name stands for, configured by the keys under
/// `prefix` in `properties` (errors name keys in full).
pub fn transform(class: &str, properties: &Properties, prefix: &str) -> Result<Box<dyn Transform>> {
    const PACKAGE: &str = "org.apache.kafka.connect.transforms.";
    let config = ConfigReader::with_prefix(properties, prefix);
    let class = class.trim();
    if class == "io.debezium.transforms.ExtractNewRecordState" {
        return Ok(Box::new(ExtractNewRecordState::configure(properties, prefix)?));
    }
    let short = class.strip_prefix(PACKAGE).unwrap_or(class);
    match short {
        "ValueToKey" => return Ok(Box::new(ValueToKey::configure(&config)?)),
        "RegexRouter" => return Ok(Box::new(RegexRouter::configure(&config)?)),
        "TimestampRouter" => return Ok(Box::new(TimestampRouter::configure(&config)?)),
        "InsertHeader" => return Ok(Box::new(InsertHeader::configure(&config)?)),
        "DropHeaders" => return Ok(Box::new(DropHeaders::configure(&config)?)),
        "Filter" => return Ok(Box::new(Filter)),
        _ => {}
    }
    match Part::of_class(short) {
        Some(("ExtractField", part)) => Ok(Box::new(ExtractField::configure(part, &config)?)),
        Some(("MaskField", part)) => Ok(Box::new(MaskField::configure(part, &config)?)),
        Some(("HoistField", part)) => Ok(Box::new(HoistField::configure(part, &config)?)),
        Some(("InsertField", part)) => Ok(Box::new(InsertField::configure(part, &config)?)),
        Some(("ReplaceField", part)) => Ok(Box::new(ReplaceField::configure(part, &config)?)),
        Some(("SetSchemaMetadata", part)) => Ok(Box::new(SetSchemaMetadata::configure(part, &config)?)),
        Some(("TimestampConverter", part)) => Ok(Box::new(TimestampConverter::configure(part, &config)?)),
        Some(("HeaderFrom", part)) => Ok(Box::new(HeaderFrom::configure(part, &config)?)),
        Some(("Flatten", part)) => Ok(Box::new(Flatten::configure(part, &config)?)),
        Some(("Cast", part)) => Ok(Box::new(Cast::configure(part, &config)?)),
        _ => Err(Error::config(
            format!("{prefix}type"),
            class,
            format!("Class {class} could not be found."),
        )),
    }
}

/// The transforms of a connector config, in order.
pub struct TransformChain {
    steps: Vec<(String, Box<dyn Transform>)>,
}

impl std::fmt::Debug for TransformChain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.steps.iter().map(|(alias, _)| alias))
            .finish()
    }
}

impl TransformChain {
    /// No transforms.
    pub fn empty() -> Self {
        TransformChain { steps: Vec::new() }
    }

    /// The chain `transforms` lists, each alias configured by its
    /// `transforms.ALIAS.*` keys, and gated by the predicate `transforms.ALIAS.predicate`
    /// names (one of `predicates`, configured by its `predicates.NAME.*` keys) when set,
    /// negated by `transforms.ALIAS.negate` (refused without a predicate, as Kafka does).
    pub fn from_properties(properties: &Properties) -> Result<Self> {
        Self::build(properties, true)
    }

    /// [`TransformChain::from_properties`], checking that a negated transform has a
    /// predicate when `check_negate`: Kafka's validation of a connector config (`PUT
    /// .../config/validate`, and a create) does not, its connector does as it starts.
    pub(crate) fn build(properties: &Properties, check_negate: bool) -> Result<Self> {
        let config = ConfigReader::new(properties);
        let mut chain = Self::empty();
        let aliases = config.list("transforms").unwrap_or_default();
        let mut seen = std::collections::HashSet::new();
        // As Kafka's `ConnectorConfig`: every alias's class first (as it enriches its
        // definition), then alias by alias that a negated one has a predicate (as it
        // parses the alias's type), its own keys, and its predicate.
        let mut steps = Vec::new();
        for alias in aliases {
            if !seen.insert(alias.clone()) {
                return Err(Error::config("transforms", &alias, "Duplicate alias provided."));
            }
            let prefix = format!("transforms.{alias}.");
            let type_key = format!("{prefix}type");
            let class = config.required_string(&type_key)?;
            let step = match transform(class, properties, &prefix) {
                Err(e) if matches!(&e, Error::Config { key, .. } if *key == type_key) => return Err(e),
                step => step,
            };
            steps.push((alias, prefix, step));
        }
        for (alias, prefix, step) in steps {
            if check_negate {
                negate_has_predicate(properties, &prefix)?;
            }
            let mut step = step?;
            if let Some(name) = config.string(&format!("{prefix}predicate")) {
                let predicate_prefix = format!("predicates.{name}.");
                let declared = config.list("predicates").unwrap_or_default();
                if !declared.iter().any(|p| p == name) {
                    return Err(Error::config(
                        format!("{prefix}predicate"),
                        name,
                        "the predicate is not listed in `predicates`",
                    ));
                }
                let class = config.required_string(&format!("{predicate_prefix}type"))?;
                let gate = predicate(class, properties, &predicate_prefix)?;
                let negate = config.boolean(&format!("{prefix}negate"), false)?;
                step = Box::new(Conditional::new(step, gate, negate));
            }
            chain.steps.push((alias, step));
        }
        Ok(chain)
    }

    /// Adds a transform of the caller's at the end.
    pub fn push(&mut self, alias: impl Into<String>, transform: Box<dyn Transform>) {
        self.steps.push((alias.into(), transform));
    }

    /// Runs `record` through every transform; `None` once one drops it.
    pub fn apply(&mut self, record: ConnectRecord) -> Result<Option<ConnectRecord>> {
        let mut record = record;
        for (_, step) in &mut self.steps {
            match step.apply(record)? {
                Some(next) => record = next,
                None => return Ok(None),
            }
        }
        Ok(Some(record))
    }
}

/// Kafka's refusal of `transforms.ALIAS.negate` (`negate` after `prefix`) set, to any
/// value, without `transforms.ALIAS.predicate`: the `ConfigException` of
/// `ConnectorConfig`'s transformation plugin (`validateProps`, connect-runtime 4.4),
/// raised as the connector's config is built.
fn negate_has_predicate(properties: &Properties, prefix: &str) -> Result<()> {
    let negate = format!("{prefix}negate");
    let predicate = format!("{prefix}predicate");
    if properties.contains_key(&negate) && !properties.contains_key(&predicate) {
        return Err(Error::config_message(
            &negate,
            format!(
                "Config '{negate}' was provided but there is no config '{predicate}' defining a predicate to be negated."
            ),
        ));
    }
    Ok(())
}

/// Every negated transform of a connector config has a predicate: checked as a
/// connector starts (Kafka's `Worker.startConnector` builds its `ConnectorConfig`).
pub(crate) fn check_negated_transforms(properties: &Properties) -> Result<()> {
    let aliases = ConfigReader::new(properties)
        .list("transforms")
        .unwrap_or_default();
    aliases
        .iter()
        .try_for_each(|alias| negate_has_predicate(properties, &format!("transforms.{alias}.")))
}
