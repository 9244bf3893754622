//! Golden events of Debezium 3.6's PostgreSQL connector: the fields of the envelope
//! (`ts_us`, `ts_ns`, top-level and in `source`), truncate and logical decoding message
//! events, and deletes without the old row. Each decodes to the expected model, the fast
//! path agrees with the reference decoder, and it re-encodes to equal JSON.
//!
//! The `pg36_*` files are the examples of the PostgreSQL connector's documentation
//! (debezium.io/documentation/reference/3.6/connectors/postgresql.html, "Data change
//! events"; `documentation/modules/ROOT/pages/connectors/postgresql.adoc` at
//! `v3.6.1.Final`), with `{debezium-version}` as `3.6.1.Final` and the callouts and
//! trailing commas taken out, and in the form 3.6.1 sends them where the examples are
//! older or abbreviated: `source.snapshot` is the string of 3.6.1's
//! `io.debezium.data.Enum` (the examples show the boolean of earlier versions), and the
//! fields of the value schema that the JSON converter writes as `null` and the examples
//! leave out are there (`transaction`; a truncate's `before` and `after`; a
//! non-transactional message's `source.txId`). The examples elide the schema except for
//! the create event's, so the others are plain payloads (`schemas.enable=false`).
//! `pg36_message_with_schema.json` is the transactional message example with the value
//! schema 3.6.1 writes for messages (`io.debezium.connector.postgresql.MessageValue`:
//! `op`, `ts_ms`, `source`, `transaction`, `message`, as its `PostgresSchemaFactory`
//! builds it), whose payload so has no `ts_us` and `ts_ns`.
//!
//! `pg_message_captured_plain.json` and `pg_message_hex_captured_with_schema.json` are
//! messages captured from Debezium 3.6.1's PostgreSQL connector by the corpus runner
//! (`peers/debezium`, normalised), the second with `binary.handling.mode=hex`.

use cdc_core::{
    ChangeEvent, DebeziumJson, DebeziumRecord, Decode, Error, LogicalMessage, MessageContent, Operation, Row,
    Rule, Source, Value, changed_columns, topic_name, upsert,
};
use serde_json::Value as Json;

