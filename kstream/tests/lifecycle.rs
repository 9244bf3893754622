//! The application's life on the embedded log (and a failed thread's replacement on
//! the CI broker too): the state listener, the
//! uncaught-exception handler's answers, close and clean-up, and the injected clock.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kstream::{
    Consumed, Error, KafkaStreams, Processor, ProcessorContext, ProcessorError, Produced, PunctuationType,
    StreamThreadExceptionResponse, StreamsBuilder, StreamsConfig, StreamsState, StringSerde, Topology,
};
use streamlog::time::ManualClock;
use streamlog::{ClientConfig, Cluster, ProducerRecord, TopicConfig, TopicPartition};

mod backends;
use backends::TestLog;

/// Forwards every record, and fails on `boom` while `armed` (disarming itself when
/// `once`).
struct Fuse {
    armed: Arc<AtomicBool>,
    once: bool,
}

impl Processor<String, String, String, String> for Fuse {
    fn process(
        &mut self,
        ctx: &mut ProcessorContext<'_, String, String>,
        key: String,
        value: String,
    ) -> Result<(), ProcessorError> {
        if value == "boom" && self.armed.load(Ordering::SeqCst) {
            if self.once {
                self.armed.store(false, Ordering::SeqCst);
            }
            return Err("boom".into());
        }
        Ok(ctx.forward(key, value)?)
    }
}

fn fused_topology(input: &str, output: &str, armed: &Arc<AtomicBool>, once: bool) -> Topology {
    let b = StreamsBuilder::new();
    let armed = armed.clone();
    b.stream(input, Consumed::with(StringSerde, StringSerde))
        .process(
            move || Fuse {
                armed: armed.clone(),
                once,
            },
            &[],
        )
        .to(output, Produced::with(StringSerde, StringSerde));
    b.build().unwrap()
}

fn config(app: &str, state_dir: &std::path::Path) -> StreamsConfig {
    StreamsConfig::new(app)
        .commit_interval(Duration::from_millis(50))
        .state_dir(state_dir)
}

fn cluster_with(topics: &[(&str, i32)]) -> Cluster {
    let cluster = Cluster::embedded();
    let admin = cluster.admin().unwrap();
    for (topic, partitions) in topics {
        admin.create_topic(topic, &TopicConfig::new(*partitions)).unwrap();
    }
    cluster
}

fn produce(cluster: &Cluster, topic: &str, values: &[String]) {
    let producer = cluster.producer(&ClientConfig::new()).unwrap();
    for (i, v) in values.iter().enumerate() {
        producer
            .send(
                ProducerRecord::new(topic)
                    .key(format!("k{}", i % 7))
                    .value(v.clone()),
            )
            .unwrap();
    }
    producer.flush(Duration::from_secs(5)).unwrap();
}

/// The distinct values in `topic`, read until `wanted` of them were seen or 10 s passed.
fn read_values(cluster: &Cluster, topic: &str, partitions: i32, wanted: usize) -> BTreeSet<String> {
    let mut reader = cluster
        .consumer(&ClientConfig::new().set("auto.offset.reset", "earliest"))
        .unwrap();
    let parts: Vec<_> = (0..partitions).map(|p| TopicPartition::new(topic, p)).collect();
    reader.assign(&parts).unwrap();
    let mut values = BTreeSet::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while values.len() < wanted && Instant::now() < deadline {
        for r in reader.poll(Duration::from_millis(100)).unwrap() {
            values.insert(String::from_utf8(r.value.unwrap().to_vec()).unwrap());
        }
    }
    values
}

/// The transitions the listener heard.
fn listen(app: &mut KafkaStreams) -> Arc<Mutex<Vec<(StreamsState, StreamsState)>>> {
    let heard = Arc::new(Mutex::new(Vec::new()));
    let log = heard.clone();
    app.set_state_listener(move |new, old| log.lock().unwrap().push((old, new)))
        .unwrap();
    heard
}

