//! Every record of the real-Debezium corpus (`tests/corpus/debezium/`, see its README:
//! Debezium's embedded engine against PostgreSQL and MariaDB, through Kafka's
//! `JsonConverter` with and without schemas) through [`DebeziumJson`]: each change
//! decodes (key and value), its event matches the record (operation, rows, key columns),
//! it re-encodes to the same JSON, and the schema and schemaless forms of one record
//! agree. Records that are not row changes (transaction metadata, schema changes) go to
//! their own codecs in [`check_other`]. When `STREAMKIT_DEBEZIUM_CORPUS_FRESH` names a directory (scripts/test
//! sets it to the runner's raw output, before normalisation), its files are checked too.
//!
//! Every failure is collected and the test reports them all at the end, grouped by cause.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use cdc_core::{
    DebeziumJson, DebeziumRecord, DebeziumSchemaChangeJson, DebeziumTransactionJson, Decode, Decoded,
    Operation, Position, TransactionBoundary, UNAVAILABLE_MARKER, Value,
};
use serde_json::Value as Json;

/// One line of a corpus file.
struct Record {
    /// `file:line`.
    at: String,
    topic: String,
    key: Option<Json>,
    value: Option<Json>,
}

/// The kinds of record Debezium writes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// A row change, a truncate or a logical message: [`DebeziumJson`]'s records.
    Change,
    /// A BEGIN or END event of the transaction topic.
    Transaction,
    /// A schema-change event (MariaDB/MySQL's topic named after the server).
    SchemaChange,
}

fn kind(record: &Record) -> Kind {
    let payload = record.value.as_ref().map(payload);
    if record.topic.ends_with(".transaction") {
        Kind::Transaction
    } else if payload.is_some_and(|p| p.get("ddl").is_some() && p.get("tableChanges").is_some()) {
        Kind::SchemaChange
    } else {
        Kind::Change
    }
}

/// The payload of a converter's output: `payload` of the schema envelope, else itself.
fn payload(json: &Json) -> &Json {
    match json.get("schema").and(json.get("payload")) {
        Some(p) => p,
        None => json,
    }
}

/// The failures found, by cause.
#[derive(Default)]
struct Failures(BTreeMap<String, Vec<String>>);

impl Failures {
    fn add(&mut self, cause: impl Into<String>, at: &Record, detail: impl Into<String>) {
        let mut detail = detail.into();
        if detail.len() > 300 {
            let cut = (0..=300).rev().find(|i| detail.is_char_boundary(*i)).unwrap_or(0);
            detail.truncate(cut);
            detail.push('…');
        }
        self.0.entry(cause.into()).or_default().push(format!(
            "{} ({}){}",
            at.at,
            at.topic,
            if detail.is_empty() {
                String::new()
            } else {
                format!(": {detail}")
            }
        ));
    }

    fn report(&self) -> String {
        let total: usize = self.0.values().map(Vec::len).sum();
        let mut out = format!("{total} failures in {} causes\n", self.0.len());
        for (cause, places) in &self.0 {
            out += &format!("\n[{}] {cause}\n", places.len());
            for place in places.iter().take(3) {
                out += &format!("    {place}\n");
            }
        }
        out
    }
}

fn read_dir(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    files
}

fn read_file(path: &Path, label: &str) -> Vec<Record> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let name = format!("{label}/{}", path.file_name().unwrap().to_string_lossy());
    text.lines()
        .enumerate()
        .map(|(i, line)| {
            let at = format!("{name}:{}", i + 1);
            let mut json: Json = serde_json::from_str(line).unwrap_or_else(|e| panic!("{at}: {e}"));
            let take = |json: &mut Json, field: &str| match json.get_mut(field).map(Json::take) {
                None | Some(Json::Null) => None,
                Some(v) => Some(v),
            };
            Record {
                topic: json["topic"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{at}: no topic"))
                    .to_owned(),
                key: take(&mut json, "key"),
                value: take(&mut json, "value"),
                at,
            }
        })
        .collect()
}

fn bytes(json: &Option<Json>) -> Option<Vec<u8>> {
    json.as_ref().map(|j| serde_json::to_vec(j).expect("JSON"))
}

