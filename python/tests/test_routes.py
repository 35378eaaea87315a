"""ASGI mode: the routes (served by a real uvicorn on 127.0.0.1, as st.App serves them, with real
SQLite and PostgreSQL stores) and the core's side of it (the redeem op, args.route, no cookie from
a script), in real script runs (AppTest).

Concurrency is real: requests from many threads at once, each on its own connection, and code
redemptions through two code stores (two connections, as two processes would have)."""

from __future__ import annotations

import hashlib
import http.client
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from conftest import APPS, COOKIE_KEY, COOKIE_NAME, Browser, FakeClient, login_request, new_request_id
import requests
import uvicorn
from starlette.applications import Starlette

from streamlit_auth_elements import Auth, AuthConfigError, UsersDatabase, routes
from streamlit_auth_elements import _codes
from streamlit_auth_elements._auth import attempt_login
from streamlit_auth_elements._codes import CODE, CODE_TTL_MS, Issued, PostgresCodes, SqliteCodes, new_binding
from streamlit_auth_elements._ratelimit import ACCOUNT_POLICY
from streamlit_auth_elements._tokens import verify_session_token
from streamlit_auth_elements._users_database import now_ms

PASSWORD = "correct horse battery staple"
MAX_AGE = 30 * 86400


class Served:
    """An ASGI app on a real uvicorn on 127.0.0.1 (in a thread; stopped by the fixture)."""

    def __init__(self, app: Any):
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = now_ms() + 30_000
        while not self.server.started:
            assert self.thread.is_alive() and now_ms() < deadline, "uvicorn did not start"
            threading.Event().wait(0.02)
        self.port = self.server.servers[0].sockets[0].getsockname()[1]
        self.origin = f"http://127.0.0.1:{self.port}"

    def post(self, path: str, body: Any = None, headers: dict[str, str] | None = None, raw: Any = None) -> requests.Response:
        data = raw if raw is not None else json.dumps(body).encode() if body is not None else b""
        sent = {"origin": self.origin, "sec-fetch-site": "same-origin", "content-type": "application/json", **(headers or {})}
        return requests.post(self.origin + path, data=data, headers={k: v for k, v in sent.items() if v is not None}, timeout=60)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(30)


_served: list[Served] = []


@pytest.fixture(autouse=True)
def _fresh_asgi_state() -> Iterator[None]:
    yield
    while _served:
        _served.pop().stop()
    _codes.unmount_all()
    _codes.close_code_stores()


class Counting:
    """The users database, counting password verifications (a wrapper, the real store behind)."""

    def __init__(self, inner: UsersDatabase, fail: bool = False):
        self.inner = inner
        self.checks = 0
        self.fail = fail
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def check_password(self, username: str, password: str, now: int) -> Any:
        with self._lock:
            self.checks += 1
        if self.fail:
            raise RuntimeError("the database is on fire (a secret detail)")
        return self.inner.check_password(username, password, now)


@pytest.fixture
def users(database: str) -> UsersDatabase:
    db = UsersDatabase(database)
    db.create_user("alice", PASSWORD, name="Alice Example", email="alice@example.com", roles=["member"])
    return db


@pytest.fixture
def sqlite_users(sqlite_path: Path) -> UsersDatabase:
    db = UsersDatabase(sqlite_path)
    db.create_user("alice", PASSWORD, name="Alice Example", email="alice@example.com", roles=["member"])
    return db


def make(backend: Any, *, clock: Callable[[], int] = now_ms, **options: Any) -> tuple[Auth, Served]:
    auth = Auth(backend, cookie_key=COOKIE_KEY, cookie_name=COOKIE_NAME, clock=clock)
    served = Served(Starlette(routes=routes(auth, **options)))
    _served.append(served)
    return auth, served


def login_path(binding: str) -> str:
    return f"/_auth/{binding}/login"


def query(users: UsersDatabase, sql: str) -> list[tuple[Any, ...]]:
    """Read the database with a connection of its own."""
    store: Any = users.store
    if store.kind == "sqlite":
        with closing(sqlite3.connect(store.path)) as db:
            return [tuple(r) for r in db.execute(sql)]
    import psycopg

    with psycopg.connect(store.url) as conn:
        return [tuple(r) for r in conn.execute(sql)]


