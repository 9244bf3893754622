//! The pipeline on the embedded log and, in CI, on a real broker: duplicates dropped
//! across batches, restarts and partition moves; a crash between producing and
//! committing (an abandoned pipeline; on the broker, a killed process); records
//! without an id sent where the policy says.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use dedup::pipeline::{DedupPipeline, Guarantee, PipelineConfig};
use dedup::{Error, IdSource, OnMissingId, Window, dead_letter_headers};
use streamlog::{
    ClientConfig, Cluster, IsolationLevel, Offset, ProducerRecord, Record, TopicConfig, TopicPartition,
};

const PARTITIONS: i32 = 4;
const HOUR: i64 = 3_600_000;

/// Hours ago, in milliseconds since the epoch: the broker deletes changelog records
/// older than its retention by their timestamps, so the tests' times are recent.
fn hours_ago(hours: i64) -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    now - hours * HOUR
}
/// The child process of the killed-process test runs when this is set.
const CHILD: &str = "DEDUP_CRASH_CHILD";

/// The logs to run on: the embedded one, and the CI broker when there is one (under
/// `CI=true` a missing broker fails the test).
fn logs() -> Vec<(&'static str, Cluster)> {
    let mut logs = vec![("embedded", Cluster::embedded())];
    #[cfg(feature = "kafka")]
    if let Some(broker) = streamlog::test_util::ci_broker() {
        logs.push(("kafka", broker));
    }
    logs
}

struct Topics {
    group: String,
    input: String,
    output: String,
}

fn topics(cluster: &Cluster, name: &str) -> Topics {
    let unique = streamlog::test_util::unique_name(name);
    let t = Topics {
        group: format!("{unique}-group"),
        input: format!("{unique}-in"),
        output: format!("{unique}-out"),
    };
    let admin = cluster.admin().unwrap();
    admin
        .create_topic(&t.input, &TopicConfig::new(PARTITIONS))
        .unwrap();
    admin
        .create_topic(&t.output, &TopicConfig::new(PARTITIONS))
        .unwrap();
    t
}

fn config(t: &Topics, guarantee: Guarantee) -> PipelineConfig {
    PipelineConfig::new(
        &t.group,
        &t.input,
        &t.output,
        IdSource::json_field("id"),
        Window::new(Duration::from_secs(24 * 3600), 24).unwrap(),
    )
    .guarantee(guarantee)
    .client(ClientConfig::new().max_poll_records(25))
}

