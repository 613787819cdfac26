#!/usr/bin/env bash
# `npm test`: everything, in order of cost. Each stage says what it is before it runs.
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1

stage() { printf '\n=== %s\n' "$1"; }

stage "lint";                 npx eslint . --max-warnings=0
stage "typecheck";            npx tsc --noEmit -p tsconfig.json
stage "convex codegen is current"; bash scripts/check-codegen.sh
stage "convex pushes (npx convex deploy --dry-run up to the network)"; npx tsx scripts/convex-bundle/main.ts
stage "production build (next build, connecting nowhere)"; npx tsx scripts/deploy/buildConnectsNowhere.ts
stage "unit, convex-test and worker tests on Node $(node --version)"; npx vitest run
# Other Node versions to run the same suite on (paths of node binaries; .ci/run adds Node 24).
for node_binary in ${EXTRA_NODE_BINARIES:-}; do
  stage "unit, convex-test and worker tests on Node $("$node_binary" --version)"
  PATH="$(dirname "$node_binary"):$PATH" npx vitest run
done
if [ -f modal/test_app.py ]; then
  stage "modal app (pytest)"; python3 -m pytest -q modal
fi
stage "end-to-end (Playwright, Chromium)"; npx playwright test
