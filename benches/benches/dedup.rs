//! The deduplicator with 10 million ids in its window: checks of new ids (steady
//! traffic, the window moving and expiring as it goes) and of duplicates, compact and
//! exact, next to a naive `HashMap<String, Instant>` deduplicator in the same run.
//!
//! `cargo bench -p streamkit-benches --bench dedup` (`DEDUP_IDS` sets the window's ids)

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dedup::Storage;

#[path = "../src/dedup_load.rs"]
mod dedup_load;

use dedup_load::{NaiveDedup, filled, id, naive_id};

/// The window's ids: `DEDUP_IDS`, else 10 million when benchmarking and 100,000 when
/// `cargo test` runs the bench once as a test.
fn ids() -> u64 {
    let benchmarking = std::env::args().any(|a| a == "--bench");
    std::env::var("DEDUP_IDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if benchmarking { 10_000_000 } else { 100_000 })
}

fn checks(c: &mut Criterion) {
    let n = ids();
    let mut group = c.benchmark_group("dedup");
    group.throughput(Throughput::Elements(1));
    group.sample_size(20);
    for (name, storage) in [("compact", Storage::Compact), ("exact", Storage::Exact)] {
        let mut dedup = filled(storage, n);
        assert_eq!(dedup.len() as u64, n);
        let mut next = n;
        group.bench_function(format!("{name}_new_{n}_ids"), |b| {
            b.iter(|| {
                let verdict = dedup.check_id(black_box(&id(next)), next as i64).unwrap();
                next += 1;
                verdict
            })
        });
        // Ids still inside the window, in a scattered order.
        let mut k = 0u64;
        group.bench_function(format!("{name}_duplicate_{n}_ids"), |b| {
            b.iter(|| {
                k = (k + 7_919) % (n / 2);
                let seen = next - n / 2 + k;
                dedup.check_id(black_box(&id(seen)), next as i64).unwrap()
            })
        });
    }
    // The naive deduplicator over the same ids, one a millisecond of a simulated clock.
    let start = Instant::now();
    let mut naive = NaiveDedup::new(Duration::from_millis(n));
    for i in 0..n {
        naive.check(&naive_id(i), start + Duration::from_millis(i));
    }
    let now = start + Duration::from_millis(n);
    let mut text = naive_id(0);
    let mut k = 0u64;
    group.bench_function(format!("naive_hashmap_duplicate_{n}_ids"), |b| {
        b.iter(|| {
            k = (k + 7_919) % (n / 2);
            write_hex(&mut text, n / 2 + k);
            naive.check(black_box(&text), now)
        })
    });
    let mut next = n;
    group.bench_function(format!("naive_hashmap_new_{n}_ids"), |b| {
        b.iter(|| {
            write_hex(&mut text, next);
            let now = start + Duration::from_millis(next);
            next += 1;
            naive.check(black_box(&text), now)
        })
    });
    group.finish();
}

/// Writes `n` as the first 16 hex digits of `text` (the naive side's id for `n`, made
/// without allocating).
fn write_hex(text: &mut String, n: u64) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut bytes = std::mem::take(text).into_bytes();
    for (i, byte) in bytes[..16].iter_mut().enumerate() {
        *byte = DIGITS[((n >> (60 - 4 * i)) & 0xF) as usize];
    }
    *text = String::from_utf8(bytes).expect("hex digits");
}

criterion_group!(benches, checks);
criterion_main!(benches);
