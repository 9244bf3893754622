//! `org.apache.kafka.connect.transforms.MaskField$Key` and `$Value`: fields replaced by
//! a null-like value of their type, or by a replacement.

use super::{Part, Transform, java_class, require_map, require_struct};
use crate::config::ConfigReader;
use crate::data::{Decimal, Value};
use crate::error::{Error, Result};
use crate::record::ConnectRecord;

const PURPOSE: &str = "mask fields";

/// Masks `fields` of the key or value: each becomes the zero of its type (`0`, `""`,
/// `false`, an empty array or map, the epoch) or, with `replacement`, that text read
/// as the field's type. A null part stays null.
#[derive(Debug, Clone)]
pub struct MaskField {
    part: Part,
    fields: Vec<String>,
    replacement: Option<String>,
}

impl MaskField {
    /// Configured by `fields` (a non-empty list) and `replacement` (non-empty when
    /// set).
    pub fn configure(part: Part, config: &ConfigReader<'_>) -> Result<Self> {
        let fields = config.non_empty_list("fields")?;
        let replacement = config.string("replacement").map(str::to_owned);
        if replacement.as_deref() == Some("") {
            return Err(Error::config("replacement", "", "String must be non-empty"));
        }
        Ok(MaskField {
            part,
            fields,
            replacement,
        })
    }

    fn masked(&self, value: &Value) -> Result<Value> {
        if value.is_null() {
            return Ok(Value::Null);
        }
        match &self.replacement {
            None => zero(value),
            Some(text) => replaced(value, text),
        }
    }
}

/// The value Kafka masks `value` with when no replacement is set.
fn zero(value: &Value) -> Result<Value> {
    Ok(match value {
        Value::Boolean(_) => Value::Boolean(false),
        Value::Int8(_) => Value::Int8(0),
        Value::Int16(_) => Value::Int16(0),
        Value::Int32(_) => Value::Int32(0),
        Value::Int64(_) => Value::Int64(0),
        Value::Float32(_) => Value::Float32(0.0),
        Value::Float64(_) => Value::Float64(0.0),
        Value::String(_) => Value::String(String::new()),
        Value::Decimal(_) => Value::Decimal(Decimal::new(0, 0)),
        Value::Date(_) => Value::Date(0),
        Value::Time(_) => Value::Time(0),
        Value::Timestamp(_) => Value::Timestamp(0),
        Value::Array(_) => Value::Array(Vec::new()),
        Value::Map(_) => Value::Map(Vec::new()),
        other => {
            return Err(Error::data(format!(
                "Cannot mask value of type: class {}",
                java_class(other)
            )));
        }
    })
}

/// `text` read as the type of `value`, as Kafka reads a replacement.
fn replaced(value: &Value, text: &str) -> Result<Value> {
    let not_a_number = || {
        Error::data(format!(
            "Unable to convert {text} (class java.lang.String) to a number"
        ))
    };
    Ok(match value {
        Value::String(_) => Value::String(text.to_owned()),
        Value::Int8(_) => Value::Int8(text.parse().map_err(|_| not_a_number())?),
        Value::Int16(_) => Value::Int16(text.parse().map_err(|_| not_a_number())?),
        Value::Int32(_) => Value::Int32(text.parse().map_err(|_| not_a_number())?),
        Value::Int64(_) => Value::Int64(text.parse().map_err(|_| not_a_number())?),
        Value::Float32(_) => Value::Float32(text.parse().map_err(|_| not_a_number())?),
        Value::Float64(_) => Value::Float64(text.parse().map_err(|_| not_a_number())?),
        Value::Decimal(_) => Value::Decimal(Decimal::parse(text).map_err(|_| not_a_number())?),
        other => {
            return Err(Error::data(format!(
                "Cannot mask value of type class {} with custom replacement.",
                java_class(other)
            )));
        }
    })
}

impl Transform for MaskField {
    fn apply(&mut self, record: ConnectRecord) -> Result<Option<ConnectRecord>> {
        let (schema, value) = self.part.of(&record);
        let Some(schema) = schema.cloned() else {
            let entries = require_map(value, PURPOSE)?;
            let mut masked = entries.to_vec();
            for field in &self.fields {
                let current = masked
                    .iter()
                    .position(|(k, _)| k.as_str() == Some(field.as_str()));
                match current {
                    Some(at) => masked[at].1 = self.masked(&masked[at].1)?,
                    None => masked.push((Value::String(field.clone()), Value::Null)),
                }
            }
            return Ok(Some(self.part.replace(record, None, Value::Map(masked))));
        };
        require_struct(value, PURPOSE)?;
        // The struct is the record's own: its masked fields are replaced in place.
        let mut record = record;
        let (_, taken) = self.part.take(&mut record);
        let Value::Struct(mut masked) = taken else {
            unreachable!("checked to be a struct")
        };
        for field in schema.fields() {
            if self.fields.iter().any(|f| f == field.name()) {
                let v = masked.take_at(field.index());
                masked.put_unchecked(field.index(), self.masked(&v)?);
            }
        }
        Ok(Some(self.part.replace(
            record,
            Some(schema),
            Value::Struct(masked),
        )))
    }
}
