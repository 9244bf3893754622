//! A schema registry that stops answering while a topology runs (feature `avro`):
//! records wait for it and are processed when it is back, none skipped or
//! dead-lettered; past `task.timeout.ms` the task fails naming the record, whose
//! offset is not committed.
#![cfg(feature = "avro")]

mod registry;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use kstream::serdes::{AvroSerde, SerdeErrorKind};
use kstream::{
    Consumed, Error, KafkaStreams, Produced, StoppedWaiting, StreamThreadExceptionResponse, StreamsBuilder,
    StreamsConfig, StreamsState, StringSerde, TopologyTestDriver,
};
use registry::TestRegistry;
use schema_registry_client::blocking::{AvroDeserializer, AvroSerializer};
use schema_registry_client::{SchemaRegistry, SerdeConfig};
use serde::{Deserialize, Serialize};
use streamlog::{ClientConfig, Cluster, ProducerRecord, TopicConfig};

const VISIT_V1: &str = r#"{"type":"record","name":"Visit","namespace":"hotel","fields":[
    {"name":"member","type":"long"},{"name":"page","type":"string"}]}"#;
const VISIT_V2: &str = r#"{"type":"record","name":"Visit","namespace":"hotel","fields":[
    {"name":"member","type":"long"},{"name":"page","type":"string"},
    {"name":"device","type":"string","default":"web"}]}"#;
const SUMMARY: &str = r#"{"type":"record","name":"Summary","namespace":"hotel","fields":[
    {"name":"member","type":"long"},{"name":"what","type":"string"}]}"#;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct VisitV1 {
    member: i64,
    page: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Visit {
    member: i64,
    page: String,
    device: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Summary {
    member: i64,
    what: String,
}

/// Every visit to `summaries`; visits from the app also to `app-summaries`, whose first
/// record (and so its schema's registration) comes with the first v2 record.
fn topology(registry: Arc<dyn SchemaRegistry>) -> kstream::Topology {
    fn serde<T>(registry: &Arc<dyn SchemaRegistry>, schema: &str) -> AvroSerde<T> {
        AvroSerde::new(registry.clone(), schema, SerdeConfig::default()).unwrap()
    }
    let b = StreamsBuilder::new();
    let summaries = b
        .stream(
            "visits",
            Consumed::with(StringSerde, serde::<Visit>(&registry, VISIT_V2)),
        )
        .map_values(|v: Visit| Summary {
            member: v.member,
            what: format!("{} on {}", v.page, v.device),
        });
    summaries.to(
        "summaries",
        Produced::with(StringSerde, serde::<Summary>(&registry, SUMMARY)),
    );
    summaries.filter(|_, s| s.what.ends_with("app")).to(
        "app-summaries",
        Produced::with(StringSerde, serde::<Summary>(&registry, SUMMARY)),
    );
    b.build().unwrap()
}

/// Payloads as producers wrote them: three with the v1 schema, then three with v2 (a
/// schema id the topology has not seen).
fn visits(registry: &TestRegistry) -> Vec<(String, Bytes)> {
    let writer =
        |schema| AvroSerializer::for_text(registry.memory.clone(), schema, SerdeConfig::default()).unwrap();
    let (v1, v2) = (writer(VISIT_V1), writer(VISIT_V2));
    let mut out = Vec::new();
    for member in 1..=3 {
        let visit = VisitV1 {
            member,
            page: format!("/rooms/{member}"),
        };
        out.push((member.to_string(), v1.serialize("visits", &visit).unwrap().into()));
    }
    for member in 4..=6 {
        let visit = Visit {
            member,
            page: "/spa".into(),
            device: "app".into(),
        };
        out.push((member.to_string(), v2.serialize("visits", &visit).unwrap().into()));
    }
    out
}

fn config(app: &str, task_timeout: Duration) -> StreamsConfig {
    StreamsConfig::new(app)
        .set("errors.deadletterqueue.topic.name", "dead-letters")
        .task_timeout(task_timeout)
}

fn pipe(driver: &TopologyTestDriver, (key, value): &(String, Bytes)) -> kstream::Result<()> {
    driver.pipe_raw("visits", Some(key.clone().into()), Some(value.clone()), 0)
}

/// The records of the two output topics, decoded.
fn outputs(driver: &TopologyTestDriver, registry: &TestRegistry) -> Vec<(String, String, Summary)> {
    let reader = AvroDeserializer::for_text(registry.memory.clone(), SUMMARY).unwrap();
    let mut out = Vec::new();
    for topic in ["summaries", "app-summaries"] {
        for record in driver.read_raw(topic) {
            let key = String::from_utf8(record.key.unwrap().to_vec()).unwrap();
            let summary = reader.deserialize(&record.value.unwrap()).unwrap();
            out.push((topic.to_owned(), key, summary));
        }
    }
    out
}

#[test]
fn records_arriving_during_a_registry_outage_wait_for_it_and_none_is_skipped() {
    let registry = TestRegistry::start();
    let visits = visits(&registry);

    // The same records with the registry up all along.
    let uninterrupted = TopologyTestDriver::with_config(
        topology(registry.client()),
        &config("uninterrupted", Duration::from_secs(60)),
    )
    .unwrap();
    for visit in &visits {
        pipe(&uninterrupted, visit).unwrap();
    }
    let expected = outputs(&uninterrupted, &registry);
    assert_eq!(expected.len(), 9, "{expected:?}");

    let driver = TopologyTestDriver::with_config(
        topology(registry.client()),
        &config("interrupted", Duration::from_secs(60)),
    )
    .unwrap();
    for visit in &visits[..3] {
        pipe(&driver, visit).unwrap();
    }
    registry.go_down();
    let back = {
        let registry = registry.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(400));
            registry.come_back();
        })
    };
    let started = Instant::now();
    // The first v2 record needs its writer schema, and its app summary needs the
    // schema of `app-summaries` registered: both wait for the registry.
    for visit in &visits[3..] {
        pipe(&driver, visit).unwrap();
    }
    back.join().unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "the records waited"
    );
    let calls = registry.requests_while_down();
    assert!(
        calls >= 2,
        "the registry was asked again during the outage ({calls} requests)"
    );
    // Backoff from 10 ms doubling: a handful of requests in 400 ms, not a spin.
    assert!(calls <= 12, "{calls} requests in 400 ms");
    assert!(
        driver.read_raw("dead-letters").is_empty(),
        "nothing was dead-lettered"
    );
    assert_eq!(outputs(&driver, &registry), expected);
}

