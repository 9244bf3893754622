//! Debezium's envelope in Avro form.

use apache_avro::types::Value as Avro;
use serde_json::{Map, Value as Json, json};

use super::source;
use crate::avro::{
    CompiledSchema, KeySchema, RowSchema, decode_key, encode_key, field, to_json, unwrap_union, wrong,
};
use crate::decode::{Decode, Decoded};
use crate::error::{Error, Result};
use crate::event::{ChangeEvent, LogicalMessage, MessageContent, Operation, Transaction};
use crate::json::Fields;
use crate::row::Row;

const FORMAT: &str = "debezium-avro";

/// Source fields of the Avro form: the common ones and every connector's position.
const SOURCE_FIELDS: &[(&str, &str)] = &[
    ("connector", "string"),
    ("name", "string"),
    ("ts_ms", "long"),
    ("ts_us", "long"),
    ("ts_ns", "long"),
    ("snapshot", "string"),
    ("db", "string"),
    ("schema", "string"),
    ("table", "string"),
    ("txId", "long"),
    ("lsn", "long"),
    ("server_id", "long"),
    ("gtid", "string"),
    ("file", "string"),
    ("pos", "long"),
    ("row", "long"),
    ("change_lsn", "string"),
    ("commit_lsn", "string"),
    ("event_serial_no", "long"),
    ("change_sequence", "string"),
    ("stream_position", "string"),
];

/// The Debezium Avro codec for one table's rows. It decodes Avro binary (without the
/// registry's framing) through [`Decode`]; a record's key is read when the codec holds
/// the key's columns ([`with_key`](Self::with_key)), else left out of the event.
///
/// The envelope's schema has Debezium's fields (`before`, `after`, `source`, `op`,
/// `ts_ms`, `transaction`, `ts_us`, `ts_ns`) and a `message` for logical decoding
/// messages. Its `source` has the common fields and every connector's position; other
/// source fields and the event's [`extra`](ChangeEvent::extra) top-level fields have no
/// place in it and are not written.
///
/// ```
/// use cdc_core::avro::{RowSchema, ColumnType};
/// use cdc_core::{ChangeEvent, DebeziumAvro, Decode, Operation, Row, Source, Value};
///
/// let rows = RowSchema { name: "Value".into(), columns: vec![("id".into(), ColumnType::Long)] };
/// let key = RowSchema { name: "Key".into(), columns: vec![("id".into(), ColumnType::Long)] };
/// let codec = DebeziumAvro::new("dbserver1.inventory.customers", rows)?.with_key(key)?;
/// let row = Row::new().with("id", Value::Int(7));
/// let mut event = ChangeEvent::new(Operation::Create, None, Some(row.clone()), Source::default())?;
/// let (key, value) = (codec.encode_key(&row)?, codec.encode_binary(&event)?);
/// event.key = Some(row);
/// assert_eq!(codec.decode(Some(&key), Some(&value))?.into_change(), Some(event));
/// # Ok::<(), cdc_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct DebeziumAvro {
    rows: RowSchema,
    schema: CompiledSchema,
    key: Option<KeySchema>,
}

impl Decode for DebeziumAvro {
    type Output = ChangeEvent;

    /// Decodes a record: `None` for the value is a tombstone. The key is read with the
    /// key columns given to [`with_key`](Self::with_key), if any.
    fn decode(&self, key: Option<&[u8]>, value: Option<&[u8]>) -> Result<Decoded<ChangeEvent>> {
        let event = value.map(|bytes| self.decode_binary(bytes)).transpose()?;
        let key = decode_key(self.key.as_ref(), key, FORMAT)?;
        Ok(Decoded::keyed(event, key, |event| event))
    }
}

