//! The deterministic simulation ([`kstream::sim`]): many seeds of crashes, kills,
//! refused commits and restarts of three instances, checked against a reference run;
//! one seed replays event for event; a planted bug is found within a stated number of
//! seeds.
//!
//! `KSTREAM_SIM_SEEDS` sets how many seeds each test runs (default 200, 40 for
//! RocksDB stores); `KSTREAM_SIM_SEED` runs that one seed only, to replay a failure.

use std::time::Duration;

use kstream::sim::{Check, SimRng, Simulation};
use kstream::{
    Consumed, Grouped, I64Serde, Materialized, OptionSerde, ProcessingGuarantee, Produced, StreamsBuilder,
    StringSerde, TimeWindows, Topology,
};
use streamlog::ProducerRecord;

const PARTITIONS: i32 = 3;

/// The seeds to run: `KSTREAM_SIM_SEED` alone, else `0..KSTREAM_SIM_SEEDS`, else
/// `0..default`.
fn seeds(default: u64) -> Vec<u64> {
    if let Ok(seed) = std::env::var("KSTREAM_SIM_SEED") {
        return vec![seed.parse().expect("KSTREAM_SIM_SEED is a number")];
    }
    let n = std::env::var("KSTREAM_SIM_SEEDS")
        .ok()
        .map(|n| n.parse().expect("KSTREAM_SIM_SEEDS is a number"))
        .unwrap_or(default);
    (0..n).collect()
}

/// `records` clicks of 12 users, with timestamps mostly rising, some out of order
/// and a few late by a minute.
fn clicks(records: i64) -> Vec<ProducerRecord> {
    let mut rng = SimRng::new(99);
    let mut time = 1_000_000;
    (0..records)
        .map(|i| {
            time += rng.between(0, 400);
            let at = match rng.below(20) {
                0 => time - 60_000,
                1..=3 => time - rng.between(0, 3_000),
                _ => time,
            };
            ProducerRecord::new("clicks")
                .key(format!("user{}", rng.below(12)))
                .value(format!("{i}"))
                .timestamp(at)
        })
        .collect()
}

/// Each click mapped, each user's clicks counted, and counted again per page after a
/// repartition (several tasks write each repartition partition).
fn counting() -> Topology {
    let b = StreamsBuilder::new();
    let clicks = b.stream("clicks", Consumed::with(StringSerde, StringSerde));
    clicks
        .map_values(|v| format!("seen {v}"))
        .to("mapped", Produced::with(StringSerde, StringSerde));
    clicks
        .group_by_key(Grouped::with(StringSerde, StringSerde))
        .count(Materialized::with(StringSerde, I64Serde).named("per-user"))
        .to_stream()
        .to("user-counts", Produced::with(StringSerde, OptionSerde(I64Serde)));
    clicks
        .group_by(
            |_, v| Some(format!("page{}", v.parse::<u64>().unwrap_or(0) % 5)),
            Grouped::with(StringSerde, StringSerde),
        )
        .count(Materialized::with(StringSerde, I64Serde).named("per-page"))
        .to_stream()
        .to("page-counts", Produced::with(StringSerde, OptionSerde(I64Serde)));
    b.build().unwrap()
}

/// Clicks per user in tumbling windows of 10 s with 2 s of grace: out-of-order
/// records within the grace count, late ones are dropped.
fn windowed() -> Topology {
    let b = StreamsBuilder::new();
    b.stream("clicks", Consumed::with(StringSerde, StringSerde))
        .group_by_key(Grouped::with(StringSerde, StringSerde))
        .windowed_by(TimeWindows::of_size_and_grace(Duration::from_secs(10), Duration::from_secs(2)).unwrap())
        .count(Materialized::with(StringSerde, I64Serde).named("per-window"))
        .to_stream()
        .map(|k, v| (Some(format!("{}@{}", k.key, k.window.start)), v))
        .to(
            "window-counts",
            Produced::with(StringSerde, OptionSerde(I64Serde)),
        );
    b.build().unwrap()
}

fn counting_simulation(app: &str, guarantee: ProcessingGuarantee) -> Simulation {
    Simulation::new(app, counting)
        .guarantee(guarantee)
        .topic("clicks", PARTITIONS)
        .topic("mapped", PARTITIONS)
        .topic("user-counts", PARTITIONS)
        .topic("page-counts", PARTITIONS)
        .input(clicks(400))
        .output("mapped")
        .output("user-counts")
        .output("page-counts")
        .store("per-user")
        .store("per-page")
}

