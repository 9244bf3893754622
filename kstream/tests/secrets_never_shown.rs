//! No secret is ever shown. A child process (this test binary again) runs, with
//! everything logged at TRACE and librdkafka's `debug=security,broker`: a topology over
//! the test broker's SASL_SSL listener, a registry over HTTPS with basic
//! authentication (a good and a refused client), connections refused for a wrong
//! password, an invalid secret value, and every configuration type formatted with
//! `{:?}` and `{}`. The parent reads all the child printed and logged, and fails if any
//! secret appears, or if the output lacks what shows the child did its work.
//!
//! Needs the secured listeners (`scripts/test`); skipped without them, except under
//! `CI=true`.
#![cfg(feature = "kafka")]

use std::collections::{BTreeMap, HashMap};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use kstream::{Consumed, KafkaStreams, Produced, StreamsBuilder, StreamsConfig, StringSerde};
use schema_registry_client::server::{ServerSecurity, Users};
use schema_registry_client::{HttpConfig, MemoryRegistry, RegisterOptions, Schema, registry_from_properties};
use streamlog::test_util::{SecuredListener, ci_secured_broker, secured_config, unique_name};
use streamlog::{ClientConfig, Cluster, ProducerRecord, TopicConfig, TopicPartition};

const CHILD: &str = "STREAMKIT_SECRETS_CHILD";
const REGISTRY_PASSWORD: &str = "reg-Secret-5d1f";
const WRONG_PASSWORD: &str = "wrong-Secret-77ab";
const URL_PASSWORD: &str = "url-Secret-0c3e";
const BAD_KEY: &str = "not-a-key-Secret-9e4b";

#[test]
fn no_secret_appears_in_anything_printed_or_logged() {
    let Some(config) = secured_config(SecuredListener::SaslScram) else {
        return;
    };
    let scram_password = config.get("sasl.password").unwrap().to_owned();
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_runs_everything_with_secrets",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env(CHILD, "1")
        .output()
        .unwrap();
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "the child failed:\n{text}");
    for secret in [
        scram_password.as_str(),
        REGISTRY_PASSWORD,
        WRONG_PASSWORD,
        URL_PASSWORD,
        BAD_KEY,
    ] {
        let at = text.find(secret);
        assert!(
            at.is_none(),
            "a secret appears in the child's output: …{}…",
            &text[at.unwrap().saturating_sub(200)..(at.unwrap() + 50).min(text.len())]
        );
    }
    // What shows the child ran, and logged, what it should have.
    for evidence in [
        "[hidden]",
        "child: topology output 20",
        "child: registry refused",
        "authentication failed",
        "librdkafka",
        "SASL",
        "TRACE",
    ] {
        assert!(
            text.contains(evidence),
            "no `{evidence}` in the child's output:\n{text}"
        );
    }
}

