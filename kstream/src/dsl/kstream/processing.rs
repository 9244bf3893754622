//! The processor API in the DSL: `process` (a [`Processor`], which may change keys) and
//! `process_values` (a [`FixedKeyProcessor`], which cannot), each with its `…_with` form
//! naming the processor.

use super::KStream;
use crate::dsl::ops::{FixedKeyProcessorNode, ProcessorNode};
use crate::dsl::options::Named;
use crate::processor::{FixedKeyProcessor, Processor};
use crate::store::AnyStoreHandle;

impl<'b, K: Clone + 'static, V: Clone + 'static> KStream<'b, K, V> {
    /// Runs a [`Processor`] of the user's (one made by `supplier` per task), connected
    /// to the stores of `stores`: handles from
    /// [`StreamsBuilder::add_state_store`](crate::StreamsBuilder::add_state_store), or
    /// of this builder's tables. The processor opens them with
    /// [`ProcessorContext::store`](crate::ProcessorContext::store). The processor may
    /// change keys, so a stateful operation after it repartitions first.
    pub fn process<KOut, VOut, P>(
        &self,
        supplier: impl Fn() -> P + Send + Sync + 'static,
        stores: &[&dyn AnyStoreHandle],
    ) -> KStream<'b, KOut, VOut>
    where
        KOut: Clone + 'static,
        VOut: Clone + 'static,
        P: Processor<K, V, KOut, VOut>,
    {
        let name = self.dsl.fresh("KSTREAM-PROCESSOR");
        self.process_step(name, supplier, stores)
    }

    /// [`process`](Self::process), naming the processor.
    pub fn process_with<KOut, VOut, P>(
        &self,
        supplier: impl Fn() -> P + Send + Sync + 'static,
        stores: &[&dyn AnyStoreHandle],
        named: Named,
    ) -> KStream<'b, KOut, VOut>
    where
        KOut: Clone + 'static,
        VOut: Clone + 'static,
        P: Processor<K, V, KOut, VOut>,
    {
        self.process_step(named.into_string(), supplier, stores)
    }

    fn process_step<KOut, VOut, P>(
        &self,
        name: String,
        supplier: impl Fn() -> P + Send + Sync + 'static,
        stores: &[&dyn AnyStoreHandle],
    ) -> KStream<'b, KOut, VOut>
    where
        KOut: Clone + 'static,
        VOut: Clone + 'static,
        P: Processor<K, V, KOut, VOut>,
    {
        let stores = self.connected_stores(&name, stores);
        let (connected, node_name) = (stores.clone(), name.clone());
        let node = self
            .dsl
            .operator::<K, V, KOut, VOut, _>(name, vec![self.node], stores, move |out| ProcessorNode {
                name: node_name.clone(),
                stores: connected.clone(),
                processor: supplier(),
                out,
            });
        KStream::new(self.dsl, node, true)
    }

    /// Runs a [`FixedKeyProcessor`] of the user's (one made by `supplier` per task),
    /// connected to the stores of `stores` as in [`process`](Self::process): Kafka
    /// Streams' `processValues`. The processor cannot change a record's key, so the
    /// stream needs no repartitioning after it.
    ///
    /// ```
    /// use kstream::prelude::*;
    /// use kstream::processor::{FixedKeyProcessor, FixedKeyProcessorContext, FixedKeyRecord};
    ///
    /// struct Shout;
    /// impl FixedKeyProcessor<String, String, String> for Shout {
    ///     fn process(
    ///         &mut self,
    ///         ctx: &mut FixedKeyProcessorContext<'_, String, String>,
    ///         record: FixedKeyRecord<String, String>,
    ///     ) -> Result<(), ProcessorError> {
    ///         ctx.forward(record.map_value(|v| v.to_uppercase()))?;
    ///         Ok(())
    ///     }
    /// }
    ///
    /// let builder = StreamsBuilder::new();
    /// builder
    ///     .stream("words", Consumed::with(StringSerde, StringSerde))
    ///     .process_values(|| Shout, &[])
    ///     .to("shouted", Produced::with(StringSerde, StringSerde));
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// driver.input_topic("words", StringSerde, StringSerde).pipe_input("k".into(), "hi".into())?;
    /// let out = driver.output_topic("shouted", StringSerde, StringSerde).read_key_values()?;
    /// assert_eq!(out, vec![("k".to_string(), "HI".to_string())]);
    /// # Ok::<(), kstream::Error>(())
    /// ```
    pub fn process_values<VOut, P>(
        &self,
        supplier: impl Fn() -> P + Send + Sync + 'static,
        stores: &[&dyn AnyStoreHandle],
    ) -> KStream<'b, K, VOut>
    where
        VOut: Clone + 'static,
        P: FixedKeyProcessor<K, V, VOut>,
    {
        let name = self.dsl.fresh("KSTREAM-PROCESSVALUES");
        self.process_values_step(name, supplier, stores)
    }

    /// [`process_values`](Self::process_values), naming the processor.
    pub fn process_values_with<VOut, P>(
        &self,
        supplier: impl Fn() -> P + Send + Sync + 'static,
        stores: &[&dyn AnyStoreHandle],
        named: Named,
    ) -> KStream<'b, K, VOut>
    where
        VOut: Clone + 'static,
        P: FixedKeyProcessor<K, V, VOut>,
    {
        self.process_values_step(named.into_string(), supplier, stores)
    }

    pub(super) fn process_values_step<VOut, P>(
        &self,
        name: String,
        supplier: impl Fn() -> P + Send + Sync + 'static,
        stores: &[&dyn AnyStoreHandle],
    ) -> KStream<'b, K, VOut>
    where
        VOut: Clone + 'static,
        P: FixedKeyProcessor<K, V, VOut>,
    {
        let stores = self.connected_stores(&name, stores);
        let (connected, node_name) = (stores.clone(), name.clone());
        let node = self
            .dsl
            .operator::<K, V, K, VOut, _>(name, vec![self.node], stores, move |out| {
                FixedKeyProcessorNode(ProcessorNode {
                    name: node_name.clone(),
                    stores: connected.clone(),
                    processor: supplier(),
                    out,
                })
            });
        KStream::new(self.dsl, node, self.repartition)
    }

    /// The names of the stores of `stores` for processor `name`; a store never added to
    /// this builder is a problem `build` reports.
    fn connected_stores(&self, name: &str, stores: &[&dyn AnyStoreHandle]) -> Vec<String> {
        let mut names = Vec::with_capacity(stores.len());
        for handle in stores {
            match self.dsl.declared_store(*handle) {
                Some(store) => names.push(store),
                None => self.dsl.fail(format!(
                    "processor `{name}` is connected to store `{}`, which was never added to this builder",
                    handle.store_name().unwrap_or("(unnamed)")
                )),
            }
        }
        names
    }
}