def set_cookies(response: requests.Response) -> list[str]:
    return list(response.raw.headers.getlist("set-cookie"))


def the_cookie(response: Any) -> str:
    cookies = set_cookies(response)
    assert len(cookies) == 1, cookies
    return str(cookies[0])


def token_of(response: Any) -> str:
    return the_cookie(response).split(";", 1)[0].split("=", 1)[1]


# ------------------------------------------------------------------------------ login


def test_a_login_sets_the_httponly_cookie_and_answers_a_single_use_code(users: UsersDatabase) -> None:
    auth, client = make(users)
    binding = new_binding()
    response = client.post(login_path(binding), {"username": "ALICE", "password": PASSWORD})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"code"} and CODE.match(body["code"])
    token = token_of(response)
    assert the_cookie(response) == f"{COOKIE_NAME}={token}; HttpOnly; Path=/; SameSite=Strict; Max-Age={MAX_AGE}"
    claims = verify_session_token(COOKIE_KEY.encode(), token, now=now_ms() // 1000)
    alice = users.find_user("alice")
    assert claims is not None and claims.sub == alice.id and claims.exp - claims.iat == MAX_AGE
    assert users.store.get_session(claims.sid).revoked_at is None
    assert (users.find_user("alice").logins_count) == 1
    # The code is the route's word for that session, for this browser session only, once.
    codes = _codes.code_store_for(users)
    assert codes.redeem(body["code"], new_binding(), now_ms()) is None, "another browser session's binding"
    issued = codes.redeem(body["code"], binding, now_ms())
    assert issued == Issued(op="login", session_id=claims.sid, user_id=alice.id, session_expires_at=claims.exp, result={})
    assert codes.redeem(body["code"], binding, now_ms()) is None, "used"


def test_the_code_is_stored_hashed_and_expires_after_30_seconds(users: UsersDatabase) -> None:
    codes = _codes.code_store_for(users)
    binding = new_binding()
    t0 = now_ms()
    code = codes.issue(binding, Issued("login", "s" * 22, "u", 1, {}), t0)
    assert len(code) == 43 and CODE.match(code)
    rows = query(users, "SELECT code_hash, binding_hash, expires_at FROM streamlit_codes")
    code_hash, binding_hash, expires_at = rows[0]
    assert code_hash == hashlib.sha256(code.encode()).hexdigest() and code not in repr(rows)
    assert binding_hash == hashlib.sha256(binding.encode()).hexdigest()
    assert expires_at == t0 + CODE_TTL_MS == t0 + 30_000
    assert codes.redeem(code, binding, t0 + 30_000) is None, "expired at 30 s"
    code = codes.issue(binding, Issued("login", "s" * 22, "u", 1, {}), t0)
    assert codes.redeem(code, binding, t0 + 29_999) is not None
    # Expired rows go when the next code is issued.
    codes.issue(binding, Issued("login", "s" * 22, "u", 1, {}), t0)
    codes.issue(binding, Issued("login", "s" * 22, "u", 1, {}), t0 + 30_000)
    assert query(users, "SELECT count(*) FROM streamlit_codes") == [(1,)]


def test_a_code_is_redeemed_once_under_concurrent_redemptions_from_two_processes(users: UsersDatabase) -> None:
    first = _codes.code_store_for(users)
    store = users.store
    second: Any = SqliteCodes(store.path) if store.kind == "sqlite" else PostgresCodes(store.url)
    try:
        for _ in range(3):
            binding = new_binding()
            code = first.issue(binding, Issued("login", "s" * 22, "u", 1, {"n": 1}), now_ms())
            barrier = threading.Barrier(16)

            def redeem(i: int) -> Issued | None:
                barrier.wait()
                return (first if i % 2 else second).redeem(code, binding, now_ms())

            with ThreadPoolExecutor(16) as pool:
                results = list(pool.map(redeem, range(16)))
            assert sum(r is not None for r in results) == 1, results
    finally:
        second.close()


def test_a_wrong_password_is_401_with_no_cookie_and_no_code(users: UsersDatabase) -> None:
    _, client = make(users)
    response = client.post(login_path(new_binding()), {"username": "alice", "password": "wrong " * 4})
    assert response.status_code == 401
    assert response.json() == {"error": "invalid_credentials", "error_description": "Invalid username or password."}
    assert set_cookies(response) == []
    unknown = client.post(login_path(new_binding()), {"username": "nobody", "password": PASSWORD})
    assert (unknown.status_code, unknown.json()) == (401, response.json())


def test_concurrent_guesses_get_at_most_the_accounts_limit_of_verifications(users: UsersDatabase) -> None:
    counting = Counting(users)
    _, client = make(counting)
    barrier = threading.Barrier(12)

    def guess(i: int) -> Any:
        barrier.wait()
        return client.post(login_path(new_binding()), {"username": "alice", "password": f"wrong guess number {i}"})

    with ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(guess, range(12)))
    statuses = sorted(a.status_code for a in answers)
    assert counting.checks == ACCOUNT_POLICY.max_failures == 5
    assert statuses == [401] * 5 + [429] * 7
    limited = next(a for a in answers if a.status_code == 429)
    assert limited.json() == {"error": "rate_limited", "error_description": "Too many failed login attempts. Try again later."}
    assert int(limited.headers["retry-after"]) >= 1
    # Blocked: even the right password is not verified now.
    right = client.post(login_path(new_binding()), {"username": "alice", "password": PASSWORD})
    assert right.status_code == 429 and counting.checks == 5


