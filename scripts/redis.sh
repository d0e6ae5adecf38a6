#!/usr/bin/env bash
# A throwaway Redis for development and tests (the Redis state store's backend).
#
# Usage:
#   bash scripts/redis.sh ensure-installed   install Debian's redis-server when missing (root)
#   bash scripts/redis.sh start [PORT]       start one on 127.0.0.1 (a free port by default),
#                                            print its URL: redis://127.0.0.1:PORT
#   bash scripts/redis.sh stop               stop the one started by `start`
#   bash scripts/redis.sh status             print the URL of the running one, or fail
#
# All commands are idempotent: `start` when one is already running (and answers)
# prints its URL again; `stop` when none runs does nothing. The server is a
# cache, not a database: no RDB snapshots, no AOF (`--save "" --appendonly no`),
# its files live in a folder of its own under $AIW_CACHE/redis-run. Only one
# server per $AIW_CACHE is managed here; tests start their own (see
# test/helpers/redis-server.ts) so they never depend on this one.
set -euo pipefail

AIW_CACHE="${AIW_CACHE:-$HOME/.cache/aiwork}"
RUN_DIR="$AIW_CACHE/redis-run"
PID_FILE="$RUN_DIR/redis.pid"
PORT_FILE="$RUN_DIR/redis.port"

log() { printf 'redis.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# free_port: a port the kernel considers free right now (bind port 0, read it back).
# There is a tiny window before redis-server binds it; acceptable for dev use.
free_port() {
  if command -v node >/dev/null 2>&1; then
    node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
  elif command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1]);s.close()'
  else
    die "need node or python3 to pick a free port (or pass PORT)"
  fi
}

# answers PORT: true when something on 127.0.0.1:PORT answers PING with PONG
# (redis-cli when present, else a raw RESP exchange through bash's /dev/tcp).
answers() {
  local port="$1" reply
  if command -v redis-cli >/dev/null 2>&1; then
    reply="$(timeout 2 redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null || true)"
  else
    reply="$(timeout 2 bash -c 'exec 3<>/dev/tcp/127.0.0.1/'"$port"' && printf "PING\r\n" >&3 && head -c 7 <&3' 2>/dev/null || true)"
  fi
  [[ "$reply" == *PONG* ]]
}

# running_pid: prints the pid from the pid file when that process is alive.
running_pid() {
  [ -f "$PID_FILE" ] || return 1
  local pid
  pid="$(cat "$PID_FILE")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  printf '%s\n' "$pid"
}

cmd_ensure_installed() {
  if command -v redis-server >/dev/null 2>&1; then
    log "redis-server present: $(redis-server --version | head -n1)"
    return 0
  fi
  if [ "$(id -u)" -ne 0 ]; then
    die "redis-server is not installed and this is not root: run as root, or install it yourself (Debian: apt-get install -y redis-server)"
  fi
  command -v apt-get >/dev/null 2>&1 || die "redis-server is not installed and apt-get is missing: install Redis (>= 6) by other means"
  log "redis-server missing: running apt-get update && apt-get install -y redis-server"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y redis-server
  # Debian's package starts a system service on port 6379 when an init system
  # runs; we do not use it (every start here picks its own port), so leave it be.
  command -v redis-server >/dev/null 2>&1 || die "apt-get finished but redis-server is still not on PATH"
  log "installed: $(redis-server --version | head -n1)"
}

cmd_start() {
  command -v redis-server >/dev/null 2>&1 || die "redis-server is not installed: run 'bash scripts/redis.sh ensure-installed'"
  mkdir -p "$RUN_DIR"
  local pid port
  if pid="$(running_pid)"; then
    port="$(cat "$PORT_FILE" 2>/dev/null || true)"
    if [ -n "$port" ] && answers "$port"; then
      if [ -n "${1:-}" ] && [ "$1" != "$port" ]; then
        die "a server started here already runs on port $port (pid $pid); 'stop' it first to use port $1"
      fi
      log "already running (pid $pid)"
      printf 'redis://127.0.0.1:%s\n' "$port"
      return 0
    fi
    die "pid $pid from $PID_FILE is alive but does not answer on port ${port:-?}: stop it or remove $PID_FILE"
  fi
  rm -f "$PID_FILE" "$PORT_FILE"
  port="${1:-$(free_port)}"
  [[ "$port" =~ ^[0-9]+$ ]] || die "PORT must be a number, got '$port'"
  # --daemonize no + & and $! gives us the real pid (redis writes it as well,
  # but only once it runs: ours exists at once). Output goes to a log file.
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no \
    --dir "$RUN_DIR" --daemonize no --protected-mode yes \
    >"$RUN_DIR/redis.log" 2>&1 </dev/null &
  pid=$!
  printf '%s\n' "$pid" >"$PID_FILE"
  printf '%s\n' "$port" >"$PORT_FILE"
  local i
  for i in $(seq 1 100); do
    if answers "$port"; then
      log "started pid $pid on port $port (log $RUN_DIR/redis.log)"
      printf 'redis://127.0.0.1:%s\n' "$port"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PID_FILE" "$PORT_FILE"
      die "redis-server exited at start: $(tail -n 5 "$RUN_DIR/redis.log")"
    fi
    sleep 0.1
  done
  kill "$pid" 2>/dev/null || true
  rm -f "$PID_FILE" "$PORT_FILE"
  die "redis-server on port $port did not answer PING within 10 s: $(tail -n 5 "$RUN_DIR/redis.log")"
}

cmd_stop() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$PID_FILE" "$PORT_FILE"
    log "not running"
    return 0
  fi
  kill "$pid"
  local i
  for i in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "pid $pid still alive after 5 s: SIGKILL"
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$PID_FILE" "$PORT_FILE"
  log "stopped pid $pid"
}

cmd_status() {
  local pid port
  pid="$(running_pid)" || die "not running"
  port="$(cat "$PORT_FILE")"
  answers "$port" || die "pid $pid alive but port $port does not answer"
  printf 'redis://127.0.0.1:%s\n' "$port"
}

case "${1:-}" in
  ensure-installed) cmd_ensure_installed ;;
  start) shift; cmd_start "${1:-}" ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) die "usage: bash scripts/redis.sh {ensure-installed|start [PORT]|stop|status}" ;;
esac
