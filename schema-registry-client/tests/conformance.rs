//! One suite of registry behaviour, run against the in-memory registry, the cache in
//! front of it, and (feature `server`) the HTTP client talking to the REST server.

use std::sync::Arc;

use schema_registry_client::{
    CachedRegistry, CompatibilityLevel, CompatibilityOptions, Deletion, ErrorCode, LookupOptions,
    MemoryRegistry, Mode, ReadOptions, RegisterOptions, Schema, SchemaReference, SchemaRegistry,
    SettingOptions, SubjectFilter, SubjectVersion, Version,
};

const V1: &str =
    r#"{"type":"record","name":"Member","namespace":"hotel","fields":[{"name":"id","type":"long"}]}"#;
const V2_DEFAULT: &str = r#"{"type":"record","name":"Member","namespace":"hotel","fields":[{"name":"id","type":"long"},{"name":"level","type":"string","default":"basic"}]}"#;
const V3_NO_DEFAULT: &str = r#"{"type":"record","name":"Member","namespace":"hotel","fields":[{"name":"id","type":"long"},{"name":"tier","type":"int"}]}"#;

fn avro(text: &str) -> Schema {
    Schema::avro(text)
}

fn code<T: std::fmt::Debug>(result: schema_registry_client::Result<T>) -> ErrorCode {
    match result {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e
            .code()
            .unwrap_or_else(|| panic!("expected a registry error, got {e}")),
    }
}

async fn register_versions_and_ids(r: Arc<dyn SchemaRegistry>) {
    let id1 = r
        .register("members-value", &avro(V1), RegisterOptions::default())
        .await
        .unwrap();
    // The same schema, laid out differently, is the same version.
    let spaced = V1.replace(',', " , ");
    assert_eq!(
        r.register("members-value", &avro(&spaced), RegisterOptions::default())
            .await
            .unwrap(),
        id1
    );
    let id2 = r
        .register("members-value", &avro(V2_DEFAULT), RegisterOptions::default())
        .await
        .unwrap();
    assert_ne!(id1, id2);
    // Ids are global: another subject registering V1 gets V1's id, at its version 1.
    assert_eq!(
        r.register("other-value", &avro(V1), RegisterOptions::default())
            .await
            .unwrap(),
        id1
    );
    assert_eq!(
        r.versions("members-value", ReadOptions::default()).await.unwrap(),
        vec![1, 2]
    );
    let latest = r
        .version("members-value", Version::Latest, ReadOptions::default())
        .await
        .unwrap();
    assert_eq!((latest.id, latest.version), (id2, 2));
    assert_eq!(latest.subject, "members-value");
    let first = r
        .version("members-value", Version::Number(1), ReadOptions::default())
        .await
        .unwrap();
    assert_eq!(first.schema.schema, V1);
    assert_eq!(r.schema_by_id(id1).await.unwrap().schema, V1);
    assert_eq!(
        r.subjects(&SubjectFilter::default()).await.unwrap(),
        vec!["members-value".to_string(), "other-value".to_string()]
    );
    let filtered = SubjectFilter {
        prefix: Some("oth".into()),
        deleted: false,
    };
    assert_eq!(
        r.subjects(&filtered).await.unwrap(),
        vec!["other-value".to_string()]
    );
    assert_eq!(
        r.subjects_by_id(id1).await.unwrap(),
        vec!["members-value".to_string(), "other-value".to_string()]
    );
    assert_eq!(
        r.versions_by_id(id1).await.unwrap(),
        vec![
            SubjectVersion {
                subject: "members-value".into(),
                version: 1
            },
            SubjectVersion {
                subject: "other-value".into(),
                version: 1
            }
        ]
    );
    let found = r
        .lookup("members-value", &avro(V2_DEFAULT), LookupOptions::default())
        .await
        .unwrap();
    assert_eq!((found.id, found.version), (id2, 2));
    assert_eq!(r.schema_types().await.unwrap().len(), 1);
}

