//! Joins: table-table (inner, left, outer), foreign-key table-table (inner, left),
//! stream-table and stream-global (`JoinTopologies.java`).

use kstream::{Consumed, Grouped, Materialized, OptionSerde, StreamsBuilder, StringSerde, Topology};

use super::catalogue::{
    Catalogue, Text, dash, java, string_store, strings, texts, to_optional_strings, to_texts,
};

pub fn register(c: &mut Catalogue) {
    c.add("table_join_inner", || table_join(Kind::Inner));
    c.add("table_join_left", || table_join(Kind::Left));
    c.add("table_join_outer", || table_join(Kind::Outer));
    c.add("stream_table_join", stream_table);
    c.add("stream_global_join", stream_global);
    c.add("fk_join_inner", || foreign_key_join(false));
    c.add("fk_join_left", || foreign_key_join(true));
    c.add("fk_join_stale", foreign_key_join_stale);
    c.add("fk_join_self", foreign_key_join_self);
    c.add("fk_join_unmaterialized", foreign_key_join_unmaterialized);
}

enum Kind {
    Inner,
    Left,
    Outer,
}

fn table_join(kind: Kind) -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    let left = b.table("left", strings(), string_store("left-store"));
    let right = b.table("right", strings(), string_store("right-store"));
    let joined = match kind {
        Kind::Inner => left.join(&right, |l, r| format!("{l}+{r}")),
        Kind::Left => left.left_join(&right, |l, r| format!("{l}+{}", dash(r))),
        Kind::Outer => left.outer_join(&right, |l, r| format!("{}+{}", dash(l), dash(r))),
    };
    joined.to_stream().to("out", to_optional_strings());
    b.build()
}

/// Nullable keys (events may have none) on both sides of the join, which need one key type.
fn stream_table() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    let drivers = b.table(
        "drivers",
        Consumed::with(OptionSerde(StringSerde), StringSerde),
        Materialized::with(OptionSerde(StringSerde), StringSerde).named("drivers"),
    );
    let events = b.stream("events", texts());
    events
        .join(&drivers, |e: Text, d: &String| Some(format!("{}/{d}", java(&e))))
        .to("inner", to_texts());
    events
        .left_join(&drivers, |e: Text, d: Option<&String>| {
            Some(format!("{}/{}", dash(e.as_ref()), dash(d)))
        })
        .to("left", to_texts());
    b.build()
}

/// The product of "product:qty", or none for a null value.
fn product(order: &Text) -> Text {
    let order = order.as_deref()?;
    Some(order.split_once(':').map_or(order, |(p, _)| p).to_owned())
}

fn stream_global() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    let products = b.global_table(
        "products",
        Consumed::with(OptionSerde(StringSerde), StringSerde),
        Some("products"),
    );
    let orders = b.stream("orders", texts());
    orders
        .join_global(
            &products,
            |_, order: &Text| Some(product(order)),
            |order: Text, p: &String| Some(format!("{}/{p}", java(&order))),
        )
        .to("inner", to_texts());
    orders
        .left_join_global(
            &products,
            |_, order: &Text| Some(product(order)),
            |order: Text, p: Option<&String>| Some(format!("{}/{}", dash(order.as_ref()), dash(p))),
        )
        .to("left", to_texts());
    b.build()
}

/// The customer of an order "customer:item"; none for an order without a colon.
fn customer(order: &str) -> Option<String> {
    order.split_once(':').map(|(c, _)| c.to_owned())
}

/// Orders joined with the customers table on the order's customer (a foreign key),
/// values as "order/customer" ("-" for no customer row), the result stored in `fk-result`.
fn foreign_key_join(left: bool) -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    let orders = b.table("orders", strings(), string_store("orders"));
    let customers = b.table("customers", strings(), string_store("customers"));
    let joined = if left {
        orders.left_join_foreign_key(
            &customers,
            |_, o| customer(o),
            |o, c| format!("{o}/{}", dash(c)),
            string_store("fk-result"),
        )
    } else {
        orders.join_foreign_key(
            &customers,
            |_, o| customer(o),
            |o, c| format!("{o}/{c}"),
            string_store("fk-result"),
        )
    };
    joined.to_stream().to("out", to_optional_strings());
    b.build()
}

/// Batches of orders "customer:item,customer:item" per key: the latest order of a batch
/// is the row (each order of a batch updates it in turn), left-joined with the customers
/// table on its customer. Responses to the earlier orders of a batch answer a value the
/// row no longer has.
fn foreign_key_join_stale() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    let latest = b
        .stream("order-batches", strings())
        .flat_map_values(|batch: String| batch.split(',').map(str::to_owned).collect::<Vec<_>>())
        .group_by_key(Grouped::with(StringSerde, StringSerde))
        .reduce(|_, order| order, string_store("latest-orders"));
    let customers = b.table("customers", strings(), string_store("customers"));
    latest
        .left_join_foreign_key(
            &customers,
            |_, o| customer(o),
            |o, c| format!("{o}/{}", dash(c)),
            string_store("fk-result"),
        )
        .to_stream()
        .to("out", to_optional_strings());
    b.build()
}

/// Employees "manager:title" left-joined with the same table on their manager: a change
/// of one row is a left update and a right update at once.
fn foreign_key_join_self() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    let employees = b.table("employees", strings(), string_store("employees"));
    employees
        .left_join_foreign_key(
            &employees,
            |_, e| customer(e),
            |e, m| format!("{e} < {}", dash(m)),
            string_store("fk-result"),
        )
        .to_stream()
        .to("out", to_optional_strings());
    b.build()
}

/// `fk_join_left` over tables read without a store of their own: the join gives them one.
fn foreign_key_join_unmaterialized() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    let orders = b.table_unmaterialized("orders", strings());
    let customers = b.table_unmaterialized("customers", strings());
    orders
        .left_join_foreign_key(
            &customers,
            |_, o| customer(o),
            |o, c| format!("{o}/{}", dash(c)),
            string_store("fk-result"),
        )
        .to_stream()
        .to("out", to_optional_strings());
    b.build()
}
