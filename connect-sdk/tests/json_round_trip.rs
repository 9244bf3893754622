//! JsonConverter against a model: any value of any schema written and read back (with
//! schemas) is the same value; bytes that are not JSON, or JSON of the wrong shape, are
//! a typed error and never a panic.

use connect_sdk::convert::{Converter, DecimalFormat, JsonConverter};
use connect_sdk::data::{SchemaBuilder, Type, Value};
use proptest::prelude::*;

mod support;

use support::record;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn any_value_reads_back_as_written((schema, value) in record(), numeric in any::<bool>()) {
        let format = if numeric { DecimalFormat::Numeric } else { DecimalFormat::Base64 };
        let mut json = JsonConverter::new(true).decimal_format(format);
        let bytes = json.encode("t", Some(&schema), &value).unwrap().unwrap();
        let (read_schema, read) = json.decode("t", Some(&bytes)).unwrap();
        prop_assert_eq!(read_schema.as_ref(), Some(&schema));
        // Maps keep their entries' order, so values compare entry by entry.
        prop_assert_eq!(&read, &value);
        // Read twice: the second time the schema comes from the cache.
        let (_, again) = json.decode("t", Some(&bytes)).unwrap();
        prop_assert_eq!(again, read);
        prop_assert_eq!(schema.kind(), Type::Struct);
    }

    #[test]
    fn arbitrary_bytes_are_an_error_or_a_value(bytes in proptest::collection::vec(any::<u8>(), 0..200), schemas in any::<bool>()) {
        let _ = JsonConverter::new(schemas).decode("t", Some(&bytes));
    }

    #[test]
    fn mangled_envelopes_are_an_error_or_a_value((schema, value) in record(), cut in 0usize..400, byte in any::<u8>()) {
        let mut json = JsonConverter::new(true);
        let mut bytes = json.encode("t", Some(&schema), &value).unwrap().unwrap();
        let at = cut % bytes.len();
        bytes[at] = byte;
        let _ = json.decode("t", Some(&bytes));
        bytes.truncate(at);
        let _ = json.decode("t", Some(&bytes));
    }
}

/// A container schema built without the schemas of what it holds is an error where it
/// is used, never a panic.
#[test]
fn a_container_schema_without_its_element_schemas_is_an_error() {
    for kind in [Type::Array, Type::Map] {
        let schema = SchemaBuilder::new(kind).build();
        let value = match kind {
            Type::Array => Value::Array(vec![Value::Int32(1)]),
            _ => Value::Map(vec![(Value::Int32(1), Value::Int32(2))]),
        };
        assert!(value.validate(&schema).is_err(), "{kind:?}");
        assert!(
            JsonConverter::new(true)
                .encode("t", Some(&schema), &value)
                .is_err(),
            "{kind:?}"
        );
    }
}
