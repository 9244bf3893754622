//! The HTTP client against responses recorded from the Confluent Schema Registry
//! documentation (bodies as the docs show them, errors included), served by a canned
//! server that also records what the client sent; then failover, retries, timeouts and
//! credentials.

use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use schema_registry_client::http::Auth;
use schema_registry_client::{
    CompatibilityLevel, CompatibilityOptions, Deletion, Error, ErrorCode, HttpConfig, HttpRegistry,
    LookupOptions, Mode, ReadOptions, RegisterOptions, Schema, SchemaRegistry, SchemaType, SettingOptions,
    SubjectFilter, SubjectVersion, Version,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// One request as the server saw it.
#[derive(Debug, Clone)]
struct Seen {
    line: String,
    headers: Vec<String>,
    body: String,
}

/// A server answering each connection with the next canned response (`None`: accept
/// and never answer).
async fn canned(responses: Vec<Option<(u16, &'static str)>>) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        for response in responses {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut buffer = Vec::new();
            let mut chunk = [0u8; 4096];
            let (head_end, length) = loop {
                let n = socket.read(&mut chunk).await.unwrap();
                buffer.extend_from_slice(&chunk[..n]);
                if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&buffer[..end]).to_lowercase();
                    let length = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .map_or(0, |v| v.trim().parse::<usize>().unwrap());
                    break (end + 4, length);
                }
            };
            while buffer.len() < head_end + length {
                let n = socket.read(&mut chunk).await.unwrap();
                buffer.extend_from_slice(&chunk[..n]);
            }
            let head = String::from_utf8_lossy(&buffer[..head_end]).to_string();
            let mut lines = head.lines();
            log.lock().push(Seen {
                line: lines.next().unwrap_or_default().to_string(),
                headers: lines.map(str::to_lowercase).filter(|l| !l.is_empty()).collect(),
                body: String::from_utf8_lossy(&buffer[head_end..]).to_string(),
            });
            let Some((status, body)) = response else {
                tokio::time::sleep(Duration::from_secs(30)).await;
                continue;
            };
            let reply = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/vnd.schemaregistry.v1+json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            socket.write_all(reply.as_bytes()).await.unwrap();
        }
    });
    (url, seen)
}

fn client(urls: &str, tweak: impl FnOnce(&mut HttpConfig)) -> HttpRegistry {
    let mut config = HttpConfig::from_urls(urls).unwrap();
    config.retry_backoff = Duration::from_millis(10);
    config.retry_max_backoff = Duration::from_millis(20);
    tweak(&mut config);
    HttpRegistry::new(config).unwrap()
}

