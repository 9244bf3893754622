//! Windows: tumbling, hopping, sliding and session windowed aggregations (count,
//! reduce, aggregate), emit-on-window-close, suppression (of windowed results until
//! their window closes, of a table's updates until a time limit), stream-stream joins
//! over join windows, and windowed keys written with Kafka's windowed serdes
//! (`WindowTopologies.java`). Input `in` has string keys and values; a windowed key is
//! written as `key@start/end` (epoch milliseconds) unless the topology writes the
//! windowed serde's bytes.

use std::time::Duration;

use kstream::{
    BufferConfig, EmitStrategy, Grouped, I64Serde, JoinWindows, KGroupedStream, KTable, Materialized,
    Produced, SessionWindowedSerde, SessionWindows, SlidingWindows, StreamJoined, StreamsBuilder,
    StringSerde, Suppressed, TimeWindowedSerde, TimeWindows, Topology, Windowed,
};

use super::catalogue::{Catalogue, string_store, strings, to_optional_longs, to_optional_strings};

pub fn register(c: &mut Catalogue) {
    c.add("window_tumbling_count", tumbling_count);
    c.add("window_hopping_count", hopping_count);
    c.add("window_tumbling_reduce", tumbling_reduce);
    c.add("window_tumbling_aggregate", tumbling_aggregate);
    c.add("window_sliding_count", sliding_count);
    c.add("window_sliding_aggregate", sliding_aggregate);
    c.add("window_session_count", session_count);
    c.add("window_session_aggregate", session_aggregate);
    c.add("window_tumbling_emit_final", tumbling_emit_final);
    c.add("window_suppress_final", suppress_final);
    c.add("window_suppress_alert", suppress_alert);
    c.add("table_suppress_time_limit", table_suppress_time_limit);
    c.add("table_suppress_emit_early", table_suppress_emit_early);
    c.add("stream_join_windowed_inner", || {
        stream_join(Kind::Inner, join_windows()?)
    });
    c.add("stream_join_windowed_left", || {
        stream_join(Kind::Left, join_windows()?)
    });
    c.add("stream_join_windowed_outer", || {
        stream_join(Kind::Outer, join_windows()?)
    });
    c.add("stream_join_windowed_asymmetric", || {
        let windows = JoinWindows::of_time_difference_with_no_grace(secs(5))?
            .before(secs(1))?
            .after(secs(3))?;
        stream_join(Kind::Inner, windows)
    });
    c.add("window_tumbling_serde", tumbling_serde);
    c.add("window_session_serde", session_serde);
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// Tumbling windows of 10 s, records accepted up to 5 s after a window's end.
fn tumbling() -> kstream::Result<TimeWindows> {
    TimeWindows::of_size_and_grace(secs(10), secs(5))
}

/// Sliding windows: records at most 5 s apart, accepted up to 10 s late.
fn sliding() -> kstream::Result<SlidingWindows> {
    SlidingWindows::of_time_difference_and_grace(secs(5), secs(10))
}

/// Sessions closed by 5 s of inactivity, records accepted up to 10 s after a session's
/// end.
fn sessions() -> kstream::Result<SessionWindows> {
    SessionWindows::of_inactivity_gap_and_grace(secs(5), secs(10))
}

/// Records joined when at most 5 s apart, accepted up to 2 s late.
fn join_windows() -> kstream::Result<JoinWindows> {
    JoinWindows::of_time_difference_and_grace(secs(5), secs(2))
}

/// A named store of string keys and long values.
fn long_store(name: &str) -> Materialized<String, i64> {
    Materialized::with(StringSerde, I64Serde).named(name)
}

/// A store of string keys and long values, named by Kafka's counter.
fn unnamed_longs() -> Materialized<String, i64> {
    Materialized::with(StringSerde, I64Serde)
}

/// A store of string keys and values, named by Kafka's counter.
fn unnamed_strings() -> Materialized<String, String> {
    Materialized::with(StringSerde, StringSerde)
}

/// A windowed key as text, Kafka's style: `key@start/end`.
fn at(k: &Windowed<String>) -> Option<String> {
    Some(format!("{}@{}/{}", k.key, k.window.start, k.window.end))
}

fn grouped(b: &StreamsBuilder) -> KGroupedStream<'_, String, String> {
    b.stream("in", strings())
        .group_by_key(Grouped::with(StringSerde, StringSerde))
}

/// A windowed table's updates (`None`: a merged session's deletion) with their keys as
/// text, to `out`.
fn write<V: Clone + 'static>(table: KTable<'_, Windowed<String>, V>, produced: Produced<String, Option<V>>) {
    table.to_stream().map(|k, v| (at(&k), v)).to("out", produced);
}

fn tumbling_count() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    write(
        grouped(&b)
            .windowed_by(tumbling()?)
            .count(long_store("tumbling-counts")),
        to_optional_longs(StringSerde),
    );
    b.build()
}

fn hopping_count() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    let hopping = TimeWindows::of_size_and_grace(secs(10), secs(2))?.advance_by(secs(5))?;
    write(
        grouped(&b).windowed_by(hopping).count(unnamed_longs()),
        to_optional_longs(StringSerde),
    );
    b.build()
}

fn tumbling_reduce() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    write(
        grouped(&b).windowed_by(tumbling()?).reduce(
            |agg: String, v: String| format!("{agg}|{v}"),
            string_store("tumbling-reduced"),
        ),
        to_optional_strings(),
    );
    b.build()
}

