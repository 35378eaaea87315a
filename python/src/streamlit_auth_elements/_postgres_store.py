"""The users database on PostgreSQL (psycopg 3 with its connection pool): the reference server's
tables (server/store/postgres.ts), created or migrated by the same numbered migrations under the
same advisory lock, so Streamlit processes on several machines and the reference server share one
database. Same semantics as the SQLite store; how each decision stays correct across processes:

- login-failure counters: one ``INSERT ... ON CONFLICT DO UPDATE`` per key computing the new count,
  window and block in SQL (the server's statement); a reservation runs it per key, refusing on a
  blocked row, in one transaction that takes the rows' locks in key order (no deadlock between two
  reservations naming the same keys) and rolls back when a key is blocked;
- a login count is one ``UPDATE ... logins_count + 1``; revocations are single statements.

PostgreSQL text cannot hold U+0000: look-ups with one find nothing, and counter keys (which embed
whatever username was typed) are escaped as the server escapes them, so both count on one row.
Times are BIGINT milliseconds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg.rows import DictRow, dict_row
from psycopg_pool import ConnectionPool

from . import _schema
from ._identity import normalize_email, normalize_username, plan_skeleton_backfill, username_skeletons
from ._ratelimit import AttemptKey, AttemptResult, FailureRecord, RateLimitPolicy, assert_distinct_keys
from ._session_database import FAILURES_TABLE, PG_TABLES as PG_SESSION_TABLES, PG_LOCK_KEY as PG_SESSIONS_LOCK_KEY, SessionTables, create_tables
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


def _has_nul(s: str) -> bool:
    return "\0" in s


def _failure_key(key: str) -> str:
    """The server's escaping (postgres.ts failureKey): backslash -> \\\\, NUL -> \\0."""
    if "\\" not in key and "\0" not in key:
        return key
    return "".join("\\0" if c == "\0" else "\\\\" if c == "\\" else c for c in key)


def _user(row: dict[str, Any] | None) -> UserRecord | None:
    if row is None:
        return None
    return UserRecord(
        id=row["id"],
        username=row["username"],
        username_normalized=row["username_normalized"],
        name=row["name"],
        email=row["email"],
        password_hash=row["password_hash"],
        roles=tuple(row["roles"]),
        disabled=bool(row["disabled"]),
        created_at=int(row["created_at"]),
        updated_at=int(row["updated_at"]),
        last_login=None if row["last_login"] is None else int(row["last_login"]),
        logins_count=int(row["logins_count"]),
    )


def _failure(row: dict[str, Any], key: str) -> FailureRecord:
    return FailureRecord(
        key=key,
        count=int(row["count"]),
        window_start=int(row["window_start"]),
        blocked_until=None if row["blocked_until"] is None else int(row["blocked_until"]),
    )


# The server's counter statement (postgres.ts countFailureSql), with named parameters:
# now, window (ms), max failures, base delay (ms), max delay (ms).
_NEW_COUNT = "(CASE WHEN %(now)s::bigint >= f.window_start + %(window)s::bigint THEN 1 ELSE f.count + 1 END)"


def _blocked_until(c: str) -> str:
    return (
        f"(CASE WHEN {c} < %(max)s::integer THEN NULL ELSE %(now)s::bigint + "
        f"round(LEAST(%(base)s::float8 * power(2::float8, LEAST({c} - %(max)s::integer, 40)), %(cap)s::float8))::bigint END)"
    )


def _count_sql(table: str, where: str) -> str:
    """The server's countFailureSql on ``table``; ``where`` limits the update (a reservation refuses
    a blocked row: then no row comes back)."""
    return f"""
  INSERT INTO {table} AS f (key, count, window_start, blocked_until)
  VALUES (%(key)s, 1, %(now)s::bigint, {_blocked_until('1')})
  ON CONFLICT (key) DO UPDATE SET
    count = {_NEW_COUNT},
    window_start = CASE WHEN %(now)s::bigint >= f.window_start + %(window)s::bigint THEN %(now)s::bigint ELSE f.window_start END,
    blocked_until = {_blocked_until(_NEW_COUNT)}
  {where}
  RETURNING *"""


