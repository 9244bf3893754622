//! Debezium's default topic names (`topic.naming.strategy` left as each connector has
//! it, `topic.delimiter` `.`), from each connector's documentation at 3.6.1
//! ("Topic names": `documentation/modules/ROOT/pages/connectors/*.adoc`) and the naming
//! strategies' source (`SchemaTopicNamingStrategy`, `DefaultTopicNamingStrategy`,
//! `AbstractTopicNamingStrategy::sanitizedTopicName`).

use cdc_core::{ChangeEvent, LogicalMessage, Operation, Row, Source, Value, topic_name};

fn event(connector: &str, prefix: &str, db: Option<&str>, schema: Option<&str>, table: &str) -> ChangeEvent {
    let source = Source {
        connector: Some(connector.into()),
        name: Some(prefix.into()),
        db: db.map(str::to_owned),
        schema: schema.map(str::to_owned),
        table: Some(table.into()),
        ..Source::default()
    };
    let row = Row::new().with("id", Value::Int(1));
    ChangeEvent::new(Operation::Create, None, Some(row), source).unwrap()
}

fn topic(
    connector: &str,
    prefix: &str,
    db: Option<&str>,
    schema: Option<&str>,
    table: &str,
) -> Option<String> {
    topic_name(&event(connector, prefix, db, schema, table))
}

#[test]
fn each_connector_names_its_topics_as_documented() {
    // PostgreSQL: topicPrefix.schemaName.tableName (the database is not in the name).
    assert_eq!(
        topic(
            "postgresql",
            "fulfillment",
            Some("postgres"),
            Some("public"),
            "customers"
        )
        .as_deref(),
        Some("fulfillment.public.customers")
    );
    // MySQL and MariaDB: topicPrefix.databaseName.tableName.
    for connector in ["mysql", "mariadb"] {
        assert_eq!(
            topic(connector, "fulfillment", Some("inventory"), None, "orders").as_deref(),
            Some("fulfillment.inventory.orders")
        );
    }
    // SQL Server: the database too ("fulfillment.testDB.dbo.products").
    assert_eq!(
        topic(
            "sqlserver",
            "fulfillment",
            Some("testDB"),
            Some("dbo"),
            "products"
        )
        .as_deref(),
        Some("fulfillment.testDB.dbo.products")
    );
    // Oracle ("fulfillment.inventory.customers") and Db2 ("mydatabase.MYSCHEMA.CUSTOMERS").
    assert_eq!(
        topic(
            "oracle",
            "fulfillment",
            Some("ORCLCDB"),
            Some("inventory"),
            "customers"
        )
        .as_deref(),
        Some("fulfillment.inventory.customers")
    );
    assert_eq!(
        topic("db2", "mydatabase", Some("TESTDB"), Some("MYSCHEMA"), "CUSTOMERS").as_deref(),
        Some("mydatabase.MYSCHEMA.CUSTOMERS")
    );
    assert_eq!(
        topic(
            "informix",
            "mydatabase",
            Some("testdb"),
            Some("informix"),
            "customers"
        )
        .as_deref(),
        Some("mydatabase.informix.customers")
    );
}

#[test]
fn messages_go_to_the_message_topic() {
    let source = Source {
        connector: Some("postgresql".into()),
        name: Some("PostgreSQL_server".into()),
        schema: Some(String::new()),
        table: Some(String::new()),
        ..Source::default()
    };
    let message = ChangeEvent::new_message(LogicalMessage::default(), source);
    assert_eq!(topic_name(&message).as_deref(), Some("PostgreSQL_server.message"));
}

#[test]
fn names_are_sanitized_as_debezium_does() {
    // Empty parts are left out; characters Kafka refuses become `_`, one per UTF-16 unit.
    assert_eq!(
        topic("sqlserver", "srv", Some("testDB"), Some(" "), "order lines").as_deref(),
        Some("srv.testDB.order_lines")
    );
    assert_eq!(
        topic("postgresql", "srv", None, Some("sch"), "ta\u{e9}ble\u{1F600}").as_deref(),
        Some("srv.sch.ta_ble__")
    );
    let long = "t".repeat(300);
    assert_eq!(
        topic("mysql", "srv", Some("db"), None, &long).map(|t| t.len()),
        Some(249)
    );
    // Without a prefix or a table there is no topic.
    assert_eq!(topic("mysql", "srv", Some("db"), None, ""), None);
    let mut nameless = event("mysql", "srv", Some("db"), None, "t");
    nameless.source.name = None;
    assert_eq!(topic_name(&nameless), None);
    // A connector this crate does not know: the schema, else the database.
    assert_eq!(
        topic("vendor", "srv", Some("db"), None, "t").as_deref(),
        Some("srv.db.t")
    );
    assert_eq!(
        topic("vendor", "srv", Some("db"), Some("s"), "t").as_deref(),
        Some("srv.s.t")
    );
}
