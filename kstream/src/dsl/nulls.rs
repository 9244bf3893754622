//! Kafka's null for typed keys and values, and where a null key may cross a repartition.
//!
//! A key or value is null when its serde says so ([`Serde::is_null`]): `None` under
//! [`OptionSerde`](crate::OptionSerde), `()` under [`UnitSerde`](crate::UnitSerde). An
//! operation given serdes of its own (`Grouped`, `Repartitioned`) asks those; a join,
//! which is given no serde for the stream's records, asks the serdes the topology is
//! given for their types anywhere (sources, sinks, stores, groupings), through
//! [`TypeNulls`].
//!
//! A repartition topic drops records with a null key, unless a left join downstream of it
//! takes them (Kafka Streams' KIP-962): [`NullKeyRoutes`] finds which repartitions those
//! are once the topology is complete.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use crate::graph::{Graph, NodeKind};
use crate::processor::{Null, TaskCtx};
use crate::serdes::SerdeRef;

/// Tells whether a value of `T` is Kafka's null: when one of its serdes says so. With no
/// serde, no value is null.
pub(crate) struct NullCheck<T>(Arc<[SerdeRef<T>]>);

impl<T> Clone for NullCheck<T> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<T: 'static> NullCheck<T> {
    /// Null as `serde` says.
    pub(crate) fn of(serde: &SerdeRef<T>) -> Self {
        Self(Arc::from([serde.clone()]))
    }

    /// Whether `value` is null.
    pub(crate) fn is_null(&self, value: &T) -> bool {
        self.0.iter().any(|serde| serde.is_null(value))
    }
}

/// The null keys and values of one operation's records, and how it skips them.
pub(crate) struct RecordNulls<K, V> {
    processor: String,
    keys: NullCheck<K>,
    values: NullCheck<V>,
}

impl<K: 'static, V: 'static> RecordNulls<K, V> {
    /// The nulls of `processor`'s records, as `keys` and `values` tell them.
    pub(crate) fn new(processor: &str, keys: NullCheck<K>, values: NullCheck<V>) -> Self {
        Self {
            processor: processor.to_owned(),
            keys,
            values,
        }
    }

    /// Whether `key` is null.
    pub(crate) fn key_is_null(&self, key: &K) -> bool {
        self.keys.is_null(key)
    }

    /// Whether `value` is null.
    pub(crate) fn value_is_null(&self, value: &V) -> bool {
        self.values.is_null(value)
    }

    /// Skips the current record for a null key or value (logged and counted).
    pub(crate) fn skip(&self, ctx: &TaskCtx, null: Null) {
        ctx.skip_null(&self.processor, null);
    }

    /// Whether `key` is null; if so, the record is skipped (Kafka Streams' time and
    /// session window aggregations skip null keys only: a null value is aggregated).
    pub(crate) fn skips_key(&self, ctx: &TaskCtx, key: &K) -> bool {
        let null = self.key_is_null(key);
        if null {
            self.skip(ctx, Null::Key);
        }
        null
    }

    /// Whether the record has a null key or value, as Kafka Streams' aggregations skip
    /// them; if so, it is skipped.
    pub(crate) fn skips(&self, ctx: &TaskCtx, key: &K, value: &V) -> bool {
        let null = if self.key_is_null(key) {
            Null::Key
        } else if self.value_is_null(value) {
            Null::Value
        } else {
            return false;
        };
        self.skip(ctx, null);
        true
    }
}

/// The serdes a topology is given, by the type they read and write.
#[derive(Default)]
pub(crate) struct SerdesByType(HashMap<TypeId, Box<dyn Any + Send + Sync>>);

impl SerdesByType {
    /// Adds a serde of `T` (once: the same shared serde given twice is kept once).
    pub(crate) fn add<T: 'static>(&mut self, serde: &SerdeRef<T>) {
        let entry = self
            .0
            .entry(TypeId::of::<T>())
            .or_insert_with(|| Box::new(Vec::<SerdeRef<T>>::new()));
        if let Some(serdes) = entry.downcast_mut::<Vec<SerdeRef<T>>>()
            && !serdes.iter().any(|s| Arc::ptr_eq(s, serde))
        {
            serdes.push(serde.clone());
        }
    }

    /// The null check of `T` by every serde of `T` given.
    fn check<T: 'static>(&self) -> NullCheck<T> {
        let serdes = self
            .0
            .get(&TypeId::of::<T>())
            .and_then(|s| s.downcast_ref::<Vec<SerdeRef<T>>>())
            .map_or_else(Vec::new, Clone::clone);
        NullCheck(Arc::from(serdes))
    }
}

