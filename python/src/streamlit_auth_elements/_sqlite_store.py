"""The users database on a SQLite file: the reference server's tables (server/store/sqlite.ts),
created or migrated by the same numbered migrations, so the server and Streamlit apps can share
one file. WAL, busy_timeout and foreign keys as the server sets them; every decision that matters
is one statement or one ``BEGIN IMMEDIATE`` transaction, so several processes may share the file.

One connection per store object, used under a lock (SQLite serializes writers anyway, and the slow
part of a login, the password hash, runs outside it).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from . import _schema
from ._identity import normalize_email, normalize_username, plan_skeleton_backfill, username_skeletons
from ._ratelimit import AttemptKey, AttemptResult, FailureRecord, RateLimitPolicy, assert_distinct_keys, latest_block, next_failure
from ._records import (
    CONFUSABLE_USER_SQL,
    SESSION_WITH_USER_SQL,
    DuplicateUserError,
    NewUserRow,
    NotPreauthorizedError,
    OutboxMessage,
    PendingRegistration,
    ResetTokenRecord,
    SessionRecord,
    UserRecord,
    duplicate_user_error,
    outbox_message,
    pending_registration,
    reset_token_record,
    session_record,
)

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


class SqliteBase:
    """One SQLite file: the connection (WAL, busy_timeout, foreign keys, as the server sets them),
    the lock it is used under, and the failure counters (the login throttle and the register and
    forgot limits) in the table ``failures_table``."""

    kind = "sqlite"
    failures_table = "login_failures"

    def __init__(self, path: str | os.PathLike[str]):
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

    def _all(self, sql: str, params: Sequence[object] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return list(self._db.execute(sql, params).fetchall())

    def _run(self, sql: str, params: Sequence[object] = ()) -> int:
        with self._lock:
            return self._db.execute(sql, params).rowcount

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._db.close()

    # ---- failure counters ----

    def reserve_attempt(self, keys: Sequence[AttemptKey], now: int) -> AttemptResult:
        assert_distinct_keys(keys)
        table = self.failures_table
        with self._tx() as db:
            rows = [_failure(db.execute(f"SELECT * FROM {table} WHERE key = ?", (k.key,)).fetchone()) for k in keys]
            blocked = latest_block([r.blocked_until if r is not None else None for r in rows], now)
            if blocked is not None:
                return AttemptResult(ok=False, blocked_until=blocked)
            reservations = []
            for k, row in zip(keys, rows, strict=True):
                n = next_failure(row, k.key, now, k.policy)
                self._upsert_failure(db, n)
                reservations.append(n)
            return AttemptResult(ok=True, reservations=tuple(reservations))

    def _upsert_failure(self, db: sqlite3.Connection, n: FailureRecord) -> None:
        db.execute(
            f"INSERT INTO {self.failures_table} (key, count, window_start, blocked_until) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(key) DO UPDATE SET count = excluded.count, window_start = excluded.window_start,"
            " blocked_until = excluded.blocked_until",
            (n.key, n.count, n.window_start, n.blocked_until),
        )

    def record_failure(self, key: str, now: int, policy: RateLimitPolicy) -> FailureRecord:
        """Count one failure (or request) on ``key`` and return the counter (the server's
        recordFailure): one IMMEDIATE transaction, so of N concurrent calls each sees its own count."""
        with self._tx() as db:
            n = next_failure(_failure(db.execute(f"SELECT * FROM {self.failures_table} WHERE key = ?", (key,)).fetchone()), key, now, policy)
            self._upsert_failure(db, n)
            return n

    def get_block(self, key: str, now: int) -> int | None:
        """``blocked_until`` while ``key`` is blocked at ``now``, else None."""
        row = self.failure(key)
        return row.blocked_until if row is not None and row.blocked_until is not None and row.blocked_until > now else None

    def release_attempt(self, reservation: FailureRecord) -> None:
        self._run(
            f"UPDATE {self.failures_table} SET count = count - 1,"
            " blocked_until = CASE WHEN blocked_until = ? THEN NULL ELSE blocked_until END"
            " WHERE key = ? AND window_start = ? AND count > 0",
            (reservation.blocked_until, reservation.key, reservation.window_start),
        )

    def clear_failures(self, key: str) -> None:
        self._run(f"DELETE FROM {self.failures_table} WHERE key = ?", (key,))

    def failure(self, key: str) -> FailureRecord | None:
        return _failure(self._one(f"SELECT * FROM {self.failures_table} WHERE key = ?", (key,)))


class SqliteStore(SqliteBase):
    """Open (creating and migrating if needed) the SQLite users database at ``path``."""

    def __init__(self, path: str | os.PathLike[str], *, warn: Callable[[str], None] | None = None):
        super().__init__(path)
        self._migrate(warn or (lambda m: logger.warning("warning: %s", m)))

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
        sql = {1: _schema.SQLITE_1, 2: _schema.SQLITE_2, 3: _schema.SQLITE_3, 4: _schema.SQLITE_4, 5: _schema.SQLITE_5}[version]
        for statement in _statements(sql):
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

    # ---- users ----

    def create_user(self, row: NewUserRow, *, consume_preauthorized_email: str | None = None) -> UserRecord:
        """Insert a user (skeletons first). With ``consume_preauthorized_email``, the same
        transaction first removes that email from the pre-authorized list, or raises
        NotPreauthorizedError when it is not there (checked before any collision)."""
        try:
            with self._tx() as db:
                if consume_preauthorized_email is not None:
                    gone = db.execute("DELETE FROM preauthorized_emails WHERE email = ?", (normalize_email(consume_preauthorized_email),))
                    if gone.rowcount == 0:
                        raise NotPreauthorizedError("this email is not pre-authorized")
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

    def find_confusable_user(self, username: str) -> UserRecord | None:
        """The oldest user a new account named ``username`` would be confused with, or None."""
        skeletons = username_skeletons(username)
        first, second = skeletons[0], skeletons[-1]
        return _user(self._one(CONFUSABLE_USER_SQL.format("?") + " ORDER BY created_at, id LIMIT 1", (normalize_username(username), first, second)))

    def user_by_email(self, email: str) -> UserRecord | None:
        n = normalize_email(email)
        if n == "":
            return None
        return _user(self._one("SELECT * FROM users WHERE email_normalized = ? AND email_normalized <> ''", (n,)))

    def update_user_details(self, user_id: str, *, name: str | None = None, email: str | None = None, now: int) -> UserRecord | None:
        """Change name and/or email (None keeps it). A changed email voids every pending reset
        token of the user in the same transaction. DuplicateUserError (field ``email``) when the
        email belongs to another user. None when there is no such user."""
        with self._tx() as db:
            row = db.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
            if row is None:
                return None
            new_email = row["email"] if email is None else email
            normalized = row["email_normalized"] if email is None else normalize_email(email)
            if normalized != "" and db.execute(
                "SELECT 1 FROM users WHERE email_normalized = ? AND email_normalized <> '' AND id <> ?", (normalized, user_id)
            ).fetchone() is not None:
                raise DuplicateUserError("this email belongs to another user", "email")
            db.execute(
                "UPDATE users SET name = ?, email = ?, email_normalized = ?, updated_at = ? WHERE id = ?",
                (row["name"] if name is None else name, new_email, normalized, now, user_id),
            )
            # Reset links went to the old address: they die with it.
            if new_email != row["email"]:
                db.execute("DELETE FROM reset_tokens WHERE user_id = ?", (user_id,))
            return _user(db.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone())

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
    # ---- password reset tokens ----

    def insert_reset_token(self, token_hash: str, user_id: str, expires_at: int, now: int) -> None:
        """Store a reset token (its SHA-256 only); every other reset token of the user goes."""
        with self._tx() as db:
            db.execute("DELETE FROM reset_tokens WHERE user_id = ?", (user_id,))
            db.execute(
                "INSERT INTO reset_tokens (token_hash, user_id, expires_at, used_at, created_at) VALUES (?, ?, ?, NULL, ?)",
                (token_hash, user_id, expires_at, now),
            )

    def consume_reset_token(self, token_hash: str, now: int) -> str | None:
        """Mark the token used and return its user id, only if it was unused and unexpired: of
        concurrent calls with one token at most one gets the id (one IMMEDIATE transaction)."""
        row = self._consume("reset_tokens", token_hash, now)
        return None if row is None else str(row["user_id"])

    def _consume(self, table: str, token_hash: str, now: int) -> sqlite3.Row | None:
        """Mark a token row used and return it (as it was), only if it was unused and unexpired;
        one IMMEDIATE transaction, so of concurrent calls at most one gets it."""
        with self._tx() as db:
            row: sqlite3.Row | None = db.execute(
                f"SELECT * FROM {table} WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?", (token_hash, now)
            ).fetchone()
            if row is not None:
                db.execute(f"UPDATE {table} SET used_at = ? WHERE token_hash = ?", (now, token_hash))
            return row

    def find_reset_token(self, token_hash: str) -> ResetTokenRecord | None:
        row = self._one("SELECT * FROM reset_tokens WHERE token_hash = ?", (token_hash,))
        return None if row is None else reset_token_record(row)

    # ---- pending registrations ----

    def insert_pending_registration(self, r: PendingRegistration, now: int) -> None:
        """Store a registration waiting for its mailbox's proof; it replaces any older one of the
        same (normalized) email, in one statement."""
        self._run(
            "INSERT INTO pending_registrations (token_hash, email_normalized, email, username, name, password_hash, expires_at, used_at, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?)"
            " ON CONFLICT(email_normalized) DO UPDATE SET token_hash = excluded.token_hash, email = excluded.email,"
            " username = excluded.username, name = excluded.name, password_hash = excluded.password_hash,"
            " expires_at = excluded.expires_at, used_at = NULL, created_at = excluded.created_at",
            (r.token_hash, normalize_email(r.email), r.email, r.username, r.name, r.password_hash, r.expires_at, now),
        )

    def consume_pending_registration(self, token_hash: str, now: int) -> PendingRegistration | None:
        row = self._consume("pending_registrations", token_hash, now)
        return None if row is None else dataclasses.replace(pending_registration(row), used_at=now)

    def find_pending_registration(self, token_hash: str) -> PendingRegistration | None:
        row = self._one("SELECT * FROM pending_registrations WHERE token_hash = ?", (token_hash,))
        return None if row is None else pending_registration(row)

    # ---- pre-authorized emails ----

    def is_preauthorized_email(self, email: str) -> bool:
        n = normalize_email(email)
        return n != "" and self._one("SELECT 1 FROM preauthorized_emails WHERE email = ?", (n,)) is not None

    def add_preauthorized_emails(self, emails: Sequence[str], now: int) -> int:
        added = 0
        with self._tx() as db:
            for e in emails:
                n = normalize_email(e)
                if n != "":
                    added += db.execute("INSERT INTO preauthorized_emails (email, created_at) VALUES (?, ?) ON CONFLICT(email) DO NOTHING", (n, now)).rowcount
        return added

    def remove_preauthorized_emails(self, emails: Sequence[str]) -> int:
        with self._tx() as db:
            return sum(db.execute("DELETE FROM preauthorized_emails WHERE email = ?", (normalize_email(e),)).rowcount for e in emails)

    def list_preauthorized_emails(self) -> list[str]:
        return [str(r["email"]) for r in self._all("SELECT email FROM preauthorized_emails ORDER BY email")]

    # ---- development outbox ----

    def add_outbox_message(self, to: str, subject: str, text: str, html: str | None, now: int) -> None:
        self._run("INSERT INTO outbox (recipient, subject, text_body, html_body, created_at) VALUES (?, ?, ?, ?, ?)", (to, subject, text, html, now))

    def list_outbox(self, limit: int) -> list[OutboxMessage]:
        n = max(0, min(int(limit), 1000))
        return [outbox_message(r) for r in self._all("SELECT * FROM outbox ORDER BY created_at DESC, id DESC LIMIT ?", (n,))]


__all__ = ["SqliteStore", "DuplicateUserError"]
