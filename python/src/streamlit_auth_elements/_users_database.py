"""The users-database credential backend: users, sessions and failure counters in the reference
server's own tables (SQLite file by default, PostgreSQL by URL), so one database serves the server
and any number of Streamlit processes.

Streamlit sessions are rows of the server's ``sessions`` table (``id``, ``user_id``, created,
absolute expiry, ``revoked_at``), with no refresh token: a password change or reset on the server
(which revokes every session of the user), ``auth-admin disable`` and a deleted user (cascade) end
them exactly as they end the server's own sessions, with no second revocation list to keep in step.
The server can do nothing with such a row without a refresh token or an access token it signed.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Protocol

from ._errors import AuthError
from ._identity import check_email, check_name, check_username, normalize_email, normalize_username, username_skeletons
from ._passwords import hash_password, needs_rehash, verify_password_or_dummy
from ._ratelimit import AttemptKey, AttemptResult, FailureRecord
from ._records import Identity, NewUserRow, SessionRecord, UserRecord
from ._sqlite_store import SqliteStore

PASSWORD_MIN_LENGTH = 15
PASSWORD_MAX_LENGTH = 256


class Store(Protocol):
    """What both database stores offer (SqliteStore, PostgresStore)."""

    kind: str

    def create_user(self, row: NewUserRow) -> UserRecord: ...
    def user_by_normalized_name(self, normalized: str) -> UserRecord | None: ...
    def user_by_id(self, user_id: str) -> UserRecord | None: ...
    def list_users(self) -> list[UserRecord]: ...
    def update_password_hash(self, user_id: str, password_hash: str, now: int) -> None: ...
    def set_disabled(self, user_id: str, disabled: bool, now: int) -> None: ...
    def set_roles(self, user_id: str, roles: Sequence[str], now: int) -> None: ...
    def record_login(self, user_id: str, now: int) -> None: ...
    def create_session(self, session_id: str, user_id: str, absolute_expires_at: int, now: int) -> None: ...
    def session_with_user(self, session_id: str) -> tuple[SessionRecord, UserRecord] | None: ...
    def get_session(self, session_id: str) -> SessionRecord | None: ...
    def revoke_session(self, session_id: str, now: int) -> None: ...
    def revoke_all_sessions_of_user(self, user_id: str, now: int, except_session: str = "") -> None: ...
    def reserve_attempt(self, keys: Sequence[AttemptKey], now: int) -> AttemptResult: ...
    def release_attempt(self, reservation: FailureRecord) -> None: ...
    def clear_failures(self, key: str) -> None: ...
    def failure(self, key: str) -> FailureRecord | None: ...
    def close(self) -> None: ...


def is_postgres_url(database: str) -> bool:
    return database.startswith(("postgres://", "postgresql://"))


def open_store(database: str | os.PathLike[str], *, warn: Callable[[str], None] | None = None) -> Store:
    """A new store on ``database``: a ``postgres://`` / ``postgresql://`` URL, else a SQLite file."""
    text = os.fspath(database)
    if is_postgres_url(text):
        try:
            from ._postgres_store import PostgresStore
        except ImportError as err:  # pragma: no cover - depends on the extra
            raise ImportError(
                "PostgreSQL needs psycopg 3: pip install 'streamlit-auth-elements[postgres]'"
            ) from err
        return PostgresStore(text, warn=warn)
    return SqliteStore(text, warn=warn)


_stores: dict[str, Store] = {}
_stores_lock = threading.Lock()


def shared_store(database: str | os.PathLike[str]) -> Store:
    """One store per database per process (Streamlit reruns the script, building the backend
    again each time: the connection and the migration check happen once)."""
    text = os.fspath(database)
    key = text if is_postgres_url(text) else "sqlite:" + os.path.realpath(text)
    with _stores_lock:
        store = _stores.get(key)
        if store is None:
            store = open_store(text)
            _stores[key] = store
        return store


def now_ms() -> int:
    return int(time.time() * 1000)