def test_the_route_and_the_widget_count_failures_on_the_same_rows(users: UsersDatabase) -> None:
    for i in range(5):  # the widget path's own function, as a widget login calls it
        assert attempt_login(users, "alice", f"bad {i}", client=None, now=now_ms()).code == "invalid_credentials"
    _, client = make(users)
    assert client.post(login_path(new_binding()), {"username": "alice", "password": PASSWORD}).status_code == 429


def test_failures_count_per_client_address_as_the_asgi_server_resolved_it(sqlite_users: UsersDatabase) -> None:
    _, client = make(sqlite_users)
    # The peer is 127.0.0.1, a proxy uvicorn trusts by default (FORWARDED_ALLOW_IPS): its X-Forwarded-For counts.
    client.post(login_path(new_binding()), {"username": "nobody", "password": "x" * 20}, {"x-forwarded-for": "203.0.113.7"})
    assert sqlite_users.store.failure("address:203.0.113.7").count == 1
    client.post(login_path(new_binding()), {"username": "nobody", "password": "x" * 20})
    assert sqlite_users.store.failure("address:127.0.0.1") is None, "loopback: per account only, as st.context.ip_address"


def test_a_login_ends_the_session_the_browser_had(sqlite_users: UsersDatabase) -> None:
    _, client = make(sqlite_users)
    first = client.post(login_path(new_binding()), {"username": "alice", "password": PASSWORD})
    old = verify_session_token(COOKIE_KEY.encode(), token_of(first), now=now_ms() // 1000)
    second = client.post(login_path(new_binding()), {"username": "alice", "password": PASSWORD}, {"cookie": f"{COOKIE_NAME}={token_of(first)}"})
    assert second.status_code == 200 and token_of(second) != token_of(first)
    assert old is not None and sqlite_users.store.get_session(old.sid).revoked_at is not None


# ------------------------------------------------------------------------------ Secure


def test_the_cookie_is_secure_when_the_page_is_https(sqlite_users: UsersDatabase) -> None:
    _, client = make(sqlite_users)
    body = {"username": "alice", "password": PASSWORD}
    # Behind a proxy that ends TLS: the app sees http, the browser's Origin says https.
    proxied = client.post(login_path(new_binding()), body, {"origin": "https://apps.example.com", "host": "apps.example.com"})
    assert proxied.status_code == 200
    assert the_cookie(proxied) == f"{COOKIE_NAME}={token_of(proxied)}; HttpOnly; Secure; Path=/; SameSite=Strict; Max-Age={MAX_AGE}"
    # No https Origin to go by (allowed_origins lists an http one), but a trusted proxy's
    # X-Forwarded-Proto: uvicorn makes it the request's scheme.
    _, listed = make(sqlite_users, allowed_origins=["http://apps.example.com"])
    served = listed.post(login_path(new_binding()), body, {"origin": "http://apps.example.com", "x-forwarded-proto": "https"})
    assert "; Secure;" in the_cookie(served)
    plain = listed.post(login_path(new_binding()), body, {"origin": "http://apps.example.com"})
    assert "; Secure" not in the_cookie(plain)


@pytest.mark.parametrize("secure", [True, False])
def test_secure_can_be_forced(sqlite_users: UsersDatabase, secure: bool) -> None:
    _, client = make(sqlite_users, secure=secure)
    headers = {"origin": "https://apps.example.com", "host": "apps.example.com"} if not secure else {}
    response = client.post(login_path(new_binding()), {"username": "alice", "password": PASSWORD}, headers)
    assert ("; Secure;" in the_cookie(response)) is secure


# ------------------------------------------------------------------------------ logout


def test_logout_revokes_the_cookies_session_and_clears_it(sqlite_users: UsersDatabase) -> None:
    _, client = make(sqlite_users)
    binding = new_binding()
    login = client.post(login_path(binding), {"username": "alice", "password": PASSWORD})
    claims = verify_session_token(COOKIE_KEY.encode(), token_of(login), now=now_ms() // 1000)
    assert claims is not None
    for path in (f"/_auth/{binding}/logout", "/_auth/logout"):
        response = client.post(path, {}, {"cookie": f"{COOKIE_NAME}={token_of(login)}"})
        assert (response.status_code, response.json()) == (200, {})
        assert the_cookie(response) == f"{COOKIE_NAME}=; HttpOnly; Path=/; SameSite=Strict; Max-Age=0"
    assert sqlite_users.store.get_session(claims.sid).revoked_at is not None
    # No cookie, or one this app did not sign: cleared all the same, nothing else happens.
    assert client.post("/_auth/logout", raw=b"").status_code == 200
    other = client.post(login_path(binding), {"username": "alice", "password": PASSWORD})
    forged = token_of(other)[:-4] + ("AAAA" if not token_of(other).endswith("AAAA") else "BBBB")
    sid = verify_session_token(COOKIE_KEY.encode(), token_of(other), now=now_ms() // 1000).sid  # type: ignore[union-attr]
    assert client.post("/_auth/logout", {}, {"cookie": f"{COOKIE_NAME}={forged}"}).status_code == 200
    assert sqlite_users.store.get_session(sid).revoked_at is None


# ------------------------------------------------------------------------------ refusals


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": ""},
        {"origin": "https://evil.example"},
        {"origin": "null"},
        {"origin": "http://localhost:8502"},
        {"origin": "https://localhost:8501"},
        {"origin": "http://localhost:8501/path"},
        {"origin": "http://user@localhost:8501"},
        {"sec-fetch-site": "cross-site"},
        {"sec-fetch-site": "same-site"},
    ],
    ids=["missing", "cross-site", "null", "other-port", "other-scheme", "with-path", "with-userinfo", "fetch-cross-site", "fetch-same-site"],
)
def test_a_post_not_from_the_apps_own_origin_is_refused(sqlite_users: UsersDatabase, headers: dict[str, str]) -> None:
    counting = Counting(sqlite_users)
    _, client = make(counting)
    sent = {k: (None if v == "" else v) for k, v in headers.items()}
    for path in (login_path(new_binding()), "/_auth/logout"):
        response = client.post(path, {"username": "alice", "password": PASSWORD}, sent)
        assert response.status_code == 403
        assert response.json() == {"error": "forbidden_origin", "error_description": "Requests from this origin are not allowed."}
        assert set_cookies(response) == [] and "access-control-allow-origin" not in response.headers
    assert counting.checks == 0


def test_two_origin_headers_are_refused(sqlite_users: UsersDatabase) -> None:
    _, client = make(sqlite_users)
    body = json.dumps({"username": "alice", "password": PASSWORD}).encode()
    conn = http.client.HTTPConnection("127.0.0.1", client.port, timeout=60)
    conn.putrequest("POST", login_path(new_binding()))
    for name, value in (("Origin", client.origin), ("Origin", "https://evil.example"), ("Content-Type", "application/json"), ("Content-Length", str(len(body)))):
        conn.putheader(name, value)
    conn.endheaders(body)
    response = conn.getresponse()
    assert response.status == 403 and json.loads(response.read())["error"] == "forbidden_origin"
    conn.close()


def test_allowed_origins_replace_the_host_rule(sqlite_users: UsersDatabase) -> None:
    # A proxy that rewrites Host: the app sees "streamlit:8501", the browser is on https://apps.example.com.
    _, client = make(sqlite_users, allowed_origins=["https://apps.example.com/"])
    body = {"username": "alice", "password": PASSWORD}
    ok = client.post(login_path(new_binding()), body, {"origin": "https://apps.example.com", "host": "streamlit:8501"})
    assert ok.status_code == 200 and "; Secure;" in the_cookie(ok)
    assert client.post(login_path(new_binding()), body, {"origin": "http://streamlit:8501", "host": "streamlit:8501"}).status_code == 403


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None])
def test_only_json_is_taken(sqlite_users: UsersDatabase, content_type: str | None) -> None:
    counting = Counting(sqlite_users)
    _, client = make(counting)
    response = client.post(login_path(new_binding()), {"username": "alice", "password": PASSWORD}, {"content-type": content_type})
    assert response.status_code == 415
    assert response.json() == {"error": "unsupported_media_type", "error_description": "The request body must be application/json."}
    assert counting.checks == 0
    assert client.post(login_path(new_binding()), {"username": "alice", "password": PASSWORD}, {"content-type": "application/json; charset=utf-8"}).status_code == 200


