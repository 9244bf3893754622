//! The wire-format serdes: round trips, subject strategies, registration settings,
//! schema evolution, and bad payloads as typed errors.

use std::sync::Arc;

use apache_avro::types::Value;
use proptest::prelude::*;
use schema_registry_client::{
    AvroDeserializer, AvroSerializer, Error, ErrorCode, MemoryRegistry, ReadOptions, RegisterOptions, Schema,
    SchemaRegistry, SerdeConfig, SubjectNameStrategy, Version, registry_from_url,
};
use serde::{Deserialize, Serialize};

const ORDER: &str = r#"{"type":"record","name":"Order","namespace":"shop","fields":[
    {"name":"id","type":"long"},
    {"name":"customer","type":"string"},
    {"name":"quantity","type":"int"},
    {"name":"price","type":"double"},
    {"name":"discount","type":"float"},
    {"name":"paid","type":"boolean"},
    {"name":"note","type":["null","string"],"default":null},
    {"name":"tags","type":{"type":"array","items":"string"}},
    {"name":"status","type":{"type":"enum","name":"Status","symbols":["NEW","SHIPPED"]}},
    {"name":"placed_at","type":"long"}]}"#;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Status {
    #[serde(rename = "NEW")]
    New,
    #[serde(rename = "SHIPPED")]
    Shipped,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Order {
    id: i64,
    customer: String,
    quantity: i32,
    price: f64,
    discount: f32,
    paid: bool,
    note: Option<String>,
    tags: Vec<String>,
    status: Status,
    placed_at: i64,
}

fn order(id: i64) -> Order {
    Order {
        id,
        customer: format!("customer-{id}"),
        quantity: 3,
        price: 9.5,
        discount: 0.25,
        paid: id % 2 == 0,
        note: (id % 3 == 0).then(|| "fragile".into()),
        tags: vec!["a".into(), "b".into()],
        status: Status::Shipped,
        placed_at: 1_700_000_000_000 + id,
    }
}

fn registry() -> Arc<dyn SchemaRegistry> {
    Arc::new(MemoryRegistry::new())
}

async fn serializer(r: &Arc<dyn SchemaRegistry>, schema: &str, config: SerdeConfig) -> AvroSerializer {
    AvroSerializer::for_text(r.clone(), schema, config).await.unwrap()
}

#[tokio::test]
async fn serde_values_round_trip_and_register_under_the_topic_subject() {
    let r = registry();
    let ser = serializer(&r, ORDER, SerdeConfig::default()).await;
    let de = AvroDeserializer::new(r.clone(), None).await.unwrap();
    for id in 0..5 {
        let payload = ser.serialize("orders", &order(id)).await.unwrap();
        assert_eq!(AvroDeserializer::schema_id(&payload).unwrap(), 1);
        let back: Order = de.deserialize(&payload).await.unwrap();
        assert_eq!(back, order(id));
    }
    assert_eq!(
        r.versions("orders-value", ReadOptions::default()).await.unwrap(),
        vec![1]
    );
}

#[tokio::test]
async fn avro_values_round_trip_and_mismatches_name_the_field() {
    let r = registry();
    let schema =
        r#"{"type":"record","name":"P","fields":[{"name":"a","type":"long"},{"name":"b","type":"string"}]}"#;
    let ser = serializer(&r, schema, SerdeConfig::default()).await;
    let value = Value::Record(vec![
        ("a".into(), Value::Long(4)),
        ("b".into(), Value::String("x".into())),
    ]);
    let payload = ser.serialize_value("p", &value).await.unwrap();
    let de = AvroDeserializer::new(r.clone(), None).await.unwrap();
    assert_eq!(de.deserialize_value(&payload).await.unwrap(), value);

    let wrong = Value::Record(vec![
        ("a".into(), Value::String("four".into())),
        ("b".into(), Value::String("x".into())),
    ]);
    let err = ser.serialize_value("p", &wrong).await.unwrap_err();
    assert!(
        matches!(&err, Error::Serialize { subject, .. } if subject == "p-value"),
        "{err}"
    );
    assert!(err.to_string().contains("field `a`"), "{err}");
    let missing = Value::Record(vec![("a".into(), Value::Long(1))]);
    let err = ser.serialize_value("p", &missing).await.unwrap_err();
    assert!(err.to_string().contains("field `b` is missing"), "{err}");
}