#[tokio::test]
async fn documented_answers_parse_and_requests_match_the_api() {
    let (url, seen) = canned(vec![
        Some((200, r#"["subject1", "subject2"]"#)),
        Some((200, r#"{"schema": "{\"type\": \"string\"}"}"#)),
        Some((
            200,
            r#"{"subject": "test", "id": 1, "version": 1, "schema": "{\"type\": \"string\"}"}"#,
        )),
        Some((200, r#"{"id": 1}"#)),
        Some((
            200,
            r#"{"subject": "test", "id": 1, "version": 3, "schema": "{\"type\": \"string\"}"}"#,
        )),
        Some((200, r#"{"is_compatible": true}"#)),
        Some((200, r#"{"compatibilityLevel": "FULL"}"#)),
        Some((200, r#"{"compatibility": "FULL"}"#)),
        Some((200, r#"{"mode": "READWRITE"}"#)),
        Some((200, r#"[1, 2, 3, 4, 5]"#)),
        Some((200, "1")),
        Some((200, r#"["JSON", "PROTOBUF", "AVRO"]"#)),
        Some((200, r#"[{"subject":"test","version":1}]"#)),
        Some((
            200,
            r#"{"is_compatible": false, "messages": ["READER_FIELD_MISSING_DEFAULT_VALUE"]}"#,
        )),
    ])
    .await;
    let r = client(&url, |_| {});
    let string = Schema::avro(r#"{"type": "string"}"#);
    let prefix = SubjectFilter {
        prefix: Some("sub".into()),
        deleted: true,
    };
    assert_eq!(r.subjects(&prefix).await.unwrap(), vec!["subject1", "subject2"]);
    assert_eq!(r.schema_by_id(1).await.unwrap(), string);
    let v1 = r
        .version("test", Version::Number(1), ReadOptions::default())
        .await
        .unwrap();
    assert_eq!((v1.id, v1.version, v1.subject.as_str()), (1, 1, "test"));
    assert_eq!(
        r.register("test", &string, RegisterOptions::default().normalize())
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        r.lookup("test", &string, LookupOptions::default())
            .await
            .unwrap()
            .version,
        3
    );
    assert!(
        r.check_compatibility(
            "test",
            &string,
            Some(Version::Latest),
            CompatibilityOptions::default()
        )
        .await
        .unwrap()
        .is_compatible
    );
    assert_eq!(
        r.config(None, SettingOptions::default()).await.unwrap(),
        CompatibilityLevel::Full
    );
    assert_eq!(
        r.set_config(Some("test"), CompatibilityLevel::Full)
            .await
            .unwrap(),
        CompatibilityLevel::Full
    );
    assert_eq!(
        r.mode(None, SettingOptions::default()).await.unwrap(),
        Mode::Readwrite
    );
    assert_eq!(
        r.delete_subject("test", Deletion::Soft).await.unwrap(),
        vec![1, 2, 3, 4, 5]
    );
    assert_eq!(
        r.delete_version("test", Version::Number(1), Deletion::Permanent)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        r.schema_types().await.unwrap(),
        vec![SchemaType::Json, SchemaType::Protobuf, SchemaType::Avro]
    );
    assert_eq!(
        r.versions_by_id(1).await.unwrap(),
        vec![SubjectVersion {
            subject: "test".into(),
            version: 1
        }]
    );
    let report = r
        .check_compatibility("a/b", &string, None, CompatibilityOptions::default().verbose())
        .await
        .unwrap();
    assert_eq!(report.messages, vec!["READER_FIELD_MISSING_DEFAULT_VALUE"]);

    let seen = seen.lock().clone();
    let lines: Vec<&str> = seen.iter().map(|s| s.line.as_str()).collect();
    assert_eq!(
        lines,
        vec![
            "GET /subjects?deleted=true&subjectPrefix=sub HTTP/1.1",
            "GET /schemas/ids/1 HTTP/1.1",
            "GET /subjects/test/versions/1 HTTP/1.1",
            "POST /subjects/test/versions?normalize=true HTTP/1.1",
            "POST /subjects/test HTTP/1.1",
            "POST /compatibility/subjects/test/versions/latest HTTP/1.1",
            "GET /config HTTP/1.1",
            "PUT /config/test HTTP/1.1",
            "GET /mode HTTP/1.1",
            "DELETE /subjects/test HTTP/1.1",
            "DELETE /subjects/test/versions/1?permanent=true HTTP/1.1",
            "GET /schemas/types HTTP/1.1",
            "GET /schemas/ids/1/versions HTTP/1.1",
            // A subject with a slash is one path segment.
            "POST /compatibility/subjects/a%2Fb/versions?verbose=true HTTP/1.1",
        ]
    );
    assert_eq!(seen[3].body, r#"{"schema":"{\"type\": \"string\"}"}"#);
    assert_eq!(seen[7].body, r#"{"compatibility":"FULL"}"#);
    assert!(
        seen[3]
            .headers
            .contains(&"content-type: application/vnd.schemaregistry.v1+json".to_string()),
        "{:?}",
        seen[3].headers
    );
}

#[tokio::test]
async fn documented_error_bodies_become_typed_errors() {
    let (url, seen) = canned(vec![
        Some((404, r#"{"error_code": 40401, "message": "Subject 'test' not found."}"#)),
        Some((404, r#"{"error_code": 40402, "message": "Version 9 not found."}"#)),
        Some((404, r#"{"error_code": 40403, "message": "Schema 7 not found"}"#)),
        Some((
            409,
            r#"{"error_code": 409, "message": "Schema being registered is incompatible with an earlier schema for subject \"test\""}"#,
        )),
        Some((422, r#"{"error_code": 42201, "message": "Either the input schema or one its references is invalid"}"#)),
        Some((422, r#"{"error_code": 42202, "message": "The specified version '0' is not a valid version id."}"#)),
        Some((401, "<html><body>Unauthorized</body></html>")),
    ])
    .await;
    let r = client(&url, |c| c.max_retries = 0);
    let s = Schema::avro(r#""string""#);
    let expect = |result: Error, code: ErrorCode, text: &str| {
        assert_eq!(result.code(), Some(code), "{result}");
        assert!(result.to_string().contains(text), "{result}");
    };
    expect(
        r.versions("test", ReadOptions::default()).await.unwrap_err(),
        ErrorCode::SubjectNotFound,
        "Subject 'test' not found",
    );
    expect(
        r.version("test", Version::Number(9), ReadOptions::default())
            .await
            .unwrap_err(),
        ErrorCode::VersionNotFound,
        "Version 9",
    );
    expect(
        r.schema_by_id(7).await.unwrap_err(),
        ErrorCode::SchemaNotFound,
        "Schema 7",
    );
    expect(
        r.register("test", &s, RegisterOptions::default())
            .await
            .unwrap_err(),
        ErrorCode::Incompatible,
        "incompatible",
    );
    expect(
        r.register("test", &s, RegisterOptions::default())
            .await
            .unwrap_err(),
        ErrorCode::InvalidSchema,
        "invalid",
    );
    expect(
        r.version("test", Version::Latest, ReadOptions::default())
            .await
            .unwrap_err(),
        ErrorCode::InvalidVersion,
        "version id",
    );
    // A 401 is the credentials' fault, whatever the body: its own variant.
    let err = r.subjects(&SubjectFilter::default()).await.unwrap_err();
    assert!(
        matches!(&err, Error::Unauthorized { status: 401, message, .. } if message.contains("Unauthorized")),
        "{err:?}"
    );
    // 4xx answers are not retried.
    assert_eq!(seen.lock().len(), 7);
}

#[tokio::test]
async fn a_dead_url_fails_over_to_the_next_and_is_skipped_afterwards() {
    let (url, seen) = canned(vec![Some((200, "[]")), Some((200, "[]"))]).await;
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let r = client(&format!("{dead},{url}"), |c| c.max_retries = 0);
    assert!(r.subjects(&SubjectFilter::default()).await.unwrap().is_empty());
    assert!(r.subjects(&SubjectFilter::default()).await.unwrap().is_empty());
    assert_eq!(seen.lock().len(), 2);
}

#[tokio::test]
async fn server_errors_are_retried_with_backoff_then_reported() {
    let (url, seen) = canned(vec![
        Some((
            500,
            r#"{"error_code": 50001, "message": "Error in the backend data store"}"#,
        )),
        Some((200, r#"["s"]"#)),
        Some((503, "unavailable")),
        Some((503, "unavailable")),
    ])
    .await;
    let r = client(&url, |c| c.max_retries = 1);
    assert_eq!(r.subjects(&SubjectFilter::default()).await.unwrap(), vec!["s"]);
    let err = r.subjects(&SubjectFilter::default()).await.unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::Other(503)), "{err}");
    assert_eq!(seen.lock().len(), 4);
}

#[tokio::test]
async fn an_unreachable_or_silent_registry_is_an_error_not_a_hang() {
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let r = client(&dead, |c| c.max_retries = 2);
    let err = r.schema_by_id(1).await.unwrap_err();
    assert!(
        matches!(&err, Error::Unreachable { url, .. } if url.starts_with(&dead)),
        "{err}"
    );

    let (silent, _) = canned(vec![None]).await;
    let r = client(&silent, |c| {
        c.max_retries = 0;
        c.request_timeout = Duration::from_millis(200);
    });
    let err = tokio::time::timeout(Duration::from_secs(10), r.schema_by_id(1))
        .await
        .expect("the client's own timeout fires first")
        .unwrap_err();
    assert!(matches!(err, Error::Unreachable { .. }), "{err}");
}

#[tokio::test]
async fn credentials_are_sent() {
    let (url, seen) = canned(vec![Some((200, "[]")), Some((200, "[]"))]).await;
    let basic = client(&url, |c| {
        c.auth = Auth::Basic {
            username: "key".into(),
            password: "secret".into(),
        }
    });
    basic.subjects(&SubjectFilter::default()).await.unwrap();
    let bearer = client(&url, |c| c.auth = Auth::Bearer("tok".into()));
    bearer.subjects(&SubjectFilter::default()).await.unwrap();
    let seen = seen.lock().clone();
    // base64("key:secret")
    assert!(
        seen[0]
            .headers
            .contains(&"authorization: basic a2v5onnly3jlda==".to_string()),
        "{:?}",
        seen[0].headers
    );
    assert!(
        seen[1].headers.contains(&"authorization: bearer tok".to_string()),
        "{:?}",
        seen[1].headers
    );
}