/// Sends `ids` (keyed by id, so repeats land in the same partition), at `base` plus
/// their position in minutes.
fn produce(cluster: &Cluster, topic: &str, ids: &[String], base: i64) {
    let producer = cluster.producer(&ClientConfig::new()).unwrap();
    for (n, id) in ids.iter().enumerate() {
        producer
            .send(
                ProducerRecord::new(topic)
                    .key(id.clone())
                    .value(format!(r#"{{"id":"{id}","n":{n}}}"#))
                    .timestamp(base + n as i64 * 60_000),
            )
            .unwrap();
    }
    producer.flush(Duration::from_secs(30)).unwrap();
}

/// Every committed record of `topic`.
fn read_all(cluster: &Cluster, topic: &str) -> Vec<Record> {
    let admin = cluster.admin().unwrap();
    let ends = admin.end_offsets(topic).unwrap();
    let mut consumer = cluster
        .consumer(&ClientConfig::new().isolation_level(IsolationLevel::ReadCommitted))
        .unwrap();
    let partitions = admin.partition_count(topic).unwrap();
    let tps: Vec<TopicPartition> = (0..partitions).map(|p| TopicPartition::new(topic, p)).collect();
    consumer.assign(&tps).unwrap();
    for tp in &tps {
        consumer.seek(tp, Offset::Beginning).unwrap();
    }
    let mut records = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        records.extend(consumer.poll(Duration::from_millis(200)).unwrap());
        let done = tps
            .iter()
            .all(|tp| consumer.position(tp).unwrap_or(0) >= ends[tp.partition as usize]);
        if done {
            return records;
        }
        assert!(Instant::now() < deadline, "{topic} not read to its end in 60 s");
    }
}

/// The ids of `records`, with how many times each came.
fn id_counts(records: &[Record]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for r in records {
        let value: serde_json::Value = serde_json::from_slice(r.value.as_deref().unwrap()).unwrap();
        *counts
            .entry(value["id"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    counts
}

/// Steps until `consumed` records are handled.
fn run_to(pipeline: &mut DedupPipeline, consumed: u64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while pipeline.stats().consumed < consumed {
        pipeline.step().unwrap();
        assert!(Instant::now() < deadline, "stuck at {:?}", pipeline.stats());
    }
}

/// `n` ids, each sent one to three times, repeats shuffled in.
fn with_repeats(prefix: &str, n: usize) -> (Vec<String>, BTreeSet<String>) {
    let mut sent = Vec::new();
    for i in 0..n {
        for _ in 0..=(i * 7 % 3) {
            sent.push(format!("{prefix}{i}"));
        }
    }
    // A fixed shuffle: repeats come later than their first, some far later.
    let len = sent.len();
    for i in 0..len {
        sent.swap(i, (i * 31 + 7) % len);
    }
    let unique = sent.iter().cloned().collect();
    (sent, unique)
}

fn each_once(counts: &BTreeMap<String, usize>, expected: &BTreeSet<String>, what: &str) {
    let got: BTreeSet<String> = counts.keys().cloned().collect();
    assert_eq!(&got, expected, "{what}: the ids that came out");
    let repeated: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        repeated.is_empty(),
        "{what}: ids that came out twice: {repeated:?}"
    );
}

#[test]
fn drops_repeats_across_batches_and_restarts() {
    for (log, cluster) in logs() {
        for guarantee in [Guarantee::AtLeastOnce, Guarantee::ExactlyOnce] {
            let what = format!("{log} {guarantee:?}");
            let t = topics(&cluster, "dedup-restart");
            let (first, mut expected) = with_repeats("a", 120);
            produce(&cluster, &t.input, &first, hours_ago(8));
            let mut pipeline = DedupPipeline::new(&cluster, config(&t, guarantee)).unwrap();
            run_to(&mut pipeline, first.len() as u64);
            let stats = pipeline.stats();
            assert_eq!(stats.passed, expected.len() as u64, "{what}");
            assert_eq!(stats.duplicates, (first.len() - expected.len()) as u64, "{what}");
            pipeline.close().unwrap();

            // A new instance, nothing in memory: the ids come back from the changelog,
            // so the first run's ids resent now do not pass again.
            let (second, more) = with_repeats("b", 60);
            let resent: Vec<String> = expected.iter().take(40).cloned().chain(second).collect();
            produce(&cluster, &t.input, &resent, hours_ago(5));
            expected.extend(more);
            let mut pipeline = DedupPipeline::new(&cluster, config(&t, guarantee)).unwrap();
            run_to(&mut pipeline, resent.len() as u64);
            assert!(
                pipeline.stats().restored_ids > 0,
                "{what}: {:?}",
                pipeline.stats()
            );
            pipeline.close().unwrap();
            each_once(&id_counts(&read_all(&cluster, &t.output)), &expected, &what);
        }
    }
}

/// The ids in RocksDB: a restart with the directory wiped rebuilds them from the
/// changelog.
#[cfg(feature = "rocksdb")]
#[test]
fn rocksdb_ids_are_rebuilt_after_the_directory_is_wiped() {
    let cluster = Cluster::embedded();
    let dir = tempfile::tempdir().unwrap();
    let t = topics(&cluster, "dedup-rocks");
    let (first, mut expected) = with_repeats("r", 100);
    produce(&cluster, &t.input, &first, hours_ago(8));
    let config = || config(&t, Guarantee::ExactlyOnce).rocksdb_dir(dir.path());
    let mut pipeline = DedupPipeline::new(&cluster, config()).unwrap();
    run_to(&mut pipeline, first.len() as u64);
    pipeline.close().unwrap();
    std::fs::remove_dir_all(dir.path()).unwrap();
    let (second, more) = with_repeats("s", 30);
    let resent: Vec<String> = expected.iter().take(50).cloned().chain(second).collect();
    produce(&cluster, &t.input, &resent, hours_ago(5));
    expected.extend(more);
    let mut pipeline = DedupPipeline::new(&cluster, config()).unwrap();
    run_to(&mut pipeline, resent.len() as u64);
    assert!(pipeline.stats().restored_ids >= 100, "{:?}", pipeline.stats());
    pipeline.close().unwrap();
    each_once(&id_counts(&read_all(&cluster, &t.output)), &expected, "rocksdb");
}

#[test]
fn an_abandoned_pipeline_loses_nothing_and_exactly_once_repeats_nothing() {
    let cluster = Cluster::embedded();
    for guarantee in [Guarantee::AtLeastOnce, Guarantee::ExactlyOnce] {
        let t = topics(&cluster, "dedup-abandon");
        let (sent, expected) = with_repeats("c", 200);
        produce(&cluster, &t.input, &sent, hours_ago(8));
        let mut crashing =
            DedupPipeline::new(&cluster, config(&t, guarantee).crash_before_commit(3)).unwrap();
        let abandoned = loop {
            match crashing.step() {
                Ok(_) => {}
                Err(Error::Abandoned { batch }) => break batch,
                Err(e) => panic!("{e}"),
            }
        };
        assert_eq!(abandoned, 3);
        drop(crashing);
        let mut pipeline = DedupPipeline::new(&cluster, config(&t, guarantee)).unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while read_all(&cluster, &t.output).len() < expected.len() || pipeline.step().unwrap() > 0 {
            assert!(
                Instant::now() < deadline,
                "{guarantee:?}: stuck at {:?}",
                pipeline.stats()
            );
            pipeline.step().unwrap();
        }
        let counts = id_counts(&read_all(&cluster, &t.output));
        match guarantee {
            Guarantee::ExactlyOnce => each_once(&counts, &expected, "exactly-once"),
            Guarantee::AtLeastOnce => {
                let got: BTreeSet<String> = counts.keys().cloned().collect();
                assert_eq!(got, expected, "at-least-once lost ids");
            }
        }
    }
}

/// The killed-process test's child: runs the pipeline named by the environment until
/// it stops before its third commit, then dies on the spot.
#[test]
fn crash_child() {
    let Ok(spec) = std::env::var(CHILD) else {
        return;
    };
    #[cfg(feature = "kafka")]
    {
        let [group, input, output, guarantee]: [&str; 4] =
            spec.split(',').collect::<Vec<_>>().try_into().unwrap();
        let t = Topics {
            group: group.into(),
            input: input.into(),
            output: output.into(),
        };
        let guarantee = if guarantee == "eos" {
            Guarantee::ExactlyOnce
        } else {
            Guarantee::AtLeastOnce
        };
        let cluster = streamlog::test_util::ci_broker().unwrap();
        let mut pipeline =
            DedupPipeline::new(&cluster, config(&t, guarantee).crash_before_commit(3)).unwrap();
        loop {
            match pipeline.step() {
                Ok(_) => {}
                Err(Error::Abandoned { .. }) => {
                    println!("abandoned");
                    std::process::abort();
                }
                Err(e) => panic!("{e}"),
            }
        }
    }
    #[cfg(not(feature = "kafka"))]
    panic!("{spec}: the killed-process test needs feature `kafka`");
}

#[cfg(feature = "kafka")]
#[test]
fn a_killed_process_loses_nothing_and_exactly_once_repeats_nothing() {
    let Some(cluster) = streamlog::test_util::ci_broker() else {
        return;
    };
    for guarantee in [Guarantee::AtLeastOnce, Guarantee::ExactlyOnce] {
        let t = topics(&cluster, "dedup-killed");
        let (sent, expected) = with_repeats("k", 200);
        produce(&cluster, &t.input, &sent, hours_ago(8));
        let mode = if guarantee == Guarantee::ExactlyOnce {
            "eos"
        } else {
            "alo"
        };
        let out = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "crash_child", "--nocapture", "--test-threads", "1"])
            .env(CHILD, format!("{},{},{},{mode}", t.group, t.input, t.output))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            !out.status.success() && text.contains("abandoned"),
            "the child did not die where asked: {text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // The restarted instance waits out the dead member's session, then goes on.
        let mut pipeline = DedupPipeline::new(&cluster, config(&t, guarantee)).unwrap();
        let deadline = Instant::now() + Duration::from_secs(90);
        while cluster
            .admin()
            .unwrap()
            .lag(&t.group, &t.input)
            .unwrap()
            .iter()
            .map(|l| l.lag)
            .sum::<i64>()
            > 0
        {
            assert!(
                Instant::now() < deadline,
                "{mode}: stuck at {:?}",
                pipeline.stats()
            );
            pipeline.step().unwrap();
        }
        pipeline.close().unwrap();
        let counts = id_counts(&read_all(&cluster, &t.output));
        match guarantee {
            Guarantee::ExactlyOnce => each_once(&counts, &expected, "exactly-once, killed"),
            Guarantee::AtLeastOnce => {
                let got: BTreeSet<String> = counts.keys().cloned().collect();
                assert_eq!(got, expected, "at-least-once, killed: lost ids");
            }
        }
    }
}

#[test]
fn partitions_moving_between_instances_let_no_repeat_through() {
    for (log, cluster) in logs() {
        for guarantee in [Guarantee::AtLeastOnce, Guarantee::ExactlyOnce] {
            let what = format!("{log} {guarantee:?}");
            let t = topics(&cluster, "dedup-move");
            let (first, expected) = with_repeats("m", 200);
            produce(&cluster, &t.input, &first, hours_ago(8));
            let stop = Arc::new(AtomicBool::new(false));
            // Each instance steps in its own thread, saying how many partitions it has.
            let start = |instance: &str| {
                let config = config(&t, guarantee).instance_id(instance);
                let cluster = cluster.clone();
                let stop = stop.clone();
                let assigned = Arc::new(AtomicUsize::new(0));
                let shown = assigned.clone();
                let thread = std::thread::spawn(move || {
                    let mut pipeline = DedupPipeline::new(&cluster, config).unwrap();
                    while !stop.load(Ordering::Relaxed) {
                        pipeline.step().unwrap();
                        shown.store(pipeline.assignment().len(), Ordering::Relaxed);
                    }
                    let stats = pipeline.stats();
                    pipeline.close().unwrap();
                    stats
                });
                (thread, assigned)
            };
            let (a, a_assigned) = start("a");
            // Once `a` has handled some, `b` joins and takes half the partitions, with
            // their ids; then every id is sent again.
            let deadline = Instant::now() + Duration::from_secs(60);
            while read_all(&cluster, &t.output).len() < 50 {
                assert!(Instant::now() < deadline, "{what}: a made no progress");
                std::thread::sleep(Duration::from_millis(50));
            }
            let (b, b_assigned) = start("b");
            let deadline = Instant::now() + Duration::from_secs(60);
            while b_assigned.load(Ordering::Relaxed) == 0
                || a_assigned.load(Ordering::Relaxed) == PARTITIONS as usize
            {
                assert!(
                    Instant::now() < deadline,
                    "{what}: the group never gave b partitions"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
            let all: Vec<String> = expected.iter().cloned().collect();
            produce(&cluster, &t.input, &all, hours_ago(4));
            let total = (first.len() + all.len()) as i64;
            let admin = cluster.admin().unwrap();
            let deadline = Instant::now() + Duration::from_secs(120);
            loop {
                let committed: i64 = admin
                    .lag(&t.group, &t.input)
                    .unwrap()
                    .iter()
                    .map(|l| l.committed.unwrap_or(0))
                    .sum();
                if committed >= total {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "{what}: committed {committed} of {total}"
                );
                std::thread::sleep(Duration::from_millis(50));
            }
            stop.store(true, Ordering::Relaxed);
            let (a, b) = (a.join().unwrap(), b.join().unwrap());
            assert!(b.consumed > 0, "{what}: b never got a partition");
            assert!(b.restores > 0, "{what}: b rebuilt nothing: {b:?}");
            assert_eq!(a.passed + b.passed, expected.len() as u64, "{what}: {a:?} {b:?}");
            each_once(&id_counts(&read_all(&cluster, &t.output)), &expected, &what);
        }
    }
}

#[test]
fn records_without_an_id_go_where_the_policy_says() {
    let cluster = Cluster::embedded();
    let admin = cluster.admin().unwrap();
    let records = [r#"{"id":"x"}"#, r#"{"other":1}"#, "not json", r#"{"id":"x"}"#];
    let send = |topic: &str| {
        let producer = cluster.producer(&ClientConfig::new()).unwrap();
        for value in records {
            producer
                .send(ProducerRecord::new(topic).partition(0).value(value))
                .unwrap();
        }
        producer.flush(Duration::from_secs(5)).unwrap();
    };

    // Fail: the error names the record; nothing of the batch is committed.
    let t = topics(&cluster, "dedup-fail");
    send(&t.input);
    let mut pipeline = DedupPipeline::new(&cluster, config(&t, Guarantee::AtLeastOnce)).unwrap();
    let err = loop {
        match pipeline.step() {
            Ok(_) => {}
            Err(e) => break e,
        }
    };
    let text = err.to_string();
    assert!(
        matches!(
            err,
            Error::MissingIdAt {
                partition: 0,
                offset: 1,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        text.contains(&t.input) && text.contains("@1") && text.contains("`id`"),
        "{text}"
    );
    assert_eq!(pipeline.stats().consumed, 0);
    assert!(pipeline.step().is_err(), "the same record fails again");
    assert!(read_all(&cluster, &t.output).is_empty());

    // Pass: unchecked records go on.
    let t = topics(&cluster, "dedup-pass");
    send(&t.input);
    let mut pipeline = DedupPipeline::new(
        &cluster,
        config(&t, Guarantee::ExactlyOnce).on_missing_id(OnMissingId::Pass),
    )
    .unwrap();
    run_to(&mut pipeline, 4);
    assert_eq!(pipeline.stats().missing_ids, 2);
    assert_eq!(pipeline.stats().passed, 3);
    let out: Vec<_> = read_all(&cluster, &t.output)
        .iter()
        .map(|r| String::from_utf8(r.value.as_deref().unwrap().to_vec()).unwrap())
        .collect();
    assert_eq!(out, records[..3]);

    // Dead letters: set aside with why and whence.
    let t = topics(&cluster, "dedup-dlq");
    let dlq = format!("{}-dlq", t.input);
    admin.create_topic(&dlq, &TopicConfig::new(1)).unwrap();
    send(&t.input);
    let mut pipeline = DedupPipeline::new(
        &cluster,
        config(&t, Guarantee::AtLeastOnce).on_missing_id(OnMissingId::DeadLetter(dlq.clone())),
    )
    .unwrap();
    run_to(&mut pipeline, 4);
    assert_eq!(pipeline.stats().dead_letters, 2);
    assert_eq!(read_all(&cluster, &t.output).len(), 1);
    let letters = read_all(&cluster, &dlq);
    assert_eq!(letters.len(), 2);
    let header = |r: &Record, name: &str| {
        String::from_utf8(r.headers.last(name).unwrap().value.as_deref().unwrap().to_vec()).unwrap()
    };
    assert_eq!(header(&letters[0], dead_letter_headers::OFFSET), "1");
    assert_eq!(header(&letters[1], dead_letter_headers::OFFSET), "2");
    assert_eq!(header(&letters[0], dead_letter_headers::TOPIC), t.input);
    assert!(header(&letters[1], dead_letter_headers::REASON).contains("not inside a JSON object"));
}
