#!/usr/bin/env bash
# Installs what the demo and the tests need, and nothing twice. Safe to run again.
#   scripts/setup.sh            npm packages
#   scripts/setup.sh --browser  + Debian's Chromium (for tests)
#   scripts/setup.sh --postgres + Debian's PostgreSQL (for the store tests)
#   scripts/setup.sh --python   + a Python virtual environment in .venv/ with Django, DRF and SimpleJWT
#                                 from PyPI (test/simplejwt/requirements.txt), for the SimpleJWT e2e tests
#   scripts/setup.sh --streamlit + a Python virtual environment in .venv-st/ with the Streamlit package's
#                                 test requirements from PyPI (python/tests/requirements.txt), and the
#                                 package's wheel built from python/ (with the frontend `npm run build`
#                                 put into it) installed there; run it after the build
set -euo pipefail
cd "$(dirname "$0")/.."

export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false
# better-sqlite3 compiles against the local Node headers when no prebuilt binary can be fetched.
if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node.h ]; then export npm_config_nodedir=/usr; fi

apt_ready=0
apt_install() {
  if [ "$(id -u)" != 0 ]; then
    echo "setup: '$*' is missing and only root can install it: sudo apt-get install -y $*" >&2
    exit 1
  fi
  if [ $apt_ready = 0 ]; then
    echo "setup: apt-get update"
    apt-get update -qq
    apt_ready=1
  fi
  echo "setup: installing $* from Debian (once)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

stamp=node_modules/.setup-stamp
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
  echo "setup: installing npm packages (first run takes a few minutes: better-sqlite3 is compiled)"
  # `npm install`, not `npm ci`: npm 11 drops some platform-specific optional packages (rollup's) from
  # the lock file and `npm ci` then refuses it; install still follows the locked versions.
  npm install --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi

# The browser's copy of the common-password list (generated from the installed package, not committed).
if [ ! -f src/components/auth-form/common-passwords-8.ts ] || [ "$stamp" -nt src/components/auth-form/common-passwords-8.ts ]; then
  node scripts/common-passwords.mjs >/dev/null
fi

# The SimpleJWT test server's packages go into .venv/ with that environment's own pip, never into the
# system Python; reinstalled only when the pinned requirements change.
python_venv() {
  local venv=.venv req=test/simplejwt/requirements.txt
  if [ -x "$venv/bin/python" ] && cmp -s "$req" "$venv/.requirements-installed"; then return; fi
  command -v python3 >/dev/null || apt_install python3 python3-venv
  echo "setup: creating $venv (Python $(python3 -c 'import platform; print(platform.python_version())')) with $req from PyPI (once)"
  if ! python3 -m venv --clear "$venv" >/dev/null 2>&1; then
    apt_install python3-venv # Debian's python3 needs it for ensurepip
    python3 -m venv --clear "$venv"
  fi
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$req"
  cp "$req" "$venv/.requirements-installed"
}

# The Streamlit package's test environment: pinned requirements (installed once), then the package
# as its BUILT WHEEL (rebuilt every time: it follows the source), never an editable install.
streamlit_venv() {
  local venv=.venv-st req=python/tests/requirements.txt
  if ! { [ -x "$venv/bin/python" ] && cmp -s "$req" "$venv/.requirements-installed"; }; then
    command -v python3 >/dev/null || apt_install python3 python3-venv
    echo "setup: creating $venv (Python $(python3 -c 'import platform; print(platform.python_version())')) with $req from PyPI (once)"
    if ! python3 -m venv --clear "$venv" >/dev/null 2>&1; then
      apt_install python3-venv
      python3 -m venv --clear "$venv"
    fi
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$req"
    cp "$req" "$venv/.requirements-installed"
  fi
  [ -f python/src/streamlit_auth_elements/frontend/index.html ] ||
    echo "setup: warning: python/src/streamlit_auth_elements/frontend/ is not built (npm run build); the wheel has no frontend" >&2
  rm -rf python/dist
  "$venv/bin/python" -m pip wheel --quiet --disable-pip-version-check --no-deps --no-build-isolation -w python/dist ./python
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-index --no-deps --force-reinstall python/dist/streamlit_auth_elements-*.whl
  "$venv/bin/python" -m pip check --disable-pip-version-check >/dev/null
}

for arg in "$@"; do
  case "$arg" in
    --browser) [ -x /usr/bin/chromium ] || apt_install chromium ;;
    --postgres) [ -x /usr/lib/postgresql/15/bin/initdb ] || apt_install postgresql ;;
    --python) python_venv ;;
    --streamlit) streamlit_venv ;;
  esac
done
