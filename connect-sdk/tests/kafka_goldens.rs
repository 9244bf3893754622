//! connect-sdk against Kafka Connect 4.4 itself: the transforms and JsonConverter of
//! `tests/golden/outputs.json` (written by Kafka's own classes, see its README) applied
//! by ours to the same records and configs give the same bytes, and the same errors.

use connect_sdk::config::Properties;
use connect_sdk::config_def::{ConfigDef, ConfigType, ConfigValue, Importance, Validator};
use connect_sdk::convert::{Converter, DecimalFormat, JsonConverter};
use connect_sdk::record::{ConnectRecord, Header};
use connect_sdk::transforms::{Conditional, Transform, TransformChain, predicate, transform};
use serde_json::Value as Json;

fn load(name: &str) -> Json {
    let path = format!("{}/tests/golden/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).expect("a golden file")).expect("JSON")
}

/// A JSON object of strings as connector properties.
fn properties_of(json: &Json) -> Properties {
    json.as_object()
        .expect("an object of properties")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().expect("a string").to_owned()))
        .collect()
}

fn text(json: &Json, key: &str) -> Option<String> {
    json.get(key).and_then(Json::as_str).map(str::to_owned)
}

/// Ours equals Kafka's: byte for byte, or as JSON for records whose maps Kafka writes in
/// `HashMap` order.
fn same(ours: Option<&str>, kafka: Option<&str>, unordered: bool) -> bool {
    if ours == kafka {
        return true;
    }
    match (ours, kafka) {
        (Some(o), Some(k)) if unordered => {
            serde_json::from_str::<Json>(o).ok() == serde_json::from_str::<Json>(k).ok()
        }
        _ => false,
    }
}

struct Record {
    name: String,
    topic: String,
    schemas: bool,
    unordered: bool,
    key: Option<String>,
    value: Option<String>,
    timestamp: Option<i64>,
    headers: Vec<(String, String)>,
}

fn records() -> Vec<Record> {
    load("records.json")["records"]
        .as_array()
        .expect("records")
        .iter()
        .map(|r| Record {
            name: text(r, "name").expect("a name"),
            topic: text(r, "topic").expect("a topic"),
            schemas: r["schemas"].as_bool().expect("schemas"),
            unordered: r.get("unordered_maps").and_then(Json::as_bool).unwrap_or(false),
            key: text(r, "key"),
            value: text(r, "value"),
            timestamp: r.get("timestamp").and_then(Json::as_i64),
            headers: r
                .get("headers")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
                .map(|h| {
                    (
                        text(h, "key").expect("a header key"),
                        text(h, "value").expect("a header value"),
                    )
                })
                .collect(),
        })
        .collect()
}

/// What ours gives where Kafka gave an error: its class and message.
fn error_of(e: &connect_sdk::Error) -> (String, String) {
    (e.kafka_class().to_owned(), e.to_string())
}

fn check_error(what: &str, ours: &connect_sdk::Error, kafka: &Json, failures: &mut Vec<String>) {
    let (class, message) = error_of(ours);
    let kafka_class = text(kafka, "class").unwrap_or_default();
    let kafka_message = text(kafka, "message").unwrap_or_default();
    // Where Kafka's message stops at its cause ("...error: ") or goes on with a Java
    // object's `toString` (`SourceRecord{...`), ours says the same up to there and goes
    // on its own way.
    // Java's own regex errors are Java's: ours says the same up to where it quotes them.
    let quoted_regex_error = kafka_message
        .find("Invalid regex: ")
        .map(|at| at + "Invalid regex: ".len());
    let kafka_words = ["SourceRecord{", "Struct{"]
        .iter()
        .filter_map(|dump| kafka_message.find(dump))
        .chain(quoted_regex_error)
        .min()
        .map_or(kafka_message.as_str(), |at| &kafka_message[..at]);
    let cut_short = kafka_words.ends_with(": ") || kafka_words.len() < kafka_message.len();
    let same_words = message == kafka_message || (cut_short && message.starts_with(kafka_words));
    // Where Kafka fails on a null pointer (a bug of its own, such as TimestampConverter
    // reading a string without a `format`), ours fails with an error that says why.
    let kafka_bug = kafka_class == "NullPointerException";
    if !kafka_bug && (class != kafka_class || !same_words) {
        failures.push(format!(
            "{what}: ours failed with {class}: {message}\n  Kafka's: {kafka_class}: {kafka_message}"
        ));
    }
}

