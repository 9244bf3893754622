//! The settings, and what records without a schema become. What records with a schema
//! become is checked against Debezium's own transform in tests/unwrap_golden.rs.

use std::collections::BTreeMap;

use super::*;
use crate::event::{ChangeEvent, LogicalMessage, MessageContent, Operation, Source};
use crate::row::Row;
use crate::value::Value;
use crate::{DebeziumJson, Decode, ReplicateJson};

fn row(id: i64, name: &str) -> Row {
    Row::new()
        .with("id", Value::Int(id))
        .with("name", Value::String(name.into()))
}

fn event(op: Operation, before: Option<Row>, after: Option<Row>) -> ChangeEvent {
    let source = Source {
        connector: Some("postgresql".into()),
        table: Some("patient".into()),
        ts_ms: Some(1000),
        ..Source::default()
    };
    let mut e = ChangeEvent::new(op, before, after, source).unwrap();
    e.ts_ms = Some(2000);
    e
}

fn string(s: &str) -> Value {
    Value::String(s.into())
}

#[test]
fn properties_give_the_builders_settings() {
    let properties = BTreeMap::from([
        ("type", "io.debezium.transforms.ExtractNewRecordState"),
        ("delete.tombstone.handling.mode", "rewrite-with-tombstone"),
        ("add.fields", "op,source.ts_ms:EVENT_TIME"),
        ("add.fields.prefix", "_"),
        ("add.headers", "db"),
        ("add.headers.prefix", "h_"),
        ("route.by.field", "destination"),
        ("replace.null.with.default", "FALSE"),
        ("drop.fields.from.key", "false"),
        ("predicate", "isChange"),
    ]);
    let built = Unwrap::new()
        .delete_handling(DeleteHandling::RewriteWithTombstone)
        .add_fields("op,source.ts_ms:EVENT_TIME")
        .unwrap()
        .add_fields_prefix("_")
        .add_headers("db")
        .unwrap()
        .add_headers_prefix("h_")
        .route_by_field("destination")
        .replace_null_with_default(false);
    assert_eq!(Unwrap::from_properties(&properties).unwrap(), built);
    assert_eq!(
        Unwrap::from_properties(BTreeMap::<String, String>::new()).unwrap(),
        Unwrap::new()
    );
    assert_eq!(Unwrap::new().delete_handling, DeleteHandling::Tombstone);
}

#[test]
fn bad_properties_are_refused_naming_the_property() {
    for (key, value, reason) in [
        (
            "delete.tombstone.handling.mode",
            "soft",
            "`soft` is not one of drop, tombstone",
        ),
        ("replace.null.with.default", "yes", "`yes` is not true or false"),
        ("add.fields", "op,foo.bar", "no struct `foo`"),
        ("add.headers", "op::x", "more than one `:`"),
        ("drop.tombstones", "false", "removed in Debezium 3.2"),
        (
            "delete.handling.mode",
            "rewrite",
            "delete.tombstone.handling.mode",
        ),
        ("drop.fields.header.name", "changed", "not implemented"),
        ("drop.fields.keep.schema.compatible", "maybe", "not true or false"),
    ] {
        let err = Unwrap::from_properties([(key, value)]).unwrap_err();
        assert!(
            matches!(&err, Error::InvalidValue { format: "unwrap", field, .. } if field == key),
            "{key}: {err:?}"
        );
        assert!(err.to_string().contains(reason), "{key}: {err}");
    }
}

#[test]
fn every_mode_handles_deletes_and_tombstones_as_debezium_documents() {
    let delete = event(Operation::Delete, Some(row(1, "Ada")), None);
    let create = event(Operation::Create, None, Some(row(2, "Bo")));
    let deleted = |flag: &str| row(1, "Ada").with("__deleted", string(flag));
    let expectations = [
        (DeleteHandling::Drop, None, false),
        (DeleteHandling::Tombstone, Some(None), false),
        (DeleteHandling::Rewrite, Some(Some(deleted("true"))), false),
        (
            DeleteHandling::RewriteWithTombstone,
            Some(Some(deleted("true"))),
            true,
        ),
        (DeleteHandling::DeleteToTombstone, Some(None), false),
    ];
    for (mode, delete_becomes, keeps_tombstones) in expectations {
        let unwrap = Unwrap::new().delete_handling(mode);
        let got = unwrap.apply_event(&delete).unwrap();
        assert_eq!(got.record().map(|r| r.value.clone()), delete_becomes, "{mode:?}");
        assert_eq!(
            unwrap.apply_tombstone().is_tombstone(),
            keeps_tombstones,
            "{mode:?}"
        );
        let flag = mode.rewrites().then(|| string("false"));
        assert_eq!(
            unwrap
                .apply_event(&create)
                .unwrap()
                .row()
                .unwrap()
                .get("__deleted"),
            flag.as_ref(),
            "{mode:?}"
        );
    }
    // A truncate is dropped in every mode; a logical decoding message is not an envelope.
    let truncate = event(Operation::Truncate, None, None);
    assert_eq!(Unwrap::new().apply_event(&truncate).unwrap(), Unwrapped::Dropped);
    let message = ChangeEvent::new_message(
        LogicalMessage {
            prefix: "audit".into(),
            content: MessageContent::Bytes(b"hello".to_vec()),
        },
        Source::default(),
    );
    assert_eq!(Unwrap::new().apply_event(&message).unwrap(), Unwrapped::Unchanged);
}

