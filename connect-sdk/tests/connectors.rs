//! A source and a sink connector written against the traits, run the way a worker
//! runs them: config validated first, task configs split, a source task resuming from
//! committed offsets, records through the connector config's converters and transforms
//! (one of them user-written, others gated by predicates), a sink task's pre-commit, and
//! the partitions the worker opens and closes on a sink task as its group moves them.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use connect_sdk::config::Properties;
use connect_sdk::config_def::{ConfigDef, ConfigType, Importance, Validator};
use connect_sdk::connector::{
    Connector, OffsetReader, SinkConnector, SinkTask, SourceConnector, SourceTask, TopicPartition,
    validate_config,
};
use connect_sdk::data::{Schema, SchemaBuilder, Struct, Value};
use connect_sdk::pipeline::RecordPipeline;
use connect_sdk::record::{ConnectRecord, SinkRecord, SourceRecord};
use connect_sdk::transforms::Transform;
use connect_sdk::{Error, Result};

/// A "table" of rows `id, name` that the source reads in id order, 2 rows a poll.
#[derive(Default)]
struct TableSource {
    config: Properties,
}

fn row_schema() -> Schema {
    SchemaBuilder::record()
        .name("shop.Customer")
        .field("id", Schema::int64())
        .and_then(|b| b.field("name", Schema::string()))
        .expect("a schema")
        .build()
}

impl Connector for TableSource {
    fn config_def(&self) -> ConfigDef {
        ConfigDef::new()
            .define(
                "topic",
                ConfigType::String,
                None,
                Some(Validator::NonEmptyString),
                Importance::High,
                "Target topic.",
            )
            .define(
                "rows",
                ConfigType::Int,
                Some("5"),
                Some(Validator::Range {
                    min: Some(0.0),
                    max: None,
                }),
                Importance::Low,
                "Rows in the table.",
            )
    }

    fn start(&mut self, config: &Properties) -> Result<()> {
        self.config = config.clone();
        Ok(())
    }

    fn task_configs(&self, max_tasks: usize) -> Result<Vec<Properties>> {
        // One table: one task, whatever the maximum.
        Ok(vec![self.config.clone(); max_tasks.min(1)])
    }

    fn stop(&mut self) -> Result<()> {
        Ok(())
    }
}

impl SourceConnector for TableSource {
    fn create_task(&self) -> Box<dyn SourceTask> {
        Box::new(TableTask::default())
    }
}

#[derive(Default)]
struct TableTask {
    topic: String,
    rows: i64,
    next: i64,
}

fn table_partition() -> Value {
    Value::Map(vec![("table".into(), "customers".into())])
}

impl SourceTask for TableTask {
    fn start(&mut self, config: &Properties, offsets: &dyn OffsetReader) -> Result<()> {
        let parsed = TableSource::default().config_def().parse(config)?;
        self.topic = parsed["topic"].to_string();
        self.rows = parsed["rows"]
            .to_string()
            .parse()
            .map_err(|_| Error::task("rows"))?;
        self.next = match offsets.offset(&table_partition())? {
            Some(offset) => match offset.map_get("id") {
                Some(Value::Int64(id)) => id + 1,
                _ => return Err(Error::task("a stored offset without an id")),
            },
            None => 1,
        };
        Ok(())
    }

    fn poll(&mut self) -> Result<Vec<SourceRecord>> {
        let mut batch = Vec::new();
        while batch.len() < 2 && self.next <= self.rows {
            let mut row = Struct::new(row_schema())?;
            row.put("id", self.next)?
                .put("name", format!("customer {}", self.next))?;
            batch.push(SourceRecord {
                source_partition: table_partition(),
                source_offset: Value::Map(vec![("id".into(), Value::Int64(self.next))]),
                record: ConnectRecord::new(self.topic.clone(), Some(row_schema()), Value::Struct(row)),
            });
            self.next += 1;
        }
        Ok(batch)
    }

    fn stop(&mut self) -> Result<()> {
        Ok(())
    }
}

