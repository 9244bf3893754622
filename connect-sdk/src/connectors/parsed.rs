//! A config parsed by a connector's `ConfigDef`, read by key and type.

use std::collections::BTreeMap;

use crate::config::Properties;
use crate::config_def::{ConfigDef, ConfigValue};
use crate::error::{Error, Result};

/// Every declared key's value, checked by the `ConfigDef`.
#[derive(Debug, Clone)]
pub(crate) struct Parsed(BTreeMap<String, ConfigValue>);

impl Parsed {
    /// `properties` parsed and validated by `def`: the first key at fault is the error.
    pub(crate) fn new(def: &ConfigDef, properties: &Properties) -> Result<Self> {
        def.parse(properties).map(Parsed)
    }

    fn value(&self, key: &str) -> Result<&ConfigValue> {
        self.0
            .get(key)
            .ok_or_else(|| Error::MissingConfig { key: key.to_owned() })
    }

    /// A string key's value; `None` when null or empty (what Kafka's connectors take as
    /// unset).
    pub(crate) fn string(&self, key: &str) -> Result<Option<&str>> {
        match self.value(key)? {
            ConfigValue::String(s) if !s.is_empty() => Ok(Some(s)),
            ConfigValue::String(_) | ConfigValue::Null => Ok(None),
            other => Err(wrong_type(key, other)),
        }
    }

    /// An int key's value.
    pub(crate) fn int(&self, key: &str) -> Result<i32> {
        match self.value(key)? {
            ConfigValue::Int(v) => Ok(*v),
            other => Err(wrong_type(key, other)),
        }
    }

    /// A long key's value; `None` when null.
    pub(crate) fn long(&self, key: &str) -> Result<Option<i64>> {
        match self.value(key)? {
            ConfigValue::Long(v) => Ok(Some(*v)),
            ConfigValue::Null => Ok(None),
            other => Err(wrong_type(key, other)),
        }
    }

    /// A double key's value.
    pub(crate) fn double(&self, key: &str) -> Result<f64> {
        match self.value(key)? {
            ConfigValue::Double(v) => Ok(*v),
            other => Err(wrong_type(key, other)),
        }
    }
}

/// A key declared with another type than the connector reads it as (a bug of ours,
/// reported rather than a panic).
fn wrong_type(key: &str, value: &ConfigValue) -> Error {
    Error::config(key, value, "not of the type the connector declared")
}
