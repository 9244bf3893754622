//! Decoding ~700-byte change events: Debezium and Replicate, JSON (owned model and
//! borrowed view) and Avro, with two `serde_json` floors over the same JSON bytes.
//!
//! `cargo bench -p streamkit-benches --bench cdc_decode`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

#[path = "../src/cdc_cases.rs"]
mod cdc_cases;

fn decode(c: &mut Criterion) {
    let mut group = c.benchmark_group("cdc_decode");
    group.throughput(Throughput::Elements(1));
    for case in cdc_cases::cases() {
        group.bench_function(&case.name, |b| b.iter(&case.run));
    }
    group.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);