fn tumbling_aggregate() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    write(
        grouped(&b).windowed_by(tumbling()?).aggregate(
            String::new,
            |_: &String, v: String, agg: String| agg + &v,
            unnamed_strings(),
        ),
        to_optional_strings(),
    );
    b.build()
}

fn sliding_count() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    write(
        grouped(&b)
            .windowed_by_sliding(sliding()?)
            .count(long_store("sliding-counts")),
        to_optional_longs(StringSerde),
    );
    b.build()
}

fn sliding_aggregate() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    write(
        grouped(&b).windowed_by_sliding(sliding()?).aggregate(
            String::new,
            |_: &String, v: String, agg: String| agg + &v,
            unnamed_strings(),
        ),
        to_optional_strings(),
    );
    b.build()
}

fn session_count() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    write(
        grouped(&b)
            .windowed_by_session(sessions()?)
            .count(long_store("session-counts")),
        to_optional_longs(StringSerde),
    );
    b.build()
}

/// Kafka merges each session a record joins into the initial aggregate ("") before the
/// record's value is appended: `merger("", older)`, then `merger(that, newer)`.
fn session_aggregate() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    write(
        grouped(&b).windowed_by_session(sessions()?).aggregate(
            String::new,
            |_: &String, v: String, agg: String| agg + &v,
            |_: &String, a1: String, a2: String| format!("{a1}+{a2}"),
            unnamed_strings(),
        ),
        to_optional_strings(),
    );
    b.build()
}

fn tumbling_emit_final() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    write(
        grouped(&b)
            .windowed_by(tumbling()?)
            .emit_strategy(EmitStrategy::on_window_close())
            .count(long_store("final-counts")),
        to_optional_longs(StringSerde),
    );
    b.build()
}

fn suppress_final() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    write(
        grouped(&b)
            .windowed_by(TimeWindows::of_size_and_grace(secs(10), secs(2))?)
            .count(unnamed_longs())
            .suppress(Suppressed::until_window_closes(BufferConfig::unbounded())),
        to_optional_longs(StringSerde),
    );
    b.build()
}

/// Dangerous-driving alerts: events per driver in tumbling windows of 30 s (grace
/// 10 s), suppressed until the window closes; only the drivers with more than 3
/// events in a window are written, to `alerts`.
fn suppress_alert() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    grouped(&b)
        .windowed_by(TimeWindows::of_size_and_grace(secs(30), secs(10))?)
        .count(long_store("driver-counts"))
        .suppress(Suppressed::until_window_closes(BufferConfig::unbounded()))
        .to_stream()
        .filter(|_, v: &Option<i64>| v.is_some_and(|n| n > 3))
        .map(|k, v| (at(&k), v))
        .to("alerts", to_optional_longs(StringSerde));
    b.build()
}

fn table_suppress_time_limit() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    grouped(&b)
        .count(long_store("counts"))
        .suppress(Suppressed::until_time_limit(
            secs(5),
            BufferConfig::max_records(100),
        ))
        .to_stream()
        .to("out", to_optional_longs(StringSerde));
    b.build()
}

fn table_suppress_emit_early() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    grouped(&b)
        .count(unnamed_longs())
        .suppress(Suppressed::until_time_limit(
            secs(60),
            BufferConfig::max_records(2).emit_early_when_full(),
        ))
        .to_stream()
        .to("out", to_optional_longs(StringSerde));
    b.build()
}

enum Kind {
    Inner,
    Left,
    Outer,
}

/// Java's `"" + s` for the side a left or outer join may miss.
fn or_null(s: Option<&String>) -> &str {
    s.map_or("null", String::as_str)
}

/// Streams `left` and `right` joined within `windows`, values as "l+r" ("null" for the
/// missing side of a left or outer join, as Java's string concatenation prints it).
fn stream_join(kind: Kind, windows: JoinWindows) -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    let left = b.stream("left", strings());
    let right = b.stream("right", strings());
    let joined = StreamJoined::with(StringSerde, StringSerde, StringSerde);
    let out = match kind {
        Kind::Inner => left.join_windowed(
            &right,
            |l: &String, r: &String| format!("{l}+{r}"),
            windows,
            joined,
        ),
        Kind::Left => left.left_join_windowed(
            &right,
            |l: &String, r: Option<&String>| format!("{l}+{}", or_null(r)),
            windows,
            joined,
        ),
        Kind::Outer => left.outer_join_windowed(
            &right,
            |l: Option<&String>, r: Option<&String>| format!("{}+{}", or_null(l), or_null(r)),
            windows,
            joined,
        ),
    };
    out.to("out", Produced::with(StringSerde, StringSerde));
    b.build()
}

/// Tumbling counts written with Kafka's time-windowed serde (key bytes, then the
/// start).
fn tumbling_serde() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    grouped(&b)
        .windowed_by(tumbling()?)
        .count(unnamed_longs())
        .to_stream()
        .to(
            "out",
            to_optional_longs(TimeWindowedSerde::new(StringSerde, secs(10))),
        );
    b.build()
}

/// Session counts written with Kafka's session-windowed serde (key bytes, then the end
/// and the start), in store `session-serde-counts`.
fn session_serde() -> kstream::Result<Topology> {
    let b = StreamsBuilder::new();
    grouped(&b)
        .windowed_by_session(sessions()?)
        .count(long_store("session-serde-counts"))
        .to_stream()
        .to("out", to_optional_longs(SessionWindowedSerde::new(StringSerde)));
    b.build()
}
