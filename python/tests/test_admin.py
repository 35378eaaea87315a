"""The users-database door: the requires_auth decorator, the admin page for superusers (in
AppTest, with Streamlit's own widgets), its refusal of everyone else even with forged widget
values, UsersAdmin's checks against the store, and the create-superuser command (with the
reference server's auth-admin on the same database)."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import APPS, REPO, Browser, login_request

from streamlit_auth_elements import AccountContext, AuthError, NotAuthorizedError, UsersAdmin, UsersDatabase
from streamlit_auth_elements._users_database import open_store

PASSWORD = "correct horse battery staple"


@pytest.fixture
def db(sqlite_path: Path) -> UsersDatabase:
    users = UsersDatabase(sqlite_path, env={})
    users.create_user("root", PASSWORD, name="Root", email="root@example.com", roles=["admin"])
    users.create_user("bob", PASSWORD, name="Bob", email="bob@example.com", roles=["analyst"])
    return users


def tab(secrets: dict[str, Any], script: str, who: str | None = None, login_key: str = "login") -> Browser:
    b = Browser(APPS / script, secrets).run()
    if who is not None:
        b.send(login_key, login_request(who, PASSWORD))
        assert b.state()["authentication_status"] is True
    return b


# ---------------------------------------------------------------------------------- requires_auth


def test_signed_out_the_decorator_shows_the_login_and_stops_the_page(db: UsersDatabase, app_secrets: dict[str, Any]) -> None:
    b = tab(dict(app_secrets, role="analyst"), "guarded.py")
    assert b.widgets()["login"]["widget"] == "login"
    assert "secret content" not in b.texts() and "after the page" not in b.texts(), "st.stop after the login widget"
    b.send("login", login_request("bob", PASSWORD))
    assert "secret content" in b.texts() and "after the page" in b.texts()
    assert "login" not in b.widgets()


def test_the_wrong_role_gets_a_clear_refusal_checked_every_run(db: UsersDatabase, app_secrets: dict[str, Any]) -> None:
    b = tab(dict(app_secrets, role="auditor"), "guarded.py", "bob")
    assert "secret content" not in b.texts() and "after the page" not in b.texts()
    assert [e.value for e in b.at.error] == ["You are signed in as bob, but this page needs the role 'auditor'."]
    db.set_roles(db.find_user("bob").id, ["analyst", "auditor"])
    b.run()
    assert "secret content" in b.texts()
    db.set_roles(db.find_user("bob").id, ["analyst"])  # removed elsewhere (the admin page, auth-admin)
    b.run()
    assert "secret content" not in b.texts(), "gone at the next run"


def test_superuser_means_the_admin_role_and_the_bare_decorator_needs_a_login(db: UsersDatabase, app_secrets: dict[str, Any]) -> None:
    b = tab(dict(app_secrets, guard="superuser"), "guarded.py", "bob")
    assert [e.value for e in b.at.error] == ["You are signed in as bob, but this page needs the superuser role."]
    root = tab(dict(app_secrets, guard="superuser"), "guarded.py", "root")
    assert "secret content" in root.texts()
    bare = tab(dict(app_secrets, guard="bare"), "guarded.py")
    assert "bare content" not in bare.texts()
    bare.send("login", login_request("bob", PASSWORD))
    assert "bare content" in bare.texts()


# ---------------------------------------------------------------------------------- admin page


def button(b: Browser, label: str) -> Any:
    [found] = [x for x in b.at.button if x.label == label]
    return found


def test_the_admin_page_refuses_a_non_superuser_before_drawing_anything(db: UsersDatabase, app_secrets: dict[str, Any]) -> None:
    b = tab(app_secrets, "admin.py", "bob", login_key="ae_admin:login")
    assert [e.value for e in b.at.error] == ["You are signed in as bob, but this page needs the superuser role."]
    assert not b.at.selectbox and not b.at.text_input and not b.at.button and not b.at.dataframe
    assert "end of the admin page" not in b.texts()


def test_a_superuser_lists_creates_disables_sets_roles_resets_and_preauthorizes(db: UsersDatabase, app_secrets: dict[str, Any]) -> None:
    bob_tab = tab(dict(app_secrets, role="analyst"), "guarded.py", "bob")
    b = tab(app_secrets, "admin.py", "root", login_key="ae_admin:login")
    assert "end of the admin page" in b.texts()
    table = b.at.dataframe[0].value
    assert list(table.columns) == ["username", "name", "email", "roles", "disabled", "created_at", "updated_at", "last_login", "logins_count"]
    assert list(table["username"]) == ["root", "bob"]
    assert table.set_index("username").loc["root", "logins_count"] == 1 and table.set_index("username").loc["root", "last_login"].endswith("UTC")

    # Create with a password (the policy applies), and without one (a reset code instead).
    def create(password: str) -> None:
        for field, value in (("username", "carol"), ("email", "carol@example.com"), ("roles", "analyst, viewer"), ("password", password)):
            b.at.text_input(key=f"ae_admin:new:{field}").input(value)
        button(b, "Create").click()
        b.interact()

    create("short")
    assert [e.value for e in b.at.error] == ["Use at least 15 characters."]
    create("")
    assert [s.value for s in b.at.success] == ["User carol created."]
    [code] = [c.value for c in b.at.code]
    carol = db.find_user("carol")
    assert carol.roles == ("analyst", "viewer")
    assert "carol" in list(b.at.dataframe[0].value["username"]), "the table shows it in the same run"
    ctx = AccountContext(sessions=db, client=None, now=carol.created_at + 1)
    db.reset_password(ctx, token=code, password="carol chose this password")
    assert db.check_password("carol", "carol chose this password", 0) is not None

    # Disable bob: his session ends at its next run. Then roles and a reset code.
    b.at.selectbox(key="ae_admin:user").select("bob")
    b.interact()
    button(b, "Disable").click()
    b.interact()
    assert [s.value for s in b.at.success] == ["bob disabled."]
    bob_tab.run()
    assert bob_tab.state()["authentication_status"] is None
    button(b, "Enable").click()
    b.interact()
    assert db.find_user("bob").disabled is False
    b.at.text_input(key=f"ae_admin:roles:{db.find_user('bob').id}").input("analyst,auditor")
    button(b, "Save roles").click()
    b.interact()
    assert db.find_user("bob").roles == ("analyst", "auditor")
    button(b, "Issue a reset code").click()
    b.interact()
    [code] = [c.value for c in b.at.code]
    assert len(code) == 43 and db.check_password("bob", PASSWORD, 0) is not None, "the password stays until the code is used"
    assert "Give this code to bob" in b.at.info[0].value

    # Pre-authorized emails.
    b.at.text_area(key="ae_admin:pre:add").input("New.Hire@Example.com, other@example.org")
    button(b, "Pre-authorize").click()
    b.interact()
    assert db.preauthorized_emails() == ["new.hire@example.com", "other@example.org"]
    b.at.multiselect(key="ae_admin:pre:remove").select("other@example.org")
    button(b, "Remove").click()
    b.interact()
    assert db.preauthorized_emails() == ["new.hire@example.com"]


def test_forged_admin_requests_from_a_non_superuser_change_nothing(db: UsersDatabase, app_secrets: dict[str, Any]) -> None:
    """Bob sends the widget values of the admin page's create form (the ids a superuser's page
    has: Streamlit's ids are the same in every session) as a forged websocket message would."""
    from streamlit.proto.WidgetStates_pb2 import WidgetStates

    root = tab(app_secrets, "admin.py", "root", login_key="ae_admin:login")
    ids = {k: root.at.text_input(key=f"ae_admin:new:{k}").id for k in ("username", "roles", "password")}
    create_id = button(root, "Create").id
    pre_id = root.at.text_area(key="ae_admin:pre:add").id
    pre_button = button(root, "Pre-authorize").id
    bob = tab(app_secrets, "admin.py", "bob", login_key="ae_admin:login")
    states = WidgetStates()
    for key, value in (("username", "mallory"), ("roles", "admin"), ("password", "mallory's long password")):
        w = states.widgets.add()
        w.id, w.string_value = ids[key], value
    for wid, value in ((pre_id, "mallory@evil.example"),):
        w = states.widgets.add()
        w.id, w.string_value = wid, value
    for wid in (create_id, pre_button):
        w = states.widgets.add()
        w.id, w.trigger_value = wid, True
    bob.run_states(states)
    assert db.find_user("mallory") is None
    assert db.preauthorized_emails() == []
    assert "end of the admin page" not in bob.texts()


