//! kstream side by side with Kafka Streams 4.4 on one real broker, in one run.
//!
//! The harness produces each pipeline's input once, then runs the pipeline with Kafka
//! Streams (`dev.streamkit.peers.bench.StreamsBench`, a Java child process) and with
//! kstream on the Kafka backend (this binary's `ours` subcommand, also a child process),
//! each from the beginning of the input under its own application id, with RocksDB
//! stores. Both children are measured alike: wall time from spawning the process until
//! its group has committed the whole input, CPU time of the process (`/proc/<pid>/stat`,
//! all threads) and its peak resident set (`VmHWM`), read just before the harness kills
//! it.
//!
//! The pipelines (`--only`, comma-separated), each the same topology on both sides:
//!
//! - `trucking`: the trucking example (filter, stream-table join, count per driver).
//! - `map`: filter + map_values of the 200-byte JSON events to an output topic.
//! - `join`: stream-table left join of events against a `--table-keys` table (loaded
//!   first; the table and stream phases are also reported apart).
//! - `count`: count per key over `--count-keys` keys, into a key-value store; no output
//!   topic.
//! - `wcount`: the `count` pipeline's events (the same topic) counted per key in 60 s
//!   tumbling windows with 10 s grace, into a window store; no output topic, as `count`.
//! - `sjoin`: stream-stream inner join of those events with a second stream of as many
//!   payments (the same keys, each stamped 1 s after its event), 10 s join window with
//!   1 s grace; the joiner concatenates the event's id and the payment, one joined record
//!   per event to an output topic.
//!
//! Every store is RocksDB with a changelog. The events are stamped one millisecond apart,
//! the last one at the harness's start, so that windows close and window-store segments
//! expire during a run (300,000 events: 300 s of event time, five windows). `wcount` and
//! `sjoin` are not in the default list (the default run takes over 4 minutes without
//! them); select them with `--only`.
//!
//! ```sh
//! eval "$(scripts/services)"   # the broker on 127.0.0.1:9092 and the Java peers
//! cargo run --release -p streamkit-benches --features kafka,rocksdb --bin streams_compare
//! cargo run --release -p streamkit-benches --features kafka,rocksdb --bin streams_compare -- --only count,wcount,sjoin
//! ```

#[path = "../../../../examples/src/error_report.rs"]
mod error_report;
mod pipelines;
mod process;

use std::fs::File;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use kstream::{KafkaStreams, StreamThreadExceptionResponse, StreamsConfig, StreamsState};
use rdkafka::consumer::{BaseConsumer, Consumer as _};
use rdkafka::{ClientConfig as RdConfig, Offset, TopicPartitionList};
use streamlog::{Admin, ClientConfig, Cluster, TopicConfig};

#[derive(Parser)]
#[command(
    about = "kstream and Kafka Streams side by side on one broker",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    role: Option<Role>,
    #[command(flatten)]
    harness: Args,
}

#[derive(Subcommand)]
enum Role {
    /// Runs one pipeline with kstream until killed: the child the harness measures.
    Ours(AppArgs),
}

/// What both applications take, in the order `StreamsBench.java` takes them.
#[derive(clap::Args, Clone)]
struct AppArgs {
    /// map, join, count, wcount, sjoin or trucking.
    pipeline: String,
    bootstrap_servers: String,
    application_id: String,
    /// Input topics, comma-separated: the stream first, then the table (or `sjoin`'s
    /// second stream).
    inputs: String,
    /// Output topics, comma-separated, or `-`.
    outputs: String,
    /// `processing.guarantee`.
    guarantee: String,
    state_dir: String,
    commit_interval_ms: u64,
}