/// Offsets as a worker stores them: the last source offset per source partition.
#[derive(Default)]
struct Offsets(HashMap<String, Value>);

impl Offsets {
    fn commit(&mut self, record: &SourceRecord) {
        self.0.insert(
            format!("{:?}", record.source_partition),
            record.source_offset.clone(),
        );
    }
}

impl OffsetReader for Offsets {
    fn offset(&self, partition: &Value) -> Result<Option<Value>> {
        Ok(self.0.get(&format!("{partition:?}")).cloned())
    }
}

/// A user's own transform: upper-cases the `name` field.
struct UpperName;

impl Transform for UpperName {
    fn apply(&mut self, mut record: ConnectRecord) -> Result<Option<ConnectRecord>> {
        if let Value::Struct(row) = &mut record.value {
            let name = row.get("name")?.as_str().unwrap_or_default().to_uppercase();
            row.put("name", name)?;
        }
        Ok(Some(record))
    }
}

fn source_config() -> Properties {
    Properties::from([
        ("connector.class".into(), "TableSource".into()),
        ("topic".into(), "customers".into()),
        ("rows".into(), "5".into()),
        ("transforms".into(), "createKey,extractInt".into()),
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
            "key.converter".into(),
            "org.apache.kafka.connect.converters.LongConverter".into(),
        ),
        (
            "value.converter".into(),
            "org.apache.kafka.connect.json.JsonConverter".into(),
        ),
        ("value.converter.schemas.enable".into(), "false".into()),
    ])
}

#[test]
fn a_source_runs_through_its_config_and_resumes_from_its_offsets() {
    let mut connector = TableSource::default();
    let config = source_config();
    validate_config(&connector, &config).unwrap();
    connector.start(&config).unwrap();
    let task_configs = connector.task_configs(4).unwrap();
    assert_eq!(task_configs.len(), 1);

    let mut pipeline = RecordPipeline::from_properties(&config).unwrap();
    let mut offsets = Offsets::default();
    let mut written = Vec::new();
    let mut task = connector.create_task();
    task.start(&task_configs[0], &offsets).unwrap();
    // Two polls, then the task is stopped as by a restart.
    for _ in 0..2 {
        for record in task.poll().unwrap() {
            written.push(pipeline.write(record.record.clone()).unwrap().unwrap());
            offsets.commit(&record);
        }
    }
    task.stop().unwrap();
    let mut task = connector.create_task();
    task.start(&task_configs[0], &offsets).unwrap();
    loop {
        let batch = task.poll().unwrap();
        if batch.is_empty() {
            break;
        }
        for record in batch {
            written.push(pipeline.write(record.record.clone()).unwrap().unwrap());
            offsets.commit(&record);
        }
    }
    // Every row once, keyed by its id as an 8-byte long, the value plain JSON.
    let keys: Vec<i64> = written
        .iter()
        .map(|b| i64::from_be_bytes(b.key.as_deref().unwrap().try_into().unwrap()))
        .collect();
    assert_eq!(keys, vec![1, 2, 3, 4, 5]);
    assert_eq!(
        written[4].value.as_deref(),
        Some(&br#"{"id":5,"name":"customer 5"}"#[..])
    );
    assert_eq!(written[0].topic, "customers");
}

#[test]
fn a_config_missing_a_required_key_is_refused_naming_it() {
    let connector = TableSource::default();
    let mut config = source_config();
    config.remove("topic");
    let err = validate_config(&connector, &config).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Missing required configuration \"topic\" which has no default value."
    );
    config.insert("topic".into(), "t".into());
    config.insert("rows".into(), "-1".into());
    let err = validate_config(&connector, &config).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Invalid value -1 for configuration rows: Value must be at least 0"
    );
}

