//! `org.apache.kafka.connect.transforms.Flatten$Key` and `$Value`: nested structs (or
//! maps) become top-level fields named by their path.

use std::collections::HashMap;

use super::insert_field::copy_basics;
use super::{Part, Transform, java_class, require_map, require_struct};
use crate::config::ConfigReader;
use crate::data::{Schema, SchemaBuilder, Struct, Type, Value};
use crate::error::{Error, Result};
use crate::record::ConnectRecord;

const PURPOSE: &str = "flattening";

/// Flattens the key or value: a nested field `b` of `a` becomes `a.b` (the delimiter is
/// `delimiter`, `.` by default). A field under an optional struct becomes optional. As
/// in Kafka, a map field of a record with a schema is an error.
#[derive(Debug)]
pub struct Flatten {
    part: Part,
    delimiter: String,
    schemas: HashMap<usize, (Schema, Schema)>,
}

impl Flatten {
    /// Configured by `delimiter`.
    pub fn configure(part: Part, config: &ConfigReader<'_>) -> Result<Self> {
        Ok(Flatten {
            part,
            delimiter: config.string("delimiter").unwrap_or(".").to_owned(),
            schemas: HashMap::new(),
        })
    }

    fn name(&self, prefix: &str, field: &str) -> String {
        if prefix.is_empty() {
            field.to_owned()
        } else {
            format!("{prefix}{}{field}", self.delimiter)
        }
    }

    fn flatten_map(
        &self,
        prefix: &str,
        entries: &[(Value, Value)],
        out: &mut Vec<(Value, Value)>,
    ) -> Result<()> {
        for (key, value) in entries {
            let Value::String(key) = key else {
                return Err(Error::data(format!(
                    "Flatten transformation does not support class {} keys in maps",
                    java_class(key)
                )));
            };
            let name = self.name(prefix, key);
            match value {
                Value::Map(nested) => self.flatten_map(&name, nested, out)?,
                Value::Struct(_) => {
                    return Err(Error::data(format!(
                        "Flatten transformation does not support STRUCT for record without schemas (for field {name})."
                    )));
                }
                other => out.push((Value::String(name), other.clone())),
            }
        }
        Ok(())
    }

    fn flatten_schema(
        &self,
        schema: &Schema,
        prefix: &str,
        optional: bool,
        out: &mut SchemaBuilder,
    ) -> Result<()> {
        for field in schema.fields() {
            let name = self.name(prefix, field.name());
            let field_optional = optional || field.schema().is_optional();
            let field_schema = field.schema();
            if field_schema.kind() == Type::Struct {
                self.flatten_schema(field_schema, &name, field_optional, out)?;
            } else if field_schema.kind() == Type::Map {
                return Err(Error::data(format!(
                    "Flatten transformation does not support MAP for record with schemas (for field {name})."
                )));
            } else {
                let mut builder = field_schema.to_builder().required();
                if field_optional {
                    builder = builder.optional();
                }
                *out = std::mem::replace(out, SchemaBuilder::record()).field(name, builder.build())?;
            }
        }
        Ok(())
    }

    fn flatten_struct(
        &self,
        value: Option<&Struct>,
        schema: &Schema,
        prefix: &str,
        out: &mut Struct,
    ) -> Result<()> {
        for field in schema.fields() {
            let name = self.name(prefix, field.name());
            let v = match value {
                Some(s) => s.get_at(field.index()),
                None => &Value::Null,
            };
            if field.schema().kind() == Type::Struct {
                self.flatten_struct(v.as_struct(), field.schema(), &name, out)?;
            } else {
                out.put(&name, v.clone())?;
            }
        }
        Ok(())
    }
}

impl Transform for Flatten {
    fn apply(&mut self, record: ConnectRecord) -> Result<Option<ConnectRecord>> {
        let (schema, value) = self.part.of(&record);
        let Some(schema) = schema.cloned() else {
            if value.is_null() {
                return Ok(Some(record));
            }
            let mut flat = Vec::new();
            self.flatten_map("", require_map(value, PURPOSE)?, &mut flat)?;
            return Ok(Some(self.part.replace(record, None, Value::Map(flat))));
        };
        let original = match value {
            Value::Null => None,
            value => Some(require_struct(value, PURPOSE)?),
        };
        let flat_schema = match self.schemas.get(&schema.address()) {
            Some((_, flat)) => flat.clone(),
            None => {
                let mut builder = copy_basics(&schema);
                if schema.is_optional() {
                    builder = builder.optional();
                }
                self.flatten_schema(&schema, "", false, &mut builder)?;
                let flat = builder.build();
                self.schemas
                    .insert(schema.address(), (schema.clone(), flat.clone()));
                flat
            }
        };
        let Some(original) = original else {
            return Ok(Some(self.part.replace(record, Some(flat_schema), Value::Null)));
        };
        let mut flat = Struct::new(flat_schema.clone())?;
        self.flatten_struct(Some(original), &schema, "", &mut flat)?;
        Ok(Some(self.part.replace(
            record,
            Some(flat_schema),
            Value::Struct(flat),
        )))
    }
}