/// Every place where `got` differs from `want` (the first per place), as paths with
/// array indices left out, so one cause groups every record and row: a dropped field
/// does not hide a wrong value elsewhere in the same record.
fn differences(want: &Json, got: &Json) -> Vec<(String, String)> {
    fn walk(want: &Json, got: &Json, path: &str, out: &mut Vec<(String, String)>) {
        match (want, got) {
            (Json::Object(w), Json::Object(g)) => {
                for (k, wv) in w {
                    match g.get(k) {
                        None => out.push((format!("{path}.{k}"), format!("missing, want {wv}"))),
                        Some(gv) => walk(wv, gv, &format!("{path}.{k}"), out),
                    }
                }
                for k in g.keys().filter(|k| !w.contains_key(*k)) {
                    out.push((format!("{path}.{k}"), format!("extra field {}", g[k])));
                }
            }
            (Json::Array(w), Json::Array(g)) if w.len() == g.len() => {
                for (wv, gv) in w.iter().zip(g) {
                    walk(wv, gv, &format!("{path}[]"), out);
                }
            }
            _ if want == got => {}
            _ => out.push((path.to_owned(), format!("want {want}, got {got}"))),
        }
    }
    let mut out = Vec::new();
    walk(want, got, "", &mut out);
    let mut seen = std::collections::HashSet::new();
    out.retain(|(path, _)| seen.insert(path.clone()));
    out
}

/// Which of Debezium's forms of the unavailable-value placeholder `json` is, if any: the
/// marker text (text, JSON, hstore columns), its bytes in base64 or hex (binary columns),
/// the marker as the only element of a text array, or its bytes as the numbers of a
/// number array.
fn placeholder_form(json: &Json) -> Option<&'static str> {
    let marker = UNAVAILABLE_MARKER.as_bytes();
    let hex: String = marker.iter().map(|b| format!("{b:02x}")).collect();
    match json {
        Json::String(s) if s == UNAVAILABLE_MARKER => Some("as text"),
        Json::String(s) if *s == base64::engine::general_purpose::STANDARD.encode(marker) => {
            Some("in base64 bytes")
        }
        Json::String(s) if *s == hex => Some("in hex bytes"),
        Json::Array(items) if items.len() == 1 && items[0] == UNAVAILABLE_MARKER => Some("in a text array"),
        Json::Array(items)
            if items.len() == marker.len()
                && items
                    .iter()
                    .zip(marker)
                    .all(|(i, b)| i.as_u64() == Some(u64::from(*b))) =>
        {
            Some("in a number array")
        }
        _ => None,
    }
}

/// Decodes, checks and re-encodes one change record; the record when it decoded.
fn check_change(record: &Record, failures: &mut Failures) -> Option<Decoded<DebeziumRecord>> {
    let key = bytes(&record.key);
    let value = bytes(&record.value);
    let decoded = match DebeziumJson.decode(key.as_deref(), value.as_deref()) {
        Ok(d) => d,
        Err(e) => {
            failures.add(format!("decode: {e}"), record, "");
            return None;
        }
    };
    let key_json = record.key.as_ref().map(payload);
    let key_row = match &decoded {
        Decoded::Tombstone { key } => key.as_ref(),
        Decoded::Change(r) => r.event.key.as_ref(),
    };
    // The key: its columns, and (for a change) written back as the record has it.
    match (key_json, key_row) {
        (None, None) => {}
        (Some(_), Some(_)) => {
            if let (Decoded::Change(change), Some(want)) = (&decoded, &record.key) {
                let got = DebeziumJson::encode_key(change).expect("a decoded key");
                let got: Json = serde_json::from_slice(&got).expect("encode_key writes JSON");
                for (path, what) in differences(want, &got) {
                    failures.add(format!("key re-encodes differently at key{path}"), record, what);
                }
            }
        }
        (json, row) => failures.add(
            "the record's key and the decoded key differ",
            record,
            format!("record {json:?}, decoded {row:?}"),
        ),
    }
    let Decoded::Change(change) = &decoded else {
        if record.value.is_some() {
            failures.add("a record with a value decoded to a tombstone", record, "");
        }
        return Some(decoded);
    };
    let value_json = record.value.as_ref().expect("a change has a value");
    let p = payload(value_json);
    let has_schema = value_json.get("schema").is_some();
    let event = &change.event;
    if p["op"].as_str() != Some(event.op.debezium_code()) {
        failures.add(
            "the operation differs",
            record,
            format!("record {}, decoded {:?}", p["op"], event.op),
        );
    }
    for (side, row) in [("before", &event.before), ("after", &event.after)] {
        let present = p.get(side).is_some_and(|r| !r.is_null());
        if present != row.is_some() {
            failures.add(
                format!("`{side}` is lost or invented"),
                record,
                format!("record has it: {present}"),
            );
        }
        if let (Some(json), Some(row)) = (p.get(side).and_then(Json::as_object), row) {
            let decoded: Vec<&str> = row.columns().collect();
            let columns: Vec<&str> = json.keys().map(String::as_str).collect();
            if decoded != columns {
                failures.add(
                    format!("`{side}` columns differ"),
                    record,
                    format!("{columns:?} -> {decoded:?}"),
                );
            }
        }
    }
    // A TOASTed column Debezium did not get: its placeholder, in the column type's form.
    for (side, row) in [("before", &event.before), ("after", &event.after)] {
        let (Some(json), Some(row)) = (p.get(side).and_then(Json::as_object), row) else {
            continue;
        };
        for (column, value) in json {
            // With its schema the placeholder reads as `Unavailable`; without one, as a
            // value `is_unavailable` recognises (a base64 string is only text then).
            let read = row.get(column);
            let recognised = if has_schema {
                read == Some(&Value::Unavailable)
            } else {
                read.is_some_and(Value::is_unavailable)
            };
            if let Some(form) = placeholder_form(value)
                && !recognised
            {
                failures.add(
                    format!("the unavailable placeholder {form} is not read as unavailable"),
                    record,
                    format!("{side}.{column} decodes to {:?}", row.get(column)),
                );
            }
        }
    }
    // The key columns hold the values of the row they identify.
    if let Some(key) = &event.key {
        let row = if event.op == Operation::Delete {
            &event.before
        } else {
            &event.after
        };
        if let Some(row) = row {
            for (column, value) in key.iter() {
                if row.get(column) != Some(value) {
                    failures.add(
                        "a key column differs from the row's",
                        record,
                        format!("{column}: key {value:?}, row {:?}", row.get(column)),
                    );
                }
            }
        }
    }
    let again: Json = serde_json::from_slice(&DebeziumJson::encode(change)).expect("encode writes JSON");
    for (path, what) in differences(value_json, &again) {
        failures.add(format!("re-encode differs at value{path}"), record, what);
    }
    Some(decoded)
}

