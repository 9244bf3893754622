//! A deterministic simulation of an application's instances, for testing a topology
//! against crashes: several instances of one application run on an embedded log with
//! a [`ManualClock`], stepped one at a time on the calling thread, while a seeded
//! random schedule kills them (dropped without a commit or a goodbye to the group),
//! crashes them at [`FaultPoint`]s (in the middle of a commit, of a transaction, of a
//! restore), refuses their commits (an aborted transaction under exactly-once),
//! closes and restarts them (with their state directory or a new one), while the input
//! arrives in bursts, with the timestamps the application gave it (late and
//! out-of-order records included). Once the schedule ends, every instance is started
//! and the application runs until it settles. Then its output topics (read
//! committed) and stores are checked against a reference run, one instance without
//! faults, of the same input:
//!
//! - under `exactly_once_v2`, every output key's values equal the reference's, in the
//!   same order, and the stores hold exactly the reference's entries;
//! - under `at_least_once`, no value of the reference is missing (duplicates are
//!   allowed), and every key of the reference's stores is there.
//!
//! A run depends on its seed alone: the same seed gives the same run, event for event
//! ([`SimulationReport::trace`]), so a failing seed, printed in the error, replays the
//! same way. The comparison asks for outputs that depend on the input alone, not on
//! when commits happen: the simulation turns the record caches off
//! (`statestore.cache.max.bytes=0`), and wall-clock punctuation or a join of two
//! partitions processed in timestamp order would differ between runs.
//!
//! ```
//! use kstream::sim::{Simulation, SimRng};
//! use kstream::{Consumed, Grouped, I64Serde, Materialized, OptionSerde, ProcessingGuarantee,
//!     Produced, StreamsBuilder, StringSerde};
//! use streamlog::ProducerRecord;
//!
//! let topology = || {
//!     let b = StreamsBuilder::new();
//!     b.stream("clicks", Consumed::with(StringSerde, StringSerde))
//!         .group_by_key(Grouped::with(StringSerde, StringSerde))
//!         .count(Materialized::with(StringSerde, I64Serde).named("clicks-per-user"))
//!         .to_stream()
//!         .to("counts", Produced::with(StringSerde, OptionSerde(I64Serde)));
//!     b.build().unwrap()
//! };
//! let mut rng = SimRng::new(1);
//! let input = (0..200).map(|i| {
//!     ProducerRecord::new("clicks")
//!         .key(format!("user{}", rng.below(10)))
//!         .value("click")
//!         .timestamp(1_000 * i)
//! });
//! let sim = Simulation::new("clicks", topology)
//!     .guarantee(ProcessingGuarantee::ExactlyOnceV2)
//!     .topic("clicks", 3)
//!     .topic("counts", 3)
//!     .input(input)
//!     .output("counts")
//!     .store("clicks-per-user")
//!     .steps(400);
//! for seed in 0..3 {
//!     let report = sim.run(seed).unwrap();
//!     assert_eq!(report.seed, seed);
//! }
//! ```

mod instance;
mod observe;
mod rng;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use streamlog::embedded::EmbeddedCluster;
use streamlog::time::{Clock, ManualClock};
use streamlog::{ClientConfig, Cluster, ProducerRecord, TopicConfig};

pub use crate::runtime::FaultPoint;
pub use rng::SimRng;

use crate::config::{OFFSETS_BEFORE_CHANGELOG, ProcessingGuarantee, StreamsConfig};
use crate::dsl::Topology;
use crate::error::{Error, Result};
use crate::runtime::FaultAction;
use instance::{Instance, Stepped};
use observe::{Output, StoreEntries};

/// How an output topic or a store of the simulated run is compared with the
/// reference run's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// The same values per key, in the same order (a store: the same entries). The
    /// default under `exactly_once_v2`.
    Exact,
    /// Every value of the reference is there, per key, duplicates allowed (a store:
    /// every key of the reference is there). The default under `at_least_once`.
    NothingLost,
}

