"""A ``pages/`` directory app (tests/apps/pages_keys/): each page is a script of its own, so a key one
page gives a widget of one kind, another page may give a widget of another kind (Streamlit keeps
them apart: element ids include the page). Two widgets of one page need two keys, and a mistake
there is named in the package's words."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import APPS, Browser, login_request, new_request_id

from streamlit_auth_elements import UsersDatabase

PASSWORD = "correct horse battery staple"
HOME = APPS / "pages_keys" / "Home.py"


@pytest.fixture
def db(sqlite_path: Path) -> UsersDatabase:
    users = UsersDatabase(sqlite_path)
    users.create_user("alice", PASSWORD, name="Alice Example", email="alice@example.com", roles=["member"])
    return users


def test_a_key_may_be_a_login_on_one_page_and_a_logout_on_another(db: UsersDatabase, app_secrets: dict[str, Any]) -> None:
    b = Browser(HOME, app_secrets).run()
    assert b.widgets()["account_box"]["widget"] == "login"
    b.send("account_box", login_request("alice", PASSWORD))
    assert b.texts() == ["home True"]
    b.at.switch_page("pages/1_Account.py")
    b.run()
    assert b.texts() == ["account True"]
    widgets = b.widgets()
    assert (widgets["account_box"]["widget"], widgets["account_box"]["location"]) == ("logout", "sidebar")
    assert {(a["widget"], a["location"]) for k, a in widgets.items() if k in ("status", "status_sidebar")} == {("status", "main"), ("status", "sidebar")}
    b.send("account_box", {"v": 1, "id": new_request_id(), "op": "logout", "input": {}})
    assert b.texts() == ["account None"]
    b.at.switch_page("Home.py")
    b.run()
    assert b.texts() == ["home None"]
    assert b.widgets()["account_box"]["widget"] == "login"


def test_two_widgets_of_one_page_with_one_key_are_refused_in_plain_words(db: UsersDatabase, app_secrets: dict[str, Any]) -> None:
    b = Browser(HOME, {**app_secrets, "same_key": True}).run()
    b.send("account_box", login_request("alice", PASSWORD))
    b.at.switch_page("pages/1_Account.py")
    with pytest.raises(AssertionError, match=r"key 'status' is given to two widgets on this page .*status widget.*own key"):
        b.run()


def test_one_key_changing_kind_on_one_page_is_refused(db: UsersDatabase, app_secrets: dict[str, Any]) -> None:
    """On one page, a key given to the login while signed out and to the logout once signed in
    would hand the logout button the login's widget value: refused in plain words."""
    b = Browser(APPS / "same_key_swap.py", app_secrets).run()
    assert b.widgets()["box"]["widget"] == "login"
    with pytest.raises(AssertionError, match=r"key 'box' was a login widget on this page in an earlier run; give the logout widget its own key"):
        b.send("box", login_request("alice", PASSWORD))
        b.run()  # the run after the login reads the status first, then calls logout(key="box")
