# The real-Debezium corpus of cdc-core (cdc-core/tests/corpus/debezium/): every record
# Debezium's embedded engine emits for a scripted set of changes to the test PostgreSQL
# and MariaDB, through Kafka's JsonConverter with and without schemas. Written by the
# Java side (peers/debezium, dev.streamkit.peers.debezium.CorpusRunner) against the
# servers services_start starts; cdc-core's test `debezium_corpus` decodes, checks and
# re-encodes every record. Sourced after common.sh and services.sh.
#   corpus_build     compiles the runner and resolves its two classpaths (Debezium 3.6.1
#                    with its PostgreSQL connector; 3.5.0 with its MariaDB connector)
#   corpus_check     runs every scenario against the servers into $CORPUS_FRESH (the raw
#                    output, kept for `cargo test`, which round-trips it too: exports
#                    STREAMKIT_DEBEZIUM_CORPUS_FRESH) and a temp dir (normalised), and fails,
#                    printing a diff, when the normalised output differs from the committed
#                    corpus
#   corpus_update    regenerates the committed corpus in place (after a change to the
#                    scripts, the runner or the Debezium versions)

CORPUS_DIR="$STREAMKIT_ROOT/cdc-core/tests/corpus/debezium"
CORPUS_FRESH="$CACHE/debezium-corpus/raw"
CORPUS_PEER="$STREAMKIT_ROOT/peers/debezium"

corpus_build() {
  mvn_q -f "$CORPUS_PEER/pom.xml" package -DskipTests
  mvn_q -f "$CORPUS_PEER/mariadb/pom.xml" dependency:build-classpath -Dmdep.includeScope=runtime \
    -Dmdep.outputFile="$CORPUS_PEER/target/classpath-mariadb.txt"
  echo "corpus runner built (Debezium $(sed -n 's:.*<debezium.version>\(.*\)</debezium.version>.*:\1:p' \
    "$CORPUS_PEER/pom.xml") for PostgreSQL, $(sed -n 's:.*<debezium.version>\(.*\)</debezium.version>.*:\1:p' \
    "$CORPUS_PEER/mariadb/pom.xml") for MariaDB)"
}

# Runs every scenario: normalised records into $1, raw ones into $2.
corpus_generate() {
  local classes="$CORPUS_PEER/target/classes"
  [[ -f "$CORPUS_PEER/target/classpath.txt" && -f "$CORPUS_PEER/target/classpath-mariadb.txt" ]] \
    || corpus_build
  mkdir -p "$1" "$2"
  java -cp "$classes:$(cat "$CORPUS_PEER/target/classpath.txt")" \
    dev.streamkit.peers.debezium.CorpusRunner "$1" "$2" \
    postgres postgres-string-modes postgres-double-modes
  java -cp "$classes:$(cat "$CORPUS_PEER/target/classpath-mariadb.txt")" \
    dev.streamkit.peers.debezium.CorpusRunner "$1" "$2" mariadb
}

corpus_check() {
  local tmp
  tmp="$(mktemp -d)"
  rm -rf "$CORPUS_FRESH"
  if ! corpus_generate "$tmp" "$CORPUS_FRESH"; then
    rm -rf "$tmp"
    echo "corpus: the Debezium runner failed" >&2
    return 1
  fi
  export STREAMKIT_DEBEZIUM_CORPUS_FRESH="$CORPUS_FRESH"
  local committed=("$CORPUS_DIR"/*.jsonl) fresh=("$tmp"/*.jsonl)
  if [[ "${committed[*]##*/}" != "${fresh[*]##*/}" ]]; then
    echo "corpus: the runner wrote ${fresh[*]##*/}; the committed corpus has ${committed[*]##*/}" >&2
    rm -rf "$tmp"
    return 1
  fi
  local f failed=0
  for f in "${fresh[@]}"; do
    if ! cmp -s "$CORPUS_DIR/${f##*/}" "$f"; then
      failed=1
      echo "corpus: ${f##*/} differs (- committed, + Debezium now; lines cut at 300 characters):" >&2
      diff -u "$CORPUS_DIR/${f##*/}" "$f" | cut -c1-300 | head -60 >&2
    fi
  done
  rm -rf "$tmp"
  if ((failed)); then
    echo "corpus: Debezium's output differs from $CORPUS_DIR; if the change is intended," \
      "run corpus_update and commit" >&2
    return 1
  fi
  echo "corpus: the committed files are what Debezium emits (${#fresh[@]} files; raw output in $CORPUS_FRESH)"
}

corpus_update() {
  local tmp
  corpus_build
  tmp="$(mktemp -d)"
  rm -rf "$CORPUS_FRESH"
  if ! corpus_generate "$tmp" "$CORPUS_FRESH"; then
    rm -rf "$tmp"
    return 1
  fi
  mkdir -p "$CORPUS_DIR"
  rm -f "$CORPUS_DIR"/*.jsonl
  cp "$tmp"/*.jsonl "$CORPUS_DIR/"
  rm -rf "$tmp"
  echo "corpus: $CORPUS_DIR regenerated; run cdc-core's debezium_corpus test to compare"
}