/// What one simulated run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimulationReport {
    /// The run's seed.
    pub seed: u64,
    /// Its events, one per line: input bursts, faults armed and met, kills, closes,
    /// starts, task moves, and the digests of the outputs. The same seed gives the
    /// same trace.
    pub trace: Vec<String>,
    /// How many steps the run took.
    pub steps: usize,
    /// How many times an instance stopped as a crash stops it (a kill between steps,
    /// or at a fault point).
    pub crashes: usize,
    /// How many commits were refused (under exactly-once: transactions aborted).
    pub refused_commits: usize,
    /// How many times an instance started (the first starts included).
    pub starts: usize,
}

/// A simulation of one application: its topology, topics, input and what to check
/// (see the [module](self) documentation).
pub struct Simulation {
    application_id: String,
    topology: Box<dyn Fn() -> Topology>,
    configure: Box<dyn Fn(StreamsConfig) -> StreamsConfig>,
    guarantee: ProcessingGuarantee,
    topics: Vec<(String, i32)>,
    input: Vec<ProducerRecord>,
    outputs: Vec<(String, Option<Check>)>,
    stores: Vec<(String, Option<Check>)>,
    instances: usize,
    steps: usize,
    planted_bug: bool,
    reference: RefCell<Option<Observed>>,
}

impl std::fmt::Debug for Simulation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulation")
            .field("application_id", &self.application_id)
            .field("guarantee", &self.guarantee)
            .field("instances", &self.instances)
            .field("steps", &self.steps)
            .finish_non_exhaustive()
    }
}

/// What a run left in the outputs and stores.
#[derive(Debug, Clone)]
struct Observed {
    outputs: BTreeMap<String, Output>,
    stores: BTreeMap<String, StoreEntries>,
}

/// How many steps a run may take to settle once the faults stop.
const SETTLE_STEPS: usize = 20_000;
/// The simulated clock's start (2023-11-14T22:13:20Z).
const START_MILLIS: i64 = 1_700_000_000_000;

impl Simulation {
    /// A simulation of application `application_id`, whose instances each run the
    /// topology `topology` builds. Three instances, 1,500 steps of faults,
    /// at-least-once, until told otherwise.
    pub fn new(application_id: impl Into<String>, topology: impl Fn() -> Topology + 'static) -> Self {
        Self {
            application_id: application_id.into(),
            topology: Box::new(topology),
            configure: Box::new(|config| config),
            guarantee: ProcessingGuarantee::AtLeastOnce,
            topics: Vec::new(),
            input: Vec::new(),
            outputs: Vec::new(),
            stores: Vec::new(),
            instances: 3,
            steps: 1500,
            planted_bug: false,
            reference: RefCell::new(None),
        }
    }

    /// The processing guarantee the instances run.
    pub fn guarantee(mut self, guarantee: ProcessingGuarantee) -> Self {
        self.guarantee = guarantee;
        self
    }

    /// Changes the instances' configuration, which starts as the simulation's:
    /// one stream thread, a commit every 100 ms, no record cache, 20 records a poll,
    /// a member that stops polling out after 1 s and a transaction after 2 s.
    pub fn configure(mut self, configure: impl Fn(StreamsConfig) -> StreamsConfig + 'static) -> Self {
        self.configure = Box::new(configure);
        self
    }

    /// A topic to create with `partitions` (the input and output topics; the
    /// application creates its internal topics).
    pub fn topic(mut self, name: impl Into<String>, partitions: i32) -> Self {
        self.topics.push((name.into(), partitions));
        self
    }

    /// Records to produce, in this order, in bursts during the run. Give them
    /// timestamps: otherwise they take the simulated clock's time, which differs
    /// between the run and the reference.
    pub fn input(mut self, records: impl IntoIterator<Item = ProducerRecord>) -> Self {
        self.input.extend(records);
        self
    }

    /// An output topic to compare with the reference's, as the guarantee says.
    pub fn output(self, topic: impl Into<String>) -> Self {
        self.output_checked(topic, None)
    }

    /// An output topic to compare with the reference's under `check`.
    pub fn output_with(self, topic: impl Into<String>, check: Check) -> Self {
        self.output_checked(topic, Some(check))
    }

    fn output_checked(mut self, topic: impl Into<String>, check: Option<Check>) -> Self {
        self.outputs.push((topic.into(), check));
        self
    }

    /// A store to compare with the reference's, as the guarantee says.
    pub fn store(mut self, name: impl Into<String>) -> Self {
        self.stores.push((name.into(), None));
        self
    }

