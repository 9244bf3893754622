//! Debezium's transaction metadata events: the `BEGIN` and `END` records a connector with
//! `provide.transaction.metadata=true` writes to `<topic.prefix>.transaction`, keyed by
//! the transaction id, as the JSON converter writes them (with the `schema`/`payload`
//! envelope or the plain payload).

use serde_json::{Map, Value as Json, json};

use crate::decode::{Decode, Decoded};
use crate::error::{Error, Result, json_type};
use crate::json::{Fields, parse_object};
use crate::row::Row;
use crate::value::Value;

const FORMAT: &str = "debezium-transaction-json";

/// The Connect schema name of the metadata value.
pub const VALUE_SCHEMA_NAME: &str = "io.debezium.connector.common.TransactionMetadataValue";
/// The Connect schema name of the metadata key.
pub const KEY_SCHEMA_NAME: &str = "io.debezium.connector.common.TransactionMetadataKey";

/// Which boundary of a transaction a metadata event marks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransactionBoundary {
    /// `BEGIN`: the transaction started (Debezium writes no counts with it).
    Begin,
    /// `END`: the transaction committed, with how many events it gave.
    End {
        /// `event_count`: the change events the transaction gave, all tables together.
        event_count: u64,
        /// `data_collections`: the change events per table (Debezium's data collection
        /// id: `schema.table` for PostgreSQL, `database.table` for MySQL and MariaDB,
        /// `database.schema.table` for SQL Server).
        data_collections: Vec<DataCollectionCount>,
    },
}

/// One entry of an `END` event's `data_collections`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataCollectionCount {
    /// `data_collection`: the table.
    pub data_collection: String,
    /// `event_count`: the change events of that table in the transaction.
    pub event_count: u64,
}

/// A transaction metadata event: its boundary, the transaction id and when it happened.
///
/// Debezium's PostgreSQL connector writes ids as `<txId>:<LSN>`, the LSN being that of
/// the event carrying the id: the `BEGIN`, each change event and the `END` of one
/// transaction share the `<txId>` part only. The other connectors use one id per
/// transaction (a GTID, `file=<binlog>,pos=<position>`, a commit LSN ...).
#[derive(Debug, Clone, PartialEq)]
pub struct TransactionMetadata {
    /// `status` and, for `END`, the counts.
    pub boundary: TransactionBoundary,
    /// `id`.
    pub id: String,
    /// `ts_ms`: the time of the boundary at the source (milliseconds since the epoch);
    /// `None` when the event has none (Debezium before 2.x wrote no `ts_ms`).
    pub ts_ms: Option<i64>,
    /// Payload fields this crate does not model (a custom
    /// `transaction.metadata.factory` may add some), kept so re-encoding loses nothing.
    pub extra: Map<String, Json>,
}

impl TransactionMetadata {
    /// A `BEGIN` event.
    pub fn begin(id: impl Into<String>) -> Self {
        Self {
            boundary: TransactionBoundary::Begin,
            id: id.into(),
            ts_ms: None,
            extra: Map::new(),
        }
    }

    /// An `END` event with its per-table counts; `event_count` is their sum.
    pub fn end<S: Into<String>>(id: impl Into<String>, counts: impl IntoIterator<Item = (S, u64)>) -> Self {
        let data_collections: Vec<DataCollectionCount> = counts
            .into_iter()
            .map(|(data_collection, event_count)| DataCollectionCount {
                data_collection: data_collection.into(),
                event_count,
            })
            .collect();
        Self {
            boundary: TransactionBoundary::End {
                event_count: data_collections.iter().map(|c| c.event_count).sum(),
                data_collections,
            },
            id: id.into(),
            ts_ms: None,
            extra: Map::new(),
        }
    }

    /// Sets `ts_ms`, builder style.
    pub fn at(mut self, ts_ms: i64) -> Self {
        self.ts_ms = Some(ts_ms);
        self
    }

    /// Whether this is an `END` event.
    pub fn is_end(&self) -> bool {
        matches!(self.boundary, TransactionBoundary::End { .. })
    }

    /// The payload as Debezium writes it: every field, `event_count` and
    /// `data_collections` `null` for `BEGIN`.
    pub fn to_json(&self) -> Json {
        let mut payload = Map::new();
        let (status, count, collections) = match &self.boundary {
            TransactionBoundary::Begin => ("BEGIN", Json::Null, Json::Null),
            TransactionBoundary::End {
                event_count,
                data_collections,
            } => (
                "END",
                Json::from(*event_count),
                Json::Array(
                    data_collections
                        .iter()
                        .map(|c| json!({"data_collection": c.data_collection, "event_count": c.event_count}))
                        .collect(),
                ),
            ),
        };
        payload.insert("status".into(), Json::from(status));
        payload.insert("id".into(), Json::from(self.id.as_str()));
        payload.insert("event_count".into(), count);
        payload.insert("data_collections".into(), collections);
        if let Some(ts) = self.ts_ms {
            payload.insert("ts_ms".into(), Json::from(ts));
        }
        for (k, v) in &self.extra {
            payload.insert(k.clone(), v.clone());
        }
        Json::Object(payload)
    }
}