/// The child's work; does nothing unless run by the test above.
#[test]
fn child_runs_everything_with_secrets() {
    if std::env::var(CHILD).is_err() {
        return;
    }
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(std::io::stderr)
        .init();
    let secured = secured_config(SecuredListener::SaslScram)
        .expect("the secured listeners")
        .set("debug", "security,broker");
    let scram_user = secured.get("sasl.username").unwrap().to_owned();

    // Every configuration type, with `{:?}` and `{}`.
    let with_url = secured.clone().set(
        "schema.registry.url",
        format!("https://{scram_user}:{URL_PASSWORD}@registry:8081"),
    );
    println!("child: ClientConfig {with_url:?}\n{with_url}");
    let mut streams_config = StreamsConfig::new(unique_name("secrets").as_str())
        .commit_interval(Duration::from_millis(100))
        .num_stream_threads(1)
        .state_dir(tempfile::tempdir().unwrap().keep());
    for (k, v) in secured.iter() {
        streams_config = streams_config.set(k, v);
    }
    let shown = streams_config.clone().set(
        "schema.registry.url",
        with_url.get("schema.registry.url").unwrap(),
    );
    println!("child: StreamsConfig {shown:?}\n{shown}");
    let http = HttpConfig::from_urls(&format!("https://{scram_user}:{URL_PASSWORD}@registry:8081")).unwrap();
    println!("child: HttpConfig {http:?}");
    let users = Users::parse(&format!("registry-user: {REGISTRY_PASSWORD}\n")).unwrap();
    println!("child: Users {users:?}");

    // A topology over SASL_SSL.
    let cluster = ci_secured_broker(SecuredListener::SaslScram)
        .unwrap()
        .with_base(ClientConfig::new().set("debug", "security,broker"));
    let (input, output) = (unique_name("secrets-in"), unique_name("secrets-out"));
    let admin = cluster.admin().unwrap();
    admin.create_topic(&input, &TopicConfig::new(1)).unwrap();
    admin.create_topic(&output, &TopicConfig::new(1)).unwrap();
    let builder = StreamsBuilder::new();
    builder
        .stream(&input, Consumed::with(StringSerde, StringSerde))
        .map_values(|v| v.to_uppercase())
        .to(&output, Produced::with(StringSerde, StringSerde));
    let mut app = KafkaStreams::new(builder.build().unwrap(), cluster.clone(), streams_config).unwrap();
    app.start().unwrap();
    let producer = cluster.producer(&ClientConfig::new()).unwrap();
    for i in 0..20 {
        producer
            .send(
                ProducerRecord::new(input.as_str())
                    .key(format!("k{i}"))
                    .value(format!("v{i}")),
            )
            .unwrap();
    }
    producer.flush(Duration::from_secs(30)).unwrap();
    let mut reader = cluster
        .consumer(&ClientConfig::new().set("auto.offset.reset", "earliest"))
        .unwrap();
    reader.assign(&[TopicPartition::new(output.as_str(), 0)]).unwrap();
    let mut seen = BTreeMap::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while seen.len() < 20 && std::time::Instant::now() < deadline {
        for r in reader.poll(Duration::from_millis(200)).unwrap() {
            seen.insert(r.key.unwrap().to_vec(), r.value.unwrap().to_vec());
        }
    }
    println!("child: topology output {}", seen.len());
    assert!(app.close(Duration::from_secs(30)));

    // Refused connections: a wrong password, and an invalid value for a secret key.
    let err = Cluster::kafka(secured.clone().set("sasl.password", WRONG_PASSWORD)).unwrap_err();
    println!("child: {err}\nchild: {err:?}");
    let invalid = cluster.producer(&ClientConfig::new().set("ssl.key.pem", BAD_KEY));
    if let Err(err) = invalid {
        println!("child: {err}\nchild: {err:?}");
    }

    // The registry over HTTPS with basic authentication: a good client and a refused one.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let tls = secured.get("ssl.ca.location").unwrap().replace("ca.pem", "");
        let security = ServerSecurity::default()
            .with_tls(
                std::path::Path::new(&format!("{tls}broker.pem")),
                std::path::Path::new(&format!("{tls}broker.key")),
                None,
            )
            .unwrap()
            .with_users(users);
        println!("child: ServerSecurity {security:?}");
        let url = schema_registry_client::server::spawn_secured(
            Arc::new(MemoryRegistry::new()),
            "127.0.0.1:0",
            security,
        )
        .await
        .unwrap();
        let client = |password: &str| {
            registry_from_properties(&HashMap::from([
                ("schema.registry.url".to_owned(), url.clone()),
                ("basic.auth.credentials.source".to_owned(), "USER_INFO".to_owned()),
                (
                    "basic.auth.user.info".to_owned(),
                    format!("registry-user:{password}"),
                ),
                (
                    "schema.registry.ssl.ca.location".to_owned(),
                    format!("{tls}ca.pem"),
                ),
            ]))
            .unwrap()
        };
        let schema = Schema::avro(r#""string""#);
        client(REGISTRY_PASSWORD)
            .register("secrets-value", &schema, RegisterOptions::default())
            .await
            .unwrap();
        let err = client(WRONG_PASSWORD)
            .register("secrets-value", &schema, RegisterOptions::default())
            .await
            .unwrap_err();
        println!("child: registry refused: {err}\nchild: {err:?}");
    });
}
