//! connect-sdk's JsonConverter and transforms side by side with Kafka Connect 4.4's own
//! (`dev.streamkit.peers.connect.ConnectBench`, a Java child process), in one run, on
//! the same records: 200-byte payloads with a struct schema (JsonConverter with
//! schemas), and seed 001's chain ValueToKey + ExtractField$Key with seed 003's
//! MaskField$Value.
//!
//! Each side times the same loops over the same records, in rounds (the first half
//! warm up, the best of the others counts), on one thread, and reports records per
//! second and CPU nanoseconds per record.
//!
//! ```sh
//! eval "$(scripts/services)"   # exports STREAMKIT_PEERS_CLASSPATH (or pass --classpath)
//! cargo run --release -p streamkit-benches --bin connect_compare
//! ```

#[path = "streams_compare/process.rs"]
#[allow(dead_code)]
mod process;

use std::hint::black_box;
use std::process::Command;
use std::time::Instant;

use connect_sdk::config::Properties;
use connect_sdk::convert::{Converter, JsonConverter};
use connect_sdk::record::ConnectRecord;
use connect_sdk::transforms::TransformChain;

/// Record `i` as JsonConverter text with its schema (the same text as
/// `ConnectBench.record`).
fn record(i: usize) -> String {
    let schema = concat!(
        r#"{"type":"struct","fields":["#,
        r#"{"type":"int64","optional":false,"field":"id"},"#,
        r#"{"type":"string","optional":false,"field":"name"},"#,
        r#"{"type":"string","optional":true,"field":"email"},"#,
        r#"{"type":"string","optional":true,"field":"cc"},"#,
        r#"{"type":"string","optional":true,"field":"city"},"#,
        r#"{"type":"double","optional":true,"field":"amount"},"#,
        r#"{"type":"int64","optional":false,"field":"ts"},"#,
        r#"{"type":"boolean","optional":true,"field":"member"}"#,
        r#"],"optional":false,"name":"shop.Customer"}"#
    );
    let payload = format!(
        r#"{{"id":{},"name":"customer number {i}","email":"customer{i}@example.com","cc":"4111-1111-1111-{:04}","city":"Amsterdam Noord {}","amount":{}.25,"ts":{},"member":{}}}"#,
        1_000_000 + i,
        i % 10_000,
        i % 97,
        i % 1000,
        1_700_000_000_000u64 + i as u64,
        i.is_multiple_of(2)
    );
    format!(r#"{{"schema":{schema},"payload":{payload}}}"#)
}

fn chain() -> TransformChain {
    TransformChain::from_properties(&Properties::from([
        ("transforms".into(), "createKey,extractInt,mask".into()),
        (
            "transforms.createKey.type".into(),
            "org.apache.kafka.connect.transforms.ValueToKey".into(),
        ),
        ("transforms.createKey.fields".into(), "id".into()),
        (
            "transforms.extractInt.type".into(),
            "org.apache.kafka.connect.transforms.ExtractField$Key".into(),
        ),
        ("transforms.extractInt.field".into(), "id".into()),
        (
            "transforms.mask.type".into(),
            "org.apache.kafka.connect.transforms.MaskField$Value".into(),
        ),
        ("transforms.mask.fields".into(), "cc".into()),
    ]))
    .expect("the chain")
}

/// Records per second and CPU ns per record of `run` over `n` records: the best of the
/// second half of `rounds`. `prepare` makes each round's input, untimed.
fn measure<T>(n: usize, rounds: usize, mut prepare: impl FnMut() -> T, mut run: impl FnMut(T)) -> (f64, f64) {
    let ticks = process::clock_ticks();
    let pid = std::process::id();
    let (mut best, mut best_cpu) = (0f64, f64::MAX);
    for round in 0..rounds {
        let input = prepare();
        let cpu0 = process::cpu_seconds(pid, ticks).unwrap_or(0.0);
        let t0 = Instant::now();
        run(input);
        let wall = t0.elapsed().as_secs_f64();
        let cpu = process::cpu_seconds(pid, ticks).unwrap_or(0.0) - cpu0;
        if round >= rounds / 2 {
            best = best.max(n as f64 / wall);
            best_cpu = best_cpu.min(cpu * 1e9 / n as f64);
        }
    }
    (best, best_cpu)
}

fn ours(n: usize, rounds: usize) -> Vec<(String, f64, f64)> {
    let bytes: Vec<Vec<u8>> = (0..n).map(|i| record(i).into_bytes()).collect();
    let mut json = JsonConverter::new(true);
    let records: Vec<ConnectRecord> = bytes
        .iter()
        .map(|b| {
            let (schema, value) = json.decode("customers", Some(b)).expect("a record");
            ConnectRecord::new("customers", schema, value)
        })
        .collect();
    let mut results = Vec::new();
    let mut chain = chain();
    let (rate, cpu) = measure(
        n,
        rounds,
        || records.clone(),
        |input| {
            for r in input {
                black_box(chain.apply(r).expect("transformed"));
            }
        },
    );
    results.push(("chain".to_owned(), rate, cpu));
    let (rate, cpu) = measure(
        n,
        rounds,
        || (),
        |()| {
            for b in &bytes {
                black_box(json.decode("customers", Some(b)).expect("decoded"));
            }
        },
    );
    results.push(("json_decode".to_owned(), rate, cpu));
    let (rate, cpu) = measure(
        n,
        rounds,
        || (),
        |()| {
            for r in &records {
                black_box(
                    json.encode("customers", r.value_schema.as_ref(), &r.value)
                        .expect("encoded"),
                );
            }
        },
    );
    results.push(("json_encode".to_owned(), rate, cpu));
    let (rate, cpu) = measure(
        n,
        rounds,
        || (),
        |()| {
            for b in &bytes {
                let (schema, value) = json.decode("customers", Some(b)).expect("decoded");
                let out = chain
                    .apply(ConnectRecord::new("customers", schema, value))
                    .expect("transformed")
                    .expect("kept");
                black_box(
                    json.encode("customers", out.key_schema.as_ref(), &out.key)
                        .expect("key"),
                );
                black_box(
                    json.encode("customers", out.value_schema.as_ref(), &out.value)
                        .expect("value"),
                );
            }
        },
    );
    results.push(("decode_chain_encode".to_owned(), rate, cpu));
    results
}

fn kafka_connect(classpath: &str, n: usize, rounds: usize) -> Vec<(String, f64, f64)> {
    let out = Command::new("java")
        .args([
            "-Xmx1g",
            "-cp",
            classpath,
            "dev.streamkit.peers.connect.ConnectBench",
        ])
        .arg(n.to_string())
        .arg(rounds.to_string())
        .output()
        .expect("java runs");
    assert!(
        out.status.success(),
        "ConnectBench failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            Some((
                f.next()?.to_owned(),
                f.next()?.parse().ok()?,
                f.next()?.parse().ok()?,
            ))
        })
        .collect()
}