/// The records that are not row changes: BEGIN/END of the transaction topic
/// ([`DebeziumTransactionJson`]) and schema changes ([`DebeziumSchemaChangeJson`]).
/// [`DebeziumJson`] refuses them (a typed error, not a change read from the wrong
/// fields); their own codec decodes each, what it read agrees with the record, and it
/// writes back the same key and value.
fn check_other(kind: Kind, record: &Record, failures: &mut Failures) {
    let key = bytes(&record.key);
    let value = bytes(&record.value);
    if let Ok(decoded) = DebeziumJson.decode(key.as_deref(), value.as_deref()) {
        failures.add(
            format!("DebeziumJson accepts a {kind:?} record"),
            record,
            format!("as {:?}", decoded.as_change().map(|c| c.event.op)),
        );
    }
    let Some(value_json) = &record.value else {
        failures.add(format!("a {kind:?} record without value"), record, "");
        return;
    };
    let p = payload(value_json);
    let (again, again_key) = match kind {
        Kind::Transaction => match DebeziumTransactionJson.decode(key.as_deref(), value.as_deref()) {
            Ok(Decoded::Change(r)) => {
                let m = &r.metadata;
                let counts_add_up = match &m.boundary {
                    TransactionBoundary::Begin => p["status"] == "BEGIN",
                    TransactionBoundary::End {
                        event_count,
                        data_collections,
                    } => {
                        p["status"] == "END"
                            && data_collections.iter().map(|c| c.event_count).sum::<u64>() == *event_count
                    }
                };
                if m.id.is_empty() || !counts_add_up || m.ts_ms.is_none() {
                    failures.add(
                        "a transaction event of unexpected content",
                        record,
                        format!("{m:?}"),
                    );
                }
                (
                    DebeziumTransactionJson::encode(&r),
                    record
                        .key
                        .as_ref()
                        .map(|_| DebeziumTransactionJson::encode_key(&r)),
                )
            }
            Ok(Decoded::Tombstone { .. }) => {
                failures.add("a transaction event decoded to a tombstone", record, "");
                return;
            }
            Err(e) => {
                failures.add(format!("transaction decode: {e}"), record, "");
                return;
            }
        },
        Kind::SchemaChange => match DebeziumSchemaChangeJson.decode(key.as_deref(), value.as_deref()) {
            Ok(Decoded::Change(r)) => {
                let key_db = r
                    .key
                    .as_ref()
                    .and_then(|k| k.get("databaseName"))
                    .and_then(Value::as_str);
                if r.change.ddl.is_none() || key_db != r.change.database_name.as_deref() {
                    failures.add(
                        "a schema-change event of unexpected content",
                        record,
                        format!("{:?}", r.change),
                    );
                }
                (DebeziumSchemaChangeJson::encode(&r), None)
            }
            Ok(Decoded::Tombstone { .. }) => {
                failures.add("a schema-change event decoded to a tombstone", record, "");
                return;
            }
            Err(e) => {
                failures.add(format!("schema change decode: {e}"), record, "");
                return;
            }
        },
        Kind::Change => unreachable!("changes go to check_change"),
    };
    let again: Json = serde_json::from_slice(&again).expect("encode writes JSON");
    for (path, what) in differences(value_json, &again) {
        failures.add(format!("{kind:?} re-encode differs at value{path}"), record, what);
    }
    if let (Some(want), Some(got)) = (&record.key, again_key) {
        let got: Json = serde_json::from_slice(&got).expect("encode_key writes JSON");
        for (path, what) in differences(want, &got) {
            failures.add(
                format!("{kind:?} key re-encode differs at key{path}"),
                record,
                what,
            );
        }
    }
}

