//! Debezium's schema change events: decoded into typed structs and written back equal as
//! parsed JSON, with and without the schema envelope, and errors that name the field.
//!
//! Where the golden files come from:
//! - `mysql_schema_change_docs.json`: the "Message emitted to the connector schema change
//!   topic" example of the MySQL and MariaDB connectors' documentation at 3.6.1
//!   (`documentation/modules/ROOT/partials/modules/all-connectors/shared-mariadb-mysql.adoc`;
//!   debezium.io/documentation/reference/3.6/connectors/mysql.html#mysql-schema-change-topic),
//!   with `{debezium-version}` as `3.6.1.Final` and `{context}` as `mysql`. Its `schema` is
//!   empty there, and it leaves out fields 3.6.1 writes (`ts_ms`, the columns' `comment`,
//!   `defaultValueExpression` and `enumValues`) and has `attributes`, which 3.6.1's schema
//!   change topic does not write: it must read and write back as it is all the same.
//! - `sqlserver_schema_change_docs.json`: the same example of the SQL Server connector's
//!   documentation (`connectors/sqlserver.adoc`, "Schema change topic"), its elided
//!   `schema` as `{}` and the callouts taken out.
//! - `mariadb_schema_change_*.json`: events captured from Debezium 3.5.0's MariaDB
//!   connector by the corpus runner (`peers/debezium`), normalised: an `ALTER TABLE ...
//!   ADD COLUMN` with the schema envelope and a `DROP TABLE` plain.

use cdc_core::debezium::{SchemaChange, TableChangeType};
use cdc_core::{DebeziumSchemaChangeJson, Decode, Decoded, Position, Row, SchemaChangeRecord, Value};
use serde_json::Value as Json;

fn golden(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/golden/debezium/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `value` decoded with `key` and written back to the same JSON.
fn round_trips(key: Option<&[u8]>, value: &[u8]) -> SchemaChangeRecord {
    let record = DebeziumSchemaChangeJson
        .decode(key, Some(value))
        .unwrap_or_else(|e| panic!("{e}"))
        .into_change()
        .expect("not a tombstone");
    let again: Json = serde_json::from_slice(&DebeziumSchemaChangeJson::encode(&record)).unwrap();
    let original: Json = serde_json::from_slice(value).unwrap();
    assert_eq!(again, original, "re-encodes to the same JSON");
    record
}

/// The payload of an enveloped value, as a plain value.
fn plain(value: &[u8]) -> Vec<u8> {
    let json: Json = serde_json::from_slice(value).unwrap();
    serde_json::to_vec(&json["payload"]).unwrap()
}

fn database(name: &str) -> Row {
    Row::new().with("databaseName", Value::String(name.into()))
}

#[test]
fn the_mysql_documentation_example_reads_and_writes_back() {
    // The key example of the same page, with its schema envelope.
    let key =
        br#"{"schema":{"type":"struct","fields":[{"type":"string","optional":false,"field":"databaseName"}],
        "optional":false,"name":"io.debezium.connector.mysql.SchemaChangeKey","version":1},
        "payload":{"databaseName":"inventory"}}"#;
    let value = golden("mysql_schema_change_docs.json");
    for bytes in [value.clone(), plain(&value)] {
        let record = round_trips(Some(key), &bytes);
        assert_eq!(record.key, Some(database("inventory")));
        let change = &record.change;
        assert_eq!(change.database_name.as_deref(), Some("inventory"));
        assert_eq!(change.schema_name, None);
        assert_eq!(
            change.ddl.as_deref(),
            Some("ALTER TABLE customers ADD middle_name varchar(255) AFTER first_name")
        );
        assert_eq!(change.ts_ms, None);
        assert!(matches!(
            change.source.position,
            Position::MySql { pos: 570, ref file, .. } if file == "mysql-bin.000003"
        ));
        let [table_change] = change.table_changes.as_slice() else {
            panic!("one table change")
        };
        assert_eq!(table_change.kind, TableChangeType::Alter);
        assert_eq!(table_change.id, r#""inventory"."customers""#);
        let table = table_change.table.as_ref().unwrap();
        assert_eq!(table.default_charset_name.as_deref(), Some("utf8mb4"));
        assert_eq!(
            table.primary_key_column_names.as_deref(),
            Some(&["id".to_owned()][..])
        );
        let names: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["id", "first_name", "middle_name", "last_name", "email"]);
        let middle = &table.columns[2];
        assert_eq!((middle.jdbc_type, middle.type_name.as_str()), (12, "VARCHAR"));
        assert_eq!(
            (middle.length, middle.scale, middle.position),
            (Some(255), None, 3)
        );
        assert_eq!(middle.optional, Some(true));
        assert_eq!(middle.charset_name.as_deref(), Some("utf8mb4"));
        assert!(table.columns[0].auto_incremented.unwrap());
        let attribute = &table.attributes.as_ref().unwrap()[0];
        assert_eq!(attribute["customAttribute"], "attributeValue");
        // The fields the example leaves out are noted, and stay out when written.
        assert_eq!(change.absent, ["ts_ms"]);
        assert_eq!(table.absent, ["comment"]);
        assert_eq!(middle.absent, ["comment", "defaultValueExpression", "enumValues"]);
    }
}

