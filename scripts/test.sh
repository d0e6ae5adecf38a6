#!/usr/bin/env bash
# The project's test command: set up (Node, npm ci when needed), then type-check
# and run the vitest suite. Usage: bash scripts/test.sh [vitest args...]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/setup.sh
export PATH="$(bash scripts/node.sh):$PATH"

# Tests (and the processes they start) make temporary folders; they all go in
# one folder per run, removed when the run ends, so a run leaves nothing in
# /tmp whatever a test forgets to clean up.
TMPDIR="$(mktemp -d "${TMPDIR:-/tmp}/aiw-test.XXXXXX")"
export TMPDIR
trap 'rm -rf "$TMPDIR"' EXIT

echo "test: npm run typecheck"
npm run --silent typecheck
echo "test: npm test"
npm test -- "$@"
