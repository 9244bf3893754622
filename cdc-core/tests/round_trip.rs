//! Property tests: any event round-trips through each JSON codec, and Replicate ->
//! Debezium -> Replicate keeps every field both formats carry.

use cdc_core::{
    ChangeEvent, DebeziumJson, DebeziumRecord, Decode, Decoded, LogicalMessage, MessageContent, Operation,
    Position, ReplicateJson, ReplicateRecord, Row, Source, Transaction, Value,
};
use proptest::prelude::*;

/// A Debezium JSON value through the codec: the record, or `None` for a tombstone.
fn decode_debezium(value: &[u8]) -> cdc_core::Result<Option<DebeziumRecord>> {
    DebeziumJson.decode(None, Some(value)).map(Decoded::into_change)
}

/// A Replicate JSON value through the codec.
fn decode_replicate(value: &[u8]) -> cdc_core::Result<ReplicateRecord> {
    let decoded = ReplicateJson.decode(None, Some(value))?;
    Ok(decoded.into_change().expect("a value is never a tombstone"))
}

/// Values that plain (schema-less) JSON carries without loss.
fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::Int),
        (-1e12f64..1e12)
            .prop_filter("not integral", |f| f.fract() != 0.0)
            .prop_map(Value::Float),
        "[a-zA-Z0-9 éü-]{0,12}".prop_map(Value::String),
        Just(Value::Unavailable),
        proptest::collection::vec(any::<i64>().prop_map(Value::Int), 0..3).prop_map(Value::Array),
    ]
}

fn row() -> impl Strategy<Value = Row> {
    proptest::collection::vec(value(), 1..6).prop_map(|values| {
        values
            .into_iter()
            .enumerate()
            .map(|(i, v)| (format!("c{i}"), v))
            .collect()
    })
}

fn text() -> impl Strategy<Value = String> {
    "[a-z0-9_]{1,10}"
}

fn debezium_source() -> impl Strategy<Value = Source> {
    let position = prop_oneof![
        (any::<Option<i32>>(), any::<Option<i32>>()).prop_map(|(lsn, tx)| (
            "postgresql",
            Position::Postgres {
                lsn: lsn.map(i64::from),
                tx_id: tx.map(i64::from)
            }
        )),
        (
            text(),
            any::<u32>(),
            0i64..5,
            proptest::option::of(text()),
            proptest::option::of(any::<u32>())
        )
            .prop_map(|(file, pos, row, gtid, server)| (
                "mysql",
                Position::MySql {
                    file,
                    pos: pos.into(),
                    row,
                    gtid,
                    server_id: server.map(i64::from)
                }
            )),
        (
            proptest::option::of(text()),
            proptest::option::of(text()),
            proptest::option::of(0i64..100)
        )
            .prop_map(|(change_lsn, commit_lsn, event_serial_no)| (
                "sqlserver",
                Position::SqlServer {
                    change_lsn,
                    commit_lsn,
                    event_serial_no
                }
            )),
    ];
    (
        position,
        text(),
        text(),
        proptest::option::of(text()),
        text(),
        any::<Option<u32>>(),
        proptest::option::of(prop_oneof![Just("true"), Just("last"), Just("incremental")]),
        proptest::option::of(any::<(i64, i64)>()),
    )
        .prop_map(
            |((connector, position), name, db, schema, table, ts, snapshot, fine_ts)| Source {
                connector: Some(connector.to_owned()),
                name: Some(name),
                db: Some(db),
                schema,
                table: Some(table),
                ts_ms: ts.map(i64::from),
                snapshot: snapshot.map(str::to_owned),
                position,
                // Debezium 2.6 and later send the source time in finer units too.
                extra: fine_ts
                    .map(|(us, ns)| [("ts_us".to_owned(), us.into()), ("ts_ns".to_owned(), ns.into())])
                    .into_iter()
                    .flatten()
                    .collect(),
            },
        )
}

/// JSON values of fields the model does not hold.
fn json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        "[a-z \\\\\"]{0,6}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(2, 6, 3, |inner| {
        proptest::collection::vec(("[a-z]{1,4}", inner), 0..3)
            .prop_map(|fields| serde_json::Value::Object(fields.into_iter().collect()))
    })
}

/// Top-level fields a transform may add to the envelope: none of Debezium's names.
fn extra_fields() -> impl Strategy<Value = serde_json::Map<String, serde_json::Value>> {
    proptest::collection::vec(("x_[a-z]{1,6}", json()), 0..3).prop_map(|fields| fields.into_iter().collect())
}

