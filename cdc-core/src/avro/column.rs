//! Column types of the Avro forms, their Avro schemas, and the conversion of values to
//! and from Avro.

use apache_avro::types::Value as Avro;
use serde_json::{Value as Json, json};

use super::datum::{unwrap_union, wrong};
use super::unavailable;
use crate::error::{Error, Result, not_json};
use crate::row::Row;
use crate::value::{JsonText, Value, decimal, decimal_parts, parse_uuid, uuid_text};

/// The Avro type of a column.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ColumnType {
    /// `boolean`.
    Boolean,
    /// `long`.
    Long,
    /// `double`.
    Double,
    /// `bytes` with the `decimal` logical type.
    Decimal {
        /// Total digits.
        precision: u32,
        /// Digits after the point.
        scale: u32,
    },
    /// `string`.
    String,
    /// `bytes`.
    Bytes,
    /// `int` with the `date` logical type.
    Date,
    /// `long` with the `time-micros` logical type.
    TimeMicros,
    /// `long` with the `timestamp-micros` logical type.
    TimestampMicros,
    /// A zoned timestamp as ISO-8601 text (Debezium's `ZonedTimestamp`).
    TimestampTz,
    /// A JSON document as text (Debezium's `Json`).
    Json,
    /// An array of one type (its items may be null).
    Array(Box<ColumnType>),
    /// A time of day in nanoseconds: `long` (Debezium's `NanoTime`).
    TimeNanos,
    /// `long` with the `timestamp-nanos` logical type (Debezium's `NanoTimestamp`).
    TimestampNanos,
    /// A zoned time of day as ISO-8601 text (Debezium's `ZonedTime`).
    TimeTz,
    /// A duration in microseconds: `long` (Debezium's `MicroDuration`).
    Duration,
    /// An interval as ISO-8601 duration text (Debezium's `Interval`).
    Interval,
    /// A UUID as text (Debezium's `Uuid`).
    Uuid,
    /// A bit string: `bytes` (Debezium's `Bits`).
    Bits,
    /// A decimal whose scale comes with each value: a record of `scale` (`int`) and
    /// `value` (`bytes`), as Debezium's `VariableScaleDecimal`.
    VariableDecimal,
    /// A map: an array of `key`/`value` records, so entries keep their order and keys
    /// may be of any type (values may be null).
    Map(Box<ColumnType>, Box<ColumnType>),
    /// A structure: a record of named fields, each nullable.
    Struct(Vec<(String, ColumnType)>),
}

