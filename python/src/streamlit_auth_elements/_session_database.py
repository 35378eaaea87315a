"""The session store of backends that have no users table (a YAML users file, a JWT API):
sessions, their revocation, the failure counters, and single-use tokens, in tables this package
owns, on a SQLite file (default) or PostgreSQL (by URL), so every Streamlit process of the app
sees the same sessions and counts.

Tables (prefixed ``st_``, so the file or database can also hold the reference server's tables
without either touching the other's):

- ``st_sessions``: ``id``, ``user_id`` (no foreign key: the users live elsewhere), ``identity``
  (JSON: who the session was created for, ``extra`` included, e.g. a JWT API's response; never
  sent to the browser), created, absolute expiry, ``revoked_at``.
- ``st_login_failures``: the login throttle's and the register/forgot limits' counters (the
  reference server's ``login_failures`` shape and arithmetic).
- ``st_tokens``: single-use tokens (reset codes, registration links) of those backends: only the
  SHA-256 of a token is stored, with its kind, subject, JSON data, expiry and ``used_at``; using
  one is atomic.
"""

from __future__ import annotations

import dataclasses
import json
import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._ratelimit import AttemptKey, AttemptResult, FailureRecord, RateLimitPolicy
from ._records import Identity
from ._sqlite_store import SqliteBase

SCHEMA_VERSION = 1
FAILURES_TABLE = "st_login_failures"
#: Advisory lock key of the PostgreSQL table creation ("ae_s").
PG_LOCK_KEY = 0x61655F73
#: Counters untouched for this long and not blocked are deleted when a store opens.
FAILURE_MAX_AGE_MS = 24 * 3600 * 1000

#: The tables; ``{ms}`` is the type of a time in milliseconds (SQLite INTEGER, PostgreSQL BIGINT).
_TABLES = """
CREATE TABLE IF NOT EXISTS st_sessions (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  identity TEXT NOT NULL,
  created_at {ms} NOT NULL,
  absolute_expires_at {ms} NOT NULL,
  revoked_at {ms}
);
CREATE INDEX IF NOT EXISTS st_sessions_user_id ON st_sessions (user_id);
CREATE TABLE IF NOT EXISTS st_login_failures (
  key TEXT PRIMARY KEY,
  count INTEGER NOT NULL,
  window_start {ms} NOT NULL,
  blocked_until {ms}
);
CREATE TABLE IF NOT EXISTS st_tokens (
  token_hash TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  subject TEXT NOT NULL,
  data TEXT NOT NULL,
  expires_at {ms} NOT NULL,
  used_at {ms},
  created_at {ms} NOT NULL
);
CREATE INDEX IF NOT EXISTS st_tokens_subject ON st_tokens (kind, subject);
CREATE TABLE IF NOT EXISTS st_schema_version (version INTEGER NOT NULL)
"""
SQLITE_TABLES = _TABLES.format(ms="INTEGER")
PG_TABLES = _TABLES.format(ms="BIGINT")


@dataclass(frozen=True)
class TokenRecord:
    """A single-use token as stored (never the token itself)."""

    token_hash: str
    kind: str
    subject: str
    data: Mapping[str, Any] = field(default_factory=dict)
    expires_at: int = 0
    used_at: int | None = None
    created_at: int = 0


def identity_json(identity: Identity) -> str:
    """The identity as stored with its session (TypeError when ``extra`` is not JSON data)."""
    try:
        return json.dumps(
            {"id": identity.id, "username": identity.username, "name": identity.name, "email": identity.email,
             "roles": list(identity.roles), "extra": dict(identity.extra)},
            ensure_ascii=False,
            allow_nan=False,
        )
    except (TypeError, ValueError) as err:
        raise TypeError(f"the identity's extra data must be JSON (str, numbers, lists, dicts): {err}") from None


