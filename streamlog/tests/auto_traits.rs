//! Which public types are `Send` and `Sync`, asserted at compile time: a change to either
//! breaks users who move clients between threads, so it must show up as a change here.

#![allow(dead_code)]

use streamlog::embedded::{EmbeddedCluster, EmbeddedClusterBuilder};
use streamlog::time::{Clock, ManualClock, SystemClock};
use streamlog::{
    Admin, AutoOffsetReset, Backend, CleanupPolicy, ClientConfig, Cluster, Consumer, DeliveryHandle, Error,
    GroupMetadata, Header, Headers, HeadersRef, IsolationLevel, KafkaError, KafkaErrorCode, NoopListener,
    Offset, PartitionLag, Producer, ProducerRecord, RebalanceListener, Record, RecordMetadata, RecordRef,
    Timestamp, TimestampType, TopicConfig, TopicPartition, Watermarks,
};

/// Fails to compile unless every type is `Send`.
macro_rules! send {
    ($($t:ty),+ $(,)?) => {
        const _: fn() = || {
            fn check<T: ?Sized + Send>() {}
            $(check::<$t>();)+
        };
    };
}

/// Fails to compile unless every type is `Sync`.
macro_rules! sync {
    ($($t:ty),+ $(,)?) => {
        const _: fn() = || {
            fn check<T: ?Sized + Sync>() {}
            $(check::<$t>();)+
        };
    };
}

/// Fails to compile if a type implements `$auto`: the call is ambiguous between the
/// blanket impl and the one for types with `$auto`.
macro_rules! not {
    ($auto:path: $($t:ty),+ $(,)?) => {
        $(const _: fn() = || {
            trait AmbiguousIfImplemented<A> {
                fn some_item() {}
            }
            impl<T: ?Sized> AmbiguousIfImplemented<()> for T {}
            struct WithAutoTrait;
            impl<T: ?Sized + $auto> AmbiguousIfImplemented<WithAutoTrait> for T {}
            let _ = <$t as AmbiguousIfImplemented<_>>::some_item;
        };)+
    };
}

// Clusters and clients: a cluster, its producers and admin clients are shared between
// threads; a consumer moves to another thread but is used by one at a time.
send!(
    Cluster,
    EmbeddedCluster,
    EmbeddedClusterBuilder,
    dyn Backend,
    Box<dyn Admin>,
    Box<dyn Producer>
);
sync!(
    Cluster,
    EmbeddedCluster,
    EmbeddedClusterBuilder,
    dyn Backend,
    Box<dyn Admin>,
    Box<dyn Producer>
);
send!(Box<dyn Consumer>, Box<dyn RebalanceListener>, NoopListener);
not!(Sync: Box<dyn Consumer>, Box<dyn RebalanceListener>);
sync!(NoopListener);

// Delivery outcomes and group identities travel to the thread that waits on them.
send!(DeliveryHandle, GroupMetadata);
sync!(DeliveryHandle, GroupMetadata);

// Configuration.
send!(
    ClientConfig,
    TopicConfig,
    AutoOffsetReset,
    IsolationLevel,
    CleanupPolicy,
    TimestampType
);
sync!(
    ClientConfig,
    TopicConfig,
    AutoOffsetReset,
    IsolationLevel,
    CleanupPolicy,
    TimestampType
);

// Errors go through `?` into `Box<dyn Error + Send + Sync>` and across threads.
send!(Error, KafkaError, KafkaErrorCode);
sync!(Error, KafkaError, KafkaErrorCode);

// Records.
send!(
    Record,
    ProducerRecord,
    RecordMetadata,
    Header,
    Headers,
    Offset,
    Timestamp,
    TopicPartition
);
sync!(
    Record,
    ProducerRecord,
    RecordMetadata,
    Header,
    Headers,
    Offset,
    Timestamp,
    TopicPartition
);
send!(Watermarks, PartitionLag);
sync!(Watermarks, PartitionLag);
// A lent record borrows the consumer's buffers (librdkafka's fetch buffer on the Kafka
// backend), which other threads may read for the length of the callback.
send!(RecordRef<'static>, HeadersRef<'static>);
sync!(RecordRef<'static>, HeadersRef<'static>);

// Clocks are shared by every client of a cluster.
send!(dyn Clock, SystemClock, ManualClock);
sync!(dyn Clock, SystemClock, ManualClock);

#[cfg(feature = "kafka")]
mod kafka {
    use streamlog::kafka::KafkaBackend;

    send!(KafkaBackend);
    sync!(KafkaBackend);

    #[cfg(feature = "test-util")]
    mod mock {
        use streamlog::test_util::MockCluster;

        // librdkafka's mock cluster handle stays on the thread that started it.
        not!(Send: MockCluster);
        not!(Sync: MockCluster);
    }
}
