//! The registry's data model, with the JSON shapes of the Confluent REST API.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorCode, Result};

/// The kind of a schema. The registry's JSON omits `schemaType` for Avro.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum SchemaType {
    /// Apache Avro (the default).
    #[default]
    Avro,
    /// JSON Schema.
    Json,
    /// Protocol Buffers.
    Protobuf,
}

impl SchemaType {
    fn is_avro(&self) -> bool {
        *self == SchemaType::Avro
    }

    /// The name the REST API uses.
    pub fn as_str(&self) -> &'static str {
        match self {
            SchemaType::Avro => "AVRO",
            SchemaType::Json => "JSON",
            SchemaType::Protobuf => "PROTOBUF",
        }
    }
}

/// A reference from one schema to a named type registered under another subject.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SchemaReference {
    /// The name the referencing schema uses (for Avro, the full name of the type).
    pub name: String,
    /// The subject the referenced schema is registered under.
    pub subject: String,
    /// Its version under that subject.
    pub version: i32,
}

/// A schema as the registry stores it: its text, type and references.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Schema {
    /// The schema's text (for Avro, JSON).
    pub schema: String,
    /// Its type.
    #[serde(rename = "schemaType", default, skip_serializing_if = "SchemaType::is_avro")]
    pub schema_type: SchemaType,
    /// The schemas it refers to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<SchemaReference>,
}

impl Schema {
    /// An Avro schema without references.
    pub fn avro(text: impl Into<String>) -> Self {
        Schema {
            schema: text.into(),
            schema_type: SchemaType::Avro,
            references: Vec::new(),
        }
    }

    /// The same schema with references.
    pub fn with_references(mut self, references: Vec<SchemaReference>) -> Self {
        self.references = references;
        self
    }
}

/// A schema registered under a subject: `GET /subjects/{subject}/versions/{version}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisteredSchema {
    /// The subject.
    pub subject: String,
    /// The schema's global id.
    pub id: u32,
    /// Its version under the subject.
    pub version: i32,
    /// The schema.
    #[serde(flatten)]
    pub schema: Schema,
}

/// A subject and version: `GET /schemas/ids/{id}/versions`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SubjectVersion {
    /// The subject.
    pub subject: String,
    /// The version.
    pub version: i32,
}

/// Which version of a subject: a number, or the latest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// The latest version (`latest`, or `-1`).
    Latest,
    /// A version number (from 1).
    Number(i32),
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Version::Latest => f.write_str("latest"),
            Version::Number(n) => write!(f, "{n}"),
        }
    }
}

impl FromStr for Version {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        match text {
            "latest" | "-1" => Ok(Version::Latest),
            _ => match text.parse::<i32>() {
                Ok(n) if n >= 1 => Ok(Version::Number(n)),
                _ => Err(Error::registry(
                    ErrorCode::InvalidVersion,
                    format!(
                        "The specified version '{text}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\""
                    ),
                )),
            },
        }
    }
}

/// How new schemas under a subject must relate to earlier ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CompatibilityLevel {
    /// No check.
    None,
    /// The new schema reads data written with the latest one (the registry default).
    #[default]
    Backward,
    /// The new schema reads data written with every earlier one.
    BackwardTransitive,
    /// The latest schema reads data written with the new one.
    Forward,
    /// Every earlier schema reads data written with the new one.
    ForwardTransitive,
    /// Backward and forward against the latest.
    Full,
    /// Backward and forward against every earlier schema.
    FullTransitive,
}

impl CompatibilityLevel {
    /// All levels, in the order the REST API documents them.
    pub const ALL: [CompatibilityLevel; 7] = [
        CompatibilityLevel::None,
        CompatibilityLevel::Backward,
        CompatibilityLevel::BackwardTransitive,
        CompatibilityLevel::Forward,
        CompatibilityLevel::ForwardTransitive,
        CompatibilityLevel::Full,
        CompatibilityLevel::FullTransitive,
    ];

