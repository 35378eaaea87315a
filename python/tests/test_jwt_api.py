"""The JWT API backend (JwtApiBackend) against real APIs on loopback: the reference server (the
refresh token in the body), Django REST framework SimpleJWT (rotation and blacklist), and a
WordPress stand-in that requires an API key. Through the core (Auth in real script runs, AppTest),
directly (the backend with a real SessionDatabase and a clock the test moves), and through the
ASGI routes.

What the browser gets is checked in every run: the args of every component rendered carry neither
the API's tokens nor its headers."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests
from conftest import APPS, COOKIE_KEY, COOKIE_NAME, Browser, _free_port, login_request, reference_server
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
from starlette.applications import Starlette
from test_routes import Served, _fresh_asgi_state, login_path  # noqa: F401  (the routes' fixture too)

from streamlit_auth_elements import (
    Auth,
    AuthConfigError,
    AuthError,
    Identity,
    JwtApiBackend,
    SessionDatabase,
    TokenVerification,
    UsersDatabase,
    routes,
)
from streamlit_auth_elements._codes import new_binding
from streamlit_auth_elements._users_database import now_ms

SECOND = 1000


@pytest.fixture
def sessions_db(tmp_path: Path) -> str:
    return str(tmp_path / "sessions.db")


def secrets_for(sessions_db: str, **jwt: Any) -> dict[str, Any]:
    return {"jwt": jwt, "cookie_key": COOKIE_KEY, "cookie_name": COOKIE_NAME, "sessions_db": sessions_db}


def nothing_secret_in_the_browser(b: Browser, *secrets: str | None) -> None:
    """The args of every component of the last run (all the browser is sent) hold none of these."""
    sent = json.dumps(b.widgets())
    for secret in secrets:
        if secret:
            assert secret not in sent


def stored(sessions_db: str) -> list[Identity]:
    """The identities of the live sessions in the session database."""
    from streamlit_auth_elements._session_database import identity_from_json

    store = SessionDatabase(sessions_db).store
    rows = store._db.execute("SELECT identity FROM st_sessions WHERE revoked_at IS NULL").fetchall()
    return [i for i in (identity_from_json(r["identity"]) for r in rows) if i is not None]


def session_row(sessions_db: str) -> tuple[str, str]:
    row = SessionDatabase(sessions_db).store._db.execute("SELECT id, user_id FROM st_sessions").fetchone()
    return row["id"], row["user_id"]


def reply_of(b: Browser, key: str = "login") -> dict[str, Any]:
    reply: dict[str, Any] = b.widgets()[key]["reply"]
    return reply


# ------------------------------------------------------------------ the reference server


def test_reference_login_wrong_password_then_right_the_answer_stays_on_the_server(reference_api: ReferenceApi, sessions_db: str) -> None:
    user = reference_api.user("rita")
    b = Browser(APPS / "jwt_core.py", secrets_for(sessions_db, url=reference_api.login_url, **reference_api.options())).run()
    b.send("login", login_request(user, "not the password at all"))
    assert reply_of(b)["error"] == {"code": "invalid_credentials", "message": "Invalid username or password."}
    assert b.state()["authentication_status"] is False
    b.send("login", login_request(user, PASSWORD))
    assert b.state() == {"authentication_status": True, "name": "Rita Example", "username": "rita", "email": "rita@example.com", "roles": ["member"]}
    assert "protected content" in b.texts()
    [identity] = stored(sessions_db)
    access, refresh = identity.extra["token"], identity.extra["refresh"]
    assert f"token {access}" in b.texts() and reference_api.session(access) == 200
    assert isinstance(refresh, str) and "refresh" not in identity.extra["response"]
    assert identity.id == decode(access)["sub"]
    nothing_secret_in_the_browser(b, access, refresh)
    assert "login" not in b.widgets(), "the login widget (and the password in its state) is gone"


def test_reference_429_is_passed_on_with_its_retry_after(reference_api: ReferenceApi) -> None:
    user = reference_api.user("randy")
    backend = JwtApiBackend(reference_api.login_url, **reference_api.options())

    def attempt(_: int) -> str:
        try:
            return "accepted" if backend.check_password(user, "a wrong guess of a password", now_ms()) else "refused"
        except AuthError as err:
            assert err.code == "rate_limited" and err.retry_after is not None and err.retry_after >= 1
            assert err.message == "Too many failed login attempts. Try again later."
            return "rate_limited"

    # 12 concurrent guesses: the server verifies at most 5 (its account limit) while its block
    # lasts and answers the rest 429, which the backend passes on as rate_limited. (Its block is 1 s:
    # a slow machine may let a few more through after it, so only the split is checked, not 5/7.)
    with ThreadPoolExecutor(12) as pool:
        outcomes = list(pool.map(attempt, range(12)))
    assert "accepted" not in outcomes
    assert outcomes.count("rate_limited") >= 1 and outcomes.count("refused") >= 5, outcomes


def test_an_apis_429_is_shown_and_not_counted_by_the_apps_throttle(recorder: Any, sessions_db: str) -> None:
    """One piece (the widget's handling of the backend's rate_limited), against a stand-in that
    answers every login 429 (the reference server's own block lasts 1 s: too short to test a widget
    against without timing)."""
    api, seen = recorder(status=429, headers_out={"Retry-After": "120"}, body=b'{"error": "rate_limited"}')
    b = Browser(APPS / "jwt_core.py", secrets_for(sessions_db, url=f"{api}/token")).run()
    for attempt in range(7):  # more than the app's own limit (5)
        b.send("login", login_request("randy", PASSWORD + str(attempt)))
        error = reply_of(b)["error"]
        assert error == {"code": "rate_limited", "message": "Too many failed login attempts. Try again later.", "retry_after": 120}
    assert b.state()["authentication_status"] is None, "not a wrong password: the API did not judge it"
    assert len(seen) == 7, "the app's throttle counted none of them: every attempt reached the API"
    failures = SessionDatabase(sessions_db).store._db.execute("SELECT count(*) AS n FROM st_login_failures WHERE count > 0").fetchone()["n"]
    assert failures == 0


def test_reference_token_is_refreshed_before_it_expires_and_logout_revokes_it(reference_api: ReferenceApi, sessions_db: str) -> None:
    user = reference_api.user("ruth")
    secrets = secrets_for(sessions_db, url=reference_api.login_url, **reference_api.options())
    b = Browser(APPS / "jwt_core.py", secrets).run()
    b.send("login", login_request(user, PASSWORD))
    [first] = stored(sessions_db)
    lifetime = first.extra["exp"] - first.extra["iat"]
    assert lifetime == 300 * SECOND

    def token_after(offset_ms: int) -> str:
        b.at.secrets["clock_offset_ms"] = offset_ms
        b.run()
        assert b.state()["authentication_status"] is True
        [identity] = stored(sessions_db)
        assert f"token {identity.extra['token']}" in b.texts()
        nothing_secret_in_the_browser(b, identity.extra["token"], identity.extra["refresh"])
        return str(identity.extra["token"])

    assert token_after(100 * SECOND) == first.extra["token"], "not refreshed while far from expiry"
    second = token_after(lifetime - 50 * SECOND)  # within the 60 s leeway
    assert second != first.extra["token"] and reference_api.session(second) == 200
    [identity] = stored(sessions_db)
    assert identity.extra["refresh"] != first.extra["refresh"], "the rotated refresh token replaced the old one"
    # Logout: the API is told (Bearer + refresh token); its session is revoked at once.
    b.send("logout", {"v": 1, "id": "logout-request-0000000001", "op": "logout", "input": {}})
    assert b.state()["authentication_status"] is None
    assert reference_api.session(second) == 401
    assert stored(sessions_db) == []


def test_an_expired_token_is_renewed_at_the_next_run(tmp_path: Path, sessions_db: str) -> None:
    """A user idle for longer than the token's life: the refresh token renews it (real time: the
    reference server's tokens live 2 s here; the test waits until the first one has expired)."""
    database = tmp_path / "auth.db"
    UsersDatabase(database).create_user("ivy", PASSWORD, name="Ivy")
    with reference_server(str(database), tmp_path, ACCESS_TTL="2") as server:
        api = ReferenceApi(origin=server.origin, database=database)
        b = Browser(APPS / "jwt_core.py", secrets_for(sessions_db, url=api.login_url, **api.options())).run()
        b.send("login", login_request("ivy", PASSWORD))
        [first] = stored(sessions_db)
        while now_ms() <= first.extra["exp"] + SECOND:
            time.sleep(0.2)
        assert b.run().state()["authentication_status"] is True
        [renewed] = stored(sessions_db)
        assert renewed.extra["token"] != first.extra["token"] and renewed.extra["exp"] > first.extra["exp"]
        assert api.session(renewed.extra["token"]) == 200