impl DebeziumAvro {
    /// The codec of a table whose rows have `rows`, in Avro namespace `namespace`.
    pub fn new(namespace: &str, rows: RowSchema) -> Result<Self> {
        let schema = CompiledSchema::parse(&Self::schema_json(namespace, &rows), FORMAT)?;
        Ok(Self {
            rows,
            schema,
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

    /// The envelope's Avro schema.
    pub fn schema(&self) -> &apache_avro::Schema {
        self.schema.schema()
    }

    fn schema_json(namespace: &str, rows: &RowSchema) -> Json {
        let source_fields: Vec<Json> = SOURCE_FIELDS
            .iter()
            .map(|(n, t)| json!({"name": n, "type": ["null", t], "default": null}))
            .collect();
        json!({
            "type": "record", "name": "Envelope", "namespace": namespace,
            "fields": [
                {"name": "before", "type": ["null", rows.to_json()], "default": null},
                {"name": "after", "type": ["null", rows.name], "default": null},
                {"name": "source", "type": {"type": "record", "name": "Source", "namespace": "io.debezium.connector", "fields": source_fields}},
                {"name": "op", "type": "string"},
                {"name": "ts_ms", "type": ["null", "long"], "default": null},
                {"name": "transaction", "type": ["null", {"type": "record", "name": "block", "namespace": "event", "fields": [
                    {"name": "id", "type": "string"},
                    {"name": "total_order", "type": ["null", "long"], "default": null},
                    {"name": "data_collection_order", "type": ["null", "long"], "default": null}
                ]}], "default": null},
                {"name": "ts_us", "type": ["null", "long"], "default": null},
                {"name": "ts_ns", "type": ["null", "long"], "default": null},
                {"name": "message", "type": ["null", {"type": "record", "name": "Message", "namespace": "io.debezium.connector.postgresql", "fields": [
                    {"name": "prefix", "type": "string"},
                    {"name": "content", "type": ["bytes", "string"]}
                ]}], "default": null}
            ]
        })
    }

    /// The event as an Avro value of [`schema`](Self::schema).
    pub fn to_avro(&self, event: &ChangeEvent) -> Result<Avro> {
        let row = |r: &Option<Row>, side: &str| -> Result<Avro> {
            Ok(match r {
                None => Avro::Union(0, Box::new(Avro::Null)),
                Some(r) => Avro::Union(1, Box::new(self.rows.encode_row(r, side, FORMAT)?)),
            })
        };
        let source_json = source::encode(&event.source);
        let source = Avro::Record(
            SOURCE_FIELDS
                .iter()
                .map(|(name, kind)| {
                    let v = match source_json.get(*name) {
                        Some(Json::String(s)) if *kind == "string" => {
                            Avro::Union(1, Box::new(Avro::String(s.clone())))
                        }
                        Some(Json::Number(n)) if *kind == "long" => {
                            Avro::Union(1, Box::new(Avro::Long(n.as_i64().unwrap_or_default())))
                        }
                        _ => Avro::Union(0, Box::new(Avro::Null)),
                    };
                    ((*name).to_owned(), v)
                })
                .collect(),
        );
        let opt_long = |v: Option<i64>| match v {
            Some(v) => Avro::Union(1, Box::new(Avro::Long(v))),
            None => Avro::Union(0, Box::new(Avro::Null)),
        };
        let transaction = match &event.transaction {
            None => Avro::Union(0, Box::new(Avro::Null)),
            Some(t) => Avro::Union(
                1,
                Box::new(Avro::Record(vec![
                    ("id".into(), Avro::String(t.id.clone())),
                    ("total_order".into(), opt_long(t.total_order)),
                    ("data_collection_order".into(), opt_long(t.data_collection_order)),
                ])),
            ),
        };
        let message = match &event.message {
            None => Avro::Union(0, Box::new(Avro::Null)),
            Some(m) => Avro::Union(
                1,
                Box::new(Avro::Record(vec![
                    ("prefix".into(), Avro::String(m.prefix.clone())),
                    (
                        "content".into(),
                        match &m.content {
                            MessageContent::Bytes(bytes) => {
                                Avro::Union(0, Box::new(Avro::Bytes(bytes.clone())))
                            }
                            MessageContent::Text(text) => {
                                Avro::Union(1, Box::new(Avro::String(text.clone())))
                            }
                        },
                    ),
                ])),
            ),
        };
        Ok(Avro::Record(vec![
            ("before".into(), row(&event.before, "before")?),
            ("after".into(), row(&event.after, "after")?),
            ("source".into(), source),
            ("op".into(), Avro::String(event.op.debezium_code().into())),
            ("ts_ms".into(), opt_long(event.ts_ms)),
            ("transaction".into(), transaction),
            ("ts_us".into(), opt_long(event.ts_us)),
            ("ts_ns".into(), opt_long(event.ts_ns)),
            ("message".into(), message),
        ]))
    }

    /// The event of an Avro value of [`schema`](Self::schema).
    pub fn from_avro(&self, value: &Avro) -> Result<ChangeEvent> {
        let Avro::Record(fields) = value else {
            return Err(wrong(FORMAT, "(envelope)", "a record", value));
        };
        let get = |name: &str| field(fields, name, FORMAT);
        let code = match get("op")? {
            Avro::String(s) => s.clone(),
            other => return Err(wrong(FORMAT, "op", "a string", other)),
        };
        let op = Operation::from_debezium(&code).ok_or_else(|| Error::UnknownOperation {
            format: FORMAT,
            field: "op".into(),
            value: code.clone(),
        })?;
        let row = |side: &str| -> Result<Option<Row>> {
            match get(side)? {
                Avro::Null => Ok(None),
                record => self.rows.decode_row(record, side, FORMAT).map(Some),
            }
        };
        let source = match get("source")? {
            Avro::Record(fields) => {
                // The block's fields that are set, as the JSON reader reads them.
                let map: Map<String, Json> = fields
                    .iter()
                    .filter(|(_, v)| !matches!(unwrap_union(v), Avro::Null))
                    .map(|(k, v)| (k.clone(), to_json(v)))
                    .collect();
                source::decode(
                    &map,
                    &Fields {
                        format: FORMAT,
                        prefix: "source",
                    },
                )?
            }
            _ => Default::default(),
        };
        let long = |v: &Avro| match v {
            Avro::Long(l) => Some(*l),
            _ => None,
        };
        let transaction = match get("transaction")? {
            Avro::Record(t) => {
                let field = |n: &str| t.iter().find(|(k, _)| k == n).map(|(_, v)| unwrap_union(v));
                Some(Transaction {
                    id: match field("id") {
                        Some(Avro::String(s)) => s.clone(),
                        _ => {
                            return Err(Error::MissingField {
                                format: FORMAT,
                                field: "transaction.id".into(),
                            });
                        }
                    },
                    total_order: field("total_order").and_then(long),
                    data_collection_order: field("data_collection_order").and_then(long),
                })
            }
            _ => None,
        };
        let message = match get("message")? {
            Avro::Record(m) => {
                let field = |n: &str| m.iter().find(|(k, _)| k == n).map_or(&Avro::Null, |(_, v)| v);
                Some(LogicalMessage {
                    prefix: match field("prefix") {
                        Avro::String(prefix) => prefix.clone(),
                        other => return Err(wrong(FORMAT, "message.prefix", "a string", other)),
                    },
                    content: match unwrap_union(field("content")) {
                        Avro::Bytes(bytes) => MessageContent::Bytes(bytes.clone()),
                        Avro::String(text) => MessageContent::Text(text.clone()),
                        other => return Err(wrong(FORMAT, "message.content", "bytes or a string", other)),
                    },
                })
            }
            _ => None,
        };
        let event = ChangeEvent {
            op,
            before: row("before")?,
            after: row("after")?,
            source,
            transaction,
            key: None,
            ts_ms: long(get("ts_ms")?),
            ts_us: long(get("ts_us")?),
            ts_ns: long(get("ts_ns")?),
            message,
            extra: Map::new(),
        };
        event.check()?;
        Ok(event)
    }

    /// The event as Avro binary (no registry framing).
    pub fn encode_binary(&self, event: &ChangeEvent) -> Result<Vec<u8>> {
        self.schema.write(self.to_avro(event)?, FORMAT, "(value)")
    }

    /// A record key as Avro binary: the columns of [`with_key`](Self::with_key) taken
    /// from `key`. An error when the codec was given no key columns.
    pub fn encode_key(&self, key: &Row) -> Result<Vec<u8>> {
        encode_key(self.key.as_ref(), key, FORMAT)
    }

    /// The event of Avro binary (no registry framing); truncated input is an error.
    fn decode_binary(&self, bytes: &[u8]) -> Result<ChangeEvent> {
        self.from_avro(&self.schema.read(bytes, FORMAT, "(value)")?)
    }
}