#[test]
fn fields_and_headers_are_added_under_their_names() {
    let update = event(Operation::Update, Some(row(1, "Ada")), Some(row(1, "Ada L.")));
    let unwrap = Unwrap::new()
        .delete_handling(DeleteHandling::Rewrite)
        .add_fields("op,table,source.ts_ms,ts_ms:EVENT_TS,colour,transaction.id")
        .unwrap()
        .add_fields_prefix("_")
        .add_headers("op:operation,source.table")
        .unwrap();
    let Unwrapped::Record(flat) = unwrap.apply_event(&update).unwrap() else {
        panic!("a record");
    };
    // `__deleted` keeps its name whatever the prefix; `colour` is in no record;
    // a record without transaction has a null transaction id.
    let expected = row(1, "Ada L.")
        .with("__deleted", string("false"))
        .with("_op", string("u"))
        .with("_table", string("patient"))
        .with("_source_ts_ms", Value::Int(1000))
        .with("_EVENT_TS", Value::Int(2000))
        .with("_transaction_id", Value::Null);
    assert_eq!(flat.value, Some(expected));
    assert_eq!(
        flat.headers,
        vec![
            ("__operation".to_owned(), string("u")),
            ("__source_table".to_owned(), string("patient"))
        ]
    );
    assert_eq!((flat.schema, flat.topic), (None, None));
    // A kept tombstone gets only `op`, as `d`.
    let tombstone = unwrap
        .clone()
        .delete_handling(DeleteHandling::RewriteWithTombstone)
        .apply_tombstone();
    assert_eq!(
        tombstone.record().unwrap().headers,
        vec![("__operation".to_owned(), string("d"))]
    );
}

#[test]
fn a_replicate_event_flattens_like_any_other() {
    let message = br#"{"data": {"PATIENTID": 7, "DESTINATION": "ward_b"},
        "beforeData": null, "headers": {"operation": "DELETE", "changeSequence": "9", "streamPosition": "p"}}"#;
    let event = ReplicateJson
        .decode(None, Some(message))
        .unwrap()
        .into_change()
        .unwrap()
        .event;
    let unwrap = Unwrap::new()
        .delete_handling(DeleteHandling::Rewrite)
        .add_fields("op,source.change_sequence:SEQ")
        .unwrap()
        .route_by_field("DESTINATION");
    let Unwrapped::Record(flat) = unwrap.apply_event(&event).unwrap() else {
        panic!("a record");
    };
    assert_eq!(flat.topic.as_deref(), Some("ward_b"));
    let row = flat.value.unwrap();
    assert_eq!(row.get("__deleted"), Some(&string("true")));
    assert_eq!(row.get("__op"), Some(&string("d")));
    assert_eq!(row.get("__SEQ"), Some(&string("9")));
}

#[test]
fn what_debezium_fails_on_is_an_error_naming_the_property() {
    let with_op_column = event(
        Operation::Create,
        None,
        Some(row(1, "Ada").with("__op", string("x"))),
    );
    let err = Unwrap::new()
        .add_fields("op")
        .unwrap()
        .apply_event(&with_op_column)
        .unwrap_err();
    assert!(
        err.to_string().contains("`add.fields`") && err.to_string().contains("`__op`"),
        "{err}"
    );
    let create = event(Operation::Create, None, Some(row(1, "Ada")));
    for (column, reason) in [("nope", "no column `nope`"), ("id", "`id` is not a string")] {
        let err = Unwrap::new()
            .route_by_field(column)
            .apply_event(&create)
            .unwrap_err();
        assert!(
            err.to_string().contains("`route.by.field`") && err.to_string().contains(reason),
            "{err}"
        );
    }
    let err = Unwrap::new()
        .add_fields("source")
        .unwrap()
        .apply_event(&create)
        .unwrap_err();
    assert!(err.to_string().contains("struct"), "{err}");
}

#[test]
fn a_blank_or_null_route_keeps_the_topic() {
    for destination in [Value::Null, string(""), string(" \t")] {
        let create = event(
            Operation::Create,
            None,
            Some(row(1, "Ada").with("to", destination)),
        );
        let got = Unwrap::new().route_by_field("to").apply_event(&create).unwrap();
        assert_eq!(got.record().unwrap().topic, None);
    }
}

#[test]
fn flattened_values_write_as_the_json_converter_writes_them() {
    let delete = br#"{"schema":{"type":"struct","name":"s.t.Envelope","optional":false,"fields":[
        {"field":"before","type":"struct","optional":true,"name":"s.t.Value","fields":[{"field":"id","type":"int32","optional":false}]},
        {"field":"after","type":"struct","optional":true,"name":"s.t.Value","fields":[{"field":"id","type":"int32","optional":false}]},
        {"field":"op","type":"string","optional":false}]},
      "payload":{"before":{"id":3},"after":null,"op":"d"}}"#;
    let record = DebeziumJson
        .decode(None, Some(delete))
        .unwrap()
        .into_change()
        .unwrap();
    let tombstone = Unwrap::new().apply(&record).unwrap();
    let schema = serde_json::json!({"type":"struct","optional":true,"name":"s.t.Value","fields":[{"field":"id","type":"int32","optional":false}]});
    assert_eq!(
        tombstone.record().unwrap().to_json(),
        Some(serde_json::json!({"schema": schema, "payload": null}))
    );
    let real = Unwrap::new()
        .delete_handling(DeleteHandling::DeleteToTombstone)
        .apply(&record)
        .unwrap();
    assert_eq!(real.record().unwrap().encode_json(), None);
    let rewritten = Unwrap::new()
        .delete_handling(DeleteHandling::Rewrite)
        .apply(&record)
        .unwrap();
    let json = rewritten.record().unwrap().to_json().unwrap();
    assert_eq!(json["payload"], serde_json::json!({"id": 3, "__deleted": "true"}));
    assert_eq!(json["schema"]["optional"], false);
    assert_eq!(
        json["schema"]["fields"][1],
        serde_json::json!({"type": "string", "optional": true, "field": "__deleted"})
    );
}
