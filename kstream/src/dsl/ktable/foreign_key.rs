//! Foreign-key joins of two tables: `join_foreign_key`, `left_join_foreign_key` and
//! their `…_with` forms. Each left row picks the key of one right row; both tables must
//! be materialized (a table source without a store is given one), and the result is
//! stored.
//! The nodes and their wire format are in `ops::foreign_key`.

use std::sync::Arc;

use bytes::Bytes;

use super::{KTable, OldValues};
use crate::dsl::building::SinkTarget;
use crate::dsl::ops::foreign_key::{
    ForeignKeyExtractor, ForeignKeyJoiner, ForeignTableJoin, JoinOutput, PseudoTopics, Response,
    ResponseJoin, ResponseSerde, Subscription, SubscriptionJoin, SubscriptionReceive, SubscriptionSend,
    SubscriptionSerde, SubscriptionStore,
};
use crate::dsl::ops::{ArcSerde, Change, Getter, Partitioner, StoreSlot};
use crate::dsl::options::TableJoined;
use crate::graph::TopicName;
use crate::serdes::{BytesSerde, OptionSerde, SerdeRef};
use crate::store::{Materialized, StoreHandle};

impl<'b, K: Clone + 'static, V: Clone + 'static> KTable<'b, K, V> {
    /// Inner join with `other` on a foreign key (Kafka Streams' `join(KTable, Function
    /// foreignKeyExtractor, ValueJoiner, Materialized)`): each row of this table picks
    /// the key of one row of `other` with `foreign_key` (`None`: no row), and the result
    /// has a row for each row of this table whose foreign key has a row in `other`,
    /// updated from either side. The result is stored in `materialized` (unnamed:
    /// `KTABLE-FK-JOIN-OUTPUT-STATE-STORE-<n>`). As in Kafka Streams, a row of this
    /// table that is deleted or changes its foreign key emits a deletion of its result
    /// downstream, also when it had none.
    ///
    /// The tables need not be co-partitioned: rows of this table subscribe to their
    /// foreign key through the topic
    /// `<application.id>-KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-<n>-topic`, and are
    /// answered through `<application.id>-KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-<n>-topic`.
    /// The result reflects each row's latest value: an answer to an older value is
    /// dropped.
    ///
    /// ```
    /// use kstream::prelude::*;
    /// let builder = StreamsBuilder::new();
    /// let strings = || Consumed::with(StringSerde, StringSerde);
    /// let orders = builder.table("orders", strings(), Materialized::with(StringSerde, StringSerde));
    /// let customers = builder.table("customers", strings(), Materialized::with(StringSerde, StringSerde));
    /// orders
    ///     .join_foreign_key(
    ///         &customers,
    ///         |_, order| order.split_once(':').map(|(customer, _)| customer.to_owned()),
    ///         |order, customer| format!("{order} for {customer}"),
    ///         Materialized::with(StringSerde, StringSerde),
    ///     )
    ///     .to_stream()
    ///     .to("orders-with-customers", Produced::with(StringSerde, OptionSerde(StringSerde)));
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// driver.input_topic("customers", StringSerde, StringSerde).pipe_input("c1".into(), "Ann".into())?;
    /// driver.input_topic("orders", StringSerde, StringSerde).pipe_input("o1".into(), "c1:tea".into())?;
    /// let out = driver.output_topic("orders-with-customers", StringSerde, OptionSerde(StringSerde));
    /// assert_eq!(out.read_key_values()?, [("o1".to_owned(), Some("c1:tea for Ann".to_owned()))]);
    /// # Ok::<(), kstream::Error>(())
    /// ```
    pub fn join_foreign_key<KO, VO, VR>(
        &self,
        other: &KTable<'b, KO, VO>,
        foreign_key: impl Fn(&K, &V) -> Option<KO> + Send + Sync + 'static,
        joiner: impl Fn(&V, &VO) -> VR + Send + Sync + 'static,
        materialized: Materialized<K, VR>,
    ) -> KTable<'b, K, VR>
    where
        KO: Clone + 'static,
        VO: Clone + 'static,
        VR: Clone + 'static,
    {
        self.join_foreign_key_with(other, foreign_key, joiner, materialized, TableJoined::new())
    }

