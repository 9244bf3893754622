//! `FileStreamSourceConnector` and `FileStreamSinkConnector` on files of a temp dir.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use connect_sdk::connector::{
    Connector, OffsetReader, SinkConnector, SourceConnector, SourceTask, TopicPartition, validate_config,
};
use connect_sdk::connectors::{FileStreamSinkConnector, FileStreamSourceConnector, FileStreamSourceTask};
use connect_sdk::data::{Schema, SchemaBuilder, Struct, Type, Value};
use connect_sdk::record::{ConnectRecord, SinkRecord, SourceRecord};
use connect_sdk::{Error, Result};

use super::{Pairs, Stored, TempDir, append, key_of, map, props};

// ---- FileStreamSource ----

fn file_source(
    path: &Path,
    extra: &[(&str, &str)],
    offsets: &dyn OffsetReader,
) -> Result<Box<dyn SourceTask>> {
    let mut config = props(&[("file", path.to_str().expect("a UTF-8 path")), ("topic", "lines")]);
    config.extend(props(extra));
    let mut connector = FileStreamSourceConnector::new();
    connector.start(&config)?;
    let mut tasks = connector.task_configs(4)?;
    assert_eq!(tasks.len(), 1, "one task, whatever tasks.max");
    let mut task = connector.create_task();
    task.start(&tasks.remove(0), offsets)?;
    Ok(task)
}

fn lines_and_positions(records: &[SourceRecord]) -> Vec<(String, i64)> {
    records
        .iter()
        .map(|r| {
            let line = r.record.value.as_str().expect("a string value").to_owned();
            match r.source_offset.map_get("position") {
                Some(Value::Int64(p)) => (line, *p),
                other => panic!("no position in {other:?}"),
            }
        })
        .collect()
}

#[test]
fn file_source_reads_lines_with_their_byte_positions() -> Result<()> {
    let dir = TempDir::new();
    let path = dir.file("in.txt");
    append(&path, "héllo\r\nworld\nbare\rlast");
    let mut task = file_source(&path, &[], &Stored::default())?;
    let records = task.poll()?;
    // "héllo" is 6 bytes, and its line end 2.
    assert_eq!(
        lines_and_positions(&records),
        [
            ("héllo".to_owned(), 8),
            ("world".to_owned(), 14),
            ("bare".to_owned(), 19)
        ]
    );
    let first = &records[0];
    assert_eq!(
        first.source_partition,
        map(vec![(
            "filename",
            Value::String(path.to_str().expect("UTF-8").to_owned())
        )])
    );
    assert_eq!(first.record.topic, "lines");
    assert_eq!(first.record.key, Value::Null);
    assert_eq!(first.record.key_schema, None);
    let schema = first.record.value_schema.as_ref().expect("a value schema");
    assert_eq!(schema.kind(), Type::String);
    assert!(first.record.timestamp.is_some());

    append(&path, "line\n");
    assert_eq!(lines_and_positions(&task.poll()?), [("lastline".to_owned(), 28)]);
    task.stop()
}

#[test]
fn file_source_holds_back_a_partial_line_until_its_line_end() -> Result<()> {
    let dir = TempDir::new();
    let path = dir.file("in.txt");
    append(&path, "partial");
    let mut task = file_source(&path, &[], &Stored::default())?;
    assert!(task.poll()?.is_empty());
    append(&path, " line\r");
    // A `\r` may be the start of `\r\n`: wait for the next byte.
    assert!(task.poll()?.is_empty());
    append(&path, "\nnext");
    assert_eq!(
        lines_and_positions(&task.poll()?),
        [("partial line".to_owned(), 14)]
    );
    assert!(task.poll()?.is_empty());
    Ok(())
}

#[test]
fn file_source_resumes_from_the_stored_position() -> Result<()> {
    let dir = TempDir::new();
    let path = dir.file("in.txt");
    append(&path, "one\ntwo\nthree\n");
    let partition = map(vec![(
        "filename",
        Value::String(path.to_str().expect("UTF-8").to_owned()),
    )]);
    let stored = Stored::with(partition.clone(), map(vec![("position", Value::Int64(4))]));
    let mut task = file_source(&path, &[], &stored)?;
    assert_eq!(
        lines_and_positions(&task.poll()?),
        [("two".to_owned(), 8), ("three".to_owned(), 14)]
    );

    // What a first run commits is where a second one starts.
    let mut first = file_source(&path, &[], &Stored::default())?;
    let records = first.poll()?;
    append(&path, "four\n");
    let mut second = file_source(&path, &[], &Stored::committed(&records[..1]))?;
    assert_eq!(
        lines_and_positions(&second.poll()?),
        [
            ("two".to_owned(), 8),
            ("three".to_owned(), 14),
            ("four".to_owned(), 19)
        ]
    );

    let wrong = Stored::with(partition, map(vec![("position", Value::String("4".into()))]));
    let err = file_source(&path, &[], &wrong)
        .err()
        .expect("a position of the wrong type");
    assert_eq!(err.to_string(), "Offset position is the incorrect type");
    Ok(())
}

#[test]
fn file_source_waits_for_a_file_that_does_not_exist_yet() -> Result<()> {
    let dir = TempDir::new();
    let path = dir.file("later.txt");
    let mut task = file_source(&path, &[], &Stored::default())?;
    let started = Instant::now();
    assert!(task.poll()?.is_empty());
    assert!(task.poll()?.is_empty());
    assert!(
        started.elapsed() >= Duration::from_millis(150),
        "it waits between looks"
    );
    append(&path, "here\n");
    assert_eq!(lines_and_positions(&task.poll()?), [("here".to_owned(), 5)]);
    Ok(())
}

