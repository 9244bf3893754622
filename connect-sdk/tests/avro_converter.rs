//! The Avro converter (feature `avro`): any value of any schema written in the
//! Confluent wire format and read back is the same value with the same schema; the
//! Avro schemas follow Confluent's `AvroData` rules; bad bytes and unknown schema ids
//! are typed errors.
#![cfg(feature = "avro")]

mod support;

use std::sync::atomic::{AtomicU64, Ordering};

use connect_sdk::config::Properties;
use connect_sdk::convert::{AvroConverter, Converter, converter};
use connect_sdk::data::{Decimal, Schema, SchemaBuilder, Struct, Value, logical};
use proptest::prelude::*;
use support::record;

fn avro(scope: &str) -> AvroConverter {
    let config = Properties::from([("schema.registry.url".to_owned(), format!("mock://{scope}"))]);
    AvroConverter::configure(&config, false).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn any_value_reads_back_as_written((schema, value) in record()) {
        // A topic per case: the registry refuses incompatible schemas under one subject.
        static CASE: AtomicU64 = AtomicU64::new(0);
        let topic = format!("rows-{}", CASE.fetch_add(1, Ordering::Relaxed));
        let mut converter = avro("avro-round-trip");
        let bytes = converter.encode(&topic, Some(&schema), &value).unwrap().unwrap();
        prop_assert_eq!(bytes[0], 0);
        // A fresh converter reads the schema from the registry by its id.
        let (read_schema, read) = avro("avro-round-trip").decode(&topic, Some(&bytes)).unwrap();
        prop_assert_eq!(read_schema.as_ref(), Some(&schema));
        // Avro maps have no order: compare string-keyed maps as sorted.
        prop_assert_eq!(sorted(read), sorted(value));
    }
}

/// `value` with the entries of its string-keyed maps sorted by key.
fn sorted(value: Value) -> Value {
    match value {
        Value::Struct(s) => {
            let mut out = Struct::new(s.schema().clone()).unwrap();
            for (field, v) in s.schema().fields().iter().zip(s.values()) {
                out.put(field.name(), sorted(v.clone())).unwrap();
            }
            Value::Struct(out)
        }
        Value::Map(mut entries) if entries.iter().all(|(k, _)| matches!(k, Value::String(_))) => {
            entries.sort_by(|a, b| a.0.as_str().cmp(&b.0.as_str()));
            Value::Map(entries)
        }
        other => other,
    }
}

#[test]
fn schemas_are_mapped_as_confluents_avro_data_maps_them() {
    let schema = SchemaBuilder::record()
        .name("shop.Order")
        .version(2)
        .field("tiny", Schema::int8())
        .and_then(|b| b.field("note", Schema::optional_string()))
        .and_then(|b| b.field("amount", logical::decimal(2).build()))
        .and_then(|b| b.field("day", logical::date().build()))
        .and_then(|b| {
            b.field(
                "counts",
                SchemaBuilder::map(Schema::int32(), Schema::string()).build(),
            )
        })
        .unwrap()
        .build();
    let mut order = Struct::new(schema.clone()).unwrap();
    order
        .put("tiny", Value::Int8(-3))
        .and_then(|o| o.put("amount", Value::Decimal(Decimal::new(12345, 2))))
        .and_then(|o| o.put("day", Value::Date(19_000)))
        .and_then(|o| o.put("counts", Value::Map(vec![(Value::Int32(1), "one".into())])))
        .unwrap();
    let mut converter = avro("avro-mapping");
    let bytes = converter
        .encode("orders", Some(&schema), &Value::Struct(order))
        .unwrap()
        .unwrap();
    let registry = schema_registry_client::blocking::Registry::from_url("mock://avro-mapping").unwrap();
    let id = u32::from_be_bytes(bytes[1..5].try_into().unwrap());
    let text = registry.schema_by_id(id).unwrap().schema;
    let avro: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(avro["type"], "record");
    assert_eq!(avro["name"], "Order");
    assert_eq!(avro["namespace"], "shop");
    assert_eq!(avro["connect.name"], "shop.Order");
    assert_eq!(avro["connect.version"], 2);
    let field = |name: &str| {
        avro["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(
        field("tiny")["type"],
        serde_json::json!({"type": "int", "connect.type": "int8"})
    );
    assert_eq!(field("note")["type"], serde_json::json!(["null", "string"]));
    assert_eq!(field("note")["default"], serde_json::Value::Null);
    let amount = field("amount")["type"].clone();
    assert_eq!(
        (
            amount["logicalType"].clone(),
            amount["precision"].clone(),
            amount["scale"].clone()
        ),
        ("decimal".into(), 64.into(), 2.into())
    );
    assert_eq!(amount["connect.parameters"], serde_json::json!({"scale": "2"}));
    assert_eq!(field("day")["type"]["logicalType"], "date");
    let counts = field("counts")["type"].clone();
    assert_eq!(counts["type"], "array");
    assert_eq!(counts["items"]["name"], "MapEntry");
    assert_eq!(counts["items"]["namespace"], "io.confluent.connect.avro");
    // The subject is the topic's value subject.
    assert_eq!(
        registry.versions("orders-value", Default::default()).unwrap(),
        vec![1]
    );
}

#[test]
fn bad_bytes_and_unknown_ids_are_typed_errors() {
    let mut converter = avro("avro-errors");
    for bytes in [&[1u8, 0, 0, 0, 1, 2][..], &[0, 0, 0], &[]] {
        let err = converter.decode("orders", Some(bytes)).unwrap_err();
        assert!(matches!(err, connect_sdk::Error::Deserialize { .. }), "{err:?}");
    }
    let err = converter
        .decode("orders", Some(&[0, 0, 0, 0, 99, 2]))
        .unwrap_err();
    assert!(!err.is_retriable(), "an unknown id is not an outage: {err}");
    assert!(err.to_string().contains("99"), "{err}");
    // A body shorter than its schema says.
    let schema = Schema::int64();
    let mut bytes = converter
        .encode("n", Some(&schema), &Value::Int64(1 << 40))
        .unwrap()
        .unwrap();
    bytes.truncate(bytes.len() - 1);
    assert!(converter.decode("n", Some(&bytes)).is_err());
    // Writing a value its schema does not take.
    assert!(converter.encode("n", Some(&schema), &Value::from("x")).is_err());
}

#[test]
fn the_converter_is_chosen_by_confluents_class_name() {
    let config = Properties::from([("schema.registry.url".to_owned(), "mock://avro-class".to_owned())]);
    let mut avro = converter("io.confluent.connect.avro.AvroConverter", &config).unwrap();
    let bytes = avro
        .encode("t", Some(&Schema::string()), &"hi".into())
        .unwrap()
        .unwrap();
    assert_eq!(avro.decode("t", Some(&bytes)).unwrap().1, Value::from("hi"));
    let err = converter("io.confluent.connect.avro.AvroConverter", &Properties::new()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Missing required configuration \"schema.registry.url\" which has no default value."
    );
}