impl ColumnType {
    /// The column type of a value (a null becomes a string; an empty array, map or
    /// struct field takes strings).
    pub(crate) fn of(value: &Value) -> ColumnType {
        fn first<'v>(mut values: impl Iterator<Item = &'v Value>) -> ColumnType {
            values
                .find(|v| !v.is_null())
                .map_or(ColumnType::String, ColumnType::of)
        }
        match value {
            Value::Bool(_) => ColumnType::Boolean,
            Value::Int(_) => ColumnType::Long,
            Value::Float(_) => ColumnType::Double,
            Value::Decimal { scale, .. } => ColumnType::Decimal {
                precision: 38,
                scale: *scale,
            },
            Value::WideDecimal(wide) => ColumnType::Decimal {
                precision: u32::try_from(wide.digits()).unwrap_or(u32::MAX).max(38),
                scale: wide.scale(),
            },
            Value::Bytes(_) => ColumnType::Bytes,
            Value::Date(_) => ColumnType::Date,
            Value::Time(_) => ColumnType::TimeMicros,
            Value::Timestamp(_) => ColumnType::TimestampMicros,
            Value::TimestampTz(_) => ColumnType::TimestampTz,
            Value::Json(_) => ColumnType::Json,
            Value::Array(items) => ColumnType::Array(Box::new(first(items.iter()))),
            Value::TimeNanos(_) => ColumnType::TimeNanos,
            Value::TimestampNanos(_) => ColumnType::TimestampNanos,
            Value::TimeTz(_) => ColumnType::TimeTz,
            Value::Duration(_) => ColumnType::Duration,
            Value::Interval(_) => ColumnType::Interval,
            Value::Uuid(_) => ColumnType::Uuid,
            Value::Bits(_) => ColumnType::Bits,
            Value::Map(entries) => ColumnType::Map(
                Box::new(first(entries.iter().map(|(k, _)| k))),
                Box::new(first(entries.iter().map(|(_, v)| v))),
            ),
            Value::Struct(row) => ColumnType::Struct(
                row.iter()
                    .map(|(f, v)| (f.to_owned(), ColumnType::of(v)))
                    .collect(),
            ),
            Value::Null | Value::String(_) | Value::Unavailable => ColumnType::String,
        }
    }

    /// The Avro schema; `name` is the unique name for the records this type defines
    /// (the path of the column, `_`-joined).
    pub(crate) fn to_json(&self, name: &str) -> Json {
        let named = |t: &str, connect: &str| json!({"type": t, "connect.name": connect});
        match self {
            ColumnType::Boolean => json!("boolean"),
            ColumnType::Long => json!("long"),
            ColumnType::Double => json!("double"),
            ColumnType::Decimal { precision, scale } => {
                json!({"type": "bytes", "logicalType": "decimal", "precision": precision, "scale": scale})
            }
            ColumnType::String => json!("string"),
            ColumnType::Bytes => json!("bytes"),
            ColumnType::Date => json!({"type": "int", "logicalType": "date"}),
            ColumnType::TimeMicros => json!({"type": "long", "logicalType": "time-micros"}),
            ColumnType::TimestampMicros => json!({"type": "long", "logicalType": "timestamp-micros"}),
            ColumnType::TimestampTz => named("string", "io.debezium.time.ZonedTimestamp"),
            ColumnType::Json => named("string", "io.debezium.data.Json"),
            ColumnType::Array(items) => {
                json!({"type": "array", "items": ["null", items.to_json(&format!("{name}_item"))]})
            }
            ColumnType::TimeNanos => named("long", "io.debezium.time.NanoTime"),
            ColumnType::TimestampNanos => json!({"type": "long", "logicalType": "timestamp-nanos"}),
            ColumnType::TimeTz => named("string", "io.debezium.time.ZonedTime"),
            ColumnType::Duration => named("long", "io.debezium.time.MicroDuration"),
            ColumnType::Interval => named("string", "io.debezium.time.Interval"),
            ColumnType::Uuid => named("string", "io.debezium.data.Uuid"),
            ColumnType::Bits => named("bytes", "io.debezium.data.Bits"),
            ColumnType::VariableDecimal => json!({
                "type": "record", "name": name, "connect.name": "io.debezium.data.VariableScaleDecimal",
                "fields": [{"name": "scale", "type": "int"}, {"name": "value", "type": "bytes"}]
            }),
            ColumnType::Map(keys, values) => json!({"type": "array", "items": {
                "type": "record", "name": format!("{name}_entry"),
                "fields": [
                    {"name": "key", "type": keys.to_json(&format!("{name}_key"))},
                    {"name": "value", "type": ["null", values.to_json(&format!("{name}_value"))], "default": null}
                ]
            }}),
            ColumnType::Struct(fields) => record(name, fields),
        }
    }
}

/// The Avro record `name` of nullable `fields`.
pub(crate) fn record(name: &str, fields: &[(String, ColumnType)]) -> Json {
    let fields: Vec<Json> = fields
        .iter()
        .map(
            |(f, t)| json!({"name": f, "type": ["null", t.to_json(&format!("{name}_{f}"))], "default": null}),
        )
        .collect();
    json!({"type": "record", "name": name, "fields": fields})
}

/// A nullable value: the union of null and the type.
fn nullable(v: &Value, t: &ColumnType, field: &str, format: &'static str) -> Result<Avro> {
    Ok(match v {
        Value::Null => Avro::Union(0, Box::new(Avro::Null)),
        v => Avro::Union(1, Box::new(encode_value(v, t, field, format)?)),
    })
}

/// The fields of a struct value (or row) as an Avro record of `fields`; a field the value
/// does not have is null.
pub(crate) fn encode_fields(
    row: &Row,
    fields: &[(String, ColumnType)],
    path: &str,
    format: &'static str,
) -> Result<Avro> {
    fields
        .iter()
        .map(|(f, t)| {
            let value = nullable(
                row.get(f).unwrap_or(&Value::Null),
                t,
                &format!("{path}.{f}"),
                format,
            )?;
            Ok((f.clone(), value))
        })
        .collect::<Result<_>>()
        .map(Avro::Record)
}

