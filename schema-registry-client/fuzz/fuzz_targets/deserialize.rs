//! Arbitrary payloads through the wire-format deserializer: to a value, to a serde type,
//! and resolved into a newer reader schema. Each decodes or fails with an error, never a
//! panic. Ids 1 and 2 are registered, so the fuzzer reaches the Avro decoding too.
#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use schema_registry_client::{AvroDeserializer, MemoryRegistry, RegisterOptions, Schema, SchemaRegistry};
use serde::Deserialize;

const V1: &str = r#"{"type":"record","name":"R","fields":[
    {"name":"id","type":"long"},{"name":"name","type":"string"},
    {"name":"tags","type":{"type":"array","items":"string"}},
    {"name":"note","type":["null","string"]},
    {"name":"kind","type":{"type":"enum","name":"K","symbols":["A","B"]}},
    {"name":"attrs","type":{"type":"map","values":"double"}}]}"#;
const V2: &str = r#"{"type":"record","name":"R","fields":[
    {"name":"id","type":"long"},{"name":"name","type":"string"},
    {"name":"tags","type":{"type":"array","items":"string"}},
    {"name":"note","type":["null","string"]},
    {"name":"kind","type":{"type":"enum","name":"K","symbols":["A","B","C"]}},
    {"name":"attrs","type":{"type":"map","values":"double"}},
    {"name":"level","type":"int","default":0}]}"#;

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct R {
    id: i64,
    name: String,
    tags: Vec<String>,
    note: Option<String>,
    kind: String,
    attrs: std::collections::HashMap<String, f64>,
}

struct Setup {
    plain: AvroDeserializer,
    evolving: AvroDeserializer,
}

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        futures::executor::block_on(async {
            let registry: Arc<dyn SchemaRegistry> = Arc::new(MemoryRegistry::new());
            registry
                .register("t-value", &Schema::avro(V1), RegisterOptions::default())
                .await
                .expect("v1");
            registry
                .register("t-value", &Schema::avro(V2), RegisterOptions::default())
                .await
                .expect("v2");
            Setup {
                plain: AvroDeserializer::new(registry.clone(), None)
                    .await
                    .expect("plain"),
                evolving: AvroDeserializer::for_text(registry, V2).await.expect("evolving"),
            }
        })
    })
}

fuzz_target!(|data: &[u8]| {
    let setup = setup();
    futures::executor::block_on(async {
        let _ = setup.plain.deserialize_value(data).await;
        let _ = setup.plain.deserialize::<R>(data).await;
        let _ = setup.evolving.deserialize_value(data).await;
        let _ = setup.evolving.deserialize::<R>(data).await;
    });
});
