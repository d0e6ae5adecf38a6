#!/usr/bin/env bash
# Creates (once) and prints the path of a pinned Python virtual environment.
#   bash scripts/python-env.sh airflow   Airflow 3, providers-standard, openvino, ruff, dag-factory
#   bash scripts/python-env.sh ml        openvino, nncf, onnx, onnxruntime (model building, INT8)
# Pins: python/<name>-requirements.txt (what we ask for) and
# python/<name>-constraints.txt (the frozen working set, since Airflow's
# published constraints cannot be fetched here). The venv lives under
# $AIW_CACHE keyed by both files and the Python version; .venv/<name> in the
# clone links to it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NAME="${1:?usage: python-env.sh airflow|ml}"
REQ="$ROOT/python/$NAME-requirements.txt"
CON="$ROOT/python/$NAME-constraints.txt"
[ -f "$REQ" ] || { echo "python-env: no $REQ" >&2; exit 2; }
export AIW_CACHE="${AIW_CACHE:-$HOME/.cache/aiwork}"
PY="${AIW_PYTHON:-python3}"

key="$( (cat "$REQ"; [ -f "$CON" ] && cat "$CON"; "$PY" --version) | sha256sum | cut -c1-16)"
venv="$AIW_CACHE/venv-$NAME-$key"
if [ ! -x "$venv/bin/python" ] || [ ! -f "$venv/.aiw-complete" ]; then
  echo "python-env: creating $venv" >&2
  rm -rf "$venv"
  "$PY" -m venv "$venv"
  "$venv/bin/pip" install --quiet --upgrade pip >&2
  if [ -f "$CON" ]; then
    "$venv/bin/pip" install --quiet -r "$REQ" -c "$CON" >&2
  else
    "$venv/bin/pip" install --quiet -r "$REQ" >&2
  fi
  touch "$venv/.aiw-complete"
fi
mkdir -p "$ROOT/.venv"
ln -sfn "$venv" "$ROOT/.venv/$NAME"
echo "$venv"
