//! `Unwrap` against Debezium's own `ExtractNewRecordState`: every input record of
//! tests/golden/unwrap/records.json under every configuration of configs.json gives what
//! the real transform (Debezium 3.6.1) gave, recorded in outputs.json by
//! peers/debezium-unwrap (see tests/golden/unwrap/README.md): dropped, passed on
//! unchanged, an error, or a record with this value, schema, headers and topic.

use std::collections::BTreeMap;

use cdc_core::{DebeziumJson, Decode, Flattened, Unwrap, Unwrapped};
use serde_json::{Value as Json, json};

fn golden(name: &str) -> Json {
    let path = format!("{}/tests/golden/unwrap/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_slice(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

struct Input {
    topic: String,
    key: Option<Vec<u8>>,
    value: Option<Vec<u8>>,
    /// The value without its schema: the payload alone, as a connector writes it with
    /// `schemas.enable=false`.
    plain: Option<Vec<u8>>,
}

fn inputs() -> BTreeMap<String, Input> {
    let bytes = |j: &Json| (!j.is_null()).then(|| j.to_string().into_bytes());
    golden("records.json")["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let input = Input {
                topic: r["topic"].as_str().unwrap().to_owned(),
                key: bytes(&r["key"]),
                value: bytes(&r["value"]),
                plain: bytes(&r["value"]["payload"]),
            };
            (r["name"].as_str().unwrap().to_owned(), input)
        })
        .collect()
}

/// Configurations this transform refuses when it is configured, where Debezium fails
/// on each record it applies them to: a struct the envelope does not have
/// (`foo.bar`), a mode that does not exist.
const REFUSED_WHEN_CONFIGURED: [&str; 2] = ["unknown-struct", "mode-unknown"];

/// What Debezium's transform gave, in the terms of [`Unwrapped`].
#[derive(Debug, PartialEq)]
enum Expected {
    Dropped,
    Unchanged,
    Error,
    Record {
        topic: String,
        value: Json,
        schema: Option<Json>,
        headers: Vec<(String, Json)>,
    },
}

fn expected(result: &Json, input: &Input, schemas: &[Json]) -> Expected {
    if result.get("error").is_some() {
        return Expected::Error;
    }
    let result = &result["result"];
    if result == "dropped" {
        return Expected::Dropped;
    }
    let headers = result["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["key"].as_str().unwrap().to_owned(), h["value"].clone()))
        .collect();
    let topic = result["topic"].as_str().unwrap().to_owned();
    if result["same_record"] == true {
        // A change event's envelope is never passed on as it is; anything else is.
        if input.value.is_some() {
            return Expected::Unchanged;
        }
        return Expected::Record {
            topic,
            value: Json::Null,
            schema: None,
            headers,
        };
    }
    let schema = result["value_schema"]
        .as_u64()
        .map(|i| schemas[i as usize].clone());
    Expected::Record {
        topic,
        value: result["value"].clone(),
        schema,
        headers,
    }
}

fn actual(outcome: cdc_core::Result<Unwrapped>, input: &Input) -> Expected {
    match outcome {
        Err(_) => Expected::Error,
        Ok(Unwrapped::Dropped) => Expected::Dropped,
        Ok(Unwrapped::Unchanged) => Expected::Unchanged,
        Ok(Unwrapped::Record(flat)) => record(&flat, input),
    }
}

fn record(flat: &Flattened, input: &Input) -> Expected {
    Expected::Record {
        topic: flat.topic.clone().unwrap_or_else(|| input.topic.clone()),
        value: flat.value_json(),
        schema: flat.schema.clone(),
        headers: flat
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), v.to_json()))
            .collect(),
    }
}

