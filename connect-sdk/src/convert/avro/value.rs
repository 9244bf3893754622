//! Connect values as Avro values (`apache_avro`'s) and back, guided by the Connect
//! schema that [`super::schema`] maps to the Avro schema.

use std::collections::HashMap;

use apache_avro::types::Value as Avro;

use crate::data::{Decimal, Schema, Struct, Type, Value, logical};
use crate::error::{Error, Result};

fn mismatch(schema: &Schema, value: &impl std::fmt::Debug) -> Error {
    Error::data(format!(
        "Value {value:?} does not fit schema type {}",
        schema.kind()
    ))
}

/// The Avro value of `value` under the Avro schema of `schema`.
pub(super) fn to_avro(schema: &Schema, value: &Value) -> Result<Avro> {
    let value = match value {
        Value::Null => match schema.default_value() {
            Some(default) => default,
            None if schema.is_optional() => return Ok(Avro::Union(0, Box::new(Avro::Null))),
            None => {
                return Err(Error::data(format!(
                    "Conversion error: null value for field that is required and has no default value ({})",
                    schema.kind()
                )));
            }
        },
        v => v,
    };
    let plain = match (schema.kind(), value) {
        (Type::Int8, Value::Int8(v)) => Avro::Int(i32::from(*v)),
        (Type::Int16, Value::Int16(v)) => Avro::Int(i32::from(*v)),
        (Type::Int32, Value::Int32(v)) => Avro::Int(*v),
        (Type::Int32, Value::Date(v)) => Avro::Date(*v),
        (Type::Int32, Value::Time(v)) => Avro::TimeMillis(*v),
        (Type::Int64, Value::Int64(v)) => Avro::Long(*v),
        (Type::Int64, Value::Timestamp(v)) => Avro::TimestampMillis(*v),
        (Type::Float32, Value::Float32(v)) => Avro::Float(*v),
        (Type::Float64, Value::Float64(v)) => Avro::Double(*v),
        (Type::Boolean, Value::Boolean(v)) => Avro::Boolean(*v),
        (Type::String, Value::String(v)) => Avro::String(v.clone()),
        (Type::Bytes, Value::Bytes(v)) => Avro::Bytes(v.clone()),
        (Type::Bytes, Value::Decimal(d)) => {
            let scale = logical::scale_of(schema)?;
            if d.scale != scale {
                return Err(Error::data(format!(
                    "Decimal value has mismatching scale for given Decimal schema. Schema has scale {scale}, value has scale {}.",
                    d.scale
                )));
            }
            Avro::Decimal(apache_avro::Decimal::from(d.unscaled_bytes()))
        }
        (Type::Array, Value::Array(items)) => {
            let items_schema = schema.items()?;
            Avro::Array(
                items
                    .iter()
                    .map(|v| to_avro(items_schema, v))
                    .collect::<Result<_>>()?,
            )
        }
        (Type::Map, Value::Map(entries)) => {
            let (keys, values) = schema.entries()?;
            if keys.kind() == Type::String && !keys.is_optional() {
                let mut map = HashMap::with_capacity(entries.len());
                for (k, v) in entries {
                    let Value::String(k) = k else {
                        return Err(mismatch(keys, k));
                    };
                    map.insert(k.clone(), to_avro(values, v)?);
                }
                Avro::Map(map)
            } else {
                Avro::Array(
                    entries
                        .iter()
                        .map(|(k, v)| {
                            Ok(Avro::Record(vec![
                                ("key".to_owned(), to_avro(keys, k)?),
                                ("value".to_owned(), to_avro(values, v)?),
                            ]))
                        })
                        .collect::<Result<_>>()?,
                )
            }
        }
        (Type::Struct, Value::Struct(s)) => Avro::Record(
            schema
                .fields()
                .iter()
                .map(|f| Ok((f.name().to_owned(), to_avro(f.schema(), s.get_at(f.index()))?)))
                .collect::<Result<_>>()?,
        ),
        (_, other) => return Err(mismatch(schema, other)),
    };
    Ok(if schema.is_optional() {
        // The union is [T, null] when the schema has a default, else [null, T].
        let index = if schema.default_value().is_some() { 0 } else { 1 };
        Avro::Union(index, Box::new(plain))
    } else {
        plain
    })
}

