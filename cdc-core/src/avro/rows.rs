//! The rows of both envelopes' Avro forms: column types, the row schema, and the
//! conversion of rows and values to and from Avro.

use apache_avro::types::Value as Avro;
use serde_json::{Value as Json, json};

use super::datum::{unwrap_union, wrong};
use crate::error::{Error, Result, not_json};
use crate::row::Row;
use crate::value::{UNAVAILABLE_MARKER, Value, unscaled, unscaled_bytes};

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
    /// An array of one type.
    Array(Box<ColumnType>),
}

impl ColumnType {
    fn of(value: &Value) -> ColumnType {
        match value {
            Value::Bool(_) => ColumnType::Boolean,
            Value::Int(_) => ColumnType::Long,
            Value::Float(_) => ColumnType::Double,
            Value::Decimal { scale, .. } => ColumnType::Decimal {
                precision: 38,
                scale: *scale,
            },
            Value::Bytes(_) => ColumnType::Bytes,
            Value::Date(_) => ColumnType::Date,
            Value::Time(_) => ColumnType::TimeMicros,
            Value::Timestamp(_) => ColumnType::TimestampMicros,
            Value::TimestampTz(_) => ColumnType::TimestampTz,
            Value::Json(_) => ColumnType::Json,
            Value::Array(items) => {
                ColumnType::Array(Box::new(items.first().map_or(ColumnType::String, ColumnType::of)))
            }
            Value::Null | Value::String(_) | Value::Unavailable => ColumnType::String,
        }
    }

    fn to_json(&self) -> Json {
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
            ColumnType::TimestampTz => {
                json!({"type": "string", "connect.name": "io.debezium.time.ZonedTimestamp"})
            }
            ColumnType::Json => json!({"type": "string", "connect.name": "io.debezium.data.Json"}),
            ColumnType::Array(items) => json!({"type": "array", "items": items.to_json()}),
        }
    }
}

/// The name and column types of a table's rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowSchema {
    /// The Avro record name (`Value` for Debezium, `Data` for Replicate).
    pub name: String,
    /// Columns in table order.
    pub columns: Vec<(String, ColumnType)>,
}

impl RowSchema {
    /// Column types guessed from one row's values (a null column becomes a string).
    pub fn infer(name: impl Into<String>, row: &Row) -> RowSchema {
        RowSchema {
            name: name.into(),
            columns: row
                .iter()
                .map(|(c, v)| (c.to_owned(), ColumnType::of(v)))
                .collect(),
        }
    }

    /// The Avro record schema, every column a nullable union.
    pub fn to_json(&self) -> Json {
        let fields: Vec<Json> = self
            .columns
            .iter()
            .map(|(c, t)| json!({"name": c, "type": ["null", t.to_json()], "default": null}))
            .collect();
        json!({"type": "record", "name": self.name, "fields": fields})
    }

    /// A row as an Avro record of this schema; errors name `format` and the column's path.
    pub(crate) fn encode_row(&self, row: &Row, path: &str, format: &'static str) -> Result<Avro> {
        self.columns
            .iter()
            .map(|(column, t)| {
                let field = format!("{path}.{column}");
                let value = match row.get(column) {
                    None | Some(Value::Null) => Avro::Union(0, Box::new(Avro::Null)),
                    Some(v) => Avro::Union(1, Box::new(encode_value(v, t, &field, format)?)),
                };
                Ok((column.clone(), value))
            })
            .collect::<Result<_>>()
            .map(Avro::Record)
    }

    /// A row from an Avro record of this schema; errors name `format` and the column's path.
    pub(crate) fn decode_row(&self, record: &Avro, path: &str, format: &'static str) -> Result<Row> {
        let Avro::Record(fields) = record else {
            return Err(wrong(format, path, "a record", record));
        };
        self.columns
            .iter()
            .map(|(column, t)| {
                let field = format!("{path}.{column}");
                let value = match fields.iter().find(|(n, _)| n == column) {
                    None => {
                        return Err(Error::MissingField { format, field });
                    }
                    Some((_, v)) => decode_value(unwrap_union(v), t, &field, format)?,
                };
                Ok((column.clone(), value))
            })
            .collect()
    }
}

