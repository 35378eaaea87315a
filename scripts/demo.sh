#!/usr/bin/env bash
# The demo command (`npm run demo`): installs what is missing, builds the elements, and starts the
# reference server in demo mode on the embedded SQLite database (http://localhost:${PORT:-8787}), with
# the OpenID provider of /oidc.html next to it (http://localhost:$((PORT+1)), server/demo-oidc.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run --silent build
export AUTH_DEMO=1
exec node --import tsx server/main.ts
