#!/usr/bin/env bash
# The project's test command: set up (Node, npm ci when needed), then type-check
# and run the vitest suite. Usage: bash scripts/test.sh [vitest args...]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/setup.sh
export PATH="$(bash scripts/node.sh):$PATH"

echo "test: npm run typecheck"
npm run --silent typecheck
echo "test: npm test"
npm test -- "$@"
