"""The account widgets in real Streamlit script runs (AppTest), as the iframe drives them
(PROTOCOL.md requests in the widget states of a run): register (and its mailed code through
?verify_token=), forgot password (the code for the app, or shown with show_code), reset (a code,
?reset_token=), change password, forgot username, update details; replies, return values,
callbacks, st.session_state; forged requests; a backend without tables on a SessionDatabase."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jwt
import pytest
from conftest import APPS, COOKIE_KEY, COOKIE_NAME, Browser, FakeClient, login_request, new_request_id

from streamlit_auth_elements import SessionDatabase, UsersDatabase
from streamlit_auth_elements._users_database import open_store

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a brand new long password"


def request(op: str, **data: str) -> dict[str, Any]:
    return {"v": 1, "id": new_request_id(), "op": op, "input": data}


@pytest.fixture
def db(sqlite_path: Path) -> UsersDatabase:
    users = UsersDatabase(sqlite_path, env={})
    users.create_user("alice", PASSWORD, name="Alice Example", email="alice@example.com", roles=["member"])
    return users


def browser(secrets: dict[str, Any], client: FakeClient | None = None, script: str = "accounts.py") -> Browser:
    return Browser(APPS / script, secrets, client).run()


def texts(b: Browser, prefix: str) -> list[str]:
    return [t[len(prefix):] for t in b.texts() if t.startswith(prefix)]


def reply(b: Browser, key: str) -> Any:
    return b.widgets()[key]["reply"]


def signed_in(secrets: dict[str, Any]) -> Browser:
    b = browser(secrets)
    b.send("login", login_request("alice", PASSWORD))
    assert b.state()["authentication_status"] is True
    return b


def test_the_widgets_render_with_the_policys_minimum_length(db: UsersDatabase, app_secrets: dict[str, Any]) -> None:
    b = browser(app_secrets)
    widgets = b.widgets()
    assert {k: widgets[k]["widget"] for k in ("register", "forgot", "reset", "forgot_username")} == {
        "register": "register", "forgot": "forgot_password", "reset": "reset_password", "forgot_username": "forgot_username",
    }
    assert widgets["register"]["options"] == {"password_min_length": 15}
    assert widgets["reset"]["options"] == {"password_min_length": 15}
    assert "details" not in widgets, "update details needs someone signed in"


def test_register_answers_in_one_run_and_returns_the_registration(db: UsersDatabase, app_secrets: dict[str, Any]) -> None:
    b = browser(app_secrets)
    runs = b.runs
    sent = request("register", name="New Bie", email="new@example.com", username="newbie", password=PASSWORD)
    b.send("register", sent)
    assert b.runs == runs + 1
    assert reply(b, "register") == {"id": sent["id"], "ok": True, "result": {"verification_sent": False, "username": "newbie"}}
    assert texts(b, "registered ") == [json.dumps({"username": "newbie", "email": "new@example.com", "name": "New Bie", "verification_sent": False})]
    assert db.find_user("newbie").roles == ("member",)
    assert b.at.session_state["events"][-1] == {
        "event": "register", "widget": "register", "username": "newbie", "email": "new@example.com", "name": "New Bie", "verification_sent": False,
    }
    assert b.state()["authentication_status"] is None, "registering does not sign in"
    b.run()
    assert texts(b, "registered ") == [], "the result belongs to the run that handled the request"
    assert reply(b, "register")["id"] == sent["id"], "the reply stays until the next request"


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        (
            {"password": "too short"},
            {"code": "weak_password", "message": "Use at least 15 characters.", "description": "Use at least 15 characters.", "reason": "too_short", "min": 15},
        ),
        ({"username": "ALICE"}, {"code": "username_taken", "message": "This username is taken. Choose another one."}),
        ({"email": "Alice@Example.com"}, {"code": "registration_not_allowed", "message": "Registration is not open for this email address."}),
        ({"username": "x"}, {"code": "invalid_input", "message": "The username must have 3 to 64 characters.", "description": "The username must have 3 to 64 characters."}),
    ],
)
def test_register_refusals_are_replied_with_the_kits_codes(db: UsersDatabase, app_secrets: dict[str, Any], fields: dict[str, str], error: dict[str, str]) -> None:
    b = browser(app_secrets)
    sent = request("register", **{"name": "", "email": "new@example.com", "username": "newbie", "password": PASSWORD, **fields})
    b.send("register", sent)
    assert reply(b, "register") == {"id": sent["id"], "ok": False, "error": error}
    assert texts(b, "registered ") == []


def test_a_registration_finishes_with_the_mailed_link_on_the_apps_page(db: UsersDatabase, app_secrets: dict[str, Any]) -> None:
    secrets = dict(app_secrets, mail="outbox", app_url="http://localhost:8501/")
    b = browser(secrets)
    b.send("register", request("register", name="", email="new@example.com", username="newbie", password=PASSWORD))
    assert reply(b, "register")["result"] == {"verification_sent": True, "username": "newbie"}
    assert db.find_user("newbie") is None
    mails = UsersDatabase(store=open_store(app_secrets["db"]), env={}).outbox()
    link = next(line for line in mails[0].text.splitlines() if "verify_token=" in line)
    code = link.split("verify_token=")[1]
    # The link opens the app's page (a new tab): the widget takes the code, the address loses it.
    tab = Browser(APPS / "accounts.py", secrets)
    tab.at.query_params["verify_token"] = code
    tab.run()
    assert tab.widgets()["register"]["options"] == {"password_min_length": 15, "token": code}
    assert "verify_token" not in tab.at.query_params
    tab.run()
    assert tab.widgets()["register"]["options"]["token"] == code, "held until it is used"
    tab.send("register", request("verify_registration", token=code))
    assert reply(tab, "register")["result"] == {"username": "newbie"}
    assert texts(tab, "registered ") == [json.dumps({"username": "newbie", "email": "new@example.com", "name": "", "verification_sent": False})]
    assert "token" not in tab.widgets()["register"]["options"], "used up"
    assert db.find_user("newbie").roles == ("member",)
    tab.send("register", request("verify_registration", token=code))
    assert reply(tab, "register")["error"]["code"] == "verification_token_invalid"


def test_forgot_password_gives_the_app_the_code_and_the_visitor_the_same_answer(db: UsersDatabase, app_secrets: dict[str, Any]) -> None:
    b = browser(app_secrets)
    for login in ("nobody", "alice"):
        sent = request("request_password_reset", login=login)
        b.send("forgot", sent)
        assert reply(b, "forgot") == {"id": sent["id"], "ok": True, "result": {}}
    [result] = texts(b, "forgot ")
    asked = json.loads(result)
    assert (asked["username"], asked["email"], len(asked["code"])) == ("alice", "alice@example.com", 43)
    assert not b.at.info and not b.at.code, "not shown to the visitor"
    assert b.at.session_state["events"][-2]["username"] is None
    # The app hands the code to the reset widget (here through token=); the user sets a password.
    b.at.secrets["given_code"] = asked["code"]
    b.run()
    assert b.widgets()["reset"]["options"]["token"] == asked["code"]
    other_tab = signed_in(dict(app_secrets))
    sent = request("reset_password", token=asked["code"], password=NEW_PASSWORD)
    b.send("reset", sent)
    assert reply(b, "reset") == {"id": sent["id"], "ok": True, "result": {}}
    assert "password changed" in b.texts()
    assert "token" not in b.widgets()["reset"]["options"]
    assert db.check_password("alice", NEW_PASSWORD, 0) is not None
    other_tab.run()
    assert other_tab.state()["authentication_status"] is None, "every session of the user ended"
    b.send("reset", request("reset_password", token=asked["code"], password=NEW_PASSWORD + "!"))
    assert reply(b, "reset")["error"]["code"] == "reset_token_invalid"


def test_show_code_shows_the_reset_code_to_whoever_asked(db: UsersDatabase, app_secrets: dict[str, Any]) -> None:
    b = browser(dict(app_secrets, show_code=True))
    b.send("forgot", request("request_password_reset", login="nobody"))
    assert not b.at.code
    b.send("forgot", request("request_password_reset", login="alice"))
    [code] = [c.value for c in b.at.code]
    assert len(code) == 43 and "`alice`" in b.at.info[0].value
    b.run()
    assert [c.value for c in b.at.code] == [code], "still there on the next rerun"
    b.send("reset", request("reset_password", token=code, password=NEW_PASSWORD))
    assert reply(b, "reset")["ok"] is True


def test_show_code_shows_nothing_when_the_code_was_mailed(db: UsersDatabase, app_secrets: dict[str, Any]) -> None:
    b = browser(dict(app_secrets, show_code=True, mail="outbox", app_url="http://localhost:8501/"))
    b.send("forgot", request("request_password_reset", login="alice"))
    assert not b.at.code
    assert json.loads(texts(b, "forgot ")[0]) == {"username": "alice", "email": "alice@example.com", "code": None}


def test_a_mailed_reset_link_opens_the_reset_widget_with_its_code(db: UsersDatabase, app_secrets: dict[str, Any]) -> None:
    secrets = dict(app_secrets, mail="outbox", app_url="http://localhost:8501/")
    b = browser(secrets)
    b.send("forgot", request("request_password_reset", login="alice"))
    mail = UsersDatabase(store=open_store(app_secrets["db"]), env={}).outbox()[0]
    code = mail.text.split("reset_token=")[1].split()[0]
    tab = Browser(APPS / "accounts.py", secrets)
    tab.at.query_params["reset_token"] = code
    tab.run()
    assert tab.widgets()["reset"]["options"] == {"password_min_length": 15, "token": code}
    assert "reset_token" not in tab.at.query_params
    tab.send("reset", request("reset_password", token=code, password=NEW_PASSWORD))
    assert reply(tab, "reset")["ok"] is True and "password changed" in tab.texts()


def test_change_password_keeps_this_session_and_ends_the_others(db: UsersDatabase, app_secrets: dict[str, Any]) -> None:
    b = signed_in(app_secrets)
    same = b.reload()  # the same session (its cookie), in a new tab
    other = signed_in(app_secrets)  # another login: another session
    sent = request("change_password", current_password="wrong password!", new_password=NEW_PASSWORD)
    b.send("reset", sent)
    assert reply(b, "reset")["error"] == {"code": "invalid_credentials", "message": "The current password is wrong."}
    b.send("reset", request("change_password", current_password=PASSWORD, new_password=NEW_PASSWORD))
    assert reply(b, "reset")["ok"] is True and "password changed" in b.texts()
    assert b.state()["authentication_status"] is True
    b.run()
    assert b.state()["authentication_status"] is True, "this session stays"
    same.run()
    assert same.state()["authentication_status"] is True, "a tab of this session stays signed in"
    other.run()
    assert other.state()["authentication_status"] is None, "the other session ended"
    assert b.at.session_state["events"][-1]["event"] == "change_password"


def test_password_and_details_requests_of_a_signed_out_browser_are_refused(db: UsersDatabase, app_secrets: dict[str, Any]) -> None:
    """A forged change_password (the reset widget is rendered for signed-out users too)."""
    b = browser(app_secrets)
    sent = request("change_password", current_password=PASSWORD, new_password=NEW_PASSWORD)
    b.send("reset", sent)
    assert reply(b, "reset") == {"id": sent["id"], "ok": False, "error": {"code": "not_authenticated", "message": "Please log in first."}}
    assert db.check_password("alice", PASSWORD, 0) is not None
    # update_details through a widget that may not send it is not even a request.
    b.send("forgot", request("update_details", name="Mallory"))
    assert db.find_user("alice").name == "Alice Example"


def test_update_details_changes_the_session_in_the_same_run(db: UsersDatabase, app_secrets: dict[str, Any]) -> None:
    b = signed_in(app_secrets)
    assert b.widgets()["details"]["widget"] == "update_details"
    b.send("details", request("update_details", name="Alice Liddell", email="alice@example.com"))
    assert reply(b, "details")["ok"] is True
    assert "details saved Alice Liddell" in b.texts()
    assert b.state()["name"] == "Alice Liddell"
    assert b.widgets()["status"]["session"]["user"]["name"] == "Alice Liddell"
    b.send("details", request("update_details", email="alice@new.example.com"))
    error = reply(b, "details")["error"]
    assert error["code"] == "invalid_input" and "current_password" in error["description"]
    b.send("details", request("update_details", email="alice@new.example.com", current_password=PASSWORD))
    assert b.state()["email"] == "alice@new.example.com"
    assert db.find_user("alice").email == "alice@new.example.com"


def test_forgot_username_answers_the_same_and_returns_what_matched(db: UsersDatabase, app_secrets: dict[str, Any]) -> None:
    b = browser(app_secrets)
    b.send("forgot_username", request("request_username_reminder", email="nobody@example.com"))
    assert reply(b, "forgot_username")["result"] == {}
    assert texts(b, "reminded ") == [json.dumps({"username": None, "email": None})]
    b.send("forgot_username", request("request_username_reminder", email="ALICE@example.com"))
    assert reply(b, "forgot_username")["result"] == {}
    assert texts(b, "reminded ") == [json.dumps({"username": "alice", "email": "alice@example.com"})]


# ---------------------------------------------------------------------------------- SessionDatabase


def test_a_backend_without_tables_signs_in_on_a_session_database(database: str, tmp_path: Path) -> None:
    """Login, reload, logout, and a user removed from the backend, with the sessions and the
    throttle in a SessionDatabase (SQLite file or PostgreSQL); account operations the backend
    lacks are answered "unsupported"."""
    secrets = {"sessions_db": database, "cookie_key": COOKIE_KEY, "cookie_name": COOKIE_NAME}
    b = browser(secrets, script="dict_backend.py")
    b.send("login", login_request("alice", "wrong password!!"))
    sessions = SessionDatabase(database)
    assert sessions.store.failure("account:alice").count == 1
    b.send("login", login_request("ALICE", PASSWORD))
    assert b.state() == {"authentication_status": True, "name": "Alice", "username": "alice", "email": "", "roles": ["member"]}
    assert "hello Alice dict" in b.texts()
    sid = jwt.decode(b.jar[COOKIE_NAME], COOKIE_KEY, algorithms=["HS256"])["sid"]
    b.run()
    assert f"session {sid}" in b.texts(), "current_identity is told which session it checks"
    assert sessions.resume_session(sid, "yaml:alice", 0) is not None
    again = b.reload()
    assert "hello Alice dict" in again.texts(), "the identity (extra included) comes back from the session store"
    again.send("forgot_username", request("request_username_reminder", email="a@example.com"))
    assert "reminded from-the-call a@example.com" in again.texts(), "options= of the widget call reach the backend"
    sent = request("register", name="", email="x@example.com", username="newbie", password=PASSWORD)
    b.send("register", sent)
    assert reply(b, "register") == {"id": sent["id"], "ok": False, "error": {"code": "unsupported", "message": "This operation is not available here."}}
    # The user is disabled in the backend: every session ends at its next run.
    again.at.secrets["disabled"] = ["alice"]
    again.run()
    assert again.state()["authentication_status"] is None
    b.send("logout", request("logout"))
    assert b.state()["authentication_status"] is None
    assert sessions.resume_session(sid, "yaml:alice", 0) is None, "revoked in the session database"
