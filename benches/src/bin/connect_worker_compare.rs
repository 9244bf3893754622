//! connect-sdk's worker side by side with Kafka Connect 4.4's standalone worker
//! (`org.apache.kafka.connect.cli.ConnectStandalone`, a Java child process), in one run,
//! on the test broker: the same file of lines through `FileStreamSource` into a topic,
//! then that topic through `FileStreamSink` into a file, with `StringConverter`.
//!
//! Each side is timed from the moment 5 % of the lines are through (so neither worker's
//! start counts) to the moment all are, with the CPU time its process spent in between
//! (`/proc/<pid>/stat`: ours runs in this process, whose other work is a poll of the
//! topic's end offsets every 50 ms).
//!
//! ```sh
//! eval "$(scripts/services)"   # KAFKA_BOOTSTRAP_SERVERS and STREAMKIT_PEERS_CLASSPATH
//! cargo run --release -p streamkit-benches --features kafka --bin connect_worker_compare -- --lines 2000000
//! ```

#[path = "streams_compare/process.rs"]
#[allow(dead_code)]
mod process;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use clap::Parser;
use connect_sdk::config::Properties;
use connect_sdk::worker::{Plugins, Worker, WorkerConfig};
use streamlog::{ClientConfig, Cluster};

#[derive(Parser, Debug)]
struct Args {
    /// The broker.
    #[arg(long, env = "KAFKA_BOOTSTRAP_SERVERS")]
    bootstrap_servers: String,
    /// The peers' class path (Kafka Connect's runtime and file connectors).
    #[arg(long, env = "STREAMKIT_PEERS_CLASSPATH")]
    classpath: String,
    /// Lines in the file.
    #[arg(long, default_value_t = 1_000_000)]
    lines: u64,
}

/// A run's figures: seconds from 5 % to 100 % of the lines, and CPU seconds of the
/// worker's process in that time.
#[derive(Debug, Clone, Copy)]
struct Figures {
    seconds: f64,
    cpu: f64,
}

impl Figures {
    fn report(&self, who: &str, what: &str, lines: u64) {
        let counted = lines as f64 * 0.95;
        println!(
            "{what:<6} {who:<14} {:>10.0} lines/s  {:>7.2} µs CPU a line  ({:.2} s, {:.2} CPU s)",
            counted / self.seconds,
            self.cpu * 1e6 / counted,
            self.seconds,
            self.cpu
        );
    }
}

/// Waits until `progress` reaches 5 % then 100 % of `total`, sampling `cpu` at both.
fn measure(total: u64, progress: impl Fn() -> u64, cpu: impl Fn() -> f64) -> Figures {
    let deadline = Instant::now() + Duration::from_secs(600);
    let wait_for = |target: u64| {
        while progress() < target {
            assert!(Instant::now() < deadline, "stuck below {target} of {total}");
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    wait_for(total / 20);
    let (start, cpu_start) = (Instant::now(), cpu());
    wait_for(total);
    Figures {
        seconds: start.elapsed().as_secs_f64(),
        cpu: cpu() - cpu_start,
    }
}

fn topic_size(cluster: &Cluster, topic: &str) -> u64 {
    cluster
        .admin()
        .and_then(|a| a.end_offsets(topic))
        .map(|e| e.iter().sum::<i64>() as u64)
        .unwrap_or(0)
}

/// Counts the lines of a growing file, reading only what was added since the last call
/// (the harness's own reading must not weigh on the worker it runs beside).
struct LineCounter {
    path: PathBuf,
    lines: std::cell::Cell<(u64, u64)>,
}

impl LineCounter {
    fn new(path: &Path) -> Self {
        LineCounter {
            path: path.to_owned(),
            lines: std::cell::Cell::new((0, 0)),
        }
    }

    fn lines(&self) -> u64 {
        use std::io::{Read, Seek, SeekFrom};
        let (mut offset, mut lines) = self.lines.get();
        if let Ok(mut file) = std::fs::File::open(&self.path) {
            let _ = file.seek(SeekFrom::Start(offset));
            let mut buffer = Vec::new();
            if file.read_to_end(&mut buffer).is_ok() {
                offset += buffer.len() as u64;
                lines += buffer.iter().filter(|c| **c == b'\n').count() as u64;
            }
        }
        self.lines.set((offset, lines));
        lines
    }
}

fn unique(name: &str) -> String {
    format!(
        "{name}-{}-{}",
        std::process::id(),
        Instant::now().elapsed().as_nanos() ^ u128::from(std::process::id())
    )
}

fn properties(pairs: &[(&str, &str)]) -> String {
    pairs.iter().map(|(k, v)| format!("{k}={v}\n")).collect()
}

/// Kafka Connect's standalone worker with `connector` (a properties file).
fn kafka_connect(args: &Args, dir: &Path, connector: &Path) -> Child {
    let worker = dir.join("kc-worker.properties");
    std::fs::write(
        &worker,
        properties(&[
            ("bootstrap.servers", &args.bootstrap_servers),
            (
                "key.converter",
                "org.apache.kafka.connect.storage.StringConverter",
            ),
            (
                "value.converter",
                "org.apache.kafka.connect.storage.StringConverter",
            ),
            (
                "offset.storage.file.filename",
                &dir.join("kc.offsets").display().to_string(),
            ),
            ("offset.flush.interval.ms", "10000"),
            ("listeners", "http://127.0.0.1:0"),
        ]),
    )
    .unwrap();
    Command::new("java")
        .args([
            "-Xmx1g",
            "-cp",
            &args.classpath,
            "org.apache.kafka.connect.cli.ConnectStandalone",
        ])
        .arg(&worker)
        .arg(connector)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("kc.log")).unwrap())
        .spawn()
        .expect("java")
}