def test_without_a_refresh_url_the_session_ends_when_the_token_expires(reference_api: ReferenceApi, sessions_db: str) -> None:
    user = reference_api.user("rory")
    b = Browser(APPS / "jwt_core.py", secrets_for(sessions_db, url=reference_api.login_url)).run()
    b.send("login", login_request(user, PASSWORD))
    [identity] = stored(sessions_db)
    assert identity.extra["refresh"] is None  # the reference server kept it in a cookie, which Python drops
    b.at.secrets["clock_offset_ms"] = 250 * SECOND
    assert b.run().state()["authentication_status"] is True
    b.at.secrets["clock_offset_ms"] = 301 * SECOND
    assert b.run().state()["authentication_status"] is None
    assert "login" in b.widgets()


# ------------------------------------------------------------------ SimpleJWT


def simplejwt_session(api: SimpleJwtApi, sessions_db: str, **options: Any) -> tuple[JwtApiBackend, SessionDatabase, str, Identity, int]:
    """A login through the backend and a session for it in the store, as Auth opens one."""
    backend = JwtApiBackend(api.login_url, **api.options(**options))
    sessions = SessionDatabase(sessions_db)
    backend.bind_sessions(sessions)
    now = now_ms()
    identity = backend.check_password(*SIMPLEJWT_USER, now)
    assert identity is not None
    sessions.create_session("s-" + str(now), identity, now + 3600 * SECOND, now)
    return backend, sessions, "s-" + str(now), identity, now


