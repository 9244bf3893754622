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

    // Seed 004's alert: each is a closed 30-second window with more than 3 dangerous
    // events of one driver, counted as the positions say; every such window that
    // closed well before the last position (10 s of grace, and each partition's stream
    // time a little behind the newest position) is there.
    let alerts = lines(&out.join("driver_alerts.jsonl"));
    let mut expected: BTreeMap<(String, i64), i64> = BTreeMap::new();
    let mut newest = 0;
    for line in &positions {
        let csv = value(line);
        let fields: Vec<&str> = csv.split(',').collect();
        let ts: i64 = fields[0].parse().unwrap();
        newest = newest.max(ts);
        if fields[4] != "Normal" {
            *expected
                .entry((fields[2].to_owned(), ts / 30_000 * 30_000))
                .or_default() += 1;
        }
    }
    expected.retain(|_, n| *n > 3);
    assert!(!alerts.is_empty(), "the reckless driver raises alerts");
    let mut seen = BTreeMap::new();
    for line in &alerts {
        let a: Value = serde_json::from_str(&value(line)).unwrap();
        let key = (
            a["driverId"].as_str().unwrap().to_owned(),
            a["windowStart"].as_i64().unwrap(),
        );
        assert_eq!(a["windowEnd"].as_i64().unwrap(), key.1 + 30_000);
        assert_eq!(expected.get(&key), a["dangerousEvents"].as_i64().as_ref(), "{a}");
        assert!(seen.insert(key, ()).is_none(), "one alert per window: {a}");
    }
    for (key, _) in expected
        .iter()
        .filter(|((_, start), _)| start + 30_000 + 10_000 + 5_000 <= newest)
    {
        assert!(seen.contains_key(key), "no alert for {key:?}");
    }
    std::fs::remove_dir_all(&out).unwrap();
}
