//! Source transactions applied atomically: generated Debezium PostgreSQL change events
//! of three tables and their transaction metadata (some transactions sent twice, as a
//! connector does after a restart) -> `cdc-core`'s `TransactionAssembler` -> each
//! transaction written to `shop.applied` in one Kafka transaction, with the
//! assembler's checkpoint and the input offsets to resume from.
//!
//! `cargo run -p streamkit-examples --bin cdc_transactions` runs it on the embedded
//! log; `--crash-after N` stops the applier halfway through its (N+1)th Kafka
//! transaction and starts a new one, which aborts the open transaction and goes on
//! from the last commit. A `read_committed` reader of `shop.applied` then sees every
//! source transaction once, whole and in commit order; a `read_uncommitted` one also
//! sees the aborted half.

use std::process::ExitCode;

use clap::Parser;
use streamlog::Cluster;

#[path = "../cdc_pipeline.rs"]
mod cdc_pipeline;
#[path = "../error_report.rs"]
mod error_report;

use cdc_pipeline::{OUTPUT_TOPIC, Outcome};

#[derive(Parser, Debug)]
#[command(
    about = "Debezium change events assembled into source transactions, each applied in one Kafka transaction"
)]
struct Args {
    /// How many source transactions to generate.
    #[arg(long, default_value_t = 200)]
    transactions: usize,
    /// The generator's seed.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// How many of the last transactions the connector sends twice.
    #[arg(long, default_value_t = 20)]
    resent: usize,
    /// Partitions of each table's topic.
    #[arg(long, default_value_t = 3)]
    partitions: i32,
    /// The most change events the assembler holds; larger transactions go out in
    /// chunks, each in its own Kafka transaction.
    #[arg(long)]
    max_events: Option<usize>,
    /// Stop the applier halfway through its Kafka transaction after this many, then
    /// start a new one.
    #[arg(long)]
    crash_after: Option<usize>,
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => error_report::fail("cdc_transactions", &*e),
    }
}

fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let cluster = Cluster::embedded();
    let (source, records) = cdc_pipeline::generate(args.seed, args.transactions, args.resent)?;
    let events: usize = source.iter().map(|t| t.events.len()).sum();
    println!(
        "source: {} transactions, {events} change events, {} records with BEGIN/END and {} sent again",
        source.len(),
        records.len(),
        args.resent
    );
    cdc_pipeline::create_topics(&cluster, args.partitions)?;
    cdc_pipeline::write_source(&cluster, records)?;
    if cdc_pipeline::apply(&cluster, args.max_events, args.crash_after)? == Outcome::Crashed {
        println!(
            "the applier stopped halfway through its Kafka transaction {}; starting another",
            args.crash_after.unwrap_or_default() + 1
        );
    }
    match cdc_pipeline::apply(&cluster, args.max_events, None)? {
        Outcome::Finished(n) => println!("applied: {n} Kafka transactions"),
        Outcome::Crashed => return Err("the applier stopped unasked".into()),
    }
    let committed = cdc_pipeline::read_all(&cluster, OUTPUT_TOPIC, "read_committed")?;
    let uncommitted = cdc_pipeline::read_all(&cluster, OUTPUT_TOPIC, "read_uncommitted")?;
    println!(
        "{OUTPUT_TOPIC}: {} records read_committed, {} read_uncommitted (aborted ones included)",
        committed.len(),
        uncommitted.len()
    );
    let whole = cdc_pipeline::check(&source, &committed)?;
    println!(
        "read_committed: all {} source transactions, each once, in commit order ({whole} whole, \
         the others in chunks past --max-events)",
        source.len()
    );
    Ok(())
}
