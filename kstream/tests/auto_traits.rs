//! Which public types of kstream can move to another thread (`Send`) and be shared
//! between threads (`Sync`), checked when this file compiles: a change to either is a
//! change of the API.

#![allow(dead_code)]

use kstream::config::{ErrorHandler, RecordHandling};
use kstream::serdes::SerdeRef;
use kstream::store::{InMemoryBackend, StateStore};
use kstream::{
    BytesSerde, Error, F64Serde, I32Serde, I64Serde, JsonSerde, KafkaStreams, KeyValueStore, Materialized,
    OptionSerde, ProcessorContext, ProcessorError, PunctuationType, ReadOnlyKeyValueStore, StoreError,
    StoreHandle, StoreKind, StreamsConfig, StreamsState, StringSerde, TaskId, TestInputTopic,
    TestOutputTopic, TimestampExtractor, Topology, TopologyDescription, TopologyTestDriver, UnitSerde,
};

/// Compiles only if every type is `Send` and `Sync`.
macro_rules! send_and_sync {
    ($($t:ty),* $(,)?) => {
        const _: fn() = || {
            fn check<T: Send + Sync>() {}
            $( check::<$t>(); )*
        };
    };
}

/// Compiles only if the type is not `$auto`: with an implementation of `$auto`, the
/// second blanket implementation applies too and the method call is ambiguous
/// (`not!(Send: String)` does not compile).
macro_rules! not {
    ($auto:path: $($t:ty),* $(,)?) => {
        $(
            const _: fn() = || {
                trait AmbiguousIfImplemented<A> {
                    fn some_item() {}
                }
                impl<T: ?Sized> AmbiguousIfImplemented<()> for T {}
                struct Implemented;
                impl<T: ?Sized + $auto> AmbiguousIfImplemented<Implemented> for T {}
                let _ = <$t as AmbiguousIfImplemented<_>>::some_item;
            };
        )*
    };
}

/// A type that is neither `Send` nor `Sync`, to show that serdes and handles do not
/// depend on their data types being either.
type Local = std::rc::Rc<String>;

// The running application, its configuration and topology: built on one thread, run or
// queried from others.
send_and_sync!(
    KafkaStreams,
    StreamsConfig,
    Topology,
    TopologyDescription,
    StreamsState,
    TaskId
);
send_and_sync!(
    kstream::description::Subtopology,
    kstream::description::GlobalStore,
    kstream::description::Node,
    kstream::description::NodeDescription,
);
send_and_sync!(RecordHandling, ErrorHandler, TimestampExtractor);

// A topic name extractor is shared by the tasks of every thread; the record context it
// gets and a fixed-key record are plain data.
send_and_sync!(
    kstream::TopicNameExtractor<Local, Local>,
    kstream::RecordContext<'static>,
    kstream::FixedKeyRecord<String, String>,
);

// Stores, their handles and their views: a handle goes into a processor supplier (called
// on each stream thread); interactive queries read stores from the application's threads.
send_and_sync!(
    StoreHandle<String, i64>,
    StoreHandle<Local, Local>,
    Materialized<Local, Local>,
    KeyValueStore<Local, Local>,
    ReadOnlyKeyValueStore<String, i64>,
    StateStore,
    InMemoryBackend,
    StoreKind,
);
#[cfg(feature = "rocksdb")]
send_and_sync!(kstream::store::RocksDbBackend);

// Serdes are shared by every task of every thread.
send_and_sync!(
    StringSerde,
    I64Serde,
    I32Serde,
    F64Serde,
    BytesSerde,
    UnitSerde,
    JsonSerde<Local>,
    OptionSerde<StringSerde>,
    SerdeRef<Local>,
);
#[cfg(feature = "avro")]
send_and_sync!(kstream::serdes::AvroSerde<String>);

// Errors cross threads (a stream thread's error reaches the application).
send_and_sync!(Error, StoreError, ProcessorError, PunctuationType);

// The test driver runs a topology in the calling thread, like Kafka Streams' driver; a
// processor's context is a view of its task during one call.
not!(Send: TopologyTestDriver, TestInputTopic<String, String>, TestOutputTopic<String, String>);
not!(Sync: TopologyTestDriver, TestInputTopic<String, String>, TestOutputTopic<String, String>);
not!(Send: ProcessorContext<'static, String, String>);
not!(Sync: ProcessorContext<'static, String, String>);
not!(Send: kstream::FixedKeyProcessorContext<'static, String, String>);
not!(Sync: kstream::FixedKeyProcessorContext<'static, String, String>);
