"""One line on stderr when a script run starts and one when it reaches its end, for the benchmark
driver (bench/streamlit.ts) to count runs, like python/examples/demo_setup.py's ``demo-run`` line.

The start line counts every run, also one that Streamlit interrupts (a rerun requested while the
script runs stops it at its next widget call) or that ``st.rerun()`` ends early; the end line says
what the run decided; the content line, written right after the protected text, is when the
script handed that text to Streamlit. ``t`` is the time (ms since the epoch), for the driver to place each run
between the click (or the navigation start) and the protected text.
"""

import secrets
import sys
import time

import streamlit as st


def _line(app: str, phase: str, **extra: object) -> None:
    tab = st.session_state.setdefault("bench_tab", secrets.token_hex(3))
    run = st.session_state.get("bench_runs", 0)
    fields = " ".join(f"{k}={v}" for k, v in extra.items())
    at = f"{time.time() * 1000:.1f}"  # ms since the epoch: the driver sets it against the page's clock
    print(f"bench-run app={app} tab={tab} run={run} phase={phase} t={at} {fields}".rstrip(), file=sys.stderr, flush=True)


def run_started(app: str) -> None:
    st.session_state["bench_runs"] = st.session_state.get("bench_runs", 0) + 1
    _line(app, "start")


def content_written(app: str) -> None:
    """Right after the protected content's ``st.write``: its delta is on its way to the browser."""
    _line(app, "content")


def run_ended(app: str) -> None:
    _line(app, "end", authentication_status=st.session_state.get("authentication_status"))
