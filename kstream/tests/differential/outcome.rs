//! Scenario files, running one on kstream's `TopologyTestDriver`, and the outcome: the
//! output records and store contents, parsed from a golden file or rendered in the same
//! layout as the Java side writes (one record per line), and compared.
//!
//! A scenario's `runner` says how Kafka ran it: through its `TopologyTestDriver`, which
//! commits after every record (`driver`, the default), or as a real `KafkaStreams`
//! application on a broker that commits once, when it closes (`broker`). kstream's
//! driver runs the first with a commit after every record, the second with
//! [`DriverCommit::Manual`] and one commit after the last step.

use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use kstream::description::{Node, NodeDescription};
use kstream::{DriverCommit, StreamsConfig, TEST_APPLICATION_ID, TopologyDescription, TopologyTestDriver};
use serde::Deserialize;
use serde_json::Value;

use super::catalogue::Catalogue;

/// How a topic's key or value bytes are shown.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// UTF-8 text.
    #[default]
    String,
    /// Kafka's 8-byte big-endian long.
    Long,
    /// The raw bytes in lower-case hex (an output's keys or values only, as a windowed
    /// serde writes them).
    Hex,
}

/// What ran the scenario on Kafka's side.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Runner {
    /// Kafka Streams' `TopologyTestDriver`: a commit after every record, the outputs
    /// read after every step.
    #[default]
    Driver,
    /// A `KafkaStreams` application on a broker: every record produced before it
    /// starts, one commit when it closes, the outputs read at the end (tagged with the
    /// last step).
    Broker,
}

/// A topic read after every step.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputSpec {
    pub topic: String,
    #[serde(default)]
    pub key: Kind,
    #[serde(default)]
    pub value: Kind,
}

/// A store dumped after the last step.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreSpec {
    pub name: String,
    #[serde(default)]
    pub value: Kind,
}

/// A record piped into a topic, or an advance of the wall clock.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Step {
    Advance {
        advance_wall_clock_ms: i64,
    },
    Record {
        topic: String,
        key: Option<String>,
        value: Option<String>,
        timestamp: i64,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioFile {
    description: String,
    topology: Option<String>,
    #[serde(default)]
    runner: Runner,
    #[serde(default)]
    config: serde_json::Map<String, Value>,
    known_difference: Option<String>,
    outputs: Vec<OutputSpec>,
    #[serde(default)]
    stores: Vec<StoreSpec>,
    steps: Vec<Step>,
}

/// One scenario file.
#[derive(Debug)]
pub struct Scenario {
    /// The file's name without `.json`.
    pub name: String,
    /// The catalogue entry it runs (the name unless the file says otherwise).
    pub topology: String,
    pub runner: Runner,
    pub description: String,
    pub config: Vec<(String, String)>,
    pub known_difference: Option<String>,
    pub outputs: Vec<OutputSpec>,
    pub stores: Vec<StoreSpec>,
    pub steps: Vec<Step>,
}

impl Scenario {
    pub fn read(path: &Path) -> Result<Scenario, String> {
        let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
        let file: ScenarioFile = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        let name = path
            .file_stem()
            .ok_or("no file name")?
            .to_string_lossy()
            .into_owned();
        let config = file
            .config
            .into_iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k, s)),
                other => Err(format!("config `{k}` must be a string, not {other}")),
            })
            .collect::<Result<_, _>>()?;
        if let Some(store) = file.stores.iter().find(|s| s.value == Kind::Hex) {
            // As the Java side: a store is read through its serdes, not as bytes.
            return Err(format!("store `{}`: \"hex\" is for outputs only", store.name));
        }
        if file.runner == Runner::Broker {
            // As the Java side: a closed application has no stores to read, and runs on
            // the real clock.
            if !file.stores.is_empty() {
                return Err(
                    "a scenario with \"runner\": \"broker\" cannot dump stores (the application is \
                     closed when its outputs are read); remove `stores`"
                        .to_owned(),
                );
            }
            if let Some(i) = file.steps.iter().position(|s| matches!(s, Step::Advance { .. })) {
                return Err(format!(
                    "step {i}: a scenario with \"runner\": \"broker\" cannot advance the wall clock \
                     (KafkaStreams runs on the real one)"
                ));
            }
        }
        Ok(Scenario {
            topology: file.topology.unwrap_or_else(|| name.clone()),
            runner: file.runner,
            name,
            description: file.description,
            config,
            known_difference: file.known_difference,
            outputs: file.outputs,
            stores: file.stores,
            steps: file.steps,
        })
    }
}

