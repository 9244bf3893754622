//! The HTTP client against this crate's server over HTTPS with basic authentication,
//! for real: a trusted CA, an untrusted one, a host the certificate does not name,
//! client certificates (mutual TLS), wrong credentials, and failover from an
//! unreachable URL to the secured one. Each failure is a typed error, returned at once.
#![cfg(feature = "server")]

mod tls;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use schema_registry_client::server::{ServerSecurity, Users};
use schema_registry_client::{
    Error, MemoryRegistry, RegisterOptions, Schema, SchemaRegistry, SubjectFilter, registry_from_properties,
};

const USER: &str = "registry-user";
const PASSWORD: &str = "registry-Pw-91c2e7";

/// A server over HTTPS with basic authentication (and client certificates when
/// `mutual`); its URL and the TLS material.
async fn secured_server(mutual: bool) -> (String, tls::Material) {
    let material = tls::make();
    let ca = material.path("ca.pem");
    let security = ServerSecurity::default()
        .with_tls(
            &material.path("server.pem"),
            &material.path("server.key"),
            mutual.then_some(ca.as_path()),
        )
        .unwrap()
        .with_users(Users::parse(&format!("{USER}: {PASSWORD},admin\n")).unwrap());
    let url = schema_registry_client::server::spawn_secured(
        Arc::new(MemoryRegistry::new()),
        "127.0.0.1:0",
        security,
    )
    .await
    .unwrap();
    assert!(url.starts_with("https://"), "{url}");
    (url, material)
}

/// A client with Confluent's property names.
fn client(url: &str, material: &tls::Material, extra: &[(&str, String)]) -> Arc<dyn SchemaRegistry> {
    let mut properties = HashMap::from([
        ("schema.registry.url".to_owned(), url.to_owned()),
        ("basic.auth.credentials.source".to_owned(), "USER_INFO".to_owned()),
        ("basic.auth.user.info".to_owned(), format!("{USER}:{PASSWORD}")),
        (
            "schema.registry.ssl.ca.location".to_owned(),
            material.path("ca.pem").display().to_string(),
        ),
        ("max.retries".to_owned(), "1".to_owned()),
        ("retries.wait.ms".to_owned(), "50".to_owned()),
    ]);
    for (k, v) in extra {
        properties.insert((*k).to_owned(), v.clone());
    }
    registry_from_properties(&properties).unwrap()
}

async fn register(client: &Arc<dyn SchemaRegistry>) -> Result<u32, Error> {
    client
        .register(
            "secured-value",
            &Schema::avro(r#""string""#),
            RegisterOptions::default(),
        )
        .await
}

/// The error of a call expected to fail, checked to come fast (no retry loop hides it).
async fn refused(client: &Arc<dyn SchemaRegistry>) -> Error {
    let started = Instant::now();
    let err = register(client).await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}: {err}",
        started.elapsed()
    );
    assert!(!err.is_retriable(), "{err}");
    err
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trusted_ca_and_good_credentials_are_served() {
    let (url, material) = secured_server(false).await;
    let client = client(&url, &material, &[]);
    let id = register(&client).await.unwrap();
    assert_eq!(
        client.schema_by_id(id).await.unwrap(),
        Schema::avro(r#""string""#)
    );
    assert_eq!(
        client.subjects(&SubjectFilter::default()).await.unwrap(),
        vec!["secured-value".to_owned()]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_ca_is_a_tls_error() {
    let (url, material) = secured_server(false).await;
    let rogue = material.path("rogue-ca.pem").display().to_string();
    let err = refused(&client(
        &url,
        &material,
        &[("schema.registry.ssl.ca.location", rogue)],
    ))
    .await;
    assert!(matches!(err, Error::Tls { .. }), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_the_certificate_does_not_name_is_a_tls_error() {
    let (url, material) = secured_server(false).await;
    let err = refused(&client(&url.replace("127.0.0.1", "localhost"), &material, &[])).await;
    assert!(matches!(err, Error::Tls { .. }), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_or_missing_credentials_are_unauthorized() {
    let (url, material) = secured_server(false).await;
    let wrong = client(
        &url,
        &material,
        &[("basic.auth.user.info", format!("{USER}:not-it"))],
    );
    let err = refused(&wrong).await;
    assert!(matches!(err, Error::Unauthorized { status: 401, .. }), "{err:?}");
    assert!(!format!("{err} {err:?}").contains("not-it"), "{err:?}");
    let unknown = client(&url, &material, &[("basic.auth.user.info", "nobody:pw".into())]);
    assert!(matches!(
        refused(&unknown).await,
        Error::Unauthorized { status: 401, .. }
    ));
    let mut properties = HashMap::from([
        ("schema.registry.url".to_owned(), url.clone()),
        (
            "schema.registry.ssl.ca.location".to_owned(),
            material.path("ca.pem").display().to_string(),
        ),
    ]);
    properties.insert("max.retries".into(), "0".into());
    let anonymous = registry_from_properties(&properties).unwrap();
    assert!(matches!(
        refused(&anonymous).await,
        Error::Unauthorized { status: 401, .. }
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_certificates_are_required_when_the_server_asks() {
    let (url, material) = secured_server(true).await;
    let identity = |name: &str| {
        (
            "schema.registry.ssl.keystore.location",
            material.path(name).display().to_string(),
        )
    };
    let with_cert = client(&url, &material, &[identity("client.pem")]);
    register(&with_cert).await.unwrap();
    let without = client(&url, &material, &[]);
    assert!(matches!(refused(&without).await, Error::Tls { .. }));
    let rogue = client(&url, &material, &[identity("rogue-client.pem")]);
    assert!(matches!(refused(&rogue).await, Error::Tls { .. }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_url_fails_over_to_the_secured_one() {
    let (url, material) = secured_server(false).await;
    // A port nothing listens on: bound, then released.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let client = client(&format!("https://{closed},{url}"), &material, &[]);
    register(&client).await.unwrap();
    assert_eq!(
        client
            .versions("secured-value", Default::default())
            .await
            .unwrap(),
        vec![1]
    );
}
