//! Debezium's schema change events: what a connector with a schema history (MySQL,
//! MariaDB, SQL Server, Oracle, Db2 ...) writes to its schema change topic, named as its
//! topic prefix, when a captured table is created, altered or dropped. The record key
//! is `{databaseName}`; the value holds the DDL and each changed table's definition.

mod object;
mod table;

use serde_json::{Map, Value as Json};

pub use table::{ColumnDefinition, TableChange, TableChangeType, TableDefinition};

use super::json::DebeziumJson;
use super::source;
use crate::decode::{Decode, Decoded};
use crate::error::Result;
use crate::event::Source;
use crate::json::{Fields, parse_object};
use crate::row::Row;
use object::{Reader, Writer};

const FORMAT: &str = "debezium-schema-change-json";

/// A schema change event (the value of a record of the schema change topic).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SchemaChange {
    /// Where in the database's log the change was read (`source`), as for change events.
    pub source: Source,
    /// When the connector processed it, milliseconds since the epoch (`ts_ms`).
    pub ts_ms: Option<i64>,
    /// The database the DDL applies to (`databaseName`; also the record key).
    pub database_name: Option<String>,
    /// The schema, where the database has them (`schemaName`).
    pub schema_name: Option<String>,
    /// The DDL statements, as the database ran them (`ddl`; none from SQL Server).
    pub ddl: Option<String>,
    /// Each table the DDL changed, with its definition after the change (`tableChanges`).
    pub table_changes: Vec<TableChange>,
    /// Fields this crate does not model, kept so re-encoding loses nothing.
    pub extra: Map<String, Json>,
    /// Fields left out of the message (see [`TableChange::absent`]).
    pub absent: Vec<&'static str>,
}

/// A decoded schema change record: the change, its record key and the Connect schema
/// the value came with (kept so encoding writes the same envelope back).
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaChangeRecord {
    /// The change.
    pub change: SchemaChange,
    /// The record key's columns (`databaseName`), when the record has a key.
    pub key: Option<Row>,
    /// The `schema` half of the value's envelope, if it had one.
    pub schema: Option<Json>,
}

/// The codec of Debezium's schema change topic in JSON, with the `schema`/`payload`
/// envelope or the plain payload. It decodes through [`Decode`]: errors name the field
/// at fault; a record without a value is a tombstone. [`encode`](Self::encode) writes a
/// record back as it came: equal as parsed JSON.
///
/// ```
/// use cdc_core::{Decode, DebeziumSchemaChangeJson};
/// use cdc_core::debezium::TableChangeType;
/// let value = br#"{"source":{"version":"3.6.1.Final","connector":"mysql","name":"shop","ts_ms":1,
///     "snapshot":"false","db":"inventory","table":"customers","server_id":1,"gtid":null,
///     "file":"binlog.000003","pos":570,"row":0,"thread":null,"query":null},
///   "ts_ms":2,"databaseName":"inventory","schemaName":null,
///   "ddl":"ALTER TABLE customers DROP COLUMN nickname",
///   "tableChanges":[{"type":"ALTER","id":"\"inventory\".\"customers\"","table":{
///     "defaultCharsetName":"utf8mb4","primaryKeyColumnNames":["id"],"comment":null,
///     "columns":[{"name":"id","jdbcType":4,"nativeType":null,"typeName":"INT",
///       "typeExpression":"INT","charsetName":null,"length":null,"scale":null,"position":1,
///       "optional":false,"autoIncremented":true,"generated":true,"comment":null,
///       "defaultValueExpression":null,"enumValues":null}]}}]}"#;
/// let record = DebeziumSchemaChangeJson
///     .decode(Some(br#"{"databaseName":"inventory"}"#), Some(value))?
///     .into_change()
///     .expect("not a tombstone");
/// let change = &record.change.table_changes[0];
/// assert_eq!(change.kind, TableChangeType::Alter);
/// assert_eq!(change.table.as_ref().unwrap().columns[0].type_name, "INT");
/// let again: serde_json::Value = serde_json::from_slice(&DebeziumSchemaChangeJson::encode(&record)).unwrap();
/// assert_eq!(again, serde_json::from_slice::<serde_json::Value>(value).unwrap());
/// # Ok::<(), cdc_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct DebeziumSchemaChangeJson;

