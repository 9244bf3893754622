//! The header transforms: `InsertHeader`, `DropHeaders`, and `HeaderFrom$Key`/`$Value`.

use super::insert_field::copy_basics;
use super::{Part, Transform, map_get, require_map, require_struct};
use crate::config::ConfigReader;
use crate::data::{Schema, Struct, Value};
use crate::error::{Error, Result};
use crate::record::{ConnectRecord, Header};

/// `org.apache.kafka.connect.transforms.InsertHeader`: adds a header whose value is
/// `value.literal`, typed as Kafka's `Values.parseString` types it (a boolean, the
/// smallest integer type that holds it, a float, or a string).
#[derive(Debug, Clone)]
pub struct InsertHeader {
    key: String,
    schema: Schema,
    value: Value,
}

impl InsertHeader {
    /// Configured by `header` and `value.literal`.
    pub fn configure(config: &ConfigReader<'_>) -> Result<Self> {
        let key = config.required_string("header")?.to_owned();
        let literal = config.required_string("value.literal")?;
        let (schema, value) = parse_literal(literal);
        Ok(InsertHeader { key, schema, value })
    }
}

/// A literal typed the way Kafka's `Values.parseString` types it.
pub(crate) fn parse_literal(text: &str) -> (Schema, Value) {
    let trimmed = text.trim();
    if trimmed.eq_ignore_ascii_case("true") || trimmed.eq_ignore_ascii_case("false") {
        return (
            Schema::boolean(),
            Value::Boolean(trimmed.eq_ignore_ascii_case("true")),
        );
    }
    if let Ok(v) = trimmed.parse::<i64>() {
        return if let Ok(v) = i8::try_from(v) {
            (Schema::int8(), Value::Int8(v))
        } else if let Ok(v) = i16::try_from(v) {
            (Schema::int16(), Value::Int16(v))
        } else if let Ok(v) = i32::try_from(v) {
            (Schema::int32(), Value::Int32(v))
        } else {
            (Schema::int64(), Value::Int64(v))
        };
    }
    if trimmed.contains(['.', 'e', 'E'])
        && trimmed
            .bytes()
            .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
        && let Ok(v) = trimmed.parse::<f64>()
        && v.is_finite()
    {
        // A float when in a float's range, as Kafka types it.
        return if v.abs() <= f64::from(f32::MAX) {
            (
                Schema::float32(),
                Value::Float32(trimmed.parse().unwrap_or(v as f32)),
            )
        } else {
            (Schema::float64(), Value::Float64(v))
        };
    }
    (Schema::string(), Value::String(text.to_owned()))
}

impl Transform for InsertHeader {
    fn apply(&mut self, mut record: ConnectRecord) -> Result<Option<ConnectRecord>> {
        record.headers.push(Header {
            key: self.key.clone(),
            schema: Some(self.schema.clone()),
            value: self.value.clone(),
        });
        Ok(Some(record))
    }
}

/// `org.apache.kafka.connect.transforms.DropHeaders`: removes every header with one of
/// the `headers` keys.
#[derive(Debug, Clone)]
pub struct DropHeaders {
    keys: Vec<String>,
}

impl DropHeaders {
    /// Configured by `headers` (a non-empty list).
    pub fn configure(config: &ConfigReader<'_>) -> Result<Self> {
        Ok(DropHeaders {
            keys: config.non_empty_list("headers")?,
        })
    }
}

impl Transform for DropHeaders {
    fn apply(&mut self, mut record: ConnectRecord) -> Result<Option<ConnectRecord>> {
        record.headers.retain(|h| !self.keys.contains(&h.key));
        Ok(Some(record))
    }
}

/// `org.apache.kafka.connect.transforms.HeaderFrom$Key` and `$Value`: fields copied
/// (`operation=copy`) or moved (`move`) into headers, the i-th of `fields` to the i-th
/// of `headers`.
#[derive(Debug, Clone)]
pub struct HeaderFrom {
    part: Part,
    fields: Vec<String>,
    headers: Vec<String>,
    moving: bool,
    replace_null_with_default: bool,
}

impl HeaderFrom {
    /// Configured by `fields`, `headers` (as many), `operation` and
    /// `replace.null.with.default`.
    pub fn configure(part: Part, config: &ConfigReader<'_>) -> Result<Self> {
        let fields = config.non_empty_list("fields")?;
        let headers = config.non_empty_list("headers")?;
        let operation = config.one_of("operation", &["move", "copy"])?;
        if fields.len() != headers.len() {
            return Err(Error::config_message(
                "fields",
                "'fields' config must have the same number of elements as 'headers' config.",
            ));
        }
        Ok(HeaderFrom {
            part,
            fields,
            headers,
            moving: operation == "move",
            replace_null_with_default: config.boolean("replace.null.with.default", true)?,
        })
    }
}

impl Transform for HeaderFrom {
    fn apply(&mut self, record: ConnectRecord) -> Result<Option<ConnectRecord>> {
        let purpose = if self.moving { "header move" } else { "header copy" };
        let (schema, value) = self.part.of(&record);
        let mut headers = Vec::new();
        let Some(schema) = schema.cloned() else {
            let entries = require_map(value, purpose)?;
            for (field, header) in self.fields.iter().zip(&self.headers) {
                headers.push(Header {
                    key: header.clone(),
                    schema: None,
                    value: map_get(entries, field).clone(),
                });
            }
            let kept = if self.moving {
                let kept = entries
                    .iter()
                    .filter(|(k, _)| !self.fields.iter().any(|f| k.as_str() == Some(f.as_str())))
                    .cloned()
                    .collect();
                Some(Value::Map(kept))
            } else {
                None
            };
            let mut record = match kept {
                Some(kept) => self.part.replace(record, None, kept),
                None => record,
            };
            record.headers.extend(headers);
            return Ok(Some(record));
        };
        let original = require_struct(value, purpose)?;
        for (field, header) in self.fields.iter().zip(&self.headers) {
            let f = schema
                .field(field)
                .ok_or_else(|| Error::data(format!("Field {field} not found in schema")))?;
            let v = if self.replace_null_with_default {
                original.get_or_default(field)?
            } else {
                original.get(field)?
            };
            headers.push(Header {
                key: header.clone(),
                schema: Some(f.schema().clone()),
                value: v.clone(),
            });
        }
        let moved = if self.moving {
            let mut builder = copy_basics(&schema);
            for f in schema
                .fields()
                .iter()
                .filter(|f| !self.fields.iter().any(|n| n == f.name()))
            {
                builder = builder.field(f.name(), f.schema().clone())?;
            }
            let moved_schema = if schema.is_optional() {
                builder.optional()
            } else {
                builder
            }
            .build();
            let mut moved = Struct::new(moved_schema.clone())?;
            for f in moved_schema.fields() {
                moved.put_unchecked(f.index(), original.get(f.name())?.clone());
            }
            Some((moved_schema, Value::Struct(moved)))
        } else {
            None
        };
        let mut record = match moved {
            Some((schema, value)) => self.part.replace(record, Some(schema), value),
            None => record,
        };
        record.headers.extend(headers);
        Ok(Some(record))
    }
}
