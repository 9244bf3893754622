//! Replicate's `DataRecord` in Avro form (seed 000: `data`, `beforeData`, `headers`).

use apache_avro::types::Value as Avro;
use serde_json::{Map, Value as Json, json};

use super::mask;
use super::record::{MAGIC, assemble, data_rows, encode_headers};
use crate::avro::{RowSchema, decode_datum, encode_datum, field, parse_schema, to_json, unwrap_union, wrong};
use crate::error::{Error, Result};
use crate::event::ChangeEvent;

const FORMAT: &str = "replicate-avro";
const OPERATIONS: [&str; 4] = ["INSERT", "UPDATE", "DELETE", "REFRESH"];

/// The Replicate Avro codec for one table's rows.
#[derive(Debug, Clone)]
pub struct ReplicateAvro {
    rows: RowSchema,
    schema: apache_avro::Schema,
}

impl ReplicateAvro {
    /// The codec of a table whose `data` rows have `rows` (record name `Data` in
    /// Replicate's schemas).
    pub fn new(rows: RowSchema) -> Result<Self> {
        let schema = parse_schema(&json!({
            "type": "record", "name": "DataRecord",
            "fields": [
                {"name": "data", "type": rows.to_json()},
                {"name": "beforeData", "type": ["null", rows.name], "default": null},
                {"name": "headers", "type": {"type": "record", "name": "Headers", "fields": [
                    {"name": "operation", "type": {"type": "enum", "name": "operation", "symbols": OPERATIONS}},
                    {"name": "changeSequence", "type": "string"},
                    {"name": "timestamp", "type": "string"},
                    {"name": "streamPosition", "type": "string"},
                    {"name": "transactionId", "type": "string"},
                    {"name": "changeMask", "type": ["null", "bytes"], "default": null},
                    {"name": "columnMask", "type": ["null", "bytes"], "default": null},
                    {"name": "transactionEventCounter", "type": ["null", "long"], "default": null},
                    {"name": "transactionLastEvent", "type": ["null", "boolean"], "default": null},
                    {"name": "externalSchemaId", "type": ["null", "string"], "default": null}
                ]}}
            ]
        }))?;
        Ok(Self { rows, schema })
    }

    /// The `DataRecord` schema.
    pub fn schema(&self) -> &apache_avro::Schema {
        &self.schema
    }

    /// The event as an Avro `DataRecord`.
    pub fn encode(&self, event: &ChangeEvent) -> Result<Avro> {
        let (data, before) = data_rows(event);
        let data = data.ok_or_else(|| Error::MissingField {
            format: FORMAT,
            field: "data".into(),
        })?;
        let headers = encode_headers(event);
        let text =
            |name: &str| Avro::String(headers.get(name).and_then(Json::as_str).unwrap_or("").to_owned());
        let nullable = |name: &str, v: Option<Avro>| match v {
            Some(v) => (name.to_owned(), Avro::Union(1, Box::new(v))),
            None => (name.to_owned(), Avro::Union(0, Box::new(Avro::Null))),
        };
        let op = headers
            .get("operation")
            .and_then(Json::as_str)
            .unwrap_or("REFRESH");
        let index = OPERATIONS.iter().position(|o| *o == op).unwrap_or(3) as u32;
        let mask = |name: &str| {
            headers
                .get(name)
                .and_then(Json::as_str)
                .and_then(mask::unhex)
                .map(Avro::Bytes)
        };
        let headers_record = Avro::Record(vec![
            ("operation".into(), Avro::Enum(index, op.to_owned())),
            ("changeSequence".into(), text("changeSequence")),
            ("timestamp".into(), text("timestamp")),
            ("streamPosition".into(), text("streamPosition")),
            ("transactionId".into(), text("transactionId")),
            nullable("changeMask", mask("changeMask")),
            nullable("columnMask", mask("columnMask")),
            nullable(
                "transactionEventCounter",
                headers
                    .get("transactionEventCounter")
                    .and_then(Json::as_i64)
                    .map(Avro::Long),
            ),
            nullable(
                "transactionLastEvent",
                headers
                    .get("transactionLastEvent")
                    .and_then(Json::as_bool)
                    .map(Avro::Boolean),
            ),
            nullable(
                "externalSchemaId",
                headers
                    .get("externalSchemaId")
                    .and_then(Json::as_str)
                    .map(|s| Avro::String(s.to_owned())),
            ),
        ]);
        Ok(Avro::Record(vec![
            ("data".into(), self.rows.encode_row(data, "data")?),
            (
                "beforeData".into(),
                match before {
                    Some(b) => Avro::Union(1, Box::new(self.rows.encode_row(b, "beforeData")?)),
                    None => Avro::Union(0, Box::new(Avro::Null)),
                },
            ),
            ("headers".into(), headers_record),
        ]))
    }

