"""The Streamlit-Authenticator layer (streamlit_auth_elements.compat.streamlit_authenticator): its
constructors old and new, Hasher both ways (checked with the bcrypt library itself), the exception
names where that library has them, and every widget's return shape in real script runs (AppTest)
over the app's own credentials dict (updated in place, saved by the app as that library's README
does), a YAML path, and the 0.2 call forms."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import bcrypt
import pytest
import yaml
from conftest import APPS, COOKIE_KEY, Browser, FakeClient, login_request, new_request_id

import streamlit_auth_elements.compat.streamlit_authenticator as stauth
from streamlit_auth_elements import AuthConfigError

NEW_PASSWORD = "a brand new long password"


def request(op: str, **data: str) -> dict[str, Any]:
    return {"v": 1, "id": new_request_id(), "op": op, "input": data}


def write_config(path: Path, *, key: str = COOKIE_KEY) -> Path:
    """Streamlit-Authenticator's README config: plain text passwords (hashed on load)."""
    config = {
        "cookie": {"expiry_days": 30, "key": key, "name": "stauth_test"},
        "credentials": {
            "usernames": {
                "jsmith": {
                    "email": "jsmith@example.com", "failed_login_attempts": 0, "first_name": "John", "last_name": "Smith",
                    "logged_in": False, "password": "abc", "roles": ["admin", "editor"],
                },
                "rbriggs": {"email": "rbriggs@example.com", "name": "Rebecca Briggs", "password": "def"},
            }
        },
        "pre-authorized": {"emails": ["melsby@example.com"]},
    }
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.fixture(autouse=True)
def _fresh_journals() -> Any:
    """Each test starts with no remembered dict changes (the journal is per process, by cookie name)."""
    from streamlit_auth_elements import _users_file

    yield
    _users_file._journals.clear()
    _users_file._consumed.clear()


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AUTH_SESSIONS_DB", str(tmp_path / "sessions.db"))
    monkeypatch.delenv("AUTH_REGISTRATION", raising=False)
    return write_config(tmp_path / "config.yaml")


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def app(config: Path, mode: str) -> Browser:
    return Browser(APPS / "stauth.py", {"config": str(config), "mode": mode}).run()


def shown(b: Browser, label: str) -> Any:
    found = [json.loads(t[len(label) + 1:]) for t in b.texts() if t.startswith(label + " ")]
    assert len(found) == 1, (label, b.texts())
    return found[0]


def signed_in(config: Path, mode: str, username: str = "jsmith", password: str = "abc") -> Browser:
    b = app(config, mode)
    b.send("Login", login_request(username, password))
    assert b.state()["authentication_status"] is True
    return b


# ---------------------------------------------------------------------------------- Hasher


def test_hasher_old_and_new_forms_make_bcrypt_hashes_that_the_bcrypt_library_verifies() -> None:
    old = stauth.Hasher(["abc", "déf"]).generate()
    new = [stauth.Hasher.hash("abc"), *stauth.Hasher.hash_list(["déf"])]
    for hashes in (old, new):
        assert [h[:7] for h in hashes] == ["$2b$12$", "$2b$12$"]
        assert bcrypt.checkpw(b"abc", hashes[0].encode())
        assert bcrypt.checkpw("déf".encode(), hashes[1].encode())
        assert not bcrypt.checkpw(b"abd", hashes[0].encode())
    assert stauth.Hasher.check_pw("abc", old[0]) and not stauth.Hasher.check_pw("abd", old[0])
    assert stauth.Hasher.check_pw("abc", bcrypt.hashpw(b"abc", bcrypt.gensalt(4)).decode())
    assert not stauth.Hasher.check_pw("abc", "abc"), "a plain text value is not a hash"
    assert stauth.Hasher.is_hash(old[0]) and not stauth.Hasher.is_hash("abc")
    with pytest.raises(ValueError):
        stauth.Hasher.hash("x" * 73)  # bcrypt would ignore the rest: refused, not cut


def test_hasher_hash_passwords_hashes_plain_text_in_place() -> None:
    done = stauth.Hasher.hash("kept")
    credentials = {"usernames": {"a": {"password": "abc"}, "b": {"password": done}, "c": {"email": "c@example.com"}}}
    assert stauth.Hasher.hash_passwords(credentials) is credentials
    assert bcrypt.checkpw(b"abc", credentials["usernames"]["a"]["password"].encode())
    assert credentials["usernames"]["b"]["password"] == done
    assert "password" not in credentials["usernames"]["c"]


