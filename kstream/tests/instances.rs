//! Two instances of one application: the first runs alone, a second joins mid-stream
//! and takes some of the partitions (their state follows through the changelogs), then
//! the first dies without closing and the second takes everything. Under at-least-once
//! nothing may be lost (every mapped record is in the output); under exactly-once the
//! committed counts equal a single-instance run's (each key's counts are 1, 2, ..., n)
//! and the second instance's store holds every key's final count.
//!
//! On the embedded log the first instance is a runtime stopped on the spot inside a
//! commit (the crash switch); on the real broker (CI) it is a child process, killed.

mod backends;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};

use backends::TestLog;
use kstream::{
    Consumed, Grouped, I64Serde, KafkaStreams, Materialized, OptionSerde, ProcessingGuarantee, Produced,
    StoreHandle, StreamThreadExceptionResponse, StreamsBuilder, StreamsConfig, StreamsState, StringSerde,
};
use streamlog::{ClientConfig, ProducerRecord};

const PARTITIONS: i32 = 4;
const KEYS: i64 = 20;
/// The killed instance's process runs when this is set.
const CHILD: &str = "KSTREAM_INSTANCES_CHILD";

struct Names {
    app: String,
    input: String,
    counts: String,
    mapped: String,
}

fn topology(n: &Names) -> (kstream::Topology, StoreHandle<String, i64>) {
    let b = StreamsBuilder::new();
    let input = b.stream(&n.input, Consumed::with(StringSerde, I64Serde));
    input
        .map_values(|v| v * 10)
        .to(&n.mapped, Produced::with(StringSerde, I64Serde));
    let counts = Materialized::with(StringSerde, I64Serde).named("counts");
    let handle = counts.handle();
    input
        .group_by_key(Grouped::with(StringSerde, I64Serde))
        .count(counts)
        .to_stream()
        .to(&n.counts, Produced::with(StringSerde, OptionSerde(I64Serde)));
    (b.build().unwrap(), handle)
}

fn config(b: &dyn TestLog, n: &Names, state_dir: &Path, guarantee: ProcessingGuarantee) -> StreamsConfig {
    // A dead member leaves the group after its session timeout on the broker (its
    // heartbeats stop) and after `max.poll.interval.ms` on the embedded log (which has
    // no heartbeats). On the broker the poll interval stays long: a new owner's first
    // look at its committed offsets waits while the dead member's transaction still
    // holds offsets for them (until the broker aborts it), as Kafka Streams' does.
    let (session, poll_interval) = if b.cluster().backend_name() == "kafka" {
        ("6000", "60000")
    } else {
        ("3000", "3000")
    };
    StreamsConfig::new(n.app.as_str())
        .processing_guarantee(guarantee)
        .state_dir(state_dir)
        .num_stream_threads(1)
        .commit_interval(Duration::from_millis(100))
        .set("statestore.cache.max.bytes", "0")
        .set("max.poll.records", "50")
        .set("max.poll.interval.ms", poll_interval)
        .set("session.timeout.ms", session)
        .set("transaction.timeout.ms", "3000")
}

fn key_of(i: i64) -> String {
    format!("k{}", i % KEYS)
}

fn produce(b: &dyn TestLog, topic: &str, range: std::ops::Range<i64>) {
    let producer = b.cluster().producer(&ClientConfig::new()).unwrap();
    for i in range {
        producer
            .send(
                ProducerRecord::new(topic)
                    .key(key_of(i))
                    .value(i.to_be_bytes().to_vec()),
            )
            .unwrap();
    }
    producer.flush(Duration::from_secs(30)).unwrap();
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "waited 60 s for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn mapped_count(b: &dyn TestLog, topic: &str) -> i64 {
    b.cluster()
        .admin()
        .unwrap()
        .all_watermarks(topic)
        .unwrap()
        .iter()
        .map(|w| w.high)
        .sum()
}