def identity_from_json(text: str) -> Identity | None:
    try:
        data = json.loads(text)
        return Identity(
            id=str(data["id"]),
            username=str(data["username"]),
            name=str(data.get("name", "")),
            email=str(data.get("email", "")),
            roles=tuple(str(r) for r in data.get("roles", [])),
            extra=dict(data.get("extra") or {}),
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


class SessionTables:
    """The session database's statements, the same for both stores (``ph``: the placeholder)."""

    ph = "?"

    def _q(self, sql: str) -> str:
        return sql.replace("?", self.ph)

    def create_session(self: Any, session_id: str, user_id: str, identity: str, absolute_expires_at: int, now: int) -> None:
        self._run(
            self._q("INSERT INTO st_sessions (id, user_id, identity, created_at, absolute_expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, NULL)"),
            (session_id, user_id, identity, now, absolute_expires_at),
        )

    def session(self: Any, session_id: str) -> Any:
        return self._one(self._q("SELECT * FROM st_sessions WHERE id = ?"), (session_id,))

    def set_session_identity(self: Any, session_id: str, identity: str) -> int:
        return int(self._run(self._q("UPDATE st_sessions SET identity = ? WHERE id = ? AND revoked_at IS NULL"), (identity, session_id)))

    def revoke_session(self: Any, session_id: str, now: int) -> None:
        self._run(self._q("UPDATE st_sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL"), (now, session_id))

    def revoke_user_sessions(self: Any, user_id: str, now: int, except_session: str = "") -> int:
        # '' is never a session id: without `except_session` every session matches `id <> ''`.
        return int(
            self._run(
                self._q("UPDATE st_sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL AND id <> ?"),
                (now, user_id, except_session),
            )
        )

    def insert_token(self: Any, record: TokenRecord, *, replace: bool) -> None:
        with self._tx() as db:
            if replace:
                db.execute(self._q("DELETE FROM st_tokens WHERE kind = ? AND subject = ?"), (record.kind, record.subject))
            db.execute(
                self._q("INSERT INTO st_tokens (token_hash, kind, subject, data, expires_at, used_at, created_at) VALUES (?, ?, ?, ?, ?, NULL, ?)"),
                (record.token_hash, record.kind, record.subject, json.dumps(dict(record.data)), record.expires_at, record.created_at),
            )

    def token(self: Any, token_hash: str) -> Any:
        return self._one(self._q("SELECT * FROM st_tokens WHERE token_hash = ?"), (token_hash,))

    def consume_token(self: Any, kind: str, token_hash: str, now: int) -> Any:
        """Mark the token used and return its row, only if it was unused and unexpired: of
        concurrent calls at most one gets it (a transaction holding the write lock / row lock)."""
        with self._tx() as db:
            row = db.execute(
                self._q("SELECT * FROM st_tokens WHERE token_hash = ? AND kind = ? AND used_at IS NULL AND expires_at > ?")
                + (" FOR UPDATE" if self.ph == "%s" else ""),
                (token_hash, kind, now),
            ).fetchone()
            if row is None:
                return None
            changed = db.execute(self._q("UPDATE st_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL"), (now, token_hash))
            return row if changed.rowcount == 1 else None

    def void_tokens(self: Any, kind: str, subject: str) -> int:
        return int(self._run(self._q("DELETE FROM st_tokens WHERE kind = ? AND subject = ?"), (kind, subject)))

    def prune(self: Any, now: int) -> None:
        """Forget what can no longer matter: expired sessions, used or expired tokens, old counters."""
        with self._tx() as db:
            db.execute(self._q("DELETE FROM st_sessions WHERE absolute_expires_at <= ?"), (now,))
            db.execute(self._q("DELETE FROM st_tokens WHERE expires_at <= ? OR used_at IS NOT NULL"), (now,))
            db.execute(
                self._q("DELETE FROM st_login_failures WHERE window_start <= ? AND (blocked_until IS NULL OR blocked_until <= ?)"),
                (now - FAILURE_MAX_AGE_MS, now),
            )


def create_tables(db: Any, ph: str, ddl: str) -> None:
    """Create the tables (IF NOT EXISTS) and check the schema version, in the caller's transaction."""
    for statement in ddl.split(";"):
        db.execute(statement)
    row = db.execute("SELECT version FROM st_schema_version").fetchone()
    if row is None:
        db.execute(f"INSERT INTO st_schema_version (version) VALUES ({ph})", (SCHEMA_VERSION,))
    elif int(row["version"]) > SCHEMA_VERSION:
        raise RuntimeError(
            f"session database schema version {row['version']} is newer than this package ({SCHEMA_VERSION}): upgrade streamlit-auth-elements"
        )


class SqliteSessionStore(SqliteBase, SessionTables):
    failures_table = FAILURES_TABLE

    def __init__(self, path: str | os.PathLike[str]):
        super().__init__(path)
        with self._tx() as db:
            create_tables(db, self.ph, SQLITE_TABLES)


def open_session_store(database: str | os.PathLike[str]) -> Any:
    from ._users_database import is_postgres_url

    text = os.fspath(database)
    if is_postgres_url(text):
        try:
            from ._postgres_store import PgSessionStore
        except ImportError as err:  # pragma: no cover - depends on the extra
            raise ImportError("PostgreSQL needs psycopg 3: pip install 'streamlit-auth-elements[postgres]'") from err
        return PgSessionStore(text)
    return SqliteSessionStore(text)


class SessionDatabase:
    """The session store of a backend without a users table: ``Auth(backend,
    sessions=SessionDatabase())``.

    ``SessionDatabase()`` uses ``AUTH_SESSIONS_DATABASE_URL`` when set (PostgreSQL), else the
    SQLite file ``AUTH_SESSIONS_DB``, else ``auth-sessions.db`` in the working directory (created
    0600). ``SessionDatabase("postgresql://…")`` for apps that run on several machines. One
    connection (pool) per database per process: building it on every rerun costs nothing.
    """

    def __init__(self, database: str | os.PathLike[str] | None = None, *, store: Any = None, env: Mapping[str, str] | None = None):
        env = os.environ if env is None else env
        if store is None:
            if database is None:
                database = env.get("AUTH_SESSIONS_DATABASE_URL") or env.get("AUTH_SESSIONS_DB") or "auth-sessions.db"
            store = shared_session_store(database)
        self.store = store

    # ---- sessions ----

    def create_session(self, session_id: str, identity: Identity, absolute_expires_at: int, now: int) -> None:
        self.store.create_session(session_id, identity.id, identity_json(identity), absolute_expires_at, now)

    def resume_session(self, session_id: str, subject: str, now: int) -> Identity | None:
        """The identity the session was created with (or last updated to) while the session is
        live and belongs to ``subject``."""
        row = self.store.session(session_id)
        if row is None or row["user_id"] != subject or row["revoked_at"] is not None or int(row["absolute_expires_at"]) <= now:
            return None
        identity = identity_from_json(row["identity"])
        return identity if identity is not None and identity.id == subject else None

    def update_session_identity(self, session_id: str, identity: Identity) -> bool:
        """Replace what a live session remembers of its user (a refreshed API token, say)."""
        return bool(self.store.set_session_identity(session_id, identity_json(identity)))

    def revoke_session(self, session_id: str, now: int) -> None:
        self.store.revoke_session(session_id, now)

    def revoke_user_sessions(self, user_id: str, now: int, *, except_session: str = "") -> None:
        self.store.revoke_user_sessions(user_id, now, except_session)

    # ---- counters ----

    def reserve_attempt(self, keys: Sequence[AttemptKey], now: int) -> AttemptResult:
        result: AttemptResult = self.store.reserve_attempt(keys, now)
        return result

    def release_attempt(self, reservation: FailureRecord) -> None:
        self.store.release_attempt(reservation)

    def clear_failures(self, key: str) -> None:
        self.store.clear_failures(key)

    def record_failure(self, key: str, now: int, policy: RateLimitPolicy) -> FailureRecord:
        record: FailureRecord = self.store.record_failure(key, now, policy)
        return record

    def get_block(self, key: str, now: int) -> int | None:
        until: int | None = self.store.get_block(key, now)
        return until

    # ---- single-use tokens (reset codes, registration links of backends without tables) ----

    def issue_token(
        self, kind: str, subject: str, *, ttl_seconds: int, now: int, data: Mapping[str, Any] | None = None, replace: bool = True
    ) -> str:
        """A new single-use token (32 random bytes, base64url) for ``subject``; only its SHA-256
        is stored, with ``data`` (JSON). ``replace``: the subject's older tokens of this kind go."""
        from ._accounts import hash_token, new_token

        token = new_token()
        self.store.insert_token(
            TokenRecord(token_hash=hash_token(token), kind=kind, subject=subject, data=dict(data or {}), expires_at=now + ttl_seconds * 1000, created_at=now),
            replace=replace,
        )
        return token

    def find_token(self, kind: str, token: str, now: int) -> TokenRecord | None:
        """The token's record while it is usable (unused, unexpired), without using it up."""
        from ._accounts import hash_token

        row = self.store.token(hash_token(token))
        if row is None or row["kind"] != kind or row["used_at"] is not None or int(row["expires_at"]) <= now:
            return None
        return _token_record(row)

    def consume_token(self, kind: str, token: str, now: int) -> TokenRecord | None:
        """Use the token up and return its record; None when unknown, used, expired or of another
        kind. Of concurrent calls with one token at most one gets it."""
        from ._accounts import hash_token

        row = self.store.consume_token(kind, hash_token(token), now)
        return None if row is None else dataclasses.replace(_token_record(row), used_at=now)

    def void_tokens(self, kind: str, subject: str) -> int:
        """Forget every token of this kind of ``subject`` (a password or email change)."""
        return int(self.store.void_tokens(kind, subject))

    def prune(self, now: int) -> None:
        self.store.prune(now)


def _token_record(row: Any) -> TokenRecord:
    used = row["used_at"]
    return TokenRecord(
        token_hash=row["token_hash"],
        kind=row["kind"],
        subject=row["subject"],
        data=json.loads(row["data"]),
        expires_at=int(row["expires_at"]),
        used_at=None if used is None else int(used),
        created_at=int(row["created_at"]),
    )


_session_stores: dict[str, Any] = {}
_session_stores_lock = threading.Lock()


def shared_session_store(database: str | os.PathLike[str]) -> Any:
    """One session store per database per process (pruned when it opens)."""
    from ._users_database import is_postgres_url, now_ms

    text = os.fspath(database)
    key = text if is_postgres_url(text) else "sqlite:" + os.path.realpath(text)
    with _session_stores_lock:
        store = _session_stores.get(key)
        if store is None:
            store = open_session_store(text)
            store.prune(now_ms())
            _session_stores[key] = store
        return store
