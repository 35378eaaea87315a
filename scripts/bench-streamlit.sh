#!/usr/bin/env bash
# The Streamlit benchmark (`npm run bench:streamlit [-- --runs N] [-- --json]`): this package against
# Streamlit-Authenticator 0.4.2, login and reload, in one run (bench/streamlit.ts says what it
# measures). It makes its own environment, .venv-bench/ (git-ignored), once: the Streamlit version of
# python/tests/requirements.txt (every other pinned package of that file at its pin too),
# streamlit-authenticator==0.4.2 from PyPI, and this package's dependencies; then, every time, builds
# the component page (`npm run build`) and this package's wheel the way scripts/setup.sh --streamlit
# does, and installs it there. Figures go to bench/results/ (git-ignored). Not part of `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv-bench
req=python/tests/requirements.txt
stauth=streamlit-authenticator==0.4.2
streamlit_pin=$(grep -E '^streamlit==' "$req")
# hatchling builds the wheel (--no-build-isolation, as setup.sh does); argon2-cffi, PyJWT and bcrypt
# are this package's dependencies (the wheel goes in with --no-deps).
wanted="$streamlit_pin $stauth hatchling argon2-cffi PyJWT bcrypt $(sha256sum "$req" | cut -c1-16)"
if ! { [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.bench-installed" 2>/dev/null)" = "$wanted" ]; }; then
  echo "bench: creating $venv with $streamlit_pin and $stauth from PyPI (once)" >&2
  python3 -m venv --clear "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -c "$req" \
    "$streamlit_pin" "$stauth" hatchling argon2-cffi PyJWT bcrypt >&2
  echo "$wanted" >"$venv/.bench-installed"
fi

# Everything before the benchmark prints on stderr: with --json, stdout is the figures alone.
{
  npm run --silent build
  rm -rf "$venv/dist"
  "$venv/bin/python" -m pip wheel --quiet --disable-pip-version-check --no-deps --no-build-isolation -w "$venv/dist" ./python
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-index --no-deps --force-reinstall "$venv"/dist/streamlit_auth_elements-*.whl
  "$venv/bin/python" -m pip check --disable-pip-version-check >/dev/null
} >&2

STREAMLIT_VENV="$PWD/$venv" exec node --import tsx bench/streamlit.ts "$@"
