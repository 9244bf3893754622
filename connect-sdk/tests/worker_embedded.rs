//! The worker and its REST API on the embedded log: connectors created, paused,
//! resumed, stopped, restarted and deleted through the API; offsets read, altered and
//! reset; records that fail sent to the dead letter topic or failing their task; secrets
//! hidden; config providers; connectors restored from the config topic.

#![cfg(feature = "rest")]

mod worker_support;

use std::time::Duration;

use serde_json::json;
use streamlog::{ClientConfig, Cluster, ProducerRecord, TopicConfig};
use worker_support::{Served, eventually, lines, read_topic};

fn file_source(name: &str, file: &std::path::Path, topic: &str) -> serde_json::Value {
    json!({"name": name, "config": {
        "connector.class": "FileStreamSource",
        "file": file.display().to_string(),
        "topic": topic,
        "value.converter": "org.apache.kafka.connect.storage.StringConverter",
    }})
}

fn file_sink(name: &str, file: &std::path::Path, topic: &str) -> serde_json::Value {
    json!({"name": name, "config": {
        "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
        "file": file.display().to_string(),
        "topics": topic,
        "value.converter": "org.apache.kafka.connect.storage.StringConverter",
    }})
}

#[test]
fn a_file_goes_through_kafka_into_another_file() {
    let dir = tempfile::tempdir().unwrap();
    let (input, output) = (dir.path().join("in.txt"), dir.path().join("out.txt"));
    std::fs::write(&input, "one\ntwo\nthree\n").unwrap();
    let served = Served::start(Cluster::embedded(), &[]);
    let (code, body) = served.call("POST", "/connectors", Some(file_source("src", &input, "lines")));
    assert_eq!(code, 201, "{body}");
    assert_eq!(body["type"], "source");
    assert_eq!(body["tasks"], json!([{"connector": "src", "task": 0}]));
    assert_eq!(
        served
            .call("POST", "/connectors", Some(file_sink("sink", &output, "lines")))
            .0,
        201
    );
    served.wait_for("/connectors/src/status", "/tasks/0/state", "RUNNING");
    eventually("the three lines in the output", || {
        lines(&output) == ["one", "two", "three"]
    });
    std::fs::write(&input, "one\ntwo\nthree\nfour\n").unwrap();
    eventually("the fourth line", || lines(&output).len() == 4);

    let (code, list) = served.call("GET", "/connectors?expand=status&expand=info", None);
    assert_eq!(code, 200);
    assert_eq!(list["src"]["status"]["connector"]["state"], "RUNNING");
    assert_eq!(list["sink"]["info"]["config"]["topics"], "lines");
    assert_eq!(
        served.call("GET", "/connectors/sink/topics", None).1,
        json!({"sink": {"topics": ["lines"]}})
    );
    assert_eq!(
        served.call("GET", "/connectors/src/topics", None).1,
        json!({"src": {"topics": ["lines"]}})
    );
    let (code, tasks) = served.call("GET", "/connectors/src/tasks", None);
    assert_eq!(code, 200);
    assert_eq!(tasks[0]["id"], json!({"connector": "src", "task": 0}));

    assert_eq!(served.call("DELETE", "/connectors/src", None).0, 204);
    let (code, body) = served.call("GET", "/connectors/src", None);
    assert_eq!(
        (code, body),
        (
            404,
            json!({"error_code": 404, "message": "Connector src not found"})
        )
    );
}

