"""ASGI mode's one-time codes, and which ``Auth`` the routes of this process serve.

A route that checked a password (``_routes.py``) tells the Python core of it through the browser:
it answers a code, the iframe hands the code to Python (``{op: "redeem", input: {code}}``), and
Python redeems it here. So the code, not the password, goes through widget state, and the code is:

- **single-use**: redeeming is one ``DELETE ... RETURNING`` statement; of any number of concurrent
  redemptions (any processes sharing the database) exactly one gets the row;
- **short-lived**: 30 s (``CODE_TTL_MS``); expired rows are deleted whenever a code is issued;
- **unguessable and stored hashed**: 256 random bits, base64url (43 characters), kept as its
  SHA-256 (a high-entropy secret needs no slow hash), like the reference server's refresh tokens;
- **bound to one browser session**: each Streamlit browser session has a random binding (in its
  ``st.session_state``); ``args.route`` carries it (``<prefix>/<binding>``), the route stores its
  hash with the code, and only the session that holds it can redeem the code. A code read by a
  script of the page (or a log) is useless in any other Streamlit session; a redemption with the
  wrong binding does not consume it.

The rows live in one table, ``streamlit_codes``, of the users database (SQLite file or PostgreSQL,
the reference server's database), created the first time routes are built on it. The reference
server neither reads nor minds it; the schema comparison between the two languages covers the
server's own tables only.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import sqlite3
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from . import _schema
from ._errors import AuthConfigError

CODE_TTL_MS = 30_000
#: 32 random bytes: 43 base64url characters.
CODE = re.compile(r"^[A-Za-z0-9_-]{43}$")
#: A browser session's binding: 16 random bytes (22 characters); up to 64 accepted.
BINDING = re.compile(r"^[A-Za-z0-9_-]{22,64}$")

TABLE = "streamlit_codes"

_CREATE = f"""
  CREATE TABLE IF NOT EXISTS {TABLE} (
    code_hash TEXT PRIMARY KEY,
    binding_hash TEXT NOT NULL,
    op TEXT NOT NULL,
    session_id TEXT,
    user_id TEXT,
    session_expires_at BIGINT,
    result TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
  )"""
_INDEX = f"CREATE INDEX IF NOT EXISTS {TABLE}_expires_at ON {TABLE} (expires_at)"
_PRUNE = f"DELETE FROM {TABLE} WHERE expires_at <= {{p}}"
_INSERT = (
    f"INSERT INTO {TABLE} (code_hash, binding_hash, op, session_id, user_id, session_expires_at, result, expires_at, created_at)"
    " VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p})"
)
_REDEEM = (
    f"DELETE FROM {TABLE} WHERE code_hash = {{p}} AND binding_hash = {{p}} AND expires_at > {{p}}"
    " RETURNING op, session_id, user_id, session_expires_at, result"
)


def new_binding() -> str:
    return secrets.token_urlsafe(16)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("ascii")).hexdigest()


@dataclass(frozen=True)
class Issued:
    """What a route did, for the session that redeems its code. ``session_id`` / ``user_id`` /
    ``session_expires_at`` (seconds): the session the route opened (login), else None."""

    op: str
    session_id: str | None
    user_id: str | None
    session_expires_at: int | None
    result: Mapping[str, Any]


class CodeStore(Protocol):
    def issue(self, binding: str, issued: Issued, now: int) -> str:
        """A new code for ``issued``, redeemable once, within CODE_TTL_MS, by ``binding`` only."""
        ...

    def redeem(self, code: str, binding: str, now: int) -> Issued | None:
        """What the code was issued for, once; None when it is unknown, used, expired or another
        browser session's (then it is left as it was)."""
        ...

    def close(self) -> None: ...


class _SqlCodes:
    """The statements, for either database; subclasses run them."""

    placeholder = "?"

    def _sql(self, template: str) -> str:
        return template.replace("{p}", self.placeholder)

    def _execute(self, sql: str, params: tuple[Any, ...], *, fetch: bool = False) -> tuple[Any, ...] | None:
        raise NotImplementedError

    def issue(self, binding: str, issued: Issued, now: int) -> str:
        if not BINDING.match(binding):
            raise ValueError("not a browser-session binding")
        code = secrets.token_urlsafe(32)
        self._execute(self._sql(_PRUNE), (now,))
        self._execute(
            self._sql(_INSERT),
            (
                _digest(code),
                _digest(binding),
                issued.op,
                issued.session_id,
                issued.user_id,
                issued.session_expires_at,
                json.dumps(dict(issued.result), separators=(",", ":")),
                now + CODE_TTL_MS,
                now,
            ),
        )
        return code

    def redeem(self, code: str, binding: str, now: int) -> Issued | None:
        if not (isinstance(code, str) and CODE.match(code) and isinstance(binding, str) and BINDING.match(binding)):
            return None
        row = self._execute(self._sql(_REDEEM), (_digest(code), _digest(binding), now), fetch=True)
        if row is None:
            return None
        op, session_id, user_id, session_expires_at, result = row
        return Issued(
            op=op,
            session_id=session_id,
            user_id=user_id,
            session_expires_at=None if session_expires_at is None else int(session_expires_at),
            result=json.loads(result),
        )