    /// [`join_foreign_key`](Self::join_foreign_key) with [`TableJoined`]: the name of
    /// its processors, topics and subscription store, and the tables' partitioners.
    pub fn join_foreign_key_with<KO, VO, VR>(
        &self,
        other: &KTable<'b, KO, VO>,
        foreign_key: impl Fn(&K, &V) -> Option<KO> + Send + Sync + 'static,
        joiner: impl Fn(&V, &VO) -> VR + Send + Sync + 'static,
        materialized: Materialized<K, VR>,
        options: TableJoined<K, KO>,
    ) -> KTable<'b, K, VR>
    where
        KO: Clone + 'static,
        VO: Clone + 'static,
        VR: Clone + 'static,
    {
        let joiner: ForeignKeyJoiner<V, VO, VR> = Arc::new(move |v, vo| Some(joiner(v, vo?)));
        self.foreign_key_join(other, Arc::new(foreign_key), joiner, materialized, options, false)
    }

    /// Left join with `other` on a foreign key (Kafka Streams' `leftJoin(KTable,
    /// Function foreignKeyExtractor, ValueJoiner, Materialized)`): as
    /// [`join_foreign_key`](Self::join_foreign_key), but every row of this table has a
    /// result row, joined with `None` while its foreign key is `None` or has no row in
    /// `other`.
    pub fn left_join_foreign_key<KO, VO, VR>(
        &self,
        other: &KTable<'b, KO, VO>,
        foreign_key: impl Fn(&K, &V) -> Option<KO> + Send + Sync + 'static,
        joiner: impl Fn(&V, Option<&VO>) -> VR + Send + Sync + 'static,
        materialized: Materialized<K, VR>,
    ) -> KTable<'b, K, VR>
    where
        KO: Clone + 'static,
        VO: Clone + 'static,
        VR: Clone + 'static,
    {
        self.left_join_foreign_key_with(other, foreign_key, joiner, materialized, TableJoined::new())
    }

    /// [`left_join_foreign_key`](Self::left_join_foreign_key) with [`TableJoined`].
    pub fn left_join_foreign_key_with<KO, VO, VR>(
        &self,
        other: &KTable<'b, KO, VO>,
        foreign_key: impl Fn(&K, &V) -> Option<KO> + Send + Sync + 'static,
        joiner: impl Fn(&V, Option<&VO>) -> VR + Send + Sync + 'static,
        materialized: Materialized<K, VR>,
        options: TableJoined<K, KO>,
    ) -> KTable<'b, K, VR>
    where
        KO: Clone + 'static,
        VO: Clone + 'static,
        VR: Clone + 'static,
    {
        let joiner: ForeignKeyJoiner<V, VO, VR> = Arc::new(move |v, vo| Some(joiner(v, vo)));
        self.foreign_key_join(other, Arc::new(foreign_key), joiner, materialized, options, true)
    }