def test_the_exception_classes_are_where_streamlit_authenticator_has_them() -> None:
    from streamlit_auth_elements.compat.streamlit_authenticator import utilities
    from streamlit_auth_elements.compat.streamlit_authenticator.utilities import exceptions

    names = ["AuthenticateError", "CredentialsError", "DeprecationError", "ForgotError", "LoginError", "LogoutError", "RegisterError", "ResetError", "UpdateError"]
    for name in names:
        assert getattr(stauth, name) is getattr(utilities, name) is getattr(exceptions, name)
        assert issubclass(getattr(stauth, name), Exception)
    assert stauth.utilities.Hasher is stauth.Hasher
    assert str(stauth.LoginError("nope")) == "nope" and stauth.LoginError("nope").message == "nope"
    assert str(stauth.CredentialsError("password")) == "Password is incorrect"


# ---------------------------------------------------------------------------------- Authenticate


def test_the_old_positional_and_the_new_keyword_constructors(config: Path) -> None:
    loaded = load(config)
    old = stauth.Authenticate(loaded["credentials"], "stauth_test", COOKIE_KEY, 30, loaded["pre-authorized"])
    assert old._preauthorized is loaded["pre-authorized"]["emails"], "0.2's preauthorized: the very list, used up in place"
    assert old.auth.cookie_name == "stauth_test"
    new = stauth.Authenticate(credentials=loaded["credentials"], cookie_name="c2", cookie_key=COOKIE_KEY, cookie_expiry_days=0, auto_hash=True, api_key="ignored")
    assert (new.auth.cookie_name, new.auth.remember) == ("c2", False), "cookie_expiry_days=0: no cookie"
    legacy_key = stauth.Authenticate(loaded["credentials"], "c3", key=COOKIE_KEY)
    assert legacy_key.auth.cookie_name == "c3"
    from_path = stauth.Authenticate(str(config))
    assert (from_path.auth.cookie_name, from_path.auth.cookie_expiry_seconds) == ("stauth_test", 30 * 86400), "the file's cookie: section"
    with pytest.raises(stauth.DeprecationError):
        stauth.Authenticate(["John"], ["jsmith"], ["hash"], "c", COOKIE_KEY)  # type: ignore[arg-type]


@pytest.mark.parametrize("key", [None, "some_key", "abcdef", "short-but-random-1234"])
def test_a_missing_example_or_short_cookie_key_is_refused_with_how_to_make_one(config: Path, key: str | None) -> None:
    loaded = load(config)
    with pytest.raises(stauth.AuthenticateError) as caught:
        stauth.Authenticate(loaded["credentials"], "c", key, 30)
    assert isinstance(caught.value, AuthConfigError), "also the package's own configuration error"
    assert "secrets.token_urlsafe" in str(caught.value) or "token" in str(caught.value)


def test_plain_text_passwords_are_hashed_in_the_apps_dict_in_place(config: Path) -> None:
    loaded = load(config)
    credentials = loaded["credentials"]
    stauth.Authenticate(credentials, "c", COOKIE_KEY, 30)
    users = credentials["usernames"]
    assert bcrypt.checkpw(b"abc", users["jsmith"]["password"].encode())
    assert bcrypt.checkpw(b"def", users["rbriggs"]["password"].encode())
    assert load(config)["credentials"]["usernames"]["jsmith"]["password"] == "abc", "the app saves its dict, not the layer"


def test_with_a_path_plain_text_passwords_are_hashed_in_the_file(config: Path) -> None:
    stauth.Authenticate(str(config))
    on_disk = load(config)
    assert bcrypt.checkpw(b"abc", on_disk["credentials"]["usernames"]["jsmith"]["password"].encode())
    assert on_disk["cookie"]["name"] == "stauth_test" and on_disk["pre-authorized"] == {"emails": ["melsby@example.com"]}, "the rest of the file is kept"


# ---------------------------------------------------------------------------------- the widgets


def test_legacy_login_returns_name_status_username_and_the_state_keys(config: Path) -> None:
    b = app(config, "legacy")
    assert shown(b, "login") == [None, None, None]
    assert b.widgets()["Login"]["fields"] == {"Form name": "Login"}, "0.2's form name goes to fields"
    b.send("Login", login_request("jsmith", "wrong"))
    assert shown(b, "login") == [None, False, None]
    assert b.state()["authentication_status"] is False
    b.send("Login", login_request("JSmith", "abc"))
    assert shown(b, "login") == ["John Smith", True, "jsmith"]
    assert b.state() == {"authentication_status": True, "name": "John Smith", "username": "jsmith", "email": "jsmith@example.com", "roles": ["admin", "editor"]}


