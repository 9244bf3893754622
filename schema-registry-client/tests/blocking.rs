//! The blocking facade (`blocking::Registry`, `blocking::AvroSerializer`,
//! `blocking::AvroDeserializer`) against the server over HTTP: from plain threads and
//! from inside tokio runtimes of both flavours, with cached ids and schemas answered
//! without a request.
#![cfg(feature = "server")]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use schema_registry_client::blocking::{AvroDeserializer, AvroSerializer, Registry};
use schema_registry_client::{
    Deletion, MemoryRegistry, ReadOptions, RegisterOptions, Schema, SerdeConfig, Version, registry_from_url,
};
use serde::{Deserialize, Serialize};

const MEMBER: &str = r#"{"type":"record","name":"Member","fields":[
    {"name":"id","type":"long"},{"name":"name","type":"string"}]}"#;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Member {
    id: i64,
    name: String,
}

/// The server on a thread of its own (so a test blocking its own runtime is still
/// answered), counting the requests it gets.
fn serve() -> (String, Arc<AtomicUsize>) {
    let requests = Arc::new(AtomicUsize::new(0));
    let counted = requests.clone();
    let app = schema_registry_client::server::router(Arc::new(MemoryRegistry::new())).layer(
        axum::middleware::from_fn(
            move |request: axum::extract::Request, next: axum::middleware::Next| {
                counted.fetch_add(1, Ordering::SeqCst);
                next.run(request)
            },
        ),
    );
    let (bound, address) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            bound.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    (format!("http://{}", address.recv().unwrap()), requests)
}

/// Writes and reads members through the blocking serdes; the requests it took.
fn round_trip(url: &str, requests: &AtomicUsize) {
    let registry = registry_from_url(url).unwrap();
    let serializer = AvroSerializer::for_text(registry.clone(), MEMBER, SerdeConfig::default()).unwrap();
    let deserializer = AvroDeserializer::for_text(registry, MEMBER).unwrap();
    assert_eq!(
        requests.load(Ordering::SeqCst),
        0,
        "making the serdes asks nothing"
    );
    let ada = Member {
        id: 1,
        name: "Ada".into(),
    };
    let payload = serializer.serialize("members", &ada).unwrap();
    assert_eq!(deserializer.deserialize::<Member>(&payload).unwrap(), ada);
    let after_first = requests.load(Ordering::SeqCst);
    assert!(after_first >= 2, "registered, then fetched by id ({after_first})");
    for id in 2..50 {
        let member = Member {
            id,
            name: format!("member {id}"),
        };
        let payload = serializer.serialize("members", &member).unwrap();
        assert_eq!(deserializer.deserialize::<Member>(&payload).unwrap(), member);
    }
    assert_eq!(
        requests.load(Ordering::SeqCst),
        after_first,
        "cached id and schema: no request"
    );
}

#[test]
fn serdes_from_a_plain_thread_call_the_registry_once() {
    let (url, requests) = serve();
    round_trip(&url, &requests);
}

#[tokio::test(flavor = "current_thread")]
async fn serdes_inside_a_current_thread_runtime() {
    let (url, requests) = serve();
    round_trip(&url, &requests);
}

#[tokio::test(flavor = "multi_thread")]
async fn serdes_inside_a_multi_thread_runtime() {
    let (url, requests) = serve();
    round_trip(&url, &requests);
}

#[tokio::test(flavor = "current_thread")]
async fn the_registry_facade_answers_as_the_async_client() {
    let (url, _) = serve();
    let blocking = Registry::from_url(&url).unwrap();
    let string = Schema::avro(r#""string""#);
    let id = blocking
        .register("names-value", &string, RegisterOptions::default())
        .unwrap();
    // The async client on this runtime sees what the facade did, and the other way round.
    let client = registry_from_url(&url).unwrap();
    assert_eq!(client.schema_by_id(id).await.unwrap(), string);
    let latest = client
        .version("names-value", Version::Latest, ReadOptions::default())
        .await
        .unwrap();
    assert_eq!(latest.id, id);
    assert_eq!(
        blocking.versions("names-value", ReadOptions::default()).unwrap(),
        [1]
    );
    assert_eq!(
        blocking.delete_subject("names-value", Deletion::Soft).unwrap(),
        [1]
    );
    assert!(blocking.versions("names-value", ReadOptions::default()).is_err());
    assert_eq!(
        blocking
            .versions("names-value", ReadOptions::default().include_deleted())
            .unwrap(),
        [1]
    );
}