#[test]
fn the_sql_server_documentation_example_reads_and_writes_back() {
    let value = golden("sqlserver_schema_change_docs.json");
    for bytes in [value.clone(), plain(&value)] {
        let change = round_trips(Some(br#"{"databaseName":"testDB"}"#), &bytes).change;
        assert_eq!(change.ts_ms, Some(1_588_252_618_953));
        assert_eq!(
            (change.database_name.as_deref(), change.schema_name.as_deref()),
            (Some("testDB"), Some("dbo"))
        );
        assert_eq!(change.ddl, None);
        assert_eq!(change.source.snapshot.as_deref(), Some("true"));
        assert!(matches!(
            change.source.position,
            Position::SqlServer { ref commit_lsn, .. } if commit_lsn.as_deref() == Some("00000025:00000d98:00a2")
        ));
        let table_change = &change.table_changes[0];
        assert_eq!(table_change.kind, TableChangeType::Create);
        assert_eq!(table_change.id, r#""testDB"."dbo"."customers""#);
        let id = &table_change.table.as_ref().unwrap().columns[0];
        assert_eq!(
            (id.type_name.as_str(), id.length, id.scale),
            ("int identity", Some(10), Some(0))
        );
    }
}

#[test]
fn a_captured_alter_with_its_schema_has_every_field() {
    let value = golden("mariadb_schema_change_alter_with_schema.json");
    let record = round_trips(Some(br#"{"databaseName":"corpus"}"#), &value);
    let schema = record.schema.as_ref().unwrap();
    assert_eq!(schema["name"], "io.debezium.connector.mariadb.SchemaChangeValue");
    let change = &record.change;
    assert_eq!(
        change.ddl.as_deref(),
        Some("ALTER TABLE corpus.seed ADD COLUMN extra int DEFAULT 7")
    );
    let table = change.table_changes[0].table.as_ref().unwrap();
    let extra = table.columns.iter().find(|c| c.name == "extra").unwrap();
    assert_eq!(extra.default_value_expression.as_deref(), Some("7"));
    assert_eq!(extra.comment, None);
    // Debezium writes every field of its schema: nothing is left out, nothing is extra.
    assert!(change.absent.is_empty() && change.extra.is_empty());
    assert!(table.absent.is_empty() && table.extra.is_empty());
    assert!(
        table
            .columns
            .iter()
            .all(|c| c.absent.is_empty() && c.extra.is_empty())
    );
    // The same payload without the envelope.
    round_trips(None, &plain(&value));
}

#[test]
fn a_drop_has_no_table_definition() {
    let change = round_trips(None, &golden("mariadb_schema_change_drop_plain.json")).change;
    let [drop] = change.table_changes.as_slice() else {
        panic!("one table change")
    };
    assert_eq!((drop.kind, drop.table.as_ref()), (TableChangeType::Drop, None));
    assert!(drop.absent.is_empty());
}

#[test]
fn a_change_built_here_is_written_in_debeziums_form() {
    let change = SchemaChange {
        database_name: Some("inventory".into()),
        ddl: Some("DROP TABLE t".into()),
        ..SchemaChange::default()
    };
    let json: Json = serde_json::from_slice(&DebeziumSchemaChangeJson::encode_change(&change)).unwrap();
    let keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "source",
            "ts_ms",
            "databaseName",
            "schemaName",
            "ddl",
            "tableChanges"
        ]
    );
    assert_eq!(json["schemaName"], Json::Null);
    let back = DebeziumSchemaChangeJson
        .decode(None, Some(&serde_json::to_vec(&json).unwrap()))
        .unwrap()
        .into_change()
        .unwrap();
    assert_eq!(back.change.database_name, change.database_name);
    assert!(back.change.absent.is_empty());
}

#[test]
fn a_record_without_value_is_a_tombstone() {
    let key = br#"{"databaseName":"inventory"}"#;
    assert_eq!(
        DebeziumSchemaChangeJson.decode(Some(key), None).unwrap(),
        Decoded::Tombstone {
            key: Some(database("inventory"))
        }
    );
    let enveloped = br#"{"schema":null,"payload":null}"#;
    assert!(
        DebeziumSchemaChangeJson
            .decode(None, Some(enveloped))
            .unwrap()
            .is_tombstone()
    );
}

#[test]
fn bad_input_names_the_field() {
    let value: Json =
        serde_json::from_slice(&golden("mariadb_schema_change_alter_with_schema.json")).unwrap();
    let broken = |path: &[&str], to: Json| {
        let mut json = value.clone();
        let mut at = &mut json;
        for part in path {
            at = match part.parse::<usize>() {
                Ok(i) => &mut at[i],
                Err(_) => &mut at[*part],
            };
        }
        *at = to;
        serde_json::to_vec(&json).unwrap()
    };
    let column = ["payload", "tableChanges", "0", "table", "columns", "1"];
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            broken(&["payload", "tableChanges"], Json::Null),
            "missing field `payload.tableChanges`",
        ),
        (
            broken(&["payload", "source"], Json::Null),
            "missing field `payload.source`",
        ),
        (
            broken(&["payload", "tableChanges", "0", "type"], "RENAME".into()),
            "field `payload.tableChanges[0].type`: unknown table change type `RENAME`",
        ),
        (
            broken(&[&column[..], &["jdbcType"]].concat(), "4".into()),
            "field `payload.tableChanges[0].table.columns[1].jdbcType` should be an integer",
        ),
        (
            broken(&[&column[..], &["length"]].concat(), 4_294_967_296_i64.into()),
            "field `payload.tableChanges[0].table.columns[1].length`: 4294967296 does not fit",
        ),
        (
            broken(&[&column[..], &["name"]].concat(), Json::Null),
            "missing field `payload.tableChanges[0].table.columns[1].name`",
        ),
        (
            broken(
                &[
                    "payload",
                    "tableChanges",
                    "0",
                    "table",
                    "primaryKeyColumnNames",
                    "0",
                ],
                1.into(),
            ),
            "field `payload.tableChanges[0].table.primaryKeyColumnNames[0]` should be a string",
        ),
        (
            broken(&["payload", "tableChanges", "0"], "x".into()),
            "field `payload.tableChanges[0]` should be an object",
        ),
        (
            broken(&["payload", "ddl"], 7.into()),
            "field `payload.ddl` should be a string",
        ),
        (b"[]".to_vec(), "`(value)` should be an object"),
        (b"{\"ts_ms\":".to_vec(), "not valid JSON"),
    ];
    for (input, expected) in cases {
        let err = DebeziumSchemaChangeJson
            .decode(None, Some(&input))
            .unwrap_err()
            .to_string();
        assert!(err.contains(expected), "expected `{expected}`, got `{err}`");
        assert!(err.starts_with("debezium-schema-change-json"), "{err}");
    }
}
