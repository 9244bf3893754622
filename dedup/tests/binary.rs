//! The `dedup` binary on the CI broker: it drops the repeats, prints its counters, and
//! stops cleanly on SIGTERM.
#![cfg(feature = "cli")]

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use streamlog::{ClientConfig, IsolationLevel, Offset, ProducerRecord, TopicConfig, TopicPartition};

#[test]
fn the_binary_drops_repeats_and_reports_its_counters() {
    let Some(cluster) = streamlog::test_util::ci_broker() else {
        return;
    };
    let servers = std::env::var("KAFKA_BOOTSTRAP_SERVERS").unwrap();
    let name = streamlog::test_util::unique_name("dedup-bin");
    let (input, output) = (format!("{name}-in"), format!("{name}-out"));
    let admin = cluster.admin().unwrap();
    admin.create_topic(&input, &TopicConfig::new(2)).unwrap();
    admin.create_topic(&output, &TopicConfig::new(2)).unwrap();
    let producer = cluster.producer(&ClientConfig::new()).unwrap();
    for id in ["a", "b", "a", "c", "b", "a"] {
        producer
            .send(
                ProducerRecord::new(input.as_str())
                    .key(id)
                    .value(format!(r#"{{"order":{{"id":"{id}"}}}}"#)),
            )
            .unwrap();
    }
    producer.flush(Duration::from_secs(10)).unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_dedup"))
        .args([
            "--bootstrap-servers",
            &servers,
            "--input",
            &input,
            "--output",
            &output,
        ])
        .args([
            "--id-field",
            "order.id",
            "--window",
            "24h",
            "--exactly-once",
            "--progress",
            "1s",
        ])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut consumer = cluster
        .consumer(&ClientConfig::new().isolation_level(IsolationLevel::ReadCommitted))
        .unwrap();
    let tps = [
        TopicPartition::new(output.as_str(), 0),
        TopicPartition::new(output.as_str(), 1),
    ];
    consumer.assign(&tps).unwrap();
    for tp in &tps {
        consumer.seek(tp, Offset::Beginning).unwrap();
    }
    let mut out = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while out.len() < 3 && Instant::now() < deadline {
        out.extend(consumer.poll(Duration::from_millis(200)).unwrap());
    }
    // Nothing more comes: the repeats were dropped.
    std::thread::sleep(Duration::from_secs(2));
    out.extend(consumer.poll(Duration::from_millis(500)).unwrap());
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    let mut log = String::new();
    child.stderr.take().unwrap().read_to_string(&mut log).unwrap();
    assert!(exit.success(), "dedup failed: {log}");
    assert_eq!(out.len(), 3, "{log}");
    assert!(
        log.contains("stopped; consumed 6 passed 3 duplicates 3"),
        "the counters are not in its output: {log}"
    );
}

/// The binary's error output when run with `args` after the topics, which must fail.
fn refused(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_dedup"))
        .args([
            "--bootstrap-servers",
            "127.0.0.1:1",
            "--input",
            "i",
            "--output",
            "o",
        ])
        .args(args)
        .output()
        .unwrap();
    assert!(!out.status.success(), "{args:?} were accepted");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn the_binary_names_what_is_wrong_with_its_arguments() {
    let text = refused(&["--id-key", "--window", "24 hours"]);
    assert!(text.contains("--window") && text.contains("24 hours"), "{text}");
    let text = refused(&["--window", "1h"]);
    assert!(text.contains("--id-field"), "{text}");
    let text = refused(&["--id-key", "--window", "1h", "--on-missing-id", "drop"]);
    assert!(
        text.contains("on-missing-id") && text.contains("dlq:TOPIC"),
        "{text}"
    );
}
