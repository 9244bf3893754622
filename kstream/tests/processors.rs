//! The processor API: errors a processor returns (kept as the source of the error that
//! names the processor), the stores a processor may open, punctuation on a wall clock
//! advanced by `Duration`s, and what a context shows of itself.

use std::error::Error as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kstream::{
    Consumed, Error, I64Serde, Materialized, Processor, ProcessorContext, ProcessorError, Produced,
    PunctuationType, StoreHandle, StreamsBuilder, StringSerde, TopologyTestDriver,
};

/// A processor's own error type.
#[derive(Debug, thiserror::Error)]
#[error("order `{order}` has no customer")]
struct NoCustomer {
    order: String,
}

/// Counts records per key in its store, refuses empty values with its own error, and
/// at each punctuation forwards the time and how many keys it counted.
struct Counter {
    counts: StoreHandle<String, i64>,
    /// A store it is not connected to.
    other: Option<StoreHandle<String, i64>>,
    interval: Duration,
    /// What `{ctx:?}` showed at the last record.
    shown: Arc<Mutex<String>>,
}

impl Processor<String, String, String, String> for Counter {
    fn init(&mut self, ctx: &mut ProcessorContext<'_, String, String>) -> Result<(), ProcessorError> {
        ctx.schedule(self.interval, PunctuationType::WallClockTime);
        Ok(())
    }

    fn process(
        &mut self,
        ctx: &mut ProcessorContext<'_, String, String>,
        key: String,
        value: String,
    ) -> Result<(), ProcessorError> {
        *self.shown.lock().unwrap() = format!("{ctx:?}");
        if let Some(other) = &self.other {
            ctx.store(other)?;
        }
        if value.is_empty() {
            return Err(NoCustomer { order: key }.into());
        }
        let counts = ctx.store(&self.counts)?;
        let n = counts.get(&key)?.unwrap_or(0) + 1;
        counts.put(&key, &n)?;
        Ok(())
    }

    fn punctuate(
        &mut self,
        ctx: &mut ProcessorContext<'_, String, String>,
        _: PunctuationType,
        timestamp_ms: i64,
    ) -> Result<(), ProcessorError> {
        let keys = ctx.store(&self.counts)?.all()?.len();
        ctx.forward("tick".into(), format!("{timestamp_ms}:{keys}"))?;
        Ok(())
    }
}

struct Setup {
    driver: TopologyTestDriver,
    shown: Arc<Mutex<String>>,
}

/// `Counter` on topic `orders`, writing to `ticks`; `other` is a store it may ask for
/// without being connected to it.
fn setup(interval: Duration, other: Option<StoreHandle<String, i64>>) -> Setup {
    let b = StreamsBuilder::new();
    let counts = b.add_state_store(Materialized::with(StringSerde, I64Serde).named("order-counts"));
    let shown = Arc::new(Mutex::new(String::new()));
    let (handle, seen) = (counts.clone(), shown.clone());
    b.stream("orders", Consumed::with(StringSerde, StringSerde))
        .process(
            move || Counter {
                counts: handle.clone(),
                other: other.clone(),
                interval,
                shown: seen.clone(),
            },
            &[&counts],
        )
        .to("ticks", Produced::with(StringSerde, StringSerde));
    Setup {
        driver: TopologyTestDriver::new(b.build().unwrap()).unwrap(),
        shown,
    }
}

fn ticks(d: &TopologyTestDriver) -> Vec<String> {
    d.output_topic("ticks", StringSerde, StringSerde)
        .read_key_values()
        .unwrap()
        .into_iter()
        .map(|(_, v)| v)
        .collect()
}

