//! Avro schemas as the registry handles them: parsing with references, the stored
//! (whitespace-free) text, the normalized text, and the table of named types.

use std::collections::HashMap;

use apache_avro::Schema as AvroSchema;

use crate::error::{Error, Result};

/// An Avro schema parsed together with the schemas it references.
#[derive(Debug, Clone)]
pub struct ParsedAvro {
    /// The schema itself.
    pub root: AvroSchema,
    /// The referenced schemas, dependencies first.
    pub references: Vec<AvroSchema>,
}

impl ParsedAvro {
    /// Parses `text`; `references` are the texts of the schemas it refers to,
    /// dependencies first.
    pub fn parse(text: &str, references: &[String]) -> Result<Self> {
        let invalid = |e: apache_avro::Error| Error::InvalidSchema {
            reason: e.to_string(),
        };
        if references.is_empty() {
            let root = AvroSchema::parse_str(text).map_err(invalid)?;
            return Ok(ParsedAvro {
                root,
                references: Vec::new(),
            });
        }
        let (root, references) = AvroSchema::parse_str_with_list(text, references).map_err(invalid)?;
        Ok(ParsedAvro { root, references })
    }

    /// The named types (records, enums, fixed) of the schema and its references, by
    /// full name.
    pub fn names(&self) -> NamedTypes<'_> {
        let mut names = NamedTypes::default();
        for schema in self.references.iter().chain(std::iter::once(&self.root)) {
            names.collect(schema);
        }
        names
    }

    /// The normalized text: the parsed schema written back by the Avro library, so that
    /// schemas differing only in layout or in how names are qualified compare equal.
    pub fn normalized_text(&self) -> String {
        serde_json::to_string(&self.root).unwrap_or_else(|_| self.root.canonical_form())
    }
}

/// A table of named types by full name, for following `Ref`s.
#[derive(Debug, Default)]
pub struct NamedTypes<'a> {
    by_name: HashMap<String, &'a AvroSchema>,
}

impl<'a> NamedTypes<'a> {
    fn collect(&mut self, schema: &'a AvroSchema) {
        match schema {
            AvroSchema::Record(record) => {
                self.by_name.insert(record.name.to_string(), schema);
                for field in &record.fields {
                    self.collect(&field.schema);
                }
            }
            AvroSchema::Enum(e) => {
                self.by_name.insert(e.name.to_string(), schema);
            }
            AvroSchema::Fixed(f) | AvroSchema::Duration(f) => {
                self.by_name.insert(f.name.to_string(), schema);
            }
            AvroSchema::Array(array) => self.collect(&array.items),
            AvroSchema::Map(map) => self.collect(&map.types),
            AvroSchema::Union(union) => {
                for variant in union.variants() {
                    self.collect(variant);
                }
            }
            _ => {}
        }
    }

    /// Follows a `Ref` to the type it names; other schemas are returned as they are.
    pub fn resolve(&self, schema: &'a AvroSchema) -> &'a AvroSchema {
        match schema {
            AvroSchema::Ref { name } => self.by_name.get(&name.to_string()).copied().unwrap_or(schema),
            _ => schema,
        }
    }
}

/// The text the registry stores for an Avro schema given as `text`: the same JSON with
/// the whitespace between tokens removed (so re-registering a reformatted schema finds
/// the same id).
pub fn compact_json(text: &str) -> Result<String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| Error::InvalidSchema {
        reason: format!("not JSON: {e}"),
    })?;
    Ok(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_resolve_and_names_are_collected() {
        let address = r#"{"type":"record","name":"Address","namespace":"com.acme","fields":[{"name":"city","type":"string"}]}"#;
        let person = r#"{"type":"record","name":"Person","namespace":"com.acme","fields":[{"name":"home","type":"com.acme.Address"}]}"#;
        let parsed = ParsedAvro::parse(person, &[address.to_owned()]).unwrap();
        let names = parsed.names();
        assert!(names.by_name.contains_key("com.acme.Address"));
        assert!(names.by_name.contains_key("com.acme.Person"));
        let err = ParsedAvro::parse(person, &[]).unwrap_err();
        assert!(matches!(err, Error::InvalidSchema { .. }), "{err}");
    }

    #[test]
    fn compact_json_drops_layout_only() {
        assert_eq!(
            compact_json("{ \"type\" : \"string\" }").unwrap(),
            r#"{"type":"string"}"#
        );
        assert!(compact_json("{nope").is_err());
    }
}