/// One record read from an output topic, and the step that caused it.
#[derive(Debug, Clone, PartialEq)]
pub struct OutRecord {
    pub step: u64,
    pub topic: String,
    pub key: Value,
    pub value: Value,
    pub timestamp: i64,
}

/// One entry of a dumped store: key, value and, in a timestamped store, the value's
/// timestamp.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreEntry {
    pub key: Value,
    pub value: Value,
    pub timestamp: Option<i64>,
}

/// What a scenario produced.
#[derive(Debug, Default, PartialEq)]
pub struct Outcome {
    /// The topology's description, normalized ([`describe_lines`]).
    pub describe: Vec<String>,
    pub records: Vec<OutRecord>,
    /// Each store's entries in the store's order, stores in the scenario's order.
    pub stores: Vec<(String, Vec<StoreEntry>)>,
    /// The error that stopped the run (kstream only: Kafka's goldens never have one).
    pub error: Option<String>,
}

fn field<'a>(v: &'a Value, name: &str) -> Result<&'a Value, String> {
    v.get(name).ok_or_else(|| format!("missing `{name}` in {v}"))
}

impl Outcome {
    /// Reads a golden or recorded file.
    pub fn parse(text: &str) -> Result<Outcome, String> {
        let root: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let mut outcome = Outcome::default();
        for line in field(&root, "describe")?
            .as_array()
            .ok_or("`describe` is not a list")?
        {
            let line = line.as_str().ok_or("a `describe` line is not a string")?;
            outcome.describe.push(line.to_owned());
        }
        for r in field(&root, "records")?
            .as_array()
            .ok_or("`records` is not a list")?
        {
            outcome.records.push(OutRecord {
                step: field(r, "step")?.as_u64().ok_or("`step` is not a number")?,
                topic: field(r, "topic")?
                    .as_str()
                    .ok_or("`topic` is not a string")?
                    .to_owned(),
                key: field(r, "key")?.clone(),
                value: field(r, "value")?.clone(),
                timestamp: field(r, "timestamp")?
                    .as_i64()
                    .ok_or("`timestamp` is not a number")?,
            });
        }
        for (name, entries) in field(&root, "stores")?
            .as_object()
            .ok_or("`stores` is not an object")?
        {
            let entries = entries
                .as_array()
                .ok_or("a store is not a list")?
                .iter()
                .map(|e| {
                    Ok(StoreEntry {
                        key: field(e, "key")?.clone(),
                        value: field(e, "value")?.clone(),
                        timestamp: e.get("timestamp").and_then(Value::as_i64),
                    })
                })
                .collect::<Result<_, String>>()?;
            outcome.stores.push((name.clone(), entries));
        }
        outcome.error = root.get("error").and_then(Value::as_str).map(str::to_owned);
        Ok(outcome)
    }

