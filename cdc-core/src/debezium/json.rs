//! Debezium events as the JSON converter writes them: with the `schema`/`payload`
//! envelope (`schemas.enable=true`) or the plain payload, and the tombstone (a record
//! without value) that follows a delete.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value as Json};

use super::view::DebeziumRef;
use super::{schema, source};
use crate::decode::{Decode, Decoded};
use crate::error::{Error, Result};
use crate::event::{ChangeEvent, LogicalMessage, MessageContent, Operation, Transaction};
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
    /// The `schema` half of the key's envelope, if the record's key had one.
    pub key_schema: Option<Json>,
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
        let mut record = value.map(Self::decode_value).transpose()?.flatten();
        let (key, key_schema) = match key.map(Self::decode_key_enveloped).transpose()? {
            Some((row, schema)) => (Some(row), schema),
            None => (None, None),
        };
        // Set in place: a record is large, and moving it costs more than its decoding's
        // small steps.
        if let Some(record) = record.as_mut() {
            record.key_schema = key_schema;
        }
        Ok(Decoded::keyed(record, key, |record| &mut record.event))
    }
}

impl DebeziumJson {
    /// A record value by the fast path when the views read it, else by the reference
    /// decoder; `None` for an enveloped tombstone.
    fn decode_value(bytes: &[u8]) -> Result<Option<DebeziumRecord>> {
        if let Some(Ok(event)) = super::view::decode_owned(bytes) {
            return Ok(Some(DebeziumRecord {
                event,
                schema: None,
                key_schema: None,
            }));
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
        let message = match op {
            Operation::Message => f
                .opt_object(payload, "message")?
                .map(|block| {
                    message(
                        block,
                        schema.as_ref(),
                        &Fields {
                            format: FORMAT,
                            prefix: &f.path("message"),
                        },
                    )
                })
                .transpose()?,
            _ => None,
        };
        let extra = payload
            .iter()
            .filter(|(k, _)| !is_envelope_field(op, k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let event = ChangeEvent {
            op,
            before: row("before")?,
            after: row("after")?,
            source,
            transaction,
            key: None,
            ts_ms: f.opt_i64(payload, "ts_ms")?,
            ts_us: f.opt_i64(payload, "ts_us")?,
            ts_ns: f.opt_i64(payload, "ts_ns")?,
            message,
            extra,
        };
        event.check()?;
        Ok(Some(DebeziumRecord {
            event,
            schema,
            key_schema: None,
        }))
    }

    /// Decodes a record key: the primary-key columns as a JSON object, with or without
    /// the schema envelope.
    pub(super) fn decode_key(key: &[u8]) -> Result<Row> {
        Ok(Self::decode_key_enveloped(key)?.0)
    }

    /// A record key's columns and the `schema` half of its envelope, if it has one.
    fn decode_key_enveloped(key: &[u8]) -> Result<(Row, Option<Json>)> {
        let root = parse_object(FORMAT, "(key)", key)?;
        let f = Fields {
            format: FORMAT,
            prefix: "key",
        };
        let key_schema = (root.contains_key("payload") && root.contains_key("schema"))
            .then(|| root.get("schema").cloned())
            .flatten();
        let (columns, fields) = match &key_schema {
            Some(schema) => (
                f.object(&root, "payload")?,
                schema.get("fields").and_then(Json::as_array),
            ),
            None => (&root, None),
        };
        let row = columns
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
            .collect::<Result<Row>>()?;
        Ok((row, key_schema))
    }

    /// Encodes the record's key, the event's [`key`](ChangeEvent::key) columns, as
    /// Debezium's key converter wrote it: with the key's schema envelope if the decoded
    /// key had one, else the plain object (its values in the forms the value's schema
    /// gives its columns, when the record has one). `None` when the event has no key.
    ///
    /// ```
    /// use cdc_core::{DebeziumJson, Decode};
    /// let key = br#"{"schema": {"type": "struct", "name": "shop.public.orders.Key", "optional": false,
    ///     "fields": [{"field": "id", "type": "int64", "optional": false}]}, "payload": {"id": 7}}"#;
    /// let value = br#"{"before": null, "after": {"id": 7}, "op": "c"}"#;
    /// let record = DebeziumJson.decode(Some(key), Some(value))?.into_change().expect("a change");
    /// let again: serde_json::Value = serde_json::from_slice(&DebeziumJson::encode_key(&record).unwrap()).unwrap();
    /// assert_eq!(again, serde_json::from_slice::<serde_json::Value>(key).unwrap());
    /// # Ok::<(), cdc_core::Error>(())
    /// ```
    pub fn encode_key(record: &DebeziumRecord) -> Option<Vec<u8>> {
        let key = record.event.key.as_ref()?;
        let fields = match (&record.key_schema, &record.schema) {
            (Some(key_schema), _) => Some(schema::struct_fields(key_schema)),
            (None, Some(value_schema)) => schema::row_fields(value_schema, "after")
                .or_else(|| schema::row_fields(value_schema, "before")),
            (None, None) => None,
        };
        let payload = encode_columns(key, fields.as_deref());
        let json = match &record.key_schema {
            Some(schema) => serde_json::json!({"schema": schema, "payload": payload}),
            None => Json::Object(payload),
        };
        Some(serde_json::to_vec(&json).unwrap_or_default())
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

    /// Encodes an event as a plain payload (`schemas.enable=false`), each value in its
    /// own JSON form ([`Value::to_json`](crate::Value::to_json): decimals as text, times
    /// as this crate holds them). An event built here has no schema to say otherwise;
    /// for a decoded record, [`encode`](Self::encode) and
    /// [`encode_schemaless`](Self::encode_schemaless) give the forms Debezium wrote.
    pub fn encode_event(event: &ChangeEvent) -> Vec<u8> {
        serde_json::to_vec(&Self::payload(event, None)).unwrap_or_default()
    }

    /// Encodes a record as the plain payload (`schemas.enable=false`) Debezium would have
    /// written for it: its values in the forms the record's schema gives them (a decimal
    /// as its bytes, a time in its schema's unit, a JSON column as text, the unavailable
    /// placeholder in its column's form), without the `schema`/`payload` envelope.
    ///
    /// ```
    /// use cdc_core::{DebeziumJson, Decode};
    /// let value = br#"{"schema": {"type": "struct", "fields": [
    ///     {"field": "after", "type": "struct", "optional": true, "fields": [
    ///       {"field": "price", "type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "parameters": {"scale": "2"}},
    ///       {"field": "at", "type": "int64", "name": "io.debezium.time.Timestamp"}]}]},
    ///   "payload": {"before": null, "after": {"price": "MDk=", "at": 1700000000123}, "op": "c"}}"#;
    /// let record = DebeziumJson.decode(None, Some(value))?.into_change().expect("a change");
    /// let plain: serde_json::Value = serde_json::from_slice(&DebeziumJson::encode_schemaless(&record)).unwrap();
    /// assert_eq!(plain["after"], serde_json::json!({"price": "MDk=", "at": 1700000000123_i64}));
    /// # Ok::<(), cdc_core::Error>(())
    /// ```
    pub fn encode_schemaless(record: &DebeziumRecord) -> Vec<u8> {
        serde_json::to_vec(&Self::payload(&record.event, record.schema.as_ref())).unwrap_or_default()
    }

    pub(crate) fn payload(event: &ChangeEvent, schema_json: Option<&Json>) -> Json {
        let row = |row: &Option<Row>, side: &str| -> Json {
            let Some(row) = row else { return Json::Null };
            let fields = schema_json.and_then(|s| schema::row_fields(s, side));
            Json::Object(encode_columns(row, fields.as_deref()))
        };
        // Debezium's fields, in its order: a logical decoding message has no rows; the
        // microsecond and nanosecond times are left out by versions before 2.6.
        let mut payload = Map::new();
        let rows = event.op != Operation::Message;
        if rows || event.before.is_some() {
            payload.insert("before".into(), row(&event.before, "before"));
        }
        if rows || event.after.is_some() {
            payload.insert("after".into(), row(&event.after, "after"));
        }
        payload.insert("source".into(), source::encode(&event.source));
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
        payload.insert("op".into(), Json::String(event.op.debezium_code().into()));
        payload.insert("ts_ms".into(), event.ts_ms.map_or(Json::Null, Json::from));
        if let Some(ts_us) = event.ts_us {
            payload.insert("ts_us".into(), Json::from(ts_us));
        }
        if let Some(ts_ns) = event.ts_ns {
            payload.insert("ts_ns".into(), Json::from(ts_ns));
        }
        if let Some(m) = &event.message {
            payload.insert(
                "message".into(),
                serde_json::json!({"prefix": m.prefix, "content": content_text(&m.content)}),
            );
        }
        for (k, v) in &event.extra {
            payload.entry(k.clone()).or_insert_with(|| v.clone());
        }
        if let Some(schema) = schema_json {
            fit_to_schema(&mut payload, schema);
        }
        Json::Object(payload)
    }
}

/// A row's columns as JSON: each in the form its Connect schema among `fields` gives it,
/// a column without one in its own JSON form.
fn encode_columns(row: &Row, fields: Option<&[(&str, &Json)]>) -> Map<String, Json> {
    row.iter()
        .map(|(column, value)| {
            let column_schema = fields.and_then(|f| f.iter().find(|(n, _)| *n == column).map(|(_, s)| *s));
            let json = match column_schema {
                Some(s) => schema::encode(value, s),
                None => value.to_json(),
            };
            (column.to_owned(), json)
        })
        .collect()
}

/// The envelope fields the model holds (`message` only in a logical decoding message);
/// any other top-level field goes to [`ChangeEvent::extra`].
fn is_envelope_field(op: Operation, field: &str) -> bool {
    matches!(
        field,
        "before" | "after" | "source" | "transaction" | "op" | "ts_ms" | "ts_us" | "ts_ns"
    ) || (op == Operation::Message && field == "message")
}

/// The `message` block of a logical decoding message: `prefix` and `content`, nothing
/// else. `schema` is the record's Connect schema, which tells whether the content is
/// bytes or text.
fn message(block: &Map<String, Json>, schema: Option<&Json>, f: &Fields<'_>) -> Result<LogicalMessage> {
    if let Some(unknown) = block.keys().find(|k| !matches!(k.as_str(), "prefix" | "content")) {
        return Err(Error::InvalidValue {
            format: FORMAT,
            field: f.path(unknown),
            reason: "not a field of a logical decoding message".into(),
        });
    }
    let text = f.str(block, "content")?;
    let content = match schema.and_then(content_is_bytes) {
        // Without a schema: bytes when the text is base64, as the default mode sends them.
        None => content_of_text(text),
        Some(false) => MessageContent::Text(text),
        Some(true) => MessageContent::Bytes(STANDARD.decode(&text).map_err(|e| Error::InvalidValue {
            format: FORMAT,
            field: f.path("content"),
            reason: format!("bytes that are not base64: {e}"),
        })?),
    };
    Ok(LogicalMessage {
        prefix: f.str(block, "prefix")?,
        content,
    })
}

/// Whether the Connect schema of a message record types `message.content` as bytes (the
/// default `binary.handling.mode`) rather than text; `None` when it does not say.
fn content_is_bytes(schema: &Json) -> Option<bool> {
    let field = |s: &'_ Json, name: &str| -> Option<Json> {
        s.get("fields")?
            .as_array()?
            .iter()
            .find(|f| f.get("field").and_then(Json::as_str) == Some(name))
            .cloned()
    };
    let content = field(schema, "message").and_then(|m| field(&m, "content"))?;
    match content.get("type").and_then(Json::as_str)? {
        "bytes" => Some(true),
        "string" => Some(false),
        _ => None,
    }
}

/// The content of a plain payload's `content` text: the bytes when it is base64 (what
/// the default `binary.handling.mode` sends), else the text as sent.
pub(super) fn content_of_text(text: String) -> MessageContent {
    match STANDARD.decode(&text) {
        Ok(bytes) => MessageContent::Bytes(bytes),
        Err(_) => MessageContent::Text(text),
    }
}

/// The JSON text of a message's content.
fn content_text(content: &MessageContent) -> String {
    match content {
        MessageContent::Bytes(bytes) => STANDARD.encode(bytes),
        MessageContent::Text(text) => text.clone(),
    }
}

/// The envelope fields the encoder sets on its own, which the record's Connect schema
/// decides: Debezium's converter writes every field of the schema (`null` when unset)
/// and no other.
const SCHEMA_DECIDES: &[&str] = &["before", "after", "transaction", "ts_ms", "ts_us", "ts_ns"];

/// `payload` with the fields of [`SCHEMA_DECIDES`] as the schema's `fields` list them:
/// unset ones it does not list left out, unset ones it lists written as `null`.
fn fit_to_schema(payload: &mut Map<String, Json>, schema: &Json) {
    let Some(fields) = schema.get("fields").and_then(Json::as_array) else {
        return;
    };
    let listed = |name: &str| {
        fields
            .iter()
            .any(|f| f.get("field").and_then(Json::as_str) == Some(name))
    };
    for name in SCHEMA_DECIDES {
        match payload.get(*name) {
            Some(Json::Null) if !listed(name) => {
                payload.shift_remove(*name);
            }
            None if listed(name) => {
                payload.insert((*name).to_owned(), Json::Null);
            }
            _ => {}
        }
    }
}
