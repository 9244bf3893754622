//! Tasks that fail: a sink whose writes fail with a retriable error gets the same
//! records again until they pass, losing none; a source whose poll fails for good is
//! `FAILED` with the error in its status while the other connectors run on; a restart
//! of only the failed brings it back.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use connect_sdk::config::Properties;
use connect_sdk::config_def::ConfigDef;
use connect_sdk::connector::{
    Connector, OffsetReader, SinkConnector, SinkTask, SourceConnector, SourceTask, TopicPartition,
};
use connect_sdk::data::{Schema, Value};
use connect_sdk::record::{ConnectRecord, SinkRecord, SourceRecord};
use connect_sdk::worker::{Plugins, State, Worker, WorkerConfig};
use connect_sdk::{Error, Result};
use streamlog::{ClientConfig, Cluster, ProducerRecord, TopicConfig};

/// What the flaky sink received, and how many puts it refused.
#[derive(Default)]
struct Seen {
    values: Mutex<Vec<String>>,
    refused: AtomicUsize,
}

/// A sink whose first two puts fail with a retriable error.
struct FlakySink(Arc<Seen>);

impl Connector for FlakySink {
    fn config_def(&self) -> ConfigDef {
        ConfigDef::new()
    }
    fn start(&mut self, _: &Properties) -> Result<()> {
        Ok(())
    }
    fn task_configs(&self, _: usize) -> Result<Vec<Properties>> {
        Ok(vec![Properties::new()])
    }
    fn stop(&mut self) -> Result<()> {
        Ok(())
    }
}

impl SinkConnector for FlakySink {
    fn create_task(&self) -> Box<dyn SinkTask> {
        Box::new(FlakySinkTask(self.0.clone()))
    }
}

struct FlakySinkTask(Arc<Seen>);

impl SinkTask for FlakySinkTask {
    fn start(&mut self, _: &Properties) -> Result<()> {
        Ok(())
    }
    fn put(&mut self, records: &[SinkRecord]) -> Result<()> {
        if self.0.refused.load(Ordering::SeqCst) < 2 {
            self.0.refused.fetch_add(1, Ordering::SeqCst);
            return Err(Error::retriable("the database is restarting"));
        }
        let mut values = self.0.values.lock().unwrap();
        values.extend(
            records
                .iter()
                .map(|r| r.record.value.as_str().unwrap_or_default().to_owned()),
        );
        Ok(())
    }
    fn flush(&mut self, _: &BTreeMap<TopicPartition, i64>) -> Result<()> {
        Ok(())
    }
    fn stop(&mut self) -> Result<()> {
        Ok(())
    }
}

/// A source that emits one record, then fails for good on its next poll.
struct BrokenSource;

impl Connector for BrokenSource {
    fn config_def(&self) -> ConfigDef {
        ConfigDef::new()
    }
    fn start(&mut self, _: &Properties) -> Result<()> {
        Ok(())
    }
    fn task_configs(&self, _: usize) -> Result<Vec<Properties>> {
        Ok(vec![Properties::new()])
    }
    fn stop(&mut self) -> Result<()> {
        Ok(())
    }
}

impl SourceConnector for BrokenSource {
    fn create_task(&self) -> Box<dyn SourceTask> {
        Box::new(BrokenSourceTask { polls: 0 })
    }
}

struct BrokenSourceTask {
    polls: usize,
}

impl SourceTask for BrokenSourceTask {
    fn start(&mut self, _: &Properties, _: &dyn OffsetReader) -> Result<()> {
        Ok(())
    }
    fn poll(&mut self) -> Result<Vec<SourceRecord>> {
        self.polls += 1;
        if self.polls > 1 {
            return Err(Error::task("the source system refused the login"));
        }
        Ok(vec![SourceRecord {
            source_partition: Value::Map(vec![(Value::from("p"), Value::from("only"))]),
            source_offset: Value::Map(vec![(Value::from("n"), Value::Int64(1))]),
            record: ConnectRecord::new("broken-out", Some(Schema::string()), Value::from("first")),
        }])
    }
    fn stop(&mut self) -> Result<()> {
        Ok(())
    }
}

