//! The keys every connector config takes, whatever its class (Kafka Connect's
//! `ConnectorConfig`, `SinkConnectorConfig` and `SourceConnectorConfig`), and the check
//! of a whole connector config before it runs.

use crate::config::Properties;
use crate::config_def::{ConfigDef, ConfigType, ConfigValue, Importance, Validator};
use crate::transforms::TransformChain;

use super::plugins::ConnectorType;

/// The prefixes of keys a worker reads from a connector config besides the declared ones.
const PASSED_PREFIXES: &[&str] = &[
    "key.converter.",
    "value.converter.",
    "header.converter.",
    "transforms.",
    "predicates.",
    "producer.override.",
    "consumer.override.",
    "admin.override.",
    "topic.creation.",
];

/// Kafka's check of a connector name: not empty, no control characters.
fn non_empty_name() -> Validator {
    Validator::Custom(std::sync::Arc::new(|value: &ConfigValue| match value {
        ConfigValue::String(s) if s.is_empty() => Err("String may not be empty".to_owned()),
        ConfigValue::String(s) if s.chars().any(char::is_control) => Err(format!(
            "String may not contain control sequences but had the following ASCII chars: {}",
            s.chars()
                .filter(|c| c.is_control())
                .map(|c| (c as u32).to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )),
        _ => Ok(()),
    }))
}

/// The common keys of a connector of `kind`.
pub(crate) fn common_def(kind: ConnectorType) -> ConfigDef {
    let at_least = |min: f64| {
        Some(Validator::Range {
            min: Some(min),
            max: None,
        })
    };
    let def = ConfigDef::new()
        .define(
            "name",
            ConfigType::String,
            None,
            Some(non_empty_name()),
            Importance::High,
            "A name for the connector, unique in the worker.",
        )
        .define(
            "connector.class",
            ConfigType::String,
            None,
            None,
            Importance::High,
            "The connector's class name or alias.",
        )
        .define(
            "tasks.max",
            ConfigType::Int,
            Some("1"),
            at_least(1.0),
            Importance::High,
            "At most this many tasks run.",
        )
        .define(
            "tasks.max.enforce",
            ConfigType::Boolean,
            Some("true"),
            None,
            Importance::Low,
            "Whether more task configs than tasks.max fail the connector.",
        )
        .define_optional(
            "key.converter",
            ConfigType::Class,
            Importance::Low,
            "The converter of record keys; the worker's when unset.",
        )
        .define_optional(
            "value.converter",
            ConfigType::Class,
            Importance::Low,
            "The converter of record values; the worker's when unset.",
        )
        .define_optional(
            "header.converter",
            ConfigType::Class,
            Importance::Low,
            "The converter of header values; the worker's when unset.",
        )
        .define(
            "config.action.reload",
            ConfigType::String,
            Some("restart"),
            Some(Validator::OneOfIgnoringCase(vec![
                "none".into(),
                "restart".into(),
            ])),
            Importance::Low,
            "What happens when a config provider's value changes.",
        )
        .define(
            "transforms",
            ConfigType::List,
            Some(""),
            None,
            Importance::Low,
            "Aliases of the transforms applied to each record, in order.",
        )
        .define(
            "predicates",
            ConfigType::List,
            Some(""),
            None,
            Importance::Low,
            "Aliases of the predicates transforms may use.",
        )
        .define(
            "errors.retry.timeout",
            ConfigType::Long,
            Some("0"),
            None,
            Importance::Medium,
            "How long a retriable failure is retried, in ms; -1 forever.",
        )
        .define(
            "errors.retry.delay.max.ms",
            ConfigType::Long,
            Some("60000"),
            None,
            Importance::Medium,
            "The longest wait between retries, in ms.",
        )
        .define(
            "errors.tolerance",
            ConfigType::String,
            Some("none"),
            Some(Validator::OneOfIgnoringCase(vec!["none".into(), "all".into()])),
            Importance::Medium,
            "none: a failed record fails the task; all: it is skipped.",
        )
        .define(
            "errors.log.enable",
            ConfigType::Boolean,
            Some("false"),
            None,
            Importance::Medium,
            "Whether skipped records are logged.",
        )
        .define(
            "errors.log.include.messages",
            ConfigType::Boolean,
            Some("false"),
            None,
            Importance::Medium,
            "Whether the log names the record's topic, partition and offset.",
        );
    match kind {
        ConnectorType::Sink => def
            .define(
                "topics",
                ConfigType::List,
                Some(""),
                None,
                Importance::High,
                "The topics to read.",
            )
            .define(
                "topics.regex",
                ConfigType::String,
                Some(""),
                None,
                Importance::High,
                "A pattern of the topics to read.",
            )
            .define(
                "errors.deadletterqueue.topic.name",
                ConfigType::String,
                Some(""),
                None,
                Importance::Medium,
                "Where skipped records go; none when empty.",
            )
            .define(
                "errors.deadletterqueue.topic.replication.factor",
                ConfigType::Int,
                Some("3"),
                None,
                Importance::Medium,
                "The dead letter topic's replication factor when it is created.",
            )
            .define(
                "errors.deadletterqueue.context.headers.enable",
                ConfigType::Boolean,
                Some("false"),
                None,
                Importance::Medium,
                "Whether dead letters carry __connect.errors.* headers.",
            ),
        ConnectorType::Source => def
            .define(
                "topic.creation.groups",
                ConfigType::List,
                Some(""),
                None,
                Importance::Low,
                "Groups of topic creation settings.",
            )
            .define(
                "exactly.once.support",
                ConfigType::String,
                Some("requested"),
                Some(Validator::OneOfIgnoringCase(vec![
                    "requested".into(),
                    "required".into(),
                ])),
                Importance::Medium,
                "Whether the connector must run exactly once.",
            )
            .define(
                "transaction.boundary",
                ConfigType::String,
                Some("poll"),
                Some(Validator::OneOfIgnoringCase(vec!["poll".into()])),
                Importance::Medium,
                "Where transactions end: after each poll.",
            )
            .define_optional(
                "transaction.boundary.interval.ms",
                ConfigType::Long,
                Importance::Low,
                "Not used: transactions end after each poll.",
            )
            .define_optional(
                "offsets.storage.topic",
                ConfigType::String,
                Importance::Low,
                "Not supported: the worker's offsets topic is used.",
            ),
    }
}

/// What is wrong with a connector config's common part, beyond the keys' own checks:
/// a sink's topics, the transform chain.
pub(crate) fn extra_errors(kind: ConnectorType, config: &Properties) -> Vec<(String, String)> {
    let mut errors = Vec::new();
    if kind == ConnectorType::Sink {
        let topics = config.get("topics").map(|t| t.trim()).unwrap_or("");
        let regex = config.get("topics.regex").map(|t| t.trim()).unwrap_or("");
        if topics.is_empty() && regex.is_empty() {
            for key in ["topics", "topics.regex"] {
                errors.push((
                    key.to_owned(),
                    "Must configure one of topics or topics.regex".to_owned(),
                ));
            }
        } else if !topics.is_empty() && !regex.is_empty() {
            errors.push((
                "topics".to_owned(),
                "topics and topics.regex are mutually exclusive options, but both are set.".to_owned(),
            ));
        } else if !regex.is_empty()
            && let Err(e) = regex::Regex::new(regex)
        {
            errors.push((
                "topics.regex".to_owned(),
                format!("Invalid value {regex} for configuration topics.regex: {e}"),
            ));
        }
        if let Some(dlq) = config.get("errors.deadletterqueue.topic.name").map(|d| d.trim())
            && !dlq.is_empty()
            && topics.split(',').any(|t| t.trim() == dlq)
        {
            errors.push((
                "errors.deadletterqueue.topic.name".to_owned(),
                format!("The DLQ topic '{dlq}' may not be included in the list of topics ('topics=') consumed by the connector"),
            ));
        }
    }
    // Kafka's validation leaves out a negated transform without a predicate (its
    // `ConnectorConfig.enrich` without `requireFullConfig` skips the alias), and its
    // connector fails as it starts.
    if let Err(e) = TransformChain::build(config, false) {
        let key = match &e {
            crate::Error::Config { key, .. } | crate::Error::MissingConfig { key } => key.clone(),
            _ => "transforms".to_owned(),
        };
        errors.push((key, e.to_string()));
    }
    errors
}

/// The keys of `config` that neither the common keys, the connector's own nor a
/// passed-on prefix account for: accepted, and named in a warning, as Kafka Connect does.
pub(crate) fn unknown_keys<'c>(config: &'c Properties, common: &ConfigDef, own: &ConfigDef) -> Vec<&'c str> {
    config
        .keys()
        .map(String::as_str)
        .filter(|k| common.key(k).is_none() && own.key(k).is_none())
        .filter(|k| !PASSED_PREFIXES.iter().any(|p| k.starts_with(p)))
        .collect()
}
