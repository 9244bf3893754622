//! The scanner against `serde_json`: the same values where both read, the same refusals.

use super::*;
use crate::Value;

fn scanned(text: &str) -> Option<ValueRef<'_>> {
    let mut s = Scan::new(text);
    let v = s.value()?;
    s.finish().map(|()| v)
}

/// What serde_json reads, as a column value.
fn serde_value(text: &str) -> Option<Value> {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .map(|j| Value::from_json(&j))
}

fn value(text: &str) -> Option<Value> {
    scanned(text).map(|v| v.to_value())
}

#[test]
fn numbers_read_as_serde_json_types_them() {
    for text in [
        "0",
        "-0",
        "7",
        "-7",
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775808",
        "-9223372036854775809",
        "18446744073709551615",
        "18446744073709551616",
        "123456789012345678901234567890",
        "1.5",
        "-1.5e3",
        "1E-2",
        "0.1",
        "2.2250738585072014e-308",
        "1e308",
        "1e400",
        "-1e400",
        "01",
        "1.",
        ".5",
        "-",
        "1e",
        "+1",
        "1e+",
        "0x10",
    ] {
        let ours = value(text);
        let theirs = serde_value(text);
        match (&ours, &theirs) {
            (Some(Value::Float(a)), Some(Value::Float(b))) => {
                assert_eq!(a.to_bits(), b.to_bits(), "{text}")
            }
            _ => assert_eq!(ours, theirs, "{text}"),
        }
    }
}

#[test]
fn strings_borrow_without_escapes_and_refuse_what_serde_json_refuses() {
    assert!(matches!(
        scanned(r#""plain text""#),
        Some(ValueRef::Str(Cow::Borrowed("plain text")))
    ));
    for text in [
        r#""a\"b\\c\/d\b\f\n\r\t""#,
        r#""\u00e9\u20ac\ud83d\ude00 tail of more than eight bytes""#,
        r#""long enough to cross a lane boundary \n and more text""#,
        "\"caf\u{e9} \u{1f600}\"",
        r#""\ud83d""#,
        r#""\ude00""#,
        r#""\ud83d\u0041""#,
        r#""\x""#,
        r#""\u12""#,
        "\"tab\tinside\"",
        r#""unterminated"#,
        r#""__debezium_unavailable_value""#,
    ] {
        assert_eq!(value(text), serde_value(text), "{text}");
    }
}

#[test]
fn containers_and_raw_text() {
    for text in [
        "[1, \"a\", [true, null], {\"k\": [1]}]",
        "{\"a\": {\"b\": 1}}",
        "[1,]",
        "[1 2]",
        "{\"a\" 1}",
        "{\"a\": 1,}",
        "[",
        "tru",
        "nul",
    ] {
        assert_eq!(value(text), serde_value(text), "{text}");
    }
    let mut s = Scan::new(r#" { "x" : [1, {"y": "z"}] } "#);
    assert_eq!(s.raw(), Some(r#"{ "x" : [1, {"y": "z"}] }"#));
    assert!(s.finish().is_some());
}

#[test]
fn raw_text_reads_as_serde_json_reads_it() {
    for raw in [
        r#""a\nb""#,
        "7",
        "-7",
        "18446744073709551615",
        "-0",
        "1.5",
        "null",
        "true",
        r#"{"a":[1]}"#,
    ] {
        assert_eq!(
            raw_json(raw),
            serde_json::from_str::<serde_json::Value>(raw).unwrap(),
            "{raw}"
        );
    }
}

#[test]
fn nesting_stops_where_serde_json_stops() {
    for depth in [126, 127, 128, 129] {
        let text = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        assert_eq!(
            value(&text).is_some(),
            serde_value(&text).is_some(),
            "depth {depth}"
        );
    }
}

proptest::proptest! {
    /// Text made of JSON's own characters, mostly not JSON: the scanner reads what
    /// serde_json reads, the same values, and refuses the rest.
    #[test]
    fn reads_what_serde_json_reads(text in r#"[\[\]{}",:0-9eE.+\- tnrufals\\u]{0,24}"#) {
        proptest::prop_assert_eq!(value(&text), serde_value(&text), "{}", text);
    }

    /// Strings with any characters and escapes.
    #[test]
    fn strings_read_as_serde_json_reads_them(body in r#"([a-z\u{e9}\u{1f600}\t ]|\\[\\"/bfnrtx]|\\u[dD][89aAbBcC0][0-9a-f]{2}){0,12}"#) {
        let text = format!("\"{body}\"");
        proptest::prop_assert_eq!(value(&text), serde_value(&text), "{}", text);
    }
}