#[test]
fn a_user_written_transform_runs_in_a_chain() {
    let config = source_config();
    let mut chain = connect_sdk::transforms::TransformChain::from_properties(&config).unwrap();
    chain.push("upper", Box::new(UpperName));
    let mut row = Struct::new(row_schema()).unwrap();
    row.put("id", 9i64).unwrap().put("name", "ann").unwrap();
    let out = chain
        .apply(ConnectRecord::new(
            "customers",
            Some(row_schema()),
            Value::Struct(row),
        ))
        .unwrap()
        .unwrap();
    assert_eq!(out.key, Value::Int64(9));
    assert_eq!(
        out.value.as_struct().unwrap().get("name").unwrap(),
        &Value::from("ANN")
    );
}

/// A sink that writes rows into a shared list, and commits only what it has written.
struct ListSink {
    rows: Arc<Mutex<Vec<(TopicPartition, i64, Value)>>>,
    buffered: Vec<SinkRecord>,
}

impl SinkTask for ListSink {
    fn start(&mut self, _config: &Properties) -> Result<()> {
        Ok(())
    }

    fn put(&mut self, records: &[SinkRecord]) -> Result<()> {
        self.buffered.extend_from_slice(records);
        Ok(())
    }

    fn flush(&mut self, _offsets: &BTreeMap<TopicPartition, i64>) -> Result<()> {
        let mut rows = self.rows.lock().unwrap();
        for r in self.buffered.drain(..) {
            let tp = TopicPartition {
                topic: r.record.topic.clone(),
                partition: r.record.kafka_partition.unwrap_or(0),
            };
            rows.push((tp, r.kafka_offset, r.record.value));
        }
        Ok(())
    }

    fn stop(&mut self) -> Result<()> {
        Ok(())
    }
}

struct ListSinkConnector(Arc<Mutex<Vec<(TopicPartition, i64, Value)>>>);

impl Connector for ListSinkConnector {
    fn config_def(&self) -> ConfigDef {
        ConfigDef::new().define(
            "topics",
            ConfigType::List,
            None,
            Some(Validator::NonEmptyList),
            Importance::High,
            "Topics to read.",
        )
    }

    fn start(&mut self, _config: &Properties) -> Result<()> {
        Ok(())
    }

    fn task_configs(&self, max_tasks: usize) -> Result<Vec<Properties>> {
        Ok(vec![Properties::new(); max_tasks])
    }

    fn stop(&mut self) -> Result<()> {
        Ok(())
    }
}

impl SinkConnector for ListSinkConnector {
    fn create_task(&self) -> Box<dyn SinkTask> {
        Box::new(ListSink {
            rows: self.0.clone(),
            buffered: Vec::new(),
        })
    }
}

