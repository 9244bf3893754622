//! The trucking binary end to end on the embedded log: every topic written as JSON
//! lines, dangerous events exactly the non-`Normal` positions, each joined with its
//! driver (driver 13 is missing from the table on purpose).

use std::collections::BTreeMap;

use serde_json::Value;

fn lines(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn value(line: &Value) -> String {
    line["value"].as_str().unwrap().to_owned()
}

#[test]
fn trucking_writes_every_topic_and_joins_each_event_with_its_driver() {
    let out = std::env::temp_dir().join(format!("trucking-test-{}", std::process::id()));
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_trucking"))
        .args(["--records", "3000", "--seed", "7", "--out-dir"])
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());

    let positions = lines(&out.join("truck_position.jsonl"));
    let drivers = lines(&out.join("trucking_driver.jsonl"));
    let dangerous = lines(&out.join("dangerous_driving.jsonl"));
    let joined = lines(&out.join("dangerous_driving_and_driver.jsonl"));
    assert_eq!(positions.len(), 3000);
    assert_eq!(drivers.len(), 99);

    let not_normal = positions
        .iter()
        .filter(|l| value(l).split(',').nth(4) != Some("Normal"))
        .count();
    assert!(not_normal > 0);
    assert_eq!(
        dangerous.len(),
        not_normal,
        "dangerous_driving holds exactly the non-Normal positions"
    );
    assert_eq!(joined.len(), not_normal);

    let names: BTreeMap<i64, String> = drivers
        .iter()
        .map(|l| {
            let d: Value = serde_json::from_str(&value(l)).unwrap();
            (
                d["id"].as_i64().unwrap(),
                d["firstName"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for line in &joined {
        let j: Value = serde_json::from_str(&value(line)).unwrap();
        let driver = j["driverId"].as_i64().unwrap();
        assert_ne!(j["eventType"], "Normal");
        match names.get(&driver) {
            Some(name) => assert_eq!(j["firstName"].as_str(), Some(name.as_str()), "{j}"),
            None => {
                assert_eq!(driver, 13);
                assert!(j["firstName"].is_null());
            }
        }
    }
    std::fs::remove_dir_all(&out).unwrap();
}