#[test]
fn pause_resume_stop_and_offsets() {
    let dir = tempfile::tempdir().unwrap();
    let (input, output) = (dir.path().join("in.txt"), dir.path().join("out.txt"));
    std::fs::write(&input, "a\nb\n").unwrap();
    let served = Served::start(Cluster::embedded(), &[]);
    served.call("POST", "/connectors", Some(file_source("src", &input, "t")));
    served.call("POST", "/connectors", Some(file_sink("sink", &output, "t")));
    eventually("two lines", || lines(&output).len() == 2);

    assert_eq!(served.call("PUT", "/connectors/src/pause", None).0, 202);
    served.wait_for("/connectors/src/status", "/tasks/0/state", "PAUSED");
    std::fs::write(&input, "a\nb\nc\n").unwrap();
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(lines(&output).len(), 2, "a paused source reads nothing");
    assert_eq!(served.call("PUT", "/connectors/src/resume", None).0, 202);
    eventually("the line written while paused", || lines(&output).len() == 3);

    let (code, body) = served.call("PATCH", "/connectors/src/offsets", Some(json!({"offsets": []})));
    assert_eq!(code, 400, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("STOPPED state"),
        "{body}"
    );
    assert_eq!(served.call("PUT", "/connectors/src/stop", None).0, 204);
    let status = served.wait_for("/connectors/src/status", "/connector/state", "STOPPED");
    assert_eq!(status["tasks"], json!([]));
    let partition = json!({"filename": input.display().to_string()});
    let (_, offsets) = served.call("GET", "/connectors/src/offsets", None);
    assert_eq!(
        offsets,
        json!({"offsets": [{"partition": partition, "offset": {"position": 6}}]})
    );

    // Back to the second line: "b" and "c" are read again.
    let (code, body) = served.call(
        "PATCH",
        "/connectors/src/offsets",
        Some(json!({"offsets": [{"partition": partition, "offset": {"position": 2}}]})),
    );
    assert_eq!(
        (code, body["message"].as_str()),
        (
            200,
            Some("The offsets for this connector have been altered successfully")
        )
    );
    assert_eq!(served.call("PUT", "/connectors/src/resume", None).0, 202);
    eventually("b and c again", || lines(&output) == ["a", "b", "c", "b", "c"]);

    // Sink offsets: its group's, per partition.
    assert_eq!(served.call("PUT", "/connectors/sink/stop", None).0, 204);
    served.wait_for("/connectors/sink/status", "/connector/state", "STOPPED");
    let (_, offsets) = served.call("GET", "/connectors/sink/offsets", None);
    assert_eq!(
        offsets,
        json!({"offsets": [{"partition": {"kafka_topic": "t", "kafka_partition": 0}, "offset": {"kafka_offset": 5}}]})
    );
    let (code, body) = served.call("DELETE", "/connectors/sink/offsets", None);
    assert_eq!(
        (code, body["message"].as_str()),
        (
            200,
            Some("The offsets for this connector have been reset successfully")
        )
    );
    assert_eq!(served.call("PUT", "/connectors/sink/resume", None).0, 202);
    eventually("the topic written out again", || lines(&output).len() == 10);
}

#[test]
fn restarts_answer_as_kafka_connect_does() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.txt");
    std::fs::write(&input, "x\n").unwrap();
    let served = Served::start(Cluster::embedded(), &[]);
    served.call("POST", "/connectors", Some(file_source("src", &input, "r")));
    served.wait_for("/connectors/src/status", "/tasks/0/state", "RUNNING");
    assert_eq!(
        served.call("POST", "/connectors/src/restart", None),
        (204, serde_json::Value::Null)
    );
    let (code, body) = served.call("POST", "/connectors/src/restart?includeTasks=true", None);
    assert_eq!(code, 202);
    assert_eq!(body["connector"]["state"], "RESTARTING");
    assert_eq!(body["tasks"][0]["state"], "RESTARTING");
    // Nothing failed: nothing restarts.
    let (code, body) = served.call(
        "POST",
        "/connectors/src/restart?includeTasks=true&onlyFailed=true",
        None,
    );
    assert_eq!(code, 202);
    assert_eq!(body["connector"]["state"], "RUNNING");
    assert_eq!(
        served.call("POST", "/connectors/src/tasks/0/restart", None).0,
        204
    );
    assert_eq!(
        served.call("POST", "/connectors/src/tasks/7/restart", None).0,
        404
    );
    served.wait_for("/connectors/src/status", "/tasks/0/state", "RUNNING");
    assert_eq!(
        served.call("GET", "/connectors/src/tasks/0/status", None).1["state"],
        "RUNNING"
    );
}

