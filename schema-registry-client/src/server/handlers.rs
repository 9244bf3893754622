//! One handler per REST call; each turns path, query and body into a trait call and
//! the answer (or error) into the registry's JSON.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use super::Shared;
use crate::error::{Error, ErrorCode, Result};
use crate::http::CONTENT_TYPE;
use crate::model::{CompatibilityLevel, Mode, Schema, SubjectFilter, Version};
use crate::options::{
    CompatibilityOptions, Deletion, LookupOptions, ReadOptions, RegisterOptions, SettingOptions,
};

type Params = Query<HashMap<String, String>>;

fn flag(params: &HashMap<String, String>, name: &str) -> bool {
    params.get(name).is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

fn read_options(params: &HashMap<String, String>) -> ReadOptions {
    ReadOptions {
        include_deleted: flag(params, "deleted"),
    }
}

fn setting_options(params: &HashMap<String, String>) -> SettingOptions {
    SettingOptions {
        default_to_global: flag(params, "defaultToGlobal"),
    }
}

fn deletion(params: &HashMap<String, String>) -> Deletion {
    if flag(params, "permanent") {
        Deletion::Permanent
    } else {
        Deletion::Soft
    }
}

fn json_response(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, CONTENT_TYPE)], body).into_response()
}

fn error_response(error: Error) -> Response {
    let code = match &error {
        Error::Registry { code, .. } => *code,
        Error::InvalidSchema { .. } => ErrorCode::InvalidSchema,
        Error::Config { .. } => ErrorCode::Other(422),
        _ => ErrorCode::StoreError,
    };
    let message = match error {
        Error::Registry { message, .. } => message,
        other => other.to_string(),
    };
    let status = StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = json!({ "error_code": code.as_i32(), "message": message });
    json_response(status, body.to_string())
}

fn answer<T: Serialize>(result: Result<T>) -> Response {
    match result {
        Ok(value) => json_response(StatusCode::OK, serde_json::to_string(&value).unwrap_or_default()),
        Err(e) => error_response(e),
    }
}

fn body<T: DeserializeOwned>(bytes: &Bytes) -> Result<T> {
    serde_json::from_slice(bytes)
        .map_err(|e| Error::registry(ErrorCode::Other(422), format!("Unprocessable request body: {e}")))
}

fn parse_version(text: &str) -> Result<Version> {
    text.parse()
}

fn schema_id(text: &str) -> Result<u32> {
    text.parse()
        .map_err(|_| Error::registry(ErrorCode::SchemaNotFound, format!("Schema {text} not found")))
}

pub(super) async fn root() -> Response {
    json_response(StatusCode::OK, "{}".into())
}

pub(super) async fn not_found() -> Response {
    error_response(Error::registry(ErrorCode::Other(404), "HTTP 404 Not Found"))
}

pub(super) async fn subjects(State(r): State<Shared>, Query(q): Params) -> Response {
    let filter = SubjectFilter {
        prefix: q.get("subjectPrefix").cloned(),
        deleted: flag(&q, "deleted"),
    };
    answer(r.subjects(&filter).await)
}

pub(super) async fn versions(
    State(r): State<Shared>,
    Path(subject): Path<String>,
    Query(q): Params,
) -> Response {
    answer(r.versions(&subject, read_options(&q)).await)
}

pub(super) async fn version(
    State(r): State<Shared>,
    Path((subject, v)): Path<(String, String)>,
    Query(q): Params,
) -> Response {
    answer(async { r.version(&subject, parse_version(&v)?, read_options(&q)).await }.await)
}

pub(super) async fn version_schema_text(
    State(r): State<Shared>,
    Path((subject, v)): Path<(String, String)>,
    Query(q): Params,
) -> Response {
    match async { r.version(&subject, parse_version(&v)?, read_options(&q)).await }.await {
        Ok(found) => json_response(StatusCode::OK, found.schema.schema),
        Err(e) => error_response(e),
    }
}

pub(super) async fn referenced_by(
    State(r): State<Shared>,
    Path((subject, v)): Path<(String, String)>,
) -> Response {
    answer(async { r.referenced_by(&subject, parse_version(&v)?).await }.await)
}

pub(super) async fn register(
    State(r): State<Shared>,
    Path(subject): Path<String>,
    Query(q): Params,
    bytes: Bytes,
) -> Response {
    answer(
        async {
            let schema: Schema = body(&bytes)?;
            let options = RegisterOptions {
                normalize: flag(&q, "normalize"),
            };
            let id = r.register(&subject, &schema, options).await?;
            Ok(json!({ "id": id }))
        }
        .await,
    )
}

pub(super) async fn lookup(
    State(r): State<Shared>,
    Path(subject): Path<String>,
    Query(q): Params,
    bytes: Bytes,
) -> Response {
    answer(
        async {
            let schema: Schema = body(&bytes)?;
            let options = LookupOptions {
                normalize: flag(&q, "normalize"),
                include_deleted: flag(&q, "deleted"),
            };
            r.lookup(&subject, &schema, options).await
        }
        .await,
    )
}