/// A decoded metadata record: the event, and the Connect schemas of the value and the
/// key when the record had the envelope (kept so encoding writes the same message).
#[derive(Debug, Clone, PartialEq)]
pub struct TransactionMetadataRecord {
    /// The event.
    pub metadata: TransactionMetadata,
    /// The `schema` half of the value's envelope, if it had one.
    pub schema: Option<Json>,
    /// The `schema` half of the key's envelope, if the record had an enveloped key.
    pub key_schema: Option<Json>,
}

impl TransactionMetadataRecord {
    /// A record without schemas (`schemas.enable=false`).
    pub fn plain(metadata: TransactionMetadata) -> Self {
        Self {
            metadata,
            schema: None,
            key_schema: None,
        }
    }

    /// A record with the schemas Debezium writes (`schemas.enable=true`).
    pub fn with_schemas(metadata: TransactionMetadata) -> Self {
        Self {
            metadata,
            schema: Some(DebeziumTransactionJson::value_schema()),
            key_schema: Some(DebeziumTransactionJson::key_schema()),
        }
    }
}

/// The codec of Debezium's transaction metadata events as the JSON converter writes
/// them, plain or in the `schema`/`payload` envelope. The record's key, `{"id": ...}`,
/// is checked against the value's `id`; a record without value is a tombstone.
///
/// ```
/// use cdc_core::{Decode, DebeziumTransactionJson, TransactionBoundary};
///
/// // From Debezium's PostgreSQL connector documentation ("Transaction metadata").
/// let end = br#"{"status": "END", "id": "571:53195832", "ts_ms": 1486500577691, "event_count": 2,
///   "data_collections": [{"data_collection": "s1.a", "event_count": 1},
///                        {"data_collection": "s2.a", "event_count": 1}]}"#;
/// let record = DebeziumTransactionJson
///     .decode(Some(br#"{"id": "571:53195832"}"#), Some(end))?
///     .into_change()
///     .expect("not a tombstone");
/// let TransactionBoundary::End { event_count, data_collections } = &record.metadata.boundary else {
///     panic!("an END event");
/// };
/// assert_eq!((*event_count, data_collections.len()), (2, 2));
/// let again: serde_json::Value = serde_json::from_slice(&DebeziumTransactionJson::encode(&record)).unwrap();
/// assert_eq!(again, serde_json::from_slice::<serde_json::Value>(end).unwrap());
/// # Ok::<(), cdc_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct DebeziumTransactionJson;

impl Decode for DebeziumTransactionJson {
    type Output = TransactionMetadataRecord;

    /// Decodes a record: `None` for the value (or an enveloped `null` payload) is a
    /// tombstone whose key is the `id` column. Errors name the field at fault.
    fn decode(&self, key: Option<&[u8]>, value: Option<&[u8]>) -> Result<Decoded<TransactionMetadataRecord>> {
        let key = key.map(decode_key).transpose()?;
        let Some(mut record) = value.map(decode_value).transpose()?.flatten() else {
            let key = key.map(|(id, _)| Row::new().with("id", Value::String(id)));
            return Ok(Decoded::Tombstone { key });
        };
        if let Some((id, key_schema)) = key {
            if id != record.metadata.id {
                return Err(Error::InvalidValue {
                    format: FORMAT,
                    field: "key.id".into(),
                    reason: format!("`{id}` is not the value's id `{}`", record.metadata.id),
                });
            }
            record.key_schema = key_schema;
        }
        Ok(Decoded::Change(record))
    }
}

impl DebeziumTransactionJson {
    /// Encodes the record's value: with its schema envelope if it has one.
    pub fn encode(record: &TransactionMetadataRecord) -> Vec<u8> {
        let payload = record.metadata.to_json();
        enveloped(record.schema.as_ref(), payload)
    }

    /// Encodes the record's key, `{"id": ...}`, with its schema envelope if it has one.
    pub fn encode_key(record: &TransactionMetadataRecord) -> Vec<u8> {
        let payload = json!({"id": record.metadata.id});
        enveloped(record.key_schema.as_ref(), payload)
    }

    /// The Connect schema Debezium gives the metadata value.
    pub fn value_schema() -> Json {
        json!({
            "type": "struct",
            "fields": [
                {"type": "string", "optional": false, "field": "status"},
                {"type": "string", "optional": false, "field": "id"},
                {"type": "int64", "optional": true, "field": "event_count"},
                {"type": "array", "items": {
                    "type": "struct",
                    "fields": [
                        {"type": "string", "optional": false, "field": "data_collection"},
                        {"type": "int64", "optional": false, "field": "event_count"}
                    ],
                    "optional": true, "name": "event.collection", "version": 1
                }, "optional": true, "field": "data_collections"},
                {"type": "int64", "optional": false, "field": "ts_ms"}
            ],
            "optional": false,
            "name": VALUE_SCHEMA_NAME,
            "version": 1
        })
    }

