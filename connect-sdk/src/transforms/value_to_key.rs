//! `org.apache.kafka.connect.transforms.ValueToKey`: the key becomes fields of the
//! value.

use std::collections::HashMap;

use super::{Transform, map_get, require_map, require_struct};
use crate::config::ConfigReader;
use crate::data::{Schema, SchemaBuilder, Struct, Value};
use crate::error::{Error, Result};
use crate::record::ConnectRecord;

const PURPOSE: &str = "copying fields from value to key";

/// Replaces the key with a struct (or, schemaless, a map) of the value's `fields`.
#[derive(Debug)]
pub struct ValueToKey {
    fields: Vec<String>,
    replace_null_with_default: bool,
    /// Key schemas made for value schemas, by the value schema's address.
    key_schemas: HashMap<usize, (Schema, Schema)>,
}

impl ValueToKey {
    /// Configured by `fields` (a non-empty list) and `replace.null.with.default`.
    pub fn configure(config: &ConfigReader<'_>) -> Result<Self> {
        Ok(ValueToKey {
            fields: config.non_empty_list("fields")?,
            replace_null_with_default: config.boolean("replace.null.with.default", true)?,
            key_schemas: HashMap::new(),
        })
    }

    fn key_schema(&mut self, value_schema: &Schema) -> Result<Schema> {
        if let Some((_, key)) = self.key_schemas.get(&value_schema.address()) {
            return Ok(key.clone());
        }
        let mut builder = SchemaBuilder::record();
        for name in &self.fields {
            let field = value_schema
                .field(name)
                .ok_or_else(|| Error::data(format!("Field does not exist: {name}")))?;
            builder = builder.field(name.clone(), field.schema().clone())?;
        }
        let key = builder.build();
        self.key_schemas
            .insert(value_schema.address(), (value_schema.clone(), key.clone()));
        Ok(key)
    }
}

impl Transform for ValueToKey {
    fn apply(&mut self, record: ConnectRecord) -> Result<Option<ConnectRecord>> {
        let Some(value_schema) = record.value_schema.clone() else {
            let entries = require_map(&record.value, PURPOSE)?;
            let key = self
                .fields
                .iter()
                .map(|f| (Value::String(f.clone()), map_get(entries, f).clone()))
                .collect();
            return Ok(Some(record.with_key(None, Value::Map(key))));
        };
        let value = require_struct(&record.value, PURPOSE)?;
        let key_schema = self.key_schema(&value_schema)?;
        let mut key = Struct::new(key_schema.clone())?;
        for (index, name) in self.fields.iter().enumerate() {
            let v = if self.replace_null_with_default {
                value.get_or_default(name)?
            } else {
                value.get(name)?
            };
            key.put_unchecked(index, v.clone());
        }
        Ok(Some(record.with_key(Some(key_schema), Value::Struct(key))))
    }
}