#[derive(clap::Args)]
struct Args {
    /// The broker.
    #[arg(long, env = "KAFKA_BOOTSTRAP_SERVERS", default_value = "127.0.0.1:9092")]
    bootstrap_servers: String,
    /// The Java peers' classpath (`scripts/services` exports it).
    #[arg(long, env = "STREAMKIT_PEERS_CLASSPATH")]
    classpath: Option<String>,
    /// The JVM's options (the heap is fixed here).
    #[arg(long, default_value = "-Xmx1g", allow_hyphen_values = true)]
    java_opts: String,
    /// Events of the map, join, count and wcount pipelines (and payments of sjoin,
    /// as many as events).
    #[arg(long, default_value_t = 300_000)]
    records: u64,
    /// Keys of the table joined against (all produced and loaded).
    #[arg(long, default_value_t = 1_000_000)]
    table_keys: u64,
    /// Distinct keys counted (also the keys of the map, wcount and sjoin pipelines'
    /// input).
    #[arg(long, default_value_t = 100_000)]
    count_keys: u64,
    /// Truck positions of the trucking pipeline.
    #[arg(long, default_value_t = 300_000)]
    positions: u64,
    /// Which pipelines: trucking, map, join, count, wcount, sjoin (comma-separated; the
    /// windowed ones, wcount and sjoin, only when named).
    #[arg(long, default_value = "trucking,map,join,count")]
    only: String,
    /// Processing guarantees, comma-separated.
    #[arg(long, default_value = "at_least_once,exactly_once_v2")]
    guarantees: String,
    /// `commit.interval.ms` of both applications.
    #[arg(long, default_value_t = 100)]
    commit_interval_ms: u64,
    /// Partitions of every topic.
    #[arg(long, default_value_t = 4)]
    partitions: i32,
    /// Runs of each (pipeline, guarantee, application); each figure is the median. The
    /// application that goes first alternates.
    #[arg(long, default_value_t = 1)]
    rounds: usize,
    /// A run that has not committed its input after this long fails.
    #[arg(long, default_value_t = 300)]
    timeout_secs: u64,
    /// A run that fails (the application exits or times out) is run again this many
    /// times under a new application id; the failures are listed at the end.
    #[arg(long, default_value_t = 1)]
    retries: usize,
    /// Pause between runs, for the broker to settle.
    #[arg(long, default_value_t = 2000)]
    pause_ms: u64,
    /// The broker's process, whose CPU time is read too (found by its command line,
    /// `kafka.Kafka`, when not given).
    #[arg(long)]
    broker_pid: Option<u32>,
    /// Keep the topics (inputs, outputs, internal) instead of deleting them.
    #[arg(long)]
    keep_topics: bool,
}

type BoxError = Box<dyn std::error::Error>;

/// Exit code of the `ours` child when kstream refuses the configuration (a guarantee
/// it does not support).
const UNSUPPORTED: i32 = 3;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.role {
        Some(Role::Ours(app)) => run_ours(app),
        None => harness(cli.harness),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => error_report::fail("streams_compare", &*e),
    }
}

/// The `ours` child: the pipeline on kstream until the harness kills the process.
fn run_ours(a: AppArgs) -> Result<(), BoxError> {
    let inputs = split(&a.inputs);
    let outputs = split(&a.outputs);
    let config = StreamsConfig::new(a.application_id.as_str())
        .bootstrap_servers(a.bootstrap_servers.as_str())
        .set("processing.guarantee", a.guarantee.as_str())
        .state_dir(&a.state_dir)
        .commit_interval(Duration::from_millis(a.commit_interval_ms))
        .num_stream_threads(1);
    if let Err(e) = config.validate() {
        eprintln!("{e}");
        std::process::exit(UNSUPPORTED);
    }
    let cluster = Cluster::connect(ClientConfig::new().bootstrap_servers(a.bootstrap_servers.as_str()))?;
    let topology = pipelines::topology(&a.pipeline, &inputs, &outputs)?;
    let mut app = KafkaStreams::new(topology, cluster, config)?;
    app.set_uncaught_exception_handler(|e| {
        eprintln!("kstream stopped: {e}");
        StreamThreadExceptionResponse::ShutdownClient
    })?;
    app.start()?;
    loop {
        if app.state() == StreamsState::Error {
            std::process::exit(1);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn split(list: &str) -> Vec<String> {
    list.split(',')
        .filter(|s| !s.is_empty() && *s != "-")
        .map(str::to_owned)
        .collect()
}

/// The two applications.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Side {
    KafkaStreams,
    Ours,
}

impl Side {
    fn name(self) -> &'static str {
        match self {
            Side::KafkaStreams => "Kafka Streams 4.4",
            Side::Ours => "kstream",
        }
    }
    fn short(self) -> &'static str {
        match self {
            Side::KafkaStreams => "ks",
            Side::Ours => "ours",
        }
    }
}

/// A pipeline's input, produced once for both sides.
struct Pipeline {
    name: String,
    /// The stream topic, then the table topic if any.
    inputs: Vec<String>,
    /// Output topic names (each run gets `<application id>-<name>`).
    outputs: Vec<&'static str>,
    /// End offsets of each input topic, per partition.
    ends: Vec<Vec<i64>>,
}