fn wait_for_state(app: &KafkaStreams, wanted: StreamsState) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while app.state() != wanted {
        assert!(
            Instant::now() < deadline,
            "still {} rather than {wanted}",
            app.state()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A processor fails once, the handler replaces its thread: the new thread takes the
/// tasks over from the last commit, and every input value reaches the output.
fn a_replaced_thread_loses_nothing(b: &dyn TestLog, app: &str) {
    let dir = tempfile::tempdir().unwrap();
    let (input, output) = (format!("{app}-in"), format!("{app}-out"));
    b.create_topic(&input, 2);
    b.create_topic(&output, 2);
    let cluster = b.cluster();
    let values: Vec<String> = (0..60)
        .map(|i| {
            if i == 30 {
                "boom".to_string()
            } else {
                format!("v{i}")
            }
        })
        .collect();
    produce(cluster, &input, &values);
    let armed = Arc::new(AtomicBool::new(true));
    let topology = fused_topology(&input, &output, &armed, true);
    let mut app = KafkaStreams::new(topology, cluster.clone(), config(app, dir.path())).unwrap();
    let failures = Arc::new(AtomicUsize::new(0));
    let seen = failures.clone();
    app.set_uncaught_exception_handler(move |e| {
        assert!(
            matches!(e, Error::Processor { source, .. } if source.to_string() == "boom"),
            "{e}"
        );
        seen.fetch_add(1, Ordering::SeqCst);
        StreamThreadExceptionResponse::ReplaceThread
    })
    .unwrap();
    app.start().unwrap();
    app.wait_until_caught_up(Duration::from_secs(60)).unwrap();
    assert_eq!(failures.load(Ordering::SeqCst), 1);
    assert!(
        !armed.load(Ordering::SeqCst),
        "the failing record was processed again"
    );
    let out = read_values(cluster, &output, 2, values.len());
    assert_eq!(out, values.iter().cloned().collect::<BTreeSet<_>>());
    wait_for_state(&app, StreamsState::Running);
    assert!(app.close(Duration::from_secs(30)));
    assert_eq!(app.state(), StreamsState::NotRunning);
}

#[test]
fn a_replaced_thread_hands_its_tasks_to_a_new_one_on_the_embedded_log() {
    a_replaced_thread_loses_nothing(&backends::embedded(), "replace");
}

#[cfg(feature = "kafka")]
#[test]
fn a_replaced_thread_hands_its_tasks_to_a_new_one_on_the_broker() {
    if let Some(broker) = backends::broker() {
        a_replaced_thread_loses_nothing(&broker, &backends::unique("replace"));
    }
}

#[test]
fn without_a_handler_a_failed_thread_shuts_the_client_down_to_error() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = cluster_with(&[("in", 1), ("out", 1)]);
    produce(&cluster, "in", &["a".into(), "boom".into(), "b".into()]);
    let armed = Arc::new(AtomicBool::new(true));
    let mut app = KafkaStreams::new(
        fused_topology("in", "out", &armed, false),
        cluster,
        config("shutdown", dir.path()),
    )
    .unwrap();
    let heard = listen(&mut app);
    app.start().unwrap();
    let err = app.wait_until_caught_up(Duration::from_secs(30)).unwrap_err();
    match &err {
        Error::ThreadFailed { thread, source } => {
            assert_eq!(thread, "shutdown-StreamThread-1");
            assert!(
                matches!(&**source, Error::Processor { source, .. } if source.to_string() == "boom"),
                "{source}"
            );
        }
        other => panic!("expected the thread's failure, got {other}"),
    }
    wait_for_state(&app, StreamsState::Error);
    let heard = heard.lock().unwrap().clone();
    assert_eq!(
        heard.first(),
        Some(&(StreamsState::Created, StreamsState::Rebalancing))
    );
    assert_eq!(
        heard[heard.len() - 2..],
        [
            (heard[heard.len() - 2].0, StreamsState::PendingError),
            (StreamsState::PendingError, StreamsState::Error)
        ]
    );
    // An application in ERROR is closed already, and stays in ERROR.
    assert!(app.close(Duration::from_secs(5)));
    assert_eq!(app.state(), StreamsState::Error);
}

#[test]
fn the_listener_hears_every_transition_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = cluster_with(&[("in", 2), ("out", 2)]);
    produce(&cluster, "in", &["x".into(), "y".into()]);
    let mut app = KafkaStreams::new(
        fused_topology("in", "out", &Arc::new(AtomicBool::new(false)), false),
        cluster,
        config("listened", dir.path()),
    )
    .unwrap();
    let heard = listen(&mut app);
    app.start().unwrap();
    wait_for_state(&app, StreamsState::Running);
    app.wait_until_caught_up(Duration::from_secs(30)).unwrap();
    assert!(app.close(Duration::from_secs(30)));
    let heard = heard.lock().unwrap().clone();
    assert_eq!(
        heard.first(),
        Some(&(StreamsState::Created, StreamsState::Rebalancing))
    );
    assert!(
        heard.contains(&(StreamsState::Rebalancing, StreamsState::Running)),
        "{heard:?}"
    );
    assert_eq!(
        heard[heard.len() - 2..],
        [
            (StreamsState::Running, StreamsState::PendingShutdown),
            (StreamsState::PendingShutdown, StreamsState::NotRunning)
        ]
    );
    for pair in heard.windows(2) {
        assert_eq!(pair[0].1, pair[1].0, "transitions out of order: {heard:?}");
    }
    assert!(
        heard.iter().all(|(old, new)| old.can_transition_to(*new)),
        "{heard:?}"
    );
}

#[test]
fn hooks_are_set_before_start_and_start_happens_once() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = cluster_with(&[("in", 1), ("out", 1)]);
    let mut app = KafkaStreams::new(
        fused_topology("in", "out", &Arc::new(AtomicBool::new(false)), false),
        cluster,
        config("hooks", dir.path()),
    )
    .unwrap();
    app.start().unwrap();
    let err = app.set_state_listener(|_, _| {}).unwrap_err();
    assert!(matches!(err, Error::InvalidState { .. }), "{err}");
    let err = app
        .set_uncaught_exception_handler(|_| StreamThreadExceptionResponse::ShutdownClient)
        .unwrap_err();
    assert!(matches!(err, Error::InvalidState { .. }), "{err}");
    let err = app.start().unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidState {
                operation: "start",
                ..
            }
        ),
        "{err}"
    );
    assert!(app.close(Duration::from_secs(30)));
}

