//! Serializer and deserializer settings, with Confluent's property names.

use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::wire::SubjectNameStrategy;

/// How a serializer finds the schema id it writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SerdeConfig {
    /// Register the schema when it is not yet under the subject
    /// (`auto.register.schemas`, default true). When false, the schema must already be
    /// registered (it is looked up).
    pub auto_register_schemas: bool,
    /// Write with the latest schema under the subject instead of the serializer's own
    /// (`use.latest.version`, default false).
    pub use_latest_version: bool,
    /// Ask the registry to normalize the schema (`normalize.schemas`, default false).
    pub normalize_schemas: bool,
    /// How the subject is named (`key.subject.name.strategy` or
    /// `value.subject.name.strategy`).
    pub subject_name_strategy: SubjectNameStrategy,
    /// Serializing keys (subject `<topic>-key`) rather than values.
    pub is_key: bool,
}

impl Default for SerdeConfig {
    fn default() -> Self {
        SerdeConfig {
            auto_register_schemas: true,
            use_latest_version: false,
            normalize_schemas: false,
            subject_name_strategy: SubjectNameStrategy::TopicName,
            is_key: false,
        }
    }
}

impl SerdeConfig {
    /// Settings for keys.
    pub fn for_keys() -> Self {
        SerdeConfig {
            is_key: true,
            ..Self::default()
        }
    }

    /// Reads Confluent's serializer properties; other keys are ignored (the same map
    /// usually carries the registry client's and Kafka's settings), but a bad value of
    /// a known key is an error naming it.
    pub fn from_properties(properties: &HashMap<String, String>, is_key: bool) -> Result<Self> {
        let mut config = SerdeConfig {
            is_key,
            ..Self::default()
        };
        let flag = |key: &str| -> Result<Option<bool>> {
            properties
                .get(key)
                .map(|v| match v.trim().to_ascii_lowercase().as_str() {
                    "true" => Ok(true),
                    "false" => Ok(false),
                    _ => Err(Error::Config {
                        key: key.into(),
                        reason: format!("expected true or false, got `{v}`"),
                    }),
                })
                .transpose()
        };
        if let Some(on) = flag("auto.register.schemas")? {
            config.auto_register_schemas = on;
        }
        if let Some(on) = flag("use.latest.version")? {
            config.use_latest_version = on;
        }
        if let Some(on) = flag("normalize.schemas")? {
            config.normalize_schemas = on;
        }
        let strategy_key = if is_key {
            "key.subject.name.strategy"
        } else {
            "value.subject.name.strategy"
        };
        if let Some(text) = properties.get(strategy_key) {
            config.subject_name_strategy = text.parse().map_err(|e: Error| Error::Config {
                key: strategy_key.into(),
                reason: e.to_string(),
            })?;
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties_set_flags_and_strategy_and_name_bad_keys() {
        let props: HashMap<String, String> = [
            ("auto.register.schemas", "false"),
            ("use.latest.version", "TRUE"),
            ("key.subject.name.strategy", "RecordNameStrategy"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let config = SerdeConfig::from_properties(&props, true).unwrap();
        assert!(!config.auto_register_schemas && config.use_latest_version && config.is_key);
        assert_eq!(config.subject_name_strategy, SubjectNameStrategy::RecordName);
        let bad: HashMap<String, String> = [("auto.register.schemas".to_string(), "yes".to_string())].into();
        let err = SerdeConfig::from_properties(&bad, false).unwrap_err();
        assert!(err.to_string().contains("auto.register.schemas"), "{err}");
    }
}