#[test]
fn a_sink_task_is_given_converted_records_and_commits_what_it_flushed() {
    let rows = Arc::new(Mutex::new(Vec::new()));
    let connector = ListSinkConnector(rows.clone());
    let config = Properties::from([
        ("topics".into(), "orders".into()),
        (
            "value.converter".into(),
            "org.apache.kafka.connect.json.JsonConverter".into(),
        ),
        ("value.converter.schemas.enable".into(), "false".into()),
        (
            "key.converter".into(),
            "org.apache.kafka.connect.storage.StringConverter".into(),
        ),
    ]);
    validate_config(&connector, &config).unwrap();
    assert!(validate_config(&connector, &Properties::from([("topics".into(), "".into())])).is_err());
    let mut pipeline = RecordPipeline::from_properties(&config).unwrap();
    let mut task = connector.create_task();
    task.start(&config).unwrap();
    let tp = TopicPartition {
        topic: "orders".into(),
        partition: 0,
    };
    task.open(std::slice::from_ref(&tp)).unwrap();
    let records: Vec<SinkRecord> = (0..3)
        .map(|offset| {
            let bytes = connect_sdk::pipeline::KafkaBytes {
                topic: "orders".into(),
                key: Some(format!("k{offset}").into_bytes()),
                value: Some(format!(r#"{{"n":{offset}}}"#).into_bytes()),
            };
            let mut record = pipeline.read(&bytes).unwrap().unwrap();
            record.kafka_partition = Some(0);
            SinkRecord {
                record,
                kafka_offset: offset,
            }
        })
        .collect();
    task.put(&records).unwrap();
    let committable = task.pre_commit(&BTreeMap::from([(tp.clone(), 3)])).unwrap();
    assert_eq!(committable, BTreeMap::from([(tp.clone(), 3)]));
    let rows = rows.lock().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[2].2.map_get("n"), Some(&Value::Int64(2)));
}

/// The predicate keys of a connector config: `transforms.X.predicate` names one of
/// `predicates`, configured by its `predicates.P.*` keys, and `transforms.X.negate`
/// turns it around.
fn gated_chain_config() -> Properties {
    Properties::from([
        ("transforms".into(), "dropTombstones,maskCc".into()),
        (
            "transforms.dropTombstones.type".into(),
            "org.apache.kafka.connect.transforms.Filter".into(),
        ),
        ("transforms.dropTombstones.predicate".into(), "isTombstone".into()),
        (
            "transforms.maskCc.type".into(),
            "org.apache.kafka.connect.transforms.MaskField$Value".into(),
        ),
        ("transforms.maskCc.fields".into(), "cc".into()),
        ("transforms.maskCc.predicate".into(), "isOrders".into()),
        ("transforms.maskCc.negate".into(), "true".into()),
        ("predicates".into(), "isTombstone,isOrders".into()),
        (
            "predicates.isTombstone.type".into(),
            "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone".into(),
        ),
        (
            "predicates.isOrders.type".into(),
            "org.apache.kafka.connect.transforms.predicates.TopicNameMatches".into(),
        ),
        ("predicates.isOrders.pattern".into(), "orders-.*".into()),
    ])
}

fn card_row(id: i64, cc: &str) -> Value {
    Value::Map(vec![
        (Value::from("id"), Value::Int64(id)),
        (Value::from("cc"), Value::from(cc)),
    ])
}

#[test]
fn predicates_and_negate_from_a_connector_config_gate_their_transforms() {
    let mut chain = connect_sdk::transforms::TransformChain::from_properties(&gated_chain_config()).unwrap();
    let apply = |chain: &mut connect_sdk::transforms::TransformChain, topic: &str, value: Value| {
        chain.apply(ConnectRecord::new(topic, None, value)).unwrap()
    };
    // The topic matches `isOrders`, negated: not masked.
    assert_eq!(
        apply(&mut chain, "orders-eu", card_row(1, "4111")),
        Some(ConnectRecord::new("orders-eu", None, card_row(1, "4111")))
    );
    // It does not match (the whole name must): masked.
    assert_eq!(
        apply(&mut chain, "customers", card_row(2, "4222")),
        Some(ConnectRecord::new("customers", None, card_row(2, "")))
    );
    assert_eq!(
        apply(&mut chain, "my-orders-eu", card_row(3, "4333")),
        Some(ConnectRecord::new("my-orders-eu", None, card_row(3, "")))
    );
    // `isTombstone`, not negated: the filter drops tombstones of any topic, and only them.
    assert_eq!(apply(&mut chain, "orders-eu", Value::Null), None);
    assert_eq!(apply(&mut chain, "customers", Value::Null), None);
}

#[test]
fn a_transform_naming_an_undefined_predicate_is_refused_naming_it() {
    let mut config = gated_chain_config();
    config.insert("transforms.maskCc.predicate".into(), "isOrder".into());
    let err = connect_sdk::transforms::TransformChain::from_properties(&config).unwrap_err();
    assert_eq!(err.kafka_class(), "ConfigException");
    assert_eq!(
        err.to_string(),
        "Invalid value isOrder for configuration transforms.maskCc.predicate: \
         the predicate is not listed in `predicates`"
    );
    // Defined by its keys but not listed in `predicates`: undefined too, as in Kafka.
    let mut config = gated_chain_config();
    config.insert("predicates".into(), "isTombstone".into());
    let err = connect_sdk::transforms::TransformChain::from_properties(&config).unwrap_err();
    assert!(err.to_string().contains("isOrders"), "{err}");
}

/// `transforms.X.negate` without `transforms.X.predicate` is refused, set to any value,
/// with the words of Kafka Connect 4.4's `ConnectorConfig` (its transformation plugin's
/// `validateProps`), before the transform's own keys; the goldens'
/// `connector_config_cases` compare with Kafka's own.
#[test]
fn a_transform_negated_without_a_predicate_is_refused_as_kafka_refuses_it() {
    for negate in ["true", "false"] {
        let mut config = gated_chain_config();
        config.remove("transforms.maskCc.predicate");
        config.remove("transforms.maskCc.fields");
        config.insert("transforms.maskCc.negate".into(), negate.into());
        let err = connect_sdk::transforms::TransformChain::from_properties(&config).unwrap_err();
        assert_eq!(err.kafka_class(), "ConfigException");
        assert_eq!(
            err.to_string(),
            "Config 'transforms.maskCc.negate' was provided but there is no config \
             'transforms.maskCc.predicate' defining a predicate to be negated."
        );
    }
}

/// What the worker called on a sink task: the task (numbered in the order the
/// connector made them) and the call, in the order they happened.
#[derive(Debug, Clone, PartialEq)]
enum Call {
    Open(Vec<TopicPartition>),
    Put(Vec<TopicPartition>),
    Close(Vec<TopicPartition>),
    Stop,
}

#[derive(Default)]
struct Calls {
    tasks_made: std::sync::atomic::AtomicUsize,
    log: Mutex<Vec<(usize, Call)>>,
}

impl Calls {
    fn push(&self, task: usize, call: Call) {
        self.log.lock().unwrap().push((task, call));
    }

    fn log(&self) -> Vec<(usize, Call)> {
        self.log.lock().unwrap().clone()
    }
}

fn sorted(partitions: impl IntoIterator<Item = TopicPartition>) -> Vec<TopicPartition> {
    let mut partitions: Vec<TopicPartition> = partitions.into_iter().collect();
    partitions.sort();
    partitions.dedup();
    partitions
}

/// A sink connector whose tasks only record the worker's calls (and fail on a record
/// `poison`).
struct RecordingSink(Arc<Calls>);

impl Connector for RecordingSink {
    fn config_def(&self) -> ConfigDef {
        ConfigDef::new()
    }

    fn start(&mut self, _config: &Properties) -> Result<()> {
        Ok(())
    }

    fn task_configs(&self, max_tasks: usize) -> Result<Vec<Properties>> {
        Ok(vec![Properties::new(); max_tasks])
    }

    fn stop(&mut self) -> Result<()> {
        Ok(())
    }
}

impl SinkConnector for RecordingSink {
    fn create_task(&self) -> Box<dyn SinkTask> {
        let id = self
            .0
            .tasks_made
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Box::new(RecordingSinkTask {
            id,
            calls: self.0.clone(),
        })
    }
}

struct RecordingSinkTask {
    id: usize,
    calls: Arc<Calls>,
}

impl SinkTask for RecordingSinkTask {
    fn start(&mut self, _config: &Properties) -> Result<()> {
        Ok(())
    }

    fn open(&mut self, partitions: &[TopicPartition]) -> Result<()> {
        self.calls
            .push(self.id, Call::Open(sorted(partitions.iter().cloned())));
        Ok(())
    }

    fn put(&mut self, records: &[SinkRecord]) -> Result<()> {
        let partitions = sorted(records.iter().map(|r| TopicPartition {
            topic: r.record.topic.clone(),
            partition: r.record.kafka_partition.expect("a sink record's partition"),
        }));
        self.calls.push(self.id, Call::Put(partitions));
        if records.iter().any(|r| r.record.value.as_str() == Some("poison")) {
            return Err(Error::task("a poison record"));
        }
        Ok(())
    }

    fn close(&mut self, partitions: &[TopicPartition]) -> Result<()> {
        self.calls
            .push(self.id, Call::Close(sorted(partitions.iter().cloned())));
        Ok(())
    }

    fn stop(&mut self) -> Result<()> {
        self.calls.push(self.id, Call::Stop);
        Ok(())
    }
}

/// The partitions each task owns after `log` (opened and not closed since), and
/// whether it has stopped; fails where a call breaks the sink task contract: a
/// partition opened twice or by two tasks at once, a close or put of a partition the
/// task does not own, a stop with partitions still open, or a call after the stop.
fn replay(log: &[(usize, Call)]) -> BTreeMap<usize, (Vec<TopicPartition>, bool)> {
    let mut tasks: BTreeMap<usize, (Vec<TopicPartition>, bool)> = BTreeMap::new();
    for (at, (task, call)) in log.iter().enumerate() {
        let others: Vec<TopicPartition> = tasks
            .iter()
            .filter(|(t, _)| *t != task)
            .flat_map(|(_, (owned, _))| owned.clone())
            .collect();
        let (owned, stopped) = tasks.entry(*task).or_default();
        let context = || format!("call {at} ({call:?}) of task {task} in {log:#?}");
        assert!(!*stopped, "a call after the task stopped: {}", context());
        match call {
            Call::Open(partitions) => {
                assert!(!partitions.is_empty(), "an empty open: {}", context());
                for p in partitions {
                    assert!(!owned.contains(p), "opened twice: {}", context());
                    assert!(!others.contains(p), "open in another task: {}", context());
                }
                *owned = sorted(owned.iter().chain(partitions).cloned());
            }
            Call::Put(partitions) => {
                for p in partitions {
                    assert!(owned.contains(p), "a put of a partition not open: {}", context());
                }
            }
            Call::Close(partitions) => {
                for p in partitions {
                    assert!(
                        owned.contains(p),
                        "a close of a partition not open: {}",
                        context()
                    );
                }
                owned.retain(|p| !partitions.contains(p));
            }
            Call::Stop => {
                assert!(owned.is_empty(), "stopped with partitions open: {}", context());
                *stopped = true;
            }
        }
    }
    tasks
}

fn wait_until(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !check() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// A worker on the embedded log with the recording sink, and topic `orders` of two
/// partitions.
fn recording_worker(calls: &Arc<Calls>) -> (streamlog::Cluster, connect_sdk::worker::Worker) {
    let cluster = streamlog::Cluster::embedded();
    cluster
        .admin()
        .unwrap()
        .create_topic("orders", &streamlog::TopicConfig::new(2))
        .unwrap();
    let for_factory = calls.clone();
    let plugins = connect_sdk::worker::Plugins::builtin().with_sink(
        "com.example.RecordingSinkConnector",
        &[],
        move || Box::new(RecordingSink(for_factory.clone())),
    );
    let worker_config = connect_sdk::worker::WorkerConfig::from_properties(&Properties::from([
        ("offset.flush.interval.ms".into(), "100".into()),
        (
            "value.converter".into(),
            "org.apache.kafka.connect.storage.StringConverter".into(),
        ),
    ]))
    .unwrap();
    let worker = connect_sdk::worker::Worker::start(worker_config, cluster.clone(), plugins).unwrap();
    (cluster, worker)
}

#[test]
fn a_sink_task_opens_and_closes_the_partitions_its_group_moves() {
    use streamlog::{ClientConfig, ProducerRecord};

    let calls = Arc::new(Calls::default());
    let (cluster, worker) = recording_worker(&calls);
    let connector_config = |tasks: &str| {
        Properties::from([
            ("connector.class".into(), "RecordingSinkConnector".into()),
            ("topics".into(), "orders".into()),
            ("tasks.max".into(), tasks.into()),
        ])
    };
    let producer = cluster.producer(&ClientConfig::new()).unwrap();
    let send_one_to_each_partition = || {
        for partition in 0..2 {
            producer
                .send(
                    ProducerRecord::new("orders")
                        .partition(partition)
                        .value(b"o".to_vec()),
                )
                .unwrap();
        }
        producer.flush(std::time::Duration::from_secs(5)).unwrap();
    };
    let p = |partition| TopicPartition {
        topic: "orders".into(),
        partition,
    };
    let both = vec![p(0), p(1)];
    // The partitions of the records put (to any task) since call `from` of the log.
    let puts_since = |from: usize| -> Vec<TopicPartition> {
        sorted(calls.log()[from..].iter().flat_map(|(_, call)| match call {
            Call::Put(partitions) => partitions.clone(),
            _ => Vec::new(),
        }))
    };

    // One task: the group gives it both partitions.
    worker
        .create_connector("recording", connector_config("1"))
        .unwrap();
    wait_until("the one task to open both partitions", || {
        calls.log().contains(&(0, Call::Open(both.clone())))
    });
    send_one_to_each_partition();
    wait_until("a record of each partition", || puts_since(0) == both);

    // Two tasks: the first task closes both partitions and stops, and the group splits
    // them between the new two.
    let before = calls.log().len();
    worker
        .put_connector_config("recording", connector_config("2"))
        .unwrap();
    wait_until("the new tasks to own a partition each", || {
        let tasks = replay(&calls.log());
        let owned: Vec<Vec<TopicPartition>> = tasks
            .values()
            .filter(|(_, stopped)| !stopped)
            .map(|(owned, _)| owned.clone())
            .collect();
        owned.len() == 2 && owned.iter().all(|o| o.len() == 1)
    });
    let log = calls.log();
    assert_eq!(
        log[before..before + 2],
        [(0, Call::Close(both.clone())), (0, Call::Stop)],
        "the first task closes what it owned, once, then stops: {log:#?}"
    );
    let before = log.len();
    send_one_to_each_partition();
    wait_until("a record of each partition again", || puts_since(before) == both);

    // Deleted: each task closes what it owns (the one stopped last may first be given
    // the other's partition as that one leaves the group), then stops; none is called
    // after its stop.
    worker.delete_connector("recording").unwrap();
    wait_until("every task to stop", || {
        let tasks = replay(&calls.log());
        tasks.len() == 3 && tasks.values().all(|(_, stopped)| *stopped)
    });
    let log = calls.log();
    for task in [1, 2] {
        let own: Vec<&Call> = log
            .iter()
            .filter(|(t, _)| *t == task)
            .map(|(_, call)| call)
            .collect();
        assert!(
            matches!(own[own.len() - 2..], [Call::Close(closed), Call::Stop] if !closed.is_empty()),
            "task {task} closes its partitions, then stops: {log:#?}"
        );
    }
    worker.shutdown();
}

#[test]
fn a_failed_sink_task_closes_its_partitions_before_it_stops() {
    use streamlog::{ClientConfig, ProducerRecord};

    let calls = Arc::new(Calls::default());
    let (cluster, worker) = recording_worker(&calls);
    worker
        .create_connector(
            "failing",
            Properties::from([
                ("connector.class".into(), "RecordingSinkConnector".into()),
                ("topics".into(), "orders".into()),
            ]),
        )
        .unwrap();
    let producer = cluster.producer(&ClientConfig::new()).unwrap();
    producer
        .send(
            ProducerRecord::new("orders")
                .partition(1)
                .value(b"poison".to_vec()),
        )
        .unwrap();
    producer.flush(std::time::Duration::from_secs(5)).unwrap();
    wait_until("the task to fail", || {
        worker.task_status("failing", 0).unwrap().status.state == connect_sdk::worker::State::Failed
    });
    wait_until("the task to stop", || calls.log().contains(&(0, Call::Stop)));
    let p = |partition| TopicPartition {
        topic: "orders".into(),
        partition,
    };
    let log = calls.log();
    replay(&log);
    assert_eq!(
        log,
        [
            (0, Call::Open(vec![p(0), p(1)])),
            (0, Call::Put(vec![p(1)])),
            (0, Call::Close(vec![p(0), p(1)])),
            (0, Call::Stop),
        ]
    );
    worker.shutdown();
}