async fn not_found_codes(r: Arc<dyn SchemaRegistry>) {
    assert_eq!(
        code(r.versions("nope", ReadOptions::default()).await),
        ErrorCode::SubjectNotFound
    );
    assert_eq!(
        code(r.version("nope", Version::Latest, ReadOptions::default()).await),
        ErrorCode::SubjectNotFound
    );
    r.register("s", &avro(V1), RegisterOptions::default())
        .await
        .unwrap();
    assert_eq!(
        code(r.version("s", Version::Number(9), ReadOptions::default()).await),
        ErrorCode::VersionNotFound
    );
    assert_eq!(code(r.schema_by_id(999).await), ErrorCode::SchemaNotFound);
    assert_eq!(
        code(r.lookup("s", &avro(V2_DEFAULT), LookupOptions::default()).await),
        ErrorCode::SchemaNotFound
    );
    assert_eq!(
        code(r.lookup("nope", &avro(V1), LookupOptions::default()).await),
        ErrorCode::SubjectNotFound
    );
    assert_eq!(
        code(
            r.register("s", &avro("{not json"), RegisterOptions::default())
                .await
        ),
        ErrorCode::InvalidSchema
    );
    assert_eq!(
        code(
            r.register(
                "s",
                &avro(r#"{"type":"record","name":"X"}"#),
                RegisterOptions::default()
            )
            .await
        ),
        ErrorCode::InvalidSchema
    );
    let json_schema = Schema {
        schema: "{}".into(),
        schema_type: schema_registry_client::SchemaType::Json,
        references: vec![],
    };
    assert_eq!(
        code(r.register("j", &json_schema, RegisterOptions::default()).await),
        ErrorCode::InvalidSchema
    );
}

async fn compatibility_is_enforced(r: Arc<dyn SchemaRegistry>) {
    r.register("m", &avro(V1), RegisterOptions::default())
        .await
        .unwrap();
    let err = r
        .register("m", &avro(V3_NO_DEFAULT), RegisterOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::Incompatible));
    assert!(err.to_string().contains("field `tier`"), "{err}");
    assert!(err.to_string().contains("added without a default"), "{err}");
    let report = r
        .check_compatibility(
            "m",
            &avro(V3_NO_DEFAULT),
            None,
            CompatibilityOptions::default().verbose(),
        )
        .await
        .unwrap();
    assert!(!report.is_compatible);
    assert_eq!(report.messages.len(), 1, "{:?}", report.messages);
    let quiet = r
        .check_compatibility(
            "m",
            &avro(V3_NO_DEFAULT),
            Some(Version::Latest),
            CompatibilityOptions::default(),
        )
        .await
        .unwrap();
    assert!(!quiet.is_compatible && quiet.messages.is_empty());
    assert!(
        r.check_compatibility(
            "m",
            &avro(V2_DEFAULT),
            Some(Version::Number(1)),
            CompatibilityOptions::default().verbose()
        )
        .await
        .unwrap()
        .is_compatible
    );
    // With the subject at NONE the same change registers.
    assert_eq!(
        r.set_config(Some("m"), CompatibilityLevel::None).await.unwrap(),
        CompatibilityLevel::None
    );
    r.register("m", &avro(V3_NO_DEFAULT), RegisterOptions::default())
        .await
        .unwrap();
    assert_eq!(
        r.config(Some("m"), SettingOptions::default()).await.unwrap(),
        CompatibilityLevel::None
    );
    assert_eq!(
        r.config(None, SettingOptions::default()).await.unwrap(),
        CompatibilityLevel::Backward
    );
    assert_eq!(
        r.delete_config(Some("m")).await.unwrap(),
        CompatibilityLevel::None
    );
    assert_eq!(
        code(r.config(Some("m"), SettingOptions::default()).await),
        ErrorCode::SubjectCompatibilityNotConfigured
    );
    assert_eq!(
        r.config(Some("m"), SettingOptions::default().default_to_global())
            .await
            .unwrap(),
        CompatibilityLevel::Backward
    );
    r.set_config(None, CompatibilityLevel::FullTransitive)
        .await
        .unwrap();
    assert_eq!(
        r.delete_config(None).await.unwrap(),
        CompatibilityLevel::FullTransitive
    );
    assert_eq!(
        r.config(None, SettingOptions::default()).await.unwrap(),
        CompatibilityLevel::Backward
    );
}