class UsersDatabase:
    """Users in a database shared with the reference server.

    ``UsersDatabase()`` uses ``AUTH_DATABASE_URL`` when set (PostgreSQL), else the SQLite file
    ``AUTH_DB``, else ``auth.db`` in the working directory; ``UsersDatabase("users.db")`` or
    ``UsersDatabase("postgresql://user:pw@host/db")`` name one. Building it again on every rerun
    costs nothing: the store is opened once per process.
    """

    def __init__(self, database: str | os.PathLike[str] | None = None, *, store: Store | None = None):
        if store is None:
            if database is None:
                database = os.environ.get("AUTH_DATABASE_URL") or os.environ.get("AUTH_DB") or "auth.db"
            store = shared_store(database)
        self.store: Store = store

    # ---- the credential backend (used by Auth) ----

    def check_password(self, username: str, password: str, now: int) -> Identity | None:
        """The identity when ``password`` is right and the user is enabled, else None. Exactly one
        hash verification whatever the case (an unknown user is checked against a dummy hash). A
        bcrypt or weaker argon2 hash that verifies is replaced by the server's argon2id."""
        user = self.store.user_by_normalized_name(normalize_username(username))
        ok = verify_password_or_dummy(user.password_hash if user is not None else None, password)
        if not ok or user is None or user.disabled:
            return None
        if needs_rehash(user.password_hash):
            self.store.update_password_hash(user.id, hash_password(password), now)
        return user.identity()

    def record_login(self, identity: Identity, now: int) -> None:
        self.store.record_login(identity.id, now)

    def create_session(self, session_id: str, identity: Identity, absolute_expires_at: int, now: int) -> None:
        self.store.create_session(session_id, identity.id, absolute_expires_at, now)

    def resume_session(self, session_id: str, subject: str, now: int) -> Identity | None:
        """The session's identity while the session is live (not revoked, not expired) and its
        user exists, is the token's subject and is enabled; else None. One query."""
        found = self.store.session_with_user(session_id)
        if found is None:
            return None
        session, user = found
        if session.user_id != subject or session.revoked_at is not None or session.absolute_expires_at <= now or user.disabled:
            return None
        return user.identity()

    def revoke_session(self, session_id: str, now: int) -> None:
        self.store.revoke_session(session_id, now)

    def reserve_attempt(self, keys: Sequence[AttemptKey], now: int) -> AttemptResult:
        return self.store.reserve_attempt(keys, now)

    def release_attempt(self, reservation: FailureRecord) -> None:
        self.store.release_attempt(reservation)

    def clear_failures(self, key: str) -> None:
        self.store.clear_failures(key)

    # ---- administration (the admin page and CLI of phase 2 build on these) ----

    def create_user(
        self,
        username: str,
        password: str,
        *,
        name: str = "",
        email: str = "",
        roles: Sequence[str] = (),
        disabled: bool = False,
        password_min_length: int = PASSWORD_MIN_LENGTH,
    ) -> UserRecord:
        """Create a user with the server's rules for usernames, emails and names, and an argon2id
        hash. Raises AuthError (``invalid_input``, ``weak_password``) or DuplicateUserError (taken,
        confusable with an existing username, or email in use)."""
        checked = check_username(username)
        if not checked.ok:
            raise AuthError("invalid_input", checked.reason)
        mail = check_email(email) if email != "" else None
        if mail is not None and not mail.ok:
            raise AuthError("invalid_input", mail.reason)
        display = check_name(name)
        if not display.ok:
            raise AuthError("invalid_input", display.reason)
        length = len(password)
        if length < max(8, password_min_length):
            raise AuthError("weak_password", f"Use at least {max(8, password_min_length)} characters.")
        if length > PASSWORD_MAX_LENGTH:
            raise AuthError("weak_password", f"Use at most {PASSWORD_MAX_LENGTH} characters.")
        email_value = mail.value if mail is not None else ""
        return self.store.create_user(
            NewUserRow(
                id=str(uuid.uuid4()),
                username=checked.value,
                username_normalized=normalize_username(checked.value),
                name=display.value,
                email=email_value,
                email_normalized=normalize_email(email_value),
                password_hash=hash_password(password),
                roles=tuple(roles),
                disabled=disabled,
                skeletons=tuple(username_skeletons(checked.value)),
                now=now_ms(),
            )
        )

    def find_user(self, username: str) -> UserRecord | None:
        return self.store.user_by_normalized_name(normalize_username(username))

    def set_disabled(self, user_id: str, disabled: bool) -> None:
        """Disable (every session of the user ends, as with ``auth-admin disable``) or enable."""
        now = now_ms()
        self.store.set_disabled(user_id, disabled, now)
        if disabled:
            self.store.revoke_all_sessions_of_user(user_id, now)

    def set_password(self, user_id: str, password: str, *, keep_session: str = "") -> None:
        """A new password: argon2id, pending reset links voided, and every session of the user
        ended but ``keep_session`` (the one that changed it, if any)."""
        now = now_ms()
        self.store.update_password_hash(user_id, hash_password(password), now)
        self.store.revoke_all_sessions_of_user(user_id, now, keep_session)


