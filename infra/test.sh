#!/usr/bin/env bash
# The test command (`npm test`, after `pretest`: bash infra/setup.sh test): typecheck, lint, format check, then
# vitest against a real Temporal dev server, PostgreSQL and Docker engine (see test/global-setup.ts).
# Arguments go to vitest: `npm test -- activities/docker`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DATABASE_URL=${DATABASE_URL:-postgres://slipway:slipway@127.0.0.1:5432/slipway}
export TEMPORAL_CLI_PATH=${TEMPORAL_CLI_PATH:-$(command -v temporal || true)}

echo "== typecheck: tsc --noEmit"
npx tsc --noEmit
echo "== lint: eslint ."
npx eslint .
echo "== format: prettier --check ."
npx prettier --check .
echo "== tests: vitest run $*"
npx vitest run "$@"