#[test]
fn configs_are_checked_and_conflicts_refused() {
    let dir = tempfile::tempdir().unwrap();
    let served = Served::start(Cluster::embedded(), &[]);
    let source = file_source("src", &dir.path().join("in.txt"), "c");
    assert_eq!(served.call("POST", "/connectors", Some(source.clone())).0, 201);
    let (code, body) = served.call("POST", "/connectors", Some(source));
    assert_eq!(
        (code, body),
        (
            409,
            json!({"error_code": 409, "message": "Connector src already exists"})
        )
    );

    let (code, body) = served.call(
        "POST",
        "/connectors",
        Some(json!({"name": "bad", "config": {"connector.class": "FileStreamSink", "file": "/tmp/x"}})),
    );
    assert_eq!(code, 400, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("Must configure one of topics or topics.regex"),
        "{body}"
    );
    let (code, body) = served.call(
        "POST",
        "/connectors",
        Some(json!({"name": "bad", "config": {"connector.class": "com.example.Nope"}})),
    );
    assert_eq!(code, 400, "{body}");
    let (code, _) = served.call("POST", "/connectors", Some(json!({"name": "bad"})));
    assert_eq!(code, 400);
    let (code, body) = served.call("POST", "/connectors", None);
    assert_eq!(code, 400, "{body}");

    // PUT creates, then updates; PATCH removes a key with null.
    let sink = json!({"connector.class": "FileStreamSink", "topics": "c", "file": dir.path().join("o").display().to_string(), "errors.log.enable": "true"});
    assert_eq!(
        served.call("PUT", "/connectors/s/config", Some(sink.clone())).0,
        201
    );
    assert_eq!(served.call("PUT", "/connectors/s/config", Some(sink)).0, 200);
    let (code, body) = served.call(
        "PATCH",
        "/connectors/s/config",
        Some(json!({"errors.log.enable": null, "tasks.max": "1"})),
    );
    assert_eq!(code, 200, "{body}");
    let config = served.call("GET", "/connectors/s/config", None).1;
    assert_eq!(config.get("errors.log.enable"), None);
    assert_eq!(config["tasks.max"], "1");

    let (code, body) = served.call(
        "PUT",
        "/connector-plugins/FileStreamSinkConnector/config/validate",
        Some(json!({"connector.class": "FileStreamSinkConnector", "name": "v", "topics": "t", "topics.regex": "x.*"})),
    );
    assert_eq!(code, 200);
    assert_eq!(body["error_count"], 1, "{body}");
    let (code, plugins) = served.call("GET", "/connector-plugins", None);
    assert_eq!(code, 200);
    assert!(plugins.as_array().unwrap().iter().any(|p| p["class"]
        == "org.apache.kafka.connect.file.FileStreamSinkConnector"
        && p["type"] == "sink"));
    assert_eq!(
        served
            .call("GET", "/connector-plugins/FileStreamSource/config", None)
            .0,
        200
    );
    assert_eq!(served.call("GET", "/no/such/path", None).0, 404);
    assert_eq!(served.call("GET", "/health", None).1["status"], "healthy");
}

/// The seeds' connector configs, as posted there, with a connector class we ship in
/// place of theirs: their keys unknown to our connectors are accepted (with a warning).
#[test]
fn the_seeds_connector_configs_are_accepted() {
    let served = Served::start(Cluster::embedded(), &[]);
    let jdbc = json!({ "name": "jdbc-driver-source", "config": {
        "connector.class": "DatagenConnector", "kafka.topic": "trucking_driver", "quickstart": "trucking_drivers",
        "connection.url":"jdbc:postgresql://db/sample?user=sample&password=sample", "mode": "timestamp",
        "timestamp.column.name":"last_update", "table.whitelist":"driver", "validate.non.null":"false",
        "topic.prefix":"trucking_", "key.converter":"org.apache.kafka.connect.json.JsonConverter",
        "key.converter.schemas.enable": "false", "value.converter":"org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "false", "name": "jdbc-driver-source", "transforms":"createKey,extractInt",
        "transforms.createKey.type":"org.apache.kafka.connect.transforms.ValueToKey", "transforms.createKey.fields":"id",
        "transforms.extractInt.type":"org.apache.kafka.connect.transforms.ExtractField$Key", "transforms.extractInt.field":"id" } });
    let (code, body) = served.call("POST", "/connectors", Some(jdbc));
    assert_eq!(code, 201, "{body}");
    let mqtt = json!({ "name": "mqtt-source", "config": {
        "connector.class": "DatagenConnector", "kafka.topic": "truck_position", "quickstart": "trucking_positions",
        "connect.mqtt.connection.timeout": "1000", "tasks.max": "1",
        "connect.mqtt.kcql": "INSERT INTO truck_position SELECT * FROM truck/+/position", "name": "mqtt-source",
        "connect.mqtt.service.quality": "0", "connect.mqtt.client.id": "tm-mqtt-connect-01",
        "connect.mqtt.converter.throw.on.error": "true", "connect.mqtt.hosts": "tcp://mosquitto:1883" } });
    let (code, body) = served.call("POST", "/connectors", Some(mqtt));
    assert_eq!(code, 201, "{body}");
    served.wait_for(
        "/connectors/jdbc-driver-source/status",
        "/tasks/0/state",
        "RUNNING",
    );
    served.wait_for("/connectors/mqtt-source/status", "/tasks/0/state", "RUNNING");
}

