"""streamlit-jwt-authenticator's API (compat.streamlit_jwt_authenticator.Authenticator) in real script
runs (AppTest), against the real reference server and the real Django SimpleJWT server, and the
WordPress example (python/examples/wordpress_app.py) against the WordPress stand-in."""

from __future__ import annotations

import inspect
import json
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from conftest import APPS, COOKIE_KEY, COOKIE_NAME, REPO, Browser, login_request, reference_server
from jwt_servers import (
    PASSWORD,
    SIMPLEJWT_USER,
    WORDPRESS_KEY,
    WORDPRESS_USER,
    ReferenceApi,
    SimpleJwtApi,
    WordPressApi,
    decode,
    reference_api,  # noqa: F401  (fixtures)
    simplejwt_api,  # noqa: F401
    wordpress_api,  # noqa: F401
)

from streamlit_auth_elements import AuthConfigError, SessionDatabase, UsersDatabase
from streamlit_auth_elements._users_database import now_ms
from streamlit_auth_elements.compat.streamlit_jwt_authenticator import Authenticator

EXAMPLES = REPO / "python/examples"
LOGOUT = {"v": 1, "id": "logout-request-0000000001", "op": "logout", "input": {}}


@pytest.fixture
def sessions_db(tmp_path: Path) -> str:
    return str(tmp_path / "sessions.db")


def compat_app(sessions_db: str, **jwt: Any) -> Browser:
    secrets = {"jwt": jwt, "cookie_key": COOKIE_KEY, "cookie_name": COOKIE_NAME, "sessions_db": sessions_db}
    return Browser(APPS / "jwt_compat.py", secrets).run()


def app_state(b: Browser) -> dict[str, Any]:
    """The app's st.session_state (printed by the app, internal keys left out)."""
    [line] = [t for t in b.texts() if t.startswith("state ")]
    return dict(json.loads(line[len("state ") :]))


