#!/usr/bin/env bash
# `npm test`: everything CI checks, in order, stopping at the first failure.
# Needs only Node >= 20 and npm: pnpm is the pinned version (scripts/pnpm.sh), dependencies come
# from the committed lockfile, anything else a suite needs is installed by its own stage.
#
# Stages: install, lint, typecheck, build, check-dist, [browser prerequisites], vitest, then the
# extra suites in the hook section below.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bin="$root/node_modules/.bin"
pnpm() { sh "$root/scripts/pnpm.sh" "$@"; }

# --- stage bookkeeping: a header per stage, its time, and one summary line at the end ---
timings=""
current=""
started=$SECONDS
stage() {
  current=$1
  shift
  printf '\n==> [%s] %s\n' "$current" "$*"
  local t=$SECONDS
  "$@"
  timings="$timings${timings:+, }$current $((SECONDS - t))s"
  current=""
}
summary() {
  local status=$?
  if [ "$status" -eq 0 ]; then
    printf '\nnpm test: PASSED in %ss (%s)\n' "$((SECONDS - started))" "$timings"
  else
    printf '\nnpm test: FAILED at stage [%s] (exit %s) after %ss (passed: %s)\n' \
      "${current:-?}" "$status" "$((SECONDS - started))" "${timings:-none}" >&2
  fi
}
trap summary EXIT

# --- the stages ---
stage install pnpm install --frozen-lockfile
stage lint "$bin/eslint" .
stage typecheck pnpm check
stage build pnpm build
stage check-dist node scripts/check-dist.mjs

# The browser project runs in a real headless Chromium (vitest browser mode + playwright), which
# no npm package ships: install the Debian package when it is missing (CI and these machines run
# as root), or say exactly what to do.
browser_prerequisites() {
  local chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
  if [ -x "$chromium" ]; then
    echo "chromium: $chromium ($("$chromium" --version 2>/dev/null | head -n 1))"
  elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && [ -z "${CHROMIUM_PATH:-}" ]; then
    echo "chromium missing: installing the Debian package (apt-get, --no-install-recommends)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
    "$chromium" --version
  else
    echo "The browser tests need Chromium at $chromium (set CHROMIUM_PATH to use another binary)." >&2
    echo "Install it with: apt-get install -y --no-install-recommends chromium" >&2
    return 1
  fi
}
if grep -qs playwright packages/browser/vitest.config.ts; then
  stage browser-prerequisites browser_prerequisites
fi

stage vitest "$bin/vitest" run

# --- HOOK: extra suites. Owners add their stages here, each as `stage <name> <command...>`. ---

# The benchmark suite in its seconds-long smoke mode (every scenario, tiny, every client): proves the
# suite still runs and every client still answers correctly. Benchmarks themselves are `pnpm bench`.
stage bench-smoke pnpm bench --smoke

# The official MCP conformance suite, run from the shared folder beside the repo: $root/../shared
# both locally (/work/main -> /work/shared) and in CI (a copy of shared/ beside the fresh clone).
# It must be there: a missing folder is an error, never a skipped suite.
# The suite's cache (node@22 + the suite, ~240 MB) lives outside the clone so CI reuses it; the
# per-scenario results (checks.json, client output) go to .conformance-cache/results/ in the repo.
conformance() {
  local shared="${MCP_SHARED_DIR:-$root/../shared}"
  local runner="$shared/conformance/conformance-client.sh"
  if [ ! -f "$runner" ]; then
    echo "conformance: $runner not found: the shared/ folder must be beside the repo (or set MCP_SHARED_DIR)" >&2
    return 1
  fi
  if [ ! -x scripts/conformance-client ]; then
    echo "conformance: scripts/conformance-client is missing or not executable" >&2
    return 1
  fi
  CONFORMANCE_CACHE_DIR="${CONFORMANCE_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/mcp-effect/conformance}" \
    CONFORMANCE_RESULTS_DIR="${CONFORMANCE_RESULTS_DIR:-$root/.conformance-cache/results/$(date +%Y%m%d-%H%M%S)}" \
    bash "$runner" scripts/conformance-client "$@"
}
# Every non-auth scenario of the pinned suite (the `core` group), named: each passed 5 runs in a row.
stage conformance conformance initialize tools_call elicitation-sep1034-client-defaults sse-retry

# The 0.2.0 alpha of the suite: the 2026-07-28 (stateless) scenarios and the session-era ones, the
# client picking its generation from the revision the suite names (the schema scenarios: below).
conformance_next() { CONFORMANCE_VERSION=0.2.0-alpha.12 conformance "$@"; }
stage conformance-0.2.0-alpha.12 conformance_next initialize tools_call elicitation-sep1034-client-defaults sse-retry \
  request-metadata sep-2322-client-request-state http-standard-headers http-custom-headers http-invalid-tool-headers

# What the client keeps of a tool's JSON Schema (SEP-1613, SEP-2106): scenarios of the next suite,
# pinned apart so that the stage above keeps its own version.
conformance_schemas() {
  CONFORMANCE_VERSION=0.2.0-alpha.12 conformance json-schema-2020-12-preservation json-schema-ref-no-deref
}
stage conformance-schemas conformance_schemas
# Every auth/* scenario of the pinned suite (OAuth 2.1 authorization, the client-credentials and
# cross-app-access extensions included): 22 of 22, completed headlessly by the conformance client.
stage conformance-auth conformance auth

# Every auth/* scenario of the 0.2.0 alpha: the 2025-11-25 and 2026-07-28 ones (iss, metadata
# issuer, authorization-server migration...) and every extension (client credentials,
# enterprise-managed, DPoP with and without nonces, workload identity): 33 of 33. The count is
# asserted, so that a scenario the pinned suite stops listing is noticed, not silently skipped.
conformance_auth_next() {
  local summary
  summary=$(CONFORMANCE_VERSION=0.2.0-alpha.12 conformance auth | tee /dev/stderr | tail -n 1)
  if [ "$summary" != "33 passed, 0 failed" ]; then
    echo "conformance-auth-0.2.0-alpha.12: expected \"33 passed, 0 failed\", got \"$summary\"" >&2
    return 1
  fi
}
stage conformance-auth-0.2.0-alpha.12 conformance_auth_next
