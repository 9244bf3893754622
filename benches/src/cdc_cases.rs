//! The decoding cases of the `cdc_decode` bench and the `cdc_decode_loop` binary: one
//! ~700-byte row in each envelope and encoding, and two floors over the same JSON bytes.
//! Included by path into each, so an A/B script can add it to an older commit.

use cdc_core::avro::RowSchema;
use cdc_core::{DebeziumAvro, DebeziumJson, Decode, ReplicateAvro, ReplicateJson};
use std::hint::black_box;

/// A row of 16 columns, about 700 bytes as JSON.
fn row(id: u32) -> String {
    format!(
        r#"{{"id":{id},"first_name":"Anne Marie","last_name":"Kretchmar","email":"annek@noanswer.org","phone":"+1-555-0100","street":"1600 Pennsylvania Avenue NW","city":"Washington","state":"DC","zip":"20500","country":"United States of America","balance":1234.56,"loyalty_level":"GOLD","active":true,"created_at":1559033904863123,"updated_at":1559033904863999,"notes":"prefers email contact; allergic to penicillin; veteran"}}"#
    )
}

fn debezium_event() -> Vec<u8> {
    format!(
        r#"{{"before":null,"after":{},"source":{{"version":"2.4.0.Final","connector":"postgresql","name":"dbserver1","ts_ms":1559033904863,"snapshot":"false","db":"postgres","sequence":"[\"24023119\",\"24023128\"]","schema":"inventory","table":"customers","txId":555,"lsn":24023128,"xmin":null}},"op":"c","ts_ms":1559033904863,"transaction":null}}"#,
        row(1)
    )
    .into_bytes()
}

fn replicate_event() -> Vec<u8> {
    format!(
        r#"{{"data":{},"beforeData":null,"headers":{{"operation":"INSERT","changeSequence":"20260131101500000000000000000000005","timestamp":"2026-01-31T10:15:00.123","streamPosition":"00000025:00000ac0:0002","transactionId":"0000000000000000000000000000A1B2","changeMask":"FFFF","columnMask":"FFFF","transactionEventCounter":1,"transactionLastEvent":true}}}}"#,
        row(1)
    )
    .into_bytes()
}

/// One case: its name and one decode of its bytes, result dropped.
pub struct Case {
    /// The bench's name for it.
    pub name: String,
    /// Decodes the case's bytes once.
    pub run: Box<dyn Fn()>,
}

fn case(name: String, run: impl Fn() + 'static) -> Case {
    Case {
        name,
        run: Box::new(run),
    }
}

/// Every case, floors included, in the bench's order.
pub fn cases() -> Vec<Case> {
    let debezium = debezium_event();
    let replicate = replicate_event();
    let event = DebeziumJson
        .decode(None, Some(&debezium))
        .expect("the bench's Debezium event decodes")
        .into_change()
        .expect("a change")
        .event;
    let rows = RowSchema::infer("Value", event.after.as_ref().expect("an insert"));
    let debezium_avro = DebeziumAvro::new("dbserver1.inventory.customers", rows.clone()).expect("a schema");
    let debezium_avro_bytes = debezium_avro.encode_binary(&event).expect("encodes");
    let replicate_event = ReplicateJson
        .decode(None, Some(&replicate))
        .expect("the bench's Replicate event decodes")
        .into_change()
        .expect("a change")
        .event;
    let replicate_avro = ReplicateAvro::new(RowSchema {
        name: "Data".into(),
        ..rows
    })
    .expect("a schema");
    let replicate_avro_bytes = replicate_avro.encode_binary(&replicate_event).expect("encodes");
    let (d, r) = (debezium.len(), replicate.len());
    let (da, ra) = (debezium_avro_bytes.len(), replicate_avro_bytes.len());
    let (d1, d2, d3, d4) = (debezium.clone(), debezium.clone(), debezium.clone(), debezium);
    let r1 = replicate.clone();
    vec![
        case(format!("debezium_json_{d}B"), move || {
            let _ = black_box(DebeziumJson.decode(None, Some(black_box(&d1))).unwrap());
        }),
        case(format!("debezium_json_view_{d}B"), move || {
            let _ = black_box(DebeziumJson::decode_view(Some(black_box(&d2))).unwrap());
        }),
        // Floors for the same bytes: a parse that keeps nothing, and a parse into a tree.
        case("floor_serde_json_ignored_any".into(), move || {
            let _ = black_box(serde_json::from_slice::<serde::de::IgnoredAny>(black_box(&d3)).unwrap());
        }),
        case("floor_serde_json_value".into(), move || {
            let _ = black_box(serde_json::from_slice::<serde_json::Value>(black_box(&d4)).unwrap());
        }),
        case(format!("replicate_json_{r}B"), move || {
            let _ = black_box(ReplicateJson.decode(None, Some(black_box(&r1))).unwrap());
        }),
        case(format!("replicate_json_view_{r}B"), move || {
            let _ = black_box(ReplicateJson::decode_view(Some(black_box(&replicate))).unwrap());
        }),
        // The same events in Avro binary (no registry framing), rows typed by a schema.
        case(format!("debezium_avro_{da}B"), move || {
            let _ = black_box(
                debezium_avro
                    .decode(None, Some(black_box(&debezium_avro_bytes)))
                    .unwrap(),
            );
        }),
        case(format!("replicate_avro_{ra}B"), move || {
            let _ = black_box(
                replicate_avro
                    .decode(None, Some(black_box(&replicate_avro_bytes)))
                    .unwrap(),
            );
        }),
    ]
}
