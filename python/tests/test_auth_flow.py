"""The core in real Streamlit script runs (AppTest): login, reload, logout, revocation, forged values.

Each test drives the basic app (tests/apps/basic.py) as a browser would: the widget values go in
through the widget states of a run, the cookie jar applies what the session carrier hands over,
and a "reload" is a new browser session with the jar's cookies in st.context.cookies.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jwt
import pytest
from conftest import APPS, COOKIE_KEY, COOKIE_NAME, Browser, FakeClient, login_request, new_request_id

from streamlit_auth_elements import UsersDatabase
from streamlit_auth_elements._users_database import open_store

PASSWORD = "correct horse battery staple"


@pytest.fixture
def db(sqlite_path: Path) -> UsersDatabase:
    users = UsersDatabase(sqlite_path)
    users.create_user("alice", PASSWORD, name="Alice Example", email="alice@example.com", roles=["member"])
    return users


def browser(secrets: dict[str, Any], client: FakeClient | None = None, script: str = "basic.py") -> Browser:
    return Browser(APPS / script, secrets, client).run()


def logged_in(secrets: dict[str, Any]) -> Browser:
    b = browser(secrets)
    b.send("login", login_request("alice", PASSWORD))
    assert b.state()["authentication_status"] is True
    return b


def test_first_run_renders_login_status_and_an_invisible_carrier(db: UsersDatabase, app_secrets: dict[str, Any]) -> None:
    b = browser(app_secrets)
    widgets = b.widgets()
    assert {args["widget"] for args in widgets.values()} == {"session", "status", "login"}
    login = widgets["login"]
    assert {k: login[k] for k in ("v", "widget", "location", "lang", "fields", "options", "session", "reply", "cookie", "route")} == {
        "v": 1, "widget": "login", "location": "main", "lang": None, "fields": None, "options": {},
        "session": None, "reply": None, "cookie": None, "route": None,
    }
    assert b.state() == {"authentication_status": None, "name": None, "username": None, "email": None, "roles": None}
    assert "protected content" not in b.texts()


def test_login_takes_one_run_and_the_protected_content_is_in_it(db: UsersDatabase, app_secrets: dict[str, Any]) -> None:
    b = browser(app_secrets)
    runs = b.runs
    b.send("login", login_request("ALICE", PASSWORD))
    assert b.runs == runs + 1
    assert "protected content" in b.texts()
    # The keys were set before the user code after auth.login() ran, in this same run.
    assert 'after-login {"authentication_status": true, "name": "Alice Example", "username": "alice", "email": "alice@example.com", "roles": ["member"]}' in b.texts()
    widgets = b.widgets()
    assert "login" not in widgets, "the login widget (and with it the password in its state) is gone"
    # No button_name given: none is sent, so the button shows the widget's own words in the page's
    # language ("Log out", "Se déconnecter"), not an English default.
    assert widgets["logout"]["location"] == "sidebar" and widgets["logout"]["options"] == {}
    assert widgets["status"]["session"]["user"] == {"id": db.find_user("alice").id, "username": "alice", "name": "Alice Example", "email": "alice@example.com", "roles": ["member"]}
    # The carrier hands the new token over once.
    carrier = next(a for a in widgets.values() if a["widget"] == "session")
    cookie = carrier["cookie"]
    assert cookie["name"] == COOKIE_NAME and cookie["max_age"] == 30 * 86400 and cookie["secure"] is False
    claims = jwt.decode(cookie["value"], COOKIE_KEY, algorithms=["HS256"])
    assert jwt.get_unverified_header(cookie["value"])["typ"] == "ae-st-session+jwt"
    assert claims["sub"] == db.find_user("alice").id and claims["exp"] - claims["iat"] == 30 * 86400
    assert db.store.get_session(claims["sid"]).revoked_at is None
    user = db.find_user("alice")
    assert (user.logins_count, user.last_login is not None) == (1, True)
    b.run()
    assert next(a for a in b.widgets().values() if a["widget"] == "session")["cookie"] is None, "sent once, not on every run"
    assert b.state()["authentication_status"] is True
    assert b.at.session_state["events"] == [{"event": "login", "widget": "login", "username": "alice", "name": "Alice Example", "email": "alice@example.com", "roles": ["member"]}]


def test_the_login_reply_is_the_token_of_an_https_page_marked_secure(db: UsersDatabase, app_secrets: dict[str, Any]) -> None:
    b = browser(app_secrets, FakeClient(headers=[("origin", "https://apps.example.com")]))
    b.send("login", login_request("alice", PASSWORD))
    carrier = next(a for a in b.widgets().values() if a["widget"] == "session")
    assert carrier["cookie"]["secure"] is True


def test_a_wrong_password_is_answered_in_the_same_run_and_the_answer_stays(db: UsersDatabase, app_secrets: dict[str, Any]) -> None:
    b = browser(app_secrets)
    request = login_request("alice", "wrong password!!")
    b.send("login", request)
    assert b.state()["authentication_status"] is False
    reply = b.widgets()["login"]["reply"]
    assert reply == {"id": request["id"], "ok": False, "error": {"code": "invalid_credentials", "message": "Invalid username or password."}}
    b.run()
    assert b.widgets()["login"]["reply"] == reply
    assert b.state()["authentication_status"] is False
    assert "protected content" not in b.texts()


def test_a_request_id_is_handled_once_whatever_reruns_follow(db: UsersDatabase, app_secrets: dict[str, Any]) -> None:
    b = browser(app_secrets)
    request = login_request("alice", "wrong password!!")
    b.send("login", request)
    for _ in range(3):
        b.run()  # the value is sent again with every rerun
    b.send("login", dict(request))  # and set again with the same id
    assert db.store.failure("account:alice").count == 1
    b.send("login", login_request("alice", "another wrong one"))
    assert db.store.failure("account:alice").count == 2
    # A successful login replayed with its id after a logout does not sign in again.
    ok = login_request("alice", PASSWORD)
    b.send("login", ok)
    assert db.find_user("alice").logins_count == 1
    b.send("logout", {"v": 1, "id": new_request_id(), "op": "logout", "input": {}})
    assert b.state()["authentication_status"] is None
    b.send("login", ok)
    assert b.state()["authentication_status"] is None
    assert db.find_user("alice").logins_count == 1


FORGED: list[Any] = [
    {"authentication_status": True, "username": "alice"},
    {"v": 1, "id": "x" * 22, "op": "login", "input": {"username": "alice", "password": "nope", "authenticated": True}},
    {"v": 1, "id": "x" * 22, "op": "login", "input": {"username": "alice"}},
    {"v": 1, "id": "x" * 22, "op": "login", "input": {"username": "alice", "password": None}},
    {"v": 1, "id": "x" * 22, "op": "login", "input": {"username": "alice", "password": PASSWORD}, "session": {"user": {"id": "1"}}},
    {"v": 2, "id": "x" * 22, "op": "login", "input": {"username": "alice", "password": PASSWORD}},
    {"v": True, "id": "x" * 22, "op": "login", "input": {"username": "alice", "password": PASSWORD}},
    {"v": 1, "id": "short", "op": "login", "input": {"username": "alice", "password": PASSWORD}},
    {"v": 1, "id": "x" * 22, "op": "redeem", "input": {"code": "0" * 43}},
    {"v": 1, "id": "x" * 22, "op": "session", "input": {"user": "alice"}},
    ["login", "alice"],
    "authenticated",
    True,
]


@pytest.mark.parametrize("value", FORGED, ids=[f"forged{i}" for i in range(len(FORGED))])
def test_forged_values_leave_the_app_signed_out(db: UsersDatabase, app_secrets: dict[str, Any], value: Any) -> None:
    b = browser(app_secrets)
    b.send("login", value)
    b.run()
    assert b.state()["authentication_status"] is None
    assert "protected content" not in b.texts()
    assert db.find_user("alice").logins_count == 0


def test_a_login_request_posted_through_another_widget_is_ignored(db: UsersDatabase, app_secrets: dict[str, Any]) -> None:
    b = browser(app_secrets)
    carrier = next(k for k, a in b.widgets().items() if a["widget"] == "session")
    for key in (carrier, "status"):
        b.send(key, login_request("alice", PASSWORD))
        assert b.state()["authentication_status"] is None
    assert db.find_user("alice").logins_count == 0


def test_a_reload_is_signed_in_on_its_first_run_with_no_login_widget_ever(db: UsersDatabase, app_secrets: dict[str, Any]) -> None:
    b = logged_in(app_secrets)
    again = b.reload()
    assert again.runs == 1
    assert again.state()["authentication_status"] is True
    assert "login" not in again.widgets()
    assert "protected content" in again.texts()


@pytest.mark.parametrize(
    "cookie",
    [
        "not-a-token",
        jwt.encode({"username": "alice", "exp": 4102444800}, COOKIE_KEY, algorithm="HS256"),  # Streamlit-Authenticator's cookie, same key
        jwt.encode({"sub": "x", "sid": "A" * 22, "iat": 1, "exp": 4102444800}, "another key of enough length 0123456789", algorithm="HS256", headers={"typ": "ae-st-session+jwt"}),
    ],
    ids=["garbage", "foreign-token-same-key", "other-key"],
)
def test_a_reload_with_a_bad_cookie_shows_the_login(db: UsersDatabase, app_secrets: dict[str, Any], cookie: str) -> None:
    b = browser(app_secrets, FakeClient(cookies={COOKIE_NAME: cookie}))
    assert b.state()["authentication_status"] is None
    assert "login" in b.widgets()


def test_logout_ends_the_session_in_the_store_and_clears_the_cookie(db: UsersDatabase, app_secrets: dict[str, Any]) -> None:
    b = logged_in(app_secrets)
    other_tab = b.reload()
    token = b.jar[COOKIE_NAME]
    sid = jwt.decode(token, COOKIE_KEY, algorithms=["HS256"])["sid"]
    b.send("logout", {"v": 1, "id": new_request_id(), "op": "logout", "input": {}})
    assert b.state()["authentication_status"] is None
    assert "login" in b.widgets(), "the login widget is back in the same run"
    assert COOKIE_NAME not in b.jar
    assert db.store.get_session(sid).revoked_at is not None
    assert b.at.session_state["events"][-1] == {"event": "logout", "widget": "logout", "username": "alice", "name": "Alice Example", "email": "alice@example.com", "roles": ["member"]}
    # The other tab is signed out at its next rerun; the old cookie, replayed, signs nobody in.
    other_tab.run()
    assert other_tab.state()["authentication_status"] is None
    replay = Browser(APPS / "basic.py", app_secrets, FakeClient(cookies={COOKIE_NAME: token})).run()
    assert replay.state()["authentication_status"] is None


def test_a_logout_rendered_before_the_login_widget_is_handled_before_it(db: UsersDatabase, app_secrets: dict[str, Any]) -> None:
    b = browser(app_secrets, script="sidebar_first.py")
    b.send("login", login_request("alice", PASSWORD))
    assert "status True" in b.texts()
    b.send("logout", {"v": 1, "id": new_request_id(), "op": "logout", "input": {}})
    assert "status None" in b.texts()
    assert "login" in b.widgets()


@pytest.mark.parametrize("change", ["revoke", "disable", "password", "delete"])
def test_a_session_ended_by_another_process_ends_here_at_the_next_run(database: str, change: str) -> None:
    """On a SQLite file and on PostgreSQL: another connection (another Streamlit process, or the
    reference server) ends the session; this tab is signed out at its next run."""
    users = UsersDatabase(store=open_store(database))
    users.create_user("alice", PASSWORD, name="Alice Example")
    users.store.close()
    b = logged_in({"db": database, "cookie_key": COOKIE_KEY, "cookie_name": COOKIE_NAME})
    sid = jwt.decode(b.jar[COOKIE_NAME], COOKIE_KEY, algorithms=["HS256"])["sid"]
    other = UsersDatabase(store=open_store(database))
    try:
        user = other.find_user("alice")
        if change == "revoke":
            other.revoke_session(sid, 1)
        elif change == "disable":
            other.set_disabled(user.id, True)
        elif change == "password":
            other.set_password(user.id, "a brand new long password")
        else:
            other.store._run("DELETE FROM users WHERE id = " + ("?" if other.store.kind == "sqlite" else "%s"), (user.id,))  # type: ignore[attr-defined]
    finally:
        other.store.close()
    b.run()
    assert b.state()["authentication_status"] is None
    assert "protected content" not in b.texts()
    assert "login" in b.widgets()


def test_an_expired_session_ends(db: UsersDatabase, app_secrets: dict[str, Any]) -> None:
    secrets = dict(app_secrets, expiry_days=0.00002)  # about 2 seconds
    b = browser(secrets)
    b.send("login", login_request("alice", PASSWORD))
    assert b.state()["authentication_status"] is True
    from conftest import wait_until

    exp = jwt.decode(b.jar[COOKIE_NAME], COOKIE_KEY, algorithms=["HS256"], options={"verify_exp": False})["exp"]
    import time

    wait_until(lambda: time.time() > exp + 1, timeout=10)
    b.run()
    assert b.state()["authentication_status"] is None


def test_failed_logins_are_throttled_per_account_and_per_client_address(db: UsersDatabase, app_secrets: dict[str, Any]) -> None:
    b = browser(app_secrets, FakeClient(remote_ip="203.0.113.7"))
    for i in range(5):
        b.send("login", login_request("alice", f"wrong password {i}"))
        assert b.widgets()["login"]["reply"]["error"]["code"] == "invalid_credentials"
    b.send("login", login_request("alice", PASSWORD))
    error = b.widgets()["login"]["reply"]["error"]
    assert error["code"] == "rate_limited" and error["retry_after"] >= 1
    assert b.state()["authentication_status"] is False
    assert db.store.failure("address:203.0.113.7").count == 5
    assert db.store.failure("account:alice").count == 5


def test_on_loopback_streamlit_gives_no_address_and_only_the_account_counts(db: UsersDatabase, app_secrets: dict[str, Any]) -> None:
    b = browser(app_secrets, FakeClient(remote_ip="127.0.0.1"))
    b.send("login", login_request("alice", "wrong password!!"))
    assert db.store.failure("account:alice").count == 1
    with db.store._tx() as conn:
        keys = [r["key"] for r in conn.execute("SELECT key FROM login_failures")]
    assert keys == ["account:alice"]


def test_a_successful_login_gives_the_address_its_reservation_back(db: UsersDatabase, app_secrets: dict[str, Any]) -> None:
    b = browser(app_secrets, FakeClient(remote_ip="2001:db8:1:2:3:4:5:6"))
    b.send("login", login_request("alice", "wrong password!!"))
    b.send("login", login_request("alice", PASSWORD))
    assert db.store.failure("account:alice") is None
    assert db.store.failure("address:2001:db8:1:2::/64").count == 1


def test_a_bad_cookie_key_stops_the_app_with_its_message(db: UsersDatabase, app_secrets: dict[str, Any]) -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APPS / "basic.py"))
    at.secrets.update(dict(app_secrets, cookie_key="some_signature_key"))
    at.run()
    assert at.exception, "the app stops"
    message = at.exception[0].message
    assert "published example key" in message and 'python -c "import secrets; print(secrets.token_urlsafe(32))"' in message
    assert not [e for e in at._tree if getattr(e, "type", None) == "component_instance"]
