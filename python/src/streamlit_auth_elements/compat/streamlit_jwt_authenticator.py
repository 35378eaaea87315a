"""streamlit-jwt-authenticator's API over ``Auth`` and ``JwtApiBackend``: change only the import.

    from streamlit_auth_elements.compat.streamlit_jwt_authenticator import Authenticator

    authenticator = Authenticator("http://localhost/api/token/")
    authenticator.login()
    if st.session_state["authentication_status"]:
        authenticator.logout()
        st.write(st.session_state["access"])

What stays as it was: the constructor's arguments and defaults (``url``, ``method="post"``,
``headers``, ``response_handler`` called with the ``requests.Response``, ``token_key="access"``,
``cookie_lifetime=timedelta(minutes=15)``), the body (form-encoded ``username`` / ``password``
unless ``headers`` say JSON), ``login(location)``, ``logout(location, button_name, key)``, and
``st.session_state``: ``authentication_status``, ``username``, and every key of the API's answer
(``st.session_state["access"]``) while signed in.

What changes, on purpose: the browser gets this package's own signed session cookie, never the
API's tokens (the original put every key of the answer in cookies, and took any cookie named
``access`` as a login); the API's answer is kept on the server, with the session; wrong
credentials show an error; logout ends the session at once, everywhere (and tells ``logout_url``);
with ``refresh_url`` the package refreshes the token itself, and ``st.session_state`` holds the
current tokens at each run (do not refresh with ``st.session_state["refresh"]`` yourself: a rotated
refresh token presented twice makes SimpleJWT refuse it and the reference server end the session);
a cookie key is needed (``st.secrets["cookie_key"]`` or ``AUTH_COOKIE_KEY``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

import requests
import streamlit as st

from .._auth import STATE_KEYS, Auth, Location
from .._errors import AuthConfigError
from .._jwt_api import BodyFormat, JwtApiBackend, TokenVerification, _with_path
from .._session_database import SessionDatabase
from .._tokens import HOW_TO_MAKE_ONE

__all__ = ["Authenticator", "TokenVerification"]

COOKIE_NAME = "jwt_auth_session"
LOGIN_KEY = "jwt_login"
LOGOUT_KEY = "jwt_logout"


class Authenticator:
    """streamlit-jwt-authenticator's ``Authenticator``.

    The original's arguments first, then (keyword-only) what this layer adds. Every keyword
    option of ``JwtApiBackend`` is taken and passed on (``**api_options``), among them:

    - ``refresh_url``, ``refresh_key`` (``"refresh"``): renew the token before it expires
      (SimpleJWT's ``/api/token/refresh/``); without one the session ends when the token expires,
      or after ``cookie_lifetime``, whichever comes first.
    - ``logout_url``: told at logout (SimpleJWT's ``/api/token/blacklist/``).
    - ``verify_url`` (+ ``verify_method``, ``verify_token_in``, ``verify_interval``): the API checks
      the token (WordPress's ``/token/validate``, with the same ``headers``), at login and then every
      ``verify_interval`` seconds (0: every run, as the WordPress recipe did).
    - ``verify``: ``TokenVerification(jwks_url=..., issuer=..., audience=...)``, checked by Python.
    - ``extra_body`` (the reference server: ``{"refresh_in_body": True}``); ``username_field`` /
      ``password_field``; ``subject_claim`` … ``roles_claim``; ``timeout``.

    And its own:

    - ``body_format``: ``"form"`` or ``"json"`` (default: JSON when ``headers`` has a JSON
      ``Content-Type``, else form, as the original sent).
    - ``cookie_key``: signs the session cookie (default: ``st.secrets["cookie_key"]``, else the
      ``AUTH_COOKIE_KEY`` environment variable; neither stops the app saying how to make one).
      ``cookie_name``; ``sessions``: a ``SessionDatabase`` or its path/URL (default:
      ``AUTH_SESSIONS_DATABASE_URL`` or ``AUTH_SESSIONS_DB``, else ``auth-sessions.db``).
    - ``fields``, ``lang``: the login form's texts and language.
    """

    def __init__(
        self,
        url: str,
        method: str = "post",
        headers: Mapping[str, str] | None = None,
        response_handler: Callable[[requests.Response], Mapping[str, Any]] | None = None,
        token_key: str = "access",
        cookie_lifetime: timedelta = timedelta(minutes=15),
        *,
        body_format: BodyFormat | None = None,
        cookie_key: str | bytes | None = None,
        cookie_name: str = COOKIE_NAME,
        sessions: SessionDatabase | str | os.PathLike[str] | None = None,
        fields: Mapping[str, str] | None = None,
        lang: str | None = None,
        **api_options: Any,
    ):
        lifetime = cookie_lifetime.total_seconds() if isinstance(cookie_lifetime, timedelta) else cookie_lifetime
        if not isinstance(lifetime, (int, float)) or isinstance(lifetime, bool) or lifetime <= 0:
            raise AuthConfigError("cookie_lifetime must be a positive timedelta (or a number of seconds)")
        if body_format is None:
            content_type = next((v for k, v in (headers or {}).items() if k.lower() == "content-type"), "")
            body_format = "json" if "json" in content_type.lower() else "form"
        self.backend = JwtApiBackend(
            url,
            method=method,
            headers=headers,
            body_format=body_format,
            response_handler=response_handler,
            token_key=token_key,
            **api_options,
        )
        store = sessions if isinstance(sessions, SessionDatabase) else SessionDatabase(sessions)
        self.auth = Auth(
            self.backend,
            sessions=store,
            cookie_key=_cookie_key(cookie_key),
            cookie_name=cookie_name,
            cookie_expiry_days=lifetime / 86400,
        )
        self.url = url
        self.method = method
        self.headers = headers
        self.response_handler = response_handler
        self.token_key = token_key
        self.cookie_lifetime = cookie_lifetime
        self.fields = fields
        self.lang = lang
        self._keys_slot = f"_auth_elements:{cookie_name}:response_keys"
        if _in_script_run():
            # The original set authentication_status (and username) in its constructor: code that
            # reads them before login() finds them; here they say who is signed in already.
            self.auth.status_now()
            self._sync()

    def login(self, location: Location = "main") -> None:
        """The login form while nobody is signed in (``"main"`` or ``"sidebar"``; ``"unrendered"``
        only restores a session from the cookie)."""
        self.auth.login(location, key=LOGIN_KEY, fields=self.fields, lang=self.lang)
        self._sync()

    def logout(self, location: Location = "main", button_name: str = "Logout", key: str | None = None) -> None:
        """The logout button while someone is signed in (``"unrendered"`` signs out at once)."""
        self.auth.logout(location, key=key or LOGOUT_KEY, button_name=button_name, lang=self.lang)
        self._sync()

    def _sync(self) -> None:
        """Every key of the API's answer in ``st.session_state`` while signed in (never over the
        core's own keys), as stored now: the token and the refresh token are the current ones after
        a refresh; removed when the session ends."""
        state = st.session_state
        previous = list(state.get(self._keys_slot) or [])
        user = self.auth.user
        answer = user.extra.get("response") if user is not None else None
        if isinstance(answer, Mapping) and isinstance(user.extra.get("refresh"), str):  # type: ignore[union-attr]
            answer = _with_path(answer, self.backend.refresh_key, user.extra["refresh"])  # type: ignore[union-attr]
        keys: list[str] = []
        if isinstance(answer, Mapping):
            for name, value in answer.items():
                if not isinstance(name, str) or name in STATE_KEYS or name.startswith("_auth_elements:") or name in (LOGIN_KEY, LOGOUT_KEY):
                    continue
                state[name] = value
                keys.append(name)
        for name in previous:
            if name not in keys and name in state:
                del state[name]
        state[self._keys_slot] = keys


def _in_script_run() -> bool:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    return get_script_run_ctx() is not None


def _secret_cookie_key() -> str | None:
    try:
        loader = getattr(st.secrets, "load_if_toml_exists", None)
        if callable(loader) and not loader():  # no secrets file (asked without an error on the page)
            return None
        value = st.secrets.get("cookie_key")
    except Exception:
        return None
    return value if isinstance(value, str) and value else None


def _cookie_key(given: str | bytes | None) -> str | bytes:
    """The key the session cookie is signed with: given, else ``st.secrets["cookie_key"]``, else
    the ``AUTH_COOKIE_KEY`` environment variable; none of them stops the app with how to make one
    (streamlit-jwt-authenticator had no key: it stored the API's tokens in plain cookies). The same
    key on every process and machine of the app; ``Auth`` refuses short and published ones."""
    if given is not None:
        return given
    found = _secret_cookie_key() or os.environ.get("AUTH_COOKIE_KEY")
    if found:
        return found
    raise AuthConfigError(
        "no cookie key: this package signs its own session cookie (streamlit-jwt-authenticator needed none). "
        'Put cookie_key = "..." in .streamlit/secrets.toml or set the AUTH_COOKIE_KEY environment variable, '
        "the same on every machine of the app. " + HOW_TO_MAKE_ONE.split(" and keep it")[0] + "."
    )
