//! New keys and values: `map`, `map_values`, `flat_map`, `flat_map_values`,
//! `select_key`, each with its `…_with_key` and `…_with` forms.
//!
//! A function that makes a new key returns `Option<K2>`: `None` is Kafka's null key,
//! and the record is dropped and counted (see the [DSL reference](crate::dsl_reference)).

use super::KStream;
use crate::dsl::ops::drop_null_key;
use crate::dsl::options::Named;

impl<'b, K: Clone + 'static, V: Clone + 'static> KStream<'b, K, V> {
    /// A new key and value per record (marks the stream for repartitioning); a `None`
    /// key drops the record.
    pub fn map<K2, V2>(
        &self,
        mapper: impl Fn(K, V) -> (Option<K2>, V2) + Send + Sync + 'static,
    ) -> KStream<'b, K2, V2>
    where
        K2: Clone + 'static,
        V2: Clone + 'static,
    {
        self.map_step(None, mapper)
    }

    /// [`map`](Self::map), naming the processor.
    pub fn map_with<K2, V2>(
        &self,
        mapper: impl Fn(K, V) -> (Option<K2>, V2) + Send + Sync + 'static,
        named: Named,
    ) -> KStream<'b, K2, V2>
    where
        K2: Clone + 'static,
        V2: Clone + 'static,
    {
        self.map_step(Some(named), mapper)
    }

    fn map_step<K2, V2>(
        &self,
        named: Option<Named>,
        mapper: impl Fn(K, V) -> (Option<K2>, V2) + Send + Sync + 'static,
    ) -> KStream<'b, K2, V2>
    where
        K2: Clone + 'static,
        V2: Clone + 'static,
    {
        self.flat_map_step(named, "KSTREAM-MAP", move |k, v| [mapper(k, v)])
    }

    /// Zero or more records per record (marks the stream for repartitioning); each
    /// `None` key drops its record.
    pub fn flat_map<K2, V2, I>(
        &self,
        mapper: impl Fn(K, V) -> I + Send + Sync + 'static,
    ) -> KStream<'b, K2, V2>
    where
        K2: Clone + 'static,
        V2: Clone + 'static,
        I: IntoIterator<Item = (Option<K2>, V2)>,
    {
        self.flat_map_step(None, "KSTREAM-FLATMAP", mapper)
    }

    /// [`flat_map`](Self::flat_map), naming the processor.
    pub fn flat_map_with<K2, V2, I>(
        &self,
        mapper: impl Fn(K, V) -> I + Send + Sync + 'static,
        named: Named,
    ) -> KStream<'b, K2, V2>
    where
        K2: Clone + 'static,
        V2: Clone + 'static,
        I: IntoIterator<Item = (Option<K2>, V2)>,
    {
        self.flat_map_step(Some(named), "KSTREAM-FLATMAP", mapper)
    }

    fn flat_map_step<K2, V2, I>(
        &self,
        named: Option<Named>,
        prefix: &str,
        mapper: impl Fn(K, V) -> I + Send + Sync + 'static,
    ) -> KStream<'b, K2, V2>
    where
        K2: Clone + 'static,
        V2: Clone + 'static,
        I: IntoIterator<Item = (Option<K2>, V2)>,
    {
        let name = self.name_of(named, prefix);
        let processor = name.clone();
        self.then(name, true, move |ctx, k, v, out| {
            for (k2, v2) in mapper(k, v) {
                match k2 {
                    Some(k2) => out.forward(ctx, k2, v2)?,
                    None => drop_null_key(ctx, &processor),
                }
            }
            Ok(())
        })
    }

