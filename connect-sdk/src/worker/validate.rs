//! A connector config checked key by key (`PUT /connector-plugins/{class}/config/validate`,
//! Kafka's `ConfigInfos`): the common keys, the connector's own, and the transforms.

use serde_json::{Value as Json, json};

use super::connector_config::{common_def, extra_errors};
use super::plugins::Plugin;
use super::providers::ConfigProviders;
use crate::config::Properties;
use crate::config_def::{ConfigDef, ConfigKey, ConfigType, Importance};

/// One key's definition and what validating it found.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigInfo {
    /// The key's name.
    pub name: String,
    /// Its type name (`STRING`).
    pub kind: &'static str,
    /// Whether it has no default.
    pub required: bool,
    /// Its default, as written.
    pub default_value: Option<String>,
    /// `HIGH`, `MEDIUM` or `LOW`.
    pub importance: &'static str,
    /// What it does.
    pub documentation: String,
    /// `Common` for the keys every connector takes, the connector's own otherwise.
    pub group: Option<String>,
    /// The value given (secrets as `[hidden]`).
    pub value: Option<String>,
    /// What is wrong with it.
    pub errors: Vec<String>,
}

impl ConfigInfo {
    /// The key's definition as Kafka Connect's `ConfigKeyInfo` JSON.
    pub fn definition_json(&self) -> Json {
        json!({
            "name": self.name,
            "type": self.kind,
            "required": self.required,
            "default_value": self.default_value,
            "importance": self.importance,
            "documentation": self.documentation,
            "group": self.group,
            "width": "NONE",
            "display_name": self.name,
            "dependents": [],
            "order": -1,
        })
    }
}

/// The definitions of `def`'s keys (`GET /connector-plugins/{class}/config`).
pub(crate) fn definitions(def: &ConfigDef) -> Vec<Json> {
    infos_of(def, &Properties::new(), None)
        .iter()
        .map(ConfigInfo::definition_json)
        .collect()
}

/// A whole config's validation.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigInfos {
    /// The plugin's class.
    pub name: String,
    /// How many errors in all.
    pub error_count: usize,
    /// The groups of keys.
    pub groups: Vec<String>,
    /// Each key.
    pub configs: Vec<ConfigInfo>,
}

fn importance(i: Importance) -> &'static str {
    match i {
        Importance::High => "HIGH",
        Importance::Medium => "MEDIUM",
        Importance::Low => "LOW",
    }
}

fn infos_of(def: &ConfigDef, config: &Properties, group: Option<&str>) -> Vec<ConfigInfo> {
    let results = def.validate(config);
    def.keys()
        .iter()
        .zip(results)
        .map(|(key, result): (&ConfigKey, _)| ConfigInfo {
            name: key.name.clone(),
            kind: key.kind.name(),
            required: key.default.is_none() && !key.default_null,
            default_value: key.default.clone(),
            importance: importance(key.importance),
            documentation: key.doc.clone(),
            group: group.map(str::to_owned),
            value: config.get(&key.name).map(|v| {
                if key.kind == ConfigType::Password {
                    super::HIDDEN.to_owned()
                } else {
                    v.clone()
                }
            }),
            errors: result.errors,
        })
        .collect()
}

/// Validates `config` for `plugin`, its provider references resolved first.
pub(crate) fn validate(plugin: &Plugin, config: &Properties, providers: &ConfigProviders) -> ConfigInfos {
    let kind = plugin.kind();
    let resolved = providers.resolve(config).unwrap_or_else(|_| config.clone());
    let mut configs = infos_of(&common_def(kind), &resolved, Some("Common"));
    for (key, error) in extra_errors(kind, &resolved) {
        match configs.iter_mut().find(|c| c.name == key) {
            Some(info) => info.errors.push(error),
            None => configs.push(ConfigInfo {
                name: key,
                kind: "STRING",
                required: false,
                default_value: None,
                importance: "HIGH",
                documentation: String::new(),
                group: Some("Transforms".into()),
                value: resolved.get("transforms").cloned(),
                errors: vec![error],
            }),
        }
    }
    let own = plugin.instance().connector().config_def();
    let own_keys: Vec<ConfigInfo> = infos_of(&own, &resolved, None)
        .into_iter()
        .filter(|info| !configs.iter().any(|c| c.name == info.name))
        .collect();
    configs.extend(own_keys);
    let mut groups: Vec<String> = Vec::new();
    for group in configs.iter().filter_map(|c| c.group.clone()) {
        if !groups.contains(&group) {
            groups.push(group);
        }
    }
    ConfigInfos {
        name: plugin.class().to_owned(),
        error_count: configs.iter().map(|c| c.errors.len()).sum(),
        groups,
        configs,
    }
}

impl ConfigInfos {
    /// The message of a create or update refused for these errors.
    pub(crate) fn refusal(&self) -> String {
        let errors: Vec<&String> = self.configs.iter().flat_map(|c| c.errors.iter()).collect();
        format!(
            "Connector configuration is invalid and contains the following {} error(s):\n{}\nYou can also find the above list of errors at the endpoint `/connector-plugins/{{connectorType}}/config/validate`",
            errors.len(),
            errors.iter().map(|e| e.as_str()).collect::<Vec<_>>().join("\n")
        )
    }

    /// Kafka Connect's JSON of it.
    pub fn to_json(&self) -> Json {
        json!({
            "name": self.name,
            "error_count": self.error_count,
            "groups": self.groups,
            "configs": self.configs.iter().map(|c| json!({
                "definition": c.definition_json(),
                "value": {
                    "name": c.name,
                    "value": c.value,
                    "recommended_values": [],
                    "errors": c.errors,
                    "visible": true,
                },
            })).collect::<Vec<_>>(),
        })
    }
}