async fn deletes_follow_the_rules(r: Arc<dyn SchemaRegistry>) {
    let id1 = r
        .register("d", &avro(V1), RegisterOptions::default())
        .await
        .unwrap();
    r.register("d", &avro(V2_DEFAULT), RegisterOptions::default())
        .await
        .unwrap();
    // Hard delete needs a soft delete first.
    assert_eq!(
        code(
            r.delete_version("d", Version::Number(1), Deletion::Permanent)
                .await
        ),
        ErrorCode::VersionNotSoftDeleted
    );
    assert_eq!(
        r.delete_version("d", Version::Number(1), Deletion::Soft)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        code(r.delete_version("d", Version::Number(1), Deletion::Soft).await),
        ErrorCode::VersionSoftDeleted
    );
    assert_eq!(r.versions("d", ReadOptions::default()).await.unwrap(), vec![2]);
    assert_eq!(
        r.versions("d", ReadOptions::default().include_deleted())
            .await
            .unwrap(),
        vec![1, 2]
    );
    assert_eq!(
        code(r.version("d", Version::Number(1), ReadOptions::default()).await),
        ErrorCode::VersionNotFound
    );
    assert_eq!(
        r.version("d", Version::Number(1), ReadOptions::default().include_deleted())
            .await
            .unwrap()
            .id,
        id1
    );
    // A soft-deleted schema is still readable by id (consumers of old records need it).
    assert_eq!(r.schema_by_id(id1).await.unwrap().schema, V1);
    assert_eq!(
        r.delete_version("d", Version::Number(1), Deletion::Permanent)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        r.versions("d", ReadOptions::default().include_deleted())
            .await
            .unwrap(),
        vec![2]
    );
    // Subjects: soft, then again (40404), then hard; hard first is 40405.
    assert_eq!(
        code(r.delete_subject("d", Deletion::Permanent).await),
        ErrorCode::SubjectNotSoftDeleted
    );
    assert_eq!(r.delete_subject("d", Deletion::Soft).await.unwrap(), vec![2]);
    assert_eq!(
        code(r.delete_subject("d", Deletion::Soft).await),
        ErrorCode::SubjectSoftDeleted
    );
    assert!(r.subjects(&SubjectFilter::default()).await.unwrap().is_empty());
    let with_deleted = SubjectFilter {
        prefix: None,
        deleted: true,
    };
    assert_eq!(r.subjects(&with_deleted).await.unwrap(), vec!["d".to_string()]);
    assert_eq!(r.delete_subject("d", Deletion::Permanent).await.unwrap(), vec![2]);
    assert_eq!(
        code(r.versions("d", ReadOptions::default().include_deleted()).await),
        ErrorCode::SubjectNotFound
    );
    // Ids are never reused.
    let again = r
        .register("d", &avro(V3_NO_DEFAULT), RegisterOptions::default())
        .await
        .unwrap();
    assert!(again > id1);
    assert_eq!(r.versions("d", ReadOptions::default()).await.unwrap(), vec![1]);
}

async fn references_resolve_and_protect(r: Arc<dyn SchemaRegistry>) {
    let address = r#"{"type":"record","name":"Address","namespace":"hotel","fields":[{"name":"city","type":"string"}]}"#;
    let guest = r#"{"type":"record","name":"Guest","namespace":"hotel","fields":[{"name":"home","type":"hotel.Address"}]}"#;
    let address_id = r
        .register("address", &avro(address), RegisterOptions::default())
        .await
        .unwrap();
    let reference = SchemaReference {
        name: "hotel.Address".into(),
        subject: "address".into(),
        version: 1,
    };
    let with_ref = avro(guest).with_references(vec![reference.clone()]);
    let guest_id = r
        .register("guest-value", &with_ref, RegisterOptions::default())
        .await
        .unwrap();
    assert_eq!(
        r.schema_by_id(guest_id).await.unwrap().references,
        vec![reference]
    );
    assert_eq!(
        r.referenced_by("address", Version::Number(1)).await.unwrap(),
        vec![guest_id]
    );
    assert_eq!(
        code(r.delete_subject("address", Deletion::Soft).await),
        ErrorCode::ReferenceExists
    );
    assert_eq!(
        code(r.register("g2", &avro(guest), RegisterOptions::default()).await),
        ErrorCode::InvalidSchema
    );
    let dangling = avro(guest).with_references(vec![SchemaReference {
        name: "hotel.Address".into(),
        subject: "address".into(),
        version: 7,
    }]);
    assert_eq!(
        code(r.register("g3", &dangling, RegisterOptions::default()).await),
        ErrorCode::InvalidSchema
    );
    assert_ne!(address_id, guest_id);
}