    /// A new key from the record (marks the stream for repartitioning); `None` drops
    /// the record.
    pub fn select_key<K2: Clone + 'static>(
        &self,
        mapper: impl Fn(&K, &V) -> Option<K2> + Send + Sync + 'static,
    ) -> KStream<'b, K2, V> {
        self.select_key_step(None, mapper)
    }

    /// [`select_key`](Self::select_key), naming the processor.
    pub fn select_key_with<K2: Clone + 'static>(
        &self,
        mapper: impl Fn(&K, &V) -> Option<K2> + Send + Sync + 'static,
        named: Named,
    ) -> KStream<'b, K2, V> {
        self.select_key_step(Some(named), mapper)
    }

    pub(super) fn select_key_step<K2: Clone + 'static>(
        &self,
        named: Option<Named>,
        mapper: impl Fn(&K, &V) -> Option<K2> + Send + Sync + 'static,
    ) -> KStream<'b, K2, V> {
        self.flat_map_step(named, "KSTREAM-KEY-SELECT", move |k, v| [(mapper(&k, &v), v)])
    }

    /// A new value per record, from the value (moved in); the key stays.
    pub fn map_values<V2: Clone + 'static>(
        &self,
        mapper: impl Fn(V) -> V2 + Send + Sync + 'static,
    ) -> KStream<'b, K, V2> {
        self.map_values_step(None, move |_, v| mapper(v))
    }

    /// [`map_values`](Self::map_values), naming the processor.
    pub fn map_values_with<V2: Clone + 'static>(
        &self,
        mapper: impl Fn(V) -> V2 + Send + Sync + 'static,
        named: Named,
    ) -> KStream<'b, K, V2> {
        self.map_values_step(Some(named), move |_, v| mapper(v))
    }

    /// A new value per record, from the key and the value (Kafka's
    /// `ValueMapperWithKey`); the key stays.
    pub fn map_values_with_key<V2: Clone + 'static>(
        &self,
        mapper: impl Fn(&K, V) -> V2 + Send + Sync + 'static,
    ) -> KStream<'b, K, V2> {
        self.map_values_step(None, mapper)
    }

    /// [`map_values_with_key`](Self::map_values_with_key), naming the processor.
    pub fn map_values_with_key_with<V2: Clone + 'static>(
        &self,
        mapper: impl Fn(&K, V) -> V2 + Send + Sync + 'static,
        named: Named,
    ) -> KStream<'b, K, V2> {
        self.map_values_step(Some(named), mapper)
    }

    fn map_values_step<V2: Clone + 'static>(
        &self,
        named: Option<Named>,
        mapper: impl Fn(&K, V) -> V2 + Send + Sync + 'static,
    ) -> KStream<'b, K, V2> {
        self.then(
            self.name_of(named, "KSTREAM-MAPVALUES"),
            false,
            move |ctx, k, v, out| {
                let v2 = mapper(&k, v);
                out.forward(ctx, k, v2)
            },
        )
    }

    /// Zero or more values per record, each with the record's key.
    pub fn flat_map_values<V2, I>(
        &self,
        mapper: impl Fn(V) -> I + Send + Sync + 'static,
    ) -> KStream<'b, K, V2>
    where
        V2: Clone + 'static,
        I: IntoIterator<Item = V2>,
    {
        self.flat_map_values_step(None, move |_, v| mapper(v))
    }

    /// [`flat_map_values`](Self::flat_map_values), naming the processor.
    pub fn flat_map_values_with<V2, I>(
        &self,
        mapper: impl Fn(V) -> I + Send + Sync + 'static,
        named: Named,
    ) -> KStream<'b, K, V2>
    where
        V2: Clone + 'static,
        I: IntoIterator<Item = V2>,
    {
        self.flat_map_values_step(Some(named), move |_, v| mapper(v))
    }

    /// Zero or more values per record from the key and the value (Kafka's
    /// `ValueMapperWithKey`), each with the record's key.
    pub fn flat_map_values_with_key<V2, I>(
        &self,
        mapper: impl Fn(&K, V) -> I + Send + Sync + 'static,
    ) -> KStream<'b, K, V2>
    where
        V2: Clone + 'static,
        I: IntoIterator<Item = V2>,
    {
        self.flat_map_values_step(None, mapper)
    }

    /// [`flat_map_values_with_key`](Self::flat_map_values_with_key), naming the
    /// processor.
    pub fn flat_map_values_with_key_with<V2, I>(
        &self,
        mapper: impl Fn(&K, V) -> I + Send + Sync + 'static,
        named: Named,
    ) -> KStream<'b, K, V2>
    where
        V2: Clone + 'static,
        I: IntoIterator<Item = V2>,
    {
        self.flat_map_values_step(Some(named), mapper)
    }

    fn flat_map_values_step<V2, I>(
        &self,
        named: Option<Named>,
        mapper: impl Fn(&K, V) -> I + Send + Sync + 'static,
    ) -> KStream<'b, K, V2>
    where
        V2: Clone + 'static,
        I: IntoIterator<Item = V2>,
    {
        self.then(
            self.name_of(named, "KSTREAM-FLATMAPVALUES"),
            false,
            move |ctx, k, v, out| {
                mapper(&k, v)
                    .into_iter()
                    .try_for_each(|v2| out.forward(ctx, k.clone(), v2))
            },
        )
    }
}
