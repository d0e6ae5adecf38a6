#!/usr/bin/env bash
# Installs the pinned OpenVINO runtime (the `openvino` wheel from PyPI, with
# openvino-tokenizers) into the project's Python environment .venv/ml, and
# prints where libopenvino_c is. The runtime finds it there by itself; to use
# another install, set AIW_OPENVINO_LIB to its libopenvino_c.so.* (or folder).
# Usage: bash scripts/setup-openvino.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$(bash "$ROOT/scripts/python-env.sh" ml)"
lib="$(ls "$venv"/lib/python3*/site-packages/openvino/libs/libopenvino_c.so.* 2>/dev/null | head -n 1 || true)"
if [ -z "$lib" ]; then
  echo "setup-openvino: the openvino wheel in $venv has no libopenvino_c.so.*" >&2
  exit 1
fi
echo "setup-openvino: OpenVINO C API at $lib" >&2
echo "$lib"