#[tokio::test]
async fn subject_name_strategies_pick_the_subject() {
    let r = registry();
    for (strategy, is_key, subject) in [
        (SubjectNameStrategy::TopicName, true, "orders-key"),
        (SubjectNameStrategy::RecordName, false, "shop.Order"),
        (SubjectNameStrategy::TopicRecordName, false, "orders-shop.Order"),
    ] {
        let config = SerdeConfig {
            subject_name_strategy: strategy,
            is_key,
            ..SerdeConfig::default()
        };
        serializer(&r, ORDER, config)
            .await
            .serialize("orders", &order(1))
            .await
            .unwrap();
        assert_eq!(
            r.versions(subject, ReadOptions::default()).await.unwrap(),
            vec![1],
            "{subject}"
        );
    }
    // Record name strategies need a named schema.
    let config = SerdeConfig {
        subject_name_strategy: SubjectNameStrategy::RecordName,
        ..SerdeConfig::default()
    };
    let err = serializer(&r, r#""string""#, config)
        .await
        .serialize("t", &"x")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("value.subject.name.strategy"), "{err}");
}

#[tokio::test]
async fn without_auto_register_the_schema_must_exist() {
    let r = registry();
    let config = SerdeConfig {
        auto_register_schemas: false,
        ..SerdeConfig::default()
    };
    let ser = serializer(&r, ORDER, config.clone()).await;
    let err = ser.serialize("orders", &order(1)).await.unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::SubjectNotFound), "{err}");
    let id = r
        .register("orders-value", &Schema::avro(ORDER), RegisterOptions::default())
        .await
        .unwrap();
    let payload = serializer(&r, ORDER, config)
        .await
        .serialize("orders", &order(1))
        .await
        .unwrap();
    assert_eq!(AvroDeserializer::schema_id(&payload).unwrap(), id);
}

#[tokio::test]
async fn use_latest_version_writes_with_the_subjects_latest_schema() {
    let r = registry();
    let v1 = r#"{"type":"record","name":"M","fields":[{"name":"id","type":"long"}]}"#;
    let v2 = r#"{"type":"record","name":"M","fields":[{"name":"id","type":"long"},{"name":"level","type":"string","default":"basic"}]}"#;
    r.register("m-value", &Schema::avro(v1), RegisterOptions::default())
        .await
        .unwrap();
    let latest = r
        .register("m-value", &Schema::avro(v2), RegisterOptions::default())
        .await
        .unwrap();
    let config = SerdeConfig {
        use_latest_version: true,
        auto_register_schemas: false,
        ..SerdeConfig::default()
    };
    let ser = serializer(&r, v1, config).await;
    let value = Value::Record(vec![
        ("id".into(), Value::Long(1)),
        ("level".into(), Value::String("gold".into())),
    ]);
    let payload = ser.serialize_value("m", &value).await.unwrap();
    assert_eq!(AvroDeserializer::schema_id(&payload).unwrap(), latest);
    assert_eq!(
        r.versions("m-value", ReadOptions::default()).await.unwrap(),
        vec![1, 2]
    );
}

#[tokio::test]
async fn readers_resolve_older_and_newer_writers() {
    let r = registry();
    let v1 = r#"{"type":"record","name":"M","fields":[{"name":"id","type":"int"},{"name":"old","type":"string"}]}"#;
    // v2 drops `old`, promotes `id` to long and adds `level` with a default.
    let v2 = r#"{"type":"record","name":"M","fields":[{"name":"id","type":"long"},{"name":"level","type":"string","default":"basic"}]}"#;
    let ser = serializer(&r, v1, SerdeConfig::default()).await;
    let written = Value::Record(vec![
        ("id".into(), Value::Int(5)),
        ("old".into(), Value::String("x".into())),
    ]);
    let payload = ser.serialize_value("m", &written).await.unwrap();
    let de = AvroDeserializer::for_text(r.clone(), v2).await.unwrap();
    assert_eq!(
        de.deserialize_value(&payload).await.unwrap(),
        Value::Record(vec![
            ("id".into(), Value::Long(5)),
            ("level".into(), Value::String("basic".into()))
        ])
    );
    #[derive(Debug, PartialEq, Deserialize)]
    struct M2 {
        id: i64,
        level: String,
    }
    assert_eq!(
        de.deserialize::<M2>(&payload).await.unwrap(),
        M2 {
            id: 5,
            level: "basic".into()
        }
    );
    // A reader that needs a field the writer lacks, without a default, cannot resolve.
    let strict = r#"{"type":"record","name":"M","fields":[{"name":"id","type":"long"},{"name":"must","type":"string"}]}"#;
    let de = AvroDeserializer::for_text(r.clone(), strict).await.unwrap();
    let err = de.deserialize_value(&payload).await.unwrap_err();
    assert!(matches!(err, Error::Deserialize { schema_id: 1, .. }), "{err}");
}