/// The Connect value of an Avro value read under the Avro schema of `schema`.
pub(super) fn to_connect(schema: &Schema, value: Avro) -> Result<Value> {
    let value = match value {
        Avro::Union(_, inner) => *inner,
        v => v,
    };
    Ok(match (schema.kind(), value) {
        (_, Avro::Null) => Value::Null,
        (Type::Int8, Avro::Int(v)) => Value::Int8(v as i8),
        (Type::Int16, Avro::Int(v)) => Value::Int16(v as i16),
        (Type::Int32, Avro::Int(v) | Avro::Date(v) | Avro::TimeMillis(v)) => match schema.name() {
            Some(logical::DATE) => Value::Date(v),
            Some(logical::TIME) => Value::Time(v),
            _ => Value::Int32(v),
        },
        (Type::Int64, Avro::Long(v) | Avro::TimestampMillis(v)) => match schema.name() {
            Some(logical::TIMESTAMP) => Value::Timestamp(v),
            _ => Value::Int64(v),
        },
        (Type::Float32, Avro::Float(v)) => Value::Float32(v),
        (Type::Float64, Avro::Double(v)) => Value::Float64(v),
        (Type::Boolean, Avro::Boolean(v)) => Value::Boolean(v),
        (Type::String, Avro::String(v) | Avro::Enum(_, v)) => Value::String(v),
        (Type::Bytes, Avro::Decimal(d)) => {
            let bytes: Vec<u8> = d
                .try_into()
                .map_err(|e| Error::data(format!("Invalid decimal: {e}")))?;
            Value::Decimal(Decimal::from_unscaled_bytes(&bytes, logical::scale_of(schema)?)?)
        }
        (Type::Bytes, Avro::Bytes(v) | Avro::Fixed(_, v)) => match schema.name() {
            Some(logical::DECIMAL) => {
                Value::Decimal(Decimal::from_unscaled_bytes(&v, logical::scale_of(schema)?)?)
            }
            _ => Value::Bytes(v),
        },
        (Type::Array, Avro::Array(items)) => {
            let items_schema = schema.items()?;
            Value::Array(
                items
                    .into_iter()
                    .map(|v| to_connect(items_schema, v))
                    .collect::<Result<_>>()?,
            )
        }
        (Type::Map, Avro::Map(map)) => {
            let (_, values) = schema.entries()?;
            let mut entries: Vec<(Value, Value)> = map
                .into_iter()
                .map(|(k, v)| Ok((Value::String(k), to_connect(values, v)?)))
                .collect::<Result<_>>()?;
            // Avro's maps have no order: ours come out sorted by key.
            entries.sort_by(|a, b| a.0.as_str().cmp(&b.0.as_str()));
            Value::Map(entries)
        }
        (Type::Map, Avro::Array(pairs)) => {
            let (keys, values) = schema.entries()?;
            let mut entries = Vec::with_capacity(pairs.len());
            for pair in pairs {
                let Avro::Record(mut fields) = pair else {
                    return Err(mismatch(schema, &pair));
                };
                let value = fields.pop().map(|(_, v)| v).unwrap_or(Avro::Null);
                let key = fields.pop().map(|(_, v)| v).unwrap_or(Avro::Null);
                entries.push((to_connect(keys, key)?, to_connect(values, value)?));
            }
            Value::Map(entries)
        }
        (Type::Struct, Avro::Record(fields)) => {
            let mut row = Struct::new(schema.clone())?;
            for (name, v) in fields {
                if let Some(f) = schema.field(&name) {
                    let index = f.index();
                    let v = to_connect(f.schema(), v)?;
                    row.put_unchecked(index, v);
                }
            }
            Value::Struct(row)
        }
        (_, other) => return Err(mismatch(schema, &other)),
    })
}