/// Where a value being decoded is, for errors: made into text only when one is
/// reported (decoding a row names no field unless something is wrong).
#[derive(Clone, Copy)]
enum At<'a> {
    /// The row or record itself (`after`, `key` ...).
    Root(&'a str),
    /// A field of a record.
    Field(&'a At<'a>, &'a str),
    /// An item of an array or a map.
    Item(&'a At<'a>, usize),
}

impl std::fmt::Display for At<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            At::Root(path) => f.write_str(path),
            At::Field(parent, name) => write!(f, "{parent}.{name}"),
            At::Item(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

/// A struct value (or row) of an Avro record of `fields`.
pub(crate) fn decode_fields(
    record: &Avro,
    fields: &[(String, ColumnType)],
    path: &str,
    format: &'static str,
) -> Result<Row> {
    fields_at(record, fields, &At::Root(path), format)
}

fn fields_at(
    record: &Avro,
    fields: &[(String, ColumnType)],
    at: &At<'_>,
    format: &'static str,
) -> Result<Row> {
    let Avro::Record(values) = record else {
        return Err(wrong(format, &at.to_string(), "a record", record));
    };
    fields
        .iter()
        .map(|(f, t)| {
            let field = At::Field(at, f);
            let value = match values.iter().find(|(n, _)| n == f) {
                None => {
                    return Err(Error::MissingField {
                        format,
                        field: field.to_string(),
                    });
                }
                Some((_, v)) => value_at(unwrap_union(v), t, &field, format)?,
            };
            Ok((f.clone(), value))
        })
        .collect()
}

/// A value as Avro of column type `t`; errors name `format` and `field`.
pub(crate) fn encode_value(v: &Value, t: &ColumnType, field: &str, format: &'static str) -> Result<Avro> {
    let mismatch = || Error::InvalidValue {
        format,
        field: field.to_owned(),
        reason: format!("{v:?} does not fit the column type {t:?}"),
    };
    let at = |i: usize| format!("{field}[{i}]");
    Ok(match (v, t) {
        (Value::Unavailable, t) => unavailable::placeholder(t).ok_or_else(mismatch)?,
        (Value::Bool(b), ColumnType::Boolean) => Avro::Boolean(*b),
        (Value::Int(i), ColumnType::Long)
        | (Value::TimeNanos(i), ColumnType::TimeNanos)
        | (Value::Duration(i), ColumnType::Duration) => Avro::Long(*i),
        (Value::Float(f), ColumnType::Double) => Avro::Double(*f),
        (Value::Decimal { .. } | Value::WideDecimal(_), ColumnType::Decimal { scale: s, .. }) => {
            match decimal_parts(v) {
                Some((bytes, scale)) if scale == *s => Avro::Decimal(apache_avro::Decimal::from(bytes)),
                _ => return Err(mismatch()),
            }
        }
        (Value::Decimal { .. } | Value::WideDecimal(_), ColumnType::VariableDecimal) => {
            let (bytes, scale) = decimal_parts(v).ok_or_else(mismatch)?;
            Avro::Record(vec![
                (
                    "scale".into(),
                    Avro::Int(i32::try_from(scale).map_err(|_| mismatch())?),
                ),
                ("value".into(), Avro::Bytes(bytes)),
            ])
        }
        (Value::String(s), ColumnType::String | ColumnType::Uuid)
        | (Value::TimestampTz(s), ColumnType::TimestampTz)
        | (Value::TimeTz(s), ColumnType::TimeTz)
        | (Value::Interval(s), ColumnType::Interval) => Avro::String(s.clone()),
        (Value::Uuid(u), ColumnType::Uuid) => Avro::String(uuid_text(*u)),
        (Value::Json(j), ColumnType::Json) => Avro::String(j.as_str().to_owned()),
        (Value::Bytes(b), ColumnType::Bytes) | (Value::Bits(b), ColumnType::Bits) => Avro::Bytes(b.clone()),
        (Value::Date(d), ColumnType::Date) => Avro::Date(*d),
        (Value::Time(t), ColumnType::TimeMicros) => Avro::TimeMicros(*t),
        (Value::Timestamp(t), ColumnType::TimestampMicros) => Avro::TimestampMicros(*t),
        (Value::TimestampNanos(t), ColumnType::TimestampNanos) => Avro::TimestampNanos(*t),
        (Value::Array(items), ColumnType::Array(item)) => Avro::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| nullable(v, item, &at(i), format))
                .collect::<Result<_>>()?,
        ),
        (Value::Map(entries), ColumnType::Map(keys, values)) => Avro::Array(
            entries
                .iter()
                .enumerate()
                .map(|(i, (k, v))| {
                    Ok(Avro::Record(vec![
                        ("key".into(), encode_value(k, keys, &at(i), format)?),
                        ("value".into(), nullable(v, values, &at(i), format)?),
                    ]))
                })
                .collect::<Result<_>>()?,
        ),
        (Value::Struct(row), ColumnType::Struct(fields)) => encode_fields(row, fields, field, format)?,
        _ => return Err(mismatch()),
    })
}

