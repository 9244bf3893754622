# The Java peers (peers/pom.xml): Kafka Streams, its TopologyTestDriver and the Java
# client. Sourced after common.sh.
#   peers_build   compiles them; exports STREAMKIT_PEERS_CLASSPATH for the Rust tests
#                 and harnesses that run a peer (`java -cp "$STREAMKIT_PEERS_CLASSPATH" ...`)

peers_build() {
  mvn_q -f "$STREAMKIT_ROOT/peers/pom.xml" package -DskipTests
  STREAMKIT_PEERS_CLASSPATH="$STREAMKIT_ROOT/peers/target/classes:$(cat "$STREAMKIT_ROOT/peers/target/classpath.txt")"
  export STREAMKIT_PEERS_CLASSPATH
  echo "peers built with $(java -version 2>&1 | head -1)"
}