def test_bodies_over_the_limit_are_refused_declared_or_streamed(sqlite_users: UsersDatabase) -> None:
    counting = Counting(sqlite_users)
    _, client = make(counting)
    big = json.dumps({"username": "alice", "password": "x" * (64 * 1024)}).encode()
    declared = client.post(login_path(new_binding()), raw=big)
    assert declared.status_code == 413
    assert declared.json() == {"error": "payload_too_large", "error_description": "The request body is larger than 65536 bytes."}

    def chunks() -> Iterator[bytes]:
        for i in range(0, len(big), 4096):
            yield big[i : i + 4096]

    streamed = client.post(login_path(new_binding()), raw=chunks())  # chunked: no Content-Length
    assert streamed.status_code == 413
    assert counting.checks == 0
    # A smaller limit, and exactly at it.
    _, small = make(sqlite_users, max_body_bytes=100)
    body = json.dumps({"username": "alice", "password": PASSWORD}).encode()
    padded = body[:-1] + b" " * (100 - len(body)) + b"}"
    assert len(padded) == 100 and small.post(login_path(new_binding()), raw=padded).status_code == 200
    assert small.post(login_path(new_binding()), raw=padded + b" ").status_code == 413


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (b"{not json", "invalid_json"),
        (b'["alice", "pw"]', "invalid_request"),
        (b'{"username": "alice"}', "invalid_request"),
        (b'{"username": "alice", "password": "' + PASSWORD.encode() + b'", "remember": "1"}', "invalid_request"),
        (b'{"username": "alice", "password": 12345}', "invalid_request"),
        (b'{"username": "alice", "password": "\\ud800' + PASSWORD.encode() + b'"}', "invalid_request"),
        (b'{"username": "alice", "password": "x", "password": "' + PASSWORD.encode() + b'"}', "invalid_request"),
        (b'{"username": "alice", "password": "\xff\xfe"}', "invalid_request"),
        (b'{"username": "alice", "password": "' + b"x" * 1025 + b'"}', "invalid_request"),
        (b"[" * 100_000, "payload_too_large"),
        (b"", "invalid_request"),
    ],
    ids=["syntax", "array", "missing-field", "extra-field", "number", "lone-surrogate", "duplicate-key", "not-utf8", "too-long", "deep", "empty"],
)
def test_malformed_bodies_are_refused_and_no_password_is_checked(sqlite_users: UsersDatabase, raw: bytes, error: str) -> None:
    counting = Counting(sqlite_users)
    _, client = make(counting)
    response = client.post(login_path(new_binding()), raw=raw)
    assert response.json()["error"] == error
    assert response.status_code == (413 if error == "payload_too_large" else 400)
    assert PASSWORD not in response.text and "Traceback" not in response.text
    assert counting.checks == 0