impl Decode for DebeziumSchemaChangeJson {
    type Output = SchemaChangeRecord;

    /// Decodes a record: `None` for the value (or an enveloped `null` payload) is a
    /// tombstone; the key, when there is one, is read as [`DebeziumJson`] reads keys.
    fn decode(&self, key: Option<&[u8]>, value: Option<&[u8]>) -> Result<Decoded<SchemaChangeRecord>> {
        let value = value.map(Self::decode_value).transpose()?.flatten();
        let key = key.map(DebeziumJson::decode_key).transpose()?;
        Ok(match value {
            None => Decoded::Tombstone { key },
            Some((change, schema)) => Decoded::Change(SchemaChangeRecord { change, key, schema }),
        })
    }
}

impl DebeziumSchemaChangeJson {
    /// A record value: the change and the value's schema; `None` for an enveloped
    /// `null` payload.
    fn decode_value(bytes: &[u8]) -> Result<Option<(SchemaChange, Option<Json>)>> {
        let mut root = parse_object(FORMAT, "(value)", bytes)?;
        let (payload, schema, path) = if root.contains_key("schema") && root.contains_key("payload") {
            let schema = root.shift_remove("schema");
            match root.shift_remove("payload") {
                None | Some(Json::Null) => return Ok(None),
                Some(Json::Object(payload)) => (payload, schema, "payload"),
                Some(other) => {
                    let top = Fields {
                        format: FORMAT,
                        prefix: "",
                    };
                    return Err(top.wrong("payload", "an object", &other));
                }
            }
        } else {
            (root, None, "")
        };
        Ok(Some((decode_change(payload, path)?, schema)))
    }

    /// Encodes a record's value: with its schema envelope if it has one, else the plain
    /// payload.
    pub fn encode(record: &SchemaChangeRecord) -> Vec<u8> {
        let payload = encode_change(&record.change);
        let json = match &record.schema {
            Some(schema) => serde_json::json!({"schema": schema, "payload": payload}),
            None => payload,
        };
        serde_json::to_vec(&json).unwrap_or_default()
    }

    /// Encodes a change as a plain payload (`schemas.enable=false`).
    pub fn encode_change(change: &SchemaChange) -> Vec<u8> {
        serde_json::to_vec(&encode_change(change)).unwrap_or_default()
    }
}

/// The change of a payload at `path`.
fn decode_change(payload: Map<String, Json>, path: &str) -> Result<SchemaChange> {
    let mut r = Reader::new(payload, FORMAT, path);
    let source_path = r.path("source");
    let block = r.opt_object("source")?.ok_or_else(|| r.missing("source"))?;
    let source = source::decode(
        &block,
        &Fields {
            format: FORMAT,
            prefix: &source_path,
        },
    )?;
    let ts_ms = r.opt_i64("ts_ms")?;
    let database_name = r.opt_str("databaseName")?;
    let schema_name = r.opt_str("schemaName")?;
    let ddl = r.opt_str("ddl")?;
    let table_changes = r
        .objects("tableChanges", |change, path| {
            TableChange::decode(change, FORMAT, path)
        })?
        .ok_or_else(|| r.missing("tableChanges"))?;
    let (extra, absent) = r.finish();
    Ok(SchemaChange {
        source,
        ts_ms,
        database_name,
        schema_name,
        ddl,
        table_changes,
        extra,
        absent,
    })
}

fn encode_change(change: &SchemaChange) -> Json {
    let mut w = Writer::new(&change.absent);
    w.put("source", source::encode(&change.source));
    w.put("ts_ms", change.ts_ms);
    w.put("databaseName", change.database_name.clone());
    w.put("schemaName", change.schema_name.clone());
    w.put("ddl", change.ddl.clone());
    w.put(
        "tableChanges",
        Json::Array(change.table_changes.iter().map(TableChange::encode).collect()),
    );
    w.finish(&change.extra)
}