fn golden(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/golden/debezium/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `value` decoded with `key`, checked against the reference decoder and re-encoded to
/// the same JSON.
fn round_trips(key: Option<&[u8]>, value: &[u8]) -> DebeziumRecord {
    let record = DebeziumJson
        .decode(key, Some(value))
        .unwrap_or_else(|e| panic!("{e}"))
        .into_change()
        .expect("not a tombstone");
    let reference = DebeziumJson::decode_reference(value).unwrap().unwrap();
    assert_eq!(
        ChangeEvent {
            key: record.event.key.clone(),
            ..reference.event.clone()
        },
        record.event,
        "the fast path and the reference decoder agree"
    );
    let again: Json = serde_json::from_slice(&DebeziumJson::encode(&record)).unwrap();
    let original: Json = serde_json::from_slice(value).unwrap();
    assert_eq!(again, original, "re-encodes to the same JSON");
    record
}

fn id(n: i64) -> Row {
    Row::new().with("id", Value::Int(n))
}

#[test]
fn the_create_with_schema_keeps_the_fine_timestamps_of_the_envelope_and_the_source() {
    let event = round_trips(None, &golden("pg36_create_with_schema.json")).event;
    assert_eq!(event.op, Operation::Create);
    assert_eq!(event.ts_ms, Some(1_559_033_904_863));
    assert_eq!(event.ts_us, Some(1_559_033_904_863_841));
    assert_eq!(event.ts_ns, Some(1_559_033_904_863_841_257));
    assert_eq!(
        event.source.extra.get("ts_us"),
        Some(&Json::from(1_559_033_904_863_123_i64))
    );
    assert_eq!(
        event.source.extra.get("ts_ns"),
        Some(&Json::from(1_559_033_904_863_123_000_i64))
    );
    assert_eq!(event.source.snapshot.as_deref(), Some("true"));
    // The example's schema has no `transaction` field, so the payload has none either.
    assert!(event.transaction.is_none());
    assert_eq!(
        topic_name(&event).as_deref(),
        Some("PostgreSQL_server.public.customers")
    );
}

#[test]
fn an_update_whose_before_has_only_the_key_changes_every_other_column() {
    let event = round_trips(Some(br#"{"id":1}"#), &golden("pg36_update_plain.json")).event;
    assert_eq!(event.before, Some(id(1)));
    assert_eq!(event.ts_ns, Some(1_465_584_025_523_514_964));
    assert_eq!(
        changed_columns(&event).unwrap(),
        ["first_name", "last_name", "email"]
    );
}

#[test]
fn a_delete_whose_before_has_only_the_key_is_a_tombstone_of_that_key() {
    let event = round_trips(Some(br#"{"id":1}"#), &golden("pg36_delete_plain.json")).event;
    assert_eq!(event.op, Operation::Delete);
    assert_eq!(event.before, Some(id(1)));
    assert_eq!(upsert(&event, &["id"]), Some((id(1), None)));
}

#[test]
fn a_delete_without_before_takes_its_key_from_the_record_key() {
    // The documentation's warning: a table whose replica identity is not FULL sends a
    // delete without `before`. The delete example so, with the record key of its row.
    let mut json: Json = serde_json::from_slice(&golden("pg36_delete_plain.json")).unwrap();
    json["before"] = Json::Null;
    let value = serde_json::to_vec(&json).unwrap();
    let event = round_trips(Some(br#"{"id":1}"#), &value).event;
    assert_eq!(event.before, None);
    assert_eq!(event.before_or_key().as_deref(), Some(&id(1)));
    assert_eq!(upsert(&event, &["id"]), Some((id(1), None)));
    assert!(changed_columns(&event).unwrap().is_empty());
    // Without a record key (a table without a primary key) nothing names the row.
    let keyless = round_trips(None, &value).event;
    assert_eq!(keyless.before_or_key(), None);
    assert_eq!(upsert(&keyless, &["id"]), None);
}

#[test]
fn a_before_missing_a_key_column_is_completed_from_the_key() {
    let before = Row::new().with("name", Value::String("Anne".into()));
    let mut event =
        ChangeEvent::new(Operation::Delete, Some(before.clone()), None, Source::default()).unwrap();
    event.key = Some(id(1));
    assert_eq!(
        event.before_or_key().as_deref(),
        Some(&before.clone().with("id", Value::Int(1)))
    );
    assert_eq!(upsert(&event, &["id"]), Some((id(1), None)));
    // A create has no row before it, whatever its key.
    let mut create = ChangeEvent::new(Operation::Create, None, Some(id(2)), Source::default()).unwrap();
    create.key = Some(id(2));
    assert_eq!(create.before_or_key(), None);
    assert_eq!(changed_columns(&create).unwrap(), ["id"]);
}

#[test]
fn a_truncate_has_no_rows_and_goes_to_the_tables_topic() {
    let event = round_trips(None, &golden("pg36_truncate_plain.json")).event;
    assert_eq!(event.op, Operation::Truncate);
    assert_eq!((event.before.as_ref(), event.after.as_ref()), (None, None));
    assert_eq!(event.ts_us, Some(1_559_033_904_961_654));
    assert_eq!(
        topic_name(&event).as_deref(),
        Some("PostgreSQL_server.public.customers")
    );
    assert_eq!(upsert(&event, &["id"]), None);
}

#[test]
fn logical_decoding_messages_keep_their_prefix_and_content() {
    let message = LogicalMessage {
        prefix: "foo".into(),
        content: MessageContent::Bytes(vec![98, 103, 242]), // "Ymfy"
    };
    for (name, tx_id) in [
        ("pg36_message_plain.json", Some(556)),
        ("pg36_message_nontx_plain.json", None),
        ("pg36_message_with_schema.json", Some(556)),
    ] {
        let record = round_trips(Some(br#"{"prefix":"foo"}"#), &golden(name));
        let event = &record.event;
        assert_eq!(event.op, Operation::Message, "{name}");
        assert_eq!(event.message.as_ref(), Some(&message), "{name}");
        assert_eq!(
            (event.before.as_ref(), event.after.as_ref()),
            (None, None),
            "{name}"
        );
        assert!(event.extra.is_empty(), "{name}: {:?}", event.extra);
        assert!(
            matches!(event.source.position, cdc_core::Position::Postgres { tx_id: t, .. } if t == tx_id),
            "{name}"
        );
        assert_eq!(
            topic_name(event).as_deref(),
            Some("PostgreSQL_server.message"),
            "{name}"
        );
        // The encoder writes no rows for a message, with or without the schema.
        let encoded: Json = serde_json::from_slice(&DebeziumJson::encode(&record)).unwrap();
        let payload = encoded.get("payload").unwrap_or(&encoded);
        assert!(
            payload.get("before").is_none() && payload.get("after").is_none(),
            "{name}"
        );
    }
    let with_schema = round_trips(None, &golden("pg36_message_with_schema.json")).event;
    assert_eq!((with_schema.ts_us, with_schema.ts_ns), (None, None));
    // A message event built here encodes to what the decoder reads back.
    let built = ChangeEvent::new_message(message, Source::default());
    let back = DebeziumJson::decode_reference(&DebeziumJson::encode_event(&built))
        .unwrap()
        .unwrap();
    assert_eq!(back.event, built);
}

#[test]
fn captured_messages_keep_their_content_in_either_binary_mode() {
    let record = round_trips(
        Some(br#"{"prefix":"corpus"}"#),
        &golden("pg_message_captured_plain.json"),
    );
    let message = record.event.message.unwrap();
    assert_eq!(message.prefix, "corpus");
    assert_eq!(message.content.as_bytes(), Some(&b"inside a transaction"[..]));
    // A transactional message carries its transaction block.
    assert!(record.event.transaction.is_some());
    // With `binary.handling.mode=hex` the schema types the content as a string: its text
    // is kept as sent, not read as base64.
    let hex = round_trips(None, &golden("pg_message_hex_captured_with_schema.json")).event;
    let message = hex.message.unwrap();
    assert_eq!(
        (message.prefix.as_str(), message.content),
        ("corpus-bytes", MessageContent::Text("00ff0a".into()))
    );
    // Without a schema, text that is not base64 is kept as text too.
    let plain = br#"{"op":"m","ts_ms":1,"source":{},"transaction":null,
        "message":{"prefix":"corpus","content":"7472616e73616374696f6e616c"}}"#;
    let message = DebeziumJson::decode_reference(plain)
        .unwrap()
        .unwrap()
        .event
        .message
        .unwrap();
    assert_eq!(
        message.content,
        MessageContent::Text("7472616e73616374696f6e616c".into())
    );
}

#[test]
fn a_bad_message_block_is_named() {
    let cases: &[(&[u8], &str)] = &[
        (
            br#"{"schema":{"fields":[{"field":"message","fields":[{"field":"content","type":"bytes"}]}]},
                "payload":{"op":"m","message":{"prefix":"p","content":"not base64!"}}}"#,
            "field `payload.message.content`: bytes that are not base64",
        ),
        (
            br#"{"op":"m","message":{"content":""}}"#,
            "missing field `message.prefix`",
        ),
        (
            br#"{"op":"m","message":{"prefix":"p","content":"","x":1}}"#,
            "field `message.x`: not a field of a logical decoding message",
        ),
        (
            br#"{"schema":{},"payload":{"op":"m","message":{"prefix":7,"content":""}}}"#,
            "field `payload.message.prefix` should be a string",
        ),
        (
            br#"{"op":"m","source":{}}"#,
            "a logical decoding message has a `message` block",
        ),
        (
            br#"{"op":"m","message":null}"#,
            "a logical decoding message has a `message` block",
        ),
    ];
    for (input, expected) in cases {
        let err = DebeziumJson.decode(None, Some(input)).unwrap_err().to_string();
        assert!(
            err.contains(expected),
            "{}: expected `{expected}`, got `{err}`",
            String::from_utf8_lossy(input)
        );
    }
    let err = DebeziumJson.decode(None, Some(br#"{"op":"m"}"#)).unwrap_err();
    assert!(matches!(
        err,
        Error::Rule {
            op: Operation::Message,
            rule: Rule::MessageHasMessage
        }
    ));
    let mut create = ChangeEvent::new(Operation::Create, None, Some(id(1)), Source::default()).unwrap();
    create.message = Some(LogicalMessage::default());
    assert!(matches!(
        create.check(),
        Err(Error::Rule {
            rule: Rule::OnlyMessageHasMessage,
            ..
        })
    ));
}

#[test]
fn top_level_fields_the_model_does_not_hold_are_kept_by_both_paths() {
    // A transform may add fields to the envelope; `message` is one only in a message.
    let mut json: Json = serde_json::from_slice(&golden("pg36_update_plain.json")).unwrap();
    let added = serde_json::json!({"__region": "eu", "message": {"any": ["thing"]}, "__n": {"a": [1, 2]}});
    json.as_object_mut()
        .unwrap()
        .extend(added.as_object().unwrap().clone());
    let value = &serde_json::to_vec(&json).unwrap();
    let event = round_trips(None, value).event;
    assert_eq!(event.message, None);
    let keys: Vec<&str> = event.extra.keys().map(String::as_str).collect();
    assert_eq!(keys, ["__region", "message", "__n"]);
    let view = DebeziumJson::decode_view(Some(value)).unwrap().unwrap();
    assert_eq!(view.field("__region"), Some(r#""eu""#));
    assert_eq!(view.field("message"), Some(r#"{"any":["thing"]}"#));
    assert_eq!(view.to_event().unwrap(), event);
    // A lone `schema` (no `payload`) is a plain payload's field like any other.
    json["schema"] = Json::Null;
    let lone = serde_json::to_vec(&json).unwrap();
    assert_eq!(
        round_trips(None, &lone).event.extra.get("schema"),
        Some(&Json::Null)
    );
}

#[test]
fn the_view_reads_the_fine_timestamps_and_the_message() {
    let bytes = golden("pg36_message_plain.json");
    let view = DebeziumJson::decode_view(Some(&bytes)).unwrap().unwrap();
    assert_eq!(view.ts_ns, Some(1_559_033_904_961_621_379));
    let message = view.message.as_ref().unwrap();
    assert_eq!(
        (message.prefix.as_ref(), message.content.as_bytes()),
        ("foo", Some(&[98, 103, 242][..]))
    );
    assert!(matches!(message.prefix, std::borrow::Cow::Borrowed(_)));
}