    /// Adds the join's nodes, named as Kafka Streams names them.
    fn foreign_key_join<KO, VO, VR>(
        &self,
        other: &KTable<'b, KO, VO>,
        extractor: ForeignKeyExtractor<K, V, KO>,
        joiner: ForeignKeyJoiner<V, VO, VR>,
        materialized: Materialized<K, VR>,
        options: TableJoined<K, KO>,
        left_join: bool,
    ) -> KTable<'b, K, VR>
    where
        KO: Clone + 'static,
        VO: Clone + 'static,
        VR: Clone + 'static,
    {
        let dsl = self.dsl;
        let operation = if left_join {
            "left_join_foreign_key"
        } else {
            "join_foreign_key"
        };
        let unjoined = || KTable::derived(dsl, self.node, OldValues::stored(), Getter::empty());
        if !dsl.same(other.dsl, operation) {
            return unjoined();
        }
        // A left row's old value says which foreign key it leaves; Kafka asks the right
        // table for old values too.
        self.need_old_values();
        other.need_old_values();
        let (Some(left_store), Some(right_store)) = (self.lookup_store(), other.lookup_store()) else {
            dsl.fail(format!("{operation}: both tables must be materialized"));
            return unjoined();
        };
        let (Some(left), Some(right)) = (
            dsl.store_handle::<K, V>(&left_store),
            dsl.store_handle::<KO, VO>(&right_store),
        ) else {
            dsl.fail(format!(
                "{operation}: the stores `{left_store}` and `{right_store}` do not hold the tables' types"
            ));
            return unjoined();
        };
        // Kafka counts a name for every step, also when the join is named.
        let base = options.name.clone();
        let name = |suffix: &str, prefix: &str| {
            let generated = dsl.name(None, prefix);
            base.as_ref().map_or(generated, |b| format!("{b}{suffix}"))
        };
        let registration = format!(
            "{}-topic",
            name(
                "-subscription-registration",
                "KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION"
            )
        );
        let send_name = name(
            "-subscription-registration-processor",
            "KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION",
        );
        let registration_sink = name("-subscription-registration-sink", "KTABLE-SINK");
        let registration_source = name("-subscription-registration-source", "KTABLE-SOURCE");
        let subscription_store = name("-subscription-store", "KTABLE-FK-JOIN-SUBSCRIPTION-STATE-STORE");
        let receive_name = name("-subscription-receive", "KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR");
        let join_name = name(
            "-subscription-join-foreign",
            "KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR",
        );
        let foreign_name = name(
            "-foreign-join-subscription",
            "KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR",
        );
        let response = format!(
            "{}-topic",
            name("-subscription-response", "KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE")
        );
        let response_sink = name("-subscription-response-sink", "KTABLE-SINK");
        let response_source = name("-subscription-response-source", "KTABLE-SOURCE");
        let resolver_name = name(
            "-subscription-response-resolver",
            "KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-RESOLVER-PROCESSOR",
        );
        let output_name = name("-result", "KTABLE-FK-JOIN-OUTPUT");
        let result_store = dsl.store(&materialized, "KTABLE-FK-JOIN-OUTPUT");

        let wiring = Wiring {
            left,
            right,
            registration: TopicName::Internal(registration),
            subscription_store: dsl.store(
                &Materialized::with(BytesSerde, BytesSerde).named(subscription_store),
                "KTABLE-FK-JOIN-SUBSCRIPTION-STATE-STORE",
            ),
        };

        // The left side: its changes become subscriptions, keyed by foreign key.
        let send = {
            let (w, name) = (wiring.clone(), send_name.clone());
            dsl.operator_in_app::<K, Change<V>, Option<KO>, Subscription<K>, _>(
                send_name,
                vec![self.node],
                Vec::new(),
                move |app, out| SubscriptionSend {
                    name: name.clone(),
                    extractor: extractor.clone(),
                    foreign_keys: w.right.keys.clone(),
                    values: w.left.values.clone(),
                    left_join,
                    topics: w.topics(app),
                    out,
                },
            )
        };
        let foreign_keys: SerdeRef<Option<KO>> = Arc::new(OptionSerde(ArcSerde(wiring.right.keys.clone())));
        let subscriptions: SerdeRef<Subscription<K>> = Arc::new(SubscriptionSerde(wiring.left.keys.clone()));
        dsl.sink(
            registration_sink,
            send,
            SinkTarget::Topic(wiring.registration.clone()),
            foreign_keys.clone(),
            subscriptions.clone(),
            options
                .other_partitioner
                .map(|p| -> Partitioner<Option<KO>, Subscription<K>> {
                    Arc::new(
                        move |fk: &Option<KO>, s: &Subscription<K>, partitions: i32| match fk {
                            Some(fk) => p(fk, partitions),
                            None => s.primary_partition,
                        },
                    )
                }),
        );
        let received = dsl.source(
            registration_source,
            vec![wiring.registration.clone()],
            foreign_keys,
            subscriptions,
            None,
        );

        // The right side: subscriptions are stored and answered; right rows' changes
        // go to their subscribers.
        let receive = {
            let (w, name) = (wiring.clone(), receive_name.clone());
            dsl.operator_in_app::<Option<KO>, Subscription<K>, Option<KO>, Subscription<K>, _>(
                receive_name,
                vec![received],
                vec![wiring.subscription_store.clone()],
                move |app, out| SubscriptionReceive {
                    store: w.subscriptions(&name),
                    name: name.clone(),
                    foreign_keys: w.right.keys.clone(),
                    primary_keys: w.left.keys.clone(),
                    topics: w.topics(app),
                    out,
                },
            )
        };
        let answer = {
            let (slot, name) = (right_store.clone(), join_name.clone());
            dsl.operator::<Option<KO>, Subscription<K>, K, Response<VO>, _>(
                join_name,
                vec![receive],
                vec![right_store],
                move |out| SubscriptionJoin {
                    right: StoreSlot::new(&slot, &name),
                    out,
                },
            )
        };
        let fan_out = {
            let (w, name) = (wiring.clone(), foreign_name.clone());
            dsl.operator_in_app::<KO, Change<VO>, K, Response<VO>, _>(
                foreign_name,
                vec![other.node],
                vec![wiring.subscription_store.clone()],
                move |app, out| ForeignTableJoin {
                    store: w.subscriptions(&name),
                    foreign_keys: w.right.keys.clone(),
                    topics: w.topics(app),
                    out,
                },
            )
        };
        let response_topic = TopicName::Internal(response);
        let responses: SerdeRef<Response<VO>> = Arc::new(ResponseSerde(wiring.right.values.clone()));
        let response_partitioner: Partitioner<K, Response<VO>> = match options.partitioner {
            Some(p) => Arc::new(move |k: &K, _: &Response<VO>, partitions: i32| p(k, partitions)),
            // Every response made here carries its subscription's partition.
            None => Arc::new(|_: &K, r: &Response<VO>, _: i32| r.primary_partition.unwrap_or_default()),
        };
        dsl.sink_under(
            response_sink,
            vec![answer, fan_out],
            response_topic.clone(),
            wiring.left.keys.clone(),
            responses.clone(),
            Some(response_partitioner),
        );

        // Back on the left side: answers to the rows' current values are joined and
        // stored.
        let answers = dsl.source(
            response_source,
            vec![response_topic],
            wiring.left.keys.clone(),
            responses,
            None,
        );
        let resolve = {
            let (w, name) = (wiring.clone(), resolver_name.clone());
            dsl.operator_in_app::<K, Response<VO>, K, Option<VR>, _>(
                resolver_name,
                vec![answers],
                vec![left_store.clone()],
                move |app, out| ResponseJoin {
                    name: name.clone(),
                    left: StoreSlot::new(&left_store, &name),
                    values: w.left.values.clone(),
                    joiner: joiner.clone(),
                    topics: w.topics(app),
                    out,
                },
            )
        };
        let output = {
            let (slot, name) = (result_store.clone(), output_name.clone());
            dsl.operator::<K, Option<VR>, K, Change<VR>, _>(
                output_name,
                vec![resolve],
                vec![result_store.clone()],
                move |out| JoinOutput {
                    store: StoreSlot::new(&slot, &name),
                    out,
                },
            )
        };
        KTable::stored(dsl, output, result_store)
    }
}

/// What the join's nodes share: the tables' serdes, the registration topic and the
/// subscription store.
struct Wiring<K, V, KO, VO> {
    left: StoreHandle<K, V>,
    right: StoreHandle<KO, VO>,
    registration: TopicName,
    subscription_store: String,
}

impl<K, V, KO, VO> Clone for Wiring<K, V, KO, VO> {
    fn clone(&self) -> Self {
        Self {
            left: self.left.clone(),
            right: self.right.clone(),
            registration: self.registration.clone(),
            subscription_store: self.subscription_store.clone(),
        }
    }
}

impl<K: 'static, V, KO, VO> Wiring<K, V, KO, VO> {
    fn topics(&self, application_id: &str) -> PseudoTopics {
        PseudoTopics::of(self.registration.resolve(application_id))
    }

    fn subscriptions(&self, processor: &str) -> SubscriptionStore<K> {
        SubscriptionStore {
            slot: StoreSlot::<Bytes, Bytes>::new(&self.subscription_store, processor),
            serde: SubscriptionSerde(self.left.keys.clone()),
        }
    }
}