#[test]
fn making_the_serde_does_not_call_the_registry() {
    let registry = TestRegistry::start();
    registry.go_down();
    let topology = topology(registry.client());
    assert_eq!(registry.requests(), 0);
    drop(topology);
}

#[test]
fn the_test_driver_gives_up_after_the_task_timeout_naming_the_record() {
    let registry = TestRegistry::start();
    let visits = visits(&registry);
    let driver = TopologyTestDriver::with_config(
        topology(registry.client()),
        &config("gives-up", Duration::from_millis(200)),
    )
    .unwrap();
    pipe(&driver, &visits[0]).unwrap();
    registry.go_down();
    let started = Instant::now();
    let err = pipe(&driver, &visits[3]).unwrap_err();
    assert!(started.elapsed() >= Duration::from_millis(200));
    let Error::SerdeUnavailable {
        topic,
        partition,
        offset,
        stopped,
        source,
        ..
    } = &err
    else {
        panic!("expected the task to give up, got {err}");
    };
    assert_eq!((topic.as_str(), *partition, *offset), ("visits", 0, 1));
    assert_eq!(*stopped, StoppedWaiting::TaskTimeout(Duration::from_millis(200)));
    assert_eq!(source.kind(), SerdeErrorKind::Unavailable);
    assert!(err.to_string().contains("visits/0@1"), "{err}");
    assert!(driver.read_raw("dead-letters").is_empty());
    assert_eq!(driver.read_raw("summaries").len(), 1, "only the first record");
}