impl Pipeline {
    fn total(&self) -> i64 {
        self.ends.iter().flatten().sum()
    }
    fn topic_total(&self, i: usize) -> i64 {
        self.ends[i].iter().sum()
    }
}

/// What one run measured. Times are seconds from spawning the process.
#[derive(Clone, Copy, Debug, Default)]
struct Measure {
    /// The group first committed an offset.
    first_commit: f64,
    /// Records not yet committed at the first commit.
    left_at_first: f64,
    /// CPU seconds of the process at the first commit.
    cpu_at_first: f64,
    /// The group has committed every input record.
    done: f64,
    /// CPU seconds of the process when done.
    cpu: f64,
    /// Peak resident set, bytes.
    rss: f64,
    /// The table topic (if any) was committed to its end: (time, CPU seconds).
    table_done: Option<(f64, f64)>,
    /// CPU seconds the broker spent from the spawn until done (`NaN` without a broker
    /// process to read).
    broker_cpu: f64,
    /// Records (offsets) in the run's output topics and in its internal topics.
    written: (f64, f64),
}

enum Outcome {
    Measured(Measure),
    /// The application refused the configuration (its message).
    Unsupported(String),
    Failed(String),
}

fn harness(args: Args) -> Result<(), BoxError> {
    let classpath = args
        .classpath
        .clone()
        .ok_or("STREAMKIT_PEERS_CLASSPATH is not set: run `eval \"$(scripts/services)\"` first")?;
    let cluster = Cluster::connect(ClientConfig::new().bootstrap_servers(args.bootstrap_servers.as_str()))?;
    let admin = cluster.admin()?;
    let producer = cluster.producer(&ClientConfig::new())?;
    let unix = std::time::SystemTime::UNIX_EPOCH.elapsed()?.as_secs();
    let prefix = format!("sc{unix}");
    let only = split(&args.only);
    let guarantees = split(&args.guarantees);
    let topic = |name: &str| format!("{prefix}-{name}");
    let create = |name: &str| -> Result<(), BoxError> {
        // Trucking positions carry 2018 timestamps: no time retention on any topic.
        admin.create_topic(name, &TopicConfig::new(args.partitions).retention_ms(-1))?;
        Ok(())
    };
    let produced = |name: &str, t: Instant| {
        println!("produced {name} in {:.1?}", t.elapsed());
    };

    let mut pipelines = Vec::new();
    let events = topic("events");
    // The events one millisecond apart, the last one now (the windowed pipelines run on
    // their event time; the others do not read it).
    let first_ms = std::time::SystemTime::UNIX_EPOCH.elapsed()?.as_millis() as i64 - args.records as i64;
    if only
        .iter()
        .any(|p| p == "map" || p == "count" || p == "wcount" || p == "sjoin")
    {
        create(&events)?;
        let t = Instant::now();
        pipelines::produce_events(&*producer, &events, args.records, args.count_keys, Some(first_ms))?;
        produced(&format!("{} events", args.records), t);
    }
    for name in &only {
        let (inputs, outputs): (Vec<String>, Vec<&'static str>) = match name.as_str() {
            "map" => (vec![events.clone()], vec!["out"]),
            "count" | "wcount" => (vec![events.clone()], vec![]),
            "sjoin" => {
                let payments = topic("payments");
                create(&payments)?;
                let t = Instant::now();
                pipelines::produce_payments(&*producer, &payments, args.records, args.count_keys, first_ms)?;
                produced(&format!("{} payments", args.records), t);
                (vec![events.clone(), payments], vec!["sjoined"])
            }
            "join" => {
                let (stream, table) = (topic("events-join"), topic("table"));
                create(&stream)?;
                create(&table)?;
                // The table first: its records are older than every stream record.
                let t = Instant::now();
                pipelines::produce_table(&*producer, &table, args.table_keys)?;
                produced(&format!("{} table keys", args.table_keys), t);
                let t = Instant::now();
                // At the producer's clock: newer than the table's records.
                pipelines::produce_events(&*producer, &stream, args.records, args.table_keys, None)?;
                produced(&format!("{} join events", args.records), t);
                (vec![stream, table], vec!["joined"])
            }
            "trucking" => {
                let (positions, drivers) = (topic("truck_position"), topic("trucking_driver"));
                create(&positions)?;
                create(&drivers)?;
                let t = Instant::now();
                pipelines::produce_trucking(&*producer, &positions, &drivers, args.positions, 42)?;
                produced(&format!("{} truck positions and the drivers", args.positions), t);
                (
                    vec![positions, drivers],
                    vec!["dangerous_driving", "dangerous_driving_and_driver"],
                )
            }
            other => return Err(format!("unknown pipeline `{other}`").into()),
        };
        let ends = inputs
            .iter()
            .map(|t| admin.end_offsets(t))
            .collect::<streamlog::Result<Vec<_>>>()?;
        pipelines.push(Pipeline {
            name: name.clone(),
            inputs,
            outputs,
            ends,
        });
    }

    let ticks = process::clock_ticks();
    let state_root = std::env::temp_dir().join(format!("streams-compare-{prefix}"));
    std::fs::create_dir_all(&state_root)?;
    let me = std::env::current_exe()?;
    // results[guarantee][pipeline][side] = one outcome per round
    let mut results: Vec<Vec<[Vec<Outcome>; 2]>> = Vec::new();
    let mut failures = Vec::new();
    for g in &guarantees {
        let mut per_pipeline = Vec::new();
        for (pi, p) in pipelines.iter().enumerate() {
            let mut sides: [Vec<Outcome>; 2] = [Vec::new(), Vec::new()];
            for round in 0..args.rounds {
                let order = if (round + pi) % 2 == 0 {
                    [Side::KafkaStreams, Side::Ours]
                } else {
                    [Side::Ours, Side::KafkaStreams]
                };
                for side in order {
                    let g_short = if g == "at_least_once" { "alos" } else { "eos" };
                    let mut attempt = 0;
                    let outcome = loop {
                        let app = format!(
                            "{prefix}-{}-{g_short}-{}-{round}{}",
                            p.name,
                            side.short(),
                            if attempt > 0 {
                                format!("-retry{attempt}")
                            } else {
                                String::new()
                            }
                        );
                        let outcome = run_one(
                            &args,
                            &*admin,
                            p,
                            side,
                            g,
                            &app,
                            &state_root,
                            &me,
                            &classpath,
                            ticks,
                        )?;
                        report(p, side, g, &outcome);
                        if let Outcome::Failed(e) = &outcome
                            && attempt < args.retries
                        {
                            failures.push(format!("{} {g} {}: {e} (run again)", p.name, side.name()));
                            attempt += 1;
                            std::thread::sleep(Duration::from_millis(args.pause_ms));
                            continue;
                        }
                        break outcome;
                    };
                    sides[side as usize].push(outcome);
                    std::thread::sleep(Duration::from_millis(args.pause_ms));
                }
            }
            per_pipeline.push(sides);
        }
        results.push(per_pipeline);
    }
    let _ = std::fs::remove_dir_all(&state_root);
    if !args.keep_topics {
        for p in &pipelines {
            for t in &p.inputs {
                let _ = admin.delete_topic(t);
            }
        }
    }

    println!();
    println!("command: {}", std::env::args().collect::<Vec<_>>().join(" "));
    println!(
        "settings: {} partitions per topic, commit.interval.ms={}, one stream thread each, RocksDB stores, JVM {}",
        args.partitions, args.commit_interval_ms, args.java_opts
    );
    for (g, per_pipeline) in guarantees.iter().zip(&results) {
        print_table(g, &pipelines, per_pipeline, args.rounds);
    }
    if !failures.is_empty() {
        println!();
        println!("runs that failed and were run again:");
        for f in &failures {
            println!("- {f}");
        }
    }
    Ok(())
}

