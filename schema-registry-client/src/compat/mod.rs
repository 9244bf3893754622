//! The Avro compatibility checker: every level of the registry, with reasons a person
//! can act on. Usable on its own, for example in a CI step before a schema change is
//! deployed:
//!
//! ```
//! use schema_registry_client::compat::check_compatibility;
//! use schema_registry_client::CompatibilityLevel;
//!
//! let v1 = r#"{"type":"record","name":"Member","fields":[{"name":"id","type":"long"}]}"#;
//! let v2 = r#"{"type":"record","name":"Member","fields":[{"name":"id","type":"long"},
//!             {"name":"level","type":"string"}]}"#;
//! let report = check_compatibility(CompatibilityLevel::Backward, v2, &[v1]).unwrap();
//! assert!(!report.is_compatible);
//! assert!(report.messages[0].contains("field `level`"), "{}", report.messages[0]);
//! assert!(report.messages[0].contains("added without a default"));
//! ```

mod pair;

pub use pair::{Incompatibility, Problem, check_pair};

/// A short name for a schema's type (`long`, `record com.acme.Order`), for messages.
pub fn type_label(schema: &apache_avro::Schema) -> String {
    pair::type_name(schema)
}

use crate::avro::ParsedAvro;
use crate::error::Result;
use crate::model::{CompatibilityLevel, CompatibilityReport};

/// Which way data flows in one pairwise check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    /// The new schema reads data written with an earlier one.
    Backward,
    /// An earlier schema reads data written with the new one.
    Forward,
}

/// An earlier schema to check against, with the label messages use for it
/// ("version 3").
#[derive(Debug)]
pub struct Earlier<'a> {
    /// How messages name it.
    pub label: String,
    /// The schema.
    pub schema: &'a ParsedAvro,
}

/// Checks `new` against `earlier` (oldest first) at `level`; returns one message per
/// incompatibility, empty when compatible. Non-transitive levels check the last
/// earlier schema only.
pub fn check_against(level: CompatibilityLevel, new: &ParsedAvro, earlier: &[Earlier<'_>]) -> Vec<String> {
    if level == CompatibilityLevel::None || earlier.is_empty() {
        return Vec::new();
    }
    let targets = if level.is_transitive() {
        earlier
    } else {
        &earlier[earlier.len() - 1..]
    };
    let new_names = new.names();
    let mut messages = Vec::new();
    for old in targets {
        let old_names = old.schema.names();
        if level.checks_backward() {
            for found in check_pair(&new.root, &new_names, &old.schema.root, &old_names) {
                messages.push(explain(&found, Direction::Backward, &old.label));
            }
        }
        if level.checks_forward() {
            for found in check_pair(&old.schema.root, &old_names, &new.root, &new_names) {
                messages.push(explain(&found, Direction::Forward, &old.label));
            }
        }
    }
    messages
}

/// Checks the Avro schema `new` against `earlier` schema texts (oldest first, named
/// "version 1", "version 2", ... in messages) at `level`.
pub fn check_compatibility(
    level: CompatibilityLevel,
    new: &str,
    earlier: &[&str],
) -> Result<CompatibilityReport> {
    let new = ParsedAvro::parse(new, &[])?;
    let parsed = earlier
        .iter()
        .map(|text| ParsedAvro::parse(text, &[]))
        .collect::<Result<Vec<_>>>()?;
    let earlier: Vec<Earlier<'_>> = parsed
        .iter()
        .enumerate()
        .map(|(i, schema)| Earlier {
            label: format!("version {}", i + 1),
            schema,
        })
        .collect();
    let messages = check_against(level, &new, &earlier);
    Ok(CompatibilityReport {
        is_compatible: messages.is_empty(),
        messages,
    })
}

fn explain(found: &Incompatibility, direction: Direction, old: &str) -> String {
    let (reader, writer) = match direction {
        Direction::Backward => ("the new schema".to_owned(), old.to_owned()),
        Direction::Forward => (old.to_owned(), "the new schema".to_owned()),
    };
    let path = &found.path;
    let what = match (&found.problem, direction) {
        (Problem::FieldMissingDefault { record, field }, Direction::Backward) => format!(
            "field `{field}` of record `{record}` was added without a default, so the new schema cannot read data written with {old}"
        ),
        (Problem::FieldMissingDefault { record, field }, Direction::Forward) => format!(
            "field `{field}` of record `{record}` was removed, but {old} has no default for it, so {old} cannot read data written with the new schema"
        ),
        (Problem::MissingEnumSymbols { name, symbols }, Direction::Backward) => format!(
            "enum `{name}` lost the symbols {symbols:?} and has no default, so the new schema cannot read data written with {old}"
        ),
        (Problem::MissingEnumSymbols { name, symbols }, Direction::Forward) => format!(
            "enum `{name}` gained the symbols {symbols:?}, which {old} cannot read because it has no default symbol"
        ),
        (Problem::TypeMismatch { reader: r, writer: w }, _) => {
            format!("{reader} expects `{r}` where {writer} has `{w}`, and `{w}` cannot be promoted to `{r}`")
        }
        (Problem::NameMismatch { reader: r, writer: w }, _) => format!(
            "{reader} names the type `{r}` where {writer} names it `{w}` (add an alias `{w}` to keep them matched)"
        ),
        (
            Problem::FixedSizeMismatch {
                name,
                reader: r,
                writer: w,
            },
            _,
        ) => format!("fixed `{name}` is {r} bytes in {reader} but {w} bytes in {writer}"),
        (Problem::MissingUnionBranch { writer: w }, _) => {
            format!("{writer} can write `{w}` in this union, which {reader} cannot read")
        }
    };
    format!("{what} (at {path})")
}
