#!/usr/bin/env bash
# `npm start`: install (pinned pnpm, committed lockfile), build every package, run the demo
# (packages/node/src/demo: the test server in a child process, losing sessions and killed/restarted,
# a client that must not fail).
# The build is skipped when every package's dist/ is newer than its sources (REBUILD=1 forces it).
# Extra arguments are passed to the demo: `npm start -- --plain`.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

echo "==> [install]"
sh scripts/pnpm.sh install --frozen-lockfile

# dist/cjs/package.json is the last file build-package.mjs writes: a package is up to date when it
# exists and nothing that goes into the build is newer. Packages without a build script (private
# ones such as examples) have no dist/ to check.
stale() {
  for dir in packages/*/; do
    [ -d "$dir/src" ] || continue
    grep -q '"build":' "$dir/package.json" 2>/dev/null || continue
    local marker="$dir/dist/cjs/package.json"
    [ -f "$marker" ] || return 0
    if [ -n "$(find "$dir/src" "$dir"/package.json "$dir"/tsconfig*.json pnpm-lock.yaml tsconfig.base.json \
      scripts/build-package.mjs -newer "$marker" -print -quit 2>/dev/null)" ]; then
      return 0
    fi
  done
  return 1
}
if [ "${REBUILD:-}" = 1 ] || stale; then
  echo "==> [build]"
  sh scripts/pnpm.sh build
else
  echo "==> [build] skipped: every package's dist/ is newer than its sources (REBUILD=1 npm start to force)"
fi

demo=packages/node/dist/esm/demo/main.js
if [ ! -f "$demo" ]; then
  echo "demo not built: $demo does not exist (expected from packages/node/src/demo/main.ts)" >&2
  exit 1
fi
echo "==> [demo] node $demo $*"
exec node "$demo" "$@"
