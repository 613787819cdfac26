#!/usr/bin/env bash
# Fails when convex/_generated/ is not what the codegen produces for the current functions.
set -euo pipefail
cd "$(dirname "$0")/.."
npx convex codegen --system-udfs --typecheck disable >/dev/null 2>&1
if ! git diff --quiet --exit-code -- convex/_generated; then
  echo "convex/_generated is out of date: run 'npm run codegen' and commit the result." >&2
  git --no-pager diff --stat -- convex/_generated >&2
  exit 1
fi
untracked=$(git ls-files --others --exclude-standard convex/_generated)
if [ -n "$untracked" ]; then
  echo "convex/_generated has files that are not committed: $untracked" >&2
  exit 1
fi
echo "convex/_generated is current."
