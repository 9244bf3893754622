//! Replicate's `DataRecord` in Avro form (seed 000: `data`, `beforeData`, `headers`).

use apache_avro::types::Value as Avro;
use serde_json::{Map, Value as Json, json};

use super::mask;
use super::record::{MAGIC, assemble, data_rows, encode_headers};
use crate::avro::{
    CompiledSchema, KeySchema, RowSchema, decode_key, encode_key, field, parse_schema, read_datum, to_json,
    unwrap_union, wrong,
};
use crate::decode::{Decode, Decoded};
use crate::error::{Error, Result};
use crate::event::ChangeEvent;
use crate::row::Row;

const FORMAT: &str = "replicate-avro";
const OPERATIONS: [&str; 4] = ["INSERT", "UPDATE", "DELETE", "REFRESH"];

/// The Replicate Avro codec for one table's rows. It decodes through [`Decode`] a
/// record's value, a `DataRecord` as Avro binary or one inside a binary
/// `MessageEnvelope`; a record's key is read when the codec holds the key's columns
/// ([`with_key`](Self::with_key)), else left out of the event.
///
/// ```
/// use cdc_core::avro::{ColumnType, RowSchema};
/// use cdc_core::{Decode, Operation, ReplicateAvro, ReplicateJson};
///
/// let rows = RowSchema { name: "Data".into(), columns: vec![("ID".into(), ColumnType::Long)] };
/// let codec = ReplicateAvro::new(rows)?;
/// let json = br#"{"data":{"ID":8},"beforeData":null,
///     "headers":{"operation":"INSERT","changeSequence":"1","streamPosition":"a"}}"#;
/// let event = ReplicateJson.decode(None, Some(json))?.into_change().expect("a change").event;
/// for value in [codec.encode_binary(&event)?, codec.encode_envelope(&event)?] {
///     assert_eq!(codec.decode(None, Some(&value))?.into_change(), Some(event.clone()));
/// }
/// # Ok::<(), cdc_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ReplicateAvro {
    rows: RowSchema,
    schema: CompiledSchema,
    envelope: CompiledSchema,
    key: Option<KeySchema>,
}

impl Decode for ReplicateAvro {
    type Output = ChangeEvent;

    /// Decodes a record: `None` for the value is a tombstone; a value that starts with
    /// the `atMSG` magic is a `MessageEnvelope`, any other a bare `DataRecord` (whose
    /// first byte, a union or enum index, is never the magic's `a`). The key is read
    /// with the key columns given to [`with_key`](Self::with_key), if any.
    fn decode(&self, key: Option<&[u8]>, value: Option<&[u8]>) -> Result<Decoded<ChangeEvent>> {
        let event = value
            .map(|bytes| match bytes.starts_with(MAGIC.as_bytes()) {
                true => self.decode_envelope(bytes),
                false => self.decode_binary(bytes),
            })
            .transpose()?;
        let key = decode_key(self.key.as_ref(), key, FORMAT)?;
        Ok(Decoded::keyed(event, key, |event| event))
    }
}

impl ReplicateAvro {
    /// The codec of a table whose `data` rows have `rows` (record name `Data` in
    /// Replicate's schemas).
    pub fn new(rows: RowSchema) -> Result<Self> {
        let schema = CompiledSchema::parse(
            &json!({
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
            }),
            FORMAT,
        )?;
        Ok(Self {
            rows,
            schema,
            envelope: CompiledSchema::new(Self::envelope_schema()?, FORMAT)?,
            key: None,
        })
    }

    /// The codec, reading and writing record keys as Avro records of `key`'s columns
    /// (the table's primary key).
    pub fn with_key(self, key: RowSchema) -> Result<Self> {
        Ok(Self {
            key: Some(KeySchema::new(key, FORMAT)?),
            ..self
        })
    }

    /// The `DataRecord` schema.
    pub fn schema(&self) -> &apache_avro::Schema {
        self.schema.schema()
    }

