//! `dedup`: drops repeated records between two Kafka topics, as a member of a consumer
//! group (run more instances to share the partitions).
//!
//! ```text
//! dedup --bootstrap-servers localhost:9092 --input orders --output orders-once \
//!       --id-field order.id --window 24h
//! ```
//!
//! It prints its counters every `--progress` interval and when it stops (SIGINT or
//! SIGTERM: it finishes the batch in hand and leaves the group).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use clap::Parser;
use dedup::pipeline::{DedupPipeline, Guarantee, PipelineConfig, PipelineStats};
use dedup::{IdSource, OnMissingId, Storage, SystemClock, TimeBasis, Window};
use streamlog::{ClientConfig, Cluster};

#[derive(Parser, Debug)]
#[command(
    name = "dedup",
    version,
    about = "Drops records whose id was already seen inside a time window, from one Kafka topic to another"
)]
struct Args {
    /// The Kafka cluster.
    #[arg(long, env = "KAFKA_BOOTSTRAP_SERVERS")]
    bootstrap_servers: String,
    /// Client properties (security and the like), one `key=value` a line.
    #[arg(long)]
    command_config: Option<PathBuf>,
    /// The topic to read.
    #[arg(long)]
    input: String,
    /// The topic to write the records with new ids to.
    #[arg(long)]
    output: String,
    /// The id is this field of the JSON value (dotted path, `order.id`).
    #[arg(long, conflicts_with_all = ["id_header", "id_key"])]
    id_field: Option<String>,
    /// The id is the last header of this name.
    #[arg(long, conflicts_with = "id_key")]
    id_header: Option<String>,
    /// The id is the record key.
    #[arg(long)]
    id_key: bool,
    /// How long ids are remembered: a number and a unit (ms, s, m, h, d, w).
    #[arg(long, value_parser = parse_duration)]
    window: Duration,
    /// How many segments the window is cut in (ids are forgotten a segment at a time).
    #[arg(long, default_value_t = 24)]
    segments: u32,
    /// Place records by the time they are read, not by their timestamps.
    #[arg(long)]
    processing_time: bool,
    /// The consumer group (default `dedup-INPUT-OUTPUT`).
    #[arg(long)]
    group: Option<String>,
    /// This instance's stable name in the group (under exactly-once, each running
    /// instance needs its own).
    #[arg(long, default_value = "0")]
    instance_id: String,
    /// Write output, changelog and offsets in one transaction.
    #[arg(long)]
    exactly_once: bool,
    /// Keep whole ids instead of 56-bit fingerprints.
    #[arg(long)]
    exact: bool,
    /// Keep at most this many ids per partition (the oldest segments go first).
    #[arg(long)]
    max_ids: Option<usize>,
    /// What to do with a record without an id: `fail`, `pass` or `dlq:TOPIC`.
    #[arg(long, default_value = "fail")]
    on_missing_id: OnMissingId,
    /// How often to print the counters.
    #[arg(long, value_parser = parse_duration, default_value = "10s")]
    progress: Duration,
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("`{text}`: a number and a unit, such as 24h"))?;
    let (number, unit) = text.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("`{text}`: a number and a unit, such as 24h"))?;
    let ms = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        "w" => 604_800_000,
        _ => return Err(format!("`{text}`: the unit is one of ms, s, m, h, d, w")),
    };
    Ok(Duration::from_millis(n.saturating_mul(ms)))
}

fn show(stats: &PipelineStats, since: Instant) -> String {
    format!(
        "consumed {} passed {} duplicates {} missing-id {} dead-letters {} restored-ids {} ({:.0} records/s)",
        stats.consumed,
        stats.passed,
        stats.duplicates,
        stats.missing_ids,
        stats.dead_letters,
        stats.restored_ids,
        stats.consumed as f64 / since.elapsed().as_secs_f64().max(1e-3)
    )
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::INFO)
        .init();
    let args = Args::parse();
    match run(args) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dedup: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<(), dedup::Error> {
    let ids = match (&args.id_field, &args.id_header, args.id_key) {
        (Some(path), _, _) => IdSource::json_field(path),
        (_, Some(name), _) => IdSource::Header(name.clone()),
        (_, _, true) => IdSource::Key,
        _ => {
            return Err(dedup::Error::Config {
                setting: "id",
                reason: "say where the id is: --id-field PATH, --id-header NAME or --id-key".into(),
            });
        }
    };
    let mut client = match &args.command_config {
        Some(path) => ClientConfig::from_properties_file(path)?,
        None => ClientConfig::new(),
    };
    client = client.bootstrap_servers(args.bootstrap_servers.as_str());
    let cluster = Cluster::kafka(client.clone())?;
    let group = args
        .group
        .clone()
        .unwrap_or_else(|| format!("dedup-{}-{}", args.input, args.output));
    let mut config = PipelineConfig::new(
        group,
        &args.input,
        &args.output,
        ids,
        Window::new(args.window, args.segments)?,
    )
    .client(client)
    .instance_id(&args.instance_id)
    .on_missing_id(args.on_missing_id.clone())
    .storage(if args.exact {
        Storage::Exact
    } else {
        Storage::Compact
    })
    .guarantee(if args.exactly_once {
        Guarantee::ExactlyOnce
    } else {
        Guarantee::AtLeastOnce
    });
    if args.processing_time {
        config = config.time_basis(TimeBasis::ProcessingTime(Arc::new(SystemClock)));
    }
    if let Some(max) = args.max_ids {
        config = config.max_ids(max);
    }
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, stop.clone()).map_err(|e| dedup::Error::Config {
            setting: "signals",
            reason: e.to_string(),
        })?;
    }
    let mut pipeline = DedupPipeline::new(&cluster, config)?;
    eprintln!(
        "dedup: {} -> {} (changelog {}), window {:?}",
        args.input,
        args.output,
        pipeline.changelog_topic(),
        args.window
    );
    let started = Instant::now();
    let mut shown = Instant::now();
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        pipeline.step()?;
        if shown.elapsed() >= args.progress {
            eprintln!("dedup: {}", show(&pipeline.stats(), started));
            shown = Instant::now();
        }
    }
    eprintln!("dedup: stopped; {}", show(&pipeline.stats(), started));
    pipeline.close()
}