    /// The file layout of the Java side's `GoldenWriter`, plus `error` when there is one.
    pub fn render(&self, scenario: &str, topology: &str) -> String {
        let j = |v: &Value| v.to_string();
        let s = |v: &str| Value::from(v).to_string();
        let mut out = String::from("{\n");
        out += &format!("  \"scenario\": {},\n", s(scenario));
        out += &format!("  \"topology\": {},\n", s(topology));
        out += "  \"describe\": [\n";
        let lines: Vec<String> = self.describe.iter().map(|l| format!("    {}", s(l))).collect();
        out += &lines.join(",\n");
        if !lines.is_empty() {
            out += "\n";
        }
        out += "  ],\n";
        if self.records.is_empty() {
            out += "  \"records\": [],\n";
        } else {
            out += "  \"records\": [\n";
            let lines: Vec<String> = self
                .records
                .iter()
                .map(|r| {
                    format!(
                        "    {{\"step\": {}, \"topic\": {}, \"key\": {}, \"value\": {}, \"timestamp\": {}}}",
                        r.step,
                        s(&r.topic),
                        j(&r.key),
                        j(&r.value),
                        r.timestamp
                    )
                })
                .collect();
            out += &lines.join(",\n");
            out += "\n  ],\n";
        }
        let end = if self.error.is_some() { ",\n" } else { "\n" };
        if self.stores.is_empty() {
            out += &format!("  \"stores\": {{}}{end}");
        } else {
            out += "  \"stores\": {\n";
            let stores: Vec<String> = self
                .stores
                .iter()
                .map(|(name, entries)| {
                    if entries.is_empty() {
                        return format!("    {}: []", s(name));
                    }
                    let lines: Vec<String> = entries
                        .iter()
                        .map(|e| match e.timestamp {
                            Some(t) => format!(
                                "      {{\"key\": {}, \"value\": {}, \"timestamp\": {t}}}",
                                j(&e.key),
                                j(&e.value)
                            ),
                            None => format!("      {{\"key\": {}, \"value\": {}}}", j(&e.key), j(&e.value)),
                        })
                        .collect();
                    format!("    {}: [\n{}\n    ]", s(name), lines.join(",\n"))
                })
                .collect();
            out += &stores.join(",\n");
            out += &format!("\n  }}{end}");
        }
        if let Some(e) = &self.error {
            out += &format!("  \"error\": {}\n", s(e));
        }
        out += "}\n";
        out
    }
}

/// A topology's description in the normal form the Java side writes
/// (`TopologyLines.java`): the sub-topologies (global stores among them) by id, one line
/// per node, nodes by name, their topics, stores and neighbours sorted.
pub fn describe_lines(description: &TopologyDescription) -> Vec<String> {
    fn names(names: &[String]) -> String {
        let mut names = names.to_vec();
        names.sort();
        if names.is_empty() {
            "none".to_owned()
        } else {
            names.join(", ")
        }
    }
    fn node(n: &Node) -> String {
        let (to, from) = (names(n.successors()), names(n.predecessors()));
        match n.kind() {
            NodeDescription::Source { topics } => {
                let mut topics = topics.clone();
                topics.sort();
                format!("Source: {} (topics: [{}]) --> {to}", n.name(), topics.join(", "))
            }
            NodeDescription::Processor { stores } => {
                let mut stores = stores.clone();
                stores.sort();
                format!(
                    "Processor: {} (stores: [{}]) --> {to} <-- {from}",
                    n.name(),
                    stores.join(", ")
                )
            }
            NodeDescription::Sink { topic: Some(topic) } => {
                format!("Sink: {} (topic: {topic}) <-- {from}", n.name())
            }
            NodeDescription::Sink { topic: None } => {
                format!("Sink: {} (topic extractor) <-- {from}", n.name())
            }
            other => panic!("a node the normal form does not know: {other:?}"),
        }
    }
    let mut by_id: std::collections::BTreeMap<usize, Vec<String>> = Default::default();
    for s in description.subtopologies() {
        let mut nodes: Vec<&Node> = s.nodes().iter().collect();
        nodes.sort_by(|a, b| a.name().cmp(b.name()));
        let mut lines = vec![format!("Sub-topology: {}", s.id())];
        lines.extend(nodes.into_iter().map(|n| format!("  {}", node(n))));
        by_id.insert(s.id(), lines);
    }
    for g in description.global_stores() {
        by_id.insert(
            g.id(),
            vec![
                format!("Sub-topology: {} for global store", g.id()),
                format!("  {}", node(g.source())),
                format!("  {}", node(g.processor())),
            ],
        );
    }
    by_id.into_values().flatten().collect()
}

