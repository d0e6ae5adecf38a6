#!/usr/bin/env bash
# A single-node Apache Kafka broker (KRaft, broker and controller in one JVM)
# on loopback, from Apache Kafka's jars on Maven Central, for development and
# for the worker's tests. Needs Java 17 and Maven.
#
# Usage:
#   bash scripts/kafka.sh fetch           copy the jars of infra/kafka/pom.xml into the cache
#                                         (once per pom) and print the folder holding them
#   bash scripts/kafka.sh start [PORT]    format (first time) and start a broker on 127.0.0.1,
#                                         wait until it is ready, print its address HOST:PORT
#   bash scripts/kafka.sh stop            stop the broker started by `start` (SIGTERM, then SIGKILL)
#   bash scripts/kafka.sh status          print the address of the running broker, or fail
#   bash scripts/kafka.sh clean           stop it and delete its data
#
# The jars live in $AIW_CACHE/kafka-<hash of pom.xml and log4j2.properties>/lib,
# so a new pin gets a new folder. The broker's data, configuration, log and pid
# are in $AIW_CACHE/kafka-run (or $AIW_KAFKA_RUN_DIR); a restart keeps the data
# and the ports (the controller's address is part of the formatted metadata).
# Tests start their own brokers (test/helpers/kafka-broker.ts) and never use
# this one; bench/worker.ts starts one in a folder of its own.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
AIW_CACHE="${AIW_CACHE:-$HOME/.cache/aiwork}"
INFRA="$ROOT/infra/kafka"
RUN_DIR="${AIW_KAFKA_RUN_DIR:-$AIW_CACHE/kafka-run}"
PID_FILE="$RUN_DIR/kafka.pid"
HEAP="${AIW_KAFKA_HEAP:-512m}"

log() { printf 'kafka.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

key() {
  local a
  for a in "$@"; do
    if [ -f "$a" ]; then sha256sum <"$a"; else printf '%s\n' "$a"; fi
  done | sha256sum | cut -c1-16
}

lib_dir() { printf '%s/kafka-%s/lib\n' "$AIW_CACHE" "$(key "$INFRA/pom.xml" "$INFRA/log4j2.properties")"; }

need_java() {
  command -v java >/dev/null 2>&1 || die "java is not installed: Kafka 4 needs Java 17 or newer (Debian: apt-get install -y openjdk-17-jre-headless)"
  local v
  v="$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1)"
  [ -n "$v" ] && [ "$v" -ge 17 ] || die "Kafka 4 needs Java 17 or newer; found: $(java -version 2>&1 | head -n1)"
}

# fetch: the jars, copied by Maven from Maven Central (its local repository is
# kept in $AIW_CACHE/maven-repo). A `.complete` mark is written last, so an
# interrupted copy is redone.
cmd_fetch() {
  local lib
  lib="$(lib_dir)"
  if [ -f "$lib/.complete" ]; then
    printf '%s\n' "$lib"
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || die "mvn is not installed: it fetches Kafka's jars (Debian: apt-get install -y maven)"
  log "fetching Kafka's jars into $lib"
  rm -rf "$lib"
  mkdir -p "$lib"
  (cd "$INFRA" && mvn -q -B -Dmaven.repo.local="$AIW_CACHE/maven-repo" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$lib") >&2 || { rm -rf "$lib"; die "mvn could not fetch the jars"; }
  cp "$INFRA/log4j2.properties" "$lib/../log4j2.properties"
  touch "$lib/.complete"
  log "$(find "$lib" -name '*.jar' | wc -l) jars"
  printf '%s\n' "$lib"
}

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

running_pid() {
  [ -f "$PID_FILE" ] || return 1
  local pid
  pid="$(cat "$PID_FILE")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  printf '%s\n' "$pid"
}

address() { sed -n 's#^listeners=PLAINTEXT://\([^,]*\),.*#\1#p' "$RUN_DIR/server.properties"; }

# write_config PORT CONTROLLER_PORT: the combined broker+controller settings
# verified in shared/design/infra-notes.md.
write_config() {
  local port="$1" cport="$2"
  cat >"$RUN_DIR/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$RUN_DIR/data
num.partitions=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
EOF
}

cmd_start() {
  need_java
  local lib pid
  lib="$(cmd_fetch)"
  mkdir -p "$RUN_DIR"
  if pid="$(running_pid)"; then
    log "already running (pid $pid)"
    address
    return 0
  fi
  if [ ! -f "$RUN_DIR/data/meta.properties" ]; then
    local port="${1:-$(free_port)}" cport
    [[ "$port" =~ ^[0-9]+$ ]] || die "PORT must be a number, got '$port'"
    cport="$(free_port)"
    while [ "$cport" = "$port" ]; do cport="$(free_port)"; done
    rm -rf "$RUN_DIR/data"
    write_config "$port" "$cport"
    # A cluster id is 16 random bytes in base64url.
    local cluster
    cluster="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
    java -cp "$lib/*" -Dlog4j2.configurationFile="$lib/../log4j2.properties" kafka.tools.StorageTool format --standalone \
      -t "$cluster" -c "$RUN_DIR/server.properties" >"$RUN_DIR/format.log" 2>&1 || die "formatting failed: $(tail -n 5 "$RUN_DIR/format.log")"
  elif [ -n "${1:-}" ] && [ "$1" != "$(address | cut -d: -f2)" ]; then
    die "the broker's data was formatted for $(address); 'clean' it first to use port $1"
  fi
  java -Xmx"$HEAP" -cp "$lib/*" -Dlog4j2.configurationFile="$lib/../log4j2.properties" kafka.Kafka "$RUN_DIR/server.properties" \
    >"$RUN_DIR/kafka.log" 2>&1 </dev/null &
  pid=$!
  printf '%s\n' "$pid" >"$PID_FILE"
  local i
  for i in $(seq 1 240); do
    if grep -q "Kafka Server started" "$RUN_DIR/kafka.log"; then
      log "started pid $pid (log $RUN_DIR/kafka.log)"
      address
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PID_FILE"
      die "the broker exited at start: $(tail -n 5 "$RUN_DIR/kafka.log")"
    fi
    sleep 0.25
  done
  kill "$pid" 2>/dev/null || true
  rm -f "$PID_FILE"
  die "the broker was not ready within 60 s: $(tail -n 5 "$RUN_DIR/kafka.log")"
}

cmd_stop() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$PID_FILE"
    log "not running"
    return 0
  fi
  kill "$pid"
  local i
  for i in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "pid $pid still alive after 30 s: SIGKILL"
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$PID_FILE"
  log "stopped pid $pid"
}

cmd_status() {
  local pid
  pid="$(running_pid)" || die "not running"
  printf '%s\n' "$(address)"
}

cmd_clean() {
  cmd_stop
  rm -rf "$RUN_DIR"
  log "removed $RUN_DIR"
}

case "${1:-}" in
  fetch) cmd_fetch ;;
  start) shift; cmd_start "${1:-}" ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  clean) cmd_clean ;;
  *) die "usage: bash scripts/kafka.sh {fetch|start [PORT]|stop|status|clean}" ;;
esac
