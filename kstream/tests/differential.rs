//! The Kafka Streams differential suite: every scenario in `tests/differential/scenarios/`
//! runs through a topology of the catalogue (`tests/differential/*.rs`, the same topologies
//! as `peers/src/main/java/dev/streamkit/peers/streams/`) on kstream's `TopologyTestDriver`,
//! and what comes out is compared record by record with what Kafka Streams 4.4's own
//! `TopologyTestDriver` produced for the same scenario (`tests/differential/golden/`).
//!
//! A scenario of `"runner": "broker"` was run by the Java side in a real `KafkaStreams`
//! application on a broker, committing once at its close (so record caching shows); here
//! it runs on the driver with `DriverCommit::Manual` and one commit after the last step.
//!
//! A scenario with a `known_difference` is one where kstream is known to differ from Kafka
//! (a parity gap on the project's list): its output must then equal the one recorded in
//! `tests/differential/known/` exactly, so a change either way fails. Re-record those files
//! with `STREAMKIT_BLESS_KNOWN=1 cargo test -p kstream --all-features --test differential`.
//! See `tests/differential/README.md` for the file formats.

/// The catalogue and the harness, in tests/differential/ next to the scenario files.
mod differential {
    pub mod aggregation;
    pub mod catalogue;
    pub mod joins;
    pub mod naming;
    pub mod nulls;
    pub mod old_values;
    pub mod operators;
    pub mod outcome;
    pub mod stateless;
    pub mod tables;
    pub mod versioned;
    pub mod windows;
}

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use differential::catalogue::Catalogue;
use differential::outcome::{Outcome, Runner, Scenario, diff_lines, first_difference, run};

fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/differential")
}

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("reading a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .expect("a file name")
        .to_string_lossy()
        .into_owned()
}

/// Checks one scenario; `Err` says what differs.
fn check(scenario: &Scenario, catalogue: &Catalogue, bless: bool) -> Result<(), String> {
    let dir = suite_dir();
    let golden_path = dir.join("golden").join(format!("{}.json", scenario.name));
    let known_path = dir.join("known").join(format!("{}.json", scenario.name));
    let golden_text = std::fs::read_to_string(&golden_path).map_err(|e| {
        format!(
            "no golden file {} ({e}): run the Java side (scripts/lib/goldens.sh, goldens_update)",
            golden_path.display()
        )
    })?;
    let golden = Outcome::parse(&golden_text).map_err(|e| format!("{}: {e}", golden_path.display()))?;
    let ours = run(scenario, catalogue)?;
    let rendered = ours.render(&scenario.name, &scenario.topology);

    let Some(reason) = &scenario.known_difference else {
        if ours == golden {
            return Ok(());
        }
        return Err(format!(
            "kstream differs from Kafka Streams: {}\n{}",
            first_difference(&golden, &ours, "Kafka", "kstream"),
            diff_lines(&golden_text, &rendered, "Kafka golden", "kstream"),
        ));
    };

    if ours == golden {
        return Err(format!(
            "kstream now matches Kafka Streams, but the scenario says `known_difference: {reason}`: \
             remove that field and {}",
            known_path.display()
        ));
    }
    if bless {
        std::fs::create_dir_all(known_path.parent().expect("a parent")).map_err(|e| e.to_string())?;
        std::fs::write(&known_path, &rendered).map_err(|e| format!("{}: {e}", known_path.display()))?;
        return Ok(());
    }
    let known_text = std::fs::read_to_string(&known_path).map_err(|e| {
        format!(
            "known difference ({reason}) but no recorded output {} ({e}); record it with \
             STREAMKIT_BLESS_KNOWN=1. Against Kafka:\n{}",
            known_path.display(),
            diff_lines(&golden_text, &rendered, "Kafka golden", "kstream"),
        )
    })?;
    let known = Outcome::parse(&known_text).map_err(|e| format!("{}: {e}", known_path.display()))?;
    if ours == known {
        return Ok(());
    }
    Err(format!(
        "kstream's output changed from the one recorded for the known difference ({reason}) in {}: \
         {}\nIf the change is intended, re-record it with STREAMKIT_BLESS_KNOWN=1.\n{}\nAgainst Kafka:\n{}",
        known_path.display(),
        first_difference(&known, &ours, "recorded", "kstream"),
        diff_lines(&known_text, &rendered, "recorded", "kstream"),
        diff_lines(&golden_text, &rendered, "Kafka golden", "kstream"),
    ))
}