def test_simplejwt_rotation_the_old_refresh_token_is_blacklisted_the_new_one_stored(simplejwt_api: SimpleJwtApi, sessions_db: str) -> None:
    backend, sessions, sid, identity, now = simplejwt_session(simplejwt_api, sessions_db)
    assert identity.id == "1" and identity.username == "alice"  # SimpleJWT's user_id
    assert backend.current_identity(identity, now + 200 * SECOND, session_id=sid) == identity, "not due yet"
    renewed = backend.current_identity(identity, now + 250 * SECOND, session_id=sid)
    assert renewed is not None and renewed.extra["token"] != identity.extra["token"]
    assert renewed.extra["refresh"] != identity.extra["refresh"]
    assert sessions.resume_session(sid, identity.id, now) == renewed, "stored with the session"
    old = simplejwt_api.refresh(identity.extra["refresh"])
    assert old.status_code == 401 and "blacklisted" in old.text
    # Logout: SimpleJWT's blacklist view gets the newest refresh token.
    backend.end_session(renewed, now, session_id=sid)
    after = simplejwt_api.refresh(renewed.extra["refresh"])
    assert after.status_code == 401 and "blacklisted" in after.text


def test_concurrent_runs_of_one_session_refresh_once(simplejwt_api: SimpleJwtApi, sessions_db: str) -> None:
    """8 runs of one session at once (tabs of one browser) when the token is due: one refresh, and
    every run gets its token. (The stored issue and expiry times are moved 250 s back, not the
    clock: a clock ahead of the API's would find every new token due as well.)"""
    backend, sessions, sid, identity, now = simplejwt_session(simplejwt_api, sessions_db)
    earlier = {"exp": identity.extra["exp"] - 250 * SECOND, "iat": identity.extra["iat"] - 250 * SECOND}
    due = Identity(**{**identity.__dict__, "extra": {**identity.extra, **earlier}})
    sessions.update_session_identity(sid, due)
    before = simplejwt_api.requests_seen().get("POST /api/token/refresh/", 0)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: backend.current_identity(due, now_ms(), session_id=sid), range(8)))
    assert simplejwt_api.requests_seen().get("POST /api/token/refresh/", 0) - before == 1
    tokens = {r.extra["token"] for r in results if r is not None}
    assert len(tokens) == 1 and tokens != {identity.extra["token"]}