/// Bytes as the scenario says to show them; null stays null. `place` (a topic or a
/// store) names where they come from in errors.
fn decode(kind: Kind, bytes: Option<&Bytes>, place: &str) -> Result<Value, String> {
    let Some(bytes) = bytes else {
        return Ok(Value::Null);
    };
    match kind {
        Kind::String => String::from_utf8(bytes.to_vec())
            .map(Value::from)
            .map_err(|e| format!("{place}: not UTF-8: {e}")),
        Kind::Long => {
            let b: [u8; 8] = bytes
                .as_ref()
                .try_into()
                .map_err(|_| format!("{place}: {} bytes where a long (8) was expected", bytes.len()))?;
            Ok(Value::from(i64::from_be_bytes(b)))
        }
        Kind::Hex => Ok(Value::from(
            bytes.iter().map(|b| format!("{b:02x}")).collect::<String>(),
        )),
    }
}

/// Runs a scenario on kstream. An error inside the topology ends the run and is part of
/// the outcome; a malformed scenario or an unknown topology is `Err`. A driver scenario
/// commits after every record and reads the outputs after every step; a broker scenario
/// commits once, after the last step, and reads them then.
pub fn run(scenario: &Scenario, catalogue: &Catalogue) -> Result<Outcome, String> {
    let build = catalogue.get(&scenario.topology).ok_or_else(|| {
        format!(
            "no topology `{}` in the Rust catalogue (tests/differential/*.rs)",
            scenario.topology
        )
    })?;
    let topology = build().map_err(|e| format!("building the topology: {e}"))?;
    let described = describe_lines(&topology.describe());
    let mut config = StreamsConfig::new(TEST_APPLICATION_ID);
    for (key, value) in &scenario.config {
        config = config.set(key, value);
    }
    let commit = match scenario.runner {
        Runner::Driver => DriverCommit::AfterEachRecord,
        Runner::Broker => DriverCommit::Manual,
    };
    let driver = TopologyTestDriver::with_commit(topology, &config, commit)
        .map_err(|e| format!("starting the driver (config {config:?}): {e}"))?;
    let mut outcome = Outcome {
        describe: described,
        ..Outcome::default()
    };
    let last = scenario.steps.len().saturating_sub(1);
    for (i, step) in scenario.steps.iter().enumerate() {
        let result = match step {
            Step::Advance {
                advance_wall_clock_ms,
            } => match u64::try_from(*advance_wall_clock_ms) {
                Ok(ms) => driver.advance_wall_clock(Duration::from_millis(ms)),
                Err(_) => return Err(format!("step {i}: the wall clock cannot go back")),
            },
            Step::Record {
                topic,
                key,
                value,
                timestamp,
            } => driver.pipe_raw(
                topic,
                key.clone().map(Bytes::from),
                value.clone().map(Bytes::from),
                *timestamp,
            ),
        };
        // A broker run ends with the application's close: its final commit.
        let result = result.and_then(|()| match scenario.runner {
            Runner::Broker if i == last => driver.commit(),
            _ => Ok(()),
        });
        if let Err(e) = result {
            outcome.error = Some(format!("step {i}: {}", with_causes(&e)));
            return Ok(outcome);
        }
        if scenario.runner == Runner::Driver || i == last {
            read_outputs(&driver, scenario, i, &mut outcome.records)?;
        }
    }
    for store in &scenario.stores {
        outcome.stores.push((store.name.clone(), dump(&driver, store)?));
    }
    Ok(outcome)
}

/// The records written to the scenario's outputs and not read yet, topic by topic, tagged
/// with `step`.
fn read_outputs(
    driver: &TopologyTestDriver,
    scenario: &Scenario,
    step: usize,
    into: &mut Vec<OutRecord>,
) -> Result<(), String> {
    for o in &scenario.outputs {
        let place = format!("topic `{}`", o.topic);
        for r in driver.read_raw(&o.topic) {
            into.push(OutRecord {
                step: step as u64,
                topic: o.topic.clone(),
                key: decode(o.key, r.key.as_ref(), &place)?,
                value: decode(o.value, r.value.as_ref(), &place)?,
                timestamp: r
                    .timestamp
                    .ok_or_else(|| format!("step {step}: a record on `{}` without a timestamp", o.topic))?,
            });
        }
    }
    Ok(())
}

