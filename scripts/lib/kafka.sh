# The test broker: Apache Kafka 4.4 from Maven Central, one KRaft node (broker and
# controller in one JVM) on 127.0.0.1. Sourced after common.sh and tls.sh.
#   kafka_fetch   jars into $CACHE/kafka/libs (once per pom change)
#   kafka_start   fresh storage and TLS material, start, wait until it serves; exports
#                 KAFKA_BOOTSTRAP_SERVERS         PLAINTEXT
#                 KAFKA_SSL_BOOTSTRAP_SERVERS     SSL, client certificate required
#                 KAFKA_SASL_SSL_BOOTSTRAP_SERVERS  SASL_SSL: SCRAM-SHA-512 and PLAIN
#                 KAFKA_TLS_DIR                   the CA and certificates (tls_make)
#                 KAFKA_SCRAM_USER/_PASSWORD, KAFKA_PLAIN_USER/_PASSWORD
#   kafka_stop    stops the broker this shell started

# The secured listeners' users, throwaway like the broker.
export KAFKA_SCRAM_USER=streamkit-scram KAFKA_SCRAM_PASSWORD=scram-Pw-7f3c9e1d
export KAFKA_PLAIN_USER=streamkit-plain KAFKA_PLAIN_PASSWORD=plain-Pw-5b2a8c4e

KAFKA_HOME="$CACHE/kafka"
KAFKA_PID=""

kafka_fetch() {
  local pom="$STREAMKIT_ROOT/peers/broker/pom.xml"
  local stamp
  stamp="$(sha256sum "$pom" | cut -d' ' -f1)"
  if [[ "$(cat "$KAFKA_HOME/libs.stamp" 2>/dev/null)" == "$stamp" ]]; then
    echo "Kafka jars cached in $KAFKA_HOME/libs"
    return 0
  fi
  rm -rf "$KAFKA_HOME/libs"
  mvn_q -f "$pom" dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$KAFKA_HOME/libs"
  echo "$stamp" >"$KAFKA_HOME/libs.stamp"
  echo "Kafka jars fetched into $KAFKA_HOME/libs ($(ls "$KAFKA_HOME/libs" | wc -l) jars)"
}

kafka_start() {
  local port controller ssl sasl dir tls
  port="$(free_port "${KAFKA_PORT:-9092}")"
  controller="$(free_port $((port + 1)))"
  ssl="$(free_port $((controller + 1)))"
  sasl="$(free_port $((ssl + 1)))"
  dir="$KAFKA_HOME/run-$port"
  tls="$dir/tls"
  rm -rf "$dir"
  mkdir -p "$dir/data"
  tls_make "$tls"
  cat >"$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller,SSL://127.0.0.1:$ssl,SASL_SSL://127.0.0.1:$sasl
advertised.listeners=PLAINTEXT://127.0.0.1:$port,SSL://127.0.0.1:$ssl,SASL_SSL://127.0.0.1:$sasl
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL
# TLS on both secured listeners, PEM files; SSL requires a client certificate.
ssl.keystore.type=PEM
ssl.keystore.location=$tls/broker-keystore.pem
ssl.truststore.type=PEM
ssl.truststore.location=$tls/ca.pem
listener.name.ssl.ssl.client.auth=required
# SASL_SSL: SCRAM-SHA-512 (users in the metadata log, added by the storage format) and
# PLAIN (users in the JAAS configuration).
sasl.enabled.mechanisms=SCRAM-SHA-512,PLAIN
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$KAFKA_PLAIN_USER="$KAFKA_PLAIN_PASSWORD";
log.dirs=$dir/data
num.partitions=1
offsets.topic.num.partitions=8
offsets.topic.replication.factor=1
transaction.state.log.num.partitions=8
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
log.cleaner.backoff.ms=100
log.retention.check.interval.ms=1000
# Tests write records with fixed timestamps years old: no time-based deletion unless a
# topic asks for it.
log.retention.ms=-1
auto.create.topics.enable=false
PROPS
  local java_opts=(-Xms256m -Xmx1g -XX:+UseG1GC -Djava.awt.headless=true
    "-Dlog4j2.configurationFile=$STREAMKIT_ROOT/peers/broker/log4j2.properties"
    "-Dkafka.log.file=$dir/broker.log")
  java "${java_opts[@]}" -cp "$KAFKA_HOME/libs/*" kafka.tools.StorageTool format \
    -t streamkit-test-cluster0 -c "$dir/server.properties" \
    --add-scram "SCRAM-SHA-512=[name=$KAFKA_SCRAM_USER,password=$KAFKA_SCRAM_PASSWORD]" >"$dir/format.log" 2>&1 \
    || { cat "$dir/format.log"; echo "formatting the Kafka storage failed"; return 1; }
  java "${java_opts[@]}" -cp "$KAFKA_HOME/libs/*" kafka.Kafka "$dir/server.properties" \
    >"$dir/stdout.log" 2>&1 &
  KAFKA_PID=$!
  local i
  for i in $(seq 1 240); do
    if ! kill -0 "$KAFKA_PID" 2>/dev/null; then
      tail -30 "$dir/stdout.log" "$dir/broker.log"
      echo "the Kafka broker exited"
      KAFKA_PID=""
      return 1
    fi
    port_open "$port" && break
    sleep 0.25
  done
  local p
  for p in "$port" "$ssl" "$sasl"; do
    for i in $(seq 1 120); do port_open "$p" && break; sleep 0.25; done
    port_open "$p" || { tail -30 "$dir/broker.log"; echo "Kafka did not open port $p"; return 1; }
  done
  export KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:$port"
  export KAFKA_SSL_BOOTSTRAP_SERVERS="127.0.0.1:$ssl"
  export KAFKA_SASL_SSL_BOOTSTRAP_SERVERS="127.0.0.1:$sasl"
  export KAFKA_TLS_DIR="$tls"
  echo "Kafka 4.4 listening on $KAFKA_BOOTSTRAP_SERVERS, SSL $KAFKA_SSL_BOOTSTRAP_SERVERS, SASL_SSL $KAFKA_SASL_SSL_BOOTSTRAP_SERVERS (pid $KAFKA_PID, logs in $dir)"
}

# Exports the secured listeners' variables of the broker whose run directory is $1,
# when this script started it (for a developer's shell finding it already running).
kafka_secured_env() {
  local props="$1/server.properties" listener
  [[ -f "$props" ]] || return 0
  for listener in SSL SASL_SSL; do
    local address
    address="$(sed -n "s|^advertised.listeners=.*[=,]$listener://\([0-9.:]*\).*|\1|p" "$props")"
    [[ -n "$address" ]] && export "KAFKA_${listener}_BOOTSTRAP_SERVERS=$address"
  done
  [[ -d "$1/tls" ]] && export KAFKA_TLS_DIR="$1/tls"
  return 0
}

kafka_stop() {
  [[ -n "$KAFKA_PID" ]] || return 0
  kill "$KAFKA_PID" 2>/dev/null || true
  local i
  for i in $(seq 1 60); do
    kill -0 "$KAFKA_PID" 2>/dev/null || break
    sleep 0.5
  done
  kill -9 "$KAFKA_PID" 2>/dev/null || true
  wait "$KAFKA_PID" 2>/dev/null || true
  KAFKA_PID=""
}