/// The schema and schemaless forms of one record decode to the same event: the event
/// decoded with its schema, written without one, is what the schemaless converter wrote.
fn check_forms(schema: &Decoded<DebeziumRecord>, plain: &Record, failures: &mut Failures) {
    match schema {
        Decoded::Tombstone { .. } => {
            if plain.value.is_some() {
                failures.add(
                    "the schema form is a tombstone, the schemaless form is not",
                    plain,
                    "",
                );
            }
        }
        Decoded::Change(change) => {
            let Some(want) = &plain.value else {
                failures.add(
                    "the schemaless form is a tombstone, the schema form is not",
                    plain,
                    "",
                );
                return;
            };
            let got: Json = serde_json::from_slice(&DebeziumJson::encode_schemaless(change)).expect("JSON");
            for (path, what) in differences(want, &got) {
                failures.add(
                    format!(
                        "the schema form, written schemaless, differs from the schemaless form at value{path}"
                    ),
                    plain,
                    what,
                );
            }
        }
    }
}

/// Checks every file of `dir`; returns how many records were read.
fn check_dir(dir: &Path, label: &str, failures: &mut Failures) -> usize {
    let mut count = 0;
    for path in read_dir(dir) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let Some(run) = name.strip_suffix(".schema.jsonl") else {
            continue;
        };
        let schema = read_file(&path, label);
        let plain_path = dir.join(format!("{run}.plain.jsonl"));
        let plain = read_file(&plain_path, label);
        assert_eq!(
            schema.len(),
            plain.len(),
            "{name} and its .plain file have as many records"
        );
        for (s, p) in schema.iter().zip(&plain) {
            assert_eq!(s.topic, p.topic, "{} and {}: the same record", s.at, p.at);
            count += 2;
            match kind(s) {
                Kind::Change => {
                    let decoded = check_change(s, failures);
                    check_change(p, failures);
                    if let Some(decoded) = decoded {
                        check_forms(&decoded, p, failures);
                    }
                }
                other => {
                    check_other(other, s, failures);
                    check_other(other, p, failures);
                }
            }
        }
    }
    count
}

#[test]
fn every_corpus_record_decodes_and_round_trips() {
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/debezium");
    let mut failures = Failures::default();
    let mut count = check_dir(&committed, "corpus", &mut failures);
    assert!(count > 1000, "the corpus holds its records ({count} read)");
    if let Some(fresh) = std::env::var_os("STREAMKIT_DEBEZIUM_CORPUS_FRESH") {
        count += check_dir(Path::new(&fresh), "fresh", &mut failures);
    }
    assert!(
        failures.0.is_empty(),
        "{count} records read; {}",
        failures.report()
    );
}

#[test]
fn mariadb_changes_carry_their_binlog_position() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/debezium/mariadb.schema.jsonl");
    let mut positions = 0;
    for record in read_file(&path, "corpus") {
        if kind(&record) != Kind::Change || record.value.is_none() {
            continue;
        }
        let value = bytes(&record.value);
        let decoded = DebeziumJson.decode(bytes(&record.key).as_deref(), value.as_deref());
        let Ok(Decoded::Change(change)) = decoded else {
            panic!("{}: decodes", record.at);
        };
        let source = &payload(record.value.as_ref().unwrap())["source"];
        match &change.event.source.position {
            Position::MySql { file, pos, row, .. } => {
                assert_eq!(Some(file.as_str()), source["file"].as_str(), "{}", record.at);
                assert_eq!(Some(*pos), source["pos"].as_i64(), "{}", record.at);
                assert_eq!(Some(*row), source["row"].as_i64(), "{}", record.at);
                positions += 1;
            }
            other => panic!("{}: a binlog position, not {other:?}", record.at),
        }
    }
    assert!(positions > 40, "{positions} MariaDB changes read");
}
