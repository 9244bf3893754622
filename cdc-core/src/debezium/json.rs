//! Debezium events as the JSON converter writes them: with the `schema`/`payload`
//! envelope (`schemas.enable=true`) or the plain payload, and the tombstone (a record
//! without value) that follows a delete.

use serde_json::{Map, Value as Json};

use super::view::DebeziumRef;
use super::{schema, source};
use crate::decode::{Decode, Decoded};
use crate::error::{Error, Result};
use crate::event::{ChangeEvent, Operation, Transaction};
use crate::json::{Fields, parse_object};
use crate::row::Row;

pub(super) const FORMAT: &str = "debezium-json";

/// A decoded Debezium message: the event, and the Connect schema it came with (kept so
/// encoding writes the same envelope back).
#[derive(Debug, Clone, PartialEq)]
pub struct DebeziumRecord {
    /// The event.
    pub event: ChangeEvent,
    /// The `schema` half of the envelope, if the message had one.
    pub schema: Option<Json>,
}

impl AsRef<ChangeEvent> for DebeziumRecord {
    fn as_ref(&self) -> &ChangeEvent {
        &self.event
    }
}

impl From<DebeziumRecord> for ChangeEvent {
    fn from(record: DebeziumRecord) -> Self {
        record.event
    }
}

/// The Debezium JSON codec. It decodes through [`Decode`]: a record's value is the
/// payload, plain (`schemas.enable=false`) or in the `schema`/`payload` envelope; its
/// key, when the record has one, holds the primary-key columns (a JSON object, with or
/// without the envelope) and becomes the event's [`key`](ChangeEvent::key).
///
/// ```
/// use cdc_core::{DebeziumJson, Decode, Decoded, Operation, Row, Value};
/// let key = br#"{"id":1004}"#;
/// let value = br#"{"before":null,"after":{"id":1004,"email":"annek@noanswer.org"},
///   "source":{"connector":"mysql","name":"mysql-server-1","db":"inventory","table":"customers",
///             "file":"mysql-bin.000003","pos":805,"row":0,"server_id":223344},
///   "op":"c","ts_ms":1465581902461}"#;
/// let record = DebeziumJson.decode(Some(key), Some(value))?.into_change().expect("not a tombstone");
/// assert_eq!(record.event.op, Operation::Create);
/// assert_eq!(record.event.key, Some(Row::new().with("id", Value::Int(1004))));
/// // The tombstone after a delete: no value, the deleted row's key.
/// assert_eq!(
///     DebeziumJson.decode(Some(key), None)?,
///     Decoded::Tombstone { key: Some(Row::new().with("id", Value::Int(1004))) }
/// );
/// # Ok::<(), cdc_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct DebeziumJson;

impl Decode for DebeziumJson {
    type Output = DebeziumRecord;

    /// Decodes a record: `None` for the value (or an enveloped `null` payload) is a
    /// tombstone. Errors name the field at fault, in the key or the value.
    fn decode(&self, key: Option<&[u8]>, value: Option<&[u8]>) -> Result<Decoded<DebeziumRecord>> {
        let record = value.map(Self::decode_value).transpose()?.flatten();
        let key = key.map(Self::decode_key).transpose()?;
        Ok(Decoded::keyed(record, key, |record| &mut record.event))
    }
}

impl DebeziumJson {
    /// A record value by the fast path when the views read it, else by the reference
    /// decoder; `None` for an enveloped tombstone.
    fn decode_value(bytes: &[u8]) -> Result<Option<DebeziumRecord>> {
        if let Some(Ok(event)) = super::view::decode_owned(bytes) {
            return Ok(Some(DebeziumRecord { event, schema: None }));
        }
        Self::decode_reference(bytes)
    }

