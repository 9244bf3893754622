//! The compatibility checker against a table of schema pairs, with the verdict written
//! down per level.

use schema_registry_client::CompatibilityLevel::{self, *};
use schema_registry_client::compat::check_compatibility;

fn record(name: &str, fields: &str) -> String {
    format!(r#"{{"type":"record","name":"{name}","namespace":"t","fields":[{fields}]}}"#)
}

/// (case, old, new, backward, forward): FULL is expected to be both.
fn table() -> Vec<(&'static str, String, String, bool, bool)> {
    let enum_of = |symbols: &str, default: &str| {
        format!(r#"{{"name":"s","type":{{"type":"enum","name":"Status","symbols":[{symbols}]{default}}}}}"#)
    };
    let nested = |inner: &str| {
        record(
            "Outer",
            &format!(
                r#"{{"name":"id","type":"long"}},{{"name":"inner","type":{}}}"#,
                record("Inner", inner)
            ),
        )
    };
    vec![
        (
            "add a field with a default",
            record("R", r#"{"name":"a","type":"int"}"#),
            record("R", r#"{"name":"a","type":"int"},{"name":"b","type":"string","default":"x"}"#),
            true,
            true,
        ),
        (
            "add a field without a default",
            record("R", r#"{"name":"a","type":"int"}"#),
            record("R", r#"{"name":"a","type":"int"},{"name":"b","type":"string"}"#),
            false,
            true,
        ),
        (
            "remove a field that had a default",
            record("R", r#"{"name":"a","type":"int"},{"name":"b","type":"string","default":"x"}"#),
            record("R", r#"{"name":"a","type":"int"}"#),
            true,
            true,
        ),
        (
            "remove a field without a default",
            record("R", r#"{"name":"a","type":"int"},{"name":"b","type":"string"}"#),
            record("R", r#"{"name":"a","type":"int"}"#),
            true,
            false,
        ),
        (
            "promote int to long",
            record("R", r#"{"name":"a","type":"int"}"#),
            record("R", r#"{"name":"a","type":"long"}"#),
            true,
            false,
        ),
        (
            "narrow long to int",
            record("R", r#"{"name":"a","type":"long"}"#),
            record("R", r#"{"name":"a","type":"int"}"#),
            false,
            true,
        ),
        (
            "promote float to double",
            record("R", r#"{"name":"a","type":"float"}"#),
            record("R", r#"{"name":"a","type":"double"}"#),
            true,
            false,
        ),
        (
            "promote int to double",
            record("R", r#"{"name":"a","type":"int"}"#),
            record("R", r#"{"name":"a","type":"double"}"#),
            true,
            false,
        ),
        (
            "string and bytes read each other",
            record("R", r#"{"name":"a","type":"string"}"#),
            record("R", r#"{"name":"a","type":"bytes"}"#),
            true,
            true,
        ),
        (
            "change string to int",
            record("R", r#"{"name":"a","type":"string"}"#),
            record("R", r#"{"name":"a","type":"int"}"#),
            false,
            false,
        ),
        (
            "add an enum symbol, no default",
            record("R", &enum_of(r#""A","B""#, "")),
            record("R", &enum_of(r#""A","B","C""#, "")),
            true,
            false,
        ),
        (
            "add an enum symbol, old enum has a default",
            record("R", &enum_of(r#""A","B""#, r#","default":"A""#)),
            record("R", &enum_of(r#""A","B","C""#, r#","default":"A""#)),
            true,
            true,
        ),
        (
            "remove an enum symbol",
            record("R", &enum_of(r#""A","B","C""#, "")),
            record("R", &enum_of(r#""A","B""#, "")),
            false,
            true,
        ),
        (
            "make a field nullable",
            record("R", r#"{"name":"a","type":"string"}"#),
            record("R", r#"{"name":"a","type":["null","string"],"default":null}"#),
            true,
            false,
        ),
        (
            "add a branch to a union",
            record("R", r#"{"name":"a","type":["null","string"]}"#),
            record("R", r#"{"name":"a","type":["null","string","int"]}"#),
            true,
            false,
        ),
        (
            "union branch promoted (int in old, long in new union)",
            record("R", r#"{"name":"a","type":["null","int"]}"#),
            record("R", r#"{"name":"a","type":["null","long"]}"#),
            true,
            false,
        ),
        (
            "nested record gains a field without a default",
            nested(r#"{"name":"x","type":"int"}"#),
            nested(r#"{"name":"x","type":"int"},{"name":"y","type":"int"}"#),
            false,
            true,
        ),
        (
            "nested record gains a field with a default",
            nested(r#"{"name":"x","type":"int"}"#),
            nested(r#"{"name":"x","type":"int"},{"name":"y","type":"int","default":0}"#),
            true,
            true,
        ),
        (
            "rename a record without an alias",
            record("R", r#"{"name":"a","type":"int"}"#),
            record("S", r#"{"name":"a","type":"int"}"#),
            false,
            false,
        ),
        (
            "rename a record with an alias in the new one",
            record("R", r#"{"name":"a","type":"int"}"#),
            r#"{"type":"record","name":"S","namespace":"t","aliases":["R"],"fields":[{"name":"a","type":"int"}]}"#.into(),
            true,
            false,
        ),
        (
            "rename a field with an alias in the new one",
            record("R", r#"{"name":"a","type":"int"}"#),
            record("R", r#"{"name":"b","type":"int","aliases":["a"]}"#),
            true,
            false,
        ),
        (
            "change a fixed size",
            record("R", r#"{"name":"a","type":{"type":"fixed","name":"F","size":4}}"#),
            record("R", r#"{"name":"a","type":{"type":"fixed","name":"F","size":8}}"#),
            false,
            false,
        ),
        (
            "promote array items",
            record("R", r#"{"name":"a","type":{"type":"array","items":"int"}}"#),
            record("R", r#"{"name":"a","type":{"type":"array","items":"long"}}"#),
            true,
            false,
        ),
        (
            "change map values",
            record("R", r#"{"name":"a","type":{"type":"map","values":"string"}}"#),
            record("R", r#"{"name":"a","type":{"type":"map","values":"int"}}"#),
            false,
            false,
        ),
        (
            "logical timestamp over long reads as long",
            record("R", r#"{"name":"a","type":{"type":"long","logicalType":"timestamp-millis"}}"#),
            record("R", r#"{"name":"a","type":"long"}"#),
            true,
            true,
        ),
        (
            "recursive list unchanged",
            r#"{"type":"record","name":"Node","fields":[{"name":"v","type":"int"},{"name":"next","type":["null","Node"]}]}"#.into(),
            r#"{"type":"record","name":"Node","fields":[{"name":"v","type":"int"},{"name":"next","type":["null","Node"]}]}"#.into(),
            true,
            true,
        ),
        (
            "recursive list gains a field without a default",
            r#"{"type":"record","name":"Node","fields":[{"name":"v","type":"int"},{"name":"next","type":["null","Node"]}]}"#.into(),
            r#"{"type":"record","name":"Node","fields":[{"name":"v","type":"int"},{"name":"w","type":"int"},{"name":"next","type":["null","Node"]}]}"#.into(),
            false,
            true,
        ),
    ]
}

fn verdict(level: CompatibilityLevel, old: &str, new: &str) -> (bool, Vec<String>) {
    let report = check_compatibility(level, new, &[old]).unwrap();
    assert_eq!(report.is_compatible, report.messages.is_empty());
    (report.is_compatible, report.messages)
}

#[test]
fn every_pair_gets_the_written_down_verdict_at_every_level() {
    let mut wrong = Vec::new();
    for (case, old, new, backward, forward) in table() {
        let expected = [
            (None, true),
            (Backward, backward),
            (BackwardTransitive, backward),
            (Forward, forward),
            (ForwardTransitive, forward),
            (Full, backward && forward),
            (FullTransitive, backward && forward),
        ];
        for (level, want) in expected {
            let (got, messages) = verdict(level, &old, &new);
            if got != want {
                wrong.push(format!(
                    "{case} at {level}: expected {want}, got {got} {messages:?}"
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn reasons_name_the_field_the_path_and_the_version() {
    let (_, messages) = verdict(
        Backward,
        &record("R", r#"{"name":"a","type":"int"}"#),
        &record(
            "R",
            r#"{"name":"a","type":"int"},{"name":"level","type":"string"}"#,
        ),
    );
    assert_eq!(
        messages,
        vec![
            "field `level` of record `t.R` was added without a default, so the new schema cannot read data written with version 1 (at /fields/1)"
        ]
    );
    let (_, messages) = verdict(
        Forward,
        &record("R", r#"{"name":"a","type":"int"},{"name":"b","type":"string"}"#),
        &record("R", r#"{"name":"a","type":"int"}"#),
    );
    assert!(
        messages[0].contains("field `b` of record `t.R` was removed, but version 1 has no default"),
        "{messages:?}"
    );
    let (_, messages) = verdict(
        Forward,
        &record(
            "R",
            r#"{"name":"s","type":{"type":"enum","name":"E","symbols":["A"]}}"#,
        ),
        &record(
            "R",
            r#"{"name":"s","type":{"type":"enum","name":"E","symbols":["A","B"]}}"#,
        ),
    );
    assert!(
        messages[0].contains("enum `t.E` gained the symbols [\"B\"]"),
        "{messages:?}"
    );
    assert!(messages[0].ends_with("(at /fields/0/type)"), "{messages:?}");
    let (_, messages) = verdict(
        Backward,
        &record("R", r#"{"name":"a","type":"string"}"#),
        &record("R", r#"{"name":"a","type":"int"}"#),
    );
    assert!(
        messages[0].contains("expects `int` where version 1 has `string`"),
        "{messages:?}"
    );
}

#[test]
fn transitive_levels_check_every_earlier_version() {
    let v1 = record("R", r#"{"name":"a","type":"int"}"#);
    let v2 = record(
        "R",
        r#"{"name":"a","type":"int"},{"name":"b","type":"string","default":"x"}"#,
    );
    let v3 = record("R", r#"{"name":"a","type":"int"},{"name":"b","type":"string"}"#);
    let earlier = [v1.as_str(), v2.as_str()];
    assert!(
        check_compatibility(Backward, &v3, &earlier)
            .unwrap()
            .is_compatible
    );
    let report = check_compatibility(BackwardTransitive, &v3, &earlier).unwrap();
    assert!(!report.is_compatible);
    assert_eq!(report.messages.len(), 1);
    assert!(report.messages[0].contains("version 1"), "{:?}", report.messages);
}

#[test]
fn schemas_that_do_not_parse_are_errors_not_verdicts() {
    let err = check_compatibility(Backward, "{", &[r#""int""#]).unwrap_err();
    assert!(err.to_string().contains("invalid schema"), "{err}");
    let err = check_compatibility(Backward, r#""int""#, &[r#"{"type":"nope"}"#]).unwrap_err();
    assert!(err.to_string().contains("invalid schema"), "{err}");
}
