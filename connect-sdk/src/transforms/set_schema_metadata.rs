//! `org.apache.kafka.connect.transforms.SetSchemaMetadata$Key` and `$Value`: a part's
//! schema gets a new name or version.

use super::{Part, Transform};
use crate::config::ConfigReader;
use crate::data::{Schema, Struct, Type, Value};
use crate::error::{Error, Result};
use crate::record::ConnectRecord;

/// Sets the name and/or version of the key's or value's struct schema, the struct
/// rebuilt on the renamed schema; a null part without a schema passes unchanged, and
/// a part of another type or without a schema is an error (as in Kafka).
#[derive(Debug, Clone)]
pub struct SetSchemaMetadata {
    part: Part,
    name: Option<String>,
    version: Option<i32>,
}

impl SetSchemaMetadata {
    /// Configured by `schema.name` and `schema.version` (at least one).
    pub fn configure(part: Part, config: &ConfigReader<'_>) -> Result<Self> {
        let name = config.string("schema.name").map(str::to_owned);
        let version = match config.string("schema.version") {
            None => None,
            Some(_) => Some(config.int("schema.version", 0)?),
        };
        if name.is_none() && version.is_none() {
            return Err(Error::config_message(
                "schema.name",
                "Neither schema name nor version configured",
            ));
        }
        Ok(SetSchemaMetadata { part, name, version })
    }

    fn renamed(&self, schema: &Schema) -> Schema {
        let builder = schema.to_builder();
        let builder = match &self.name {
            Some(name) => builder.name(name.clone()),
            None => builder,
        };
        match self.version {
            Some(version) => builder.version(version),
            None => builder,
        }
        .build()
    }
}

impl Transform for SetSchemaMetadata {
    fn apply(&mut self, record: ConnectRecord) -> Result<Option<ConnectRecord>> {
        let (schema, value) = self.part.of(&record);
        let Some(schema) = schema else {
            if value.is_null() {
                return Ok(Some(record));
            }
            return Err(Error::data("Schema required for [updating schema metadata]"));
        };
        if schema.kind() != Type::Struct {
            return Err(Error::data("Cannot list fields on non-struct type"));
        }
        let renamed = self.renamed(schema);
        let value = match value {
            Value::Struct(s) => {
                let mut rebuilt = Struct::new(renamed.clone())?;
                for (index, v) in s.values().iter().enumerate() {
                    rebuilt.put_unchecked(index, v.clone());
                }
                Value::Struct(rebuilt)
            }
            other => other.clone(),
        };
        Ok(Some(self.part.replace(record, Some(renamed), value)))
    }
}