def test_nested_json_within_the_limit_is_refused_without_a_crash(sqlite_users: UsersDatabase) -> None:
    _, client = make(sqlite_users)
    response = client.post(login_path(new_binding()), raw=b"[" * 30_000 + b"]" * 30_000)
    assert response.status_code == 400 and response.json()["error"] == "invalid_json"


def test_methods_paths_and_unsupported_operations(sqlite_users: UsersDatabase) -> None:
    _, client = make(sqlite_users)
    binding = new_binding()
    get = requests.get(client.origin + login_path(binding), headers={"origin": client.origin}, timeout=60)
    assert (get.status_code, get.headers["allow"], get.json()["error"]) == (405, "POST", "method_not_allowed")
    preflight = requests.options(client.origin + login_path(binding), headers={"origin": "https://evil.example", "access-control-request-method": "POST"}, timeout=60)
    assert preflight.status_code == 405 and "access-control-allow-origin" not in preflight.headers
    body = {"username": "alice", "password": PASSWORD}
    unbound = client.post("/_auth/login", body)
    assert (unbound.status_code, unbound.json()["error"]) == (404, "not_found"), "a code must name the browser session"
    for path in ("/_auth/short/login", f"/_auth/{binding}/nope", "/_auth/a/b/c", "/_auth/"):
        response = client.post(path, body)
        assert (response.status_code, response.json()["error"]) == (404, "not_found"), path
    for op in ("register", "change_password", "reset_password", "update_details"):
        response = client.post(f"/_auth/{binding}/{op}", {"x": "y"})
        assert response.status_code == 404
        assert response.json() == {"error": "unsupported", "error_description": "This operation is not available here."}


