//! The `cdc_transactions` pipeline on the embedded log: an applier that crashes halfway
//! through a Kafka transaction, and the one started after it, leave a `read_committed`
//! reader of `shop.applied` every source transaction once, whole, in commit order,
//! though some source transactions were sent twice; a `read_uncommitted` reader sees
//! the aborted half, which the check refuses.

#[path = "../src/cdc_pipeline.rs"]
mod cdc_pipeline;

use cdc_pipeline::{OUTPUT_TOPIC, Outcome};
use streamlog::Cluster;

#[test]
fn read_committed_sees_whole_transactions_only_across_a_crash() {
    let cluster = Cluster::embedded();
    let (source, records) = cdc_pipeline::generate(7, 60, 10).unwrap();
    cdc_pipeline::create_topics(&cluster, 3).unwrap();
    cdc_pipeline::write_source(&cluster, records).unwrap();

    // The crash: halfway through the first transaction from the 20th on with several
    // events.
    let k = (20..source.len()).find(|&k| source[k].events.len() > 1).unwrap();
    assert_eq!(
        cdc_pipeline::apply(&cluster, None, Some(k)).unwrap(),
        Outcome::Crashed
    );
    let committed = cdc_pipeline::read_all(&cluster, OUTPUT_TOPIC, "read_committed").unwrap();
    let uncommitted = cdc_pipeline::read_all(&cluster, OUTPUT_TOPIC, "read_uncommitted").unwrap();
    let before: usize = source[..k].iter().map(|t| t.events.len()).sum();
    assert_eq!(committed.len(), before, "the committed transactions");
    assert_eq!(
        uncommitted.len() - committed.len(),
        source[k].events.len().div_ceil(2),
        "and half of the next, uncommitted"
    );
    assert_eq!(cdc_pipeline::check(&source[..k], &committed), Ok(k));
    assert!(cdc_pipeline::check(&source[..k + 1], &uncommitted).is_err());

    let Outcome::Finished(written) = cdc_pipeline::apply(&cluster, None, None).unwrap() else {
        panic!("the second applier runs to the end");
    };
    assert_eq!(written, 60 - k, "it goes on from the transaction it stopped in");
    let committed = cdc_pipeline::read_all(&cluster, OUTPUT_TOPIC, "read_committed").unwrap();
    assert_eq!(cdc_pipeline::check(&source, &committed), Ok(60));
    let uncommitted = cdc_pipeline::read_all(&cluster, OUTPUT_TOPIC, "read_uncommitted").unwrap();
    assert!(
        cdc_pipeline::check(&source, &uncommitted).is_err(),
        "read_uncommitted also sees the aborted half"
    );
}

#[test]
fn chunks_past_the_bound_add_up_to_every_transaction_once() {
    let cluster = Cluster::embedded();
    let (source, records) = cdc_pipeline::generate(11, 40, 5).unwrap();
    cdc_pipeline::create_topics(&cluster, 2).unwrap();
    cdc_pipeline::write_source(&cluster, records).unwrap();
    assert_eq!(
        cdc_pipeline::apply(&cluster, Some(2), Some(15)).unwrap(),
        Outcome::Crashed
    );
    assert!(matches!(
        cdc_pipeline::apply(&cluster, Some(2), None).unwrap(),
        Outcome::Finished(_)
    ));
    let committed = cdc_pipeline::read_all(&cluster, OUTPUT_TOPIC, "read_committed").unwrap();
    let whole = cdc_pipeline::check(&source, &committed).unwrap();
    assert!(whole < source.len(), "some transactions came in chunks");
}

#[test]
fn the_binary_runs_on_the_embedded_log() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cdc_transactions"))
        .args(["--transactions", "30", "--crash-after", "10"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("all 30 source transactions, each once"),
        "{stdout}"
    );
    assert!(stdout.contains("stopped halfway"), "{stdout}");
}
