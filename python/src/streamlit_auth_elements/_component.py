"""The one components-v1 iframe: every widget is this component with other args
(python/PROTOCOL.md). Served from the package's ``frontend/`` directory (built by vite from
src/streamlit/ and shipped in the wheel); ``AUTH_ELEMENTS_DEV_URL`` points it at a dev server.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import streamlit as st
import streamlit.components.v1 as components

FRONTEND_DIR = Path(__file__).resolve().parent / "frontend"
DEV_URL_ENV = "AUTH_ELEMENTS_DEV_URL"
COMPONENT_NAME = "auth_elements"


def _declare() -> Any:
    """Declared at render time: Streamlit registers a component only inside a script run."""
    url = os.environ.get(DEV_URL_ENV)
    if url:
        return components.declare_component(COMPONENT_NAME, url=url)
    if not (FRONTEND_DIR / "index.html").is_file():
        raise RuntimeError(
            f"streamlit-auth-elements was installed without its frontend ({FRONTEND_DIR / 'index.html'} is missing). "
            f"Install a released wheel, or build it from the repository (npm run build), or set {DEV_URL_ENV} to a dev server."
        )
    return components.declare_component(COMPONENT_NAME, path=str(FRONTEND_DIR))


def render(key: str, args: Mapping[str, Any], *, sidebar: bool = False) -> Any:
    """Render the component with ``args`` under the stable ``key``; returns its current value."""
    component = _declare()
    if sidebar:
        with st.sidebar:
            return component(key=key, default=None, **args)
    return component(key=key, default=None, **args)
