//! The `connect` binary on the real broker (`KAFKA_BOOTSTRAP_SERVERS`; under `CI=true`
//! these tests fail without it): a worker killed with SIGKILL while a file source runs
//! loses no line when started again (at least once: the lines after its last offset
//! commit may repeat; exactly once: none does), and two workers running one sink
//! connector share its partitions, the survivor taking over those of a killed one.

#![cfg(feature = "cli")]

mod worker_support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use streamlog::test_util::{ci_broker, required_service, unique_name};
use streamlog::{ClientConfig, Cluster, ProducerRecord, TopicConfig};
use worker_support::{eventually, lines, read_topic};

/// A `connect standalone` process, killed with SIGKILL when dropped.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_worker(servers: &str, files: &[&Path], env: &[(&str, String)], log: &Path) -> Process {
    start_worker_at(servers, 0, files, env, log)
}

/// `connect standalone` with its REST API on `port` (0: any free port).
fn start_worker_at(servers: &str, port: u16, files: &[&Path], env: &[(&str, String)], log: &Path) -> Process {
    let mut command = Command::new(env!("CARGO_BIN_EXE_connect"));
    command
        .arg("standalone")
        .arg("--bootstrap-servers")
        .arg(servers)
        .arg("--rest")
        .arg(format!("127.0.0.1:{port}"))
        .args(files)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap());
    for (k, v) in env {
        command.env(k, v);
    }
    Process(command.spawn().unwrap())
}

/// A worker properties file with its own storage topics.
fn worker_properties(dir: &Path, extra: &str) -> PathBuf {
    let group = unique_name("connect-test");
    let path = dir.join("worker.properties");
    std::fs::write(
        &path,
        format!(
            "group.id={group}\nconfig.storage.topic={group}-configs\noffset.storage.topic={group}-offsets\n\
             status.storage.topic={group}-status\noffset.storage.partitions=3\nstatus.storage.partitions=1\n\
             offset.flush.interval.ms=100\nconsumer.session.timeout.ms=6000\nconsumer.heartbeat.interval.ms=1000\n{extra}"
        ),
    )
    .unwrap();
    path
}

fn total(cluster: &Cluster, topic: &str) -> i64 {
    cluster
        .admin()
        .unwrap()
        .end_offsets(topic)
        .map(|e| e.iter().sum())
        .unwrap_or(0)
}

