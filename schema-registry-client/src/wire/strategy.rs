//! Subject name strategies: which subject a topic's keys or values are registered under.

use std::str::FromStr;

use crate::error::{Error, Result};

/// How a serializer names the subject it registers under, as Confluent's
/// `key.subject.name.strategy` / `value.subject.name.strategy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SubjectNameStrategy {
    /// `<topic>-key` or `<topic>-value` (the default).
    #[default]
    TopicName,
    /// The record's full name: one subject for a type, whichever topic carries it.
    RecordName,
    /// `<topic>-<record full name>`.
    TopicRecordName,
}

impl SubjectNameStrategy {
    /// The subject for `topic`, the key or the value, and the schema's full name.
    pub fn subject(&self, topic: &str, is_key: bool, record_name: Option<&str>) -> Result<String> {
        let record = || {
            record_name.ok_or_else(|| Error::Config {
                key: if is_key {
                    "key.subject.name.strategy"
                } else {
                    "value.subject.name.strategy"
                }
                .into(),
                reason: format!("{self:?} needs a named schema (record, enum or fixed)"),
            })
        };
        Ok(match self {
            SubjectNameStrategy::TopicName => {
                format!("{topic}-{}", if is_key { "key" } else { "value" })
            }
            SubjectNameStrategy::RecordName => record()?.to_owned(),
            SubjectNameStrategy::TopicRecordName => format!("{topic}-{}", record()?),
        })
    }
}

impl FromStr for SubjectNameStrategy {
    type Err = Error;

    /// Accepts Confluent's class names
    /// (`io.confluent.kafka.serializers.subject.RecordNameStrategy`), their last part,
    /// or snake case (`record_name`).
    fn from_str(text: &str) -> Result<Self> {
        let short = text.rsplit('.').next().unwrap_or(text);
        match short.to_ascii_lowercase().replace('_', "").as_str() {
            "topicnamestrategy" | "topicname" => Ok(SubjectNameStrategy::TopicName),
            "recordnamestrategy" | "recordname" => Ok(SubjectNameStrategy::RecordName),
            "topicrecordnamestrategy" | "topicrecordname" => Ok(SubjectNameStrategy::TopicRecordName),
            _ => Err(Error::Config {
                key: "subject.name.strategy".into(),
                reason: format!(
                    "unknown strategy `{text}` (TopicNameStrategy, RecordNameStrategy or TopicRecordNameStrategy)"
                ),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_per_strategy() {
        let s = SubjectNameStrategy::TopicName;
        assert_eq!(s.subject("orders", false, None).unwrap(), "orders-value");
        assert_eq!(s.subject("orders", true, None).unwrap(), "orders-key");
        let s = SubjectNameStrategy::RecordName;
        assert_eq!(
            s.subject("orders", false, Some("com.acme.Order")).unwrap(),
            "com.acme.Order"
        );
        assert!(s.subject("orders", false, None).is_err());
        let s = SubjectNameStrategy::TopicRecordName;
        assert_eq!(
            s.subject("orders", true, Some("com.acme.Order")).unwrap(),
            "orders-com.acme.Order"
        );
    }

    #[test]
    fn strategies_parse_from_confluent_names() {
        for (text, want) in [
            (
                "io.confluent.kafka.serializers.subject.TopicNameStrategy",
                SubjectNameStrategy::TopicName,
            ),
            ("RecordNameStrategy", SubjectNameStrategy::RecordName),
            ("topic_record_name", SubjectNameStrategy::TopicRecordName),
        ] {
            assert_eq!(text.parse::<SubjectNameStrategy>().unwrap(), want);
        }
        let err = "Nope".parse::<SubjectNameStrategy>().unwrap_err();
        assert!(err.to_string().contains("Nope"));
    }
}
