# The database and MQTT servers the connector tests use, from Debian's packages, on
# 127.0.0.1. Sourced after common.sh.
#   services_start   installs what is missing; starts each server that is not already
#                    listening; checks (and fixes, then restarts) one that is; exports
#                    STREAMKIT_POSTGRES_URL, STREAMKIT_MARIADB_URL, STREAMKIT_MQTT_URL
#   services_smoke   shows each one answers, with the settings the tests need
#   services_stop    stops the servers services_start started (not those it found)
#
# PostgreSQL 127.0.0.1:5432: wal_level=logical, replication slots; database `test`,
#   user `streamkit` (password `streamkit`, REPLICATION).
# MariaDB 127.0.0.1:3306: binlog on, binlog_format=ROW, binlog_row_image=FULL, GTIDs;
#   database `test`, user `streamkit` (password `streamkit`, replication grants).
# Mosquitto 127.0.0.1:1883: anonymous clients.

SERVICES_STARTED=()

export STREAMKIT_POSTGRES_URL="postgres://streamkit:streamkit@127.0.0.1:5432/test"
export STREAMKIT_MARIADB_URL="mysql://streamkit:streamkit@127.0.0.1:3306/test"
export STREAMKIT_MQTT_URL="mqtt://127.0.0.1:1883"

wait_port() {
  local port="$1" name="$2" i
  for i in $(seq 1 120); do
    port_open "$port" && return 0
    sleep 0.5
  done
  echo "$name did not open port $port"
  return 1
}

pg_version() { ls /etc/postgresql 2>/dev/null | sort -n | tail -1; }
pg_super() { su postgres -c "psql -v ON_ERROR_STOP=1 -qAt -h 127.0.0.1 -p 5432 -d postgres $(printf '%q ' "$@")" 2>/dev/null \
  || su postgres -c "psql -v ON_ERROR_STOP=1 -qAt -p 5432 -d postgres $(printf '%q ' "$@")"; }

postgres_start() {
  apt_install postgresql postgresql-client
  local v conf
  v="$(pg_version)"
  conf="/etc/postgresql/$v/main/conf.d/streamkit.conf"
  if [[ ! -f "$conf" ]]; then
    cat >"$conf" <<CONF
# The settings streamkit's tests need (logical decoding for CDC).
listen_addresses = '127.0.0.1'
port = 5432
wal_level = logical
max_replication_slots = 16
max_wal_senders = 16
CONF
  fi
  if port_open 5432; then
    local level
    level="$(pg_super -c 'SHOW wal_level')"
    if [[ "$level" != "logical" ]]; then
      echo "PostgreSQL on 5432 has wal_level=$level: setting logical and restarting"
      pg_super -c "ALTER SYSTEM SET wal_level = logical"
      pg_ctlcluster "$v" main restart
      wait_port 5432 PostgreSQL
    else
      echo "PostgreSQL already running on 5432 (wal_level=logical)"
    fi
  else
    pg_ctlcluster "$v" main start
    SERVICES_STARTED+=(postgres)
    wait_port 5432 PostgreSQL
    echo "PostgreSQL $v started on 127.0.0.1:5432"
  fi
  pg_super -c "DO \$\$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'streamkit') THEN
        CREATE ROLE streamkit LOGIN REPLICATION PASSWORD 'streamkit';
      END IF;
    END \$\$" >/dev/null
  pg_super -c "ALTER ROLE streamkit LOGIN REPLICATION SUPERUSER PASSWORD 'streamkit'" >/dev/null
  [[ "$(pg_super -c "SELECT 1 FROM pg_database WHERE datname = 'test'")" == 1 ]] \
    || pg_super -c "CREATE DATABASE test OWNER streamkit" >/dev/null
}

