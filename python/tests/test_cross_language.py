"""One database, two languages: the reference server's TypeScript store (run by Node through
test/python/store-tool.ts) and this package must agree on the schema (compared exactly), the hash
formats, the sessions, the counters and who is who."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from conftest import PgServer, node_tool

from streamlit_auth_elements import UsersDatabase
from streamlit_auth_elements._identity import normalize_email, normalize_username, username_skeletons
from streamlit_auth_elements._passwords import verify_password
from streamlit_auth_elements._ratelimit import AttemptKey, RateLimitPolicy
from streamlit_auth_elements._users_database import open_store

T0 = 1_700_000_000_000
POLICY = RateLimitPolicy(max_failures=3, window_seconds=600, base_delay_seconds=2, max_delay_seconds=10)


def sqlite_schema(path: Path) -> list[tuple[Any, ...]]:
    db = sqlite3.connect(str(path))
    try:
        rows = db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name").fetchall()
        version = db.execute("SELECT version FROM schema_version").fetchall()
    finally:
        db.close()
    return [*rows, ("version", *version)]


def pg_schema(url: str) -> dict[str, list[tuple[Any, ...]]]:
    import psycopg

    with psycopg.connect(url) as conn:
        return {
            "columns": conn.execute(
                "SELECT table_name, ordinal_position, column_name, data_type, is_nullable, column_default"
                " FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position"
            ).fetchall(),
            "constraints": conn.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
                " WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2"
            ).fetchall(),
            "indexes": conn.execute("SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1, 2").fetchall(),
            "version": conn.execute("SELECT version FROM schema_version").fetchall(),
        }


def test_sqlite_schema_is_the_same_whichever_language_creates_the_file(tmp_path: Path) -> None:
    by_ts, by_py = tmp_path / "ts.db", tmp_path / "py.db"
    node_tool({"op": "open", "db": str(by_ts)})
    open_store(by_py).close()
    ts, py = sqlite_schema(by_ts), sqlite_schema(by_py)
    assert py == ts
    assert ("version", (5,)) in py
    assert any(name == "users" and "logins_count INTEGER NOT NULL DEFAULT 0" in sql for _, name, _, sql in py[:-1] if sql)


def test_postgres_schema_is_the_same_whichever_language_creates_the_database(pg_server: PgServer) -> None:
    by_ts, by_py = pg_server.create_database(), pg_server.create_database()
    node_tool({"op": "open", "db": by_ts})
    open_store(by_py).close()
    ts, py = pg_schema(by_ts), pg_schema(by_py)
    assert py == ts
    assert py["version"] == [(4,)]
    assert ("sessions", 6, "org_id", "text", "YES", None) in py["columns"]
    assert ("users", 12, "last_login", "bigint", "YES", None) in py["columns"]
    assert ("users", 13, "logins_count", "integer", "NO", "0") in py["columns"]


def test_a_python_database_is_opened_by_the_server_without_migrating_and_the_reverse(tmp_path: Path) -> None:
    path = tmp_path / "auth.db"
    open_store(path).close()
    node_tool({"op": "open", "db": str(path)})
    open_store(path).close()
    assert ("version", (5,)) in sqlite_schema(path)


def test_an_older_server_database_is_migrated_by_python(tmp_path: Path) -> None:
    """A version-3 file (before last_login and organizations) with a user the server created: Python adds migrations 4 and 5."""
    path = tmp_path / "auth.db"
    [alice] = node_tool({"op": "create_user", "db": str(path), "username": "alice", "password": "alice password 123", "now": T0})
    db = sqlite3.connect(str(path))
    db.executescript(
        "DROP TABLE memberships; DROP TABLE orgs; ALTER TABLE sessions DROP COLUMN org_id;"
        " ALTER TABLE users DROP COLUMN last_login; ALTER TABLE users DROP COLUMN logins_count; UPDATE schema_version SET version = 3;"
    )
    db.close()
    users = UsersDatabase(store=open_store(path))
    try:
        user = users.find_user("alice")
        assert (user.id, user.logins_count, user.last_login) == (alice["id"], 0, None)
    finally:
        users.store.close()
    fresh = tmp_path / "fresh.db"
    open_store(fresh).close()
    assert sqlite_schema(path) == sqlite_schema(fresh)


def test_users_made_by_the_server_sign_in_here_and_bcrypt_is_rehashed_for_both(database: str) -> None:
    made = node_tool(
        {"op": "create_user", "db": database, "username": "Alice", "password": "alice password 123", "name": "Alice A", "email": "Alice@Example.com", "roles": ["admin"], "now": T0},
        {"op": "create_user", "db": database, "username": "yaml-user", "password": "from the yaml file", "bcrypt": True, "now": T0},
    )
    users = UsersDatabase(store=open_store(database))
    try:
        me = users.check_password("ALICE", "alice password 123", T0)
        assert me is not None and (me.id, me.username, me.name, me.email, me.roles) == (made[0]["id"], "Alice", "Alice A", "Alice@Example.com", ("admin",))
        assert users.find_user("yaml-user").password_hash.startswith("$2")
        assert users.check_password("yaml-user", "from the yaml file", T0) is not None
        assert users.find_user("yaml-user").password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
        users.record_login(me, T0 + 5)
    finally:
        users.store.close()
    verified = node_tool(
        {"op": "verify", "db": database, "username": "yaml-user", "password": "from the yaml file"},
        {"op": "record_login", "db": database, "user_id": made[0]["id"], "now": T0 + 9},
        {"op": "user", "db": database, "username": "alice"},
    )
    assert verified[0] == {"ok": True, "needsRehash": False}, "the server verifies the hash Python wrote"
    assert (verified[2]["loginsCount"], verified[2]["lastLogin"]) == (2, T0 + 9), "logins counted by both"


def test_users_made_here_sign_in_on_the_server_and_sessions_are_shared(database: str) -> None:
    users = UsersDatabase(store=open_store(database))
    try:
        bob = users.create_user("bob", "bob password 12345", name="Bob", roles=["member"])
        users.create_session("S" * 22, bob.identity(), T0 + 3_600_000, T0)
    finally:
        users.store.close()
    checks = node_tool(
        {"op": "verify", "db": database, "username": "BOB", "password": "bob password 12345"},
        {"op": "verify", "db": database, "username": "bob", "password": "bob password 1234"},
        {"op": "get_session", "db": database, "id": "S" * 22},
        {"op": "revoke_user", "db": database, "user_id": bob.id, "now": T0 + 1},
    )
    assert checks[0] == {"ok": True, "needsRehash": False}
    assert checks[1] == {"ok": False, "needsRehash": False}
    assert checks[2] == {"id": "S" * 22, "userId": bob.id, "createdAt": T0, "absoluteExpiresAt": T0 + 3_600_000, "revokedAt": None, "orgId": None}
    users = UsersDatabase(store=open_store(database))
    try:
        assert users.resume_session("S" * 22, bob.id, T0 + 2) is None, "a revocation by the server ends the Streamlit session"
    finally:
        users.store.close()
    with pytest.raises(AssertionError, match="confusable"):
        node_tool({"op": "create_user", "db": database, "username": "b\u043eb", "password": "impostor password 1"})


def test_failure_counters_are_shared(database: str) -> None:
    policy = {"maxFailures": 3, "windowSeconds": 600, "baseDelaySeconds": 2, "maxDelaySeconds": 10}
    node_tool(*[{"op": "reserve", "db": database, "key": "account:alice", "policy": policy, "now": T0} for _ in range(2)])
    store = open_store(database)
    try:
        third = store.reserve_attempt([AttemptKey("account:alice", POLICY)], T0)
        assert third.ok and third.reservations[0].count == 3 and third.reservations[0].blocked_until == T0 + 2000
        assert not store.reserve_attempt([AttemptKey("account:alice", POLICY)], T0 + 1).ok
    finally:
        store.close()
    [refused] = node_tool({"op": "reserve", "db": database, "key": "account:alice", "policy": policy, "now": T0 + 1})
    assert refused == {"ok": False, "blockedUntil": T0 + 2000}


def test_hashes_made_by_node_verify_here() -> None:
    [hashes] = node_tool({"op": "hash", "password": "pässwörd with ünïcode ✓"})
    assert hashes["argon2"].startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert verify_password(hashes["argon2"], "pässwörd with ünïcode ✓")
    assert verify_password(hashes["bcrypt"], "pässwörd with ünïcode ✓")
    assert not verify_password(hashes["argon2"], "passwörd with ünïcode ✓")


NAMES = [
    "Alice", "alice", "ａｌｉｃｅ", "\u0430lice", "ΑDMIN", "admın", "a1ice", "b0b", "rnallory", "AIice", "Ian", "lan",
    "ﬁsh", "İstanbul", "ΟΔΥΣΣΕΥΣ", "straße", "Ǆemal", "user1", "userl", "Σίσυφος", "ß", "ᴀlice",
    " Alice@Example.COM ", "Ｖｉｃｔｉｍ＠Ｃｏｒｐ.com",
]


def test_usernames_emails_and_skeletons_are_compared_alike() -> None:
    [ts] = node_tool({"op": "identity", "names": NAMES})
    py = [{"name": n, "normalized": normalize_username(n), "skeletons": username_skeletons(n), "email": normalize_email(n)} for n in NAMES]
    assert py == ts
