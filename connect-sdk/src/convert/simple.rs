//! Kafka's StringConverter, ByteArrayConverter and number converters.

use super::Converter;
use crate::data::{Schema, Type, Value};
use crate::error::{Error, Result};

/// Kafka's `org.apache.kafka.connect.storage.StringConverter`: a value's text as UTF-8;
/// bytes read as an optional string.
#[derive(Debug, Default, Clone, Copy)]
pub struct StringConverter;

impl Converter for StringConverter {
    fn encode(&mut self, _topic: &str, _schema: Option<&Schema>, value: &Value) -> Result<Option<Vec<u8>>> {
        let text = match value {
            Value::Null => return Ok(None),
            Value::String(s) => s.clone(),
            Value::Boolean(v) => v.to_string(),
            Value::Int8(v) => v.to_string(),
            Value::Int16(v) => v.to_string(),
            Value::Int32(v) | Value::Date(v) | Value::Time(v) => v.to_string(),
            Value::Int64(v) | Value::Timestamp(v) => v.to_string(),
            Value::Float32(v) => {
                let mut s = String::new();
                crate::convert::json::text::float(&mut s, *v);
                s
            }
            Value::Float64(v) => {
                let mut s = String::new();
                crate::convert::json::text::double(&mut s, *v);
                s
            }
            Value::Decimal(d) => d.to_string(),
            other => {
                return Err(Error::data(format!(
                    "StringConverter writes strings, numbers and booleans, not {}",
                    other.describe()
                )));
            }
        };
        Ok(Some(text.into_bytes()))
    }

    fn decode(&mut self, topic: &str, bytes: Option<&[u8]>) -> Result<(Option<Schema>, Value)> {
        let value = match bytes {
            None => Value::Null,
            Some(bytes) => {
                Value::String(String::from_utf8(bytes.to_vec()).map_err(|e| Error::Deserialize {
                    topic: topic.to_owned(),
                    reason: format!("not UTF-8: {e}"),
                })?)
            }
        };
        Ok((Some(Schema::optional_string()), value))
    }
}

/// Kafka's `org.apache.kafka.connect.converters.ByteArrayConverter`: bytes as they
/// are.
#[derive(Debug, Default, Clone, Copy)]
pub struct ByteArrayConverter;

impl Converter for ByteArrayConverter {
    fn encode(&mut self, _topic: &str, schema: Option<&Schema>, value: &Value) -> Result<Option<Vec<u8>>> {
        if let Some(schema) = schema
            && schema.kind() != Type::Bytes
        {
            return Err(Error::data(format!(
                "Invalid schema type for ByteArrayConverter: {}",
                schema.kind()
            )));
        }
        match value {
            Value::Null => Ok(None),
            Value::Bytes(b) => Ok(Some(b.clone())),
            other => Err(Error::data(format!(
                "ByteArrayConverter is not compatible with objects of type {}",
                other.describe()
            ))),
        }
    }

    fn decode(&mut self, _topic: &str, bytes: Option<&[u8]>) -> Result<(Option<Schema>, Value)> {
        let value = bytes.map_or(Value::Null, |b| Value::Bytes(b.to_vec()));
        Ok((Some(Schema::optional_bytes()), value))
    }
}

/// Kafka's number converters (`IntegerConverter`, `LongConverter`, `ShortConverter`,
/// `FloatConverter`, `DoubleConverter`): a number in big-endian bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NumberConverter {
    kind: Type,
}

impl NumberConverter {
    /// A converter of `kind`: int16, int32, int64, float32 or float64.
    pub fn new(kind: Type) -> Result<Self> {
        match kind {
            Type::Int16 | Type::Int32 | Type::Int64 | Type::Float32 | Type::Float64 => {
                Ok(NumberConverter { kind })
            }
            other => Err(Error::data(format!("No number converter for {other}"))),
        }
    }

    fn schema(&self) -> Schema {
        crate::data::SchemaBuilder::new(self.kind).optional().build()
    }
}

impl Converter for NumberConverter {
    fn encode(&mut self, topic: &str, schema: Option<&Schema>, value: &Value) -> Result<Option<Vec<u8>>> {
        if let Some(schema) = schema
            && schema.kind() != self.kind
        {
            return Err(Error::data(format!(
                "Failed to serialize to {} (was {}) for topic {topic}",
                self.kind,
                schema.kind()
            )));
        }
        let bytes = match (self.kind, value) {
            (_, Value::Null) => return Ok(None),
            (Type::Int16, Value::Int16(v)) => v.to_be_bytes().to_vec(),
            (Type::Int32, Value::Int32(v)) => v.to_be_bytes().to_vec(),
            (Type::Int64, Value::Int64(v)) => v.to_be_bytes().to_vec(),
            (Type::Float32, Value::Float32(v)) => v.to_be_bytes().to_vec(),
            (Type::Float64, Value::Float64(v)) => v.to_be_bytes().to_vec(),
            (kind, other) => {
                return Err(Error::data(format!(
                    "Failed to serialize to {kind} (was {}) for topic {topic}",
                    other.describe()
                )));
            }
        };
        Ok(Some(bytes))
    }

    fn decode(&mut self, topic: &str, bytes: Option<&[u8]>) -> Result<(Option<Schema>, Value)> {
        let Some(bytes) = bytes else {
            return Ok((Some(self.schema()), Value::Null));
        };
        let wrong = || Error::Deserialize {
            topic: topic.to_owned(),
            reason: format!("{} bytes do not make {}", bytes.len(), self.kind),
        };
        let value = match self.kind {
            Type::Int16 => Value::Int16(i16::from_be_bytes(bytes.try_into().map_err(|_| wrong())?)),
            Type::Int32 => Value::Int32(i32::from_be_bytes(bytes.try_into().map_err(|_| wrong())?)),
            Type::Int64 => Value::Int64(i64::from_be_bytes(bytes.try_into().map_err(|_| wrong())?)),
            Type::Float32 => Value::Float32(f32::from_be_bytes(bytes.try_into().map_err(|_| wrong())?)),
            _ => Value::Float64(f64::from_be_bytes(bytes.try_into().map_err(|_| wrong())?)),
        };
        Ok((Some(self.schema()), value))
    }
}
