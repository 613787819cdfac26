#!/usr/bin/env bash
# Fails when a committed `_generated/` folder is not what the codegen produces for the
# current functions: the app's and the offline backend's test fixture.
set -euo pipefail
cd "$(dirname "$0")/.."
npx convex codegen --system-udfs --typecheck disable >/dev/null 2>&1
(cd scripts/convex-offline/test/fixture && npx convex codegen --system-udfs --typecheck disable >/dev/null 2>&1)
generated=(convex/_generated scripts/convex-offline/test/fixture/convex/_generated)
if ! git diff --quiet --exit-code -- "${generated[@]}"; then
  echo "Generated Convex code is out of date: run 'npm run codegen' and commit the result." >&2
  git --no-pager diff --stat -- "${generated[@]}" >&2
  exit 1
fi
untracked=$(git ls-files --others --exclude-standard -- "${generated[@]}")
if [ -n "$untracked" ]; then
  echo "Generated Convex files are not committed: $untracked" >&2
  exit 1
fi
echo "Generated Convex code is current."