class SqliteCodes(_SqlCodes):
    """Codes in the SQLite users database (its own connection: WAL and busy_timeout as the store's)."""

    def __init__(self, path: str | os.PathLike[str]):
        self._lock = threading.Lock()
        self._db = sqlite3.connect(os.fspath(path), isolation_level=None, check_same_thread=False, timeout=5.0)
        for pragma in ("journal_mode = WAL", "busy_timeout = 5000", "synchronous = NORMAL"):
            self._db.execute(f"PRAGMA {pragma}")
        with self._lock:
            self._db.execute(_CREATE)
            self._db.execute(_INDEX)

    def _execute(self, sql: str, params: tuple[Any, ...], *, fetch: bool = False) -> tuple[Any, ...] | None:
        with self._lock:
            cursor = self._db.execute(sql, params)
            row = cursor.fetchone() if fetch else None
            cursor.close()
            return tuple(row) if row is not None else None

    def close(self) -> None:
        with self._lock:
            self._db.close()


class PostgresCodes(_SqlCodes):
    """Codes in the PostgreSQL users database (a small pool of its own)."""

    placeholder = "%s"

    def __init__(self, url: str):
        import psycopg
        from psycopg_pool import ConnectionPool

        self._pool: ConnectionPool[psycopg.Connection[Any]] = ConnectionPool(
            url, min_size=1, max_size=4, kwargs={"autocommit": True, "application_name": "streamlit-auth-elements"}, open=False
        )
        self._pool.open(wait=True, timeout=30)
        try:
            with self._pool.connection() as conn, conn.transaction():
                # Two processes creating the table at once would collide in the catalog: take the
                # migrations' advisory lock (the reference server's, released at commit).
                conn.execute("SELECT pg_advisory_xact_lock(%s::bigint)", (_schema.PG_MIGRATION_LOCK_KEY,))
                conn.execute(_CREATE)
                conn.execute(_INDEX)
        except BaseException:
            self._pool.close()
            raise

    def _execute(self, sql: str, params: tuple[Any, ...], *, fetch: bool = False) -> tuple[Any, ...] | None:
        with self._pool.connection() as conn:
            cursor = conn.execute(sql, params)
            row = cursor.fetchone() if fetch else None
            return tuple(row) if row is not None else None

    def close(self) -> None:
        self._pool.close()


_code_stores: dict[str, CodeStore] = {}
_code_stores_lock = threading.Lock()


def code_store_for(backend: object) -> CodeStore:
    """The code store on the session store's database (the UsersDatabase, or a SessionDatabase), one
    per database per process."""
    store = getattr(backend, "store", None)
    kind = getattr(store, "kind", None)
    if kind == "sqlite":
        path = os.path.realpath(os.fspath(getattr(store, "path")))
        key = "sqlite:" + path
    elif kind == "postgres":
        key = str(getattr(store, "url"))
    else:
        raise AuthConfigError(
            "ASGI mode keeps its one-time codes in the session store's database, and this one has none: "
            "use UsersDatabase(...) or SessionDatabase(...) (a SQLite file or a PostgreSQL URL) with routes()"
        )
    with _code_stores_lock:
        codes = _code_stores.get(key)
        if codes is None:
            codes = SqliteCodes(path) if kind == "sqlite" else PostgresCodes(key)
            _code_stores[key] = codes
        return codes


def close_code_stores() -> None:
    """Close every code store of this process (tests; a process that drops its databases)."""
    with _code_stores_lock:
        stores = list(_code_stores.values())
        _code_stores.clear()
    for codes in stores:
        codes.close()


# ------------------------------------------------------------------------ what is mounted


@dataclass(frozen=True)
class Mounted:
    """Routes built in this process for one cookie name: their prefix, and the key they sign with."""

    prefix: str
    key_digest: str


_mounted: dict[str, Mounted] = {}
_mounted_lock = threading.Lock()


def key_digest(key: bytes) -> str:
    return hashlib.sha256(b"streamlit-auth-elements key check\0" + key).hexdigest()


def mount(cookie_name: str, prefix: str, key: bytes) -> None:
    """Record that this process serves routes for ``cookie_name`` (``routes()`` does it): every
    ``Auth`` of that cookie name in this process then runs in ASGI mode."""
    with _mounted_lock:
        known = _mounted.get(cookie_name)
        mounted = Mounted(prefix=prefix, key_digest=key_digest(key))
        if known is not None and known != mounted:
            raise AuthConfigError(
                f"routes() was called twice for the cookie {cookie_name!r} with another prefix or cookie_key "
                f"({known.prefix!r}, then {prefix!r}): mount one set of routes per cookie name"
            )
        _mounted[cookie_name] = mounted


def mounted(cookie_name: str) -> Mounted | None:
    with _mounted_lock:
        return _mounted.get(cookie_name)


def unmount_all() -> None:
    """Forget every mounted route (tests)."""
    with _mounted_lock:
        _mounted.clear()