    /// The name the REST API uses.
    pub fn as_str(&self) -> &'static str {
        match self {
            CompatibilityLevel::None => "NONE",
            CompatibilityLevel::Backward => "BACKWARD",
            CompatibilityLevel::BackwardTransitive => "BACKWARD_TRANSITIVE",
            CompatibilityLevel::Forward => "FORWARD",
            CompatibilityLevel::ForwardTransitive => "FORWARD_TRANSITIVE",
            CompatibilityLevel::Full => "FULL",
            CompatibilityLevel::FullTransitive => "FULL_TRANSITIVE",
        }
    }

    /// Checked against every earlier version, not only the latest.
    pub fn is_transitive(&self) -> bool {
        matches!(
            self,
            CompatibilityLevel::BackwardTransitive
                | CompatibilityLevel::ForwardTransitive
                | CompatibilityLevel::FullTransitive
        )
    }

    /// The new schema must read data written with earlier ones.
    pub fn checks_backward(&self) -> bool {
        matches!(
            self,
            CompatibilityLevel::Backward
                | CompatibilityLevel::BackwardTransitive
                | CompatibilityLevel::Full
                | CompatibilityLevel::FullTransitive
        )
    }

    /// Earlier schemas must read data written with the new one.
    pub fn checks_forward(&self) -> bool {
        matches!(
            self,
            CompatibilityLevel::Forward
                | CompatibilityLevel::ForwardTransitive
                | CompatibilityLevel::Full
                | CompatibilityLevel::FullTransitive
        )
    }
}

impl fmt::Display for CompatibilityLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CompatibilityLevel {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        CompatibilityLevel::ALL
            .into_iter()
            .find(|level| level.as_str().eq_ignore_ascii_case(text))
            .ok_or_else(|| {
                Error::registry(
                    ErrorCode::InvalidCompatibilityLevel,
                    format!(
                        "Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive (got '{text}')"
                    ),
                )
            })
    }
}

/// Whether a registry or subject takes writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Mode {
    /// Reads and writes (the default).
    #[default]
    Readwrite,
    /// Reads only: registering or deleting fails with 42205.
    Readonly,
    /// Imports schemas with given ids (accepted, kept, and treated as read-write here).
    Import,
}

impl Mode {
    /// The name the REST API uses.
    pub fn as_str(&self) -> &'static str {
        match self {
            Mode::Readwrite => "READWRITE",
            Mode::Readonly => "READONLY",
            Mode::Import => "IMPORT",
        }
    }
}

impl FromStr for Mode {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        [Mode::Readwrite, Mode::Readonly, Mode::Import]
            .into_iter()
            .find(|mode| mode.as_str().eq_ignore_ascii_case(text))
            .ok_or_else(|| {
                Error::registry(
                    ErrorCode::InvalidMode,
                    format!("Invalid mode. Valid values are READWRITE, READONLY, IMPORT (got '{text}')"),
                )
            })
    }
}

/// The answer to a compatibility check: `POST /compatibility/...`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CompatibilityReport {
    /// Whether the schema is compatible.
    pub is_compatible: bool,
    /// Why not, one reason a line (only when asked for `verbose`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<String>,
}

/// Which subjects `GET /subjects` lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubjectFilter {
    /// Only subjects starting with this.
    pub prefix: Option<String>,
    /// Include soft-deleted subjects.
    pub deleted: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn avro_schema_json_omits_type_and_empty_references() {
        let json = serde_json::to_string(&Schema::avro("\"string\"")).unwrap();
        assert_eq!(json, r#"{"schema":"\"string\""}"#);
        let parsed: Schema = serde_json::from_str(
            r#"{"schema":"{}","schemaType":"JSON","references":[{"name":"a","subject":"s","version":2}]}"#,
        )
        .unwrap();
        assert_eq!(parsed.schema_type, SchemaType::Json);
        assert_eq!(parsed.references[0].version, 2);
    }

    #[test]
    fn versions_and_levels_parse_or_name_the_bad_value() {
        assert_eq!("latest".parse::<Version>().unwrap(), Version::Latest);
        assert_eq!("-1".parse::<Version>().unwrap(), Version::Latest);
        assert_eq!("3".parse::<Version>().unwrap(), Version::Number(3));
        let err = "0".parse::<Version>().unwrap_err();
        assert_eq!(err.code(), Some(ErrorCode::InvalidVersion));
        assert_eq!(
            "full_transitive".parse::<CompatibilityLevel>().unwrap(),
            CompatibilityLevel::FullTransitive
        );
        let err = "sideways".parse::<CompatibilityLevel>().unwrap_err();
        assert!(err.to_string().contains("sideways"));
        assert_eq!("readonly".parse::<Mode>().unwrap(), Mode::Readonly);
        assert_eq!(
            serde_json::to_string(&CompatibilityLevel::BackwardTransitive).unwrap(),
            "\"BACKWARD_TRANSITIVE\""
        );
    }
}
