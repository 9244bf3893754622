//! Embedded backend: produce then consume 100-byte records on one thread.
//!
//! `cargo bench -p streamkit-benches --bench embedded_log`

use std::sync::Arc;
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use streamkit_benches::records;
use streamlog::{ClientConfig, Cluster, TopicConfig, TopicPartition};

const RECORDS: usize = 100_000;
const VALUE: usize = 100;

/// A fresh cluster with one 4-partition topic, a producer and an assigned consumer.
fn setup() -> (
    Cluster,
    Box<dyn streamlog::Producer>,
    Box<dyn streamlog::Consumer>,
) {
    let cluster = Cluster::embedded();
    cluster
        .admin()
        .unwrap()
        .create_topic("bench", &TopicConfig::new(4))
        .unwrap();
    let producer = cluster.producer(&ClientConfig::new()).unwrap();
    let mut consumer = cluster
        .consumer(
            &ClientConfig::new()
                .set("auto.offset.reset", "earliest")
                .max_poll_records(500),
        )
        .unwrap();
    let partitions: Vec<_> = (0..4).map(|p| TopicPartition::new("bench", p)).collect();
    consumer.assign(&partitions).unwrap();
    (cluster, producer, consumer)
}

fn consume_all(consumer: &mut dyn streamlog::Consumer, n: usize) -> usize {
    let mut bytes = 0;
    let mut seen = 0;
    while seen < n {
        let batch = consumer.poll(Duration::ZERO).unwrap();
        assert!(!batch.is_empty(), "ran dry after {seen} of {n}");
        seen += batch.len();
        bytes += batch
            .iter()
            .map(|r| r.value.as_ref().map_or(0, |v| v.len()))
            .sum::<usize>();
    }
    bytes
}

fn produce_then_consume(c: &mut Criterion) {
    let topic: Arc<str> = Arc::from("bench");
    let mut group = c.benchmark_group("embedded");
    group.throughput(Throughput::Elements(RECORDS as u64));
    group.sample_size(20);
    group.bench_function("send_then_poll_100B", |b| {
        b.iter_batched(
            || (setup(), records(&topic, RECORDS, VALUE)),
            |((cluster, producer, mut consumer), batch)| {
                for record in batch {
                    producer.send(record).unwrap();
                }
                let bytes = consume_all(consumer.as_mut(), RECORDS);
                // Returned so the log is dropped outside the measurement.
                (cluster, producer, consumer, bytes)
            },
            BatchSize::LargeInput,
        )
    });
    group.bench_function("send_batch_then_poll_100B", |b| {
        b.iter_batched(
            || (setup(), records(&topic, RECORDS, VALUE)),
            |((cluster, producer, mut consumer), batch)| {
                let handles = producer.send_batch(batch).unwrap();
                let bytes = consume_all(consumer.as_mut(), RECORDS);
                (cluster, producer, consumer, handles, bytes)
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, produce_then_consume);
criterion_main!(benches);