/// Kills a worker mid-file, starts it again, and returns the lines in the topic in order.
fn kill_and_resume(exactly_once: bool) -> (Vec<u64>, u64) {
    let Some(servers) = required_service("KAFKA_BOOTSTRAP_SERVERS", "a Kafka broker") else {
        return (Vec::new(), 0);
    };
    let cluster = ci_broker().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let lines_total = 200_000u64;
    let input = dir.path().join("input.txt");
    let text: String = (1..=lines_total).map(|i| format!("{i}\n")).collect();
    std::fs::write(&input, text).unwrap();
    let topic = unique_name("file-lines");
    let worker = worker_properties(
        dir.path(),
        if exactly_once {
            "exactly.once.source.support=enabled\n"
        } else {
            ""
        },
    );
    let connector = dir.path().join("source.json");
    std::fs::write(
        &connector,
        json!({"name": "lines", "config": {
            "connector.class": "FileStreamSource", "file": input.display().to_string(), "topic": topic,
            "batch.size": "500",
            "value.converter": "org.apache.kafka.connect.storage.StringConverter",
        }})
        .to_string(),
    )
    .unwrap();
    let log = dir.path().join("first.log");
    let first = start_worker(&servers, &[&worker, &connector], &[], &log);
    let deadline = Instant::now() + Duration::from_secs(60);
    while total(&cluster, &topic) < 20_000 {
        assert!(
            Instant::now() < deadline,
            "the first worker wrote too little: {}",
            std::fs::read_to_string(&log).unwrap()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    drop(first); // SIGKILL
    let log = dir.path().join("second.log");
    let _second = start_worker(&servers, &[&worker, &connector], &[], &log);
    // Done when the topic holds every line and has stopped growing for a second.
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut last = (0, Instant::now());
    loop {
        let now = total(&cluster, &topic);
        if now != last.0 {
            last = (now, Instant::now());
        } else if now >= lines_total as i64 && last.1.elapsed() > Duration::from_secs(1) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the restarted worker did not finish: {}",
            std::fs::read_to_string(&log).unwrap()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let values = read_topic(&cluster, &topic)
        .iter()
        .map(|r| {
            String::from_utf8_lossy(r.value.as_deref().unwrap())
                .parse::<u64>()
                .unwrap()
        })
        .collect::<Vec<_>>();
    (values, lines_total)
}

/// The topic holds 1..=k, then a resume from j <= k + 1 to the end: every line, and the
/// repeats only those after the last commit before the kill. The number repeated.
fn check_resumed(values: &[u64], lines_total: u64) -> u64 {
    let break_at = values.windows(2).position(|w| w[1] != w[0] + 1);
    let expected_prefix: Vec<u64> = (1..=values.len() as u64).collect();
    match break_at {
        None => {
            assert_eq!(values, &expected_prefix[..], "lines out of order");
            assert_eq!(values.len() as u64, lines_total);
            0
        }
        Some(i) => {
            let (before, after) = values.split_at(i + 1);
            let k = *before.last().unwrap();
            assert_eq!(
                before,
                &expected_prefix[..before.len()],
                "the first run's lines are in order"
            );
            let j = after[0];
            assert!(j <= k + 1, "lines {} to {} were lost", k + 1, j - 1);
            let resumed: Vec<u64> = (j..=lines_total).collect();
            assert_eq!(after, &resumed[..], "the second run resumes in order to the end");
            k + 1 - j
        }
    }
}

#[test]
fn a_killed_worker_loses_no_line_at_least_once() {
    let (values, lines_total) = kill_and_resume(false);
    if values.is_empty() {
        return;
    }
    let repeated = check_resumed(&values, lines_total);
    eprintln!("at least once: {repeated} lines repeated after SIGKILL");
}

#[test]
fn a_killed_worker_repeats_no_line_exactly_once() {
    let (values, lines_total) = kill_and_resume(true);
    if values.is_empty() {
        return;
    }
    assert_eq!(
        check_resumed(&values, lines_total),
        0,
        "exactly once repeats nothing"
    );
    assert_eq!(values.len() as u64, lines_total);
}

/// A free port on 127.0.0.1 for a worker's REST API.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Exactly-once source: a second worker starting the same source connector (same
/// `group.id`, so the same transactional ids) fences the first, whose task fails and
/// says so in its status; the records in the topic are those of committed
/// transactions only, each iteration of the generator once.
#[test]
fn a_second_exactly_once_source_fences_the_first() {
    let Some(servers) = required_service("KAFKA_BOOTSTRAP_SERVERS", "a Kafka broker") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let topic = unique_name("fenced-source");
    let worker = worker_properties(dir.path(), "exactly.once.source.support=enabled\n");
    let connector = dir.path().join("datagen.json");
    std::fs::write(
        &connector,
        json!({"name": "views", "config": {
            "connector.class": "DatagenConnector", "kafka.topic": topic, "quickstart": "hotel_pageviews",
            "max.interval": "5", "random.seed": "3",
        }})
        .to_string(),
    )
    .unwrap();
    let (port_a, port_b) = (free_port(), free_port());
    let _a = start_worker_at(
        &servers,
        port_a,
        &[&worker, &connector],
        &[],
        &dir.path().join("a.log"),
    );
    let url_a = format!("http://127.0.0.1:{port_a}");
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port_a)).is_err() {
        assert!(
            Instant::now() < deadline,
            "worker a did not start: {}",
            std::fs::read_to_string(dir.path().join("a.log")).unwrap()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    worker_support::wait_for(&url_a, "/connectors/views/status", "/tasks/0/state", "RUNNING");
    let _b = start_worker_at(
        &servers,
        port_b,
        &[&worker, &connector],
        &[],
        &dir.path().join("b.log"),
    );
    let url_b = format!("http://127.0.0.1:{port_b}");
    while std::net::TcpStream::connect(("127.0.0.1", port_b)).is_err() {
        assert!(
            Instant::now() < deadline,
            "worker b did not start: {}",
            std::fs::read_to_string(dir.path().join("b.log")).unwrap()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    worker_support::wait_for(&url_b, "/connectors/views/status", "/tasks/0/state", "RUNNING");
    let status = worker_support::wait_for(&url_a, "/connectors/views/status", "/tasks/0/state", "FAILED");
    let trace = status["tasks"][0]["trace"].as_str().unwrap().to_lowercase();
    assert!(trace.contains("fenc"), "the fenced task says so: {trace}");

    // What the two wrote, committed transactions only: each iteration once, none missed.
    let cluster = ci_broker().unwrap();
    let mut iterations: Vec<u64> = read_topic(&cluster, &topic)
        .iter()
        .map(|r| {
            let header = r.headers.last("current.iteration").expect("the iteration header");
            String::from_utf8_lossy(header.value.as_deref().unwrap())
                .parse()
                .unwrap()
        })
        .collect();
    let written = iterations.len();
    iterations.sort_unstable();
    iterations.dedup();
    assert_eq!(iterations.len(), written, "an iteration written twice");
    assert_eq!(
        iterations.last().unwrap() - iterations[0] + 1,
        written as u64,
        "an iteration missing"
    );
}

/// Two workers run one sink connector: each writes its own file (`${env:SINK_OUT}`),
/// both get partitions, and when one is killed the other takes them over; every record
/// is in one of the files.
#[test]
fn two_workers_share_a_sink_and_survive_one_killed() {
    let Some(servers) = required_service("KAFKA_BOOTSTRAP_SERVERS", "a Kafka broker") else {
        return;
    };
    let cluster = ci_broker().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let topic = unique_name("shared-sink");
    cluster
        .admin()
        .unwrap()
        .create_topic(&topic, &TopicConfig::new(4))
        .unwrap();
    let worker = worker_properties(
        dir.path(),
        "config.providers=env\nconfig.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider\n",
    );
    let connector = dir.path().join("sink.json");
    std::fs::write(
        &connector,
        json!({"name": "shared", "config": {
            "connector.class": "FileStreamSink", "topics": topic, "tasks.max": "1", "file": "${env:SINK_OUT}",
            "value.converter": "org.apache.kafka.connect.storage.StringConverter",
            "key.converter": "org.apache.kafka.connect.storage.StringConverter",
        }})
        .to_string(),
    )
    .unwrap();
    let (out_a, out_b) = (dir.path().join("a.txt"), dir.path().join("b.txt"));
    let a = start_worker(
        &servers,
        &[&worker, &connector],
        &[("SINK_OUT", out_a.display().to_string())],
        &dir.path().join("a.log"),
    );
    let _b = start_worker(
        &servers,
        &[&worker, &connector],
        &[("SINK_OUT", out_b.display().to_string())],
        &dir.path().join("b.log"),
    );
    let producer = cluster.producer(&ClientConfig::new()).unwrap();
    let mut sent = 0u64;
    let mut send = |n: u64| {
        for _ in 0..n {
            sent += 1;
            producer
                .send(
                    ProducerRecord::new(topic.as_str())
                        .key(format!("k{sent}").into_bytes())
                        .value(sent.to_string().into_bytes()),
                )
                .unwrap();
        }
        producer.flush(Duration::from_secs(10)).unwrap();
        sent
    };
    let deadline = Instant::now() + Duration::from_secs(90);
    while lines(&out_a).is_empty() || lines(&out_b).is_empty() {
        assert!(
            Instant::now() < deadline,
            "both workers should get partitions: a {} lines, b {} lines\n{}",
            lines(&out_a).len(),
            lines(&out_b).len(),
            std::fs::read_to_string(dir.path().join("b.log")).unwrap()
        );
        send(20);
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(a); // SIGKILL
    let last = send(500);
    eventually("every record in one of the files", || {
        let seen: BTreeSet<u64> = lines(&out_a)
            .iter()
            .chain(lines(&out_b).iter())
            .filter_map(|l| l.parse().ok())
            .collect();
        (1..=last).all(|i| seen.contains(&i))
    });
}
