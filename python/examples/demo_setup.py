"""What the examples share: where their data lives, their cookie key, and the demo accounts.

A real app keeps its key in ``.streamlit/secrets.toml`` (``st.secrets["cookie_key"]``) and creates
its users with ``UsersDatabase(...).create_user(...)`` or the reference server's ``auth-admin``. The
examples make both on their first run so that ``streamlit run`` works with nothing to prepare:

- data: ``AUTH_ELEMENTS_DATA_DIR``, else ``.data/streamlit/`` under the working directory; the users
  database is ``auth.db`` there (SQLite), unless ``AUTH_DATABASE_URL`` names a PostgreSQL database;
- cookie key: ``AUTH_ELEMENTS_COOKIE_KEY``, else a random one kept in ``cookie_key`` there (0600);
- demo accounts: created (and printed) when the database has none of them.

``python demo_setup.py`` prepares all that and prints the accounts (the demo command does).
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import streamlit as st

from streamlit_auth_elements import Auth, DuplicateUserError, UsersDatabase

DEMO_ACCOUNTS = (
    # username, password, name, email, roles
    ("alice", "alice-demo-password", "Alice Example", "alice@example.com", ("member",)),
    ("admin", "admin-demo-password", "Ada Admin", "admin@example.com", ("admin",)),
)


def data_dir() -> Path:
    path = Path(os.environ.get("AUTH_ELEMENTS_DATA_DIR") or Path.cwd() / ".data" / "streamlit")
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def database() -> str:
    return os.environ.get("AUTH_DATABASE_URL") or str(data_dir() / "auth.db")


def cookie_key() -> str:
    key = os.environ.get("AUTH_ELEMENTS_COOKIE_KEY")
    if key:
        return key
    path = data_dir() / "cookie_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as file:
        file.write(secrets.token_urlsafe(32) + "\n")
    return path.read_text().strip()


def prepare() -> UsersDatabase:
    """The users database, with the demo accounts in it (created, and printed, the first time)."""
    users = UsersDatabase(database())
    created: list[str] = []
    for username, password, name, email, roles in DEMO_ACCOUNTS:
        if users.find_user(username) is not None:
            continue
        try:
            users.create_user(username, password, name=name, email=email, roles=roles)
            created.append(username)
        except DuplicateUserError:
            pass  # another process made it just now
    if created:
        print_accounts(f"demo accounts created in {database()}:")
    else:
        print_accounts(f"demo accounts (in {database()}):")
    return users


def print_accounts(title: str = "demo accounts:") -> None:
    print(title, flush=True)
    for username, password, _name, _email, roles in DEMO_ACCOUNTS:
        print(f"  {username:<6} {password:<20} {', '.join(roles)}", flush=True)


@st.cache_resource
def _prepared() -> UsersDatabase:
    return prepare()


def demo_auth(users: UsersDatabase | None = None) -> Auth:
    """The examples' ``Auth``: the demo users database (or ``users``, the app's own
    ``UsersDatabase`` on the same file, e.g. with mail) and cookie key, the demo accounts made."""
    prepared = _prepared()
    return Auth(users or prepared, cookie_key=cookie_key(), cookie_name="ae_demo_session", cookie_expiry_days=7)


def log_run(page: str) -> None:
    """One line per script run on stderr: a login takes one rerun, a reload one run; watch it here."""
    runs = st.session_state["demo_runs"] = st.session_state.get("demo_runs", 0) + 1
    tab = st.session_state.setdefault("demo_tab", secrets.token_hex(3))
    print(f"demo-run tab={tab} run={runs} page={page} authentication_status={st.session_state.get('authentication_status')}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    prepare()
    cookie_key()