fn properties(config: &Json) -> Vec<(String, String)> {
    config["properties"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect()
}

#[test]
fn every_record_under_every_configuration_is_what_debezium_gives() {
    let inputs = inputs();
    let configs = golden("configs.json");
    let outputs = golden("outputs.json");
    let schemas = outputs["value_schemas"].as_array().unwrap();
    let cases = outputs["cases"].as_array().unwrap();
    assert_eq!(cases.len(), configs["configs"].as_array().unwrap().len());
    let mut compared = 0;
    for (config, case) in configs["configs"].as_array().unwrap().iter().zip(cases) {
        let name = config["name"].as_str().unwrap();
        assert_eq!(case["config"], name);
        let unwrap = match Unwrap::from_properties(properties(config)) {
            Ok(unwrap) => unwrap,
            Err(err) => {
                assert!(REFUSED_WHEN_CONFIGURED.contains(&name), "{name}: refused: {err}");
                let debezium_failed = case["results"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|r| r.get("error").is_some());
                assert!(debezium_failed, "{name}: Debezium accepts what is refused here");
                continue;
            }
        };
        assert!(!REFUSED_WHEN_CONFIGURED.contains(&name), "{name}: accepted");
        for result in case["results"].as_array().unwrap() {
            let record = result["record"].as_str().unwrap();
            let input = &inputs[record];
            let want = expected(result, input, schemas);
            let got = actual(unwrap.apply_json(input.value.as_deref()), input);
            assert_eq!(got, want, "{name} / {record}");
            // The same through the decoded record, where the codec reads the record.
            if let Ok(decoded) = DebeziumJson.decode(input.key.as_deref(), input.value.as_deref()) {
                let got = actual(unwrap.apply_decoded(&decoded), input);
                assert_eq!(got, want, "{name} / {record} (decoded)");
            }
            compared += 1;
        }
    }
    assert!(compared > 200, "{compared} comparisons");
}

/// Without the schema (a plain payload) the transform gives the same values, topics and
/// headers, but no schema, and no column defaults: those need the schema.
#[test]
fn plain_payloads_flatten_alike_without_schemas_or_defaults() {
    let inputs = inputs();
    let configs = golden("configs.json");
    let outputs = golden("outputs.json");
    let schemas = outputs["value_schemas"].as_array().unwrap();
    for (config, case) in configs["configs"]
        .as_array()
        .unwrap()
        .iter()
        .zip(outputs["cases"].as_array().unwrap())
    {
        let name = config["name"].as_str().unwrap();
        let Ok(unwrap) = Unwrap::from_properties(properties(config)) else {
            continue;
        };
        let mode = config["properties"]["delete.tombstone.handling.mode"]
            .as_str()
            .unwrap_or("");
        let defaults_apply = mode.to_lowercase().contains("rewrite")
            && config["properties"]["replace.null.with.default"] != "false";
        for result in case["results"].as_array().unwrap() {
            let record = result["record"].as_str().unwrap();
            let input = &inputs[record];
            let mut want = expected(result, input, schemas);
            if let (Expected::Error, Some(column)) = (&want, config["properties"]["route.by.field"].as_str())
            {
                // Debezium refuses to route by an int32 column even where it is null;
                // without the schema, a null column is just null, and keeps the topic.
                let plain: Json = serde_json::from_slice(input.plain.as_deref().unwrap()).unwrap();
                let side = if plain["after"].is_null() {
                    "before"
                } else {
                    "after"
                };
                if plain[side][column].is_null() && plain[side].get(column).is_some() {
                    continue;
                }
            }
            if let Expected::Record { schema, value, .. } = &mut want {
                *schema = None;
                if defaults_apply && let Json::Object(row) = value {
                    // The columns that were null before their default replaced them.
                    for (column, default) in [
                        ("status", json!("active")),
                        ("visits", json!(0)),
                        ("balance", json!("AA==")),
                    ] {
                        let plain: Json = serde_json::from_slice(input.plain.as_deref().unwrap()).unwrap();
                        let side = if plain["after"].is_null() {
                            "before"
                        } else {
                            "after"
                        };
                        if plain[side][column].is_null() && row.get(column) == Some(&default) {
                            row.insert(column.into(), Json::Null);
                        }
                    }
                }
            }
            let got = actual(unwrap.apply_json(input.plain.as_deref()), input);
            assert_eq!(got, want, "{name} / {record} (plain payload)");
        }
    }
}
