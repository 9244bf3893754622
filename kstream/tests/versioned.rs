//! Versioned stores through the processor API and the test driver: prices written as
//! versions at their records' times, orders priced as of their own time (an as-of
//! lookup, whatever order the records arrive in), and the store read back with
//! `TopologyTestDriver::versioned_store`.

use std::time::Duration;

use kstream::processor::ProcessorError;
use kstream::{
    Consumed, I64Serde, Materialized, Processor, ProcessorContext, Produced, PutOutcome, StoreHandle,
    StreamsBuilder, StringSerde, TopologyTestDriver, VersionedRecord,
};

/// Writes each price as a version of its product at the record's time.
struct WritePrice {
    prices: StoreHandle<String, i64>,
}

impl Processor<String, i64, String, i64> for WritePrice {
    fn process(
        &mut self,
        ctx: &mut ProcessorContext<'_, String, i64>,
        key: String,
        price: i64,
    ) -> Result<(), ProcessorError> {
        let at = ctx.timestamp();
        match ctx.versioned_store(&self.prices)?.put(&key, Some(&price), at)? {
            PutOutcome::Expired => Err(format!("price of {key} at {at} is older than the history").into()),
            PutOutcome::Latest | PutOutcome::ValidTo(_) => Ok(()),
        }
    }
}

/// Prices an order (key: product, value: quantity) as of the order's time.
struct PriceOrder {
    prices: StoreHandle<String, i64>,
}

impl Processor<String, i64, String, String> for PriceOrder {
    fn process(
        &mut self,
        ctx: &mut ProcessorContext<'_, String, String>,
        key: String,
        qty: i64,
    ) -> Result<(), ProcessorError> {
        let at = ctx.timestamp();
        let priced = match ctx.versioned_store(&self.prices)?.get_as_of(&key, at)? {
            Some(VersionedRecord { value, timestamp, .. }) => {
                format!("{qty} x {value} (price of {timestamp})")
            }
            None => format!("{qty} x no price"),
        };
        ctx.forward(key, priced)?;
        Ok(())
    }
}

fn topology() -> (kstream::Topology, StoreHandle<String, i64>) {
    let b = StreamsBuilder::new();
    let prices = b.add_state_store(
        Materialized::with(StringSerde, I64Serde)
            .named("prices")
            .versioned(Duration::from_millis(1_000)),
    );
    let writer = prices.clone();
    b.stream("prices", Consumed::with(StringSerde, I64Serde))
        .process::<String, i64, _>(
            move || WritePrice {
                prices: writer.clone(),
            },
            &[&prices],
        );
    let reader = prices.clone();
    b.stream("orders", Consumed::with(StringSerde, I64Serde))
        .process::<String, String, _>(
            move || PriceOrder {
                prices: reader.clone(),
            },
            &[&prices],
        )
        .to("priced", Produced::with(StringSerde, StringSerde));
    (b.build().unwrap(), prices)
}

#[test]
fn orders_are_priced_as_of_their_time() {
    let (topology, prices) = topology();
    let driver = TopologyTestDriver::new(topology).unwrap();
    let price = driver.input_topic("prices", StringSerde, I64Serde);
    let order = driver.input_topic("orders", StringSerde, I64Serde);
    let priced = driver.output_topic("priced", StringSerde, StringSerde);
    let apple = || "apple".to_owned();
    price.pipe_input_at(apple(), 10, 1_000).unwrap();
    price.pipe_input_at(apple(), 12, 2_000).unwrap();
    order.pipe_input_at(apple(), 3, 1_500).unwrap();
    order.pipe_input_at(apple(), 1, 2_500).unwrap();
    order.pipe_input_at(apple(), 2, 500).unwrap();
    // A late price correction, inside the history: later reads as of 1,200 see it.
    price.pipe_input_at(apple(), 11, 1_200).unwrap();
    order.pipe_input_at(apple(), 4, 1_300).unwrap();
    assert_eq!(
        priced
            .read_key_values()
            .unwrap()
            .into_iter()
            .map(|(_, v)| v)
            .collect::<Vec<_>>(),
        vec![
            "3 x 10 (price of 1000)",
            "1 x 12 (price of 2000)",
            "2 x no price",
            "4 x 11 (price of 1200)",
        ]
    );

    let store = driver.versioned_store(&prices).unwrap();
    let latest = store.get(&apple()).unwrap().unwrap();
    assert_eq!(
        (latest.value, latest.timestamp, latest.valid_to),
        (12, 2_000, None)
    );
    let then = store.get_as_of(&apple(), 1_100).unwrap().unwrap();
    assert_eq!(
        (then.value, then.timestamp, then.valid_to),
        (10, 1_000, Some(1_200))
    );
    // Older than the history (1,000 ms before the latest time written): refused.
    assert_eq!(store.put(&apple(), Some(&1), 900).unwrap(), PutOutcome::Expired);
    assert_eq!(store.get_as_of(&apple(), 999).unwrap(), None);
}

#[test]
fn a_store_that_is_not_versioned_is_refused_by_name() {
    let b = StreamsBuilder::new();
    let plain = b.add_state_store(Materialized::with(StringSerde, I64Serde).named("plain"));
    let reader = plain.clone();
    b.stream("orders", Consumed::with(StringSerde, I64Serde))
        .process::<String, String, _>(
            move || PriceOrder {
                prices: reader.clone(),
            },
            &[&plain],
        );
    let driver = TopologyTestDriver::new(b.build().unwrap()).unwrap();
    let err = driver.versioned_store(&plain).unwrap_err();
    assert!(err.to_string().contains("plain"), "{err}");
    let order = driver.input_topic("orders", StringSerde, I64Serde);
    let err = order.pipe_input("apple".into(), 1).unwrap_err();
    let chain = format!(
        "{err}: {}",
        std::error::Error::source(&err)
            .map(|s| s.to_string())
            .unwrap_or_default()
    );
    assert!(chain.contains("not versioned"), "{chain}");
}

#[test]
fn a_versioned_table_is_queried_as_of_a_time_and_a_derived_one_cannot_be_versioned() {
    let b = StreamsBuilder::new();
    let m = Materialized::with(StringSerde, I64Serde)
        .named("prices")
        .versioned(Duration::from_secs(60));
    let handle = m.handle();
    b.table("prices", Consumed::with(StringSerde, I64Serde), m);
    let driver = TopologyTestDriver::new(b.build().unwrap()).unwrap();
    let prices = driver.input_topic("prices", StringSerde, I64Serde);
    prices.pipe_input_at("apple".into(), 10, 1_000).unwrap();
    prices.pipe_input_at("apple".into(), 12, 2_000).unwrap();
    let store = driver.versioned_store(&handle).unwrap();
    let then = store.get_as_of(&"apple".into(), 1_500).unwrap().unwrap();
    assert_eq!((then.value, then.valid_to), (10, Some(2_000)));

    let b = StreamsBuilder::new();
    b.table(
        "prices",
        Consumed::with(StringSerde, I64Serde),
        Materialized::with(StringSerde, I64Serde),
    )
    .filter(|_, p| *p > 0)
    .materialize(
        Materialized::with(StringSerde, I64Serde)
            .named("positive")
            .versioned(Duration::from_secs(1)),
    );
    let err = b.build().unwrap_err();
    assert!(
        err.to_string().contains("store `positive` is declared versioned"),
        "{err}"
    );
}
