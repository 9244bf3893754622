# The golden file of cdc-core's Unwrap (cdc-core/tests/golden/unwrap/outputs.json): what
# Debezium 3.6.1's own ExtractNewRecordState gives for every record of records.json under
# every configuration of configs.json, written by peers/debezium-unwrap (a Maven module
# of its own: Debezium brings Kafka Connect 4.3, which must not meet the 4.4 clients of
# peers/pom.xml). `cargo test` compares Unwrap with the committed file; these functions
# keep that file honest. Sourced after common.sh.
#   unwrap_goldens_check    regenerates the outputs into a temp file and fails, printing a
#                           diff, when they differ from the committed file.
#   unwrap_goldens_update   regenerates the committed file (after a change to the records
#                           or the configurations).

UNWRAP_GOLDENS="$STREAMKIT_ROOT/cdc-core/tests/golden/unwrap"
UNWRAP_PEER="$STREAMKIT_ROOT/peers/debezium-unwrap"

unwrap_peer_build() {
  mvn_q -f "$UNWRAP_PEER/pom.xml" package -DskipTests
}

# Runs the real transform over the inputs into file $1.
unwrap_goldens_generate() {
  java -cp "$UNWRAP_PEER/target/classes:$(cat "$UNWRAP_PEER/target/classpath.txt")" \
    dev.streamkit.peers.unwrap.UnwrapGoldens \
    "$UNWRAP_GOLDENS/records.json" "$UNWRAP_GOLDENS/configs.json" "$1"
}

unwrap_goldens_check() {
  unwrap_peer_build
  golden_file_check "unwrap goldens" "$UNWRAP_GOLDENS/outputs.json" unwrap_goldens_generate \
    unwrap_goldens_update "Debezium's ExtractNewRecordState"
}

unwrap_goldens_update() {
  unwrap_peer_build
  unwrap_goldens_generate "$UNWRAP_GOLDENS/outputs.json" || return 1
  echo "unwrap goldens: $UNWRAP_GOLDENS/outputs.json regenerated; run cdc-core's unwrap_golden test"
}