/// The scenario, with the first instance started by `start_first` and killed by the
/// function it returns.
fn join_then_kill(
    b: &dyn TestLog,
    guarantee: ProcessingGuarantee,
    start_first: impl FnOnce(&Names) -> Box<dyn FnOnce()>,
) {
    let n = Names {
        app: backends::unique("instances"),
        input: backends::unique("instances-in"),
        counts: backends::unique("instances-counts"),
        mapped: backends::unique("instances-mapped"),
    };
    for t in [&n.input, &n.counts, &n.mapped] {
        b.create_topic(t, PARTITIONS);
    }
    produce(b, &n.input, 0..400);
    let kill_first = start_first(&n);
    wait_for("the first instance's output", || mapped_count(b, &n.mapped) > 0);

    let state = tempfile::tempdir().unwrap();
    let (topology, handle) = topology(&n);
    let mut second = KafkaStreams::new(
        topology,
        b.cluster().clone(),
        config(b, &n, state.path(), guarantee),
    )
    .unwrap();
    second.start().unwrap();
    wait_for("the second instance to run", || {
        second.state() == StreamsState::Running
    });
    produce(b, &n.input, 400..800);
    kill_first();
    produce(b, &n.input, 800..1200);
    // On the broker, the killed instance's partitions move once its session expires,
    // and under exactly-once its open transaction must time out first.
    second.wait_until_caught_up(Duration::from_secs(90)).unwrap();
    let store: BTreeMap<String, i64> = second
        .store(&handle)
        .unwrap()
        .all()
        .unwrap()
        .into_iter()
        .collect();
    assert!(second.close(Duration::from_secs(30)));

    let mapped = backends::read_committed_i64(b, &n.mapped, PARTITIONS, 1200);
    let got: BTreeSet<i64> = mapped.values().flatten().copied().collect();
    let all: BTreeSet<i64> = (0..1200).map(|i| i * 10).collect();
    assert_eq!(got, all, "{guarantee:?}: mapped records lost");
    if guarantee == ProcessingGuarantee::ExactlyOnceV2 {
        let mut expected: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        for i in 0..1200 {
            let list = expected.entry(key_of(i)).or_default();
            list.push(list.len() as i64 + 1);
        }
        assert_eq!(
            mapped.values().map(Vec::len).sum::<usize>(),
            1200,
            "exactly-once: a mapped record twice"
        );
        assert_eq!(
            backends::read_committed_i64(b, &n.counts, PARTITIONS, 1200),
            expected,
            "exactly-once: the committed counts"
        );
        let last: BTreeMap<String, i64> = expected
            .iter()
            .map(|(k, v)| (k.clone(), v.len() as i64))
            .collect();
        assert_eq!(store, last, "exactly-once: the second instance's store");
    }
}

/// The embedded log's first instance: a runtime that stops inside its 12th commit.
fn embedded_first(
    b: &dyn TestLog,
    guarantee: ProcessingGuarantee,
) -> impl FnOnce(&Names) -> Box<dyn FnOnce()> {
    let cluster = b.cluster().clone();
    move |n: &Names| {
        let state = tempfile::tempdir().unwrap();
        let (topology, _) = topology(n);
        let config = config(&backends::Log(cluster.clone()), n, state.path(), guarantee)
            .set("__test.abandon.at.commit__", "12");
        let mut first = KafkaStreams::new(topology, cluster, config).unwrap();
        first
            .set_uncaught_exception_handler(|_| StreamThreadExceptionResponse::ShutdownClient)
            .unwrap();
        first.start().unwrap();
        Box::new(move || {
            wait_for("the first instance's crash", || {
                first.state() == StreamsState::Error
            });
            drop(state);
        })
    }
}

#[test]
fn a_second_instance_takes_over_on_the_embedded_log() {
    let b = backends::embedded();
    for guarantee in [
        ProcessingGuarantee::AtLeastOnce,
        ProcessingGuarantee::ExactlyOnceV2,
    ] {
        join_then_kill(&b, guarantee, embedded_first(&b, guarantee));
    }
}

/// The killed-process test's first instance: runs until killed.
#[test]
fn instance_child() {
    let Ok(spec) = std::env::var(CHILD) else {
        return;
    };
    #[cfg(feature = "kafka")]
    {
        let [app, input, counts, mapped, state_dir, guarantee]: [&str; 6] =
            spec.split(',').collect::<Vec<_>>().try_into().unwrap();
        let n = Names {
            app: app.into(),
            input: input.into(),
            counts: counts.into(),
            mapped: mapped.into(),
        };
        let guarantee = if guarantee == "exactly_once_v2" {
            ProcessingGuarantee::ExactlyOnceV2
        } else {
            ProcessingGuarantee::AtLeastOnce
        };
        let broker = backends::broker().expect("the child runs with the parent's broker");
        let (topology, _) = topology(&n);
        let config = config(&broker, &n, Path::new(state_dir), guarantee);
        let mut app = KafkaStreams::new(topology, broker.cluster().clone(), config).unwrap();
        app.start().unwrap();
        std::thread::sleep(Duration::from_secs(300));
        panic!("the first instance was not killed");
    }
    #[cfg(not(feature = "kafka"))]
    panic!("{spec}: the killed-process test needs feature `kafka`");
}

#[cfg(feature = "kafka")]
#[test]
fn a_second_instance_takes_over_from_a_killed_process_on_the_broker() {
    let Some(b) = backends::broker() else {
        return;
    };
    if std::env::var("KSTREAM_TEST_LOG").is_ok() {
        let _ = tracing_subscriber::fmt()
            .with_max_level(tracing_subscriber::filter::LevelFilter::INFO)
            .try_init();
    }
    for guarantee in [
        ProcessingGuarantee::AtLeastOnce,
        ProcessingGuarantee::ExactlyOnceV2,
    ] {
        join_then_kill(&b, guarantee, |n: &Names| {
            let state = tempfile::tempdir().unwrap();
            let spec = format!(
                "{},{},{},{},{},{}",
                n.app,
                n.input,
                n.counts,
                n.mapped,
                state.path().display(),
                guarantee.as_str()
            );
            let mut child = std::process::Command::new(std::env::current_exe().unwrap())
                .args(["--exact", "instance_child", "--nocapture", "--test-threads=1"])
                .env(CHILD, spec)
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap();
            Box::new(move || {
                child.kill().unwrap();
                child.wait().unwrap();
                drop(state);
            })
        });
    }
}