mariadb_start() {
  apt_install mariadb-server mariadb-client
  local conf=/etc/mysql/mariadb.conf.d/99-streamkit.cnf
  if [[ ! -f "$conf" ]]; then
    cat >"$conf" <<CONF
# The settings streamkit's tests need (row-based binlog for CDC).
[mysqld]
bind-address = 127.0.0.1
port = 3306
server-id = 1
log-bin = mysql-bin
binlog_format = ROW
binlog_row_image = FULL
log_slave_updates = ON
gtid_strict_mode = ON
expire_logs_days = 1
CONF
  fi
  if port_open 3306; then
    local settings
    settings="$(mariadb -uroot -N -e 'SELECT @@log_bin, @@binlog_format, @@binlog_row_image' | tr '\t' ' ')"
    if [[ "$settings" != "1 ROW FULL" ]]; then
      echo "MariaDB on 3306 has log_bin, binlog_format, binlog_row_image = $settings: restarting with $conf"
      /etc/init.d/mariadb restart >/dev/null
      wait_port 3306 MariaDB
    else
      echo "MariaDB already running on 3306 (binlog ROW, FULL)"
    fi
  else
    /etc/init.d/mariadb start >/dev/null
    SERVICES_STARTED+=(mariadb)
    wait_port 3306 MariaDB
    echo "MariaDB started on 127.0.0.1:3306"
  fi
  mariadb -uroot -e "CREATE DATABASE IF NOT EXISTS test;
    CREATE USER IF NOT EXISTS 'streamkit'@'%' IDENTIFIED BY 'streamkit';
    CREATE USER IF NOT EXISTS 'streamkit'@'localhost' IDENTIFIED BY 'streamkit';
    GRANT ALL PRIVILEGES ON *.* TO 'streamkit'@'%';
    GRANT ALL PRIVILEGES ON *.* TO 'streamkit'@'localhost';
    FLUSH PRIVILEGES;"
}

MOSQUITTO_PID=""
mosquitto_start() {
  apt_install mosquitto mosquitto-clients
  if port_open 1883; then
    echo "an MQTT broker already listens on 1883"
    return 0
  fi
  local conf="$CACHE/mosquitto.conf"
  cat >"$conf" <<CONF
listener 1883 127.0.0.1
allow_anonymous true
persistence false
log_dest stderr
log_type error
log_type warning
CONF
  mosquitto -c "$conf" >"$CACHE/mosquitto.log" 2>&1 &
  MOSQUITTO_PID=$!
  SERVICES_STARTED+=(mosquitto)
  wait_port 1883 Mosquitto
  echo "Mosquitto started on 127.0.0.1:1883"
}

services_start() {
  postgres_start
  mariadb_start
  mosquitto_start
}

services_smoke() {
  local got
  got="$(PGPASSWORD=streamkit psql -qAt -h 127.0.0.1 -U streamkit -d test -v ON_ERROR_STOP=1 <<'SQL'
SHOW wal_level;
SELECT 'slot' FROM pg_create_logical_replication_slot('streamkit_smoke', 'pgoutput', true);
SQL
)" || { echo "PostgreSQL smoke test failed: $got"; return 1; }
  [[ "$got" == $'logical\nslot' ]] || { echo "PostgreSQL smoke test: unexpected answer: $got"; return 1; }
  echo "PostgreSQL answers as streamkit@test: wal_level=logical, a logical slot can be made"

  got="$(mariadb -h 127.0.0.1 -P 3306 -ustreamkit -pstreamkit -N test \
    -e 'SELECT @@log_bin, @@binlog_format, @@binlog_row_image, @@gtid_binlog_pos IS NOT NULL' | tr '\t' ' ')" \
    || { echo "MariaDB smoke test failed"; return 1; }
  [[ "$got" == "1 ROW FULL 1" ]] || { echo "MariaDB smoke test: unexpected answer: $got"; return 1; }
  echo "MariaDB answers as streamkit@test: binlog on, ROW, FULL, GTIDs"

  local topic="streamkit/smoke/$$"
  mosquitto_sub -h 127.0.0.1 -p 1883 -t "$topic" -C 1 -W 10 >"$CACHE/mqtt-smoke.out" &
  local sub=$!
  sleep 0.5
  mosquitto_pub -h 127.0.0.1 -p 1883 -t "$topic" -m "hello" -q 1
  wait "$sub" || { echo "Mosquitto smoke test: nothing received"; return 1; }
  [[ "$(cat "$CACHE/mqtt-smoke.out")" == "hello" ]] || { echo "Mosquitto smoke test: wrong payload"; return 1; }
  echo "Mosquitto answers: a message published on $topic was received"
}

services_stop() {
  local s
  for s in "${SERVICES_STARTED[@]}"; do
    case "$s" in
      postgres) pg_ctlcluster "$(pg_version)" main stop || true ;;
      mariadb) /etc/init.d/mariadb stop >/dev/null || true ;;
      mosquitto)
        kill "$MOSQUITTO_PID" 2>/dev/null || true
        wait "$MOSQUITTO_PID" 2>/dev/null || true
        ;;
    esac
  done
  SERVICES_STARTED=()
}