def test_new_login_logout_and_a_reload_through_the_cookie(config: Path) -> None:
    b = signed_in(config, "dict")
    assert shown(b, "login") == ["John Smith", True, "jsmith"]
    assert b.at.session_state["events"][-1]["username"] == "jsmith"
    again = b.reload()
    assert shown(again, "login") == ["John Smith", True, "jsmith"], "a reload is signed in on its first run"
    again.send("Logout", request("logout"))
    assert again.state()["authentication_status"] is None
    assert shown(again, "login") == [None, None, None]
    assert again.at.session_state["events"][-1]["event"] == "logout"


def test_logout_reset_and_details_while_signed_out_raise_that_librarys_errors(config: Path) -> None:
    loaded = load(config)
    authenticator = stauth.Authenticate(loaded["credentials"], "c", COOKIE_KEY, 30)
    from streamlit.testing.v1 import AppTest

    def script() -> None:
        import streamlit as st

        import streamlit_auth_elements.compat.streamlit_authenticator as stauth

        a = stauth.Authenticate(st.secrets["config"])
        for call in (lambda: a.logout(), lambda: a.reset_password("jsmith"), lambda: a.update_user_details("jsmith")):
            try:
                call()
            except (stauth.LogoutError, stauth.ResetError, stauth.UpdateError) as err:
                st.text(type(err).__name__)

    at = AppTest.from_function(script)
    at.secrets["config"] = str(config)
    at.run()
    assert [t.value for t in at.text] == ["LogoutError", "ResetError", "UpdateError"]
    assert authenticator is not None


def test_register_uses_up_the_pre_authorized_email_in_the_apps_dict_which_the_app_saves(config: Path) -> None:
    b = app(config, "dict")
    assert shown(b, "register") == [None, None, None]
    refused = request("register", name="Eve Outsider", email="eve@example.com", username="eve", password=NEW_PASSWORD)
    b.send("Register user", refused)
    assert b.widgets()["Register user"]["reply"]["error"]["code"] == "registration_not_allowed"
    sent = request("register", name="Mel Elsby", email="melsby@example.com", username="melsby", password=NEW_PASSWORD)
    b.send("Register user", sent)
    assert shown(b, "register") == ["melsby@example.com", "melsby", "Mel Elsby"]
    on_disk = load(config)
    assert on_disk["pre-authorized"]["emails"] == [], "used up in the app's list, saved by the app"
    entry = on_disk["credentials"]["usernames"]["melsby"]
    assert (entry["first_name"], entry["last_name"], entry["email"], entry["roles"]) == ("Mel", "Elsby", "melsby@example.com", ["viewer"])
    assert bcrypt.checkpw(NEW_PASSWORD.encode(), entry["password"].encode())
    assert b.at.session_state["events"][-1]["username"] == "melsby"
    b.run()
    assert shown(b, "register") == [None, None, None], "the result belongs to the run that registered"
    signed_in(config, "dict", "melsby", NEW_PASSWORD)


def test_register_through_a_path_uses_the_files_list_and_saves_atomically(config: Path) -> None:
    b = app(config, "path")
    b.send("Register user", request("register", name="Mel Elsby", email="melsby@example.com", username="melsby", password=NEW_PASSWORD))
    assert shown(b, "register") == ["melsby@example.com", "melsby", "Mel Elsby"]
    on_disk = load(config)
    assert on_disk["pre-authorized"]["emails"] == [] and "melsby" in on_disk["credentials"]["usernames"]
    assert not [p for p in config.parent.iterdir() if p.name.endswith(".tmp")], "no temporary file left"


def test_legacy_register_returns_a_bool(config: Path) -> None:
    b = app(config, "legacy")
    widgets = b.widgets()
    assert {k: (widgets[k]["fields"], widgets[k]["location"]) for k in ("Register user", "Forgot password", "Forgot username")} == {
        "Register user": ({"Form name": "Register user"}, "main"),
        "Forgot password": ({"Form name": "Forgot password"}, "sidebar"),
        "Forgot username": ({"Form name": "Forgot username"}, "main"),
    }, "0.2's form name, positional or form_name=, with location= as a keyword too"
    assert shown(b, "register") is False
    b.send("Register user", request("register", name="Mel Elsby", email="melsby@example.com", username="melsby", password=NEW_PASSWORD))
    assert shown(b, "register") is True


