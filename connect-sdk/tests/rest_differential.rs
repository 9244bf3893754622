//! The REST differential: the calls of `tests/golden/rest/sequence.json`, made against
//! this worker (on the embedded log) as `peers` made them against Kafka Connect 4.4's
//! standalone worker, the responses normalized the same way and compared with
//! `tests/golden/rest/responses.json`: every status code, and every body but those of
//! [`DIFFERENCES`], which says what is compared there instead and why.

#![cfg(feature = "rest")]

mod worker_support;

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use streamlog::{Cluster, TopicConfig};
use worker_support::{Served, call};

/// Steps whose bodies differ from Kafka Connect's by nature, with what is compared.
enum Compare {
    /// The status code only.
    Status,
    /// Our status code is this one, on purpose; the body is not compared.
    Code(u16),
    /// Every element of Kafka Connect's array is in ours.
    Contains,
    /// Every connector of Kafka Connect's plugin list is in ours.
    Connectors,
    /// `error_count`, and the errors of each key Kafka Connect reports errors for.
    Validation,
    /// The key names of Kafka Connect's list of definitions, each present in ours.
    KeyNames,
    /// The error message up to `available connectors are:`, which lists each worker's
    /// own plugins.
    MessageUpToPlugins,
    /// The body, once Kafka Connect's secret values are shown as `[hidden]`.
    SecretsHidden,
}

/// Each step compared other than body for body, and why.
const DIFFERENCES: &[(&str, Compare, &str)] = &[
    (
        "plugins",
        Compare::Contains,
        "we ship a data generator besides the FileStream connectors",
    ),
    (
        "plugins all types",
        Compare::Connectors,
        "Kafka lists its Java transforms, predicates and converters as plugins too; ours are built into every connector config, not plugins",
    ),
    (
        "plugin config sink",
        Compare::KeyNames,
        "documentation, display names, groups, widths and orders are Kafka's sentences and layout, not facts to copy",
    ),
    ("plugin config source by alias", Compare::KeyNames, "as above"),
    (
        "validate source valid",
        Compare::Validation,
        "definitions hold Kafka's documentation sentences and layout; Kafka also lists keys of features we do not have (plugin versions, topic creation groups)",
    ),
    ("validate source bad batch.size", Compare::Validation, "as above"),
    ("validate sink without topics", Compare::Validation, "as above"),
    (
        "validate source without connector.class",
        Compare::Code(400),
        "Kafka's standalone worker answers 500 with a BadRequestException's text; the request is bad, so ours answers 400 with the same message",
    ),
    (
        "create unknown class",
        Compare::MessageUpToPlugins,
        "the list of available connectors is each worker's own",
    ),
    (
        "create bad json",
        Compare::Code(400),
        "Kafka answers 500 to a body that is not JSON; the request is bad, so ours answers 400",
    ),
    (
        "create with bad initial state",
        Compare::Code(400),
        "as above, for an initial_state that is not RUNNING, PAUSED or STOPPED",
    ),
    (
        "stop unknown",
        Compare::Code(404),
        "Kafka answers 500 for an unknown connector here (404 everywhere else); ours answers 404 Unknown connector",
    ),
    (
        "alter source offsets with bad position",
        Compare::Code(400),
        "Kafka answers 500 with the connector's message; the request is bad, so ours answers 400 with the same message",
    ),
    (
        "restart unknown",
        Compare::Code(404),
        "Kafka's standalone worker answers 500 with a NullPointerException's message; ours answers 404 Unknown connector",
    ),
    (
        "restart task of unknown",
        Compare::Code(404),
        "Kafka answers 500 with an internal error's message; ours answers 404 naming the connector",
    ),
    (
        "sink offsets after reset",
        Compare::Status,
        "a reset commits each partition's start, which the sink reads from next as it would with no offsets, and GET shows those offsets where Kafka shows none: streamlog does not delete groups, as librdkafka's DeleteGroups crashes its mock cluster",
    ),
    (
        "put config creates",
        Compare::SecretsHidden,
        "secret values are never shown by our API; Kafka shows them unless the connector declares them as passwords",
    ),
    ("put config updates", Compare::SecretsHidden, "as above"),
    ("config after put", Compare::SecretsHidden, "as above"),
];

