//! Predicates (`TopicNameMatches`, `HasHeaderKey`, `RecordIsTombstone`), the `Filter`
//! transform, and a transform applied only where its predicate holds.

use regex::Regex;

use super::Transform;
use crate::config::{ConfigReader, Properties};
use crate::error::{Error, Result};
use crate::record::ConnectRecord;

/// A condition on a record, gating a transform (`transforms.X.predicate`).
pub trait Predicate: Send {
    /// Whether `record` satisfies it.
    fn test(&self, record: &ConnectRecord) -> bool;
}

/// `org.apache.kafka.connect.transforms.predicates.TopicNameMatches`: the whole topic
/// name matches `pattern`.
#[derive(Debug, Clone)]
pub struct TopicNameMatches {
    pattern: Regex,
}

impl TopicNameMatches {
    /// Configured by `pattern`.
    pub fn configure(config: &ConfigReader<'_>) -> Result<Self> {
        let pattern = config.required_string("pattern")?;
        if pattern.is_empty() {
            return Err(Error::config("pattern", "", "String must be non-empty"));
        }
        let regex = Regex::new(&format!("^(?:{pattern})$"))
            .map_err(|e| Error::config("pattern", pattern, format!("Invalid regex: {e}")))?;
        Ok(TopicNameMatches { pattern: regex })
    }
}

impl Predicate for TopicNameMatches {
    fn test(&self, record: &ConnectRecord) -> bool {
        self.pattern.is_match(&record.topic)
    }
}

/// `org.apache.kafka.connect.transforms.predicates.HasHeaderKey`: a header has the key
/// `name`.
#[derive(Debug, Clone)]
pub struct HasHeaderKey {
    name: String,
}

impl HasHeaderKey {
    /// Configured by `name`.
    pub fn configure(config: &ConfigReader<'_>) -> Result<Self> {
        let name = config.required_string("name")?;
        if name.is_empty() {
            return Err(Error::config("name", "", "String must be non-empty"));
        }
        Ok(HasHeaderKey {
            name: name.to_owned(),
        })
    }
}

impl Predicate for HasHeaderKey {
    fn test(&self, record: &ConnectRecord) -> bool {
        record.header(&self.name).is_some()
    }
}

/// `org.apache.kafka.connect.transforms.predicates.RecordIsTombstone`: the value is
/// null.
#[derive(Debug, Clone, Copy, Default)]
pub struct RecordIsTombstone;

impl Predicate for RecordIsTombstone {
    fn test(&self, record: &ConnectRecord) -> bool {
        record.value.is_null()
    }
}

/// The predicate a Java class name stands for, configured by the keys under `prefix`.
pub fn predicate(class: &str, properties: &Properties, prefix: &str) -> Result<Box<dyn Predicate>> {
    const PACKAGE: &str = "org.apache.kafka.connect.transforms.predicates.";
    let config = ConfigReader::with_prefix(properties, prefix);
    let class = class.trim();
    match class.strip_prefix(PACKAGE).unwrap_or(class) {
        "TopicNameMatches" => Ok(Box::new(TopicNameMatches::configure(&config)?)),
        "HasHeaderKey" => Ok(Box::new(HasHeaderKey::configure(&config)?)),
        "RecordIsTombstone" => Ok(Box::new(RecordIsTombstone)),
        _ => Err(Error::config(
            format!("{prefix}type"),
            class,
            format!("Class {class} could not be found."),
        )),
    }
}

/// `org.apache.kafka.connect.transforms.Filter`: drops every record it is given (with a
/// predicate, those that satisfy it).
#[derive(Debug, Clone, Copy, Default)]
pub struct Filter;

impl Transform for Filter {
    fn apply(&mut self, _record: ConnectRecord) -> Result<Option<ConnectRecord>> {
        Ok(None)
    }
}

/// A transform applied where its predicate holds (or, negated, where it does not);
/// other records pass unchanged.
pub struct Conditional {
    transform: Box<dyn Transform>,
    predicate: Box<dyn Predicate>,
    negate: bool,
}

impl std::fmt::Debug for Conditional {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conditional")
            .field("negate", &self.negate)
            .finish_non_exhaustive()
    }
}

impl Conditional {
    /// `transform` gated by `predicate`, negated when `negate`.
    pub fn new(transform: Box<dyn Transform>, predicate: Box<dyn Predicate>, negate: bool) -> Self {
        Conditional {
            transform,
            predicate,
            negate,
        }
    }
}

impl Transform for Conditional {
    fn apply(&mut self, record: ConnectRecord) -> Result<Option<ConnectRecord>> {
        if self.predicate.test(&record) != self.negate {
            self.transform.apply(record)
        } else {
            Ok(Some(record))
        }
    }
}