def test_a_refused_refresh_token_ends_the_session_for_every_tab(simplejwt_api: SimpleJwtApi, sessions_db: str) -> None:
    backend, sessions, sid, identity, now = simplejwt_session(simplejwt_api, sessions_db)
    requests.post(f"{simplejwt_api.origin}/api/token/blacklist/", json={"refresh": identity.extra["refresh"]}, timeout=30).raise_for_status()
    assert backend.current_identity(identity, now + 100 * SECOND, session_id=sid) == identity, "the access token is still good"
    assert backend.current_identity(identity, now + 250 * SECOND, session_id=sid) is None
    assert sessions.resume_session(sid, identity.id, now) is None, "revoked in the store"


def test_simplejwt_rs256_tokens_are_verified_with_its_jwks(simplejwt_api: SimpleJwtApi) -> None:
    base = f"{simplejwt_api.origin}/v"
    issuer, audience = "https://simplejwt.test", "auth-elements-e2e"

    def login(variant: str, **verify: Any) -> Identity | None:
        check = TokenVerification(**{"jwks_url": f"{base}/{variant}/api/jwks/", "algorithms": ("RS256",), "issuer": issuer, "audience": audience, **verify})
        return JwtApiBackend(f"{base}/{variant}/api/token/", verify=check, subject_claim="user_id").check_password(*SIMPLEJWT_USER, now_ms())

    identity = login("rs")
    assert identity is not None and identity.id == "1"
    for variant, verify in (("rs", {"audience": "another-app"}), ("rs", {"issuer": "https://elsewhere.test"}), ("rs", {"typ": "at+jwt"}), ("rs", {"algorithms": ("ES256",)})):
        with pytest.raises(AuthError) as refused:
            login(variant, **verify)
        assert (refused.value.code, refused.value.message) == ("server_error", "The sign-in service's token could not be verified.")
    assert login("rs-typed", typ="at+jwt") is not None
    # SimpleJWT's default HS256 tokens, checked with a wrong shared secret: refused.
    with pytest.raises(AuthError, match="could not be verified"):
        JwtApiBackend(simplejwt_api.login_url, verify=TokenVerification(key="not-the-django-secret-key-at-all-0123456789", algorithms=("HS256",))).check_password(*SIMPLEJWT_USER, now_ms())


def test_token_verification_refuses_unsafe_settings() -> None:
    with pytest.raises(AuthConfigError, match="never 'none'"):
        TokenVerification(jwks_url="https://api.example.com/jwks", algorithms=("none",))
    with pytest.raises(AuthConfigError, match="HS256"):
        TokenVerification(jwks_url="https://api.example.com/jwks", algorithms=("RS256", "HS256"))
    with pytest.raises(AuthConfigError, match="exactly one"):
        TokenVerification(algorithms=("RS256",))
    with pytest.raises(AuthConfigError, match="http"):
        JwtApiBackend("ftp://api.example.com/token")


def test_auth_needs_a_session_database_for_the_tokens(tmp_path: Path) -> None:
    backend = JwtApiBackend("https://api.example.com/token")
    with pytest.raises(AuthConfigError, match="keeps no sessions"):
        Auth(backend, cookie_key=COOKIE_KEY)
    with pytest.raises(AuthConfigError, match="SessionDatabase"):
        Auth(backend, sessions=UsersDatabase(tmp_path / "users.db"), cookie_key=COOKIE_KEY)
    Auth(backend, sessions=SessionDatabase(tmp_path / "sessions.db"), cookie_key=COOKIE_KEY)


# ------------------------------------------------------------------ WordPress (stand-in) and failures


