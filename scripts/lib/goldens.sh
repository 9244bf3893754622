# The golden files of the Kafka Streams differential suite (kstream/tests/differential/):
# what Kafka Streams outputs for each scenario, written by the Java side (peers/,
# dev.streamkit.peers.streams.GenerateGoldens): through its own TopologyTestDriver, or, for
# a scenario of "runner": "broker", as a real KafkaStreams application on the broker of
# KAFKA_BOOTSTRAP_SERVERS (kafka_start in kafka.sh exports it; scripts/test starts the
# broker before the goldens step; in a shell, scripts/services starts one). Without that
# variable the broker scenarios fail, each named. `cargo test` compares kstream with the
# committed files; these functions keep those files honest. Sourced after common.sh and
# peers.sh.
#   goldens_check    (needs STREAMKIT_PEERS_CLASSPATH, from peers_build) regenerates every
#                    golden into a temp dir and fails, printing a diff, when one differs from
#                    the committed files. Skipped when peers/pom.xml, peers/src, the scenarios
#                    and the committed goldens hash the same as at the last successful check
#                    ($CACHE/goldens.hash).
#   goldens_update   regenerates the committed goldens in place (after a change to the
#                    scenarios or the Java catalogue); builds the peers if needed.

GOLDENS_SUITE="$STREAMKIT_ROOT/kstream/tests/differential"
GOLDENS_HASH_FILE="$CACHE/goldens.hash"

# One sha256 over the inputs of the goldens: each file's path and content hash, sorted.
goldens_inputs_hash() {
  (
    cd "$STREAMKIT_ROOT" &&
      find peers/pom.xml peers/src kstream/tests/differential/scenarios \
        kstream/tests/differential/golden -type f -print0 |
      LC_ALL=C sort -z | xargs -0 sha256sum
  ) | sha256sum | cut -d' ' -f1
}

# Runs the Java side over every scenario into directory $1.
goldens_generate() {
  if [[ -z "${STREAMKIT_PEERS_CLASSPATH:-}" ]]; then
    echo "goldens: STREAMKIT_PEERS_CLASSPATH is not set (run peers_build first)" >&2
    return 1
  fi
  java -cp "$STREAMKIT_PEERS_CLASSPATH" dev.streamkit.peers.streams.GenerateGoldens \
    "$GOLDENS_SUITE/scenarios" "$1"
}

goldens_check() {
  local hash tmp
  hash="$(goldens_inputs_hash)"
  if [[ -f "$GOLDENS_HASH_FILE" && "$(cat "$GOLDENS_HASH_FILE")" == "$hash" ]]; then
    echo "goldens: peers and scenarios unchanged since the last check (cargo test compares kstream with them)"
    return 0
  fi
  tmp="$(mktemp -d)"
  if ! goldens_generate "$tmp"; then
    rm -rf "$tmp"
    echo "goldens: the Java side failed" >&2
    return 1
  fi
  if ! diff -ru "$GOLDENS_SUITE/golden" "$tmp"; then
    rm -rf "$tmp"
    echo "goldens: Kafka Streams' output (+) differs from the committed goldens (-) in" \
      "$GOLDENS_SUITE/golden; if the change is intended, run goldens_update and commit" >&2
    return 1
  fi
  rm -rf "$tmp"
  echo "$hash" >"$GOLDENS_HASH_FILE"
  echo "goldens: the committed files are what Kafka Streams outputs"
}

goldens_update() {
  local tmp
  [[ -n "${STREAMKIT_PEERS_CLASSPATH:-}" ]] || peers_build
  tmp="$(mktemp -d)"
  if ! goldens_generate "$tmp"; then
    rm -rf "$tmp"
    return 1
  fi
  rm -f "$GOLDENS_SUITE/golden"/*.json
  mkdir -p "$GOLDENS_SUITE/golden"
  cp "$tmp"/*.json "$GOLDENS_SUITE/golden/"
  rm -rf "$tmp"
  echo "goldens: $GOLDENS_SUITE/golden regenerated; run the kstream test to compare"
}