    /// The event of an Avro `DataRecord`.
    pub fn decode(&self, value: &Avro) -> Result<ChangeEvent> {
        let Avro::Record(fields) = value else {
            return Err(wrong("(record)", "a record", value));
        };
        let get = |name: &str| field(fields, name, FORMAT);
        let data = Some(self.rows.decode_row(get("data")?, "data")?);
        let before = match get("beforeData")? {
            Avro::Null => None,
            record => Some(self.rows.decode_row(record, "beforeData")?),
        };
        // Headers go through the JSON reader: the rules live there once. Empty strings
        // and nulls are what the JSON form leaves out.
        let headers: Map<String, Json> = match to_json(get("headers")?) {
            Json::Object(h) => h.into_iter().filter(|(_, v)| !v.is_null()).collect(),
            _ => return Err(wrong("headers", "a record", get("headers")?)),
        };
        let mut event = assemble(FORMAT, data, before, &headers, "headers")?;
        // Avro always carries these strings; the JSON form omits them when absent.
        for key in ["timestamp", "transactionId"] {
            if headers.get(key).and_then(Json::as_str) == Some("") {
                event.source.extra.shift_remove(key);
            }
        }
        if event.transaction.as_ref().is_some_and(|t| t.id.is_empty()) {
            event.transaction = None;
        }
        Ok(event)
    }

    /// The `MessageEnvelope` schema: the `atMSG` magic, the message type, optional
    /// headers, the message's own schema and the message as bytes.
    pub fn envelope_schema() -> Result<apache_avro::Schema> {
        parse_schema(&json!({
            "type": "record", "name": "MessageEnvelope", "namespace": "com.attunity.queue.msg",
            "fields": [
                {"name": "magic", "type": {"type": "fixed", "name": "Magic", "size": 5}},
                {"name": "type", "type": "string"},
                {"name": "headers", "type": ["null", {"type": "map", "values": "string"}], "default": null},
                {"name": "messageSchemaId", "type": ["null", "string"], "default": null},
                {"name": "messageSchema", "type": ["null", "string"], "default": null},
                {"name": "message", "type": "bytes"}
            ]
        }))
    }

    /// The event as a binary `MessageEnvelope` (type `DT`) carrying its `DataRecord`
    /// and that record's schema.
    pub fn encode_envelope(&self, event: &ChangeEvent) -> Result<Vec<u8>> {
        let envelope = Avro::Record(vec![
            ("magic".into(), Avro::Fixed(5, MAGIC.as_bytes().to_vec())),
            ("type".into(), Avro::String("DT".into())),
            ("headers".into(), Avro::Union(0, Box::new(Avro::Null))),
            ("messageSchemaId".into(), Avro::Union(0, Box::new(Avro::Null))),
            (
                "messageSchema".into(),
                // The full schema: the canonical form drops logical types (decimals, dates).
                Avro::Union(
                    1,
                    Box::new(Avro::String(serde_json::to_string(&self.schema).map_err(
                        |e| Error::InvalidValue {
                            format: FORMAT,
                            field: "messageSchema".into(),
                            reason: e.to_string(),
                        },
                    )?)),
                ),
            ),
            ("message".into(), Avro::Bytes(self.encode_binary(event)?)),
        ]);
        encode_datum(&Self::envelope_schema()?, envelope)
    }

    /// The event of a binary `MessageEnvelope`. The message is read with the schema the
    /// envelope carries (when it carries one), and its columns are taken by name.
    pub fn decode_envelope(&self, bytes: &[u8]) -> Result<ChangeEvent> {
        let Avro::Record(fields) = decode_datum(&Self::envelope_schema()?, bytes)? else {
            return Err(Error::MissingField {
                format: FORMAT,
                field: "(envelope)".into(),
            });
        };
        let field = |name: &str| {
            fields
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| unwrap_union(v))
        };
        match field("magic") {
            Some(Avro::Fixed(_, magic)) if magic.as_slice() == MAGIC.as_bytes() => {}
            _ => {
                return Err(Error::InvalidValue {
                    format: FORMAT,
                    field: "magic".into(),
                    reason: format!("expected `{}`", MAGIC),
                });
            }
        }
        let Some(Avro::Bytes(message)) = field("message") else {
            return Err(Error::MissingField {
                format: FORMAT,
                field: "message".into(),
            });
        };
        let record = match field("messageSchema") {
            Some(Avro::String(text)) => {
                let writer = apache_avro::Schema::parse_str(text).map_err(|e| Error::InvalidValue {
                    format: FORMAT,
                    field: "messageSchema".into(),
                    reason: e.to_string(),
                })?;
                // Read with the writer's schema; `decode` then takes columns by name
                // (columns the writer adds are ignored, a missing one is an error).
                decode_datum(&writer, message).map_err(|e| Error::InvalidValue {
                    format: FORMAT,
                    field: "message".into(),
                    reason: e.to_string(),
                })?
            }
            _ => decode_datum(&self.schema, message)?,
        };
        self.decode(&record)
    }

    /// The event as Avro binary (no envelope, no registry framing).
    pub fn encode_binary(&self, event: &ChangeEvent) -> Result<Vec<u8>> {
        encode_datum(&self.schema, self.encode(event)?)
    }

    /// The event of Avro binary; truncated input is an error.
    pub fn decode_binary(&self, bytes: &[u8]) -> Result<ChangeEvent> {
        self.decode(&decode_datum(&self.schema, bytes)?)
    }
}
