#!/bin/sh
# Runs the pnpm version pinned in package.json's "packageManager": the `pnpm` on PATH when it is
# exactly that version, else `npx -y pnpm@<version>` (a fresh machine needs only Node and npm).
# Not corepack: it fails on these machines, and a corepack shim on PATH is only used if it really
# answers with the pinned version.
set -e
root=$(cd "$(dirname "$0")/.." && pwd)
version=$(node -p "require(process.argv[1]).packageManager.replace(/^pnpm@/, '').replace(/\+.*$/, '')" "$root/package.json")
if command -v pnpm >/dev/null 2>&1 &&
  [ "$(COREPACK_ENABLE_DOWNLOAD_PROMPT=0 pnpm --version </dev/null 2>/dev/null)" = "$version" ]; then
  exec pnpm "$@"
fi
exec npx -y "pnpm@$version" "$@"