    /// Decodes a plain payload (`schemas.enable=false`) into a view that borrows from
    /// `value`; see [`crate::view`]. `None` (a tombstone) decodes to `None`. A message
    /// with the schema envelope is refused (decode it with [`Decode::decode`]); bad
    /// input gets the same error as from `decode`.
    pub fn decode_view(value: Option<&[u8]>) -> Result<Option<DebeziumRef<'_>>> {
        let Some(bytes) = value else { return Ok(None) };
        if let Some(view) = super::view::decode(bytes) {
            return Ok(Some(view));
        }
        match Self::decode_reference(bytes)? {
            None => Ok(None),
            Some(_) => Err(Error::InvalidValue {
                format: FORMAT,
                field: "schema".into(),
                reason: "a view reads plain payloads; decode messages with the schema envelope with \
                         `Decode::decode`"
                    .into(),
            }),
        }
    }

    /// The reference decoder: through a JSON tree, for the schema envelope and for
    /// errors that name the field. Public for tests that check the fast path against it.
    #[doc(hidden)]
    pub fn decode_reference(bytes: &[u8]) -> Result<Option<DebeziumRecord>> {
        let root = parse_object(FORMAT, "(value)", bytes)?;
        let top = Fields {
            format: FORMAT,
            prefix: "",
        };
        let (payload, schema, prefix) = if root.contains_key("payload") && root.contains_key("schema") {
            let payload = match root.get("payload") {
                Some(Json::Null) => return Ok(None), // an enveloped tombstone
                _ => top.object(&root, "payload")?,
            };
            (payload, root.get("schema").cloned(), "payload")
        } else {
            (&root, None, "")
        };
        let f = Fields {
            format: FORMAT,
            prefix,
        };
        let code = f.str(payload, "op")?;
        let op = Operation::from_debezium(&code).ok_or_else(|| Error::UnknownOperation {
            format: FORMAT,
            field: f.path("op"),
            value: code.clone(),
        })?;
        let row = |side: &str| -> Result<Option<Row>> {
            let fields = schema.as_ref().and_then(|s| schema::row_fields(s, side));
            f.opt_object(payload, side)?
                .map(|r| schema::decode_row(r, fields.as_deref(), side))
                .transpose()
        };
        let source_block = f.opt_object(payload, "source")?;
        let source_fields = Fields {
            format: FORMAT,
            prefix: &f.path("source"),
        };
        let source = match source_block {
            Some(block) => source::decode(block, &source_fields)?,
            None => Default::default(),
        };
        let transaction = match f.opt_object(payload, "transaction")? {
            None => None,
            Some(t) => {
                let tf = Fields {
                    format: FORMAT,
                    prefix: &f.path("transaction"),
                };
                Some(Transaction {
                    id: tf.str(t, "id")?,
                    total_order: tf.opt_i64(t, "total_order")?,
                    data_collection_order: tf.opt_i64(t, "data_collection_order")?,
                })
            }
        };
        let event = ChangeEvent {
            op,
            before: row("before")?,
            after: row("after")?,
            source,
            transaction,
            key: None,
            ts_ms: f.opt_i64(payload, "ts_ms")?,
        };
        event.check()?;
        Ok(Some(DebeziumRecord { event, schema }))
    }

    /// Decodes a record key: the primary-key columns as a JSON object, with or without
    /// the schema envelope.
    fn decode_key(key: &[u8]) -> Result<Row> {
        let root = parse_object(FORMAT, "(key)", key)?;
        let f = Fields {
            format: FORMAT,
            prefix: "key",
        };
        let (columns, fields) = if root.contains_key("payload") && root.contains_key("schema") {
            let fields = root
                .get("schema")
                .and_then(|s| s.get("fields"))
                .and_then(Json::as_array);
            (f.object(&root, "payload")?, fields)
        } else {
            (&root, None)
        };
        columns
            .iter()
            .map(|(column, json)| {
                let schema = fields.and_then(|fs| {
                    fs.iter()
                        .find(|s| s.get("field").and_then(Json::as_str) == Some(column))
                });
                let value = match schema {
                    Some(s) => schema::decode(json, s, &format!("key.{column}"))?,
                    None => crate::value::Value::from_json(json),
                };
                Ok((column.clone(), value))
            })
            .collect()
    }

    /// Encodes a record: with its schema envelope if it has one, else the plain payload.
    pub fn encode(record: &DebeziumRecord) -> Vec<u8> {
        let payload = Self::payload(&record.event, record.schema.as_ref());
        let json = match &record.schema {
            Some(schema) => {
                let mut root = Map::new();
                root.insert("schema".into(), schema.clone());
                root.insert("payload".into(), payload);
                Json::Object(root)
            }
            None => payload,
        };
        serde_json::to_vec(&json).unwrap_or_default()
    }

    /// Encodes an event as a plain payload (`schemas.enable=false`).
    pub fn encode_event(event: &ChangeEvent) -> Vec<u8> {
        serde_json::to_vec(&Self::payload(event, None)).unwrap_or_default()
    }

    pub(crate) fn payload(event: &ChangeEvent, schema_json: Option<&Json>) -> Json {
        let row = |row: &Option<Row>, side: &str| -> Json {
            let Some(row) = row else { return Json::Null };
            let fields = schema_json.and_then(|s| schema::row_fields(s, side));
            Json::Object(
                row.iter()
                    .map(|(c, v)| {
                        let column_schema = fields
                            .as_ref()
                            .and_then(|f| f.iter().find(|(n, _)| *n == c).map(|(_, s)| *s));
                        let json = match column_schema {
                            Some(s) => schema::encode(v, s),
                            None => v.to_json(),
                        };
                        (c.to_owned(), json)
                    })
                    .collect(),
            )
        };
        let mut payload = Map::new();
        payload.insert("before".into(), row(&event.before, "before"));
        payload.insert("after".into(), row(&event.after, "after"));
        payload.insert("source".into(), source::encode(&event.source));
        payload.insert("op".into(), Json::String(event.op.debezium_code().into()));
        payload.insert("ts_ms".into(), event.ts_ms.map_or(Json::Null, Json::from));
        payload.insert(
            "transaction".into(),
            event.transaction.as_ref().map_or(Json::Null, |t| {
                serde_json::json!({
                    "id": t.id,
                    "total_order": t.total_order,
                    "data_collection_order": t.data_collection_order,
                })
            }),
        );
        Json::Object(payload)
    }
}