/// The null check of `T` by a topology's serdes, known once the topology is complete: a
/// node's factory takes it while the topology is built, and resolves it when a task
/// makes the node.
pub(crate) struct TypeNulls<T> {
    all: Arc<OnceLock<SerdesByType>>,
    _type: PhantomData<fn() -> T>,
}

impl<T> Clone for TypeNulls<T> {
    fn clone(&self) -> Self {
        Self {
            all: self.all.clone(),
            _type: PhantomData,
        }
    }
}

impl<T: 'static> TypeNulls<T> {
    pub(crate) fn new(all: Arc<OnceLock<SerdesByType>>) -> Self {
        Self {
            all,
            _type: PhantomData,
        }
    }

    /// The check, by every serde of `T` the topology was given.
    pub(crate) fn resolve(&self) -> NullCheck<T> {
        self.all
            .get()
            .map_or_else(|| NullCheck(Arc::from([])), SerdesByType::check)
    }
}

/// One repartition: its sink and source nodes, and whether its sink passes null keys on.
struct Route {
    sink: usize,
    source: usize,
    passes: Arc<AtomicBool>,
}

/// Which repartition topics pass records with a null key on: those with a left join
/// downstream (through any further repartitions), as Kafka Streams rewrites its
/// repartitions' null-key filters. The others drop them.
#[derive(Default)]
pub(crate) struct NullKeyRoutes {
    /// The nodes that take null keys (left joins).
    takers: Vec<usize>,
    routes: Vec<Route>,
}

impl NullKeyRoutes {
    /// Node `id` takes records with a null key.
    pub(crate) fn add_taker(&mut self, id: usize) {
        self.takers.push(id);
    }

    /// A repartition from `sink` to `source`; [`settle`](Self::settle) sets `passes`,
    /// whether its sink passes null keys on.
    pub(crate) fn add_route(&mut self, sink: usize, source: usize, passes: Arc<AtomicBool>) {
        self.routes.push(Route { sink, source, passes });
    }

    /// Sets each repartition's flag: whether a taker is downstream of its source.
    pub(crate) fn settle(&self, graph: &Graph) {
        for route in &self.routes {
            let reaches = self.reaches_taker(graph, route.source);
            route.passes.store(reaches, Ordering::Relaxed);
        }
    }

    fn reaches_taker(&self, graph: &Graph, from: usize) -> bool {
        let mut seen = vec![false; graph.nodes.len()];
        let mut stack = vec![from];
        while let Some(id) = stack.pop() {
            if std::mem::replace(&mut seen[id], true) {
                continue;
            }
            if self.takers.contains(&id) {
                return true;
            }
            if matches!(graph.nodes[id].kind, NodeKind::Sink(_)) {
                stack.extend(self.routes.iter().filter(|r| r.sink == id).map(|r| r.source));
            }
            stack.extend(graph.children(id));
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serdes::{OptionSerde, StringSerde, UnitSerde};

    #[test]
    fn a_type_is_null_where_one_of_its_serdes_says_so() {
        let mut all = SerdesByType::default();
        let options: SerdeRef<Option<String>> = Arc::new(OptionSerde(StringSerde));
        let strings: SerdeRef<String> = Arc::new(StringSerde);
        all.add(&options);
        all.add(&options);
        all.add(&strings);
        let check = all.check::<Option<String>>();
        assert_eq!(check.0.len(), 1, "a serde given twice counts once");
        assert!(check.is_null(&None));
        assert!(!check.is_null(&Some(String::new())));
        assert!(!all.check::<String>().is_null(&String::new()));
        // A type without serdes has no null.
        assert!(!all.check::<Option<i64>>().is_null(&None));
        let unit: SerdeRef<()> = Arc::new(UnitSerde);
        all.add(&unit);
        assert!(all.check::<()>().is_null(&()));
    }

    #[test]
    fn a_check_taken_while_building_knows_the_serdes_given_later() {
        let known = Arc::new(OnceLock::new());
        let nulls = TypeNulls::<Option<String>>::new(known.clone());
        assert!(!nulls.resolve().is_null(&None), "nothing is known yet");
        let mut all = SerdesByType::default();
        all.add::<Option<String>>(&(Arc::new(OptionSerde(StringSerde)) as SerdeRef<_>));
        assert!(known.set(all).is_ok());
        assert!(nulls.resolve().is_null(&None));
    }
}