#[test]
fn every_scenario_matches_kafka_streams_or_its_recorded_known_difference() {
    let dir = suite_dir();
    let catalogue = Catalogue::all();
    let bless = std::env::var_os("STREAMKIT_BLESS_KNOWN").is_some_and(|v| v != "0");
    let files = json_files(&dir.join("scenarios"));
    assert!(!files.is_empty(), "no scenarios in {}", dir.display());
    let mut failures = Vec::new();
    let (mut matched, mut known) = (0, 0);
    for file in &files {
        let scenario = match Scenario::read(file) {
            Ok(s) => s,
            Err(e) => {
                failures.push(format!("{}: {e}", file.display()));
                continue;
            }
        };
        match check(&scenario, &catalogue, bless) {
            Ok(()) if scenario.known_difference.is_some() => known += 1,
            Ok(()) => matched += 1,
            Err(e) => failures.push(format!(
                "scenario `{}` (topology `{}`: {}): {e}",
                scenario.name, scenario.topology, scenario.description
            )),
        }
    }
    println!(
        "{} scenarios: {matched} match Kafka Streams, {known} carry a recorded known difference",
        files.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} scenarios failed:\n\n{}",
        failures.len(),
        files.len(),
        failures.join("\n\n")
    );
}

#[test]
fn every_golden_and_recorded_file_belongs_to_a_scenario() {
    let dir = suite_dir();
    let mut scenarios = BTreeSet::new();
    let mut with_known = BTreeSet::new();
    for file in json_files(&dir.join("scenarios")) {
        let scenario = Scenario::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        if scenario.known_difference.is_some() {
            with_known.insert(scenario.name.clone());
        }
        scenarios.insert(scenario.name);
    }
    let orphans: Vec<String> = json_files(&dir.join("golden"))
        .iter()
        .filter(|f| !scenarios.contains(&stem(f)))
        .chain(
            json_files(&dir.join("known"))
                .iter()
                .filter(|f| !with_known.contains(&stem(f))),
        )
        .map(|f| f.display().to_string())
        .collect();
    assert!(
        orphans.is_empty(),
        "files without a scenario (or, under known/, without a known_difference): {orphans:?}"
    );
}

#[test]
fn the_catalogue_has_a_topology_for_every_scenario_and_every_topology_is_used() {
    let catalogue = Catalogue::all();
    let mut used = BTreeSet::new();
    for file in json_files(&suite_dir().join("scenarios")) {
        let scenario = Scenario::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert!(
            catalogue.get(&scenario.topology).is_some(),
            "scenario `{}` names topology `{}`, which the Rust catalogue lacks",
            scenario.name,
            scenario.topology
        );
        used.insert(scenario.topology);
    }
    let unused: Vec<&str> = catalogue.names().filter(|n| !used.contains(*n)).collect();
    assert!(unused.is_empty(), "topologies no scenario runs: {unused:?}");
}

#[test]
fn kstream_writes_recorded_outputs_in_the_layout_of_the_java_goldens() {
    // Parsing a golden and rendering it again gives the file back byte for byte, so a
    // recorded known/ file and Kafka's golden diff line by line.
    let dir = suite_dir();
    for file in json_files(&dir.join("golden")) {
        let text = std::fs::read_to_string(&file).expect("reading a golden");
        let outcome = Outcome::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let root: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        let rendered = outcome.render(
            root["scenario"].as_str().expect("scenario"),
            root["topology"].as_str().expect("topology"),
        );
        assert_eq!(
            rendered,
            text,
            "{}:\n{}",
            file.display(),
            diff_lines(&text, &rendered, "golden", "rendered")
        );
    }
}

