//! Configuration as Kafka Connect gives it: string properties, read by type with
//! Kafka's parsing rules and errors.

use std::collections::BTreeMap;

use crate::config_def::{ConfigDef, ConfigType, ConfigValue, one_of_ignoring_case_message, one_of_message};
use crate::error::{Error, Result};

/// String properties by key, as in a connector's JSON config or a `.properties` file.
pub type Properties = BTreeMap<String, String>;

/// Reads typed values out of [`Properties`] the way Kafka's `ConfigDef` parses them.
#[derive(Debug, Clone, Copy)]
pub struct ConfigReader<'p> {
    properties: &'p Properties,
    prefix: &'p str,
}

impl<'p> ConfigReader<'p> {
    /// A reader of `properties`.
    pub fn new(properties: &'p Properties) -> Self {
        ConfigReader {
            properties,
            prefix: "",
        }
    }

    /// A reader of the keys under `prefix` (`transforms.mask.`), which errors name in
    /// full.
    pub fn with_prefix(properties: &'p Properties, prefix: &'p str) -> Self {
        ConfigReader { properties, prefix }
    }

    fn full_key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    /// The raw value of `key`.
    pub fn string(&self, key: &str) -> Option<&'p str> {
        self.properties.get(&self.full_key(key)).map(String::as_str)
    }

    /// The value of `key`, which must be set.
    pub fn required_string(&self, key: &str) -> Result<&'p str> {
        self.string(key).ok_or_else(|| Error::MissingConfig {
            key: self.full_key(key),
        })
    }

    /// A list (`a, b,c`): split at commas, each item trimmed; an empty string is the
    /// empty list.
    pub fn list(&self, key: &str) -> Option<Vec<String>> {
        self.string(key).map(|text| {
            let text = text.trim();
            if text.is_empty() {
                Vec::new()
            } else {
                text.split(',').map(|item| item.trim().to_owned()).collect()
            }
        })
    }

    /// A list that must be set and not empty (Kafka's `NonEmptyListValidator`).
    pub fn non_empty_list(&self, key: &str) -> Result<Vec<String>> {
        let list = self.list(key).ok_or_else(|| Error::MissingConfig {
            key: self.full_key(key),
        })?;
        if list.is_empty() {
            let key = self.full_key(key);
            return Err(Error::config_message(
                key.clone(),
                format!("Configuration '{key}' must not be empty. Valid values include: any non-empty value"),
            ));
        }
        Ok(list)
    }

    /// A boolean (`true` or `false`, any case), or `default` when unset.
    pub fn boolean(&self, key: &str, default: bool) -> Result<bool> {
        match self.typed(key, ConfigType::Boolean)? {
            Some(ConfigValue::Boolean(v)) => Ok(v),
            _ => Ok(default),
        }
    }

    /// A 32-bit integer, or `default` when unset.
    pub fn int(&self, key: &str, default: i32) -> Result<i32> {
        match self.typed(key, ConfigType::Int)? {
            Some(ConfigValue::Int(v)) => Ok(v),
            _ => Ok(default),
        }
    }

    /// The value of `key` parsed as `kind`, when set.
    fn typed(&self, key: &str, kind: ConfigType) -> Result<Option<ConfigValue>> {
        self.string(key)
            .map(|text| ConfigDef::parse_value(&self.full_key(key), kind, text))
            .transpose()
    }

    /// One of `choices`, exactly as written (Kafka's `ValidString`); the key must be set.
    pub fn one_of(&self, key: &str, choices: &[&'static str]) -> Result<&'static str> {
        let value = self.required_string(key)?;
        choices
            .iter()
            .find(|c| **c == value)
            .copied()
            .ok_or_else(|| Error::config(self.full_key(key), value, one_of_message(choices)))
    }

    /// One of `choices` (compared without case), or `default` when unset.
    pub fn choice(&self, key: &str, choices: &[&'static str], default: &'static str) -> Result<&'static str> {
        let Some(value) = self.string(key) else {
            return Ok(default);
        };
        choices
            .iter()
            .find(|c| c.eq_ignore_ascii_case(value.trim()))
            .copied()
            .ok_or_else(|| Error::config(self.full_key(key), value, one_of_ignoring_case_message(choices)))
    }
}