/// `value` with the values of keys named like secrets shown as `[hidden]`.
fn hide_secrets(value: &Value) -> Value {
    match value {
        Value::Array(items) => Value::Array(items.iter().map(hide_secrets).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = if k.contains("password") {
                        json!("[hidden]")
                    } else {
                        hide_secrets(v)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

fn substitute(value: &Value, dir: &str) -> Value {
    match value {
        Value::String(s) => Value::String(s.replace("${dir}", dir)),
        Value::Array(items) => Value::Array(items.iter().map(|v| substitute(v, dir)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.replace("${dir}", dir), substitute(v, dir)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The scratch directory back to `${dir}`, the ignored keys' values to `"<ignored>"`.
fn normalize(value: &Value, dir: &str, ignore: &[String]) -> Value {
    match value {
        Value::String(s) => Value::String(s.replace(dir, "${dir}")),
        Value::Array(items) => Value::Array(items.iter().map(|v| normalize(v, dir, ignore)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = if ignore.contains(k) {
                        json!("<ignored>")
                    } else {
                        normalize(v, dir, ignore)
                    };
                    (k.replace(dir, "${dir}"), v)
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

fn holds(body: &Value, until: &Value) -> bool {
    let conditions = match until {
        Value::Array(items) => items.clone(),
        one => vec![one.clone()],
    };
    conditions.iter().all(|c| {
        let pointer = c["pointer"].as_str().unwrap();
        match (body.pointer(pointer), &c["equals"]) {
            (Some(Value::Number(a)), Value::Number(b)) => a.as_f64() == b.as_f64(),
            (Some(a), b) => a == b,
            (None, _) => false,
        }
    })
}

fn errors_by_key(body: &Value) -> Vec<(String, Value)> {
    body["configs"]
        .as_array()
        .map(|configs| {
            configs
                .iter()
                .filter(|c| c["value"]["errors"].as_array().is_some_and(|e| !e.is_empty()))
                .map(|c| {
                    (
                        c["value"]["name"].as_str().unwrap_or_default().to_owned(),
                        c["value"]["errors"].clone(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn raw_call(url: &str, method: &str, path: &str, body: &str) -> (u16, Value) {
    let client = reqwest::blocking::Client::new();
    let response = client
        .request(
            reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
            format!("{url}{path}"),
        )
        .header("Content-Type", "application/json")
        .body(body.to_owned())
        .send()
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[test]
fn the_rest_api_answers_as_kafka_connect_does() {
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/rest");
    let sequence: Value =
        serde_json::from_str(&std::fs::read_to_string(golden.join("sequence.json")).unwrap()).unwrap();
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(golden.join("responses.json")).unwrap()).unwrap();
    let ignore: Vec<String> = sequence["ignore"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path().display().to_string();

    let cluster = Cluster::embedded();
    for topic in sequence["topics"].as_array().unwrap() {
        cluster
            .admin()
            .unwrap()
            .create_topic(topic.as_str().unwrap(), &TopicConfig::new(1))
            .unwrap();
    }
    let properties: Vec<(String, String)> = sequence["worker_properties"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect();
    let properties: Vec<(&str, &str)> = properties.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let served = Served::start(cluster, &properties);

    let mut mismatches = Vec::new();
    for (step, want) in sequence["steps"]
        .as_array()
        .unwrap()
        .iter()
        .zip(expected.as_array().unwrap())
    {
        let name = step["name"].as_str().unwrap();
        assert_eq!(
            want["name"], name,
            "responses.json is out of step with sequence.json"
        );
        if let Some(file) = step.get("write_file") {
            let text: String = file["lines"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| format!("{}\n", l.as_str().unwrap().replace("${dir}", &dir)))
                .collect();
            std::fs::write(scratch.path().join(file["path"].as_str().unwrap()), text).unwrap();
        }
        let method = step["method"].as_str().unwrap();
        let path = step["path"].as_str().unwrap().replace("${dir}", &dir);
        let deadline = Instant::now() + Duration::from_secs(30);
        let (status, body) = loop {
            let (status, body) = match (step.get("raw_body"), step.get("body")) {
                (Some(raw), _) => raw_call(
                    &served.url,
                    method,
                    &path,
                    &raw.as_str().unwrap().replace("${dir}", &dir),
                ),
                (None, Some(body)) => call(&served.url, method, &path, Some(substitute(body, &dir))),
                (None, None) => call(&served.url, method, &path, None),
            };
            match step.get("until") {
                Some(until) if !holds(&body, until) => {
                    if Instant::now() > deadline {
                        break (status, body);
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
                _ => break (status, body),
            }
        };
        let mut body = normalize(&body, &dir, &ignore);
        for pointer in step["unordered"].as_array().into_iter().flatten() {
            if let Some(Value::Array(items)) = body.pointer_mut(pointer.as_str().unwrap()) {
                items.sort_by_key(|v| v.to_string());
            }
        }
        for pointer in step["ignore_pointers"].as_array().into_iter().flatten() {
            if let Some(v) = body.pointer_mut(pointer.as_str().unwrap()) {
                *v = json!("<ignored>");
            }
        }
        let want_body = &want["body"];
        let want_status = want["status"].as_u64().unwrap() as u16;
        let compare = DIFFERENCES.iter().find(|(n, _, _)| *n == name).map(|(_, c, _)| c);
        let code_wanted = match compare {
            Some(Compare::Code(code)) => *code,
            _ => want_status,
        };
        if status != code_wanted {
            mismatches.push(format!("{name}: status {status}, wanted {code_wanted} (Kafka Connect {want_status})\n  ours:  {body}\n  kafka: {want_body}"));
            continue;
        }
        let same = match compare {
            None => &body == want_body,
            Some(Compare::Status | Compare::Code(_)) => true,
            Some(Compare::Contains) => want_body
                .as_array()
                .unwrap()
                .iter()
                .all(|w| body.as_array().unwrap().contains(w)),
            Some(Compare::Connectors) => want_body
                .as_array()
                .unwrap()
                .iter()
                .filter(|w| w["type"] == "source" || w["type"] == "sink")
                .all(|w| body.as_array().unwrap().contains(w)),
            Some(Compare::Validation) => {
                body["error_count"] == want_body["error_count"]
                    && errors_by_key(want_body)
                        .iter()
                        .all(|e| errors_by_key(&body).contains(e))
            }
            Some(Compare::KeyNames) => want_body
                .as_array()
                .unwrap()
                .iter()
                .filter(|w| !w["name"].as_str().unwrap_or_default().ends_with("plugin.version"))
                .all(|w| body.as_array().unwrap().iter().any(|b| b["name"] == w["name"])),
            Some(Compare::MessageUpToPlugins) => {
                let cut = |v: &Value| {
                    v["message"]
                        .as_str()
                        .unwrap_or_default()
                        .split("available connectors are:")
                        .next()
                        .unwrap_or_default()
                        .to_owned()
                };
                cut(&body) == cut(want_body)
            }
            Some(Compare::SecretsHidden) => body == hide_secrets(want_body),
        };
        if !same {
            mismatches.push(format!("{name}:\n  ours:  {body}\n  kafka: {want_body}"));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of the steps differ from Kafka Connect:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