#[tokio::test]
async fn bad_payloads_are_typed_errors() {
    let r = registry();
    let ser = serializer(&r, ORDER, SerdeConfig::default()).await;
    let de = AvroDeserializer::new(r.clone(), None).await.unwrap();
    let good = ser.serialize("orders", &order(1)).await.unwrap();

    let err = de.deserialize_value(&[1, 0, 0, 0, 1, 2]).await.unwrap_err();
    assert!(matches!(err, Error::UnknownMagicByte { found: 1 }), "{err}");
    let err = de.deserialize_value(&good[..3]).await.unwrap_err();
    assert!(matches!(err, Error::ShortPayload { len: 3 }), "{err}");
    let err = de.deserialize_value(&[0, 0, 0, 0, 42, 2]).await.unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::SchemaNotFound), "{err}");
    let err = de.deserialize_value(&good[..good.len() - 4]).await.unwrap_err();
    assert!(matches!(err, Error::Deserialize { schema_id: 1, .. }), "{err}");
    let mut long = good.clone();
    long.extend_from_slice(&[1, 2, 3]);
    let err = de.deserialize_value(&long).await.unwrap_err();
    assert!(err.to_string().contains("3 bytes left"), "{err}");
    let err = de.deserialize::<Order>(&long).await.unwrap_err();
    assert!(err.to_string().contains("3 bytes left"), "{err}");
    // A body written with another schema under this id's name does not read as an Order.
    let mut other = good[..5].to_vec();
    other.extend_from_slice(&[0xff; 8]);
    assert!(de.deserialize::<Order>(&other).await.is_err());
}

#[tokio::test]
async fn mock_scopes_are_shared_by_url() {
    let a = registry_from_url("mock://serdes-test").unwrap();
    let b = registry_from_url("mock://serdes-test").unwrap();
    let other = registry_from_url("mock://serdes-other").unwrap();
    let id = a
        .register("s", &Schema::avro(r#""string""#), RegisterOptions::default())
        .await
        .unwrap();
    assert_eq!(
        b.version("s", Version::Latest, ReadOptions::default())
            .await
            .unwrap()
            .id,
        id
    );
    assert!(other.versions("s", ReadOptions::default()).await.is_err());
    let Err(err) = registry_from_url("kafka://nope") else {
        panic!("a kafka:// URL was accepted")
    };
    assert!(err.to_string().contains("schema.registry.url"), "{err}");
}

#[tokio::test]
async fn data_dir_keeps_schemas_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let id = {
        let r = MemoryRegistry::open(dir.path()).unwrap();
        r.register("s", &Schema::avro(ORDER), RegisterOptions::default())
            .await
            .unwrap()
    };
    let r = MemoryRegistry::open(dir.path()).unwrap();
    assert_eq!(
        r.version("s", Version::Latest, ReadOptions::default())
            .await
            .unwrap()
            .id,
        id
    );
    // The id sequence carries on.
    let next = r
        .register("t", &Schema::avro(r#""long""#), RegisterOptions::default())
        .await
        .unwrap();
    assert_eq!(next, id + 1);
    std::fs::write(dir.path().join("registry.json"), b"{broken").unwrap();
    let err = MemoryRegistry::open(dir.path()).unwrap_err();
    assert!(err.to_string().contains("registry.json"), "{err}");
}

const SMALL: &str = r#"{"type":"record","name":"S","fields":[
    {"name":"n","type":"long"},{"name":"s","type":"string"},
    {"name":"o","type":["null","int"]},{"name":"d","type":{"type":"array","items":"double"}}]}"#;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Small {
    n: i64,
    s: String,
    o: Option<i32>,
    d: Vec<f64>,
}

fn reference_encoding(value: &Small) -> Vec<u8> {
    let schema = apache_avro::Schema::parse_str(SMALL).unwrap();
    let value = apache_avro::to_value(value).unwrap().resolve(&schema).unwrap();
    apache_avro::writer::datum::GenericDatumWriter::builder(&schema)
        .build()
        .unwrap()
        .write_value_to_vec(value)
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Payloads are the header followed by exactly what the Avro library writes, and
    /// read back to the value written.
    #[test]
    fn payload_is_header_plus_reference_encoding(
        n in any::<i64>(), s in ".{0,20}", o in proptest::option::of(any::<i32>()),
        d in proptest::collection::vec(-1e9f64..1e9, 0..5),
    ) {
        let value = Small { n, s, o, d };
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let (payload, back) = runtime.block_on(async {
            let r = registry();
            let ser = serializer(&r, SMALL, SerdeConfig::default()).await;
            let payload = ser.serialize("t", &value).await.unwrap();
            let de = AvroDeserializer::new(r, None).await.unwrap();
            let back: Small = de.deserialize(&payload).await.unwrap();
            (payload, back)
        });
        let mut expected = vec![0, 0, 0, 0, 1];
        expected.extend(reference_encoding(&value));
        prop_assert_eq!(payload, expected);
        prop_assert_eq!(back, value);
    }
}