def test_wordpress_without_the_api_key_is_a_clear_server_error_never_counted_as_a_guess(wordpress_api: WordPressApi, sessions_db: str) -> None:
    b = Browser(APPS / "jwt_core.py", secrets_for(sessions_db, url=wordpress_api.token_url, body_format="form", token_key="token")).run()
    for attempt in range(7):
        b.send("login", login_request(WORDPRESS_USER[0], WORDPRESS_USER[1] + str(attempt % 2)))
        assert reply_of(b)["error"] == {"code": "server_error", "message": "The sign-in service failed (HTTP 500). Try again in a moment."}
    assert "Traceback" not in json.dumps(b.widgets())
    assert b.state()["authentication_status"] is None
    assert [r["api_key_ok"] for r in wordpress_api.seen()] == [False] * 7, "7 calls reached the API: none was throttled as a wrong password"


def test_an_unreachable_api_is_a_server_error_and_the_account_is_not_locked(sessions_db: str) -> None:
    url = f"http://127.0.0.1:{_free_port()}/api/token/"
    b = Browser(APPS / "jwt_core.py", secrets_for(sessions_db, url=url, timeout=5)).run()
    for _ in range(6):
        b.send("login", login_request("alice", "whatever password"))
        assert reply_of(b)["error"] == {"code": "server_error", "message": "The sign-in service cannot be reached. Try again in a moment."}


class _Recorder(BaseHTTPRequestHandler):
    """One piece, mocked: a server that answers every POST with ``status`` (+ Location / body) and
    records the headers it got."""

    status = 200
    location = ""
    headers_out: dict[str, str] = {}
    body = b"{}"
    content_type = "application/json"
    seen: list[dict[str, str]]

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        self.seen.append({k.lower(): v for k, v in self.headers.items()})
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(self.status)
        if self.location:
            self.send_header("Location", self.location)
        for name, value in self.headers_out.items():
            self.send_header(name, value)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)


@pytest.fixture
def recorder() -> Iterator[Any]:
    servers: list[ThreadingHTTPServer] = []

    def start(**attrs: Any) -> tuple[str, list[dict[str, str]]]:
        seen: list[dict[str, str]] = []
        server = ThreadingHTTPServer(("127.0.0.1", 0), type("R", (_Recorder,), {**attrs, "seen": seen}))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}", seen

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_a_redirect_is_not_followed_so_the_password_and_api_key_go_nowhere_else(recorder: Any) -> None:
    elsewhere, seen_elsewhere = recorder()
    api, seen = recorder(status=307, location=f"{elsewhere}/steal")
    backend = JwtApiBackend(f"{api}/token", headers={"X-API-KEY": WORDPRESS_KEY})
    with pytest.raises(AuthError, match="redirect") as err:
        backend.check_password("alice", "a password", now_ms())
    assert err.value.code == "server_error"
    assert len(seen) == 1 and seen[0]["x-api-key"] == WORDPRESS_KEY
    assert seen_elsewhere == []


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({"status": 502}, "The sign-in service failed (HTTP 502). Try again in a moment."),
        ({"status": 404}, "The sign-in service refused the request (HTTP 404); check the app's API settings."),
        ({"body": b"<html>hello</html>", "content_type": "text/html"}, "The sign-in service's answer could not be read."),
        ({"body": b'["a list"]'}, "The sign-in service's answer could not be read."),
        ({"body": b'{"token": "abc"}'}, "The sign-in service's answer has no token at 'access'."),
        ({"body": json.dumps({"access": jwt.encode({"token_type": "refresh"}, "k" * 32, algorithm="HS256")}).encode()}, "The sign-in service's token could not be verified."),
        ({"body": json.dumps({"access": jwt.encode({"sub": "1"}, None, algorithm="none")}).encode()}, "The sign-in service's token could not be verified."),
        ({"body": json.dumps({"access": jwt.encode({"sub": "1", "exp": 1000}, "k" * 32, algorithm="HS256")}).encode()}, "The sign-in service's token could not be verified."),
    ],
    ids=["502", "404", "html", "list", "no-token", "refresh-token", "alg-none", "expired"],
)
def test_what_the_api_answers_wrong_is_a_server_error_with_a_message(recorder: Any, answer: dict[str, Any], message: str) -> None:
    api, _ = recorder(**answer)
    with pytest.raises(AuthError) as err:
        JwtApiBackend(f"{api}/token").check_password("alice", "a password", now_ms())
    assert (err.value.code, err.value.message) == ("server_error", message)