    /// The event as an Avro `DataRecord`.
    pub fn to_avro(&self, event: &ChangeEvent) -> Result<Avro> {
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
            ("data".into(), self.rows.encode_row(&data, "data", FORMAT)?),
            (
                "beforeData".into(),
                match before {
                    Some(b) => Avro::Union(1, Box::new(self.rows.encode_row(b, "beforeData", FORMAT)?)),
                    None => Avro::Union(0, Box::new(Avro::Null)),
                },
            ),
            ("headers".into(), headers_record),
        ]))
    }

    /// The event of an Avro `DataRecord`.
    pub fn from_avro(&self, value: &Avro) -> Result<ChangeEvent> {
        let Avro::Record(fields) = value else {
            return Err(wrong(FORMAT, "(record)", "a record", value));
        };
        let get = |name: &str| field(fields, name, FORMAT);
        let data = Some(self.rows.decode_row(get("data")?, "data", FORMAT)?);
        let before = match get("beforeData")? {
            Avro::Null => None,
            record => Some(self.rows.decode_row(record, "beforeData", FORMAT)?),
        };
        // Headers go through the JSON reader: the rules live there once. Empty strings
        // and nulls are what the JSON form leaves out.
        let headers: Map<String, Json> = match to_json(get("headers")?) {
            Json::Object(h) => h.into_iter().filter(|(_, v)| !v.is_null()).collect(),
            _ => return Err(wrong(FORMAT, "headers", "a record", get("headers")?)),
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
        parse_schema(
            &json!({
                "type": "record", "name": "MessageEnvelope", "namespace": "com.attunity.queue.msg",
                "fields": [
                    {"name": "magic", "type": {"type": "fixed", "name": "Magic", "size": 5}},
                    {"name": "type", "type": "string"},
                    {"name": "headers", "type": ["null", {"type": "map", "values": "string"}], "default": null},
                    {"name": "messageSchemaId", "type": ["null", "string"], "default": null},
                    {"name": "messageSchema", "type": ["null", "string"], "default": null},
                    {"name": "message", "type": "bytes"}
                ]
            }),
            FORMAT,
        )
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
                    Box::new(Avro::String(
                        serde_json::to_string(self.schema.schema()).map_err(|source| Error::WriteJson {
                            format: FORMAT,
                            field: "messageSchema".into(),
                            source,
                        })?,
                    )),
                ),
            ),
            ("message".into(), Avro::Bytes(self.encode_binary(event)?)),
        ]);
        self.envelope.write(envelope, FORMAT, "(value)")
    }

    /// The event of a binary `MessageEnvelope`. The message is read with the schema the
    /// envelope carries (when it carries one), and its columns are taken by name.
    fn decode_envelope(&self, bytes: &[u8]) -> Result<ChangeEvent> {
        let Avro::Record(fields) = self.envelope.read(bytes, FORMAT, "(value)")? else {
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
        let kind = match field("type") {
            Some(Avro::String(kind)) => Some(kind.as_str()),
            _ => None,
        };
        super::record::check_data_message(FORMAT, kind)?;
        let Some(Avro::Bytes(message)) = field("message") else {
            return Err(Error::MissingField {
                format: FORMAT,
                field: "message".into(),
            });
        };
        let record = match field("messageSchema") {
            Some(Avro::String(text)) => {
                let writer = apache_avro::Schema::parse_str(text).map_err(|source| Error::Avro {
                    format: FORMAT,
                    field: "messageSchema".into(),
                    offset: None,
                    source,
                })?;
                // Read with the writer's schema; `from_avro` then takes columns by name
                // (columns the writer adds are ignored, a missing one is an error).
                read_datum(&writer, message, FORMAT, "message")?
            }
            _ => self.schema.read(message, FORMAT, "message")?,
        };
        self.from_avro(&record)
    }

    /// The event as Avro binary (no envelope, no registry framing).
    pub fn encode_binary(&self, event: &ChangeEvent) -> Result<Vec<u8>> {
        self.schema.write(self.to_avro(event)?, FORMAT, "(value)")
    }

    /// A record key as Avro binary: the columns of [`with_key`](Self::with_key) taken
    /// from `key`. An error when the codec was given no key columns.
    pub fn encode_key(&self, key: &Row) -> Result<Vec<u8>> {
        encode_key(self.key.as_ref(), key, FORMAT)
    }

    /// The event of a bare `DataRecord` as Avro binary; truncated input is an error.
    fn decode_binary(&self, bytes: &[u8]) -> Result<ChangeEvent> {
        self.from_avro(&self.schema.read(bytes, FORMAT, "(value)")?)
    }
}
