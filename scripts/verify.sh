#!/usr/bin/env bash
# README command (2) and CI: install, lint, format check, typecheck, db:check, then every test on the
# embedded database and the database tier again on a real PostgreSQL 15 started here on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }
results=$(mktemp -d /tmp/operate-verify.XXXXXX)
trap 'rm -rf "$results"' EXIT
export NEXT_TELEMETRY_DISABLED=1 PRISMA_HIDE_UPDATE_MESSAGE=1

step "install (frozen lockfile)"
pnpm install --frozen-lockfile
step "build: prisma generate + tsc"
pnpm build
step "lint"
pnpm lint
step "format check"
pnpm format:check
step "typecheck (sources and tests)"
pnpm typecheck
step "db:check: schema.prisma matches the committed migrations"
pnpm db:check
step "docs: AsyncAPI matches the event catalog, OpenAPI the controllers, configuration docs the settings"
node scripts/docs-events.mjs --check
node apps/api/dist/cli/openapi.js --check
node scripts/docs-config.mjs --check

step "test layout: src/ holds unit specs only (docs/testing.md)"
misplaced=$(find apps/api/src -name '*.medium-spec.ts' -o -name '*.pg-spec.ts' -o -name '*.e2e-spec.ts')
if [ -n "$misplaced" ]; then
  printf 'These specs boot a database or the app: move them under apps/api/test/ (Jest would not run them):\n%s\n' "$misplaced"
  exit 1
fi

jest() { node --experimental-vm-modules node_modules/jest/bin/jest.js --ci "$@"; }

step "tests: unit, medium and e2e on the embedded database (PGlite)"
jest --json --outputFile="$results/pglite.json"
step "tests: medium and e2e on PostgreSQL 15, then the dashboard in chromium"
bash scripts/test-postgres.sh node --experimental-vm-modules node_modules/jest/bin/jest.js --ci \
  --selectProjects 'api-db (postgresql)' web-browser --json --outputFile="$results/postgres.json"

node -e '
  const runs = process.argv.slice(1).map((file) => require(file));
  const passed = runs.reduce((sum, run) => sum + run.numPassedTests, 0);
  const failed = runs.reduce((sum, run) => sum + run.numFailedTests + run.numRuntimeErrorTestSuites, 0);
  process.stdout.write(`\nTests: ${passed} passed, ${failed} failed\n`);
  process.exit(failed === 0 && passed > 0 ? 0 : 1);
' "$results/pglite.json" "$results/postgres.json"