async fn read_only_mode_refuses_writes(r: Arc<dyn SchemaRegistry>) {
    assert_eq!(
        r.mode(None, SettingOptions::default()).await.unwrap(),
        Mode::Readwrite
    );
    r.set_mode(Some("locked"), Mode::Readonly).await.unwrap();
    assert_eq!(
        code(r.register("locked", &avro(V1), RegisterOptions::default()).await),
        ErrorCode::OperationNotPermitted
    );
    assert_eq!(
        r.mode(Some("locked"), SettingOptions::default()).await.unwrap(),
        Mode::Readonly
    );
    assert_eq!(
        code(r.mode(Some("free"), SettingOptions::default()).await),
        ErrorCode::SubjectModeNotConfigured
    );
    assert_eq!(
        r.mode(Some("free"), SettingOptions::default().default_to_global())
            .await
            .unwrap(),
        Mode::Readwrite
    );
    r.register("free", &avro(V1), RegisterOptions::default())
        .await
        .unwrap();
}

async fn normalize_makes_equivalent_schemas_one(r: Arc<dyn SchemaRegistry>) {
    let short = r#"{"type":"record","name":"N","fields":[{"name":"a","type":"int"}]}"#;
    let long = r#"{"fields":[{"type":{"type":"int"},"name":"a"}],"name":"N","type":"record"}"#;
    let id = r
        .register("n", &avro(short), RegisterOptions::default().normalize())
        .await
        .unwrap();
    assert_eq!(
        r.register("n", &avro(long), RegisterOptions::default().normalize())
            .await
            .unwrap(),
        id
    );
    assert_eq!(r.versions("n", ReadOptions::default()).await.unwrap(), vec![1]);
    assert_eq!(
        r.lookup("n", &avro(long), LookupOptions::default().normalize())
            .await
            .unwrap()
            .id,
        id
    );
}

macro_rules! suite {
    ($module:ident, $make:expr) => {
        mod $module {
            use super::*;

            #[tokio::test]
            async fn register_versions_and_ids() {
                super::register_versions_and_ids($make).await;
            }
            #[tokio::test]
            async fn not_found_codes() {
                super::not_found_codes($make).await;
            }
            #[tokio::test]
            async fn compatibility_is_enforced() {
                super::compatibility_is_enforced($make).await;
            }
            #[tokio::test]
            async fn deletes_follow_the_rules() {
                super::deletes_follow_the_rules($make).await;
            }
            #[tokio::test]
            async fn references_resolve_and_protect() {
                super::references_resolve_and_protect($make).await;
            }
            #[tokio::test]
            async fn read_only_mode_refuses_writes() {
                super::read_only_mode_refuses_writes($make).await;
            }
            #[tokio::test]
            async fn normalize_makes_equivalent_schemas_one() {
                super::normalize_makes_equivalent_schemas_one($make).await;
            }
        }
    };
}

suite!(memory, Arc::new(MemoryRegistry::new()));
suite!(
    cached_memory,
    Arc::new(CachedRegistry::new(MemoryRegistry::new()))
);

#[cfg(feature = "server")]
async fn over_http() -> Arc<dyn SchemaRegistry> {
    let url = schema_registry_client::server::spawn(Arc::new(MemoryRegistry::new()), "127.0.0.1:0")
        .await
        .unwrap();
    Arc::new(schema_registry_client::HttpRegistry::from_urls(&url).unwrap())
}

#[cfg(feature = "server")]
suite!(http, over_http().await);