/// Poison records in a topic read by a JSON sink: with `errors.tolerance=all` they go to
/// the dead letter topic with the `__connect.errors.*` headers and the task runs on;
/// with `none` the task fails, its status says why, and its group's committed offset
/// stops at the bad record.
#[test]
fn poison_records_go_to_the_dead_letter_topic_or_fail_the_task() {
    let cluster = Cluster::embedded();
    cluster
        .admin()
        .unwrap()
        .create_topic("events", &TopicConfig::new(1))
        .unwrap();
    let producer = cluster.producer(&ClientConfig::new()).unwrap();
    for value in [r#"{"n":1}"#, "not json", r#"{"n":2}"#, "{broken", r#"{"n":3}"#] {
        producer
            .send(ProducerRecord::new("events").value(value.as_bytes().to_vec()))
            .unwrap();
    }
    producer.flush(Duration::from_secs(5)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let served = Served::start(cluster.clone(), &[]);
    let tolerant = dir.path().join("tolerant.txt");
    let (code, body) = served.call("POST", "/connectors", Some(json!({"name": "tolerant", "config": {
        "connector.class": "FileStreamSink", "topics": "events", "file": tolerant.display().to_string(),
        "value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false",
        "errors.tolerance": "all", "errors.log.enable": "true", "errors.log.include.messages": "true",
        "errors.deadletterqueue.topic.name": "events-dlq", "errors.deadletterqueue.context.headers.enable": "true",
    }})));
    assert_eq!(code, 201, "{body}");
    eventually("the three good records", || lines(&tolerant).len() == 3);
    eventually("two dead letters", || {
        cluster
            .admin()
            .unwrap()
            .end_offsets("events-dlq")
            .is_ok_and(|e| e == vec![2])
    });
    let dead = read_topic(&cluster, "events-dlq");
    assert_eq!(dead[0].value.as_deref(), Some(&b"not json"[..]));
    assert_eq!(dead[1].value.as_deref(), Some(&b"{broken"[..]));
    let header = |r: &streamlog::Record, k: &str| {
        String::from_utf8(r.headers.last(k).unwrap().value.clone().unwrap().to_vec()).unwrap()
    };
    assert_eq!(header(&dead[0], "__connect.errors.topic"), "events");
    assert_eq!(header(&dead[0], "__connect.errors.offset"), "1");
    assert_eq!(header(&dead[1], "__connect.errors.offset"), "3");
    assert_eq!(header(&dead[0], "__connect.errors.stage"), "VALUE_CONVERTER");
    assert_eq!(header(&dead[0], "__connect.errors.connector.name"), "tolerant");
    assert_eq!(
        header(&dead[0], "__connect.errors.exception.class.name"),
        "org.apache.kafka.connect.errors.DataException"
    );
    assert!(
        header(&dead[0], "__connect.errors.exception.message")
            .contains("Converting byte[] to Kafka Connect data failed")
    );
    assert_eq!(
        served.call("GET", "/connectors/tolerant/status", None).1["tasks"][0]["state"],
        "RUNNING"
    );
    let failed = served
        .worker
        .task_counters("tolerant", 0, |c| {
            c.errors.dead_lettered.load(std::sync::atomic::Ordering::Relaxed)
        })
        .unwrap();
    assert_eq!(failed, 2);

    let strict = dir.path().join("strict.txt");
    served.call("POST", "/connectors", Some(json!({"name": "strict", "config": {
        "connector.class": "FileStreamSink", "topics": "events", "file": strict.display().to_string(),
        "value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false",
    }})));
    let status = served.wait_for("/connectors/strict/status", "/tasks/0/state", "FAILED");
    let trace = status["tasks"][0]["trace"].as_str().unwrap();
    assert!(trace.contains("Tolerance exceeded in error handler"), "{trace}");
    assert!(trace.contains("VALUE_CONVERTER"), "{trace}");
    assert_eq!(
        served.call("GET", "/connectors/strict/status", None).1["connector"]["state"],
        "RUNNING",
        "a failed task does not stop the connector"
    );
    let committed = cluster
        .admin()
        .unwrap()
        .group_offsets("connect-strict", &[streamlog::TopicPartition::new("events", 0)])
        .unwrap();
    assert!(
        committed[0].is_none_or(|o| o <= 1),
        "committed past the bad record: {committed:?}"
    );
    assert_eq!(
        served.call("GET", "/connectors/tolerant/status", None).1["tasks"][0]["state"],
        "RUNNING",
        "the other connector's task runs on"
    );
}

/// Secret values show as `[hidden]`; a PUT sending `[hidden]` back keeps the stored
/// value; provider references are shown as written and resolved when the task runs.
#[test]
fn secrets_are_hidden_and_providers_resolved() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = dir.path().join("secrets.properties");
    let output = dir.path().join("out.txt");
    std::fs::write(&secrets, format!("out.file={}\n", output.display())).unwrap();
    let cluster = Cluster::embedded();
    cluster
        .admin()
        .unwrap()
        .create_topic("secret-topic", &TopicConfig::new(1))
        .unwrap();
    let served = Served::start(
        cluster.clone(),
        &[
            ("config.providers", "file"),
            (
                "config.providers.file.class",
                "org.apache.kafka.common.config.provider.FileConfigProvider",
            ),
        ],
    );
    let reference = format!("${{file:{}:out.file}}", secrets.display());
    let (code, body) = served.call(
        "POST",
        "/connectors",
        Some(json!({"name": "s", "config": {
            "connector.class": "FileStreamSink", "topics": "secret-topic", "file": reference,
            "value.converter": "org.apache.kafka.connect.storage.StringConverter",
            "connection.password": "s3cret",
        }})),
    );
    assert_eq!(code, 201, "{body}");
    assert_eq!(body["config"]["connection.password"], "[hidden]");
    let config = served.call("GET", "/connectors/s/config", None).1;
    assert_eq!(config["connection.password"], "[hidden]");
    assert_eq!(config["file"], reference, "shown as written, never resolved");

    let mut put = config.clone();
    put["tasks.max"] = json!("1");
    assert_eq!(served.call("PUT", "/connectors/s/config", Some(put)).0, 200);
    let stored = read_topic(&cluster, "connect-configs");
    let last = stored
        .iter()
        .rev()
        .find(|r| r.key.as_deref() == Some(&b"connector-s"[..]))
        .unwrap();
    let stored: serde_json::Value = serde_json::from_slice(last.value.as_deref().unwrap()).unwrap();
    assert_eq!(
        stored["properties"]["connection.password"], "s3cret",
        "the PUT of [hidden] kept the value"
    );

    let producer = cluster.producer(&ClientConfig::new()).unwrap();
    producer
        .send(ProducerRecord::new("secret-topic").value(b"hello".to_vec()))
        .unwrap();
    producer.flush(Duration::from_secs(5)).unwrap();
    eventually("the line in the resolved file", || lines(&output) == ["hello"]);
}

