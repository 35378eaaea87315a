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
from collections.abc import Callable, Sequence
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg.rows import DictRow, dict_row
from psycopg_pool import ConnectionPool

from . import _schema
from ._identity import plan_skeleton_backfill
from ._ratelimit import AttemptKey, AttemptResult, FailureRecord, RateLimitPolicy, assert_distinct_keys
from ._records import SESSION_WITH_USER_SQL, session_record, NewUserRow, SessionRecord, UserRecord, duplicate_user_error

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


_RESERVE_SQL = f"""
  INSERT INTO login_failures AS f (key, count, window_start, blocked_until)
  VALUES (%(key)s, 1, %(now)s::bigint, {_blocked_until('1')})
  ON CONFLICT (key) DO UPDATE SET
    count = {_NEW_COUNT},
    window_start = CASE WHEN %(now)s::bigint >= f.window_start + %(window)s::bigint THEN %(now)s::bigint ELSE f.window_start END,
    blocked_until = {_blocked_until(_NEW_COUNT)}
  WHERE f.blocked_until IS NULL OR f.blocked_until <= %(now)s::bigint
  RETURNING *"""

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


class PostgresStore:
    """Connect to ``url`` (``postgres://`` or ``postgresql://``), migrate, and keep a small pool."""

    kind = "postgres"

    def __init__(self, url: str, *, warn: Callable[[str], None] | None = None, max_connections: int = 10):
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
                conn.execute({1: _schema.PG_1, 2: _schema.PG_2, 3: _schema.PG_3}[version])
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

    def _one(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> dict[str, Any] | None:
        with self._pool.connection() as conn:
            row: dict[str, Any] | None = conn.execute(sql, params).fetchone()
            return row

    def _run(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
        with self._pool.connection() as conn:
            return conn.execute(sql, params).rowcount

    def close(self) -> None:
        self._pool.close()

    # ---- users ----

    def create_user(self, row: NewUserRow) -> UserRecord:
        try:
            with self._pool.connection() as conn, conn.transaction():
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

    # ---- login throttling ----

    def reserve_attempt(self, keys: Sequence[AttemptKey], now: int) -> AttemptResult:
        assert_distinct_keys(keys)
        stored = [_failure_key(k.key) for k in keys]
        # Rows are locked in one order (by stored key) in every process.
        order = sorted(range(len(keys)), key=lambda i: stored[i])
        attempt = 0
        while True:
            try:
                with self._pool.connection() as conn, conn.transaction():
                    reservations: list[FailureRecord | None] = [None] * len(keys)
                    for n, i in enumerate(order):
                        params = {"key": stored[i], "now": now, **_policy_params(keys[i].policy)}
                        row = conn.execute(_RESERVE_SQL, params).fetchone()
                        if row is None:
                            rest = [stored[j] for j in order[n:]]
                            until = conn.execute(
                                "SELECT max(blocked_until) AS until FROM login_failures WHERE key = ANY(%s::text[]) AND blocked_until > %s",
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

    def release_attempt(self, reservation: FailureRecord) -> None:
        self._run(
            "UPDATE login_failures SET count = count - 1,"
            " blocked_until = CASE WHEN blocked_until = %(until)s::bigint THEN NULL ELSE blocked_until END"
            " WHERE key = %(key)s AND window_start = %(start)s::bigint AND count > 0",
            {"until": reservation.blocked_until, "key": _failure_key(reservation.key), "start": reservation.window_start},
        )

    def clear_failures(self, key: str) -> None:
        self._run("DELETE FROM login_failures WHERE key = %s", (_failure_key(key),))

    def failure(self, key: str) -> FailureRecord | None:
        row = self._one("SELECT * FROM login_failures WHERE key = %s", (_failure_key(key),))
        return None if row is None else _failure(row, key)


__all__ = ["PostgresStore", "psycopg"]