#[test]
fn an_outage_longer_than_the_task_timeout_fails_the_application_without_committing_the_record() {
    let registry = TestRegistry::start();
    let visits = visits(&registry);
    let cluster = Cluster::embedded();
    let admin = cluster.admin().unwrap();
    for topic in ["visits", "summaries", "app-summaries", "dead-letters"] {
        admin.create_topic(topic, &TopicConfig::new(1)).unwrap();
    }
    let config = config("outage-timeout", Duration::from_millis(300)).set("commit.interval.ms", "20");
    let mut app = KafkaStreams::new(topology(registry.client()), cluster.clone(), config).unwrap();
    let failure = Arc::new(Mutex::new(None::<String>));
    let seen = failure.clone();
    app.set_uncaught_exception_handler(move |error| {
        *seen.lock().unwrap() = Some(error.to_string());
        StreamThreadExceptionResponse::ShutdownClient
    })
    .unwrap();
    app.start().unwrap();
    let producer = cluster.producer(&ClientConfig::new()).unwrap();
    let send = |(key, value): &(String, Bytes)| {
        producer
            .send(
                ProducerRecord::new("visits")
                    .key(key.clone())
                    .value(value.clone()),
            )
            .unwrap();
        producer.flush(Duration::from_secs(5)).unwrap();
    };
    send(&visits[0]);
    app.wait_until_caught_up(Duration::from_secs(10)).unwrap();

    registry.go_down();
    send(&visits[3]);
    let deadline = Instant::now() + Duration::from_secs(20);
    let message = loop {
        if app.state() == StreamsState::Error {
            break failure
                .lock()
                .unwrap()
                .clone()
                .expect("the handler saw the failure");
        }
        assert!(
            Instant::now() < deadline,
            "the application did not fail: {:?}",
            app.state()
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(message.contains("visits/0@1"), "{message}");
    assert!(message.contains("task.timeout.ms (300 ms)"), "{message}");
    assert!(registry.requests_while_down() >= 2);
    let lag = admin.lag("outage-timeout", "visits").unwrap();
    assert_eq!(lag[0].committed, Some(1), "committed up to, not past, the record");
    assert_eq!(
        admin.all_watermarks("dead-letters").unwrap()[0].high,
        0,
        "nothing dead-lettered"
    );
    assert!(app.close(Duration::from_secs(10)), "closed in time");
    assert_eq!(app.state(), StreamsState::Error, "the failure stays the state");
}

#[test]
fn closing_during_an_outage_stops_the_retry_without_committing_the_record() {
    let registry = TestRegistry::start();
    let visits = visits(&registry);
    let cluster = Cluster::embedded();
    let admin = cluster.admin().unwrap();
    for topic in ["visits", "summaries", "app-summaries", "dead-letters"] {
        admin.create_topic(topic, &TopicConfig::new(1)).unwrap();
    }
    let config = config("outage-close", Duration::from_secs(300));
    let mut app = KafkaStreams::new(topology(registry.client()), cluster.clone(), config).unwrap();
    app.start().unwrap();
    registry.go_down();
    let producer = cluster.producer(&ClientConfig::new()).unwrap();
    let (key, value) = &visits[3];
    producer
        .send(
            ProducerRecord::new("visits")
                .key(key.clone())
                .value(value.clone()),
        )
        .unwrap();
    producer.flush(Duration::from_secs(5)).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while registry.requests_while_down() < 2 {
        assert!(
            Instant::now() < deadline,
            "the stream thread never asked the registry"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let closing = Instant::now();
    assert!(app.close(Duration::from_secs(5)), "close stops the retry in time");
    assert!(
        closing.elapsed() < Duration::from_secs(5),
        "close waited {:?}",
        closing.elapsed()
    );
    assert_eq!(
        app.state(),
        StreamsState::NotRunning,
        "a clean stop, not a failure"
    );
    let lag = admin.lag("outage-close", "visits").unwrap();
    assert_eq!(lag[0].committed, None, "the record was not committed");
}
