"""SessionDatabase (the session store of backends without a users table) on a real SQLite file and
a real PostgreSQL: sessions and revocations seen across connections (as across processes), the
counters' reservations under concurrency, single-use tokens under threads and processes, and its
tables next to the reference server's in one database without touching them."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from streamlit_auth_elements import Identity, SessionDatabase, UsersDatabase
from streamlit_auth_elements._ratelimit import AttemptKey, RateLimitPolicy
from streamlit_auth_elements._session_database import open_session_store
from streamlit_auth_elements._users_database import open_store

T0 = 1_700_000_000_000
POLICY = RateLimitPolicy(max_failures=5, window_seconds=600, base_delay_seconds=1, max_delay_seconds=8)
ALICE = Identity(id="yaml:alice", username="alice", name="Alice", email="alice@example.com", roles=("admin",), extra={"access": "tok", "n": 1})


def two(database: str) -> tuple[SessionDatabase, SessionDatabase]:
    """Two session databases on one database: two connections, as two Streamlit processes have."""
    return SessionDatabase(store=open_session_store(database)), SessionDatabase(store=open_session_store(database))


def test_sessions_are_seen_updated_and_revoked_across_connections(database: str) -> None:
    a, b = two(database)
    try:
        a.create_session("S" * 22, ALICE, T0 + 60_000, T0)
        a.create_session("T" * 22, ALICE, T0 + 60_000, T0)
        assert b.resume_session("S" * 22, "yaml:alice", T0 + 1) == ALICE
        assert b.resume_session("S" * 22, "yaml:bob", T0 + 1) is None, "another subject"
        assert b.resume_session("S" * 22, "yaml:alice", T0 + 60_000) is None, "expired"
        assert b.resume_session("U" * 22, "yaml:alice", T0 + 1) is None
        refreshed = Identity(id=ALICE.id, username="alice", extra={"access": "new"})
        assert a.update_session_identity("S" * 22, refreshed)
        assert b.resume_session("S" * 22, "yaml:alice", T0 + 1) == refreshed
        b.revoke_session("S" * 22, T0 + 2)
        assert a.resume_session("S" * 22, "yaml:alice", T0 + 3) is None
        assert not a.update_session_identity("S" * 22, ALICE), "a revoked session stays revoked"
        a.create_session("V" * 22, ALICE, T0 + 60_000, T0)
        b.revoke_user_sessions("yaml:alice", T0 + 4, except_session="V" * 22)
        assert a.resume_session("T" * 22, "yaml:alice", T0 + 5) is None
        assert a.resume_session("V" * 22, "yaml:alice", T0 + 5) is not None
        with pytest.raises(TypeError, match="JSON"):
            a.create_session("W" * 22, Identity(id="x", username="x", extra={"when": object()}), T0 + 1, T0)
    finally:
        a.store.close()
        b.store.close()


def test_60_concurrent_reservations_from_two_connections_let_exactly_the_limit_through(database: str) -> None:
    a, b = two(database)
    results: list[bool] = []
    lock = threading.Lock()
    barrier = threading.Barrier(60)

    def work(i: int) -> None:
        barrier.wait()
        ok = (a if i % 2 else b).reserve_attempt([AttemptKey("account:alice", POLICY)], T0).ok
        with lock:
            results.append(ok)

    try:
        threads = [threading.Thread(target=work, args=(i,)) for i in range(60)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results.count(True) == 5
        assert a.store.failure("account:alice").count == 5
        assert a.get_block("account:alice", T0) == T0 + 1000
        assert a.record_failure("register-address:x", T0, POLICY).count == 1
        assert b.record_failure("register-address:x", T0, POLICY).count == 2
    finally:
        a.store.close()
        b.store.close()


def test_a_token_is_used_once_under_threads(database: str) -> None:
    a, b = two(database)
    try:
        token = a.issue_token("reset", "yaml:alice", ttl_seconds=600, now=T0, data={"email": "alice@example.com"})
        assert len(token) == 43
        assert b.find_token("reset", token, T0 + 1).data == {"email": "alice@example.com"}
        assert b.find_token("verify", token, T0 + 1) is None, "another kind"
        got: list[Any] = []
        barrier = threading.Barrier(20)

        def work(i: int) -> None:
            barrier.wait()
            got.append((a if i % 2 else b).consume_token("reset", token, T0 + 2))

        threads = [threading.Thread(target=work, args=(i,)) for i in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        winners = [r for r in got if r is not None]
        assert len(winners) == 1 and winners[0].subject == "yaml:alice" and winners[0].used_at == T0 + 2
        newer = a.issue_token("reset", "yaml:alice", ttl_seconds=600, now=T0)
        newest = a.issue_token("reset", "yaml:alice", ttl_seconds=600, now=T0)
        assert a.consume_token("reset", newer, T0 + 1) is None, "a newer token voids the older"
        assert a.consume_token("reset", newest, T0 + 600_000) is None, "expired"
        kept = a.issue_token("reset", "yaml:alice", ttl_seconds=600, now=T0)
        assert a.void_tokens("reset", "yaml:alice") == 1 and a.consume_token("reset", kept, T0 + 1) is None
    finally:
        a.store.close()
        b.store.close()


def test_a_token_is_used_once_by_four_processes(database: str) -> None:
    sessions = SessionDatabase(store=open_session_store(database))
    try:
        token = sessions.issue_token("reset", "yaml:alice", ttl_seconds=600, now=T0)
    finally:
        sessions.store.close()
    script = (
        "import sys, time\n"
        "from streamlit_auth_elements import SessionDatabase\n"
        "from streamlit_auth_elements._session_database import open_session_store\n"
        "s = SessionDatabase(store=open_session_store(sys.argv[1]))\n"
        "time.sleep(max(0.0, float(sys.argv[3]) - time.time()))\n"
        f"print('won' if s.consume_token('reset', sys.argv[2], {T0 + 1}) else 'lost')\n"
    )
    start = time.time() + 3
    procs = [subprocess.Popen([sys.executable, "-c", script, database, token, str(start)], stdout=subprocess.PIPE, text=True) for _ in range(4)]
    outs = sorted(p.communicate(timeout=120)[0].strip() for p in procs)
    assert outs == ["lost", "lost", "lost", "won"]


def test_its_tables_sit_next_to_the_servers_without_touching_them(tmp_path: Path) -> None:
    """One SQLite file for both: the users database's tables and the session database's (st_*)."""
    path = tmp_path / "auth.db"
    users = UsersDatabase(store=open_store(path), env={})
    users.create_user("alice", "correct horse battery staple")
    sessions = SessionDatabase(store=open_session_store(path))
    try:
        sessions.reserve_attempt([AttemptKey("account:alice", POLICY)], T0)
        assert users.store.failure("account:alice") is None, "its own counters"
        assert sessions.store.failure("account:alice").count == 1
        tables = [r["name"] for r in users.store._all("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]  # type: ignore[attr-defined]
        assert [t for t in tables if t.startswith("st_")] == ["st_login_failures", "st_schema_version", "st_sessions", "st_tokens"]
        with users.store._tx() as db:  # type: ignore[attr-defined]
            db.execute("UPDATE st_schema_version SET version = 99")
        with pytest.raises(RuntimeError, match="newer than this package"):
            open_session_store(path)
    finally:
        users.store.close()
        sessions.store.close()


def test_prune_forgets_expired_sessions_and_used_tokens(database: str) -> None:
    sessions = SessionDatabase(store=open_session_store(database))
    try:
        sessions.create_session("S" * 22, ALICE, T0 + 10, T0)
        used = sessions.issue_token("reset", "a", ttl_seconds=600, now=T0)
        sessions.consume_token("reset", used, T0 + 1)
        live = sessions.issue_token("reset", "b", ttl_seconds=600, now=T0)
        sessions.prune(T0 + 20)
        assert sessions.store.session("S" * 22) is None
        assert sessions.find_token("reset", live, T0 + 21) is not None
        assert sessions.store.token(__import__("hashlib").sha256(used.encode()).hexdigest()) is None
    finally:
        sessions.store.close()