fn encode_value(v: &Value, t: &ColumnType, field: &str, format: &'static str) -> Result<Avro> {
    let mismatch = || Error::InvalidValue {
        format,
        field: field.to_owned(),
        reason: format!("{v:?} does not fit the column type {t:?}"),
    };
    Ok(match (v, t) {
        (Value::Unavailable, ColumnType::String | ColumnType::Json | ColumnType::TimestampTz) => {
            Avro::String(UNAVAILABLE_MARKER.to_owned())
        }
        (Value::Bool(b), ColumnType::Boolean) => Avro::Boolean(*b),
        (Value::Int(i), ColumnType::Long) => Avro::Long(*i),
        (Value::Float(f), ColumnType::Double) => Avro::Double(*f),
        (Value::Decimal { unscaled, scale }, ColumnType::Decimal { scale: s, .. }) if scale == s => {
            Avro::Decimal(apache_avro::Decimal::from(unscaled_bytes(*unscaled)))
        }
        (Value::String(s), ColumnType::String) | (Value::TimestampTz(s), ColumnType::TimestampTz) => {
            Avro::String(s.clone())
        }
        (Value::Json(j), ColumnType::Json) => Avro::String(j.to_string()),
        (Value::Bytes(b), ColumnType::Bytes) => Avro::Bytes(b.clone()),
        (Value::Date(d), ColumnType::Date) => Avro::Date(*d),
        (Value::Time(t), ColumnType::TimeMicros) => Avro::TimeMicros(*t),
        (Value::Timestamp(t), ColumnType::TimestampMicros) => Avro::TimestampMicros(*t),
        (Value::Array(items), ColumnType::Array(item)) => Avro::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| encode_value(v, item, &format!("{field}[{i}]"), format))
                .collect::<Result<_>>()?,
        ),
        _ => return Err(mismatch()),
    })
}

fn decode_value(v: &Avro, t: &ColumnType, field: &str, format: &'static str) -> Result<Value> {
    Ok(match (v, t) {
        (Avro::Null, _) => Value::Null,
        (Avro::String(s), _) if s == UNAVAILABLE_MARKER => Value::Unavailable,
        (Avro::Boolean(b), _) => Value::Bool(*b),
        (Avro::Long(i), _) => Value::Int(*i),
        (Avro::Int(i), ColumnType::Date) | (Avro::Date(i), _) => Value::Date(*i),
        (Avro::Int(i), _) => Value::Int(i64::from(*i)),
        (Avro::Double(f), _) => Value::Float(*f),
        (Avro::Float(f), _) => Value::Float(f64::from(*f)),
        (Avro::Decimal(d), ColumnType::Decimal { scale, .. }) => {
            let bytes = Vec::<u8>::try_from(d).map_err(|source| Error::Avro {
                format,
                field: field.to_owned(),
                offset: None,
                source,
            })?;
            Value::Decimal {
                unscaled: unscaled(&bytes).ok_or_else(|| Error::InvalidValue {
                    format,
                    field: field.to_owned(),
                    reason: "decimal wider than 128 bits".into(),
                })?,
                scale: *scale,
            }
        }
        (Avro::String(s), ColumnType::TimestampTz) => Value::TimestampTz(s.clone()),
        (Avro::String(s), ColumnType::Json) => Value::Json(
            serde_json::from_str(s)
                .map(Box::new)
                .map_err(|source| not_json(format, field, s.as_bytes(), source))?,
        ),
        (Avro::String(s), _) => Value::String(s.clone()),
        (Avro::Bytes(b), _) => Value::Bytes(b.clone()),
        (Avro::TimeMicros(t), _) => Value::Time(*t),
        (Avro::TimestampMicros(t), _) => Value::Timestamp(*t),
        (Avro::Array(items), ColumnType::Array(item)) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| decode_value(unwrap_union(v), item, &format!("{field}[{i}]"), format))
                .collect::<Result<_>>()?,
        ),
        (other, _) => return Err(wrong(format, field, "a value of the column's type", other)),
    })
}