    /// The Connect schema Debezium gives the metadata key.
    pub fn key_schema() -> Json {
        json!({
            "type": "struct",
            "fields": [{"type": "string", "optional": false, "field": "id"}],
            "optional": false,
            "name": KEY_SCHEMA_NAME,
            "version": 1
        })
    }
}

fn enveloped(schema: Option<&Json>, payload: Json) -> Vec<u8> {
    let json = match schema {
        Some(schema) => json!({"schema": schema, "payload": payload}),
        None => payload,
    };
    serde_json::to_vec(&json).unwrap_or_default()
}

/// A record part's payload (`None` for an enveloped `null`) and its schema, if enveloped.
type Enveloped = (Option<Map<String, Json>>, Option<Json>);

/// The payload of a record part and its schema, if enveloped.
fn unwrap_envelope(root: Map<String, Json>, part: &str) -> Result<Enveloped> {
    if !(root.contains_key("schema") && root.contains_key("payload")) {
        return Ok((Some(root), None));
    }
    let mut root = root;
    let schema = root.remove("schema");
    match root.remove("payload").unwrap_or(Json::Null) {
        Json::Object(payload) => Ok((Some(payload), schema)),
        Json::Null => Ok((None, schema)),
        other => Err(Error::WrongType {
            format: FORMAT,
            field: format!("{part}.payload"),
            expected: "an object",
            found: json_type(&other),
        }),
    }
}

fn decode_key(bytes: &[u8]) -> Result<(String, Option<Json>)> {
    let (payload, schema) = unwrap_envelope(parse_object(FORMAT, "(key)", bytes)?, "key")?;
    let f = Fields {
        format: FORMAT,
        prefix: "key",
    };
    let payload = payload.ok_or_else(|| f.missing("id"))?;
    Ok((f.str(&payload, "id")?, schema))
}

fn decode_value(bytes: &[u8]) -> Result<Option<TransactionMetadataRecord>> {
    let (payload, schema) = unwrap_envelope(parse_object(FORMAT, "(value)", bytes)?, "value")?;
    let Some(mut payload) = payload else {
        return Ok(None);
    };
    let prefix = if schema.is_some() { "payload" } else { "" };
    let f = Fields {
        format: FORMAT,
        prefix,
    };
    let status = f.str(&payload, "status")?;
    let id = f.str(&payload, "id")?;
    let ts_ms = f.opt_i64(&payload, "ts_ms")?;
    let boundary = match status.as_str() {
        "BEGIN" => {
            for field in ["event_count", "data_collections"] {
                if payload.get(field).is_some_and(|v| !v.is_null()) {
                    return Err(Error::InvalidValue {
                        format: FORMAT,
                        field: f.path(field),
                        reason: "a BEGIN event has no counts".into(),
                    });
                }
            }
            TransactionBoundary::Begin
        }
        "END" => TransactionBoundary::End {
            event_count: count(&f, &payload, "event_count")?,
            data_collections: data_collections(&f, &payload)?,
        },
        other => {
            return Err(Error::InvalidValue {
                format: FORMAT,
                field: f.path("status"),
                reason: format!("expected `BEGIN` or `END`, found `{other}`"),
            });
        }
    };
    for known in ["status", "id", "ts_ms", "event_count", "data_collections"] {
        payload.remove(known);
    }
    Ok(Some(TransactionMetadataRecord {
        metadata: TransactionMetadata {
            boundary,
            id,
            ts_ms,
            extra: payload,
        },
        schema,
        key_schema: None,
    }))
}

/// A required count: an integer, not negative.
fn count(f: &Fields<'_>, obj: &Map<String, Json>, field: &str) -> Result<u64> {
    let n = f.opt_i64(obj, field)?.ok_or_else(|| f.missing(field))?;
    u64::try_from(n).map_err(|_| Error::InvalidValue {
        format: FORMAT,
        field: f.path(field),
        reason: format!("a count cannot be negative ({n})"),
    })
}

fn data_collections(f: &Fields<'_>, payload: &Map<String, Json>) -> Result<Vec<DataCollectionCount>> {
    let items = match payload.get("data_collections") {
        None | Some(Json::Null) => return Err(f.missing("data_collections")),
        Some(Json::Array(items)) => items,
        Some(other) => return Err(f.wrong("data_collections", "an array", other)),
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let path = f.path(&format!("data_collections[{i}]"));
            let Json::Object(item) = item else {
                return Err(Error::WrongType {
                    format: FORMAT,
                    field: path,
                    expected: "an object",
                    found: json_type(item),
                });
            };
            let inner = Fields {
                format: FORMAT,
                prefix: &path,
            };
            Ok(DataCollectionCount {
                data_collection: inner.str(item, "data_collection")?,
                event_count: count(&inner, item, "event_count")?,
            })
        })
        .collect()
}
