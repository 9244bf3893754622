//! `io.debezium.transforms.ExtractNewRecordState` in a connect-sdk chain, against what
//! Debezium's own transform outputs: cdc-core's golden files
//! (`cdc-core/tests/golden/unwrap`, written by Debezium 3.6 itself), read and written
//! through connect-sdk's JsonConverter.

use connect_sdk::config::Properties;
use connect_sdk::convert::{Converter, JsonConverter};
use connect_sdk::record::ConnectRecord;
use connect_sdk::transforms::transform;
use serde_json::Value as Json;

fn load(name: &str) -> Json {
    let path = format!(
        "{}/../cdc-core/tests/golden/unwrap/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).expect("a golden file")).expect("JSON")
}

/// A record of the corpus, read as Debezium's runner reads it (JsonConverter with
/// schemas, keeping nulls).
fn read(record: &Json) -> ConnectRecord {
    let topic = record["topic"].as_str().expect("a topic");
    let mut json = JsonConverter::new(true).replace_null_with_default(false);
    let mut part = |name: &str| {
        let bytes = match &record[name] {
            Json::Null => None,
            node => Some(node.to_string().into_bytes()),
        };
        json.decode(topic, bytes.as_deref()).expect("a readable record")
    };
    let (key_schema, key) = part("key");
    let (value_schema, value) = part("value");
    ConnectRecord::new(topic, value_schema, value).with_key(key_schema, key)
}

/// Ours as Debezium's runner writes it: JSON without schemas, keeping nulls.
fn payload(schema: Option<&connect_sdk::data::Schema>, value: &connect_sdk::data::Value) -> Json {
    let mut plain = JsonConverter::new(false).replace_null_with_default(false);
    match plain.encode("t", schema, value).expect("writable") {
        Some(bytes) => serde_json::from_slice(&bytes).expect("JSON"),
        None => Json::Null,
    }
}

fn schema_json(schema: &connect_sdk::data::Schema) -> Json {
    serde_json::from_str(JsonConverter::new(true).schema_json(schema).expect("a schema")).expect("JSON")
}

#[test]
fn extract_new_record_state_does_what_debeziums_does() {
    let records = load("records.json");
    let configs = load("configs.json");
    let golden = load("outputs.json");
    let schemas = golden["value_schemas"].as_array().expect("schemas");
    let mut failures = Vec::new();
    let mut compared = 0;
    for (config, case) in configs["configs"]
        .as_array()
        .unwrap()
        .iter()
        .zip(golden["cases"].as_array().unwrap())
    {
        let name = config["name"].as_str().unwrap();
        let mut properties = Properties::from([(
            "type".to_owned(),
            "io.debezium.transforms.ExtractNewRecordState".to_owned(),
        )]);
        for (k, v) in config["properties"].as_object().unwrap() {
            properties.insert(k.clone(), v.as_str().unwrap_or_default().to_owned());
        }
        let built = transform("io.debezium.transforms.ExtractNewRecordState", &properties, "");
        let mut smt = match (built, case["results"][0].get("error")) {
            (Ok(smt), _) => smt,
            (Err(_), Some(_)) => continue,
            (Err(e), None) => {
                failures.push(format!("{name}: ours refused the config: {e}"));
                continue;
            }
        };
        for (record, result) in records["records"]
            .as_array()
            .unwrap()
            .iter()
            .zip(case["results"].as_array().unwrap())
        {
            let what = format!("{name} / {}", record["name"].as_str().unwrap());
            let input = read(record);
            let expected = &result["result"];
            let ours = smt.apply(input.clone());
            match (ours, expected) {
                (Err(e), _) if result.get("error").is_some() => {
                    let _ = e;
                }
                (Err(e), _) => failures.push(format!("{what}: ours failed: {e}")),
                (Ok(None), Json::String(s)) if s == "dropped" => {}
                (Ok(None), _) => {
                    failures.push(format!("{what}: ours dropped it; Debezium's gave {expected}"))
                }
                (Ok(Some(out)), Json::Object(o)) => {
                    compared += 1;
                    if Some(out.topic.as_str()) != o["topic"].as_str() {
                        failures.push(format!("{what}: topic {} vs {}", out.topic, o["topic"]));
                    }
                    if o["same_record"].as_bool() == Some(true) {
                        if out.value != input.value {
                            failures.push(format!("{what}: ours changed a record Debezium passes as it is"));
                        }
                    } else {
                        let ours_value = payload(out.value_schema.as_ref(), &out.value);
                        if ours_value != o["value"] {
                            failures.push(format!(
                                "{what}: value\n  ours:       {ours_value}\n  Debezium's: {}",
                                o["value"]
                            ));
                        }
                        let ours_schema = out.value_schema.as_ref().map(schema_json);
                        let theirs = o["value_schema"].as_u64().map(|i| schemas[i as usize].clone());
                        if ours_schema != theirs {
                            failures.push(format!(
                                "{what}: schema\n  ours:       {ours_schema:?}\n  Debezium's: {theirs:?}"
                            ));
                        }
                    }
                    let theirs: Vec<(String, Json, Json)> = o["headers"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|h| {
                            (
                                h["key"].as_str().unwrap().to_owned(),
                                h["schema"].clone(),
                                h["value"].clone(),
                            )
                        })
                        .collect();
                    let ours: Vec<(String, Json, Json)> = out
                        .headers
                        .iter()
                        .map(|h| {
                            let schema = h.schema.as_ref().map_or(Json::Null, schema_json);
                            (h.key.clone(), schema, payload(h.schema.as_ref(), &h.value))
                        })
                        .collect();
                    if ours != theirs {
                        failures.push(format!(
                            "{what}: headers\n  ours:       {ours:?}\n  Debezium's: {theirs:?}"
                        ));
                    }
                }
                (Ok(Some(out)), _) => {
                    failures.push(format!("{what}: ours gave {out:?}; Debezium's {expected}"))
                }
            }
        }
    }
    assert!(compared > 50, "only {compared} records compared");
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