def test_forgot_password_gives_a_reset_code_that_works_once(config: Path) -> None:
    b = app(config, "dict")
    assert shown(b, "forgot") == [None, None, None]
    b.send("Forgot password", request("request_password_reset", login="nobody"))
    assert shown(b, "forgot") == [None, None, None], "an unknown username looks like no request to the app"
    b.send("Forgot password", request("request_password_reset", login="jsmith"))
    username, email, code = shown(b, "forgot")
    assert (username, email) == ("jsmith", "jsmith@example.com")
    assert isinstance(code, str) and len(code) == 43
    assert not bcrypt.checkpw(code.encode(), load(config)["credentials"]["usernames"]["jsmith"]["password"].encode()) if load(config)["credentials"]["usernames"]["jsmith"]["password"].startswith("$2") else True
    assert "Forgot password code" in b.widgets(), "the form that takes the code is under the widget"
    b.send("Forgot password code", request("reset_password", token=code, password=NEW_PASSWORD))
    assert b.widgets()["Forgot password code"]["reply"]["ok"] is True
    stored = load(config)["credentials"]["usernames"]["jsmith"]["password"]
    assert bcrypt.checkpw(NEW_PASSWORD.encode(), stored.encode()), "the new hash is in the dict the app saved"
    b.send("Forgot password code", request("reset_password", token=code, password="another long new password"))
    assert b.widgets()["Forgot password code"]["reply"]["error"]["code"] == "reset_token_invalid", "used once, then refused"
    assert load(config)["credentials"]["usernames"]["jsmith"]["password"] == stored
    signed_in(config, "dict", "jsmith", NEW_PASSWORD)


def test_forgot_username_returns_username_and_email(config: Path) -> None:
    b = app(config, "dict")
    assert shown(b, "forgot_username") == [None, None]
    b.send("Forgot username", request("request_username_reminder", email="RBriggs@example.com"))
    assert shown(b, "forgot_username") == ["rbriggs", "rbriggs@example.com"]
    b.send("Forgot username", request("request_username_reminder", email="nobody@example.com"))
    assert shown(b, "forgot_username") == [None, None]


def test_reset_password_and_update_details_return_true_and_change_the_dict(config: Path) -> None:
    b = signed_in(config, "dict")
    assert shown(b, "reset") is None and shown(b, "details") is None
    b.send("Reset password", request("change_password", current_password="abc", new_password=NEW_PASSWORD))
    assert shown(b, "reset") is True
    assert bcrypt.checkpw(NEW_PASSWORD.encode(), load(config)["credentials"]["usernames"]["jsmith"]["password"].encode())
    b.send("Update user details", request("update_details", name="Johnny Smith"))
    assert shown(b, "details") is True
    assert b.state()["name"] == "Johnny Smith"
    entry = load(config)["credentials"]["usernames"]["jsmith"]
    assert (entry["first_name"], entry["last_name"]) == ("Johnny", "Smith")


def test_legacy_reset_and_details_calls(config: Path) -> None:
    b = signed_in(config, "legacy")
    assert b.widgets()["Reset password"]["fields"] == {"Form name": "Reset password"}
    assert b.widgets()["Update user details"]["fields"] == {"Form name": "Update user details"}
    b.send("Reset password", request("change_password", current_password="abc", new_password=NEW_PASSWORD))
    assert shown(b, "reset") is True


def test_the_result_stays_through_the_ack_rerun_that_follows_a_request_with_a_password(config: Path) -> None:
    """The iframe acks a reply to a request that carried a password (one more rerun, PROTOCOL.md):
    that rerun is no user action, so the README's `if email_of_registered_user: st.success(...)`
    must still see the registration there, or the message flashes and is gone."""
    b = app(config, "dict")
    sent = request("register", name="Mel Elsby", email="melsby@example.com", username="melsby", password=NEW_PASSWORD)
    b.send("Register user", sent)
    assert shown(b, "register") == ["melsby@example.com", "melsby", "Mel Elsby"]
    events = len(b.at.session_state["events"])
    b.send("Register user", request("ack", of=sent["id"]))
    assert shown(b, "register") == ["melsby@example.com", "melsby", "Mel Elsby"], "the ack rerun still has the result"
    assert len(b.at.session_state["events"]) == events, "the callback is not called again"
    b.run()
    assert shown(b, "register") == [None, None, None], "a later run has it no more"
    b.send("Register user", request("ack", of=new_request_id()))
    assert shown(b, "register") == [None, None, None], "an ack of another request carries nothing"


