"""The users database on a SQLite file: the reference server's tables (server/store/sqlite.ts),
created or migrated by the same numbered migrations, so the server and Streamlit apps can share
one file. WAL, busy_timeout and foreign keys as the server sets them; every decision that matters
is one statement or one ``BEGIN IMMEDIATE`` transaction, so several processes may share the file.

One connection per store object, used under a lock (SQLite serializes writers anyway, and the slow
part of a login, the password hash, runs outside it).
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from . import _schema
from ._identity import normalize_email, plan_skeleton_backfill
from ._ratelimit import AttemptKey, AttemptResult, FailureRecord, assert_distinct_keys, latest_block, next_failure
from ._records import SESSION_WITH_USER_SQL, session_record, DuplicateUserError, NewUserRow, SessionRecord, UserRecord, duplicate_user_error

logger = logging.getLogger("streamlit_auth_elements")


def _statements(sql: str) -> list[str]:
    """Split a migration into statements (each kept with its leading whitespace and comments, as
    SQLite's own exec hands them over; sqlite_master stores the text from CREATE on either way)."""
    out: list[str] = []
    current = ""
    for piece in sql.split(";"):
        current += piece + ";"
        if sqlite3.complete_statement(current):
            if current[:-1].strip():
                out.append(current[:-1])
            current = ""
    return out


def _parse_roles(text: str) -> tuple[str, ...]:
    try:
        value = json.loads(text)
    except ValueError:
        return ()
    return tuple(r for r in value if isinstance(r, str)) if isinstance(value, list) else ()


def _user(row: sqlite3.Row | None) -> UserRecord | None:
    if row is None:
        return None
    return UserRecord(
        id=row["id"],
        username=row["username"],
        username_normalized=row["username_normalized"],
        name=row["name"],
        email=row["email"],
        password_hash=row["password_hash"],
        roles=_parse_roles(row["roles"]),
        disabled=row["disabled"] != 0,
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        last_login=row["last_login"],
        logins_count=row["logins_count"],
    )


def _failure(row: sqlite3.Row | None) -> FailureRecord | None:
    if row is None:
        return None
    return FailureRecord(key=row["key"], count=row["count"], window_start=row["window_start"], blocked_until=row["blocked_until"])


class SqliteStore:
    """Open (creating and migrating if needed) the SQLite users database at ``path``."""

    kind = "sqlite"

    def __init__(self, path: str | os.PathLike[str], *, warn: Callable[[str], None] | None = None):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Create the file 0600 ourselves; SQLite gives the -wal/-shm files the same mode.
        os.close(os.open(self.path, os.O_CREAT | os.O_APPEND | os.O_WRONLY, 0o600))
        self._lock = threading.RLock()
        self._db = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False, timeout=5.0)
        self._db.row_factory = sqlite3.Row
        for pragma in ("journal_mode = WAL", "busy_timeout = 5000", "foreign_keys = ON", "synchronous = NORMAL"):
            self._db.execute(f"PRAGMA {pragma}")
        self._closed = False
        self._migrate(warn or (lambda m: logger.warning("warning: %s", m)))

    # ---- plumbing ----

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One IMMEDIATE transaction (the write lock is taken at BEGIN: no lost updates between
        processes)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _one(self, sql: str, params: Sequence[object] = ()) -> sqlite3.Row | None:
        with self._lock:
            row: sqlite3.Row | None = self._db.execute(sql, params).fetchone()
            return row

    def _run(self, sql: str, params: Sequence[object] = ()) -> int:
        with self._lock:
            return self._db.execute(sql, params).rowcount

    def _migrate(self, warn: Callable[[str], None]) -> None:
        warnings: list[str] = []
        with self._lock:
            self._db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            with self._tx() as db:
                row = db.execute("SELECT version FROM schema_version").fetchone()
                current = 0 if row is None else row["version"]
                latest = _schema.SQLITE_SCHEMA_VERSION
                if current > latest:
                    raise RuntimeError(
                        f"database schema version {current} is newer than this package ({latest}): upgrade streamlit-auth-elements"
                    )
                for version in range(current + 1, latest + 1):
                    self._apply(db, version, warnings.append)
                if row is None:
                    db.execute("INSERT INTO schema_version (version) VALUES (?)", (latest,))
                else:
                    db.execute("UPDATE schema_version SET version = ?", (latest,))
        for w in warnings:
            warn(w)

    @staticmethod
    def _apply(db: sqlite3.Connection, version: int, warn: Callable[[str], None]) -> None:
        if version == 1:
            sql = [_schema.SQLITE_1]
        elif version == 2:
            sql = [_schema.SQLITE_2]
        elif version == 3:
            sql = [_schema.SQLITE_3]
        else:
            sql = [_schema.SQLITE_4]
        for statement in _statements(sql[0]):
            db.execute(statement)
        if version == 2:
            # Back-fill in NFKC; when two users share an email only the oldest keeps it.
            seen: set[str] = set()
            for row in db.execute("SELECT id, email FROM users WHERE email <> '' ORDER BY created_at, id").fetchall():
                n = normalize_email(row["email"])
                if n == "" or n in seen:
                    continue
                seen.add(n)
                db.execute("UPDATE users SET email_normalized = ? WHERE id = ?", (n, row["id"]))
            db.execute(_schema.SQLITE_2_EMAIL_INDEX)
        if version == 3:
            users = [(r["id"], r["username"]) for r in db.execute("SELECT id, username FROM users ORDER BY created_at, id")]
            rows, warning = plan_skeleton_backfill(users)
            db.executemany("INSERT INTO username_skeletons (skeleton, user_id) VALUES (?, ?)", rows)
            if warning is not None:
                warn(warning)

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._db.close()

    # ---- users ----

    def create_user(self, row: NewUserRow) -> UserRecord:
        try:
            with self._tx() as db:
                # Skeletons first (their foreign key is checked at commit): a look-alike, like a
                # taken name, is found before an email collision.
                db.executemany("INSERT INTO username_skeletons (skeleton, user_id) VALUES (?, ?)", [(s, row.id) for s in row.skeletons])
                db.execute(
                    "INSERT INTO users (id, username, username_normalized, name, email, email_normalized, password_hash, roles, disabled, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (row.id, row.username, row.username_normalized, row.name, row.email, row.email_normalized, row.password_hash,
                     json.dumps(list(row.roles)), 1 if row.disabled else 0, row.now, row.now),
                )
        except sqlite3.IntegrityError as err:
            message = str(err)
            if "UNIQUE" not in message and "PRIMARY" not in message:
                raise
            kind = "email" if "email_normalized" in message else "lookalike" if "username_skeletons" in message else "taken"
            raise duplicate_user_error(kind, row.username) from None
        user = self.user_by_id(row.id)
        assert user is not None
        return user

    def user_by_normalized_name(self, normalized: str) -> UserRecord | None:
        return _user(self._one("SELECT * FROM users WHERE username_normalized = ?", (normalized,)))

    def user_by_id(self, user_id: str) -> UserRecord | None:
        return _user(self._one("SELECT * FROM users WHERE id = ?", (user_id,)))

    def list_users(self) -> list[UserRecord]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM users ORDER BY created_at, username_normalized").fetchall()
        return [u for u in map(_user, rows) if u is not None]

    def update_password_hash(self, user_id: str, password_hash: str, now: int) -> None:
        with self._tx() as db:
            db.execute("UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?", (password_hash, now, user_id))
            db.execute("DELETE FROM reset_tokens WHERE user_id = ?", (user_id,))

    def set_disabled(self, user_id: str, disabled: bool, now: int) -> None:
        self._run("UPDATE users SET disabled = ?, updated_at = ? WHERE id = ?", (1 if disabled else 0, now, user_id))

    def set_roles(self, user_id: str, roles: Sequence[str], now: int) -> None:
        self._run("UPDATE users SET roles = ?, updated_at = ? WHERE id = ?", (json.dumps(list(roles)), now, user_id))

    def record_login(self, user_id: str, now: int) -> None:
        self._run("UPDATE users SET last_login = ?, logins_count = logins_count + 1 WHERE id = ?", (now, user_id))

    # ---- sessions ----

    def create_session(self, session_id: str, user_id: str, absolute_expires_at: int, now: int) -> None:
        self._run(
            "INSERT INTO sessions (id, user_id, created_at, absolute_expires_at, revoked_at) VALUES (?, ?, ?, ?, NULL)",
            (session_id, user_id, now, absolute_expires_at),
        )

    def session_with_user(self, session_id: str) -> tuple[SessionRecord, UserRecord] | None:
        """The session and its user in one query (the per-run check)."""
        row = self._one(SESSION_WITH_USER_SQL.format("?"), (session_id,))
        user = _user(row)
        if row is None or user is None:
            return None
        return session_record(row, "s_"), user

    def get_session(self, session_id: str) -> SessionRecord | None:
        row = self._one("SELECT * FROM sessions WHERE id = ?", (session_id,))
        return None if row is None else session_record(row)

    def revoke_session(self, session_id: str, now: int) -> None:
        # As the server's revokeFamily: the session and any refresh token of it.
        with self._tx() as db:
            db.execute("UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", (now, session_id))
            db.execute("UPDATE refresh_tokens SET used_at = ? WHERE session_id = ? AND used_at IS NULL", (now, session_id))

    def revoke_all_sessions_of_user(self, user_id: str, now: int, except_session: str = "") -> None:
        # '' is never a session id: without `except_session`, every session matches `id <> ''`.
        with self._tx() as db:
            db.execute(
                "UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL AND id <> ?", (now, user_id, except_session)
            )
            db.execute(
                "UPDATE refresh_tokens SET used_at = ? WHERE user_id = ? AND used_at IS NULL AND session_id <> ?",
                (now, user_id, except_session),
            )

    # ---- login throttling ----

    def reserve_attempt(self, keys: Sequence[AttemptKey], now: int) -> AttemptResult:
        assert_distinct_keys(keys)
        with self._tx() as db:
            rows = [_failure(db.execute("SELECT * FROM login_failures WHERE key = ?", (k.key,)).fetchone()) for k in keys]
            blocked = latest_block([r.blocked_until if r is not None else None for r in rows], now)
            if blocked is not None:
                return AttemptResult(ok=False, blocked_until=blocked)
            reservations = []
            for k, row in zip(keys, rows, strict=True):
                n = next_failure(row, k.key, now, k.policy)
                db.execute(
                    "INSERT INTO login_failures (key, count, window_start, blocked_until) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT(key) DO UPDATE SET count = excluded.count, window_start = excluded.window_start,"
                    " blocked_until = excluded.blocked_until",
                    (n.key, n.count, n.window_start, n.blocked_until),
                )
                reservations.append(n)
            return AttemptResult(ok=True, reservations=tuple(reservations))

    def release_attempt(self, reservation: FailureRecord) -> None:
        self._run(
            "UPDATE login_failures SET count = count - 1,"
            " blocked_until = CASE WHEN blocked_until = ? THEN NULL ELSE blocked_until END"
            " WHERE key = ? AND window_start = ? AND count > 0",
            (reservation.blocked_until, reservation.key, reservation.window_start),
        )

    def clear_failures(self, key: str) -> None:
        self._run("DELETE FROM login_failures WHERE key = ?", (key,))

    def failure(self, key: str) -> FailureRecord | None:
        return _failure(self._one("SELECT * FROM login_failures WHERE key = ?", (key,)))


__all__ = ["SqliteStore", "DuplicateUserError"]