/// A worker started again on the same log resumes its connectors from the config topic
/// and its source from the offsets topic: nothing read twice, nothing missed.
#[test]
fn a_restarted_worker_resumes_from_its_topics() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.txt");
    std::fs::write(&input, "1\n2\n3\n").unwrap();
    let cluster = Cluster::embedded();
    let first = Served::start(cluster.clone(), &[]);
    first.call("POST", "/connectors", Some(file_source("src", &input, "numbers")));
    eventually("three records", || {
        cluster
            .admin()
            .unwrap()
            .end_offsets("numbers")
            .is_ok_and(|e| e == vec![3])
    });
    drop(first);
    std::fs::write(&input, "1\n2\n3\n4\n5\n").unwrap();
    let second = Served::start(cluster.clone(), &[]);
    assert_eq!(second.call("GET", "/connectors", None).1, json!(["src"]));
    eventually("five records", || {
        cluster
            .admin()
            .unwrap()
            .end_offsets("numbers")
            .is_ok_and(|e| e == vec![5])
    });
    std::thread::sleep(Duration::from_millis(300));
    let values: Vec<String> = read_topic(&cluster, "numbers")
        .iter()
        .map(|r| String::from_utf8(r.value.clone().unwrap().to_vec()).unwrap())
        .collect();
    assert_eq!(values, ["1", "2", "3", "4", "5"]);
}

/// Exactly-once source: records and offsets in one transaction per poll; the data
/// generator's records are all there once, and its offsets follow them.
#[test]
fn exactly_once_source_commits_records_with_their_offsets() {
    let cluster = Cluster::embedded();
    let served = Served::start(cluster.clone(), &[("exactly.once.source.support", "enabled")]);
    let (code, body) = served.call("POST", "/connectors", Some(json!({"name": "gen", "config": {
        "connector.class": "DatagenConnector", "kafka.topic": "pageviews", "quickstart": "hotel_pageviews",
        "iterations": "50", "max.interval": "0", "random.seed": "7",
    }})));
    assert_eq!(code, 201, "{body}");
    eventually("fifty page views", || {
        cluster
            .admin()
            .unwrap()
            .end_offsets("pageviews")
            .is_ok_and(|e| e.iter().sum::<i64>() >= 50)
    });
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(read_topic(&cluster, "pageviews").len(), 50);
    served.call("PUT", "/connectors/gen/stop", None);
    served.wait_for("/connectors/gen/status", "/connector/state", "STOPPED");
    let (_, offsets) = served.call("GET", "/connectors/gen/offsets", None);
    assert_eq!(offsets["offsets"].as_array().unwrap().len(), 1, "{offsets}");
}
