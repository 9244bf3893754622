//! Confluent wire-format Avro serdes with the schema cached: this crate's serializer and
//! deserializer beside raw `apache_avro` on the same record (the floor) and beside the
//! `schema_registry_converter` crate (talking to this crate's registry server over
//! HTTP, its schemas cached after the first call).
//!
//! `cargo bench -p streamkit-benches --bench schema_registry`

use std::hint::black_box;
use std::sync::Arc;

use apache_avro::schema::ResolvedSchema;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use schema_registry_client::{AvroDeserializer, AvroSerializer, MemoryRegistry, SchemaRegistry, SerdeConfig};
use schema_registry_converter::async_impl::avro::{AvroDecoder, AvroEncoder};
use schema_registry_converter::async_impl::schema_registry::SrSettings;
use schema_registry_converter::schema_registry_common::SubjectNameStrategy;
use serde::{Deserialize, Serialize};

const SCHEMA: &str = r#"{"type":"record","name":"Reading","namespace":"trucking","fields":[
    {"name":"event_time","type":"long"},
    {"name":"truck_id","type":"int"},
    {"name":"driver_id","type":"int"},
    {"name":"driver_name","type":"string"},
    {"name":"route_id","type":"int"},
    {"name":"route","type":"string"},
    {"name":"event_type","type":"string"},
    {"name":"latitude","type":"double"},
    {"name":"longitude","type":"double"},
    {"name":"correlation_id","type":"long"}]}"#;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Reading {
    event_time: i64,
    truck_id: i32,
    driver_id: i32,
    driver_name: String,
    route_id: i32,
    route: String,
    event_type: String,
    latitude: f64,
    longitude: f64,
    correlation_id: i64,
}

const BATCH: usize = 1_000;
const TOPIC: &str = "truck-readings";

fn readings() -> Vec<Reading> {
    (0..BATCH as i64)
        .map(|i| Reading {
            event_time: 1_700_000_000_000 + i,
            truck_id: (i % 50) as i32,
            driver_id: (i % 40) as i32,
            driver_name: format!("Driver {}", i % 40),
            route_id: (i % 7) as i32,
            route: "Saint Louis to Tulsa".into(),
            event_type: if i % 13 == 0 { "Overspeed" } else { "Normal" }.into(),
            latitude: 38.0 + i as f64 / 1e4,
            longitude: -90.0 - i as f64 / 1e4,
            correlation_id: i * 7919,
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let records = readings();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let registry = Arc::new(MemoryRegistry::new());
    let shared: Arc<dyn SchemaRegistry> = registry.clone();
    let url = runtime
        .block_on(schema_registry_client::server::spawn(
            shared.clone(),
            "127.0.0.1:0",
        ))
        .unwrap();
    let schema = apache_avro::Schema::parse_str(SCHEMA).unwrap();
    let names = ResolvedSchema::try_from(&schema).unwrap();
    let ours = futures::executor::block_on(AvroSerializer::for_text(
        shared.clone(),
        SCHEMA,
        SerdeConfig::default(),
    ))
    .unwrap();
    let ours_de = futures::executor::block_on(AvroDeserializer::new(shared.clone(), None)).unwrap();
    let theirs = AvroEncoder::new(SrSettings::new(url.clone()));
    let theirs_de = AvroDecoder::new(SrSettings::new(url));
    let strategy = SubjectNameStrategy::TopicNameStrategy(TOPIC.into(), false);

    // Registered (and cached by every serde) before measuring.
    let payloads: Vec<Vec<u8>> = futures::executor::block_on(async {
        let mut out = Vec::new();
        for r in &records {
            out.push(ours.serialize(TOPIC, r).await.unwrap());
        }
        out
    });
    runtime.block_on(async {
        let bytes = theirs.encode_struct(&records[0], &strategy).await.unwrap();
        assert_eq!(bytes, payloads[0], "both crates write the same payload");
        theirs_de.decode(Some(&payloads[0])).await.unwrap();
    });
    let raw_bodies: Vec<&[u8]> = payloads.iter().map(|p| &p[5..]).collect();

    let mut group = c.benchmark_group("serialize_10_fields");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("apache_avro_raw", |b| {
        b.iter(|| {
            for r in &records {
                let mut out = Vec::with_capacity(69);
                apache_avro::write_avro_datum_ref(&schema, names.get_names(), r, &mut out).unwrap();
                black_box(out);
            }
        })
    });
    group.bench_function("streamkit", |b| {
        b.iter(|| {
            futures::executor::block_on(async {
                for r in &records {
                    black_box(ours.serialize(TOPIC, r).await.unwrap());
                }
            })
        })
    });
    group.bench_function("schema_registry_converter", |b| {
        b.iter(|| {
            runtime.block_on(async {
                for r in &records {
                    black_box(theirs.encode_struct(r, &strategy).await.unwrap());
                }
            })
        })
    });
    group.finish();

    let mut group = c.benchmark_group("deserialize_10_fields");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("apache_avro_raw", |b| {
        let reader = apache_avro::reader::datum::GenericDatumReader::builder(&schema)
            .build()
            .unwrap();
        b.iter(|| {
            for body in &raw_bodies {
                let mut body = *body;
                black_box(reader.read_deser::<Reading>(&mut body).unwrap());
            }
        })
    });
    group.bench_function("streamkit", |b| {
        b.iter(|| {
            futures::executor::block_on(async {
                for p in &payloads {
                    black_box(ours_de.deserialize::<Reading>(p).await.unwrap());
                }
            })
        })
    });
    group.bench_function("schema_registry_converter", |b| {
        b.iter(|| {
            runtime.block_on(async {
                for p in &payloads {
                    let decoded = theirs_de.decode(Some(p)).await.unwrap();
                    black_box(apache_avro::from_value::<Reading>(&decoded.value).unwrap());
                }
            })
        })
    });
    group.finish();
    drop(registry);
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