def test_the_signature_is_the_originals() -> None:
    """The original's parameters, in its order, with its defaults (streamlit-jwt-authenticator 0.0.2)."""
    params = list(inspect.signature(Authenticator).parameters.values())
    original = [(p.name, p.default) for p in params if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
    assert original == [
        ("url", inspect.Parameter.empty),
        ("method", "post"),
        ("headers", None),
        ("response_handler", None),
        ("token_key", "access"),
        ("cookie_lifetime", timedelta(minutes=15)),
    ]
    assert all(p.kind in (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.VAR_KEYWORD) for p in params[6:]), "what this layer adds is keyword-only"
    login, logout = inspect.signature(Authenticator.login), inspect.signature(Authenticator.logout)
    assert [(p.name, p.default) for p in list(login.parameters.values())[1:]] == [("location", "main")]
    assert [(p.name, p.default) for p in list(logout.parameters.values())[1:]] == [("location", "main"), ("button_name", "Logout"), ("key", None)]


def test_the_body_is_form_encoded_unless_the_headers_say_json(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """As the original sent it (requests' data=); a JSON Content-Type header gets a JSON body
    (the original sent a form body labelled JSON)."""
    monkeypatch.setenv("AUTH_COOKIE_KEY", COOKIE_KEY)
    url, sessions = "https://api.example.com/api/token/", str(tmp_path / "s.db")
    assert Authenticator(url, sessions=sessions).backend.body_format == "form"
    assert Authenticator(url, headers={"Content-Type": "application/json"}, sessions=sessions).backend.body_format == "json"
    assert Authenticator(url, headers={"X-API-KEY": "k"}, sessions=sessions, body_format="json").backend.body_format == "json"


def test_reference_server_login_reload_logout_with_the_answer_in_session_state(reference_api: ReferenceApi, sessions_db: str) -> None:
    user = reference_api.user("carla")
    b = compat_app(sessions_db, url=reference_api.login_url, headers={"X-API-KEY": WORDPRESS_KEY}, **reference_api.options())
    assert "before-login None" in b.texts()
    b.send("jwt_login", login_request(user, "not the password at all"))
    assert b.widgets()["jwt_login"]["reply"]["error"] == {"code": "invalid_credentials", "message": "Invalid username or password."}
    assert b.state()["authentication_status"] is False, "the original showed nothing for a wrong password"
    b.send("jwt_login", login_request(user, PASSWORD))
    assert b.state()["authentication_status"] is True and b.state()["username"] == "carla"
    assert "protected content" in b.texts()
    state = app_state(b)
    # Every key of the API's answer {access, token_type, expires_in, user, refresh}.
    assert {"access", "token_type", "expires_in", "user", "refresh"} <= state.keys()
    assert state["token_type"] == "Bearer" and state["user"]["username"] == "carla"
    assert reference_api.session(state["access"]) == 200
    sent = json.dumps(b.widgets())
    for secret in (state["access"], state["refresh"], WORDPRESS_KEY):
        assert secret not in sent, "the browser gets neither the tokens nor the API key"

    # A reload: signed in on the first run (already in the constructor, as the original set the
    # status there), no login widget, the same answer in session_state.
    again = b.reload()
    assert "before-login True" in again.texts() and "jwt_login" not in again.widgets()
    assert app_state(again)["access"] == state["access"]

    # Logout: one click; the API's session is revoked (logout_url) and its keys leave session_state.
    again.send("jwt_logout", LOGOUT)
    assert again.state()["authentication_status"] is None
    assert "jwt_login" in again.widgets()
    assert not {"access", "refresh", "user"} & app_state(again).keys()
    assert reference_api.session(state["access"]) == 401
    # The other tab (the first browser session) is signed out at its next run.
    assert b.run().state()["authentication_status"] is None


def test_simplejwt_form_body_and_the_blacklist_at_logout(simplejwt_api: SimpleJwtApi, sessions_db: str) -> None:
    """The original's default: a form-encoded body to SimpleJWT's /api/token/ (token_key "access")."""
    b = compat_app(sessions_db, url=simplejwt_api.login_url, **simplejwt_api.options())
    b.send("jwt_login", login_request(*SIMPLEJWT_USER))
    assert b.state()["authentication_status"] is True
    first = app_state(b)
    assert {"access", "refresh"} <= first.keys()
    b.send("jwt_logout", LOGOUT)
    assert b.state()["authentication_status"] is None
    after = simplejwt_api.refresh(first["refresh"])
    assert after.status_code == 401 and "blacklisted" in after.text, "logout_url blacklisted the refresh token"


def test_after_a_refresh_session_state_holds_the_new_tokens(tmp_path: Path, sessions_db: str) -> None:
    """Real time: the reference server's tokens live 2 s here; the test waits until the first one
    has expired, then one run refreshes it (rotating the refresh token too)."""
    database = tmp_path / "auth.db"
    UsersDatabase(database).create_user("ivo", PASSWORD, name="Ivo")
    with reference_server(str(database), tmp_path, ACCESS_TTL="2") as server:
        api = ReferenceApi(origin=server.origin, database=database)
        b = compat_app(sessions_db, url=api.login_url, **api.options())
        b.send("jwt_login", login_request("ivo", PASSWORD))
        first = app_state(b)
        while now_ms() <= (decode(first["access"])["exp"] + 1) * 1000:
            time.sleep(0.2)
        b.run()
        assert b.state()["authentication_status"] is True
        renewed = app_state(b)
        assert renewed["access"] != first["access"] and renewed["refresh"] != first["refresh"]
        assert api.session(renewed["access"]) == 200


def test_a_missing_cookie_key_stops_with_how_to_make_one(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("AUTH_COOKIE_KEY", raising=False)
    monkeypatch.chdir(tmp_path)  # no .streamlit/secrets.toml here
    with pytest.raises(AuthConfigError) as err:
        Authenticator("https://api.example.com/api/token/", sessions=str(tmp_path / "s.db"))
    message = str(err.value)
    assert "AUTH_COOKIE_KEY" in message and "secrets.toml" in message and "secrets.token_urlsafe(32)" in message
    monkeypatch.setenv("AUTH_COOKIE_KEY", "short")
    with pytest.raises(AuthConfigError, match="too short"):
        Authenticator("https://api.example.com/api/token/", sessions=str(tmp_path / "s.db"))
    monkeypatch.setenv("AUTH_COOKIE_KEY", COOKIE_KEY)
    with pytest.raises(TypeError, match="refresh_ur"):  # a misspelt option of JwtApiBackend's
        Authenticator("https://api.example.com/api/token/", sessions=str(tmp_path / "s.db"), refresh_ur="https://api.example.com/r")
    assert Authenticator("https://api.example.com/api/token/", sessions=str(tmp_path / "s.db")).auth.cookie_name == "jwt_auth_session"


# ------------------------------------------------------------------ the WordPress example


def wordpress_example(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, api: WordPressApi, api_key: str = WORDPRESS_KEY) -> Browser:
    monkeypatch.chdir(tmp_path)  # the session database (auth-sessions.db) goes here
    monkeypatch.setenv("AUTH_COOKIE_KEY", COOKIE_KEY)
    monkeypatch.setenv("WORDPRESS_URL", api.origin)
    monkeypatch.setenv("WORDPRESS_API_KEY", api_key)
    return Browser(EXAMPLES / "wordpress_app.py", {}).run()


def test_wordpress_example_form_login_with_the_key_validate_on_every_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, wordpress_api: WordPressApi) -> None:
    b = wordpress_example(monkeypatch, tmp_path, wordpress_api)
    b.send("jwt_login", login_request(WORDPRESS_USER[0], "not alices password"))
    assert b.widgets()["jwt_login"]["reply"]["error"]["code"] == "invalid_credentials"
    b.send("jwt_login", login_request(*WORDPRESS_USER))
    assert b.state()["authentication_status"] is True
    assert any("Welcome, Alice Liddell (alice@example.com)." in m.value for m in b.at.markdown)
    token = b.at.session_state["token"]
    assert WORDPRESS_KEY not in json.dumps(b.widgets()) and token not in json.dumps(b.widgets())
    seen = wordpress_api.seen()
    assert [(r["path"], r["api_key_ok"], r["bearer"]) for r in seen] == [
        ("/wp-json/jwt-auth/v1/token", True, False),  # the wrong password
        ("/wp-json/jwt-auth/v1/token", True, False),
        ("/wp-json/jwt-auth/v1/token/validate", True, True),  # at login
    ]
    # A reload: signed in on its first run, the token validated again (Bearer + the key).
    again = b.reload()
    assert again.state()["authentication_status"] is True and "jwt_login" not in again.widgets()
    assert wordpress_api.seen()[len(seen) :] == [{"method": "POST", "path": "/wp-json/jwt-auth/v1/token/validate", "api_key_ok": True, "bearer": True}]
    # The site changes JWT_AUTH_SECRET_KEY: every token is invalid; the next run signs out.
    wordpress_api.rotate_secret()
    assert again.run().state()["authentication_status"] is None
    assert "jwt_login" in again.widgets()
    assert SessionDatabase(str(tmp_path / "auth-sessions.db")).store._db.execute("SELECT count(*) AS n FROM st_sessions WHERE revoked_at IS NULL").fetchone()["n"] == 0


def test_wordpress_example_with_a_wrong_api_key_says_the_service_failed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, wordpress_api: WordPressApi) -> None:
    b = wordpress_example(monkeypatch, tmp_path, wordpress_api, api_key="not-the-sites-key")
    b.send("jwt_login", login_request(*WORDPRESS_USER))
    assert b.widgets()["jwt_login"]["reply"]["error"] == {"code": "server_error", "message": "The sign-in service failed (HTTP 500). Try again in a moment."}
    assert b.state()["authentication_status"] is None
    assert requests.get(f"{wordpress_api.origin}/_test/requests", timeout=30).json()[0]["api_key_ok"] is False