    /// A store to compare with the reference's under `check`.
    pub fn store_with(mut self, name: impl Into<String>, check: Check) -> Self {
        self.stores.push((name.into(), Some(check)));
        self
    }

    /// How many instances run at most at once (at least one).
    pub fn instances(mut self, instances: usize) -> Self {
        self.instances = instances.max(1);
        self
    }

    /// How many steps faults are injected for, before the run settles.
    pub fn steps(mut self, steps: usize) -> Self {
        self.steps = steps;
        self
    }

    /// Plants a bug in the instances for the simulation to find: a commit commits the
    /// input offsets before it writes the stores' changelogs.
    #[doc(hidden)]
    pub fn plant_offsets_before_changelog_bug(mut self) -> Self {
        self.planted_bug = true;
        self
    }

    /// Runs the simulation with `seed` and checks the outcome against the reference
    /// run (made once per simulation). [`Error::Simulation`] names the seed, what
    /// differs and the last events.
    pub fn run(&self, seed: u64) -> Result<SimulationReport> {
        if self.reference.borrow().is_none() {
            let mut world = World::new(self, 0, false)?;
            let observed = world
                .run()
                .map_err(|e| world.failure(format!("the reference run: {e}")))?;
            *self.reference.borrow_mut() = Some(observed);
        }
        let mut world = World::new(self, seed, true)?;
        let observed = world.run().map_err(|e| world.failure(e.to_string()))?;
        let reference = self.reference.borrow();
        let reference = reference.as_ref().expect("made above");
        let default = match self.guarantee {
            ProcessingGuarantee::ExactlyOnceV2 => Check::Exact,
            ProcessingGuarantee::AtLeastOnce => Check::NothingLost,
        };
        for (topic, check) in &self.outputs {
            let empty = Output::new();
            let expected = reference.outputs.get(topic).unwrap_or(&empty);
            let got = observed.outputs.get(topic).unwrap_or(&empty);
            if let Some(diff) = observe::compare_output(check.unwrap_or(default), expected, got) {
                return Err(world.failure(format!("output topic {topic}: {diff}")));
            }
        }
        for (store, check) in &self.stores {
            let empty = StoreEntries::new();
            let expected = reference.stores.get(store).unwrap_or(&empty);
            let got = observed.stores.get(store).unwrap_or(&empty);
            if let Some(diff) = observe::compare_store(check.unwrap_or(default), expected, got) {
                return Err(world.failure(format!("store {store}: {diff}")));
            }
        }
        Ok(world.report)
    }

    fn config(&self) -> StreamsConfig {
        let base = StreamsConfig::new(self.application_id.as_str())
            .processing_guarantee(self.guarantee)
            .commit_interval(Duration::from_millis(100))
            .set("statestore.cache.max.bytes", "0")
            .set("max.poll.records", "20")
            .set("max.poll.interval.ms", "1000")
            .set("session.timeout.ms", "1000")
            .set("transaction.timeout.ms", "2000");
        let config = (self.configure)(base).num_stream_threads(1);
        if self.planted_bug {
            config.set(OFFSETS_BEFORE_CHANGELOG, "true")
        } else {
            config
        }
    }
}

/// One run: the log, the clock, the instances and the trace.
struct World<'a> {
    sim: &'a Simulation,
    rng: SimRng,
    clock: ManualClock,
    cluster: Cluster,
    instances: Vec<Instance>,
    dirs: StateDirs,
    /// How many input records were produced.
    produced: usize,
    faults: bool,
    step: usize,
    report: SimulationReport,
}

