//! The `source` block of a Debezium event, for PostgreSQL, MySQL and SQL Server.

use serde_json::{Map, Value as Json};

use crate::error::Result;
use crate::event::{Position, Source};
use crate::json::Fields;

/// Fields the model holds in typed form; everything else goes to `Source::extra`.
const COMMON: &[&str] = &["connector", "name", "db", "schema", "table", "ts_ms", "snapshot"];

pub(super) fn decode(block: &Map<String, Json>, f: &Fields<'_>) -> Result<Source> {
    let connector = f.opt_str(block, "connector")?;
    let snapshot = match block.get("snapshot") {
        None => None,
        Some(v) => snapshot(v).ok_or_else(|| f.wrong("snapshot", "a string or boolean", v))?,
    };
    let mut rest: Map<String, Json> = block
        .iter()
        .filter(|(k, _)| !COMMON.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let position = position(connector.as_deref(), &mut rest, f)?;
    Ok(Source {
        connector,
        name: f.opt_str(block, "name")?,
        db: f.opt_str(block, "db")?,
        schema: f.opt_str(block, "schema")?,
        table: f.opt_str(block, "table")?,
        ts_ms: f.opt_i64(block, "ts_ms")?,
        snapshot,
        position,
        extra: rest,
    })
}

/// The `snapshot` field: `"false"` (or false, or null) means the event was not read by
/// a snapshot. `None` when the JSON is neither a string, a boolean nor null.
pub(super) fn snapshot(v: &Json) -> Option<Option<String>> {
    match v {
        Json::Null | Json::Bool(false) => Some(None),
        Json::String(s) if s == "false" => Some(None),
        Json::Bool(true) => Some(Some("true".to_owned())),
        Json::String(s) => Some(Some(s.clone())),
        _ => None,
    }
}

/// The fields of a `connector`'s source block that make its log position.
pub(super) fn positional_fields(connector: Option<&str>) -> &'static [&'static str] {
    match connector {
        Some("postgresql") => &["lsn", "txId"],
        Some("mysql" | "mariadb") => &["file", "pos", "row", "gtid", "server_id"],
        Some("sqlserver") => &["change_lsn", "commit_lsn", "event_serial_no"],
        Some("replicate") => &["change_sequence", "stream_position"],
        _ => &[],
    }
}

/// The log position of a `connector`'s source block, taken out of `fields` (what is
/// left are the fields the model does not hold).
pub(super) fn position(
    connector: Option<&str>,
    fields: &mut Map<String, Json>,
    f: &Fields<'_>,
) -> Result<Position> {
    let position = match connector {
        Some("postgresql") => Position::Postgres {
            lsn: f.opt_i64(fields, "lsn")?,
            tx_id: f.opt_i64(fields, "txId")?,
        },
        Some("mysql" | "mariadb") => Position::MySql {
            file: f.opt_str(fields, "file")?.unwrap_or_default(),
            pos: f.opt_i64(fields, "pos")?.unwrap_or_default(),
            row: f.opt_i64(fields, "row")?.unwrap_or_default(),
            gtid: f.opt_str(fields, "gtid")?,
            server_id: f.opt_i64(fields, "server_id")?,
        },
        Some("sqlserver") => Position::SqlServer {
            change_lsn: f.opt_str(fields, "change_lsn")?,
            commit_lsn: f.opt_str(fields, "commit_lsn")?,
            event_serial_no: f.opt_i64(fields, "event_serial_no")?,
        },
        Some("replicate") => Position::Replicate {
            change_sequence: f.opt_str(fields, "change_sequence")?.unwrap_or_default(),
            stream_position: f.opt_str(fields, "stream_position")?.unwrap_or_default(),
        },
        _ => Position::None,
    };
    let positional = positional_fields(connector);
    if !positional.is_empty() {
        fields.retain(|k, _| !positional.contains(&k.as_str()));
    }
    Ok(position)
}

pub(super) fn encode(source: &Source) -> Json {
    let mut block = Map::new();
    let mut put = |k: &str, v: Json| {
        block.insert(k.to_owned(), v);
    };
    put(
        "connector",
        source.connector.clone().map_or(Json::Null, Json::String),
    );
    put("name", source.name.clone().map_or(Json::Null, Json::String));
    put("ts_ms", source.ts_ms.map_or(Json::Null, Json::from));
    put(
        "snapshot",
        Json::String(source.snapshot.clone().unwrap_or_else(|| "false".to_owned())),
    );
    put("db", source.db.clone().map_or(Json::Null, Json::String));
    if let Some(schema) = &source.schema {
        put("schema", Json::String(schema.clone()));
    }
    put("table", source.table.clone().map_or(Json::Null, Json::String));
    let opt_str = |v: &Option<String>| v.clone().map_or(Json::Null, Json::String);
    let opt_i64 = |v: &Option<i64>| v.map_or(Json::Null, Json::from);
    match &source.position {
        Position::None => {}
        Position::Postgres { lsn, tx_id } => {
            put("txId", opt_i64(tx_id));
            put("lsn", opt_i64(lsn));
        }
        Position::MySql {
            file,
            pos,
            row,
            gtid,
            server_id,
        } => {
            put("server_id", opt_i64(server_id));
            put("gtid", opt_str(gtid));
            put("file", Json::String(file.clone()));
            put("pos", Json::from(*pos));
            put("row", Json::from(*row));
        }
        Position::SqlServer {
            change_lsn,
            commit_lsn,
            event_serial_no,
        } => {
            put("change_lsn", opt_str(change_lsn));
            put("commit_lsn", opt_str(commit_lsn));
            put("event_serial_no", opt_i64(event_serial_no));
        }
        Position::Replicate {
            change_sequence,
            stream_position,
        } => {
            put("change_sequence", Json::String(change_sequence.clone()));
            put("stream_position", Json::String(stream_position.clone()));
        }
    }
    for (k, v) in &source.extra {
        block.insert(k.clone(), v.clone());
    }
    Json::Object(block)
}