/// The value of Avro `v` of column type `t` at `here`; errors name `format` and where.
fn value_at(v: &Avro, t: &ColumnType, here: &At<'_>, format: &'static str) -> Result<Value> {
    if unavailable::is_placeholder(v, t) {
        return Ok(Value::Unavailable);
    }
    let field = || here.to_string();
    let invalid = |reason: &str| Error::InvalidValue {
        format,
        field: field(),
        reason: reason.to_owned(),
    };
    Ok(match (v, t) {
        (Avro::Null, _) => Value::Null,
        (Avro::Boolean(b), _) => Value::Bool(*b),
        (Avro::Long(i), ColumnType::TimeNanos) => Value::TimeNanos(*i),
        (Avro::Long(i), ColumnType::Duration) => Value::Duration(*i),
        (Avro::Long(i), _) => Value::Int(*i),
        (Avro::Int(i), ColumnType::Date) | (Avro::Date(i), _) => Value::Date(*i),
        (Avro::Int(i), _) => Value::Int(i64::from(*i)),
        (Avro::Double(f), _) => Value::Float(*f),
        (Avro::Float(f), _) => Value::Float(f64::from(*f)),
        (Avro::Decimal(d), ColumnType::Decimal { scale, .. }) => {
            let bytes = Vec::<u8>::try_from(d).map_err(|source| Error::Avro {
                format,
                field: field(),
                offset: None,
                source,
            })?;
            decimal(&bytes, *scale)
        }
        (Avro::Record(parts), ColumnType::VariableDecimal) => {
            let part = |name: &str| parts.iter().find(|(n, _)| n == name).map(|(_, v)| v);
            match (part("scale"), part("value")) {
                (Some(Avro::Int(scale)), Some(Avro::Bytes(bytes))) => {
                    let scale =
                        u32::try_from(*scale).map_err(|_| invalid("a negative scale is not supported"))?;
                    decimal(bytes, scale)
                }
                _ => return Err(wrong(format, &field(), "a record of `scale` and `value`", v)),
            }
        }
        (Avro::String(s), ColumnType::TimestampTz) => Value::TimestampTz(s.clone()),
        (Avro::String(s), ColumnType::TimeTz) => Value::TimeTz(s.clone()),
        (Avro::String(s), ColumnType::Interval) => Value::Interval(s.clone()),
        (Avro::String(s), ColumnType::Uuid) => {
            parse_uuid(s).map_or_else(|| Value::String(s.clone()), Value::Uuid)
        }
        (Avro::String(s), ColumnType::Json) => Value::Json(
            JsonText::new(s.as_str()).map_err(|source| not_json(format, field(), s.as_bytes(), source))?,
        ),
        (Avro::String(s), _) => Value::String(s.clone()),
        (Avro::Bytes(b), ColumnType::Bits) => Value::Bits(b.clone()),
        (Avro::Bytes(b), _) => Value::Bytes(b.clone()),
        (Avro::TimeMicros(t), _) => Value::Time(*t),
        (Avro::TimestampMicros(t), _) => Value::Timestamp(*t),
        (Avro::TimestampNanos(t), _) => Value::TimestampNanos(*t),
        (Avro::Array(items), ColumnType::Array(item)) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| value_at(unwrap_union(v), item, &At::Item(here, i), format))
                .collect::<Result<_>>()?,
        ),
        (Avro::Array(entries), ColumnType::Map(keys, values)) => Value::Map(
            entries
                .iter()
                .enumerate()
                .map(|(i, entry)| match entry {
                    Avro::Record(parts) if parts.len() == 2 => Ok((
                        value_at(unwrap_union(&parts[0].1), keys, &At::Item(here, i), format)?,
                        value_at(unwrap_union(&parts[1].1), values, &At::Item(here, i), format)?,
                    )),
                    other => Err(wrong(
                        format,
                        &At::Item(here, i).to_string(),
                        "a `key`/`value` record",
                        other,
                    )),
                })
                .collect::<Result<_>>()?,
        ),
        (record @ Avro::Record(_), ColumnType::Struct(fields)) => {
            Value::Struct(fields_at(record, fields, here, format)?)
        }
        (other, _) => return Err(wrong(format, &field(), "a value of the column's type", other)),
    })
}