pub(super) async fn delete_subject(
    State(r): State<Shared>,
    Path(subject): Path<String>,
    Query(q): Params,
) -> Response {
    answer(r.delete_subject(&subject, deletion(&q)).await)
}

pub(super) async fn delete_version(
    State(r): State<Shared>,
    Path((subject, v)): Path<(String, String)>,
    Query(q): Params,
) -> Response {
    answer(async { r.delete_version(&subject, parse_version(&v)?, deletion(&q)).await }.await)
}

pub(super) async fn schema_types(State(r): State<Shared>) -> Response {
    answer(r.schema_types().await)
}

pub(super) async fn schema_by_id(State(r): State<Shared>, Path(id): Path<String>) -> Response {
    answer(async { r.schema_by_id(schema_id(&id)?).await }.await)
}

pub(super) async fn schema_text_by_id(State(r): State<Shared>, Path(id): Path<String>) -> Response {
    match async { r.schema_by_id(schema_id(&id)?).await }.await {
        Ok(schema) => json_response(StatusCode::OK, schema.schema),
        Err(e) => error_response(e),
    }
}

pub(super) async fn subjects_by_id(State(r): State<Shared>, Path(id): Path<String>) -> Response {
    answer(async { r.subjects_by_id(schema_id(&id)?).await }.await)
}

pub(super) async fn versions_by_id(State(r): State<Shared>, Path(id): Path<String>) -> Response {
    answer(async { r.versions_by_id(schema_id(&id)?).await }.await)
}

async fn compatibility(
    r: Shared,
    subject: &str,
    against: Option<&str>,
    q: &HashMap<String, String>,
    bytes: &Bytes,
) -> Response {
    answer(
        async {
            let schema: Schema = body(bytes)?;
            let against = against.map(parse_version).transpose()?;
            let options = CompatibilityOptions {
                verbose: flag(q, "verbose"),
            };
            r.check_compatibility(subject, &schema, against, options).await
        }
        .await,
    )
}

pub(super) async fn compatibility_all(
    State(r): State<Shared>,
    Path(subject): Path<String>,
    Query(q): Params,
    bytes: Bytes,
) -> Response {
    compatibility(r, &subject, None, &q, &bytes).await
}

pub(super) async fn compatibility_version(
    State(r): State<Shared>,
    Path((subject, v)): Path<(String, String)>,
    Query(q): Params,
    bytes: Bytes,
) -> Response {
    compatibility(r, &subject, Some(&v), &q, &bytes).await
}

fn level_of(bytes: &Bytes) -> Result<CompatibilityLevel> {
    let value: serde_json::Value = body(bytes)?;
    let text = value
        .get("compatibility")
        .or_else(|| value.get("compatibilityLevel"))
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    text.parse()
}

fn mode_of(bytes: &Bytes) -> Result<Mode> {
    let value: serde_json::Value = body(bytes)?;
    value
        .get("mode")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .parse()
}

/// The subject of `/config/{subject}` or `/mode/{subject}`; `None` for the global
/// routes.
type Subject = Option<Path<String>>;

pub(super) async fn config(State(r): State<Shared>, subject: Subject, Query(q): Params) -> Response {
    let subject = subject.map(|Path(s)| s);
    answer(
        r.config(subject.as_deref(), setting_options(&q))
            .await
            .map(|level| json!({ "compatibilityLevel": level })),
    )
}

pub(super) async fn set_config(State(r): State<Shared>, subject: Subject, bytes: Bytes) -> Response {
    let subject = subject.map(|Path(s)| s);
    answer(
        async { r.set_config(subject.as_deref(), level_of(&bytes)?).await }
            .await
            .map(|level| json!({ "compatibility": level })),
    )
}

pub(super) async fn delete_config(State(r): State<Shared>, subject: Subject) -> Response {
    let subject = subject.map(|Path(s)| s);
    answer(
        r.delete_config(subject.as_deref())
            .await
            .map(|level| json!({ "compatibilityLevel": level })),
    )
}

pub(super) async fn mode(State(r): State<Shared>, subject: Subject, Query(q): Params) -> Response {
    let subject = subject.map(|Path(s)| s);
    answer(
        r.mode(subject.as_deref(), setting_options(&q))
            .await
            .map(|mode| json!({ "mode": mode })),
    )
}

pub(super) async fn set_mode(State(r): State<Shared>, subject: Subject, bytes: Bytes) -> Response {
    let subject = subject.map(|Path(s)| s);
    answer(
        async { r.set_mode(subject.as_deref(), mode_of(&bytes)?).await }
            .await
            .map(|mode| json!({ "mode": mode })),
    )
}