fn main() {
    let n: usize = std::env::var("CONNECT_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let rounds = 6;
    let classpath = std::env::args()
        .skip_while(|a| a != "--classpath")
        .nth(1)
        .or_else(|| std::env::var("STREAMKIT_PEERS_CLASSPATH").ok())
        .expect("the peers' classpath: --classpath or STREAMKIT_PEERS_CLASSPATH");
    println!(
        "record: {} bytes with its schema, payload {} bytes",
        record(0).len(),
        {
            let r = record(0);
            r.len() - r.find(r#""payload":"#).unwrap_or(0) - 11
        }
    );
    let ours = ours(n, rounds);
    let theirs = kafka_connect(&classpath, n, rounds);
    println!("| loop | connect-sdk rec/s | CPU ns/rec | Kafka Connect rec/s | CPU ns/rec | rate ratio |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (what, rate, cpu) in &ours {
        let (their_rate, their_cpu) = theirs
            .iter()
            .find(|(w, _, _)| w == what)
            .map_or((f64::NAN, f64::NAN), |(_, r, c)| (*r, *c));
        println!(
            "| {what} | {:.0} k | {cpu:.0} | {:.0} k | {their_cpu:.0} | {:.2} |",
            rate / 1e3,
            their_rate / 1e3,
            rate / their_rate
        );
    }
}