#[test]
fn file_source_returns_at_most_batch_size_records_a_poll() -> Result<()> {
    let dir = TempDir::new();
    let path = dir.file("in.txt");
    append(&path, "a\nb\nc\nd\ne\n");
    let mut task = file_source(&path, &[("batch.size", "2")], &Stored::default())?;
    let sizes: Vec<usize> = (0..4)
        .map(|_| task.poll().map(|r| r.len()))
        .collect::<Result<_>>()?;
    assert_eq!(sizes, [2, 2, 1, 0]);
    Ok(())
}

#[test]
fn file_source_config_errors_name_the_key() {
    let connector = FileStreamSourceConnector::new();
    let cases: &[(Pairs, &str, &str)] = &[
        (
            &[("file", "in.txt")],
            "topic",
            r#"Missing required configuration "topic" which has no default value."#,
        ),
        (
            &[("file", "in.txt"), ("topic", "a,b")],
            "topic",
            "Invalid value a,b for configuration topic: 'topic' in FileStreamSourceConnector configuration requires definition of a single topic",
        ),
        (
            &[("file", "in.txt"), ("topic", "  ")],
            "topic",
            "Invalid value  for configuration topic: String must be non-empty",
        ),
        (
            &[("topic", "t"), ("batch.size", "many")],
            "batch.size",
            "Invalid value many for configuration batch.size: Not a number of type INT",
        ),
        (
            &[("topic", "t"), ("batch.size", "1.5")],
            "batch.size",
            "Invalid value 1.5 for configuration batch.size: Not a number of type INT",
        ),
    ];
    for (config, key, message) in cases {
        let config = props(config);
        let err = validate_config(&connector, &config).expect_err("an invalid config");
        assert_eq!(key_of(&err), *key);
        assert_eq!(err.to_string(), *message);
        let err = FileStreamSourceConnector::new()
            .start(&config)
            .expect_err("start refuses it too");
        assert_eq!(key_of(&err), *key);
        let err = FileStreamSourceTask::new()
            .start(&config, &Stored::default())
            .expect_err("and the task");
        assert_eq!(key_of(&err), *key);
    }
    let def = FileStreamSourceConnector::config_def();
    let batch = def.key("batch.size").expect("batch.size");
    assert_eq!(batch.default.as_deref(), Some("2000"));
    assert!(def.key("file").expect("file").default_null);
    assert!(def.key("topic").expect("topic").default.is_none());
}

// ---- FileStreamSink ----

fn sink_record(value_schema: Option<Schema>, value: Value, offset: i64) -> SinkRecord {
    let mut record = ConnectRecord::new("out", value_schema, value);
    record.kafka_partition = Some(0);
    SinkRecord {
        record,
        kafka_offset: offset,
    }
}

#[test]
fn file_sink_appends_a_line_a_record_and_flushes() -> Result<()> {
    let dir = TempDir::new();
    let path = dir.file("sub-out.txt");
    let mut connector = FileStreamSinkConnector::new();
    let config = props(&[("file", path.to_str().expect("UTF-8")), ("topics", "out")]);
    connector.start(&config)?;
    let configs = connector.task_configs(3)?;
    assert_eq!(configs.len(), 3, "as many tasks as asked");
    let mut task = connector.create_task();
    task.start(&configs[0])?;

    let schema = SchemaBuilder::record()
        .field("id", Schema::int64())?
        .field("name", Schema::optional_string())?
        .build();
    let mut row = Struct::new(schema.clone())?;
    row.put("id", 7i64)?;
    task.put(&[
        sink_record(Some(Schema::string()), "first".into(), 0),
        sink_record(None, Value::Null, 1),
        sink_record(Some(Schema::int32()), Value::Int32(42), 2),
        sink_record(Some(Schema::float64()), Value::Float64(2.5), 3),
        sink_record(Some(schema), Value::Struct(row), 4),
    ])?;
    let offsets = BTreeMap::from([(
        TopicPartition {
            topic: "out".into(),
            partition: 0,
        },
        5,
    )]);
    task.flush(&offsets)?;
    assert_eq!(
        fs::read_to_string(&path).map_err(|e| Error::task(e.to_string()))?,
        "first\nnull\n42\n2.5\nStruct{id=7}\n"
    );
    task.stop()?;

    // A second task appends to what is there.
    let mut again = connector.create_task();
    again.start(&configs[1])?;
    again.put(&[sink_record(Some(Schema::string()), "more".into(), 5)])?;
    again.stop()?;
    let text = fs::read_to_string(&path).map_err(|e| Error::task(e.to_string()))?;
    assert!(text.ends_with("Struct{id=7}\nmore\n"), "{text}");
    Ok(())
}

#[test]
fn file_sink_reports_a_file_it_cannot_create() {
    let dir = TempDir::new();
    let path = dir.file("no-such-dir").join("out.txt");
    let mut task = FileStreamSinkConnector::new().create_task();
    let err = task
        .start(&props(&[("file", path.to_str().expect("UTF-8"))]))
        .expect_err("no directory");
    assert!(
        err.to_string().starts_with("Couldn't find or create file"),
        "{err}"
    );
}