#[test]
fn json_converter_writes_what_kafka_writes() {
    let golden = load("outputs.json");
    let records = records();
    let mut failures = Vec::new();
    for expected in golden["converters"].as_array().expect("converters") {
        let name = text(expected, "record").expect("a record name");
        let record = records.iter().find(|r| r.name == name).expect("the record");
        let mut reader = JsonConverter::new(record.schemas);
        let read = reader.decode(&record.topic, record.value.as_deref().map(str::as_bytes));
        let (schema, value) = match (read, expected.get("error")) {
            (Err(e), Some(kafka)) => {
                check_error(&format!("{name}: reading"), &e, kafka, &mut failures);
                continue;
            }
            (Err(e), None) => {
                failures.push(format!("{name}: ours failed reading: {e}"));
                continue;
            }
            (Ok(read), _) => read,
        };
        let configs = [
            ("schemas", JsonConverter::new(true)),
            ("plain", JsonConverter::new(false)),
            (
                "numeric",
                JsonConverter::new(true).decimal_format(DecimalFormat::Numeric),
            ),
            (
                "no_default_replacement",
                JsonConverter::new(true).replace_null_with_default(false),
            ),
        ];
        // Read keeping nulls too, then written keeping them.
        let mut keeping = JsonConverter::new(record.schemas).replace_null_with_default(false);
        if let Ok((kept_schema, kept)) =
            keeping.decode(&record.topic, record.value.as_deref().map(str::as_bytes))
        {
            let ours = JsonConverter::new(true)
                .replace_null_with_default(false)
                .encode(&record.topic, kept_schema.as_ref(), &kept)
                .map(|b| b.map(|b| String::from_utf8(b).expect("UTF-8")));
            let kafka = text(expected, "read_and_written_without_default_replacement");
            match ours {
                Ok(ours) if same(ours.as_deref(), kafka.as_deref(), record.unordered) => {}
                ours if expected.get("error").is_none() => failures.push(format!(
                    "{name} (read and written keeping nulls):\n  ours:    {ours:?}\n  Kafka's: {kafka:?}"
                )),
                _ => {}
            }
        }
        for (output, mut writer) in configs {
            let ours = writer
                .encode(&record.topic, schema.as_ref(), &value)
                .map(|b| b.map(|b| String::from_utf8(b).expect("UTF-8")));
            match (ours, expected.get("error")) {
                (Ok(ours), None) => {
                    let kafka = text(expected, output);
                    if !same(ours.as_deref(), kafka.as_deref(), record.unordered) {
                        failures.push(format!(
                            "{name} ({output}):\n  ours:    {ours:?}\n  Kafka's: {kafka:?}"
                        ));
                    }
                }
                (Err(e), Some(kafka)) => check_error(&format!("{name} ({output})"), &e, kafka, &mut failures),
                (ours, kafka) => failures.push(format!(
                    "{name} ({output}): ours {ours:?}, Kafka's error {kafka:?}"
                )),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A record as a converter wrote it: its topic, key and value, timestamp and headers.
#[derive(Debug)]
struct Written {
    topic: String,
    key: Option<String>,
    value: Option<String>,
    timestamp: Option<i64>,
    headers: Vec<(String, Option<String>)>,
}

/// Runs a case's chain over a record: the record Kafka's converter writes back, or the
/// error.
fn run(chain: &mut TransformChain, record: &Record) -> connect_sdk::Result<Option<Written>> {
    let mut converter = JsonConverter::new(record.schemas);
    let (key_schema, key) = converter.decode(&record.topic, record.key.as_deref().map(str::as_bytes))?;
    let (value_schema, value) =
        converter.decode(&record.topic, record.value.as_deref().map(str::as_bytes))?;
    let mut input = ConnectRecord::new(record.topic.clone(), value_schema, value).with_key(key_schema, key);
    input.timestamp = record.timestamp;
    for (key, text) in &record.headers {
        let (schema, value) = converter.decode(&record.topic, Some(text.as_bytes()))?;
        input.headers.push(Header {
            key: key.clone(),
            schema,
            value,
        });
    }
    let Some(out) = chain.apply(input)? else {
        return Ok(None);
    };
    let text = |b: Option<Vec<u8>>| b.map(|b| String::from_utf8(b).expect("UTF-8"));
    let key = text(converter.encode(&out.topic, out.key_schema.as_ref(), &out.key)?);
    let value = text(converter.encode(&out.topic, out.value_schema.as_ref(), &out.value)?);
    let mut headers = Vec::new();
    for h in &out.headers {
        headers.push((
            h.key.clone(),
            text(converter.encode(&out.topic, h.schema.as_ref(), &h.value)?),
        ));
    }
    Ok(Some(Written {
        topic: out.topic,
        key,
        value,
        timestamp: out.timestamp,
        headers,
    }))
}

#[test]
fn transforms_do_what_kafkas_do() {
    let golden = load("outputs.json");
    let cases = load("cases.json");
    let records = records();
    let mut failures = Vec::new();
    for (case, expected) in cases["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .zip(golden["cases"].as_array().expect("cases"))
    {
        let name = text(case, "name").expect("a case name");
        assert_eq!(
            text(expected, "case").as_deref(),
            Some(name.as_str()),
            "the goldens follow cases.json"
        );
        let mut chain = TransformChain::empty();
        let mut config_error = None;
        for (i, step) in case["transforms"]
            .as_array()
            .expect("transforms")
            .iter()
            .enumerate()
        {
            let properties = properties_of(&step["config"]);
            let built = transform(step["type"].as_str().expect("a type"), &properties, "").and_then(|t| {
                let Some(gate) = step.get("predicate") else {
                    return Ok(t);
                };
                let gate_properties = properties_of(&gate["config"]);
                let p = predicate(gate["type"].as_str().expect("a type"), &gate_properties, "")?;
                let negate = step.get("negate").and_then(Json::as_bool).unwrap_or(false);
                Ok(Box::new(Conditional::new(t, p, negate)) as Box<dyn Transform>)
            });
            match built {
                Ok(t) => chain.push(format!("step{i}"), t),
                Err(e) => {
                    config_error = Some(e);
                    break;
                }
            }
        }
        match (config_error, expected.get("config_error")) {
            (Some(e), Some(kafka)) => {
                check_error(&format!("{name}: config"), &e, kafka, &mut failures);
                continue;
            }
            (Some(e), None) => {
                failures.push(format!("{name}: ours refused the config: {e}"));
                continue;
            }
            (None, Some(kafka)) => {
                failures.push(format!("{name}: ours took the config Kafka refused: {kafka}"));
                continue;
            }
            (None, None) => {}
        }
        for result in expected["results"].as_array().expect("results") {
            let record_name = text(result, "record").expect("a record");
            let record = records
                .iter()
                .find(|r| r.name == record_name)
                .expect("the record");
            let what = format!("{name} / {record_name}");
            match (run(&mut chain, record), result.get("error")) {
                (Err(e), Some(kafka)) => check_error(&what, &e, kafka, &mut failures),
                (Err(e), None) => failures.push(format!("{what}: ours failed: {e}; Kafka's gave {result}")),
                (Ok(ours), Some(kafka)) => {
                    failures.push(format!("{what}: ours gave {ours:?}; Kafka's failed: {kafka}"))
                }
                (Ok(None), None) => {
                    if result.get("dropped").is_none() {
                        failures.push(format!("{what}: ours dropped it"));
                    }
                }
                (Ok(Some(ours)), None) => {
                    let kafka_headers: Vec<(String, Option<String>)> = result["headers"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|h| (text(h, "key").expect("a header key"), text(h, "value")))
                        .collect();
                    let headers_same = ours.headers.len() == kafka_headers.len()
                        && ours
                            .headers
                            .iter()
                            .zip(&kafka_headers)
                            .all(|((k1, v1), (k2, v2))| {
                                k1 == k2 && same(v1.as_deref(), v2.as_deref(), record.unordered)
                            });
                    let ok = Some(ours.topic.as_str()) == result["topic"].as_str()
                        && same(ours.key.as_deref(), result["key"].as_str(), record.unordered)
                        && same(ours.value.as_deref(), result["value"].as_str(), record.unordered)
                        && ours.timestamp == result.get("timestamp").and_then(Json::as_i64)
                        && headers_same;
                    if !ok {
                        failures.push(format!("{what}:\n  ours:    {ours:?}\n  Kafka's: {result}"));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The ConfigDef the Java runner declares (`ConnectGoldens.testConfigDef`), declared
/// with ours.
fn test_config_def() -> ConfigDef {
    let range = |min: f64, max: Option<f64>| Some(Validator::Range { min: Some(min), max });
    let one_of = |choices: &[&str]| choices.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>();
    ConfigDef::new()
        .define(
            "name",
            ConfigType::String,
            None,
            Some(Validator::NonEmptyString),
            Importance::High,
            "The name.",
        )
        .define(
            "tasks.max",
            ConfigType::Int,
            Some("1"),
            range(1.0, None),
            Importance::High,
            "Tasks.",
        )
        .define(
            "batch.size",
            ConfigType::Long,
            Some("100"),
            range(1.0, Some(10_000.0)),
            Importance::Medium,
            "Batch.",
        )
        .define(
            "ratio",
            ConfigType::Double,
            Some("0.5"),
            range(0.0, Some(1.0)),
            Importance::Low,
            "Ratio.",
        )
        .define(
            "enabled",
            ConfigType::Boolean,
            Some("true"),
            None,
            Importance::Low,
            "Enabled.",
        )
        .define(
            "topics",
            ConfigType::List,
            None,
            Some(Validator::NonEmptyList),
            Importance::High,
            "Topics.",
        )
        .define(
            "mode",
            ConfigType::String,
            Some("bulk"),
            Some(Validator::OneOf(one_of(&["bulk", "incrementing", "timestamp"]))),
            Importance::High,
            "Mode.",
        )
        .define(
            "format",
            ConfigType::String,
            Some("json"),
            Some(Validator::OneOfIgnoringCase(one_of(&["json", "avro"]))),
            Importance::Low,
            "Format.",
        )
        .define_optional("password", ConfigType::Password, Importance::High, "Secret.")
        .define_optional("optional.text", ConfigType::String, Importance::Low, "Text.")
}

#[test]
fn config_definitions_parse_as_kafkas_config_def() {
    let golden = load("outputs.json");
    let cases = load("cases.json");
    let def = test_config_def();
    let mut failures = Vec::new();
    let expected = golden["config_def"].as_array().expect("config_def outputs");
    for (case, kafka) in cases["config_def_cases"]
        .as_array()
        .expect("cases")
        .iter()
        .zip(expected)
    {
        let name = text(case, "name").expect("a name");
        let properties = properties_of(&case["properties"]);
        match (def.parse(&properties), kafka.get("error")) {
            (Err(e), Some(err)) => check_error(&name, &e, err, &mut failures),
            (Err(e), None) => failures.push(format!("{name}: ours refused: {e}; Kafka's parsed {kafka}")),
            (Ok(values), Some(err)) => {
                failures.push(format!("{name}: ours parsed {values:?}; Kafka's refused: {err}"))
            }
            (Ok(values), None) => {
                for (key, value) in &values {
                    let ours = match value {
                        ConfigValue::Null => None,
                        v => Some(v.to_string()),
                    };
                    let theirs = text(&kafka["values"], key);
                    if ours != theirs {
                        failures.push(format!("{name} / {key}: ours {ours:?}, Kafka's {theirs:?}"));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A connector's `transforms` and `predicates` keys, as Kafka's `ConnectorConfig` takes
/// or refuses them when its worker starts the connector (`connector_config_cases`), and
/// as `TransformChain::from_properties` does.
#[test]
fn transform_chains_are_refused_as_kafkas_connector_config_refuses_them() {
    let golden = load("outputs.json");
    let cases = load("cases.json");
    let expected = golden["connector_configs"]
        .as_array()
        .expect("connector_configs outputs");
    let cases = cases["connector_config_cases"]
        .as_array()
        .expect("connector config cases");
    assert_eq!(cases.len(), expected.len(), "the goldens follow cases.json");
    let mut failures = Vec::new();
    for (case, kafka) in cases.iter().zip(expected) {
        let name = text(case, "name").expect("a name");
        assert_eq!(text(kafka, "case").as_deref(), Some(name.as_str()));
        match (
            TransformChain::from_properties(&properties_of(&case["properties"])),
            kafka.get("error"),
        ) {
            (Err(e), Some(err)) => check_error(&name, &e, err, &mut failures),
            (Err(e), None) => failures.push(format!("{name}: ours refused: {e}; Kafka's took it")),
            (Ok(_), Some(err)) => failures.push(format!("{name}: ours took it; Kafka's refused: {err}")),
            (Ok(_), None) => {}
        }
    }
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