fn self_cpu(ticks: f64) -> f64 {
    process::cpu_seconds(std::process::id(), ticks).unwrap_or(0.0)
}

fn main() {
    let args = Args::parse();
    let ticks = process::clock_ticks();
    let cluster = Cluster::kafka(ClientConfig::new().bootstrap_servers(args.bootstrap_servers.as_str()))
        .expect("the broker");
    let dir = tempfile_dir();
    let input = dir.join("input.txt");
    let text: String = (0..args.lines)
        .map(|i| format!("{i:012} the quick brown fox jumps over the lazy dog, line after line after line\n"))
        .collect();
    std::fs::write(&input, text).unwrap();
    println!(
        "{} lines of 86 bytes; broker {}",
        args.lines, args.bootstrap_servers
    );

    // Ours, in this process.
    let ours_topic = unique("bench-ours");
    let group = unique("bench-connect");
    let config = WorkerConfig::from_properties(&Properties::from([
        ("bootstrap.servers".into(), args.bootstrap_servers.clone()),
        ("group.id".into(), group.clone()),
        ("config.storage.topic".into(), format!("{group}-configs")),
        ("offset.storage.topic".into(), format!("{group}-offsets")),
        ("status.storage.topic".into(), format!("{group}-status")),
        (
            "key.converter".into(),
            "org.apache.kafka.connect.storage.StringConverter".into(),
        ),
        (
            "value.converter".into(),
            "org.apache.kafka.connect.storage.StringConverter".into(),
        ),
        ("offset.flush.interval.ms".into(), "10000".into()),
    ]))
    .unwrap();
    let worker = Worker::start(config, cluster.clone(), Plugins::builtin()).unwrap();
    worker
        .create_connector(
            "source",
            Properties::from([
                ("connector.class".into(), "FileStreamSource".into()),
                ("file".into(), input.display().to_string()),
                ("topic".into(), ours_topic.clone()),
            ]),
        )
        .unwrap();
    let ours_source = measure(
        args.lines,
        || topic_size(&cluster, &ours_topic),
        || self_cpu(ticks),
    );
    let ours_out = dir.join("ours-out.txt");
    worker
        .create_connector(
            "sink",
            Properties::from([
                ("connector.class".into(), "FileStreamSink".into()),
                ("file".into(), ours_out.display().to_string()),
                ("topics".into(), ours_topic.clone()),
            ]),
        )
        .unwrap();
    let counter = LineCounter::new(&ours_out);
    let ours_sink = measure(args.lines, || counter.lines(), || self_cpu(ticks));
    worker.shutdown();

    // Kafka Connect, as a child process.
    let theirs_topic = unique("bench-kafka-connect");
    let source = dir.join("kc-source.properties");
    std::fs::write(
        &source,
        properties(&[
            ("name", "source"),
            ("connector.class", "FileStreamSource"),
            ("file", &input.display().to_string()),
            ("topic", &theirs_topic),
        ]),
    )
    .unwrap();
    cluster
        .admin()
        .unwrap()
        .create_topic(&theirs_topic, &streamlog::TopicConfig::new(1))
        .unwrap();
    let mut child = kafka_connect(&args, &dir, &source);
    let pid = child.id();
    let theirs_source = measure(
        args.lines,
        || topic_size(&cluster, &theirs_topic),
        || process::cpu_seconds(pid, ticks).unwrap_or(0.0),
    );
    let _ = child.kill();
    let _ = child.wait();
    let theirs_out = dir.join("kc-out.txt");
    let sink = dir.join("kc-sink.properties");
    std::fs::write(
        &sink,
        properties(&[
            ("name", "sink"),
            ("connector.class", "FileStreamSink"),
            ("file", &theirs_out.display().to_string()),
            ("topics", &theirs_topic),
        ]),
    )
    .unwrap();
    let mut child = kafka_connect(&args, &dir, &sink);
    let pid = child.id();
    let counter = LineCounter::new(&theirs_out);
    let theirs_sink = measure(
        args.lines,
        || counter.lines(),
        || process::cpu_seconds(pid, ticks).unwrap_or(0.0),
    );
    let _ = child.kill();
    let _ = child.wait();

    ours_source.report("connect-sdk", "source", args.lines);
    theirs_source.report("Kafka Connect", "source", args.lines);
    ours_sink.report("connect-sdk", "sink", args.lines);
    theirs_sink.report("Kafka Connect", "sink", args.lines);
    println!(
        "ratios (ours / Kafka Connect): source rate {:.2}, CPU a line {:.2}; sink rate {:.2}, CPU a line {:.2}",
        theirs_source.seconds / ours_source.seconds,
        ours_source.cpu / theirs_source.cpu,
        theirs_sink.seconds / ours_sink.seconds,
        ours_sink.cpu / theirs_sink.cpu
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A fresh directory under the system's temp directory.
fn tempfile_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(unique("connect-worker-compare"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
