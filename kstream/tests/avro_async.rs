//! Topologies with `AvroSerde` over an HTTP registry, made and run from inside async
//! applications (feature `avro`): a multi-thread and a current-thread tokio runtime,
//! and an axum handler. The serde's registry calls run on the registry client's shared
//! runtime, so none of these panics the way a `block_on` on the caller's thread would.
#![cfg(feature = "avro")]

mod registry;

use std::sync::Arc;
use std::time::Duration;

use kstream::serdes::AvroSerde;
use kstream::{
    Consumed, KafkaStreams, Produced, StreamsBuilder, StreamsConfig, StringSerde, TopologyTestDriver,
};
use registry::TestRegistry;
use schema_registry_client::{SchemaRegistry, SerdeConfig, SubjectFilter};
use serde::{Deserialize, Serialize};
use streamlog::{Cluster, TopicConfig};

const ORDER: &str = r#"{"type":"record","name":"Order","namespace":"shop","fields":[
    {"name":"id","type":"long"},{"name":"item","type":"string"}]}"#;
const LABEL: &str = r#"{"type":"record","name":"Label","namespace":"shop","fields":[
    {"name":"text","type":"string"}]}"#;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Order {
    id: i64,
    item: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Label {
    text: String,
}

fn serde<T>(registry: &Arc<dyn SchemaRegistry>, schema: &str) -> AvroSerde<T> {
    AvroSerde::new(registry.clone(), schema, SerdeConfig::default()).unwrap()
}

/// Orders to labels.
fn labels(registry: &Arc<dyn SchemaRegistry>, labels: AvroSerde<Label>) -> kstream::Topology {
    let b = StreamsBuilder::new();
    b.stream(
        "orders",
        Consumed::with(StringSerde, serde::<Order>(registry, ORDER)),
    )
    .map_values(|o: Order| Label {
        text: format!("#{} {}", o.id, o.item),
    })
    .to("labels", Produced::with(StringSerde, labels));
    b.build().unwrap()
}

/// Builds the topology and runs two orders through the test driver, on the caller's
/// thread (inside whatever runtime it is in).
fn run_in_test_driver(registry: &Arc<dyn SchemaRegistry>) -> Vec<(String, Label)> {
    let driver = TopologyTestDriver::new(labels(registry, serde(registry, LABEL))).unwrap();
    let orders = driver.input_topic("orders", StringSerde, serde::<Order>(registry, ORDER));
    for (id, item) in [(1, "lamp"), (2, "desk")] {
        orders
            .pipe_input(
                id.to_string(),
                Order {
                    id,
                    item: item.into(),
                },
            )
            .unwrap();
    }
    driver
        .output_topic("labels", StringSerde, serde::<Label>(registry, LABEL))
        .read_key_values()
        .unwrap()
}

fn expected() -> Vec<(String, Label)> {
    vec![
        (
            "1".into(),
            Label {
                text: "#1 lamp".into(),
            },
        ),
        (
            "2".into(),
            Label {
                text: "#2 desk".into(),
            },
        ),
    ]
}

/// Runs the topology on the embedded backend with `KafkaStreams` (its stream thread
/// calls the registry) until it has caught up; the labels topic's end offset.
async fn run_in_kafka_streams(registry: Arc<dyn SchemaRegistry>, labels_serde: AvroSerde<Label>) -> i64 {
    let cluster = Cluster::embedded();
    let admin = cluster.admin().unwrap();
    for topic in ["orders", "labels"] {
        admin.create_topic(topic, &TopicConfig::new(1)).unwrap();
    }
    let config = StreamsConfig::new("async-labels").set("commit.interval.ms", "20");
    let mut app = KafkaStreams::new(labels(&registry, labels_serde), cluster.clone(), config).unwrap();
    app.start().unwrap();
    let orders = serde::<Order>(&registry, ORDER);
    let producer = cluster.producer(&streamlog::ClientConfig::new()).unwrap();
    let payload = kstream::Serde::serialize(
        &orders,
        "orders",
        &Order {
            id: 3,
            item: "chair".into(),
        },
    )
    .unwrap()
    .unwrap();
    producer
        .send(streamlog::ProducerRecord::new("orders").key("3").value(payload))
        .unwrap();
    producer.flush(Duration::from_secs(5)).unwrap();
    // Awaits rather than blocks: the stream thread works while the test's runtime runs.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while admin.all_watermarks("labels").unwrap()[0].high == 0 {
        assert!(tokio::time::Instant::now() < deadline, "no label written");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(app.close(Duration::from_secs(10)), "closed in time");
    admin.all_watermarks("labels").unwrap()[0].high
}

#[tokio::test(flavor = "multi_thread")]
async fn inside_a_multi_thread_runtime() {
    let registry = TestRegistry::start();
    let client = registry.client();
    assert_eq!(run_in_test_driver(&client), expected());
    let connected = AvroSerde::connect(client.clone(), LABEL, SerdeConfig::default(), &["labels"])
        .await
        .unwrap();
    assert_eq!(run_in_kafka_streams(registry.client(), connected).await, 1);
}

#[tokio::test(flavor = "current_thread")]
async fn inside_a_current_thread_runtime() {
    let registry = TestRegistry::start();
    let client = registry.client();
    // Registered up front through the async API, on this runtime's only thread...
    let connected = AvroSerde::<Label>::connect(client.clone(), LABEL, SerdeConfig::default(), &["labels"])
        .await
        .unwrap();
    let subjects = client.subjects(&SubjectFilter::default()).await.unwrap();
    assert_eq!(subjects, ["labels-value"]);
    // ...then the same client blocks this thread in the test driver, and is used by a
    // stream thread while this runtime awaits.
    assert_eq!(run_in_test_driver(&client), expected());
    assert_eq!(run_in_kafka_streams(client, connected).await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn inside_an_axum_handler() {
    let registry = TestRegistry::start();
    let url = registry.url.clone();
    let handler = move || {
        let url = url.clone();
        async move {
            let client = schema_registry_client::registry_from_url(&url).unwrap();
            let labels: Vec<String> = run_in_test_driver(&client)
                .into_iter()
                .map(|(_, label)| label.text)
                .collect();
            labels.join("\n")
        }
    };
    let app = axum::Router::new().route("/labels", axum::routing::get(handler));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let response = reqwest::get(format!("http://{address}/labels")).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "#1 lamp\n#2 desk");
    assert!(
        registry.requests() >= 2,
        "the handler's topology used the registry over HTTP"
    );
}