/// A store's entries, keys as text and values as the scenario says, in the store's
/// (byte) order.
fn dump(driver: &TopologyTestDriver, spec: &StoreSpec) -> Result<Vec<StoreEntry>, String> {
    let place = format!("store `{}`", spec.name);
    driver
        .raw_store_with_timestamps(&spec.name)
        .map_err(|e| format!("{place}: {e}"))?
        .iter()
        .map(|(k, v, timestamp)| {
            Ok(StoreEntry {
                key: decode(Kind::String, Some(k), &place)?,
                value: decode(spec.value, Some(v), &place)?,
                timestamp: *timestamp,
            })
        })
        .collect()
}

fn show(r: Option<&OutRecord>) -> String {
    r.map_or("(none)".to_owned(), |r| {
        format!(
            "step {} topic `{}` key {} value {} timestamp {}",
            r.step, r.topic, r.key, r.value, r.timestamp
        )
    })
}

/// The first place two outcomes differ, in words, and the error either run stopped with.
pub fn first_difference(expected: &Outcome, actual: &Outcome, en: &str, an: &str) -> String {
    let mut message = first_difference_of(expected, actual, en, an);
    for (name, outcome) in [(en, expected), (an, actual)] {
        if let Some(e) = &outcome.error {
            message += &format!("\n  {name} stopped with an error at {e}");
        }
    }
    message
}

fn first_difference_of(expected: &Outcome, actual: &Outcome, en: &str, an: &str) -> String {
    let n = expected.records.len().max(actual.records.len());
    for i in 0..n {
        let (e, a) = (expected.records.get(i), actual.records.get(i));
        if e != a {
            return format!(
                "first difference at record {i} (of {} from {en}, {} from {an}):\n  {en}: {}\n  {an}: {}",
                expected.records.len(),
                actual.records.len(),
                show(e),
                show(a)
            );
        }
    }
    for (i, (name, entries)) in expected.stores.iter().enumerate() {
        let Some((_, theirs)) = actual.stores.iter().find(|(n, _)| n == name) else {
            return format!("store `{name}` is missing from {an}");
        };
        if entries != theirs {
            let j = (0..entries.len().max(theirs.len()))
                .find(|&j| entries.get(j) != theirs.get(j))
                .unwrap_or(0);
            return format!(
                "the records agree; store `{name}` (store {i}) differs at entry {j}:\n  {en}: {:?}\n  {an}: {:?}",
                entries.get(j),
                theirs.get(j)
            );
        }
    }
    if expected.stores.len() != actual.stores.len() {
        return format!("{an} dumps other stores than {en}");
    }
    let n = expected.describe.len().max(actual.describe.len());
    if let Some(i) = (0..n).find(|&i| expected.describe.get(i) != actual.describe.get(i)) {
        let line = |d: &[String]| d.get(i).cloned().unwrap_or_else(|| "(none)".to_owned());
        return format!(
            "the records and stores agree; the topologies differ at description line {i}:\n  {en}: {}\n  {an}: {}",
            line(&expected.describe),
            line(&actual.describe)
        );
    }
    format!(
        "the records and stores agree; the run ended with {en}: {:?}, {an}: {:?}",
        expected.error, actual.error
    )
}

/// A line diff of two renderings (`-` only in `a`, `+` only in `b`), by longest common
/// subsequence: the files are small.
pub fn diff_lines(a: &str, b: &str, an: &str, bn: &str) -> String {
    let (x, y): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    let mut lcs = vec![vec![0usize; y.len() + 1]; x.len() + 1];
    for i in (0..x.len()).rev() {
        for j in (0..y.len()).rev() {
            lcs[i][j] = if x[i] == y[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut out = format!("--- {an}\n+++ {bn}\n");
    let (mut i, mut j) = (0, 0);
    while i < x.len() || j < y.len() {
        if i < x.len() && j < y.len() && x[i] == y[j] {
            out += &format!("  {}\n", x[i]);
            i += 1;
            j += 1;
        } else if i < x.len() && (j == y.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            out += &format!("- {}\n", x[i]);
            i += 1;
        } else {
            out += &format!("+ {}\n", y[j]);
            j += 1;
        }
    }
    out
}

/// An error followed by its sources: `cannot deserialize ...: null where a string was
/// expected`.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