_RESERVE_WHERE = "WHERE f.blocked_until IS NULL OR f.blocked_until <= %(now)s::bigint"

_DEADLOCK_RETRIES = 3


class _Blocked(Exception):
    def __init__(self, until: int):
        self.until = until


def _policy_params(p: RateLimitPolicy) -> dict[str, Any]:
    return {
        "window": p.window_seconds * 1000,
        "max": p.max_failures,
        "base": p.base_delay_seconds * 1000,
        "cap": p.max_delay_seconds * 1000,
    }


class PgBase:
    """A pool of connections to ``url`` (``postgres://`` or ``postgresql://``) and the failure
    counters (the login throttle and the register and forgot limits) in ``failures_table``."""

    kind = "postgres"
    failures_table = "login_failures"

    def __init__(self, url: str, *, max_connections: int = 10):
        self.url = url
        self._pool: ConnectionPool[psycopg.Connection[DictRow]] = ConnectionPool(
            url,
            connection_class=psycopg.Connection[DictRow],
            min_size=1,
            max_size=max_connections,
            kwargs={"autocommit": True, "row_factory": dict_row, "application_name": "streamlit-auth-elements"},
            open=False,
        )
        self._pool.open(wait=True, timeout=30)

    def _one(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> dict[str, Any] | None:
        with self._pool.connection() as conn:
            row: dict[str, Any] | None = conn.execute(sql, params).fetchone()
            return row

    def _all(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        with self._pool.connection() as conn:
            return list(conn.execute(sql, params).fetchall())

    def _run(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
        with self._pool.connection() as conn:
            return conn.execute(sql, params).rowcount

    @contextmanager
    def _tx(self) -> Iterator[psycopg.Connection[DictRow]]:
        """One transaction on one connection of the pool."""
        with self._pool.connection() as conn, conn.transaction():
            yield conn

    def close(self) -> None:
        self._pool.close()

    # ---- failure counters ----

    def reserve_attempt(self, keys: Sequence[AttemptKey], now: int) -> AttemptResult:
        assert_distinct_keys(keys)
        stored = [_failure_key(k.key) for k in keys]
        # Rows are locked in one order (by stored key) in every process.
        order = sorted(range(len(keys)), key=lambda i: stored[i])
        reserve_sql = _count_sql(self.failures_table, _RESERVE_WHERE)
        attempt = 0
        while True:
            try:
                with self._pool.connection() as conn, conn.transaction():
                    reservations: list[FailureRecord | None] = [None] * len(keys)
                    for n, i in enumerate(order):
                        params = {"key": stored[i], "now": now, **_policy_params(keys[i].policy)}
                        row = conn.execute(reserve_sql, params).fetchone()
                        if row is None:
                            rest = [stored[j] for j in order[n:]]
                            until = conn.execute(
                                f"SELECT max(blocked_until) AS until FROM {self.failures_table} WHERE key = ANY(%s::text[]) AND blocked_until > %s",
                                (rest, now),
                            ).fetchone()
                            raise _Blocked(int(until["until"]) if until and until["until"] is not None else now + 1000)
                        reservations[i] = _failure(row, keys[i].key)
                    return AttemptResult(ok=True, reservations=tuple(r for r in reservations if r is not None))
            except _Blocked as blocked:
                return AttemptResult(ok=False, blocked_until=blocked.until)
            except pg_errors.DeadlockDetected:
                attempt += 1
                if attempt > _DEADLOCK_RETRIES:
                    raise

    def record_failure(self, key: str, now: int, policy: RateLimitPolicy) -> FailureRecord:
        """Count one failure (or request) on ``key`` and return the counter: one upsert (the
        server's recordFailure), so of N concurrent calls each sees its own count."""
        row = self._one(_count_sql(self.failures_table, ""), {"key": _failure_key(key), "now": now, **_policy_params(policy)})
        assert row is not None
        return _failure(row, key)

    def get_block(self, key: str, now: int) -> int | None:
        row = self._one(
            f"SELECT blocked_until FROM {self.failures_table} WHERE key = %s AND blocked_until IS NOT NULL AND blocked_until > %s",
            (_failure_key(key), now),
        )
        return None if row is None else int(row["blocked_until"])

    def release_attempt(self, reservation: FailureRecord) -> None:
        self._run(
            f"UPDATE {self.failures_table} SET count = count - 1,"
            " blocked_until = CASE WHEN blocked_until = %(until)s::bigint THEN NULL ELSE blocked_until END"
            " WHERE key = %(key)s AND window_start = %(start)s::bigint AND count > 0",
            {"until": reservation.blocked_until, "key": _failure_key(reservation.key), "start": reservation.window_start},
        )

    def clear_failures(self, key: str) -> None:
        self._run(f"DELETE FROM {self.failures_table} WHERE key = %s", (_failure_key(key),))

    def failure(self, key: str) -> FailureRecord | None:
        row = self._one(f"SELECT * FROM {self.failures_table} WHERE key = %s", (_failure_key(key),))
        return None if row is None else _failure(row, key)


class PostgresStore(PgBase):
    """Connect to ``url`` (``postgres://`` or ``postgresql://``), migrate, and keep a small pool."""

    def __init__(self, url: str, *, warn: Callable[[str], None] | None = None, max_connections: int = 10):
        super().__init__(url, max_connections=max_connections)
        try:
            self._migrate(warn or (lambda m: logger.warning("warning: %s", m)))
        except BaseException:
            self._pool.close()
            raise

    def _migrate(self, warn: Callable[[str], None]) -> None:
        warnings: list[str] = []
        with self._pool.connection() as conn, conn.transaction():
            # Held until the end of the transaction: a second process (Python or the server) waits.
            conn.execute("SELECT pg_advisory_xact_lock(%s::bigint)", (_schema.PG_MIGRATION_LOCK_KEY,))
            conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            rows = conn.execute("SELECT version FROM schema_version").fetchall()
            current = rows[0]["version"] if rows else 0
            latest = _schema.PG_SCHEMA_VERSION
            if current > latest:
                raise RuntimeError(
                    f"database schema version {current} is newer than this package ({latest}): upgrade streamlit-auth-elements"
                )
            for version in range(current + 1, latest + 1):
                conn.execute({1: _schema.PG_1, 2: _schema.PG_2, 3: _schema.PG_3, 4: _schema.PG_4}[version])
                if version == 2:
                    users = conn.execute('SELECT id, username FROM users ORDER BY created_at, id COLLATE "C"').fetchall()
                    backfill, warning = plan_skeleton_backfill([(u["id"], u["username"]) for u in users])
                    conn.execute(
                        "INSERT INTO username_skeletons (skeleton, user_id) SELECT * FROM unnest(%s::text[], %s::text[])",
                        ([s for s, _ in backfill], [u for _, u in backfill]),
                    )
                    if warning is not None:
                        warnings.append(warning)
            if not rows:
                conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (latest,))
            elif current != latest:
                conn.execute("UPDATE schema_version SET version = %s", (latest,))
        for w in warnings:
            warn(w)

    # ---- users ----

    def create_user(self, row: NewUserRow, *, consume_preauthorized_email: str | None = None) -> UserRecord:
        """Insert a user (skeletons first). With ``consume_preauthorized_email``, the same
        transaction first deletes that email from the pre-authorized list (its row lock makes a
        racing registration with the same email wait, then find it gone), or raises
        NotPreauthorizedError when it is not there."""
        try:
            with self._pool.connection() as conn, conn.transaction():
                if consume_preauthorized_email is not None:
                    gone = conn.execute("DELETE FROM preauthorized_emails WHERE email = %s", (normalize_email(consume_preauthorized_email),))
                    if gone.rowcount == 0:
                        raise NotPreauthorizedError("this email is not pre-authorized")
                # Sorted: two creations sharing skeletons take their index entries in one order.
                conn.execute(
                    "INSERT INTO username_skeletons (skeleton, user_id) SELECT unnest(%s::text[]), %s", (sorted(row.skeletons), row.id)
                )
                created = conn.execute(
                    "INSERT INTO users (id, username, username_normalized, name, email, email_normalized, password_hash, roles, disabled, created_at, updated_at)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s::text[], %s, %s, %s) RETURNING *",
                    (row.id, row.username, row.username_normalized, row.name, row.email, row.email_normalized, row.password_hash,
                     list(row.roles), row.disabled, row.now, row.now),
                ).fetchone()
        except pg_errors.UniqueViolation as err:
            diag = err.diag
            if diag.table_name == "username_skeletons":
                kind = "lookalike"
            elif diag.constraint_name == "users_email_normalized":
                kind = "email"
            else:
                kind = "taken"
            raise duplicate_user_error(kind, row.username) from None
        user = _user(created)
        assert user is not None
        return user

    def find_confusable_user(self, username: str) -> UserRecord | None:
        """The oldest user a new account named ``username`` would be confused with, or None."""
        if _has_nul(username):
            return None
        skeletons = username_skeletons(username)
        return _user(
            self._one(
                CONFUSABLE_USER_SQL.format("%s") + ' ORDER BY created_at, id COLLATE "C" LIMIT 1',
                (normalize_username(username), skeletons[0], skeletons[-1]),
            )
        )

    def user_by_email(self, email: str) -> UserRecord | None:
        n = normalize_email(email)
        if n == "" or _has_nul(n):
            return None
        return _user(self._one("SELECT * FROM users WHERE email_normalized = %s AND email_normalized <> ''", (n,)))

    def update_user_details(self, user_id: str, *, name: str | None = None, email: str | None = None, now: int) -> UserRecord | None:
        """Change name and/or email (None keeps it). A changed email voids every pending reset
        token of the user in the same transaction (the user row is locked first, as
        insert_reset_token locks it). DuplicateUserError (field ``email``) on another user's email."""
        if _has_nul(user_id):
            return None
        try:
            with self._pool.connection() as conn, conn.transaction():
                old = conn.execute("SELECT email FROM users WHERE id = %s FOR UPDATE", (user_id,)).fetchone()
                if old is None:
                    return None
                row = conn.execute(
                    "UPDATE users SET name = COALESCE(%s, name), email = COALESCE(%s, email),"
                    " email_normalized = COALESCE(%s, email_normalized), updated_at = %s WHERE id = %s RETURNING *",
                    (name, email, None if email is None else normalize_email(email), now, user_id),
                ).fetchone()
                assert row is not None
                if row["email"] != old["email"]:
                    conn.execute("DELETE FROM reset_tokens WHERE user_id = %s", (user_id,))
                return _user(row)
        except pg_errors.UniqueViolation:
            raise DuplicateUserError("this email belongs to another user", "email") from None

    def user_by_normalized_name(self, normalized: str) -> UserRecord | None:
        if _has_nul(normalized):
            return None
        return _user(self._one("SELECT * FROM users WHERE username_normalized = %s", (normalized,)))

    def user_by_id(self, user_id: str) -> UserRecord | None:
        if _has_nul(user_id):
            return None
        return _user(self._one("SELECT * FROM users WHERE id = %s", (user_id,)))

    def list_users(self) -> list[UserRecord]:
        with self._pool.connection() as conn:
            rows = conn.execute('SELECT * FROM users ORDER BY created_at, username_normalized COLLATE "C"').fetchall()
        return [u for u in map(_user, rows) if u is not None]

    def update_password_hash(self, user_id: str, password_hash: str, now: int) -> None:
        with self._pool.connection() as conn, conn.transaction():
            conn.execute("UPDATE users SET password_hash = %s, updated_at = %s WHERE id = %s", (password_hash, now, user_id))
            conn.execute("DELETE FROM reset_tokens WHERE user_id = %s", (user_id,))

    def set_disabled(self, user_id: str, disabled: bool, now: int) -> None:
        self._run("UPDATE users SET disabled = %s, updated_at = %s WHERE id = %s", (disabled, now, user_id))

    def set_roles(self, user_id: str, roles: Sequence[str], now: int) -> None:
        self._run("UPDATE users SET roles = %s::text[], updated_at = %s WHERE id = %s", (list(roles), now, user_id))

    def record_login(self, user_id: str, now: int) -> None:
        if _has_nul(user_id):
            return
        self._run("UPDATE users SET last_login = %s, logins_count = logins_count + 1 WHERE id = %s", (now, user_id))

    # ---- sessions ----

    def create_session(self, session_id: str, user_id: str, absolute_expires_at: int, now: int) -> None:
        self._run(
            "INSERT INTO sessions (id, user_id, created_at, absolute_expires_at, revoked_at) VALUES (%s, %s, %s, %s, NULL)",
            (session_id, user_id, now, absolute_expires_at),
        )

    def session_with_user(self, session_id: str) -> tuple[SessionRecord, UserRecord] | None:
        """The session and its user in one query (the per-run check)."""
        if _has_nul(session_id):
            return None
        row = self._one(SESSION_WITH_USER_SQL.format("%s"), (session_id,))
        user = _user(row)
        if row is None or user is None:
            return None
        return session_record(row, "s_"), user

    def get_session(self, session_id: str) -> SessionRecord | None:
        if _has_nul(session_id):
            return None
        row = self._one("SELECT * FROM sessions WHERE id = %s", (session_id,))
        return None if row is None else session_record(row)

    def revoke_session(self, session_id: str, now: int) -> None:
        self._run(
            "WITH s AS (UPDATE sessions SET revoked_at = %(now)s WHERE id = %(id)s AND revoked_at IS NULL)"
            " UPDATE refresh_tokens SET used_at = %(now)s WHERE session_id = %(id)s AND used_at IS NULL",
            {"now": now, "id": session_id},
        )

    def revoke_all_sessions_of_user(self, user_id: str, now: int, except_session: str = "") -> None:
        self._run(
            "WITH s AS (UPDATE sessions SET revoked_at = %(now)s WHERE user_id = %(user)s AND revoked_at IS NULL AND id <> %(except)s)"
            " UPDATE refresh_tokens SET used_at = %(now)s WHERE user_id = %(user)s AND used_at IS NULL AND session_id <> %(except)s",
            {"now": now, "user": user_id, "except": except_session},
        )
    # ---- password reset tokens ----

    def insert_reset_token(self, token_hash: str, user_id: str, expires_at: int, now: int) -> None:
        """Store a reset token (its SHA-256 only); every other reset token of the user goes. The
        user row is locked: two requests for one user serialize, the later one voids the earlier."""
        with self._pool.connection() as conn, conn.transaction():
            conn.execute("SELECT 1 FROM users WHERE id = %s FOR UPDATE", (user_id,))
            conn.execute("DELETE FROM reset_tokens WHERE user_id = %s", (user_id,))
            conn.execute(
                "INSERT INTO reset_tokens (token_hash, user_id, expires_at, used_at, created_at) VALUES (%s, %s, %s, NULL, %s)",
                (token_hash, user_id, expires_at, now),
            )

    def consume_reset_token(self, token_hash: str, now: int) -> str | None:
        """One conditional UPDATE ... RETURNING: of concurrent calls with one token at most one
        gets the user id."""
        row = self._one(
            "UPDATE reset_tokens SET used_at = %(now)s WHERE token_hash = %(hash)s AND used_at IS NULL AND expires_at > %(now)s RETURNING user_id",
            {"now": now, "hash": token_hash},
        )
        return None if row is None else str(row["user_id"])

    def find_reset_token(self, token_hash: str) -> ResetTokenRecord | None:
        row = self._one("SELECT * FROM reset_tokens WHERE token_hash = %s", (token_hash,))
        return None if row is None else reset_token_record(row)

    # ---- pending registrations ----

    def insert_pending_registration(self, r: PendingRegistration, now: int) -> None:
        self._run(
            "INSERT INTO pending_registrations (token_hash, email_normalized, email, username, name, password_hash, expires_at, used_at, created_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, NULL, %s)"
            " ON CONFLICT (email_normalized) DO UPDATE SET token_hash = EXCLUDED.token_hash, email = EXCLUDED.email,"
            " username = EXCLUDED.username, name = EXCLUDED.name, password_hash = EXCLUDED.password_hash,"
            " expires_at = EXCLUDED.expires_at, used_at = NULL, created_at = EXCLUDED.created_at",
            (r.token_hash, normalize_email(r.email), r.email, r.username, r.name, r.password_hash, r.expires_at, now),
        )

    def consume_pending_registration(self, token_hash: str, now: int) -> PendingRegistration | None:
        row = self._one(
            "UPDATE pending_registrations SET used_at = %(now)s WHERE token_hash = %(hash)s AND used_at IS NULL AND expires_at > %(now)s RETURNING *",
            {"now": now, "hash": token_hash},
        )
        return None if row is None else pending_registration(row)

    def find_pending_registration(self, token_hash: str) -> PendingRegistration | None:
        row = self._one("SELECT * FROM pending_registrations WHERE token_hash = %s", (token_hash,))
        return None if row is None else pending_registration(row)

    # ---- pre-authorized emails ----

    def is_preauthorized_email(self, email: str) -> bool:
        n = normalize_email(email)
        return n != "" and not _has_nul(n) and self._one("SELECT 1 FROM preauthorized_emails WHERE email = %s", (n,)) is not None

    def add_preauthorized_emails(self, emails: Sequence[str], now: int) -> int:
        found = [normalize_email(e) for e in emails]
        unique = list(dict.fromkeys(e for e in found if e != ""))
        if not unique:
            return 0
        return self._run(
            "INSERT INTO preauthorized_emails (email, created_at) SELECT e, %s FROM unnest(%s::text[]) AS e ON CONFLICT (email) DO NOTHING",
            (now, unique),
        )

    def remove_preauthorized_emails(self, emails: Sequence[str]) -> int:
        unique = list(dict.fromkeys(normalize_email(e) for e in emails))
        if not unique:
            return 0
        return self._run("DELETE FROM preauthorized_emails WHERE email = ANY(%s::text[])", (unique,))

    def list_preauthorized_emails(self) -> list[str]:
        return [str(r["email"]) for r in self._all('SELECT email FROM preauthorized_emails ORDER BY email COLLATE "C"')]

    # ---- development outbox ----

    def add_outbox_message(self, to: str, subject: str, text: str, html: str | None, now: int) -> None:
        self._run("INSERT INTO outbox (recipient, subject, text_body, html_body, created_at) VALUES (%s, %s, %s, %s, %s)", (to, subject, text, html, now))

    def list_outbox(self, limit: int) -> list[OutboxMessage]:
        n = max(0, min(int(limit), 1000))
        return [outbox_message(r) for r in self._all("SELECT * FROM outbox ORDER BY created_at DESC, id DESC LIMIT %s", (n,))]



class PgSessionStore(PgBase, SessionTables):
    """The SessionDatabase's tables on PostgreSQL (created under an advisory lock)."""

    failures_table = FAILURES_TABLE
    ph = "%s"

    def __init__(self, url: str):
        super().__init__(url)
        try:
            with self._tx() as db:
                db.execute("SELECT pg_advisory_xact_lock(%s::bigint)", (PG_SESSIONS_LOCK_KEY,))
                create_tables(db, self.ph, PG_SESSION_TABLES)
        except BaseException:
            self.close()
            raise


__all__ = ["PgSessionStore", "PostgresStore", "psycopg"]