/// Before and after rows that obey the rules for `op`.
fn rows_for(op: Operation) -> BoxedStrategy<(Option<Row>, Option<Row>)> {
    match op {
        Operation::Create | Operation::Read => row().prop_map(|r| (None, Some(r))).boxed(),
        Operation::Update => (proptest::option::of(row()), row())
            .prop_map(|(b, a)| (b, Some(a)))
            .boxed(),
        // A delete without the old row: a PostgreSQL table without full replica identity.
        Operation::Delete => proptest::option::of(row()).prop_map(|b| (b, None)).boxed(),
        Operation::Truncate | Operation::Message => Just((None, None)).boxed(),
    }
}

/// The row operations both envelopes have.
fn op() -> impl Strategy<Value = Operation> {
    prop_oneof![
        Just(Operation::Create),
        Just(Operation::Update),
        Just(Operation::Delete),
        Just(Operation::Read),
    ]
}

/// Every Debezium operation.
fn debezium_op() -> impl Strategy<Value = Operation> {
    prop_oneof![
        4 => op(),
        1 => Just(Operation::Truncate),
        1 => Just(Operation::Message),
    ]
}

/// The message of a logical decoding message event.
fn message_for(op: Operation) -> BoxedStrategy<Option<LogicalMessage>> {
    match op {
        Operation::Message => {
            // Bytes, or the hex text of `binary.handling.mode=hex` (of an odd number of
            // bytes, so that it is not base64 too: plain JSON reads base64 as bytes).
            let content = prop_oneof![
                proptest::collection::vec(any::<u8>(), 0..12).prop_map(MessageContent::Bytes),
                proptest::collection::vec(any::<u8>(), 0..6).prop_map(|mut bytes| {
                    if bytes.len() % 2 == 0 {
                        bytes.push(0xab);
                    }
                    MessageContent::Text(bytes.iter().map(|b| format!("{b:02x}")).collect())
                }),
            ];
            ("[a-z:\\\\\"]{0,8}", content)
                .prop_map(|(prefix, content)| Some(LogicalMessage { prefix, content }))
                .boxed()
        }
        _ => Just(None).boxed(),
    }
}

fn debezium_event() -> impl Strategy<Value = ChangeEvent> {
    debezium_op().prop_flat_map(|op| {
        (
            rows_for(op),
            debezium_source(),
            proptest::option::of((
                text(),
                proptest::option::of(0i64..1000),
                proptest::option::of(0i64..1000),
            )),
            (any::<Option<u32>>(), any::<Option<i64>>(), any::<Option<i64>>()),
            message_for(op),
            extra_fields(),
        )
            .prop_map(
                move |((before, after), source, tx, (ts, ts_us, ts_ns), message, extra)| ChangeEvent {
                    op,
                    before,
                    after,
                    source,
                    transaction: tx.map(|(id, total_order, data_collection_order)| Transaction {
                        id,
                        total_order,
                        data_collection_order,
                    }),
                    key: None,
                    ts_ms: ts.map(i64::from),
                    ts_us,
                    ts_ns,
                    message,
                    extra,
                },
            )
    })
}

fn replicate_event() -> impl Strategy<Value = ChangeEvent> {
    op().prop_flat_map(|op| {
        (
            rows_for(op),
            text(),
            text(),
            proptest::option::of((text(), proptest::option::of(0i64..1000))),
        )
            .prop_map(
                move |((before, after), change_sequence, stream_position, tx)| ChangeEvent {
                    // Replicate sends no before image for inserts and refreshes.
                    op,
                    before,
                    after,
                    source: Source {
                        connector: Some("replicate".into()),
                        snapshot: (op == Operation::Read).then(|| "true".to_owned()),
                        position: Position::Replicate {
                            change_sequence,
                            stream_position,
                        },
                        ..Source::default()
                    },
                    transaction: tx.map(|(id, total_order)| Transaction {
                        id,
                        total_order,
                        data_collection_order: None,
                    }),
                    key: None,
                    ts_ms: None,
                    ts_us: None,
                    ts_ns: None,
                    message: None,
                    extra: Default::default(),
                },
            )
    })
}

