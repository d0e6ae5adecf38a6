#!/usr/bin/env bash
# Sets up the clone, then runs real examples with `aiwc run`: the invoice flow
# (extern TypeScript tools, guards, `when`), the incident flow (tasks injected
# at run time), the nightly report (fan-out) and the support-ticket router
# (OpenVINO inference), in a scratch work folder holding a copy of
# examples/data. Usage: bash scripts/example.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/setup.sh
export PATH="$(bash scripts/node.sh):$PATH"

work="$(mktemp -d "${TMPDIR:-/tmp}/aiwork-example.XXXXXX")"
cp -R examples/data/. "$work/"
state="sqlite:$work/.aiw-state/runs.db"

run() {
  echo
  echo "example: aiwc run $*"
  node bin/aiwc.js run "$@" --work-dir "$work" --state "$state"
}

node bin/aiwc.js check examples/*.aiw
run examples/invoice_triage.aiw --input document=invoice-acme.txt
run examples/invoice_triage.aiw --input document=invoice-big.txt
run examples/incident_response.aiw --input "report=API down for all customers"
run examples/nightly_report.aiw --input 'sources=["api","web","batch"]'
# Real OpenVINO inference on the project's own classifier (built by setup).
run examples/support_ticket_routing.aiw --input "ticket=I was charged twice for the Pro plan in March"

echo
echo "example: files the flows wrote in $work:"
(cd "$work" && find filed outbox reports status tickets -type f 2>/dev/null | sort | sed 's/^/  /')
echo "example: runs so far (aiwc runs --state $state):"
node bin/aiwc.js runs --state "$state"