fn run_all(sim: &Simulation, default_seeds: u64) {
    let (mut crashes, mut refused, mut starts) = (0, 0, 0);
    for seed in seeds(default_seeds) {
        let report = sim.run(seed).unwrap_or_else(|e| panic!("{e}"));
        crashes += report.crashes;
        refused += report.refused_commits;
        starts += report.starts;
    }
    eprintln!("{sim:?}: {crashes} crashes, {refused} refused commits, {starts} starts");
    assert!(crashes > 0 && starts > crashes, "the faults did not happen");
}

#[test]
fn exactly_once_equals_the_reference_whatever_crashes() {
    run_all(
        &counting_simulation("sim-eos", ProcessingGuarantee::ExactlyOnceV2),
        200,
    );
}

#[test]
fn at_least_once_loses_nothing_whatever_crashes() {
    run_all(
        &counting_simulation("sim-alos", ProcessingGuarantee::AtLeastOnce),
        200,
    );
}

#[test]
fn windows_with_late_records_are_exact_under_exactly_once() {
    let sim = Simulation::new("sim-windows", windowed)
        .guarantee(ProcessingGuarantee::ExactlyOnceV2)
        .topic("clicks", PARTITIONS)
        .topic("window-counts", PARTITIONS)
        .input(clicks(300))
        .output("window-counts")
        .store("per-window");
    run_all(&sim, 200);
}

#[test]
fn standbys_taking_over_keep_exactly_once() {
    let sim = counting_simulation("sim-standbys", ProcessingGuarantee::ExactlyOnceV2)
        .configure(|c| c.num_standby_replicas(1));
    run_all(&sim, 100);
    let report = sim.run(0).unwrap();
    assert!(
        report.trace.iter().any(|e| e.contains(", standbys [")),
        "no instance kept a standby"
    );
}

#[cfg(feature = "rocksdb")]
#[test]
fn rocksdb_stores_keep_their_state_across_crashes_under_exactly_once() {
    let sim = counting_simulation("sim-rocksdb", ProcessingGuarantee::ExactlyOnceV2)
        .configure(|c| c.default_store(kstream::StoreKind::RocksDb));
    run_all(&sim, 40);
}

#[test]
fn a_seed_replays_event_for_event() {
    let run = |seed| {
        counting_simulation("sim-replay", ProcessingGuarantee::ExactlyOnceV2)
            .run(seed)
            .unwrap()
    };
    let (first, again, other) = (run(7), run(7), run(8));
    // With standbys, whose placement follows the instances' process ids.
    let standby = |seed| {
        counting_simulation("sim-replay-standbys", ProcessingGuarantee::ExactlyOnceV2)
            .configure(|c| c.num_standby_replicas(1))
            .run(seed)
            .unwrap()
    };
    assert_eq!(standby(3).trace, standby(3).trace);
    assert_eq!(first.trace, again.trace);
    assert_eq!(first, again);
    assert_ne!(first.trace, other.trace);
    assert!(
        first
            .trace
            .iter()
            .any(|e| e.contains("crash") || e.contains("kill"))
    );
}

/// The number of seeds within which the planted bug (input offsets committed before
/// the changelogs are written) must be found, under each guarantee.
const PLANTED_BUG_SEEDS: u64 = 10;

fn finds_the_planted_bug(guarantee: ProcessingGuarantee) {
    let sim = counting_simulation("sim-bug", guarantee)
        .output_with("mapped", Check::NothingLost)
        .plant_offsets_before_changelog_bug();
    let found = (0..PLANTED_BUG_SEEDS).find_map(|seed| sim.run(seed).err().map(|e| (seed, e)));
    let (seed, error) = found.unwrap_or_else(|| {
        panic!("{guarantee:?}: the planted bug went unnoticed for {PLANTED_BUG_SEEDS} seeds")
    });
    eprintln!("{guarantee:?}: the planted bug found at seed {seed}: {error}");
    assert!(matches!(error, kstream::Error::Simulation { .. }), "{error}");
    // The same seed without the bug passes.
    counting_simulation("sim-bug", guarantee).run(seed).unwrap();
}

#[test]
fn the_planted_bug_is_found_under_exactly_once() {
    finds_the_planted_bug(ProcessingGuarantee::ExactlyOnceV2);
}

#[test]
fn the_planted_bug_is_found_under_at_least_once() {
    finds_the_planted_bug(ProcessingGuarantee::AtLeastOnce);
}