fn wait(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn retriable_put_failures_lose_nothing_and_a_failed_task_leaves_the_others_running() {
    let cluster = Cluster::embedded();
    cluster
        .admin()
        .unwrap()
        .create_topic("orders", &TopicConfig::new(1))
        .unwrap();
    let seen = Arc::new(Seen::default());
    let for_factory = seen.clone();
    let plugins = Plugins::builtin()
        .with_sink("com.example.FlakySinkConnector", &[], move || {
            Box::new(FlakySink(for_factory.clone()))
        })
        .with_source("com.example.BrokenSourceConnector", &[], || {
            Box::new(BrokenSource)
        });
    let config = WorkerConfig::from_properties(&Properties::from([
        ("offset.flush.interval.ms".into(), "100".into()),
        (
            "value.converter".into(),
            "org.apache.kafka.connect.storage.StringConverter".into(),
        ),
    ]))
    .unwrap();
    let worker = Worker::start(config, cluster.clone(), plugins).unwrap();
    worker
        .create_connector(
            "flaky",
            Properties::from([
                ("connector.class".into(), "FlakySink".into()),
                ("topics".into(), "orders".into()),
            ]),
        )
        .unwrap();
    worker
        .create_connector(
            "broken",
            Properties::from([("connector.class".into(), "BrokenSourceConnector".into())]),
        )
        .unwrap();

    let producer = cluster.producer(&ClientConfig::new()).unwrap();
    for i in 0..10 {
        producer
            .send(ProducerRecord::new("orders").value(format!("o{i}").into_bytes()))
            .unwrap();
    }
    producer.flush(Duration::from_secs(5)).unwrap();
    wait("the ten orders", || seen.values.lock().unwrap().len() == 10);
    let expected: Vec<String> = (0..10).map(|i| format!("o{i}")).collect();
    assert_eq!(
        *seen.values.lock().unwrap(),
        expected,
        "each record once, in order, after two refusals"
    );
    assert_eq!(seen.refused.load(Ordering::SeqCst), 2);
    let retries = worker
        .task_counters("flaky", 0, |c| c.errors.retries.load(Ordering::Relaxed))
        .unwrap();
    assert_eq!(retries, 2);

    wait("the broken source to fail", || {
        worker.task_status("broken", 0).unwrap().status.state == State::Failed
    });
    let status = worker.task_status("broken", 0).unwrap();
    let trace = status.status.trace.unwrap();
    assert!(trace.contains("the source system refused the login"), "{trace}");
    assert!(
        trace.starts_with("org.apache.kafka.connect.errors.ConnectException"),
        "{trace}"
    );
    assert_eq!(
        worker.connector_status("broken").unwrap().connector.status.state,
        State::Running
    );
    assert_eq!(
        worker.task_status("flaky", 0).unwrap().status.state,
        State::Running,
        "the other connector's task runs on"
    );

    // The record polled before the failure was written; restarting only what failed
    // brings the task back (it fails again on its second poll, after writing again).
    wait("the first record", || {
        cluster
            .admin()
            .unwrap()
            .end_offsets("broken-out")
            .is_ok_and(|e| e == vec![1])
    });
    let restarted = worker.restart("broken", true, true).unwrap();
    assert_eq!(restarted.tasks[0].1.status.state, State::Restarting);
    assert_eq!(
        restarted.connector.status.state,
        State::Running,
        "the connector did not fail: not restarted"
    );
    wait("the restarted task's record", || {
        cluster
            .admin()
            .unwrap()
            .end_offsets("broken-out")
            .is_ok_and(|e| e == vec![2])
    });
    worker.shutdown();
}

/// A connector whose transform is negated without a predicate: Kafka Connect's
/// validation (and so a create) leaves the alias out, and the connector fails as the
/// worker starts it, with the `ConfigException` of its `ConnectorConfig`
/// (connect-runtime 4.4, `ConnectorConfig`'s transformation `validateProps`; the
/// goldens' `connector_config_cases` hold Kafka's own words).
#[test]
fn a_transform_negated_without_a_predicate_fails_its_connector_as_it_starts() {
    let config = WorkerConfig::from_properties(&Properties::new()).unwrap();
    let worker = Worker::start(config, Cluster::embedded(), Plugins::builtin()).unwrap();
    let connector = Properties::from([
        ("name".into(), "negated".into()),
        ("connector.class".into(), "FileStreamSource".into()),
        ("file".into(), "/nonexistent/input.txt".into()),
        ("topic".into(), "lines".into()),
        ("transforms".into(), "route".into()),
        (
            "transforms.route.type".into(),
            "org.apache.kafka.connect.transforms.RegexRouter".into(),
        ),
        ("transforms.route.regex".into(), "(.*)".into()),
        ("transforms.route.replacement".into(), "$1-x".into()),
        ("transforms.route.negate".into(), "true".into()),
    ]);
    let validation = worker.validate("FileStreamSource", &connector).unwrap();
    assert_eq!(validation.error_count, 0, "{validation:?}");
    worker.create_connector("negated", connector).unwrap();
    wait("the connector to fail", || {
        worker.connector_status("negated").unwrap().connector.status.state == State::Failed
    });
    let trace = worker
        .connector_status("negated")
        .unwrap()
        .connector
        .status
        .trace
        .unwrap();
    assert!(
        trace.starts_with(
            "org.apache.kafka.common.config.ConfigException: Config 'transforms.route.negate' was \
             provided but there is no config 'transforms.route.predicate' defining a predicate to be negated."
        ),
        "{trace}"
    );
    assert!(worker.connector_status("negated").unwrap().tasks.is_empty());
}