#[test]
fn a_processors_own_error_is_the_source_of_the_error_naming_it() {
    let Setup { driver, .. } = setup(Duration::from_secs(1), None);
    let orders = driver.input_topic("orders", StringSerde, StringSerde);
    orders.pipe_input("o-1".into(), "ann".into()).unwrap();
    let err = orders.pipe_input("o-2".into(), String::new()).unwrap_err();
    let Error::Processor { processor, source } = &err else {
        panic!("expected a processor error, got {err:?}");
    };
    assert!(processor.starts_with("KSTREAM-PROCESSOR-"), "{processor}");
    let own = source
        .downcast_ref::<NoCustomer>()
        .expect("the processor's own error");
    assert_eq!(own.order, "o-2");
    assert_eq!(
        err.source().map(ToString::to_string).as_deref(),
        Some("order `o-2` has no customer")
    );
    assert!(err.to_string().contains(processor.as_str()), "{err}");
}

#[test]
fn a_store_the_processor_is_not_connected_to_is_an_unknown_store() {
    // Another topology's store, and a store of this topology not connected to it.
    let b = StreamsBuilder::new();
    let elsewhere = b.add_state_store(Materialized::with(StringSerde, I64Serde).named("elsewhere"));
    let Setup { driver, .. } = setup(Duration::from_secs(1), Some(elsewhere));
    let err = driver
        .input_topic("orders", StringSerde, StringSerde)
        .pipe_input("o-1".into(), "ann".into())
        .unwrap_err();
    // kstream's own error passes through the processor unchanged.
    match err {
        Error::UnknownStore { store, processor } => {
            assert_eq!(store, "elsewhere");
            assert!(processor.starts_with("KSTREAM-PROCESSOR-"), "{processor}");
        }
        other => panic!("expected UnknownStore, got {other:?}"),
    }
}

#[test]
fn wall_clock_punctuation_follows_durations() {
    let Setup { driver, .. } = setup(Duration::from_millis(1500), None);
    let orders = driver.input_topic("orders", StringSerde, StringSerde);
    orders.pipe_input("o-1".into(), "ann".into()).unwrap();
    driver.advance_wall_clock(Duration::from_millis(1499)).unwrap();
    assert!(ticks(&driver).is_empty());
    // Below a millisecond does not move the clock.
    driver.advance_wall_clock(Duration::from_micros(999)).unwrap();
    assert!(ticks(&driver).is_empty());
    driver.advance_wall_clock(Duration::from_millis(1)).unwrap();
    assert_eq!(ticks(&driver), vec!["1500:1".to_owned()]);
    orders.pipe_input("o-2".into(), "bob".into()).unwrap();
    driver.advance_wall_clock(Duration::from_secs(3)).unwrap();
    assert_eq!(ticks(&driver), vec!["4500:2".to_owned()]);
    // A span past what milliseconds in an i64 can count stops the clock at the end.
    driver.advance_wall_clock(Duration::MAX).unwrap();
    assert_eq!(ticks(&driver), vec![format!("{}:2", i64::MAX)]);
}

#[test]
fn an_interval_longer_than_the_clock_never_fires() {
    let Setup { driver, .. } = setup(Duration::MAX, None);
    driver
        .advance_wall_clock(Duration::from_secs(86_400 * 365))
        .unwrap();
    assert!(ticks(&driver).is_empty());
}

#[test]
fn a_context_and_the_driver_show_what_they_are() {
    let Setup { driver, shown } = setup(Duration::from_secs(1), None);
    driver
        .input_topic("orders", StringSerde, StringSerde)
        .pipe_input_at("o-1".into(), "ann".into(), 1_522_846_456_703)
        .unwrap();
    let shown = shown.lock().unwrap().clone();
    for part in [
        "ProcessorContext",
        "KSTREAM-PROCESSOR-",
        "order-counts",
        "orders",
        "1522846456703",
    ] {
        assert!(shown.contains(part), "`{part}` in {shown}");
    }
    let driver_shown = format!("{driver:?}");
    assert!(
        driver_shown.contains("order-counts") && driver_shown.contains("orders"),
        "{driver_shown}"
    );
}
