//! A client nobody in this project wrote: Python's `confluent-kafka`
//! (`SchemaRegistryClient`, `AvroSerializer`, `AvroDeserializer`) against this crate's
//! registry server. Python registers and serializes, Rust deserializes; Rust registers
//! and serializes, Python deserializes: over HTTP, and over HTTPS with basic
//! authentication.
//!
//! The interpreter is `$STREAMKIT_PYTHON` (the test command installs
//! `confluent-kafka[avro,schemaregistry]` into a virtualenv and sets it), else
//! `python3`. Without the package the test is skipped, except under `CI=true`, where
//! it fails.
#![cfg(feature = "server")]

mod tls;

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;

use schema_registry_client::server::{ServerSecurity, Users};
use schema_registry_client::{
    AvroDeserializer, AvroSerializer, MemoryRegistry, ReadOptions, SchemaRegistry, SerdeConfig, Version,
    registry_from_properties, registry_from_url,
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Level {
    #[serde(rename = "BASIC")]
    Basic,
    #[serde(rename = "SILVER")]
    Silver,
    #[serde(rename = "GOLD")]
    Gold,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct MemberEvent {
    member_id: i64,
    name: String,
    level: Level,
    points: i32,
    email: Option<String>,
    balance: f64,
}

/// The records `interop.py` writes, as Rust values.
fn python_records() -> Vec<MemberEvent> {
    vec![
        MemberEvent {
            member_id: 1,
            name: "Ada".into(),
            level: Level::Gold,
            points: 1200,
            email: Some("ada@example.com".into()),
            balance: 10.5,
        },
        MemberEvent {
            member_id: 2,
            name: "Grace".into(),
            level: Level::Basic,
            points: 0,
            email: None,
            balance: 0.0,
        },
        MemberEvent {
            member_id: -3,
            name: "Zoë ✓".into(),
            level: Level::Silver,
            points: -7,
            email: None,
            balance: -2.25,
        },
    ]
}

const SCHEMA: &str = r#"{"type":"record","name":"MemberEvent","namespace":"hotel.loyalty","fields":[
    {"name":"member_id","type":"long"},{"name":"name","type":"string"},
    {"name":"level","type":{"type":"enum","name":"Level","symbols":["BASIC","SILVER","GOLD"]}},
    {"name":"points","type":"int"},{"name":"email","type":["null","string"],"default":null},
    {"name":"balance","type":"double"}]}"#;

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/interop.py")
}

fn python() -> Option<String> {
    let interpreter = std::env::var("STREAMKIT_PYTHON").unwrap_or_else(|_| "python3".into());
    let probe = Command::new(&interpreter)
        .args(["-c", "import confluent_kafka.schema_registry.avro, fastavro"])
        .output();
    match probe {
        Ok(out) if out.status.success() => Some(interpreter),
        other => {
            let why = match other {
                Ok(out) => String::from_utf8_lossy(&out.stderr).into_owned(),
                Err(e) => e.to_string(),
            };
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but {interpreter} cannot import confluent_kafka's Avro serdes: {why}"
            );
            eprintln!("skipping: {interpreter} cannot import confluent_kafka's Avro serdes ({why})");
            None
        }
    }
}

fn run(interpreter: &str, env: &[(String, String)], args: &[&str]) -> String {
    let out = Command::new(interpreter)
        .arg(script())
        .args(args)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "interop.py {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confluent_python_and_rust_read_each_others_payloads() {
    let Some(interpreter) = python() else { return };
    let registry = Arc::new(MemoryRegistry::new());
    let url = schema_registry_client::server::spawn(registry.clone(), "127.0.0.1:0")
        .await
        .unwrap();
    let client = registry_from_url(&url).unwrap();
    exchange(interpreter, registry, url, client, Vec::new()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confluent_python_over_https_with_basic_auth() {
    let Some(interpreter) = python() else { return };
    let material = tls::make();
    let security = ServerSecurity::default()
        .with_tls(&material.path("server.pem"), &material.path("server.key"), None)
        .unwrap()
        .with_users(Users::parse("python: py-Pw-3e8a\n").unwrap());
    let registry = Arc::new(MemoryRegistry::new());
    let url = schema_registry_client::server::spawn_secured(registry.clone(), "127.0.0.1:0", security)
        .await
        .unwrap();
    let ca = material.path("ca.pem").display().to_string();
    let client = registry_from_properties(&HashMap::from([
        ("schema.registry.url".to_owned(), url.clone()),
        ("basic.auth.credentials.source".to_owned(), "USER_INFO".to_owned()),
        ("basic.auth.user.info".to_owned(), "python:py-Pw-3e8a".to_owned()),
        ("schema.registry.ssl.ca.location".to_owned(), ca.clone()),
    ]))
    .unwrap();
    let env = vec![
        ("REGISTRY_CA".to_owned(), ca),
        ("REGISTRY_USER_INFO".to_owned(), "python:py-Pw-3e8a".to_owned()),
    ];
    exchange(interpreter, registry, url, client, env).await;
}

/// Python registers and serializes, Rust reads; Rust registers and serializes, Python
/// reads; both through the server at `url`.
async fn exchange(
    interpreter: String,
    registry: Arc<MemoryRegistry>,
    url: String,
    client: Arc<dyn SchemaRegistry>,
    env: Vec<(String, String)>,
) {
    // Python registers and serializes; Rust reads.
    let py = interpreter.clone();
    let url_for_python = url.clone();
    let py_env = env.clone();
    let written =
        tokio::task::spawn_blocking(move || run(&py, &py_env, &["produce", &url_for_python, "members"]))
            .await
            .unwrap();
    let python_id = registry
        .version("members-value", Version::Latest, ReadOptions::default())
        .await
        .unwrap()
        .id;
    let deserializer = AvroDeserializer::new(client.clone(), None).await.unwrap();
    let mut read = Vec::new();
    for line in written.lines() {
        let payload = hex_decode(line);
        assert_eq!(AvroDeserializer::schema_id(&payload).unwrap(), python_id);
        read.push(deserializer.deserialize::<MemberEvent>(&payload).await.unwrap());
    }
    assert_eq!(read, python_records());

    // Rust registers (over HTTP) and serializes under another topic; Python reads.
    let serializer = AvroSerializer::for_text(client.clone(), SCHEMA, SerdeConfig::default())
        .await
        .unwrap();
    let mut ours = python_records();
    ours[1].email = Some("grace@example.com".into());
    ours[2].points = 99;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("payloads.hex");
    let mut lines = String::new();
    for record in &ours {
        let payload = serializer.serialize("members-rust", record).await.unwrap();
        lines.push_str(&hex_encode(&payload));
        lines.push('\n');
    }
    std::fs::write(&file, lines).unwrap();
    assert_eq!(
        client
            .versions("members-rust-value", ReadOptions::default())
            .await
            .unwrap(),
        vec![1]
    );
    let py = interpreter.clone();
    let file_arg = file.display().to_string();
    let printed =
        tokio::task::spawn_blocking(move || run(&py, &env, &["consume", &url, "members-rust", &file_arg]))
            .await
            .unwrap();
    let decoded: Vec<serde_json::Value> = printed
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let expected: Vec<serde_json::Value> = ours.iter().map(|r| serde_json::to_value(r).unwrap()).collect();
    assert_eq!(decoded, expected);
}

fn hex_decode(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

fn hex_encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