def test_response_handler_gets_the_response_and_may_refuse(recorder: Any) -> None:
    api, _ = recorder(body=b'{"data": {"jwt": "opaque-token-123", "name": "Ann"}}')
    seen: list[Any] = []

    def unwrap(response: requests.Response) -> dict[str, Any]:
        seen.append(response)
        return dict(response.json()["data"])

    identity = JwtApiBackend(f"{api}/token", response_handler=unwrap, token_key="jwt").check_password("ann", "a password", now_ms())
    assert isinstance(seen[0], requests.Response)
    assert identity is not None and (identity.id, identity.username, identity.name) == ("user:ann", "ann", "Ann")
    assert identity.extra["token"] == "opaque-token-123" and identity.extra["exp"] is None

    def refuse(response: requests.Response) -> dict[str, Any]:
        raise AuthError("invalid_credentials", "This account may not use the app.")

    with pytest.raises(AuthError, match="may not use the app"):
        JwtApiBackend(f"{api}/token", response_handler=refuse).check_password("ann", "a password", now_ms())


# ------------------------------------------------------------------ ASGI mode


def test_the_login_route_passes_on_the_apis_429_and_outage(reference_api: ReferenceApi, sessions_db: str) -> None:
    user = reference_api.user("rosa")
    backend = JwtApiBackend(reference_api.login_url, **reference_api.options())
    for _ in range(5):
        assert backend.check_password(user, "a wrong guess of a password", now_ms()) is None
    from test_routes import _served

    loose = {"max_failures": 100, "window_seconds": 900, "base_delay_seconds": 1, "max_delay_seconds": 900}
    from streamlit_auth_elements import RateLimitPolicy

    auth = Auth(backend, sessions=SessionDatabase(sessions_db), cookie_key=COOKIE_KEY, cookie_name=COOKIE_NAME, account_policy=RateLimitPolicy(**loose))
    served = Served(Starlette(routes=routes(auth)))
    _served.append(served)
    response = served.post(login_path(new_binding()), {"username": user, "password": PASSWORD})
    assert response.status_code == 429 and int(response.headers["Retry-After"]) >= 1
    assert response.json() == {"error": "rate_limited", "error_description": "Too many failed login attempts. Try again later."}


def test_the_login_route_answers_an_unreachable_api_with_502(sessions_db: str) -> None:
    from test_routes import _served

    backend = JwtApiBackend(f"http://127.0.0.1:{_free_port()}/token", timeout=5)
    auth = Auth(backend, sessions=SessionDatabase(sessions_db), cookie_key=COOKIE_KEY, cookie_name=COOKIE_NAME)
    served = Served(Starlette(routes=routes(auth)))
    _served.append(served)
    response = served.post(login_path(new_binding()), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 502
    assert response.json() == {"error": "server_error", "error_description": "The sign-in service cannot be reached. Try again in a moment."}


def test_the_routes_sign_in_through_the_api_and_their_logout_tells_it(reference_api: ReferenceApi, sessions_db: str) -> None:
    """ASGI mode: the login route posts to the API (the tokens stay in the session store, the
    browser gets only the HttpOnly cookie and a code); the logout route tells logout_url."""
    from test_routes import _served, token_of

    user = reference_api.user("roland")
    backend = JwtApiBackend(reference_api.login_url, **reference_api.options())
    auth = Auth(backend, sessions=SessionDatabase(sessions_db), cookie_key=COOKIE_KEY, cookie_name=COOKIE_NAME)
    served = Served(Starlette(routes=routes(auth)))
    _served.append(served)
    login = served.post(login_path(new_binding()), {"username": user, "password": PASSWORD})
    assert login.status_code == 200 and set(login.json()) == {"code"}
    [identity] = stored(sessions_db)
    access, refresh = identity.extra["token"], identity.extra["refresh"]
    assert reference_api.session(access) == 200
    for secret in (access, refresh):
        assert secret not in login.text and secret not in json.dumps(dict(login.headers))
    logout = served.post("/_auth/logout", {}, {"cookie": f"{COOKIE_NAME}={token_of(login)}"})
    assert logout.status_code == 200
    assert reference_api.session(access) == 401, "the API's session was revoked through logout_url"
    assert stored(sessions_db) == []