def test_an_unexpected_failure_is_500_server_error_without_details(sqlite_users: UsersDatabase, caplog: pytest.LogCaptureFixture) -> None:
    _, client = make(Counting(sqlite_users, fail=True))
    response = client.post(login_path(new_binding()), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 500
    assert response.json() == {"error": "server_error", "error_description": "The server could not process the request."}
    assert "fire" not in response.text and "Traceback" not in response.text
    assert "the login route failed" in caplog.text


def test_routes_refuse_a_bad_configuration(sqlite_users: UsersDatabase) -> None:
    config = {"backend": sqlite_users, "cookie_key": COOKIE_KEY, "cookie_name": COOKIE_NAME}
    for prefix in ("_auth", "/_auth/", "/_stcore/auth", "/static", "/a b", ""):
        with pytest.raises(ValueError):
            routes(config, prefix)
    with pytest.raises(ValueError, match="not an origin"):
        routes(config, allowed_origins=["https://apps.example.com/login"])
    with pytest.raises(AuthConfigError, match="cookie_key is too short"):
        routes({**config, "cookie_key": "short"})
    with pytest.raises(AuthConfigError, match="not a credentials backend"):
        routes({**config, "backend": object()})
    assert len(routes(config)) == 3  # the dict form builds the Auth itself
    with pytest.raises(AuthConfigError, match="twice"):
        routes({**config, "cookie_key": COOKIE_KEY[::-1]})
    with pytest.raises(AuthConfigError, match="twice"):
        routes(config, "/other")


# ------------------------------------------------------------------------------ the core (AppTest)


def asgi_login(secrets: dict[str, Any], *, clock: Callable[[], int] = now_ms, client: FakeClient | None = None) -> tuple[Browser, Served]:
    """A browser on the basic app in ASGI mode (routes built in this process for its cookie)."""
    _, http = make(UsersDatabase(secrets["db"]), clock=clock)
    return Browser(APPS / "basic.py", secrets, client).run(), http


def route_of(b: Browser) -> str:
    route = b.widgets()["login"]["route"]
    assert isinstance(route, str)
    return route


def redeem(code: str) -> dict[str, Any]:
    return {"v": 1, "id": new_request_id(), "op": "redeem", "input": {"code": code}}


def test_in_asgi_mode_the_widgets_get_the_route_and_no_script_cookie(sqlite_users: UsersDatabase, app_secrets: dict[str, Any]) -> None:
    b, _ = asgi_login(app_secrets)
    route = route_of(b)
    prefix, binding = route.rsplit("/", 1)
    assert prefix == "/_auth" and _codes.BINDING.match(binding)
    b.run()
    assert route_of(b) == route, "stable across reruns"
    other = Browser(APPS / "basic.py", app_secrets).run()
    assert route_of(other) != route, "each browser session has its own binding"
    assert all(a["cookie"] is None for a in b.widgets().values())


def test_redeeming_the_routes_code_signs_in_in_one_run(sqlite_users: UsersDatabase, app_secrets: dict[str, Any]) -> None:
    b, http = asgi_login(app_secrets)
    response = http.post(route_of(b) + "/login", {"username": "alice", "password": PASSWORD})
    code = response.json()["code"]
    runs = b.runs
    request = redeem(code)
    b.send("login", request)
    assert b.runs == runs + 1
    assert "protected content" in b.texts()
    assert b.state() == {"authentication_status": True, "name": "Alice Example", "username": "alice", "email": "alice@example.com", "roles": ["member"]}
    assert b.at.session_state["events"] == [{"event": "login", "widget": "login", "username": "alice", "name": "Alice Example", "email": "alice@example.com", "roles": ["member"]}]
    widgets = b.widgets()
    assert "login" not in widgets
    assert all(a["cookie"] is None for a in widgets.values()), "the HttpOnly cookie is the route's; no script writes one"
    # Python's session is the cookie's.
    claims = verify_session_token(COOKIE_KEY.encode(), token_of(response), now=now_ms() // 1000)
    assert claims is not None
    state = b.at.session_state[f"_auth_elements:{COOKIE_NAME}"]
    assert state.session.sid == claims.sid
    # A reload reads the HttpOnly cookie through st.context.cookies: signed in on its first run.
    again = Browser(APPS / "basic.py", app_secrets, FakeClient(cookies={COOKIE_NAME: token_of(response)})).run()
    assert again.state()["authentication_status"] is True and "login" not in again.widgets()


def test_a_replayed_unknown_expired_or_foreign_code_is_refused(sqlite_users: UsersDatabase, app_secrets: dict[str, Any]) -> None:
    b, http = asgi_login(app_secrets)
    thief = Browser(APPS / "basic.py", app_secrets).run()
    code = http.post(route_of(b) + "/login", {"username": "alice", "password": PASSWORD}).json()["code"]

    def refused(browser: Browser, value: dict[str, Any]) -> None:
        browser.send("login", value)
        reply = browser.widgets()["login"]["reply"]
        assert reply["id"] == value["id"] and reply["ok"] is False and reply["error"]["code"] == "session_expired"
        assert browser.state()["authentication_status"] is None and "protected content" not in browser.texts()

    # Another browser session's code: refused there, and left for its own.
    refused(thief, redeem(code))
    refused(b, redeem("A" * 43))
    refused(b, redeem("not a code"))
    b.send("login", redeem(code))
    assert b.state()["authentication_status"] is True
    # Replayed in a new browser session with the same binding is impossible; replayed here: refused.
    again = Browser(APPS / "basic.py", app_secrets).run()
    refused(again, redeem(code))
    # Expired: issued 31 s ago.
    _codes.unmount_all()
    late_b, late_http = asgi_login(app_secrets, clock=lambda: now_ms() - 31_000)
    late = late_http.post(route_of(late_b) + "/login", {"username": "alice", "password": PASSWORD}).json()["code"]
    refused(late_b, redeem(late))


def test_a_password_in_widget_state_is_refused_in_asgi_mode(sqlite_users: UsersDatabase, app_secrets: dict[str, Any]) -> None:
    b, _ = asgi_login(app_secrets)
    request = login_request("alice", PASSWORD)
    b.send("login", request)
    reply = b.widgets()["login"]["reply"]
    assert reply == {"id": request["id"], "ok": False, "error": {"code": "unsupported", "message": "This app takes passwords through its sign-in route only, never through widget state."}}
    assert b.state()["authentication_status"] is None
    assert sqlite_users.find_user("alice").logins_count == 0 and sqlite_users.store.failure("account:alice") is None, "never checked"


def test_logout_in_asgi_mode_revokes_and_leaves_the_cookie_to_the_route(sqlite_users: UsersDatabase, app_secrets: dict[str, Any]) -> None:
    b, http = asgi_login(app_secrets)
    response = http.post(route_of(b) + "/login", {"username": "alice", "password": PASSWORD})
    b.send("login", redeem(response.json()["code"]))
    sid = b.at.session_state[f"_auth_elements:{COOKIE_NAME}"].session.sid
    b.send("logout", {"v": 1, "id": new_request_id(), "op": "logout", "input": {}})
    assert b.state()["authentication_status"] is None
    assert sqlite_users.store.get_session(sid).revoked_at is not None
    assert all(a["cookie"] is None for a in b.widgets().values()), "a script cannot clear an HttpOnly cookie: the route does"


def test_an_auth_with_another_key_than_the_routes_stops_the_app(sqlite_users: UsersDatabase, app_secrets: dict[str, Any]) -> None:
    routes(Auth(sqlite_users, cookie_key=COOKIE_KEY[::-1], cookie_name=COOKIE_NAME))
    b = Browser(APPS / "basic.py", app_secrets)
    with pytest.raises(AssertionError, match="another cookie_key"):
        b.run()


class DictUsers:
    """A backend without tables (the users of tests/apps/dict_backend.py): its sessions, throttle
    and route codes live in the SessionDatabase given to Auth."""

    def __init__(self) -> None:
        from streamlit_auth_elements._passwords import hash_password

        self.hash = hash_password(PASSWORD)

    def check_password(self, username: str, password: str, now: int) -> Any:
        from streamlit_auth_elements import Identity
        from streamlit_auth_elements._passwords import verify_password_or_dummy

        name = username.strip().lower()
        ok = verify_password_or_dummy(self.hash if name == "alice" else None, password)
        return Identity(id="yaml:alice", username="alice", name="Alice", roles=("member",), extra={"source": "dict"}) if ok else None

    def record_login(self, identity: Any, now: int) -> None:
        pass

    def current_identity(self, identity: Any, now: int, *, session_id: str = "") -> Any:
        return identity


def test_asgi_mode_with_a_backend_without_tables_keeps_codes_and_sessions_in_the_session_database(database: str) -> None:
    """The route signs in through a dict backend; its code is stored in the SessionDatabase (SQLite
    or PostgreSQL) and redeemed by the app's own Auth (another SessionDatabase object on the same
    database, as another process would have); a logout through the route revokes the session there."""
    from streamlit_auth_elements import SessionDatabase

    sessions = SessionDatabase(database)
    auth = Auth(DictUsers(), sessions=sessions, cookie_key=COOKIE_KEY, cookie_name=COOKIE_NAME)
    http = Served(Starlette(routes=routes(auth)))
    _served.append(http)
    secrets = {"sessions_db": database, "cookie_key": COOKIE_KEY, "cookie_name": COOKIE_NAME}
    b = Browser(APPS / "dict_backend.py", secrets).run()
    route = route_of(b)
    wrong = http.post(route + "/login", {"username": "alice", "password": "not the password at all"})
    assert wrong.status_code == 401 and set_cookies(wrong) == []
    assert sessions.store.failure("account:alice").count == 1, "the route's failures count in the session database"
    response = http.post(route + "/login", {"username": "ALICE", "password": PASSWORD})
    assert response.status_code == 200, response.text
    token = token_of(response)
    claims = verify_session_token(COOKIE_KEY.encode(), token, now=now_ms() // 1000)
    assert claims is not None and claims.sub == "yaml:alice"
    assert sessions.resume_session(claims.sid, "yaml:alice", now_ms()) is not None
    b.send("login", redeem(response.json()["code"]))
    assert b.state()["authentication_status"] is True and "hello Alice dict" in b.texts()
    # A reload with the HttpOnly cookie: signed in on its first run, from the session database.
    again = Browser(APPS / "dict_backend.py", secrets, FakeClient(cookies={COOKIE_NAME: token})).run()
    assert again.state()["authentication_status"] is True
    out = http.post(route + "/logout", {}, headers={"cookie": f"{COOKIE_NAME}={token}"})
    assert out.status_code == 200
    assert sessions.resume_session(claims.sid, "yaml:alice", now_ms()) is None, "revoked in the session database"
    again.run()
    assert again.state()["authentication_status"] is None, "the other browser's next run sees the revocation"