def test_a_superuser_demoted_elsewhere_can_do_nothing_more_with_the_page_on_screen(db: UsersDatabase, app_secrets: dict[str, Any]) -> None:
    b = tab(app_secrets, "admin.py", "root", login_key="ae_admin:login")
    b.at.selectbox(key="ae_admin:user").select("bob")
    b.interact()
    other = UsersDatabase(store=open_store(app_secrets["db"]), env={})
    other.set_roles(db.find_user("root").id, ["analyst"])  # another process demotes root
    other.store.close()
    button(b, "Disable").click()
    b.interact()
    assert db.find_user("bob").disabled is False
    assert [e.value for e in b.at.error] == ["You are signed in as root, but this page needs the superuser role."]


def test_users_admin_checks_the_acting_user_in_the_store_at_every_action(db: UsersDatabase) -> None:
    root, bob = db.find_user("root"), db.find_user("bob")
    with pytest.raises(NotAuthorizedError):
        UsersAdmin(db, bob.identity()).set_disabled(root.id, True)
    admin = UsersAdmin(db, root.identity())
    with pytest.raises(AuthError, match="your own account"):
        admin.set_disabled(root.id, True)
    with pytest.raises(AuthError, match="your own admin role"):
        admin.set_roles(root.id, ["analyst"])
    with pytest.raises(AuthError, match="not a valid role"):
        admin.set_roles(bob.id, ["bad role"])
    db.create_user("second", PASSWORD, roles=["admin"])
    UsersAdmin(db, db.find_user("second").identity()).set_disabled(root.id, True)
    with pytest.raises(NotAuthorizedError):
        admin.list_users()  # root is disabled now