proptest! {
    #[test]
    fn debezium_json_round_trips(event in debezium_event()) {
        let bytes = DebeziumJson::encode_event(&event);
        let back = decode_debezium(&bytes).unwrap().unwrap().event;
        prop_assert_eq!(back, event);
    }

    #[test]
    fn replicate_json_round_trips(event in replicate_event()) {
        let bytes = ReplicateJson::encode_event(&event);
        let back = decode_replicate(&bytes).unwrap().event;
        prop_assert_eq!(back, event);
    }

    #[test]
    fn replicate_to_debezium_and_back_keeps_what_both_carry(event in replicate_event()) {
        let replicate = ReplicateJson::encode_event(&event);
        let decoded = decode_replicate(&replicate).unwrap().event;
        let debezium = DebeziumJson::encode_event(&decoded);
        let via_debezium = decode_debezium(&debezium).unwrap().unwrap().event;
        prop_assert_eq!(&via_debezium, &decoded);
        prop_assert_eq!(ReplicateJson::encode_event(&via_debezium), replicate);
    }

    #[test]
    fn fast_path_agrees_with_the_reference_decoder(event in debezium_event()) {
        let bytes = DebeziumJson::encode_event(&event);
        prop_assert_eq!(
            decode_debezium(&bytes).unwrap(),
            DebeziumJson::decode_reference(&bytes).unwrap()
        );
    }

    #[test]
    fn replicate_fast_path_agrees_with_the_reference_decoder(event in replicate_event()) {
        let bytes = ReplicateJson::encode_event(&event);
        prop_assert_eq!(
            decode_replicate(&bytes).unwrap(),
            ReplicateJson::decode_reference(&bytes).unwrap()
        );
    }

    #[test]
    fn views_own_the_same_events(debezium in debezium_event(), replicate in replicate_event()) {
        let bytes = DebeziumJson::encode_event(&debezium);
        let view = DebeziumJson::decode_view(Some(&bytes)).unwrap().unwrap();
        prop_assert_eq!(view.to_event().unwrap(), DebeziumJson::decode_reference(&bytes).unwrap().unwrap().event);
        let bytes = ReplicateJson::encode_event(&replicate);
        let view = ReplicateJson::decode_view(Some(&bytes)).unwrap().unwrap();
        prop_assert_eq!(view.to_event(), ReplicateJson::decode_reference(&bytes).unwrap().event);
    }

    #[test]
    fn decoders_never_panic_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = decode_debezium(&bytes);
        let _ = DebeziumJson.decode(Some(&bytes), None);
        let _ = decode_replicate(&bytes);
        let _ = DebeziumJson::decode_view(Some(&bytes));
        let _ = ReplicateJson::decode_view(Some(&bytes));
    }
}

mod avro_forms {
    use super::*;
    use cdc_core::DebeziumAvro;
    use cdc_core::ReplicateAvro;
    use cdc_core::avro::{ColumnType, RowSchema};

    /// A table with a column of every type.
    fn table(name: &str) -> RowSchema {
        RowSchema {
            name: name.into(),
            columns: vec![
                ("c_bool".into(), ColumnType::Boolean),
                ("c_long".into(), ColumnType::Long),
                ("c_double".into(), ColumnType::Double),
                (
                    "c_dec".into(),
                    ColumnType::Decimal {
                        precision: 38,
                        scale: 2,
                    },
                ),
                ("c_str".into(), ColumnType::String),
                ("c_bytes".into(), ColumnType::Bytes),
                ("c_date".into(), ColumnType::Date),
                ("c_time".into(), ColumnType::TimeMicros),
                ("c_ts".into(), ColumnType::TimestampMicros),
                ("c_tz".into(), ColumnType::TimestampTz),
                ("c_json".into(), ColumnType::Json),
                ("c_arr".into(), ColumnType::Array(Box::new(ColumnType::Long))),
            ],
        }
    }

    fn nullable(v: impl Strategy<Value = Value>) -> impl Strategy<Value = Value> {
        proptest::option::of(v).prop_map(|v| v.unwrap_or(Value::Null))
    }

    fn typed_row() -> impl Strategy<Value = Row> {
        (
            (
                nullable(any::<bool>().prop_map(Value::Bool)),
                nullable(any::<i64>().prop_map(Value::Int)),
                nullable(
                    any::<f64>()
                        .prop_filter("finite", |f| f.is_finite())
                        .prop_map(Value::Float),
                ),
                nullable(any::<i64>().prop_map(|u| Value::Decimal {
                    unscaled: u.into(),
                    scale: 2,
                })),
                nullable(prop_oneof![
                    "[a-z ]{0,8}".prop_map(Value::String),
                    Just(Value::Unavailable)
                ]),
                nullable(proptest::collection::vec(any::<u8>(), 0..8).prop_map(Value::Bytes)),
            ),
            (
                nullable(any::<i32>().prop_map(Value::Date)),
                nullable((0i64..86_400_000_000).prop_map(Value::Time)),
                nullable(any::<i64>().prop_map(Value::Timestamp)),
                nullable(Just(Value::TimestampTz("2026-01-31T10:00:00Z".into()))),
                nullable(any::<i32>().prop_map(|n| Value::Json(serde_json::json!({"n": n}).into()))),
                nullable(
                    proptest::collection::vec(any::<i64>().prop_map(Value::Int), 0..3).prop_map(Value::Array),
                ),
            ),
        )
            .prop_map(|((a, b, c, d, e, f), (g, h, i, j, k, l))| {
                let names = table("t").columns.into_iter().map(|(n, _)| n);
                names.zip([a, b, c, d, e, f, g, h, i, j, k, l]).collect()
            })
    }

