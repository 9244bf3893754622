//! Connect values: what a schema types, with the logical types as their own variants.

use super::logical::{self, Decimal};
use super::{Schema, Struct, Type};
use crate::error::{Error, Result};

/// A Connect value. The logical types Decimal, Date, Time and Timestamp have variants
/// of their own, as Kafka Connect gives them as `BigDecimal` and `java.util.Date`.
///
/// Schemaless data (a converter with schemas off) is made of [`Value::Int64`],
/// [`Value::Float64`], [`Value::Boolean`], [`Value::String`], [`Value::Array`],
/// [`Value::Map`] with string keys, and [`Value::Null`].
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Null: no value.
    Null,
    /// `boolean`
    Boolean(bool),
    /// `int8`
    Int8(i8),
    /// `int16`
    Int16(i16),
    /// `int32`
    Int32(i32),
    /// `int64`
    Int64(i64),
    /// `float32`
    Float32(f32),
    /// `float64`
    Float64(f64),
    /// `string`
    String(String),
    /// `bytes`
    Bytes(Vec<u8>),
    /// `array`
    Array(Vec<Value>),
    /// `map`, its entries in the order they were put.
    Map(Vec<(Value, Value)>),
    /// `struct`
    Struct(Struct),
    /// The logical type Decimal (`bytes` underneath).
    Decimal(Decimal),
    /// The logical type Date: days since the epoch (`int32` underneath).
    Date(i32),
    /// The logical type Time: milliseconds since midnight (`int32` underneath).
    Time(i32),
    /// The logical type Timestamp: milliseconds since the epoch (`int64` underneath).
    Timestamp(i64),
}

impl Value {
    /// Whether it is null.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The string it holds.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The struct it holds.
    pub fn as_struct(&self) -> Option<&Struct> {
        match self {
            Value::Struct(s) => Some(s),
            _ => None,
        }
    }

    /// The value at `key` of a map with string keys.
    pub fn map_get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// What kind of value it is, for messages (`a string`, `an int32` ...).
    pub fn describe(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Boolean(_) => "a boolean",
            Value::Int8(_) => "an int8",
            Value::Int16(_) => "an int16",
            Value::Int32(_) => "an int32",
            Value::Int64(_) => "an int64",
            Value::Float32(_) => "a float32",
            Value::Float64(_) => "a float64",
            Value::String(_) => "a string",
            Value::Bytes(_) => "bytes",
            Value::Array(_) => "an array",
            Value::Map(_) => "a map",
            Value::Struct(_) => "a struct",
            Value::Decimal(_) => "a decimal",
            Value::Date(_) => "a date",
            Value::Time(_) => "a time",
            Value::Timestamp(_) => "a timestamp",
        }
    }

    /// The schema type a schemaless value of this kind has (Kafka's
    /// `ConnectSchema.schemaType` of its Java class).
    pub fn inferred_type(&self) -> Option<Type> {
        Some(match self {
            Value::Null => return None,
            Value::Boolean(_) => Type::Boolean,
            Value::Int8(_) => Type::Int8,
            Value::Int16(_) => Type::Int16,
            Value::Int32(_) => Type::Int32,
            Value::Int64(_) => Type::Int64,
            Value::Float32(_) => Type::Float32,
            Value::Float64(_) => Type::Float64,
            Value::String(_) => Type::String,
            Value::Bytes(_) | Value::Decimal(_) => Type::Bytes,
            Value::Array(_) => Type::Array,
            Value::Map(_) => Type::Map,
            Value::Struct(_) => Type::Struct,
            Value::Date(_) | Value::Time(_) => Type::Int32,
            Value::Timestamp(_) => Type::Int64,
        })
    }

    /// Checks it against `schema` (Kafka's `ConnectSchema.validateValue`).
    pub fn validate(&self, schema: &Schema) -> Result<()> {
        self.validate_field(None, schema)
    }

    pub(crate) fn validate_field(&self, field: Option<&str>, schema: &Schema) -> Result<()> {
        let for_field = || field.map(|f| format!(" for field: \"{f}\"")).unwrap_or_default();
        if self.is_null() {
            if schema.is_optional() {
                return Ok(());
            }
            return Err(Error::data(format!(
                "Invalid value: null used for required field: \"{}\", schema type: {}",
                field.unwrap_or("null"),
                schema.kind()
            )));
        }
        let fits = match (schema.kind(), self) {
            (_, Value::Decimal(_)) => schema.name() == Some(logical::DECIMAL) && schema.kind() == Type::Bytes,
            (Type::Int32, Value::Date(_)) => schema.name() == Some(logical::DATE),
            (Type::Int32, Value::Time(_)) => schema.name() == Some(logical::TIME),
            (Type::Int64, Value::Timestamp(_)) => schema.name() == Some(logical::TIMESTAMP),
            (_, Value::Date(_) | Value::Time(_) | Value::Timestamp(_)) => false,
            (kind, value) => {
                let logical_name = schema.name().filter(|n| logical::is_logical(n));
                logical_name.is_none() && value.inferred_type() == Some(kind)
            }
        };
        if !fits {
            return Err(Error::data(format!(
                "Invalid value for schema with type {}{}: {}{}",
                schema.kind(),
                schema.name().map(|n| format!(" ({n})")).unwrap_or_default(),
                self.describe(),
                for_field()
            )));
        }
        match self {
            Value::Struct(s) => {
                if s.schema() != schema {
                    return Err(Error::data(format!("Struct schemas do not match{}", for_field())));
                }
                s.validate()
            }
            Value::Array(items) => {
                let items_schema = schema.items()?;
                items
                    .iter()
                    .try_for_each(|v| v.validate_field(Some("array element"), items_schema))
            }
            Value::Map(entries) => {
                let (key_schema, value_schema) = schema.entries()?;
                entries.iter().try_for_each(|(k, v)| {
                    k.validate_field(Some("map key"), key_schema)?;
                    v.validate_field(Some("map value"), value_schema)
                })
            }
            _ => Ok(()),
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl From<i32> for Value {
    fn from(v: i32) -> Self {
        Value::Int32(v)
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int64(v)
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Boolean(v)
    }
}

impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Float64(v)
    }
}

impl From<Struct> for Value {
    fn from(s: Struct) -> Self {
        Value::Struct(s)
    }
}