#[test]
fn a_changed_record_is_reported_with_its_index_and_a_line_diff() {
    let golden = std::fs::read_to_string(suite_dir().join("golden/stream_count.json")).expect("golden");
    let expected = Outcome::parse(&golden).expect("parse");
    let mut changed = Outcome::parse(&golden).expect("parse");
    changed.records[2].value = serde_json::Value::from(7);
    assert_ne!(expected, changed);
    let message = first_difference(&expected, &changed, "Kafka", "kstream");
    assert!(message.contains("at record 2"), "{message}");
    assert!(
        message.contains("value 2") && message.contains("value 7"),
        "{message}"
    );
    let diff = diff_lines(
        &golden,
        &changed.render("stream_count", "stream_count"),
        "Kafka",
        "kstream",
    );
    let marked: Vec<&str> = diff
        .lines()
        .filter(|l| l.starts_with("- ") || l.starts_with("+ "))
        .collect();
    assert_eq!(marked.len(), 2, "{diff}");
    assert!(
        marked[0].contains("\"value\": 2") && marked[1].contains("\"value\": 7"),
        "{diff}"
    );

    changed.records.pop();
    let message = first_difference(&expected, &changed, "Kafka", "kstream");
    assert!(message.contains("at record 2"), "{message}");
}

#[test]
fn a_broker_scenario_that_dumps_stores_or_advances_the_wall_clock_is_refused() {
    let dir = std::env::temp_dir().join(format!("kstream-differential-runner-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let head = r#"{"description": "d", "topology": "stream_reduce", "runner": "broker", "outputs": [{"topic": "out"}], "#;
    let record = r#"{"topic": "in", "key": "a", "value": "x", "timestamp": 1}"#;
    let cases = [
        ("fine", format!(r#""steps": [{record}]}}"#), None),
        (
            "stores",
            format!(r#""stores": [{{"name": "reduced"}}], "steps": [{record}]}}"#),
            Some("cannot dump stores"),
        ),
        (
            "advance",
            format!(r#""steps": [{record}, {{"advance_wall_clock_ms": 5}}]}}"#),
            Some("step 1: a scenario with \"runner\": \"broker\" cannot advance the wall clock"),
        ),
    ];
    for (name, tail, refused) in cases {
        let path = dir.join(format!("{name}.json"));
        std::fs::write(&path, format!("{head}{tail}")).expect("writing a scenario");
        let read = Scenario::read(&path);
        match refused {
            None => assert_eq!(read.expect("a broker scenario").runner, Runner::Broker),
            Some(message) => {
                let error = read.expect_err(name);
                assert!(error.contains(message), "{name}: {error}");
            }
        }
    }
    std::fs::remove_dir_all(&dir).expect("removing the temp dir");
}

#[test]
fn hex_is_a_format_of_outputs_and_refused_for_stores() {
    let dir = std::env::temp_dir().join(format!("kstream-differential-hex-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let head = r#"{"description": "d", "topology": "window_tumbling_serde", "outputs": [{"topic": "out", "key": "hex", "value": "hex"}], "#;
    let steps = r#""steps": [{"topic": "in", "key": "a", "value": "x", "timestamp": 1}]}"#;
    let fine = dir.join("fine.json");
    std::fs::write(&fine, format!("{head}{steps}")).expect("writing a scenario");
    let read = Scenario::read(&fine).expect("hex outputs");
    assert_eq!(
        (read.outputs[0].key, read.outputs[0].value),
        (differential::outcome::Kind::Hex, differential::outcome::Kind::Hex)
    );
    let refused = dir.join("refused.json");
    std::fs::write(
        &refused,
        format!(r#"{head}"stores": [{{"name": "counts", "value": "hex"}}], {steps}"#),
    )
    .expect("writing a scenario");
    let error = Scenario::read(&refused).expect_err("a hex store");
    assert!(error.contains("\"hex\" is for outputs only"), "{error}");
    std::fs::remove_dir_all(&dir).expect("removing the temp dir");
}
