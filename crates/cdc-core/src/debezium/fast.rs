//! The fast path for plain Debezium payloads (`schemas.enable=false`, the common case):
//! serde deserializes straight into the model, with no intermediate JSON tree. Anything
//! it does not accept (the schema envelope, bad input) goes to the reference decoder in
//! `json.rs`, which names the field at fault; a property test keeps the two in step.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value as Json};

use crate::event::{ChangeEvent, Operation, Source, Transaction};
use crate::json::Fields;
use crate::row::Row;
use crate::value::{UNAVAILABLE_MARKER, Value};

/// The payload's fields.
#[derive(Deserialize)]
struct Payload {
    before: Option<FastRow>,
    after: Option<FastRow>,
    source: Option<FastSource>,
    op: String,
    ts_ms: Option<i64>,
    transaction: Option<FastTransaction>,
    /// Present only in the schema envelope: its presence sends the message to the
    /// reference decoder.
    schema: Option<IgnoredAny>,
    payload: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct FastTransaction {
    id: String,
    total_order: Option<i64>,
    data_collection_order: Option<i64>,
}

/// The event, or `None` when the fast path does not apply.
pub(super) fn decode(bytes: &[u8]) -> Option<ChangeEvent> {
    // serde skips unknown fields without checking their UTF-8; the whole input must be
    // valid JSON, as the reference decoder requires.
    let text = std::str::from_utf8(bytes).ok()?;
    let p: Payload = serde_json::from_str(text).ok()?;
    if p.schema.is_some() || p.payload.is_some() {
        return None;
    }
    let event = ChangeEvent {
        op: Operation::from_debezium(&p.op)?,
        before: p.before.map(|r| r.0),
        after: p.after.map(|r| r.0),
        source: p.source.map(|s| s.0).unwrap_or_default(),
        transaction: p.transaction.map(|t| Transaction {
            id: t.id,
            total_order: t.total_order,
            data_collection_order: t.data_collection_order,
        }),
        key: None,
        ts_ms: p.ts_ms,
    };
    event.check().ok()?;
    Some(event)
}

/// A row read straight from a JSON object, columns in order.
struct FastRow(Row);

impl<'de> Deserialize<'de> for FastRow {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct RowVisitor;
        impl<'de> Visitor<'de> for RowVisitor {
            type Value = FastRow;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a row object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<FastRow, A::Error> {
                let mut row = Row::new();
                while let Some((column, value)) = map.next_entry::<String, FastValue>()? {
                    row.set(column, value.0);
                }
                Ok(FastRow(row))
            }
        }
        d.deserialize_map(RowVisitor)
    }
}

/// A column value read straight from JSON, as `Value::from_json` would read it.
struct FastValue(Value);

impl<'de> Deserialize<'de> for FastValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ValueVisitor;
        impl<'de> Visitor<'de> for ValueVisitor {
            type Value = FastValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_unit<E>(self) -> Result<FastValue, E> {
                Ok(FastValue(Value::Null))
            }
            fn visit_bool<E>(self, v: bool) -> Result<FastValue, E> {
                Ok(FastValue(Value::Bool(v)))
            }
            fn visit_i64<E>(self, v: i64) -> Result<FastValue, E> {
                Ok(FastValue(Value::Int(v)))
            }
            fn visit_u64<E>(self, v: u64) -> Result<FastValue, E> {
                Ok(FastValue(
                    i64::try_from(v).map_or(Value::Float(v as f64), Value::Int),
                ))
            }
            fn visit_f64<E>(self, v: f64) -> Result<FastValue, E> {
                Ok(FastValue(Value::Float(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<FastValue, E> {
                self.visit_string(v.to_owned())
            }
            fn visit_string<E>(self, v: String) -> Result<FastValue, E> {
                Ok(FastValue(if v == UNAVAILABLE_MARKER {
                    Value::Unavailable
                } else {
                    Value::String(v)
                }))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<FastValue, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<FastValue>()? {
                    items.push(item.0);
                }
                Ok(FastValue(Value::Array(items)))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<FastValue, A::Error> {
                let json = Json::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(FastValue(Value::Json(json)))
            }
        }
        d.deserialize_any(ValueVisitor)
    }
}

/// The source block: known fields typed, the rest kept in `extra`.
struct FastSource(Source);

impl<'de> Deserialize<'de> for FastSource {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct SourceVisitor;
        impl<'de> Visitor<'de> for SourceVisitor {
            type Value = FastSource;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a source object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<FastSource, A::Error> {
                let mut s = Source::default();
                let mut fields: Map<String, Json> = Map::new();
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "connector" => s.connector = map.next_value()?,
                        "name" => s.name = map.next_value()?,
                        "db" => s.db = map.next_value()?,
                        "schema" => s.schema = map.next_value()?,
                        "table" => s.table = map.next_value()?,
                        "ts_ms" => s.ts_ms = map.next_value()?,
                        "snapshot" => {
                            let v = map.next_value::<Json>()?;
                            s.snapshot = super::source::snapshot(&v)
                                .ok_or_else(|| de::Error::custom("snapshot is not a string or boolean"))?;
                        }
                        _ => {
                            fields.insert(key, map.next_value()?);
                        }
                    }
                }
                let f = Fields {
                    format: "debezium-json",
                    prefix: "source",
                };
                s.position = super::source::position(s.connector.as_deref(), &mut fields, &f)
                    .map_err(de::Error::custom)?;
                s.extra = fields;
                Ok(FastSource(s))
            }
        }
        d.deserialize_map(SourceVisitor)
    }
}
