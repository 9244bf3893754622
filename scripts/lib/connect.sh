# The golden file of connect-sdk's Kafka Connect differential test
# (connect-sdk/tests/golden/outputs.json): what Kafka Connect 4.4's own transforms and
# JsonConverter give for every record of records.json under every case of cases.json,
# written by the peers (dev.streamkit.peers.connect.ConnectGoldens). `cargo test`
# compares connect-sdk with the committed file; these functions keep that file honest.
# Sourced after common.sh and peers.sh.
#   connect_goldens_check    regenerates the outputs into a temp file and fails, printing
#                            a diff, when they differ from the committed file.
#   connect_goldens_update   regenerates the committed file (after a change to the
#                            records or the cases).

CONNECT_GOLDENS="$STREAMKIT_ROOT/connect-sdk/tests/golden"

# Runs Kafka's transforms and converter over the corpus into file $1.
connect_goldens_generate() {
  [[ -n "${STREAMKIT_PEERS_CLASSPATH:-}" ]] || peers_build
  java -cp "$STREAMKIT_PEERS_CLASSPATH" dev.streamkit.peers.connect.ConnectGoldens \
    "$CONNECT_GOLDENS/records.json" "$CONNECT_GOLDENS/cases.json" "$1"
}

connect_goldens_check() {
  golden_file_check "connect goldens" "$CONNECT_GOLDENS/outputs.json" connect_goldens_generate \
    connect_goldens_update "Kafka Connect's transforms, converter and ConfigDef"
}

connect_goldens_update() {
  connect_goldens_generate "$CONNECT_GOLDENS/outputs.json" || return 1
  echo "connect goldens: $CONNECT_GOLDENS/outputs.json regenerated; run connect-sdk's kafka_goldens test"
}

# The golden file of connect-sdk's REST differential test
# (connect-sdk/tests/golden/rest/responses.json): what Kafka Connect 4.4's standalone
# worker answers to the REST calls of rest/sequence.json, written by the peers
# (dev.streamkit.peers.connect.RestGoldens, which runs the worker against the broker of
# $KAFKA_BOOTSTRAP_SERVERS: kafka_start or scripts/services).
#   connect_rest_goldens_check    regenerates the responses into a temp file and fails,
#                                 printing a diff, when they differ from the committed file.
#   connect_rest_goldens_update   regenerates the committed file (after a change to the
#                                 sequence).

CONNECT_REST_GOLDENS="$CONNECT_GOLDENS/rest"

# Runs Kafka Connect's worker through the sequence into file $1.
connect_rest_goldens_generate() {
  if [[ -z "${KAFKA_BOOTSTRAP_SERVERS:-}" ]]; then
    echo "connect REST goldens: no broker (KAFKA_BOOTSTRAP_SERVERS); start one with scripts/services" >&2
    return 1
  fi
  [[ -n "${STREAMKIT_PEERS_CLASSPATH:-}" ]] || peers_build
  java -cp "$STREAMKIT_PEERS_CLASSPATH" dev.streamkit.peers.connect.RestGoldens \
    "$CONNECT_REST_GOLDENS/sequence.json" "$1" "$KAFKA_BOOTSTRAP_SERVERS"
}

connect_rest_goldens_check() {
  golden_file_check "connect REST goldens" "$CONNECT_REST_GOLDENS/responses.json" \
    connect_rest_goldens_generate connect_rest_goldens_update "Kafka Connect's standalone worker"
}

connect_rest_goldens_update() {
  connect_rest_goldens_generate "$CONNECT_REST_GOLDENS/responses.json" || return 1
  echo "connect REST goldens: $CONNECT_REST_GOLDENS/responses.json regenerated"
}