#[test]
fn clean_up_removes_the_local_state_only_when_no_thread_runs() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = cluster_with(&[("in", 2), ("out", 2)]);
    produce(&cluster, "in", &["x".into(), "y".into()]);
    let b = StreamsBuilder::new();
    b.stream("in", Consumed::with(StringSerde, StringSerde))
        .group_by_key(kstream::Grouped::with(StringSerde, StringSerde))
        .count(kstream::Materialized::with(StringSerde, kstream::I64Serde).named("counts"));
    let app_dir = dir.path().join("cleaned");
    let mut app = KafkaStreams::new(b.build().unwrap(), cluster, config("cleaned", dir.path())).unwrap();
    // The task directories hold checkpoints and persistent stores; one is enough to see
    // the whole application directory go.
    std::fs::create_dir_all(app_dir.join("0_0")).unwrap();
    std::fs::write(app_dir.join("0_0").join(".checkpoint"), "0\n0\n").unwrap();
    app.start().unwrap();
    app.wait_until_caught_up(Duration::from_secs(30)).unwrap();
    let err = app.clean_up().unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidState {
                state: StreamsState::Running | StreamsState::Rebalancing,
                ..
            }
        ),
        "{err}"
    );
    assert!(app_dir.exists());
    assert!(app.close(Duration::from_secs(30)));
    app.clean_up().unwrap();
    assert!(!app_dir.exists());
    assert!(dir.path().exists(), "only the application's directory goes");
    // Nothing left to remove is not an error.
    app.clean_up().unwrap();
}

/// Panics on its first record.
struct Panicky;

impl Processor<String, String, String, String> for Panicky {
    fn process(
        &mut self,
        _: &mut ProcessorContext<'_, String, String>,
        _: String,
        _: String,
    ) -> Result<(), ProcessorError> {
        panic!("a processor that panics");
    }
}

#[test]
fn a_panicking_processor_shuts_the_client_down_and_close_does_not_hang() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = cluster_with(&[("in", 1), ("out", 1)]);
    produce(&cluster, "in", &["x".into()]);
    let b = StreamsBuilder::new();
    b.stream("in", Consumed::with(StringSerde, StringSerde))
        .process(|| Panicky, &[])
        .to("out", Produced::with(StringSerde, StringSerde));
    let mut app = KafkaStreams::new(b.build().unwrap(), cluster, config("panicky", dir.path())).unwrap();
    app.start().unwrap();
    wait_for_state(&app, StreamsState::Error);
    let err = app.wait_until_caught_up(Duration::from_secs(1)).unwrap_err();
    assert!(
        matches!(&err, Error::ThreadFailed { thread, source } if thread == "panicky-StreamThread-1"
            && matches!(**source, Error::ThreadPanicked)),
        "{err}"
    );
    assert!(app.close(Duration::from_secs(5)));
}

/// Emits the wall-clock time of each punctuation.
struct Ticker;

impl Processor<String, String, String, String> for Ticker {
    fn init(&mut self, ctx: &mut ProcessorContext<'_, String, String>) -> Result<(), ProcessorError> {
        ctx.schedule(Duration::from_secs(60), PunctuationType::WallClockTime);
        Ok(())
    }
    fn process(
        &mut self,
        _: &mut ProcessorContext<'_, String, String>,
        _: String,
        _: String,
    ) -> Result<(), ProcessorError> {
        Ok(())
    }
    fn punctuate(
        &mut self,
        ctx: &mut ProcessorContext<'_, String, String>,
        _: PunctuationType,
        timestamp: i64,
    ) -> Result<(), ProcessorError> {
        Ok(ctx.forward("tick".into(), timestamp.to_string())?)
    }
}

#[test]
fn wall_clock_punctuation_goes_by_the_injected_clock() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = cluster_with(&[("in", 1), ("out", 1)]);
    let b = StreamsBuilder::new();
    b.stream("in", Consumed::with(StringSerde, StringSerde))
        .process(|| Ticker, &[])
        .to("out", Produced::with(StringSerde, StringSerde));
    let clock = ManualClock::new(1_000_000);
    let mut app = KafkaStreams::with_clock(
        b.build().unwrap(),
        cluster.clone(),
        config("ticking", dir.path()),
        clock.clone(),
    )
    .unwrap();
    app.start().unwrap();
    wait_for_state(&app, StreamsState::Running);
    // A minute of real time would pass before the first tick on the system clock:
    // none comes while the injected clock stands still.
    std::thread::sleep(Duration::from_millis(300));
    assert!(read_values(&cluster, "out", 1, 1).is_empty());
    clock.advance(60_000);
    assert_eq!(
        read_values(&cluster, "out", 1, 1),
        BTreeSet::from(["1060000".to_string()])
    );
    assert!(app.close(Duration::from_secs(30)));
}