/// Creates the run's output topics, spawns the application, watches its group's
/// committed offsets until they reach the input's end, samples the process and kills
/// it; then deletes the run's topics and state.
#[allow(clippy::too_many_arguments)]
fn run_one(
    args: &Args,
    admin: &dyn Admin,
    p: &Pipeline,
    side: Side,
    guarantee: &str,
    app: &str,
    state_root: &Path,
    me: &Path,
    classpath: &str,
    ticks: f64,
) -> Result<Outcome, BoxError> {
    let outputs: Vec<String> = p.outputs.iter().map(|o| format!("{app}-{o}")).collect();
    for o in &outputs {
        admin.create_topic(o, &TopicConfig::new(args.partitions).retention_ms(-1))?;
    }
    let state_dir = state_root.join(app);
    std::fs::create_dir_all(&state_dir)?;
    let app_args = [
        p.name.clone(),
        args.bootstrap_servers.clone(),
        app.to_owned(),
        p.inputs.join(","),
        if outputs.is_empty() {
            "-".to_owned()
        } else {
            outputs.join(",")
        },
        guarantee.to_owned(),
        state_dir.to_string_lossy().into_owned(),
        args.commit_interval_ms.to_string(),
    ];
    let mut cmd = match side {
        Side::KafkaStreams => {
            let mut c = Command::new("java");
            c.args(args.java_opts.split_whitespace())
                .arg("-cp")
                .arg(classpath)
                .arg("dev.streamkit.peers.bench.StreamsBench");
            c
        }
        Side::Ours => {
            let mut c = Command::new(me);
            c.arg("ours");
            c
        }
    };
    let log_path = state_root.join(format!("{app}.log"));
    let log = File::create(&log_path)?;
    cmd.args(&app_args)
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);

    let watcher: BaseConsumer = RdConfig::new()
        .set("bootstrap.servers", &args.bootstrap_servers)
        .set("group.id", app)
        .set("enable.auto.commit", "false")
        .set("isolation.level", "read_uncommitted")
        .create()?;
    let mut tpl = TopicPartitionList::new();
    for (t, ends) in p.inputs.iter().zip(&p.ends) {
        for part in 0..ends.len() {
            tpl.add_partition(t, part as i32);
        }
    }
    let total = p.total() as f64;
    let table_total = (p.inputs.len() > 1).then(|| p.topic_total(1));
    let timeout = Duration::from_secs(args.timeout_secs);

    let broker = args.broker_pid.or_else(process::find_broker);
    let broker_cpu = || broker.and_then(|b| process::cpu_seconds(b, ticks));
    let broker_before = broker_cpu();
    let spawned = Instant::now();
    let mut child = cmd.spawn()?;
    let pid = child.id();
    let mut m = Measure::default();
    let mut first_seen = false;
    let outcome = loop {
        if let Some(status) = child.try_wait()? {
            break exited(side, status, &log_path);
        }
        let committed = watcher.committed_offsets(tpl.clone(), Duration::from_secs(10))?;
        let cpu = process::cpu_seconds(pid, ticks).unwrap_or(0.0);
        let now = spawned.elapsed().as_secs_f64();
        let mut per_topic = vec![0i64; p.inputs.len()];
        let mut all_done = true;
        for e in committed.elements() {
            let i = p.inputs.iter().position(|t| t == e.topic()).unwrap_or(0);
            let end = p.ends[i][e.partition() as usize];
            let at = match e.offset() {
                Offset::Offset(o) => o,
                _ => 0,
            };
            per_topic[i] += at.min(end);
            all_done &= at >= end;
        }
        let sum: i64 = per_topic.iter().sum();
        if !first_seen && sum > 0 {
            first_seen = true;
            m.first_commit = now;
            m.left_at_first = total - sum as f64;
            m.cpu_at_first = cpu;
        }
        if let Some(tt) = table_total
            && m.table_done.is_none()
            && per_topic[1] >= tt
        {
            m.table_done = Some((now, cpu));
        }
        if all_done {
            m.done = now;
            m.cpu = process::cpu_seconds(pid, ticks).unwrap_or(cpu);
            m.rss = process::peak_rss_bytes(pid).unwrap_or(0) as f64;
            m.broker_cpu = match (broker_before, broker_cpu()) {
                (Some(a), Some(b)) => b - a,
                _ => f64::NAN,
            };
            stop(&mut child);
            break Outcome::Measured(m);
        }
        if spawned.elapsed() > timeout {
            stop(&mut child);
            break Outcome::Failed(format!(
                "{sum} of {total} records committed after {timeout:?}; log: {}",
                log_path.display()
            ));
        }
        std::thread::sleep(Duration::from_millis(25));
    };
    let _ = std::fs::remove_dir_all(&state_dir);
    let mut outcome = outcome;
    // Outputs and the application's internal topics (changelogs): counted, then deleted.
    for t in admin.list_topics()? {
        if t.starts_with(&format!("{app}-")) {
            let n = admin.end_offsets(&t)?.iter().sum::<i64>() as f64;
            if let Outcome::Measured(m) = &mut outcome {
                if outputs.contains(&t) {
                    m.written.0 += n;
                } else {
                    m.written.1 += n;
                }
            }
            if !args.keep_topics {
                let _ = admin.delete_topic(&t);
            }
        }
    }
    Ok(outcome)
}

