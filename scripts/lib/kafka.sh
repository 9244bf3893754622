# The test broker: Apache Kafka 4.4 from Maven Central, one KRaft node (broker and
# controller in one JVM) on 127.0.0.1. Sourced after common.sh.
#   kafka_fetch   jars into $CACHE/kafka/libs (once per pom change)
#   kafka_start   fresh storage, start, wait until it serves; exports KAFKA_BOOTSTRAP_SERVERS
#   kafka_stop    stops the broker this shell started

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
  local port controller dir
  port="$(free_port "${KAFKA_PORT:-9092}")"
  controller="$(free_port $((port + 1)))"
  dir="$KAFKA_HOME/run-$port"
  rm -rf "$dir"
  mkdir -p "$dir/data"
  cat >"$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
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
    -t streamkit-test-cluster0 -c "$dir/server.properties" >"$dir/format.log" 2>&1 \
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
  port_open "$port" || { tail -30 "$dir/broker.log"; echo "Kafka did not open port $port"; return 1; }
  export KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:$port"
  echo "Kafka 4.4 listening on $KAFKA_BOOTSTRAP_SERVERS (pid $KAFKA_PID, logs in $dir)"
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
