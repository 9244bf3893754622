//! What the transform gives for a record.

use serde_json::{Map, Value as Json};

use super::field::schema_field;
use crate::row::Row;
use crate::value::Value;

/// What [`Unwrap`](super::Unwrap) makes of one Kafka record.
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub enum Unwrapped {
    /// The record is dropped.
    Dropped,
    /// The record is not a change event's envelope (a heartbeat, a schema change, a
    /// transaction's BEGIN or END, a logical decoding message ...): it goes on as it
    /// came, without added headers.
    Unchanged,
    /// The record goes on, flattened.
    Record(Flattened),
}

impl Unwrapped {
    /// The flattened record, if the record goes on flattened.
    pub fn record(&self) -> Option<&Flattened> {
        match self {
            Unwrapped::Record(record) => Some(record),
            Unwrapped::Dropped | Unwrapped::Unchanged => None,
        }
    }

    /// The new value's row, if the record goes on with one.
    pub fn row(&self) -> Option<&Row> {
        self.record()?.value.as_ref()
    }

    /// Whether the record goes on as a tombstone (a record without value).
    pub fn is_tombstone(&self) -> bool {
        self.record().is_some_and(|r| r.value.is_none())
    }
}

/// A record as the transform passes it on: its new value, the headers it adds, and the
/// topic it goes to. Its key is the original record's.
#[derive(Debug, Clone, PartialEq)]
pub struct Flattened {
    /// The new value: the row, or `None` for a tombstone.
    pub value: Option<Row>,
    /// The Kafka Connect schema of the new value, as Kafka's JSON converter writes it,
    /// when the record came with a schema. A tombstone may have one: Debezium's
    /// `tombstone` mode makes a delete a record whose value is null but whose schema is
    /// the row's (a JSON converter with schemas writes it as `{"schema": ..., "payload":
    /// null}`).
    pub schema: Option<Json>,
    /// The headers added (`add.headers`), in order.
    pub headers: Vec<(String, Value)>,
    /// The Kafka Connect schema of each header of `headers`, as Kafka's JSON converter
    /// writes it, when the record came with a schema: the envelope field's, made
    /// optional, as Debezium gives it (a kept tombstone's `op` header: a required
    /// string).
    pub header_schemas: Vec<Option<Json>>,
    /// The topic the record is routed to (`route.by.field`); `None` keeps the record's
    /// topic.
    pub topic: Option<String>,
}

impl Flattened {
    /// The new value as a JSON payload (`null` for a tombstone): each column under its
    /// schema when there is one, else as [`Value::to_json`] writes it.
    pub fn value_json(&self) -> Json {
        let Some(row) = &self.value else {
            return Json::Null;
        };
        let columns = row.iter().map(|(column, value)| {
            let json = match self.schema.as_ref().and_then(|s| schema_field(s, column)) {
                Some(schema) => crate::debezium::column_json(value, schema),
                None => value.to_json(),
            };
            (column.to_owned(), json)
        });
        Json::Object(columns.collect())
    }

    /// The new value as Kafka's JSON converter writes it: `{"schema": ..., "payload":
    /// ...}` when it has a schema, else the payload; `None` for a tombstone without
    /// schema (a record without value).
    pub fn to_json(&self) -> Option<Json> {
        match (&self.schema, &self.value) {
            (None, None) => None,
            (None, Some(_)) => Some(self.value_json()),
            (Some(schema), _) => {
                let mut root = Map::new();
                root.insert("schema".into(), schema.clone());
                root.insert("payload".into(), self.value_json());
                Some(Json::Object(root))
            }
        }
    }

    /// [`to_json`](Self::to_json) as bytes, the value to produce (`None`: a tombstone).
    pub fn encode_json(&self) -> Option<Vec<u8>> {
        self.to_json().map(|json| json.to_string().into_bytes())
    }
}
