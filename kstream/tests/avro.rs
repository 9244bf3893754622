//! Avro values through a topology (feature `avro`): page views written by an older
//! producer schema are read into the application's newer one, enriched, and written
//! with the registry's wire format; records that are not Avro follow the handler.
#![cfg(feature = "avro")]

use kstream::serdes::{AvroSerde, Serde};
use kstream::{Consumed, DeserializationHandler, Produced, StreamsBuilder, StringSerde, TopologyTestDriver};
use schema_registry_client::{ReadOptions, SerdeConfig, Version, registry_from_url};
use serde::{Deserialize, Serialize};

const VIEW_V1: &str = r#"{"type":"record","name":"PageView","namespace":"hotel","fields":[
    {"name":"member","type":"long"},{"name":"page","type":"string"}]}"#;
const VIEW_V2: &str = r#"{"type":"record","name":"PageView","namespace":"hotel","fields":[
    {"name":"member","type":"long"},{"name":"page","type":"string"},
    {"name":"device","type":"string","default":"web"}]}"#;
const ENRICHED: &str = r#"{"type":"record","name":"EnrichedView","namespace":"hotel","fields":[
    {"name":"member","type":"long"},{"name":"page","type":"string"},{"name":"device","type":"string"},
    {"name":"premium","type":"boolean"}]}"#;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct PageViewV1 {
    member: i64,
    page: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct PageView {
    member: i64,
    page: String,
    device: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct EnrichedView {
    member: i64,
    page: String,
    device: String,
    premium: bool,
}

fn serde<T>(scope: &str, schema: &str) -> AvroSerde<T> {
    AvroSerde::new(
        registry_from_url(&format!("mock://{scope}")).unwrap(),
        schema,
        SerdeConfig::default(),
    )
    .unwrap()
}

fn topology(scope: &str) -> kstream::Topology {
    let b = StreamsBuilder::new();
    b.stream(
        "page-views",
        Consumed::with(StringSerde, serde::<PageView>(scope, VIEW_V2)),
    )
    .filter(|_, v| v.page != "/health")
    .map_values(|v: PageView| EnrichedView {
        premium: v.member % 2 == 0,
        member: v.member,
        page: v.page,
        device: v.device,
    })
    .to(
        "enriched-views",
        Produced::with(StringSerde, serde::<EnrichedView>(scope, ENRICHED)),
    );
    b.build().unwrap()
}

#[test]
fn old_producers_records_are_read_into_the_new_schema_and_written_as_avro() {
    let scope = "kstream-avro-evolution";
    let d = TopologyTestDriver::new(topology(scope)).unwrap();
    let input = d.input_topic("page-views", StringSerde, serde::<PageViewV1>(scope, VIEW_V1));
    for (member, page) in [(1, "/rooms"), (2, "/health"), (4, "/spa")] {
        input
            .pipe_input(
                member.to_string(),
                PageViewV1 {
                    member,
                    page: page.into(),
                },
            )
            .unwrap();
    }
    let reader = serde::<EnrichedView>(scope, ENRICHED);
    let registry = registry_from_url(&format!("mock://{scope}")).unwrap();
    let output_id = ready(registry.version("enriched-views-value", Version::Latest, ReadOptions::default()))
        .unwrap()
        .id;
    let mut values = Vec::new();
    for record in d.read_raw("enriched-views") {
        let payload = record.value.unwrap();
        assert_eq!(
            payload[..5],
            [
                0,
                (output_id >> 24) as u8,
                (output_id >> 16) as u8,
                (output_id >> 8) as u8,
                output_id as u8
            ]
        );
        values.push(reader.deserialize("enriched-views", Some(&payload)).unwrap());
    }
    let expected = |member: i64, page: &str, premium: bool| EnrichedView {
        member,
        page: page.into(),
        device: "web".into(),
        premium,
    };
    assert_eq!(
        values,
        vec![expected(1, "/rooms", false), expected(4, "/spa", true)]
    );
    // The old producer registered v1 under the input subject.
    assert_eq!(
        ready(registry.versions("page-views-value", ReadOptions::default())).unwrap(),
        vec![1]
    );
}

#[test]
fn records_that_are_not_avro_follow_the_deserialization_handler() {
    let scope = "kstream-avro-bad-input";
    let d = TopologyTestDriver::new(topology(scope)).unwrap();
    let err = d
        .pipe_raw(
            "page-views",
            Some("k".into()),
            Some(b"plain text".to_vec().into()),
            0,
        )
        .unwrap_err();
    assert!(
        matches!(&err, kstream::Error::Deserialize { part: "value", source, .. }
            if source.kind() == kstream::serdes::SerdeErrorKind::BadData),
        "{err}"
    );
    let cause = std::error::Error::source(&err).and_then(std::error::Error::source);
    assert!(
        cause.is_some_and(|c| c.to_string().contains("magic byte")),
        "{cause:?}"
    );

    let d =
        TopologyTestDriver::with_handler(topology(scope), DeserializationHandler::LogAndContinue).unwrap();
    d.pipe_raw(
        "page-views",
        Some("k".into()),
        Some(vec![0, 0, 0, 0, 99].into()),
        0,
    )
    .unwrap();
    assert!(d.read_raw("enriched-views").is_empty());
}

#[test]
fn a_registry_over_http_is_reached_from_the_stream_thread() {
    let server = tokio::runtime::Runtime::new().unwrap();
    let registry = std::sync::Arc::new(schema_registry_client::MemoryRegistry::new());
    let url = server
        .block_on(schema_registry_client::server::spawn(
            registry.clone(),
            "127.0.0.1:0",
        ))
        .unwrap();
    let over_http = || {
        AvroSerde::<PageView>::new(registry_from_url(&url).unwrap(), VIEW_V2, SerdeConfig::default()).unwrap()
    };
    let view = PageView {
        member: 9,
        page: "/bar".into(),
        device: "app".into(),
    };
    let payload = over_http().serialize("views", &view).unwrap().unwrap();
    assert_eq!(over_http().deserialize("views", Some(&payload)).unwrap(), view);
    let registered = ready(schema_registry_client::SchemaRegistry::version(
        registry.as_ref(),
        "views-value",
        Version::Latest,
        ReadOptions::default(),
    ))
    .unwrap();
    assert_eq!(payload[1..5], registered.id.to_be_bytes());
}

/// The in-memory registry answers at once, so its futures finish on the first poll.
fn ready<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    match future
        .as_mut()
        .poll(&mut std::task::Context::from_waker(std::task::Waker::noop()))
    {
        std::task::Poll::Ready(output) => output,
        std::task::Poll::Pending => panic!("the in-memory registry does not wait"),
    }
}
