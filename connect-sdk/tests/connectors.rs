//! A source and a sink connector written against the traits, run the way a worker
//! runs them: config validated first, task configs split, a source task resuming from
//! committed offsets, records through the connector config's converters and transforms
//! (one of them user-written), and a sink task's pre-commit.

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