def test_a_change_made_in_a_run_stopped_before_the_apps_save_is_in_the_next_runs_dict(config: Path) -> None:
    """Streamlit stops a run at its next st call when a rerun is asked for (the iframe's ack follows
    every reply to a request with a password at once), so the README's save at the end of the script
    may never run in the run that registered a user or changed a password. The next run loads the
    file as it was: the change must be applied to that run's dict again, which its save then keeps."""
    b = app(config, "dict")
    b.at.session_state["interrupted_run"] = True
    b.send("Register user", request("register", name="Mel Elsby", email="melsby@example.com", username="melsby", password=NEW_PASSWORD))
    assert "melsby" not in load(config)["credentials"]["usernames"], "the run that registered did not save"
    b.run()
    on_disk = load(config)
    assert "melsby" in on_disk["credentials"]["usernames"], "the next run's dict has the new user, and the app saved it"
    assert on_disk["pre-authorized"]["emails"] == [], "and the used pre-authorization"
    signed = signed_in(config, "dict", "melsby", NEW_PASSWORD)
    signed.at.session_state["interrupted_run"] = True
    signed.send("Reset password", request("change_password", current_password=NEW_PASSWORD, new_password="the third long password"))
    assert bcrypt.checkpw(NEW_PASSWORD.encode(), load(config)["credentials"]["usernames"]["melsby"]["password"].encode()), "not saved yet"
    signed.run()
    assert bcrypt.checkpw(b"the third long password", load(config)["credentials"]["usernames"]["melsby"]["password"].encode())


def test_cookie_expiry_days_zero_sets_no_cookie_and_a_reload_signs_out(config: Path) -> None:
    loaded = load(config)
    loaded["cookie"]["expiry_days"] = 0
    config.write_text(yaml.safe_dump(loaded))
    b = signed_in(config, "path")
    assert b.jar == {}, "no session cookie"
    assert all(args.get("cookie") is None for args in b.widgets().values())
    b.run()
    assert b.state()["authentication_status"] is True, "signed in while the tab's session lasts"
    assert shown(b.reload(), "login") == [None, None, None], "a reload is signed out"


def test_asgi_mode_through_the_layer_the_route_signs_in_and_the_app_redeems_its_code(config: Path) -> None:
    """Production (st.App): routes(authenticator.auth) serves the login; the README app, unchanged,
    gets the HttpOnly cookie's session by redeeming the route's one-time code in one run, with the
    login tuple and the state keys as in plain mode; no script writes a cookie."""
    from starlette.applications import Starlette
    from test_routes import Served, _served, redeem, token_of

    from streamlit_auth_elements import routes

    authenticator = stauth.Authenticate(str(config))
    _served.append(http := Served(Starlette(routes=routes(authenticator.auth))))
    try:
        b = app(config, "path")
        route = route_of_login(b)
        assert route.startswith("/_auth/")
        wrong = http.post(route + "/login", {"username": "jsmith", "password": "not it"})
        assert wrong.status_code == 401
        response = http.post(route + "/login", {"username": "jsmith", "password": "abc"})
        assert response.status_code == 200, response.text
        runs = b.runs
        b.send("Login", redeem(response.json()["code"]))
        assert b.runs == runs + 1
        assert shown(b, "login") == ["John Smith", True, "jsmith"]
        assert b.state()["authentication_status"] is True
        assert all(a["cookie"] is None for a in b.widgets().values()), "the HttpOnly cookie is the route's"
        again = Browser(APPS / "stauth.py", {"config": str(config), "mode": "path"}, FakeClient(cookies={"stauth_test": token_of(response)})).run()
        assert shown(again, "login") == ["John Smith", True, "jsmith"], "a reload with the route's cookie is signed in on its first run"
    finally:
        while _served:
            _served.pop().stop()
        from streamlit_auth_elements import _codes

        _codes.unmount_all()
        _codes.close_code_stores()


def route_of_login(b: Browser) -> str:
    route = b.widgets()["Login"]["route"]
    assert isinstance(route, str)
    return route