fn stop(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// A child that exited before its input was committed.
fn exited(side: Side, status: ExitStatus, log: &Path) -> Outcome {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let tail: Vec<&str> = text.lines().rev().take(5).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    if side == Side::Ours && status.code() == Some(UNSUPPORTED) {
        return Outcome::Unsupported(text.trim().to_owned());
    }
    Outcome::Failed(format!("{status}: {}", tail.join(" | ")))
}

fn report(p: &Pipeline, side: Side, guarantee: &str, outcome: &Outcome) {
    match outcome {
        Outcome::Measured(m) => println!(
            "{:<8} {:<15} {:<18} {:>9.0} records/s, {:>6.2} CPU s per M records, peak RSS {:>5.0} MiB (first commit after {:.2}s, done after {:.2}s; broker {:.2} CPU s per M; wrote {} output and {} internal records)",
            p.name,
            guarantee,
            side.name(),
            p.total() as f64 / m.done,
            m.cpu / p.total() as f64 * 1e6,
            m.rss / MIB,
            m.first_commit,
            m.done,
            m.broker_cpu / p.total() as f64 * 1e6,
            m.written.0,
            m.written.1
        ),
        Outcome::Unsupported(e) => println!(
            "{:<8} {guarantee:<15} {:<18} not supported: {e}",
            p.name,
            side.name()
        ),
        Outcome::Failed(e) => println!("{:<8} {guarantee:<15} {:<18} FAILED: {e}", p.name, side.name()),
    }
}

const MIB: f64 = 1024.0 * 1024.0;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// `a / b`, or `NaN` (printed as `-`) when nothing was left after the first commit.
fn steady(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { f64::NAN }
}

/// A figure, `-` when undefined.
fn fig(x: f64, decimals: usize) -> String {
    if x.is_finite() {
        format!("{x:.decimals$}")
    } else {
        "-".to_owned()
    }
}

/// The figures of one (pipeline, guarantee, side): medians over the rounds.
struct Figures {
    rate: f64,
    steady: f64,
    first_commit: f64,
    cpu: f64,
    cpu_per_m: f64,
    /// CPU s per M records from the first commit to the end (`NaN` when the first
    /// commit already covered the whole input).
    cpu_per_m_steady: f64,
    rss_mib: f64,
    /// The broker's CPU s per M records.
    broker_per_m: f64,
    /// Records in the outputs and internal topics (offsets: transaction markers count).
    written: (f64, f64),
    /// Join only: table phase (s, CPU s) and stream phase (records/s, CPU s per M).
    phases: Option<(f64, f64, f64, f64)>,
}

fn figures(p: &Pipeline, runs: &[Outcome]) -> Result<Figures, String> {
    let measured: Vec<&Measure> = runs
        .iter()
        .filter_map(|o| match o {
            Outcome::Measured(m) => Some(m),
            _ => None,
        })
        .collect();
    if measured.is_empty() {
        return Err(match runs.first() {
            Some(Outcome::Unsupported(e)) => format!("not supported ({e})"),
            Some(Outcome::Failed(e)) => format!("failed ({e})"),
            _ => "no run".into(),
        });
    }
    let total = p.total() as f64;
    let of = |f: &dyn Fn(&Measure) -> f64| median(measured.iter().map(|m| f(m)).collect());
    let stream = p.topic_total(0) as f64;
    let phases = measured.iter().all(|m| m.table_done.is_some()).then(|| {
        let t = |m: &Measure| m.table_done.unwrap_or_default();
        (
            of(&|m| t(m).0),
            of(&|m| t(m).1),
            of(&|m| stream / (m.done - t(m).0)),
            of(&|m| (m.cpu - t(m).1) / stream * 1e6),
        )
    });
    Ok(Figures {
        rate: of(&|m| total / m.done),
        steady: of(&|m| steady(m.left_at_first, m.done - m.first_commit)),
        first_commit: of(&|m| m.first_commit),
        cpu: of(&|m| m.cpu),
        cpu_per_m: of(&|m| m.cpu / total * 1e6),
        cpu_per_m_steady: of(&|m| steady(m.cpu - m.cpu_at_first, m.left_at_first) * 1e6),
        rss_mib: of(&|m| m.rss / MIB),
        broker_per_m: of(&|m| m.broker_cpu / total * 1e6),
        written: (of(&|m| m.written.0), of(&|m| m.written.1)),
        phases: if p.name == "join" { phases } else { None },
    })
}

fn print_table(guarantee: &str, pipelines: &[Pipeline], per_pipeline: &[[Vec<Outcome>; 2]], rounds: usize) {
    println!();
    println!(
        "### processing.guarantee={guarantee}{}",
        if rounds > 1 {
            format!(" (medians of {rounds} rounds)")
        } else {
            String::new()
        }
    );
    println!();
    println!(
        "| pipeline | input records | application | records/s from start | records/s steady | first commit after | CPU s | CPU s per M records | CPU s per M records, steady | peak RSS MiB | broker CPU s per M records | records written: outputs / internal |"
    );
    println!("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut phase_rows = Vec::new();
    for (p, sides) in pipelines.iter().zip(per_pipeline) {
        let ks = figures(p, &sides[Side::KafkaStreams as usize]);
        let ours = figures(p, &sides[Side::Ours as usize]);
        for (side, f) in [(Side::KafkaStreams, &ks), (Side::Ours, &ours)] {
            match f {
                Ok(f) => {
                    println!(
                        "| {} | {} | {} | {} | {} | {:.2} s | {:.2} | {} | {} | {:.0} | {} | {:.0} / {:.0} |",
                        p.name,
                        p.total(),
                        side.name(),
                        fig(f.rate, 0),
                        fig(f.steady, 0),
                        f.first_commit,
                        f.cpu,
                        fig(f.cpu_per_m, 2),
                        fig(f.cpu_per_m_steady, 2),
                        f.rss_mib,
                        fig(f.broker_per_m, 2),
                        f.written.0,
                        f.written.1
                    );
                    if let Some(ph) = f.phases {
                        phase_rows.push((side, ph));
                    }
                }
                Err(e) => println!(
                    "| {} | {} | {} | {e} | | | | | | |",
                    p.name,
                    p.total(),
                    side.name()
                ),
            }
        }
        if let (Ok(k), Ok(o)) = (&ks, &ours) {
            println!(
                "| {} | | **kstream / Kafka Streams** | **{}** | **{}** | | | **{}** | **{}** | **{}** | {} | |",
                p.name,
                fig(o.rate / k.rate, 2),
                fig(o.steady / k.steady, 2),
                fig(o.cpu_per_m / k.cpu_per_m, 3),
                fig(o.cpu_per_m_steady / k.cpu_per_m_steady, 3),
                fig(o.rss_mib / k.rss_mib, 2),
                fig(o.broker_per_m / k.broker_per_m, 2)
            );
        }
    }
    if !phase_rows.is_empty() {
        println!();
        println!(
            "join phases (the table topic's offsets committed to its end splits the run; both phases overlap by up to a commit interval):"
        );
        println!();
        println!(
            "| application | table loaded after | CPU s to there | stream records/s after it | CPU s per M stream records after it |"
        );
        println!("|---|---:|---:|---:|---:|");
        for (side, (t, cpu, rate, cpu_m)) in phase_rows {
            println!(
                "| {} | {t:.2} s | {cpu:.2} | {rate:.0} | {cpu_m:.2} |",
                side.name()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), 2.5);
    }

    #[test]
    fn lists_drop_the_none_marker() {
        assert_eq!(split("a,b"), vec!["a", "b"]);
        assert!(split("-").is_empty());
    }

    #[test]
    fn this_process_is_measured() {
        let pid = std::process::id();
        assert!(process::cpu_seconds(pid, process::clock_ticks()).is_some());
        assert!(process::peak_rss_bytes(pid).unwrap() > 0);
    }

    #[test]
    fn the_topologies_build() {
        let ins = vec!["in".to_owned(), "table".to_owned()];
        let outs = vec!["a".to_owned(), "b".to_owned()];
        for p in ["map", "join", "count", "wcount", "sjoin", "trucking"] {
            pipelines::topology(p, &ins, &outs).unwrap();
        }
        assert!(pipelines::topology("nope", &ins, &outs).is_err());
    }
}
