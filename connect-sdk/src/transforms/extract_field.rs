//! `org.apache.kafka.connect.transforms.ExtractField$Key` and `$Value`: a part becomes
//! one of its fields.

use super::{Part, Transform, map_get, require_map, require_struct};
use crate::config::ConfigReader;
use crate::data::Value;
use crate::error::{Error, Result};
use crate::record::ConnectRecord;

const PURPOSE: &str = "field extraction";

/// Replaces the key or value (a struct, or schemaless a map) with its `field`; a null
/// part stays null.
#[derive(Debug, Clone)]
pub struct ExtractField {
    part: Part,
    field: String,
    replace_null_with_default: bool,
}

impl ExtractField {
    /// Configured by `field`, `replace.null.with.default` and `field.syntax.version`
    /// (`V1`, the default, where a field name is taken whole; nested paths of `V2` are
    /// refused).
    pub fn configure(part: Part, config: &ConfigReader<'_>) -> Result<Self> {
        let field = config.required_string("field")?.to_owned();
        if field.is_empty() {
            return Err(Error::config("field", "", "String must be non-empty"));
        }
        let syntax = config.choice("field.syntax.version", &["V1", "V2"], "V1")?;
        if syntax == "V2" {
            return Err(Error::config(
                "field.syntax.version",
                "V2",
                "nested field paths (V2) are not supported by this transform; use V1",
            ));
        }
        Ok(ExtractField {
            part,
            field,
            replace_null_with_default: config.boolean("replace.null.with.default", true)?,
        })
    }
}

impl Transform for ExtractField {
    fn apply(&mut self, record: ConnectRecord) -> Result<Option<ConnectRecord>> {
        let (schema, value) = self.part.of(&record);
        let Some(schema) = schema else {
            let extracted = match value {
                Value::Null => Value::Null,
                value => map_get(require_map(value, PURPOSE)?, &self.field).clone(),
            };
            return Ok(Some(self.part.replace(record, None, extracted)));
        };
        if !value.is_null() {
            require_struct(value, PURPOSE)?;
        }
        let field = schema
            .field(&self.field)
            .ok_or_else(|| Error::InvalidArgument(format!("Unknown field: {}", self.field)))?;
        let (field_schema, index) = (field.schema().clone(), field.index());
        // The struct is the record's own: the field is moved out of it.
        let mut record = record;
        let extracted = match self.part.take(&mut record).1 {
            Value::Struct(mut s) => match s.take_at(index) {
                Value::Null if self.replace_null_with_default => {
                    field_schema.default_value().cloned().unwrap_or(Value::Null)
                }
                v => v,
            },
            _ => Value::Null,
        };
        Ok(Some(self.part.replace(record, Some(field_schema), extracted)))
    }
}
