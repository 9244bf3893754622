//! Versioned tables (`VersionedTopologies.java`): a table kept in a versioned store, and
//! stream-table joins reading it as of the stream record's time.

use std::time::Duration;

use kstream::{Consumed, Materialized, StreamsBuilder, StringSerde, Topology};

use super::catalogue::{Catalogue, Text, dash, java, texts, to_texts};

pub fn register(c: &mut Catalogue) {
    c.add("versioned_table_join", versioned_join);
}

fn versioned_join() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    let rates = b.table(
        "rates",
        Consumed::with(kstream::OptionSerde(StringSerde), StringSerde),
        Materialized::with(kstream::OptionSerde(StringSerde), StringSerde)
            .named("rates")
            .versioned(Duration::from_secs(10)),
    );
    rates.to_stream().to(
        "rates-out",
        kstream::Produced::with(
            kstream::OptionSerde(StringSerde),
            kstream::OptionSerde(StringSerde),
        ),
    );
    let orders = b.stream("orders", texts());
    orders
        .join(&rates, |o: Text, r: &String| Some(format!("{}@{r}", java(&o))))
        .to("inner", to_texts());
    orders
        .left_join(&rates, |o: Text, r: Option<&String>| {
            Some(format!("{}@{}", dash(o.as_ref()), dash(r)))
        })
        .to("left", to_texts());
    b.build()
}
