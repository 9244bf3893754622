//! JSON to Connect values (Kafka's `convertToConnect`).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::parse::Json;
use crate::data::{Decimal, Schema, Struct, Type, Value, logical};
use crate::error::{Error, Result};

/// The value `json` holds, typed by `schema`, or by the JSON itself without one
/// (integers as int64, other numbers as float64, objects as maps); a null where the
/// schema has a default reads as the default when `defaults`.
pub(super) fn value(schema: Option<&Schema>, json: &Json<'_>, defaults: bool) -> Result<Value> {
    let Some(schema) = schema else {
        return schemaless(json);
    };
    if *json == Json::Null {
        if let Some(default) = schema.default_value().filter(|_| defaults) {
            return Ok(default.clone());
        }
        if schema.is_optional() {
            return Ok(Value::Null);
        }
        return Err(Error::data(format!(
            "Invalid null value for required {} field",
            schema.kind()
        )));
    }
    let mismatch = || {
        Error::data(format!(
            "Invalid JSON for schema type {}: {}",
            schema.kind(),
            json.node_type()
        ))
    };
    let logical = schema.name().filter(|n| logical::is_logical(n));
    Ok(match (schema.kind(), json) {
        (Type::Boolean, Json::Bool(b)) => Value::Boolean(*b),
        (Type::Int8, Json::Number(n)) => Value::Int8(integer(n)? as i8),
        (Type::Int16, Json::Number(n)) => Value::Int16(integer(n)? as i16),
        (Type::Int32, Json::Number(n)) => {
            let v = integer(n)? as i32;
            match logical {
                Some(logical::DATE) => Value::Date(v),
                Some(logical::TIME) => Value::Time(v),
                _ => Value::Int32(v),
            }
        }
        (Type::Int64, Json::Number(n)) => {
            let v = integer(n)?;
            match logical {
                Some(logical::TIMESTAMP) => Value::Timestamp(v),
                _ => Value::Int64(v),
            }
        }
        (Type::Float32, Json::Number(n)) => Value::Float32(float(n)? as f32),
        (Type::Float64, Json::Number(n)) => Value::Float64(float(n)?),
        (Type::String, Json::String(s)) => Value::String(s.to_string()),
        (Type::Bytes, json @ (Json::String(_) | Json::Number(_))) => {
            if logical == Some(logical::DECIMAL) {
                let scale = logical::scale_of(schema)?;
                match json {
                    Json::Number(n) => Value::Decimal(Decimal::parse(n)?),
                    Json::String(s) => Value::Decimal(Decimal::from_unscaled_bytes(&base64(s)?, scale)?),
                    _ => unreachable!("matched above"),
                }
            } else if let Json::String(s) = json {
                Value::Bytes(base64(s)?)
            } else {
                return Err(mismatch());
            }
        }
        (Type::Array, Json::Array(items)) => {
            let items_schema = schema.value_schema();
            Value::Array(
                items
                    .iter()
                    .map(|j| value(items_schema, j, defaults))
                    .collect::<Result<_>>()?,
            )
        }
        (Type::Map, json) => map(schema, json, defaults)?,
        (Type::Struct, Json::Object(_)) => {
            let mut s = Struct::new(schema.clone())?;
            for field in schema.fields() {
                let v = value(
                    Some(field.schema()),
                    json.get(field.name()).unwrap_or(&Json::Null),
                    defaults,
                )?;
                s.put_unchecked(field.index(), v);
            }
            Value::Struct(s)
        }
        (Type::Struct, other) => {
            return Err(Error::data(format!(
                "Structs should be encoded as JSON objects, but found {}",
                other.node_type()
            )));
        }
        _ => return Err(mismatch()),
    })
}

fn map(schema: &Schema, json: &Json<'_>, defaults: bool) -> Result<Value> {
    let (key_schema, value_schema) = schema.entries()?;
    let value_schema = Some(value_schema);
    if key_schema.kind() == Type::String {
        let Json::Object(members) = json else {
            return Err(Error::data(format!(
                "Maps with string fields should be encoded as JSON objects, but found {}",
                json.node_type()
            )));
        };
        let entries = members
            .iter()
            .map(|(k, v)| Ok((Value::String(k.to_string()), value(value_schema, v, defaults)?)))
            .collect::<Result<_>>()?;
        return Ok(Value::Map(entries));
    }
    let Json::Array(pairs) = json else {
        return Err(Error::data(format!(
            "Maps with non-string fields should be encoded as JSON array of tuples, but found {}",
            json.node_type()
        )));
    };
    let mut entries = Vec::with_capacity(pairs.len());
    for pair in pairs {
        let Json::Array(kv) = pair else {
            return Err(Error::data(format!(
                "Found invalid map entry instead of array tuple: {}",
                pair.node_type()
            )));
        };
        if kv.len() != 2 {
            return Err(Error::data(format!(
                "Found invalid map entry, expected length 2 but found :{}",
                kv.len()
            )));
        }
        entries.push((
            value(Some(key_schema), &kv[0], defaults)?,
            value(value_schema, &kv[1], defaults)?,
        ));
    }
    Ok(Value::Map(entries))
}

fn schemaless(json: &Json<'_>) -> Result<Value> {
    Ok(match json {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Boolean(*b),
        Json::Number(n) if json.is_integral() => Value::Int64(integer(n)?),
        Json::Number(n) => Value::Float64(float(n)?),
        Json::String(s) => Value::String(s.to_string()),
        Json::Array(items) => Value::Array(items.iter().map(schemaless).collect::<Result<_>>()?),
        Json::Object(members) => Value::Map(
            members
                .iter()
                .map(|(k, v)| Ok((Value::String(k.to_string()), schemaless(v)?)))
                .collect::<Result<_>>()?,
        ),
    })
}

/// A JSON number as an integer: a fraction is dropped, as Jackson's `longValue` does.
fn integer(text: &str) -> Result<i64> {
    if let Ok(v) = text.parse::<i64>() {
        return Ok(v);
    }
    let v = float(text)?;
    if v.is_finite() && v.abs() < 9.2e18 {
        Ok(v.trunc() as i64)
    } else {
        Err(Error::data(format!(
            "Number {text} is out of the range of a 64-bit integer"
        )))
    }
}

/// A JSON number as a double, as Kafka reads it (through a `BigDecimal`, which has no
/// negative zero).
fn float(text: &str) -> Result<f64> {
    let v: f64 = text
        .parse()
        .map_err(|_| Error::data(format!("Invalid number: {text}")))?;
    Ok(if v == 0.0 { 0.0 } else { v })
}

fn base64(text: &str) -> Result<Vec<u8>> {
    STANDARD
        .decode(text)
        .map_err(|e| Error::data(format!("Invalid bytes field: {e}")))
}
