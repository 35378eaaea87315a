#!/usr/bin/env bash
# The one test command (`npm test`, and what .ci/run calls): installs what is missing, then type-checks,
# builds, checks the size budget, and runs every test: core and components in Chromium, the server
# against real SQLite files, and end-to-end runs in Chromium of the demo, of the kit against a real
# Django REST framework SimpleJWT server (Python packages from PyPI in .venv/), of a real Streamlit app
# in ASGI mode and of the Streamlit package's examples in a real Streamlit server, and the Streamlit
# package's pytest suite against its built wheel (in .venv-st/).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --browser --postgres --python
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

step() { printf '\n== %s\n' "$*"; }

step "typecheck"
npx tsc --noEmit -p tsconfig.json

step "build"
npm run --silent build

step "Streamlit package's environment (.venv-st/ with the wheel just built; the e2e and pytest steps use it)"
bash scripts/setup.sh --streamlit

step "size budget"
node scripts/check-size.mjs

step "core and component tests (Chromium, @web/test-runner)"
# Each suite runs to its end even when an earlier one failed; the summary says what happened and the
# exit status is non-zero when anything failed.
status=0
npx web-test-runner 2>&1 | tee "$logs/wtr.log" | grep -vE 'nodedir|^\s*$' || status=1
wtr=$(grep -oE '[0-9]+ passed, [0-9]+ failed' "$logs/wtr.log" | tail -1 || true)

step "server and end-to-end tests (node:test; real SQLite, real server, real SimpleJWT, real Streamlit, Chromium)"
node --import tsx --test --test-concurrency=1 test/server/*.test.ts test/e2e/*.test.ts 2>&1 | tee "$logs/node.log" || status=1
node_pass=$(grep -oE '^# pass [0-9]+' "$logs/node.log" | awk '{print $3}' || true)
node_fail=$(grep -oE '^# fail [0-9]+' "$logs/node.log" | awk '{print $3}' || true)

step "Streamlit package (pytest on the built wheel; real SQLite, real PostgreSQL, the server's store through Node)"
(cd python && ../.venv-st/bin/python -m pytest -q) 2>&1 | tee "$logs/pytest.log" || status=1
py_pass=$(grep -oE '[0-9]+ passed' "$logs/pytest.log" | tail -1 | awk '{print $1}' || true)
py_fail=$(grep -oE '[0-9]+ failed' "$logs/pytest.log" | tail -1 | awk '{print $1}' || true)

wtr_pass=$(echo "$wtr" | awk '{print $1}')
wtr_fail=$(echo "$wtr" | awk '{print $3}')
wtr_pass=${wtr_pass:-0} wtr_fail=${wtr_fail:-0} node_pass=${node_pass:-0} node_fail=${node_fail:-0} py_pass=${py_pass:-0} py_fail=${py_fail:-0}
printf '\nbrowser: %s passed, %s failed\nnode: %s passed, %s failed\npython: %s passed, %s failed\n' \
  "$wtr_pass" "$wtr_fail" "$node_pass" "$node_fail" "$py_pass" "$py_fail"
echo "tests: $((wtr_pass + node_pass + py_pass)) passed, $((wtr_fail + node_fail + py_fail)) failed"
if [ $((wtr_fail + node_fail + py_fail)) -gt 0 ]; then status=1; fi
exit $status
