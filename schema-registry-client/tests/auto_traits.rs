//! Which public types are `Send` and `Sync`, asserted at compile time: registries and
//! serdes are shared between threads and tasks (an `Arc<dyn SchemaRegistry>` in a
//! stream thread, a serializer in an axum handler), so a change to either must show up
//! as a change here.

#![allow(dead_code)]

use schema_registry_client::avro::ParsedAvro;
use schema_registry_client::{
    AvroDeserializer, AvroSerializer, CachedRegistry, CompatibilityLevel, CompatibilityOptions,
    CompatibilityReport, Deletion, Error, ErrorCode, HttpConfig, HttpRegistry, LookupOptions, MemoryRegistry,
    Mode, ReadOptions, RegisterOptions, RegisteredSchema, Schema, SchemaReference, SchemaRegistry,
    SchemaType, SerdeConfig, SettingOptions, SubjectFilter, SubjectNameStrategy, SubjectVersion, Version,
    blocking,
};

/// Fails to compile unless every type is `Send + Sync`.
macro_rules! send_sync {
    ($($t:ty),+ $(,)?) => {
        const _: fn() = || {
            fn check<T: ?Sized + Send + Sync>() {}
            $(check::<$t>();)+
        };
    };
}

send_sync!(
    dyn SchemaRegistry,
    HttpRegistry,
    MemoryRegistry,
    CachedRegistry<HttpRegistry>,
    CachedRegistry<MemoryRegistry>,
    HttpConfig,
    AvroSerializer,
    AvroDeserializer,
    blocking::Registry,
    blocking::AvroSerializer,
    blocking::AvroDeserializer,
    SerdeConfig,
    SubjectNameStrategy,
    Schema,
    SchemaReference,
    SchemaType,
    RegisteredSchema,
    SubjectVersion,
    SubjectFilter,
    Version,
    CompatibilityLevel,
    CompatibilityReport,
    Mode,
    RegisterOptions,
    LookupOptions,
    ReadOptions,
    CompatibilityOptions,
    SettingOptions,
    Deletion,
    ParsedAvro,
    Error,
    ErrorCode,
);

/// The crate's error is a `'static` std error, so `?` boxes it and callers downcast it.
const _: fn() = || {
    fn check<T: std::error::Error + Send + Sync + 'static>() {}
    check::<Error>();
};