# ---------------------------------------------------------------------------------- create-superuser


def cli(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    variables = {k: v for k, v in os.environ.items() if not k.startswith("AUTH_")}
    variables.update(env or {})
    return subprocess.run([sys.executable, "-m", "streamlit_auth_elements", *args], input=stdin, capture_output=True, text=True, env=variables, timeout=120)


def test_create_superuser_reads_the_password_from_stdin_and_keeps_the_servers_rules(tmp_path: Path) -> None:
    db = str(tmp_path / "auth.db")
    done = cli("create-superuser", "--db", db, "--username", "root", "--email", "root@example.com", "--name", "Root", stdin="a long admin passphrase\n")
    assert (done.returncode, done.stdout, done.stderr) == (0, "created superuser root (roles: admin)\n", "")
    users = UsersDatabase(store=open_store(db), env={})
    try:
        root = users.find_user("root")
        assert (root.roles, root.email, root.name) == (("admin",), "root@example.com", "Root")
        assert users.check_password("root", "a long admin passphrase", 0) is not None, "one trailing newline stripped"
    finally:
        users.store.close()
    refusals = [
        (["--username", "ROOT", "--email", "r2@example.com"], "a user named ROOT exists already", 1),
        (["--username", "r\u043e\u043et", "--email", "r3@example.com"], "looks like the existing user root (confusable characters)", 1),
        (["--username", "x", "--email", "r4@example.com"], "username: The username must have 3 to 64 characters.", 1),
        (["--username", "other", "--email", "bad"], 'email: The email address must contain exactly one "@".', 1),
        (["--username", "other"], "the following arguments are required: --email", 2),
    ]
    for args, message, code in refusals:
        out = cli("create-superuser", "--db", db, *args, stdin="a long admin passphrase\n")
        assert out.returncode == code and message in out.stderr and "Traceback" not in out.stderr, (args, out.stderr)
    weak = cli("create-superuser", "--db", db, "--username", "other", "--email", "o@example.com", stdin="password\n")
    assert (weak.returncode, weak.stderr.strip()) == (1, "python -m streamlit_auth_elements: password refused: Use at least 15 characters.")
    common = cli("create-superuser", "--db", db, "--username", "other", "--email", "o@example.com", stdin="1qaz2wsx3edc4rfv")
    assert "too common" in common.stderr
    empty = cli("create-superuser", "--db", db, "--username", "other", "--email", "o@example.com", stdin="")
    assert (empty.returncode, empty.stderr.strip()) == (1, "python -m streamlit_auth_elements: no password on standard input")
    from_env = cli("create-superuser", "--username", "envroot", "--email", "e@example.com", stdin="a long admin passphrase", env={"AUTH_DB": db})
    assert from_env.returncode == 0


def test_create_superuser_prompts_without_echo_on_a_terminal(tmp_path: Path) -> None:
    db = str(tmp_path / "auth.db")
    pid, fd = pty.fork()
    if pid == 0:  # the child: the command on a terminal
        os.execv(sys.executable, [sys.executable, "-m", "streamlit_auth_elements", "create-superuser", "--db", db, "--username", "root", "--email", "root@example.com"])
    seen = b""

    def read_until(marker: bytes) -> None:
        nonlocal seen
        while marker not in seen:
            chunk = os.read(fd, 1024)
            if not chunk:
                raise AssertionError(f"the command ended before {marker!r}: {seen!r}")
            seen += chunk

    read_until(b"Password: ")
    os.write(fd, b"typed secret passphrase\n")
    read_until(b"Repeat password: ")
    os.write(fd, b"typed secret passphrase\n")
    read_until(b"created superuser root")
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0
    assert b"typed secret" not in seen, "never echoed"
    users = UsersDatabase(store=open_store(db), env={})
    try:
        assert users.check_password("root", "typed secret passphrase", 0) is not None
    finally:
        users.store.close()


def test_a_superuser_made_by_either_command_is_one_the_other_sees(tmp_path: Path) -> None:
    db = str(tmp_path / "auth.db")
    server = subprocess.run(
        ["node", "bin/auth-admin.mjs", "--db", db, "create-superuser", "--username", "serverroot", "--email", "s@example.com"],
        cwd=REPO, input="a long admin passphrase\n", capture_output=True, text=True, timeout=120,
        env={k: v for k, v in os.environ.items() if not k.startswith("AUTH_")},
    )
    assert server.returncode == 0, server.stderr
    again = cli("create-superuser", "--db", db, "--username", "SERVERROOT", "--email", "x@example.com", stdin="a long admin passphrase")
    assert "exists already" in again.stderr
    mine = cli("create-superuser", "--db", db, "--username", "pyroot", "--email", "p@example.com", stdin="a long admin passphrase")
    assert mine.returncode == 0
    listed = subprocess.run(["node", "bin/auth-admin.mjs", "--db", db, "list-users", "--json"], cwd=REPO, capture_output=True, text=True, timeout=120)
    import json

    assert {u["username"]: u["roles"] for u in json.loads(listed.stdout)} == {"serverroot": ["admin"], "pyroot": ["admin"]}
