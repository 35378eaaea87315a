#!/usr/bin/env bash
# The Streamlit demo (`npm run demo:streamlit`): installs what is missing, builds the component page,
# makes .venv-st/ with the package's built wheel (scripts/setup.sh --streamlit), and starts the tour
# (python/examples/tour.py) on the embedded SQLite database in .data/streamlit/, printing its URL and
# the demo accounts. Loopback only by default (the demo accounts' passwords are public):
# HOST=0.0.0.0 to open it to the network, PORT to change the port (default 8501).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run --silent build
bash scripts/setup.sh --streamlit
host=${HOST:-127.0.0.1}
port=${PORT:-8501}
# The users database and the demo accounts (created the first time), the cookie key.
.venv-st/bin/python python/examples/demo_setup.py
echo "the tour: http://$([ "$host" = 0.0.0.0 ] && echo localhost || echo "$host"):$port/ (data in ${AUTH_ELEMENTS_DATA_DIR:-.data/streamlit}; delete it to start over)"
exec .venv-st/bin/streamlit run python/examples/tour.py \
  --server.address "$host" --server.port "$port" --server.headless true --browser.gatherUsageStats false