/// Two instances with an `application.server` each: every key's metadata names the
/// instance whose store holds it, whichever instance is asked; once one closes, every
/// key is on the other.
fn metadata_follows_the_tasks(b: &dyn TestLog) {
    let n = Names {
        app: backends::unique("instances-meta"),
        input: backends::unique("instances-meta-in"),
        counts: backends::unique("instances-meta-counts"),
        mapped: backends::unique("instances-meta-mapped"),
    };
    for t in [&n.input, &n.counts, &n.mapped] {
        b.create_topic(t, PARTITIONS);
    }
    produce(b, &n.input, 0..400);
    let start = |server: &str| {
        let state = tempfile::tempdir().unwrap();
        let (topology, handle) = topology(&n);
        let config = config(b, &n, state.path(), ProcessingGuarantee::AtLeastOnce).application_server(server);
        let mut app = KafkaStreams::new(topology, b.cluster().clone(), config).unwrap();
        app.start().unwrap();
        (app, handle, state)
    };
    let (a, handle, _a_state) = start("host-a:7001");
    let (second, second_handle, _b_state) = start("host-b:7002");
    let hosts = |app: &KafkaStreams| -> BTreeMap<String, usize> {
        app.metadata_for_all_clients()
            .unwrap()
            .into_iter()
            .map(|m| (m.host.to_string(), m.topic_partitions.len()))
            .collect()
    };
    wait_for("both instances to run and announce their tasks", || {
        a.state() == StreamsState::Running
            && second.state() == StreamsState::Running
            && hosts(&a).values().filter(|n| **n > 0).count() == 2
            && hosts(&a).values().sum::<usize>() == PARTITIONS as usize
    });
    a.wait_until_caught_up(Duration::from_secs(60)).unwrap();
    second.wait_until_caught_up(Duration::from_secs(60)).unwrap();
    for i in 0..KEYS {
        let key = key_of(i);
        let meta = a
            .query_metadata_for_key(&handle, &key)
            .unwrap()
            .expect("announced");
        assert_eq!(
            second.query_metadata_for_key(&second_handle, &key).unwrap(),
            Some(meta.clone())
        );
        let on_a = a.store(&handle).unwrap().get(&key).unwrap();
        let on_b = second.store(&second_handle).unwrap().get(&key).unwrap();
        if meta.active_host.port == 7001 {
            assert!(on_a.is_some() && on_b.is_none(), "{key} on host-a only");
        } else {
            assert!(on_b.is_some() && on_a.is_none(), "{key} on host-b only");
        }
    }
    assert!(second.close(Duration::from_secs(30)));
    wait_for("the remaining instance to announce every task", || {
        hosts(&a) == BTreeMap::from([("host-a:7001".to_owned(), PARTITIONS as usize)])
    });
    for i in 0..KEYS {
        let meta = a.query_metadata_for_key(&handle, &key_of(i)).unwrap().unwrap();
        assert_eq!(meta.active_host.to_string(), "host-a:7001");
    }
    assert!(a.close(Duration::from_secs(30)));

    // Without an `application.server`, the instances say nothing about themselves.
    let state = tempfile::tempdir().unwrap();
    let (topology, handle) = topology(&n);
    let config = config(b, &n, state.path(), ProcessingGuarantee::AtLeastOnce);
    let app = KafkaStreams::new(topology, b.cluster().clone(), config).unwrap();
    let err = app.query_metadata_for_key(&handle, &key_of(0)).unwrap_err();
    assert!(matches!(err, kstream::Error::NoApplicationServer), "{err}");
}

#[test]
fn key_metadata_names_the_host_of_each_key_on_the_embedded_log() {
    metadata_follows_the_tasks(&backends::embedded());
}

#[cfg(feature = "kafka")]
#[test]
fn key_metadata_names_the_host_of_each_key_on_the_broker() {
    let Some(b) = backends::broker() else {
        return;
    };
    metadata_follows_the_tasks(&b);
}

#[test]
fn a_malformed_application_server_is_refused_with_its_key() {
    for bad in ["no-port", ":7001", "host:port", "host:70000"] {
        let err = StreamsConfig::new("app")
            .application_server(bad)
            .validate()
            .unwrap_err();
        assert!(err.to_string().contains("application.server"), "{bad}: {err}");
    }
}
