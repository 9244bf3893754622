//! The string, byte-array and number converters by their Kafka class names: the bytes
//! Kafka's write (UTF-8 text, the bytes as they are, big-endian numbers), and typed
//! errors for values they do not take and bytes of the wrong length.

use connect_sdk::config::Properties;
use connect_sdk::convert::converter;
use connect_sdk::data::{Schema, Value};

fn convert(class: &str) -> Box<dyn connect_sdk::convert::Converter> {
    converter(&format!("org.apache.kafka.connect.{class}"), &Properties::new()).unwrap()
}

#[test]
fn numbers_are_big_endian_and_read_back_optional() {
    let cases = [
        (
            "converters.ShortConverter",
            Value::Int16(-2),
            vec![0xFF, 0xFE],
            Schema::optional_int16(),
        ),
        (
            "converters.IntegerConverter",
            Value::Int32(258),
            vec![0, 0, 1, 2],
            Schema::optional_int32(),
        ),
        (
            "converters.LongConverter",
            Value::Int64(1),
            vec![0, 0, 0, 0, 0, 0, 0, 1],
            Schema::optional_int64(),
        ),
        (
            "converters.FloatConverter",
            Value::Float32(1.5),
            1.5f32.to_be_bytes().to_vec(),
            Schema::optional_float32(),
        ),
        (
            "converters.DoubleConverter",
            Value::Float64(-0.25),
            (-0.25f64).to_be_bytes().to_vec(),
            Schema::optional_float64(),
        ),
    ];
    for (class, value, bytes, schema) in cases {
        let mut c = convert(class);
        assert_eq!(
            c.encode("t", None, &value).unwrap(),
            Some(bytes.clone()),
            "{class}"
        );
        assert_eq!(
            c.decode("t", Some(&bytes)).unwrap(),
            (Some(schema.clone()), value),
            "{class}"
        );
        assert_eq!(
            c.decode("t", None).unwrap(),
            (Some(schema), Value::Null),
            "{class}"
        );
        assert!(c.decode("t", Some(&[1, 2, 3])).is_err(), "{class}: three bytes");
        assert!(
            c.encode("t", None, &Value::from("x")).is_err(),
            "{class}: a string"
        );
    }
}

#[test]
fn strings_are_utf8_text_and_bytes_pass_as_they_are() {
    let mut strings = convert("storage.StringConverter");
    assert_eq!(
        strings.encode("t", None, &Value::from("añb")).unwrap(),
        Some("añb".as_bytes().to_vec())
    );
    assert_eq!(
        strings.encode("t", None, &Value::Int64(42)).unwrap(),
        Some(b"42".to_vec())
    );
    assert_eq!(
        strings.decode("t", Some(b"hi")).unwrap(),
        (Some(Schema::optional_string()), Value::from("hi"))
    );
    assert!(strings.decode("t", Some(&[0xFF, 0xFE])).is_err(), "not UTF-8");

    let mut bytes = convert("converters.ByteArrayConverter");
    assert_eq!(
        bytes
            .encode("t", Some(&Schema::bytes()), &Value::Bytes(vec![0, 1]))
            .unwrap(),
        Some(vec![0, 1])
    );
    assert!(
        bytes
            .encode("t", Some(&Schema::string()), &Value::from("x"))
            .is_err(),
        "a string schema"
    );
    assert_eq!(
        bytes.decode("t", Some(&[7])).unwrap(),
        (Some(Schema::optional_bytes()), Value::Bytes(vec![7]))
    );
    assert_eq!(bytes.encode("t", None, &Value::Null).unwrap(), None);
}

#[test]
fn an_unknown_converter_class_is_a_config_error_naming_it() {
    let err = converter("com.example.NoSuchConverter", &Properties::new()).unwrap_err();
    assert_eq!(err.kafka_class(), "ConfigException");
    assert!(err.to_string().contains("com.example.NoSuchConverter"), "{err}");
}