impl<'a> World<'a> {
    fn new(sim: &'a Simulation, seed: u64, faults: bool) -> Result<Self> {
        let clock = ManualClock::new(START_MILLIS);
        let cluster =
            Cluster::from_backend(Arc::new(EmbeddedCluster::builder().clock(clock.clone()).build()));
        let admin = cluster.admin()?;
        for (topic, partitions) in &sim.topics {
            admin.create_topic(topic, &TopicConfig::new(*partitions))?;
        }
        let dirs = StateDirs::new()?;
        let count = if faults { sim.instances } else { 1 };
        let instances = (0..count)
            .map(|_| dirs.fresh(&sim.application_id).map(Instance::new))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            sim,
            rng: SimRng::new(seed),
            clock,
            cluster,
            instances,
            dirs,
            produced: 0,
            faults,
            step: 0,
            report: SimulationReport {
                seed,
                trace: Vec::new(),
                steps: 0,
                crashes: 0,
                refused_commits: 0,
                starts: 0,
            },
        })
    }

    fn trace(&mut self, event: String) {
        let elapsed = self.clock.now_millis() - START_MILLIS;
        self.report
            .trace
            .push(format!("{} +{elapsed}ms {event}", self.step));
    }

    fn failure(&self, failure: String) -> Error {
        let tail = self.report.trace.len().saturating_sub(30);
        Error::Simulation {
            seed: self.report.seed,
            failure,
            trace_tail: self.report.trace[tail..].join("\n"),
        }
    }

    /// Runs the schedule, then until the application settles; what it left.
    fn run(&mut self) -> Result<Observed> {
        let fault_steps = if self.faults { self.sim.steps } else { 0 };
        if !self.faults {
            self.produce(self.sim.input.len())?;
        }
        self.start(0, true)?;
        loop {
            self.step += 1;
            self.clock.advance(self.rng.between(1, 25));
            if self.produced < self.sim.input.len() && self.rng.chance(300) {
                let burst = self.rng.between(1, 8) as usize;
                self.produce(burst)?;
            }
            if self.step < fault_steps {
                self.inject()?;
            } else {
                self.heal()?;
            }
            let mut order: Vec<usize> = (0..self.instances.len()).collect();
            for i in (1..order.len()).rev() {
                order.swap(i, self.rng.below(i as u64 + 1) as usize);
            }
            for i in order {
                self.step_instance(i)?;
            }
            if self.step >= fault_steps && self.step.is_multiple_of(10) && self.settled()? {
                break;
            }
            if self.step > fault_steps + SETTLE_STEPS {
                return Err(Error::NotRunning(format!(
                    "the application did not settle within {SETTLE_STEPS} steps after the faults stopped"
                )));
            }
        }
        self.report.steps = self.step;
        self.observe()
    }

    /// Produces the next `count` input records.
    fn produce(&mut self, count: usize) -> Result<()> {
        let from = self.produced;
        let to = (from + count).min(self.sim.input.len());
        let producer = self.cluster.producer(&ClientConfig::new())?;
        for record in &self.sim.input[from..to] {
            producer.send(record.clone())?;
        }
        producer.flush(Duration::ZERO)?;
        self.produced = to;
        self.trace(format!("input {from}..{to}"));
        Ok(())
    }

    /// The schedule's faults for this step.
    fn inject(&mut self) -> Result<()> {
        let live: Vec<usize> = (0..self.instances.len())
            .filter(|i| self.instances[*i].is_live())
            .collect();
        let roll = self.rng.below(1000);
        if !live.is_empty() {
            let i = live[self.rng.below(live.len() as u64) as usize];
            if roll < 3 {
                self.instances[i].kill();
                self.report.crashes += 1;
                self.trace(format!("kill {i}"));
            } else if roll < 5 {
                self.trace(format!("close {i}"));
                if let Some(at) = self.instances[i].close()? {
                    self.report.crashes += 1;
                    self.trace(format!("crash {i} at {at:?} while closing"));
                }
            } else if roll < 15 {
                let point = FaultPoint::ALL[self.rng.below(FaultPoint::ALL.len() as u64) as usize];
                let action = if point == FaultPoint::CommitBeforeOffsets && self.rng.chance(400) {
                    FaultAction::FailCommit
                } else {
                    FaultAction::Crash
                };
                self.instances[i].arm(point, action);
                self.trace(format!("arm {i} {action:?} at {point:?}"));
            }
        }
        let any_live = !live.is_empty();
        for i in 0..self.instances.len() {
            if !self.instances[i].is_live() && (self.rng.chance(25) || (!any_live && i == 0)) {
                let keep = self.rng.chance(500);
                self.start(i, keep)?;
            }
        }
        Ok(())
    }

    /// After the schedule: no fault armed, every instance running, the input all in.
    fn heal(&mut self) -> Result<()> {
        for i in 0..self.instances.len() {
            self.instances[i].disarm();
            if !self.instances[i].is_live() {
                self.start(i, true)?;
            }
        }
        if self.produced < self.sim.input.len() {
            self.produce(self.sim.input.len() - self.produced)?;
        }
        Ok(())
    }

    /// Starts instance `i`, with its state directory (`keep`) or a new one.
    fn start(&mut self, i: usize, keep: bool) -> Result<()> {
        if !keep {
            self.instances[i].state_dir = self.dirs.fresh(&self.sim.application_id)?;
        }
        let topology = (self.sim.topology)();
        self.instances[i].start(topology, &self.cluster, self.sim.config(), &self.clock)?;
        self.report.starts += 1;
        self.trace(format!(
            "start {i} with {} state",
            if keep { "its" } else { "new" }
        ));
        Ok(())
    }

    fn step_instance(&mut self, i: usize) -> Result<()> {
        let armed_refusal = self.instances[i].armed_refusal();
        match self.instances[i].step() {
            Ok(Stepped::Ran(tasks)) => {
                if armed_refusal && !self.instances[i].armed_refusal() {
                    self.report.refused_commits += 1;
                    self.trace(format!("commit of {i} refused"));
                }
                if let Some((active, standby)) = tasks {
                    let shown = |ids: &[crate::TaskId]| {
                        ids.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ")
                    };
                    let standby = if standby.is_empty() {
                        String::new()
                    } else {
                        format!(", standbys [{}]", shown(&standby))
                    };
                    self.trace(format!("tasks of {i}: [{}]{standby}", shown(&active)));
                }
                Ok(())
            }
            Ok(Stepped::Crashed(at)) => {
                self.report.crashes += 1;
                self.trace(format!("crash {i} at {at:?}"));
                Ok(())
            }
            Err(error) => Err(Error::NotRunning(format!("instance {i} failed: {error}"))),
        }
    }

    /// Whether every instance runs its tasks and nothing is left to do.
    fn settled(&self) -> Result<bool> {
        let mut sources = None;
        for instance in &self.instances {
            let Some(streams) = instance.streams() else {
                return Ok(false);
            };
            if streams.state() != crate::StreamsState::Running {
                return Ok(false);
            }
            sources.get_or_insert_with(|| streams.source_topics());
        }
        observe::settled(
            &self.cluster,
            &self.sim.application_id,
            &sources.unwrap_or_default(),
        )
    }

    /// Reads the stores, closes the instances, reads the outputs.
    fn observe(&mut self) -> Result<Observed> {
        let mut stores = BTreeMap::new();
        for (name, _) in &self.sim.stores {
            let live = self.instances.iter().filter_map(Instance::streams);
            stores.insert(name.clone(), observe::read_store(live, name)?);
        }
        for instance in &mut self.instances {
            instance.close()?;
        }
        let mut outputs = BTreeMap::new();
        for (topic, _) in &self.sim.outputs {
            let output = observe::read_output(&self.cluster, topic)?;
            let (records, hash) = observe::digest(&output);
            self.trace(format!("output {topic}: {records} records, digest {hash:016x}"));
            outputs.insert(topic.clone(), output);
        }
        Ok(Observed { outputs, stores })
    }
}

/// The state directories of a run's instances, under one temporary directory that
/// goes with the run.
struct StateDirs {
    root: PathBuf,
    made: AtomicU64,
}

impl StateDirs {
    fn new() -> Result<Self> {
        static RUNS: AtomicU64 = AtomicU64::new(0);
        let run = RUNS.fetch_add(1, Ordering::SeqCst);
        let root = std::env::temp_dir().join(format!("kstream-sim-{}-{run}", std::process::id()));
        std::fs::create_dir_all(&root).map_err(|source| Error::StateDirectory {
            path: root.clone(),
            source,
        })?;
        Ok(Self {
            root,
            made: AtomicU64::new(0),
        })
    }

    /// A new state directory for `application_id`, with a process id of its own
    /// numbered in the order the directories are made (a random one would change the
    /// standby placement from run to run).
    fn fresh(&self, application_id: &str) -> Result<PathBuf> {
        let n = self.made.fetch_add(1, Ordering::SeqCst);
        let dir = self.root.join(n.to_string());
        let id = format!("00000000-0000-0000-0000-{n:012x}");
        crate::runtime::process_id::write(&dir.join(application_id), &id)?;
        Ok(dir)
    }
}

impl Drop for StateDirs {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}
