//! Decoding ~1 KB change events: Debezium JSON (plain payload) and Replicate JSON.
//!
//! `cargo bench -p streamkit-benches --bench cdc_decode`

use cdc_core::DebeziumAvro;
use cdc_core::ReplicateAvro;
use cdc_core::avro::RowSchema;
use cdc_core::{DebeziumJson, Decode, ReplicateJson};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

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

fn decode(c: &mut Criterion) {
    let debezium = debezium_event();
    let replicate = replicate_event();
    let mut group = c.benchmark_group("cdc_decode");
    group.throughput(Throughput::Elements(1));
    group.bench_function(format!("debezium_json_{}B", debezium.len()), |b| {
        b.iter(|| {
            DebeziumJson
                .decode(None, Some(std::hint::black_box(&debezium)))
                .unwrap()
        })
    });
    group.bench_function(format!("debezium_json_view_{}B", debezium.len()), |b| {
        b.iter(|| DebeziumJson::decode_view(Some(std::hint::black_box(&debezium))).unwrap())
    });
    // Floors for the same bytes: a parse that keeps nothing, and a parse into a JSON tree.
    group.bench_function("floor_serde_json_ignored_any", |b| {
        b.iter(|| serde_json::from_slice::<serde::de::IgnoredAny>(std::hint::black_box(&debezium)).unwrap())
    });
    group.bench_function("floor_serde_json_value", |b| {
        b.iter(|| serde_json::from_slice::<serde_json::Value>(std::hint::black_box(&debezium)).unwrap())
    });
    group.bench_function(format!("replicate_json_{}B", replicate.len()), |b| {
        b.iter(|| {
            ReplicateJson
                .decode(None, Some(std::hint::black_box(&replicate)))
                .unwrap()
        })
    });
    group.bench_function(format!("replicate_json_view_{}B", replicate.len()), |b| {
        b.iter(|| ReplicateJson::decode_view(Some(std::hint::black_box(&replicate))).unwrap())
    });
    // The same event in Avro binary (no registry framing), rows typed by their schema.
    let event = DebeziumJson
        .decode(None, Some(&debezium))
        .unwrap()
        .into_change()
        .unwrap()
        .event;
    let rows = RowSchema::infer("Value", event.after.as_ref().unwrap());
    let debezium_avro = DebeziumAvro::new("dbserver1.inventory.customers", rows.clone()).unwrap();
    let avro = debezium_avro.encode_binary(&event).unwrap();
    group.bench_function(format!("debezium_avro_{}B", avro.len()), |b| {
        b.iter(|| {
            debezium_avro
                .decode(None, Some(std::hint::black_box(&avro)))
                .unwrap()
        })
    });
    let replicate_event = ReplicateJson
        .decode(None, Some(&replicate))
        .unwrap()
        .into_change()
        .unwrap()
        .event;
    let replicate_avro = ReplicateAvro::new(RowSchema {
        name: "Data".into(),
        ..rows
    })
    .unwrap();
    let avro = replicate_avro.encode_binary(&replicate_event).unwrap();
    group.bench_function(format!("replicate_avro_{}B", avro.len()), |b| {
        b.iter(|| {
            replicate_avro
                .decode(None, Some(std::hint::black_box(&avro)))
                .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);