    fn typed_rows_for(op: Operation) -> BoxedStrategy<(Option<Row>, Option<Row>)> {
        match op {
            Operation::Create | Operation::Read => typed_row().prop_map(|r| (None, Some(r))).boxed(),
            Operation::Update => (proptest::option::of(typed_row()), typed_row())
                .prop_map(|(b, a)| (b, Some(a)))
                .boxed(),
            Operation::Delete => proptest::option::of(typed_row()).prop_map(|b| (b, None)).boxed(),
            Operation::Truncate | Operation::Message => Just((None, None)).boxed(),
        }
    }

    proptest! {
        #[test]
        fn debezium_avro_round_trips(
            (op, rows, message) in debezium_op().prop_flat_map(|op| (Just(op), typed_rows_for(op), message_for(op))),
            source in debezium_source(),
            (ts, ts_us, ts_ns) in any::<(Option<u32>, Option<i64>, Option<i64>)>(),
        ) {
            let codec = DebeziumAvro::new("db.inventory.t", table("Value")).unwrap();
            let event = ChangeEvent {
                op,
                before: rows.0,
                after: rows.1,
                source,
                transaction: None,
                key: None,
                ts_ms: ts.map(i64::from),
                ts_us,
                ts_ns,
                message,
                extra: Default::default(),
            };
            let bytes = codec.encode_binary(&event).unwrap();
            prop_assert_eq!(codec.decode(None, Some(&bytes)).unwrap(), Decoded::Change(event));
        }

        #[test]
        fn replicate_avro_round_trips(
            // Replicate's Avro `data` is not nullable: a delete carries its row there.
            (op, rows) in op().prop_flat_map(|op| (Just(op), typed_rows_for(op)))
                .prop_filter("a delete has its row", |(op, (before, _))| *op != Operation::Delete || before.is_some()),
            seq in text(),
            tx in proptest::option::of((text(), proptest::option::of(0i64..1000))),
        ) {
            let codec = ReplicateAvro::new(table("Data")).unwrap();
            let event = ChangeEvent {
                op,
                before: rows.0,
                after: rows.1,
                source: Source {
                    connector: Some("replicate".into()),
                    snapshot: (op == Operation::Read).then(|| "true".to_owned()),
                    position: Position::Replicate { change_sequence: seq, stream_position: "p".into() },
                    ..Source::default()
                },
                transaction: tx.map(|(id, total_order)| Transaction { id, total_order, data_collection_order: None }),
                key: None,
                ts_ms: None,
                ts_us: None,
                ts_ns: None,
                message: None,
                extra: Default::default(),
            };
            let bytes = codec.encode_binary(&event).unwrap();
            prop_assert_eq!(codec.decode(None, Some(&bytes)).unwrap(), Decoded::Change(event.clone()));
            let enveloped = codec.encode_envelope(&event).unwrap();
            prop_assert_eq!(codec.decode(None, Some(&enveloped)).unwrap(), Decoded::Change(event));
        }

        #[test]
        fn truncated_avro_is_an_error_not_a_panic(cut in 0usize..200, garbage in proptest::collection::vec(any::<u8>(), 0..64)) {
            let codec = DebeziumAvro::new("db.inventory.t", table("Value")).unwrap();
            let event = ChangeEvent::new(
                Operation::Create,
                None,
                Some(Row::new().with("c_long", Value::Int(5)).with("c_str", Value::String("x".repeat(40)))),
                Source::default(),
            )
            .unwrap();
            let bytes = codec.encode_binary(&event).unwrap();
            // apache-avro reads end-of-input at a trailing ["null", ...] union as null, so
            // a cut may drop only trailing nulls: then it must decode to the same event.
            let whole = codec.decode(None, Some(&bytes)).unwrap();
            if cut < bytes.len() {
                match codec.decode(None, Some(&bytes[..cut])) {
                    Err(_) => {}
                    Ok(decoded) => prop_assert_eq!(decoded, whole, "cut at {} decoded to another event", cut),
                }
            }
            let _ = codec.decode(None, Some(&garbage));
            let _ = ReplicateAvro::new(table("Data")).unwrap().decode(None, Some(&garbage));
        }
    }

    #[test]
    fn a_value_of_the_wrong_type_names_the_column() {
        let codec = DebeziumAvro::new("db.inventory.t", table("Value")).unwrap();
        let event = ChangeEvent::new(
            Operation::Create,
            None,
            Some(Row::new().with("c_long", Value::String("five".into()))),
            Source::default(),
        )
        .unwrap();
        let err = codec.to_avro(&event).unwrap_err().to_string();
        assert!(err.contains("after.c_long"), "{err}");
    }
}
