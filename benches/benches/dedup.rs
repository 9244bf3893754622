//! The deduplicator with 10 million ids in its window: checks of new ids (steady
//! traffic, the window moving and expiring as it goes) and of duplicates, compact and
//! exact, next to a naive `HashMap<String, Instant>` deduplicator in the same run.
//!
//! With feature `rocksdb`, the RocksDB store with 50 million ids, next to a plain
//! RocksDB get/put loop over the same ids.
//!
//! `cargo bench -p streamkit-benches --bench dedup [--features rocksdb]` (`DEDUP_IDS`
//! and `DEDUP_ROCKS_IDS` set the window's ids)

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
    ids_from("DEDUP_IDS", 10_000_000)
}

/// `var`, else `benching` when benchmarking and 100,000 under `cargo test`.
fn ids_from(var: &str, benching: u64) -> u64 {
    let benchmarking = std::env::args().any(|a| a == "--bench");
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if benchmarking { benching } else { 100_000 })
}

/// The block cache each RocksDB side has: room for the window's files (about 35 bytes
/// an id).
#[cfg(feature = "rocksdb")]
fn block_cache_bytes(ids: u64) -> usize {
    ids as usize * 48
}

/// `filled` on a RocksDB store in `dir`, its bloom filters sized for the window.
#[cfg(feature = "rocksdb")]
fn filled_rocks(dir: &std::path::Path, ids: u64) -> dedup::Deduplicator {
    let window = dedup::Window::new(Duration::from_millis(ids), 24).expect("a window");
    let store = dedup::store::RocksIds::open(dir)
        .expect("a RocksDB store")
        .expected_ids_per_segment((ids / 24 + 1) as usize)
        .block_cache_bytes(block_cache_bytes(ids));
    let mut dedup = dedup::Deduplicator::with_store(
        dedup::IdSource::Key,
        window,
        dedup::TimeBasis::EventTime,
        Box::new(store),
    );
    for n in 0..ids {
        dedup.check_id(&id(n), n as i64).unwrap();
    }
    dedup
}

/// The RocksDB store with `DEDUP_ROCKS_IDS` ids (50 million when benchmarking), next
/// to the loop a user writes first on RocksDB: `get` the id, `put` it when absent.
#[cfg(feature = "rocksdb")]
fn rocks_checks(c: &mut Criterion) {
    let n = ids_from("DEDUP_ROCKS_IDS", 50_000_000);
    let dir = std::env::temp_dir().join(format!("dedup-bench-{}", std::process::id()));
    let mut group = c.benchmark_group("dedup");
    group.throughput(Throughput::Elements(1));
    group.sample_size(20);
    // Long enough for the duplicates' lookups to fill the block cache with the
    // window's files first, as steady traffic has: with criterion's 3 s, many blocks
    // are still read from the files while it measures.
    group.warm_up_time(Duration::from_secs(10));
    {
        let mut dedup = filled_rocks(&dir.join("store"), n);
        let mut next = n;
        group.bench_function(format!("rocksdb_new_{n}_ids"), |b| {
            b.iter(|| {
                let verdict = dedup.check_id(black_box(&id(next)), next as i64).unwrap();
                next += 1;
                verdict
            })
        });
        let mut k = 0u64;
        group.bench_function(format!("rocksdb_duplicate_{n}_ids"), |b| {
            b.iter(|| {
                k = (k + 7_919) % (n / 2);
                let seen = next - n / 2 + k;
                dedup.check_id(black_box(&id(seen)), next as i64).unwrap()
            })
        });
    }
    {
        let mut options = rocksdb::Options::default();
        options.create_if_missing(true);
        let mut table = rocksdb::BlockBasedOptions::default();
        table.set_bloom_filter(10.0, false);
        table.set_block_cache(&rocksdb::Cache::new_lru_cache(block_cache_bytes(n)));
        options.set_block_based_table_factory(&table);
        let db = rocksdb::DB::open(&options, dir.join("plain")).unwrap();
        let mut write = rocksdb::WriteOptions::default();
        write.disable_wal(true);
        for i in 0..n {
            db.put_opt(id(i), [], &write).unwrap();
        }
        let mut next = n;
        group.bench_function(format!("plain_rocksdb_get_put_new_{n}_ids"), |b| {
            b.iter(|| {
                let key = id(next);
                next += 1;
                let absent = db.get_pinned(black_box(key)).unwrap().is_none();
                if absent {
                    db.put_opt(key, [], &write).unwrap();
                }
                absent
            })
        });
        let mut k = 0u64;
        group.bench_function(format!("plain_rocksdb_get_duplicate_{n}_ids"), |b| {
            b.iter(|| {
                k = (k + 7_919) % (n / 2);
                db.get_pinned(black_box(id(next - n / 2 + k))).unwrap().is_some()
            })
        });
    }
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
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
    // Many at once: a run of ids looked up ahead, their memory fetched together.
    const BATCH: u64 = 64;
    group.throughput(Throughput::Elements(BATCH));
    {
        let name = "compact";
        let mut dedup = filled(Storage::Compact, n);
        let mut next = n;
        let mut verdicts = Vec::with_capacity(BATCH as usize);
        group.bench_function(format!("{name}_new_batched_{n}_ids"), |b| {
            b.iter(|| {
                let ids: Vec<([u8; 16], i64)> = (next..next + BATCH).map(|i| (id(i), i as i64)).collect();
                let ids: Vec<(&[u8], i64)> = ids.iter().map(|(id, t)| (&id[..], *t)).collect();
                verdicts.clear();
                dedup.check_many_at(black_box(&ids), &mut verdicts).unwrap();
                next += BATCH;
                verdicts.len()
            })
        });
        let mut k = 0u64;
        group.bench_function(format!("{name}_duplicate_batched_{n}_ids"), |b| {
            b.iter(|| {
                let ids: Vec<([u8; 16], i64)> = (0..BATCH)
                    .map(|_| {
                        k = (k + 7_919) % (n / 2);
                        (id(next - n / 2 + k), next as i64)
                    })
                    .collect();
                let ids: Vec<(&[u8], i64)> = ids.iter().map(|(id, t)| (&id[..], *t)).collect();
                verdicts.clear();
                dedup.check_many_at(black_box(&ids), &mut verdicts).unwrap();
                verdicts.len()
            })
        });
    }
    group.throughput(Throughput::Elements(1));
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

#[cfg(feature = "rocksdb")]
criterion_group!(benches, checks, rocks_checks);
#[cfg(not(feature = "rocksdb"))]
criterion_group!(benches, checks);
criterion_main!(benches);
