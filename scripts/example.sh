#!/usr/bin/env bash
# Sets up the clone, then runs a real example: `aiwc check` on examples/*.aiw
# (to become `aiwc run` once the runtime exists). Usage: bash scripts/example.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/setup.sh
export PATH="$(bash scripts/node.sh):$PATH"

shopt -s nullglob
examples=(examples/*.aiw)
shopt -u nullglob
if [ "${#examples[@]}" -eq 0 ]; then
  echo "example: there are no examples yet (no examples/*.aiw in $ROOT); nothing to run."
  exit 0
fi

echo "example: node bin/aiwc.js check ${examples[*]}"
node bin/aiwc.js check "${examples[@]}"
