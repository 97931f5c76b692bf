#!/usr/bin/env bash
# `npm start`: install (pinned pnpm, committed lockfile), build every package, run the demo.
# Extra arguments are passed to the demo: `npm start -- <args>`.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

echo "==> [install]"
sh scripts/pnpm.sh install --frozen-lockfile
echo "==> [build]"
sh scripts/pnpm.sh build

demo=packages/node/dist/esm/demo/main.js
if [ ! -f "$demo" ]; then
  echo "demo not built yet: $demo does not exist (expected from packages/node/src/demo/main.ts)" >&2
  exit 1
fi
echo "==> [demo] node $demo $*"
exec node "$demo" "$@"
