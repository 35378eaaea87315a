"""The users database on a real SQLite file and a real PostgreSQL: users, sessions across two
connections (as two processes), and attempt reservations under concurrency."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from streamlit_auth_elements import AuthError, DuplicateUserError, Identity, UsersDatabase
from streamlit_auth_elements._auth import attempt_login
from streamlit_auth_elements._ratelimit import AttemptKey, RateLimitPolicy
from streamlit_auth_elements._users_database import Store, open_store

POLICY = RateLimitPolicy(max_failures=5, window_seconds=600, base_delay_seconds=1, max_delay_seconds=8)
T0 = 1_700_000_000_000


def two(database: str) -> tuple[Store, Store]:
    """Two stores on one database: two connections, as two Streamlit processes have."""
    return open_store(database), open_store(database)


def close(*stores: Store) -> None:
    for s in stores:
        s.close()


def run_threads(n: int, fn: Callable[[int], Any]) -> list[Any]:
    results: list[Any] = [None] * n
    errors: list[BaseException] = []
    barrier = threading.Barrier(n)

    def work(i: int) -> None:
        try:
            barrier.wait()
            results[i] = fn(i)
        except BaseException as err:  # noqa: BLE001
            errors.append(err)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


def test_users_are_created_with_the_servers_rules(database: str) -> None:
    users = UsersDatabase(store=open_store(database))
    try:
        alice = users.create_user("Alice", "correct horse battery staple", name=" Alice Example ", email=" Alice@Example.COM ", roles=["admin"])
        assert (alice.username, alice.username_normalized, alice.name, alice.email, alice.roles) == ("Alice", "alice", "Alice Example", "Alice@Example.COM", ("admin",))
        assert (alice.last_login, alice.logins_count, alice.disabled) == (None, 0, False)
        assert alice.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
        assert users.find_user("ALICE").id == alice.id and users.find_user("ａｌｉｃｅ").id == alice.id
        for taken in ("alice", "ALICE", "\uff41lice"):
            with pytest.raises(DuplicateUserError) as dup:
                users.create_user(taken, "correct horse battery staple")
            assert dup.value.field == "username"
        with pytest.raises(DuplicateUserError, match="confusable"):
            users.create_user("\u0430lice", "correct horse battery staple")  # Cyrillic а
        with pytest.raises(DuplicateUserError) as err:
            users.create_user("bob", "correct horse battery staple", email="alice@example.com")
        assert err.value.field == "email"
        with pytest.raises(AuthError) as bad:
            users.create_user("b", "correct horse battery staple")
        assert bad.value.code == "invalid_input"
        with pytest.raises(AuthError) as weak:
            users.create_user("bobby", "short one")
        assert weak.value.code == "weak_password"
        with pytest.raises(AuthError, match="not allowed"):
            users.create_user("bobby", "correct horse battery staple", email="a@x.com,b@evil.com")
        assert [u.username for u in users.store.list_users()] == ["Alice"]
    finally:
        users.store.close()


def test_check_password_verifies_once_and_refuses_disabled_users(database: str) -> None:
    users = UsersDatabase(store=open_store(database))
    try:
        u = users.create_user("alice", "correct horse battery staple", roles=["member"])
        assert users.check_password("alice", "correct horse battery staple", T0) == Identity(id=u.id, username="alice", roles=("member",))
        assert users.check_password("alice", "wrong", T0) is None
        assert users.check_password("nobody", "correct horse battery staple", T0) is None
        assert users.check_password("alice\0", "correct horse battery staple", T0) is None
        users.set_disabled(u.id, True)
        assert users.check_password("alice", "correct horse battery staple", T0) is None
    finally:
        users.store.close()


def test_a_bcrypt_hash_verifies_once_and_is_replaced_by_argon2id(database: str) -> None:
    import bcrypt

    users = UsersDatabase(store=open_store(database))
    try:
        u = users.create_user("alice", "placeholder password 1")
        users.store.update_password_hash(u.id, bcrypt.hashpw(b"old yaml password", bcrypt.gensalt(rounds=4)).decode(), T0)
        assert users.check_password("alice", "old yaml password", T0) is not None
        rehashed = users.find_user("alice").password_hash
        assert rehashed.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
        assert users.check_password("alice", "old yaml password", T0) is not None
    finally:
        users.store.close()


def test_sessions_are_seen_and_revoked_across_connections(database: str) -> None:
    a, b = two(database)
    try:
        ua, ub = UsersDatabase(store=a), UsersDatabase(store=b)
        user = ua.create_user("alice", "correct horse battery staple")
        ident = user.identity()
        ua.create_session("S" * 22, ident, T0 + 3_600_000, T0)
        ua.create_session("T" * 22, ident, T0 + 3_600_000, T0)
        assert ub.resume_session("S" * 22, user.id, T0 + 1) == ident
        assert ub.resume_session("S" * 22, "someone else", T0 + 1) is None, "the token's subject must own the session"
        assert ub.resume_session("S" * 22, user.id, T0 + 3_600_000) is None, "absolute expiry"
        ub.revoke_session("S" * 22, T0 + 2)
        assert ua.resume_session("S" * 22, user.id, T0 + 3) is None
        assert ua.resume_session("T" * 22, user.id, T0 + 3) == ident, "one logout ends one session"
        ub.set_password(user.id, "a brand new long password", keep_session="T" * 22)
        assert ua.resume_session("T" * 22, user.id, T0 + 4) == ident, "the session that changed it stays"
        ub.set_password(user.id, "another brand new password")
        assert ua.resume_session("T" * 22, user.id, T0 + 5) is None
        assert ua.resume_session("U" * 22, user.id, T0 + 5) is None
    finally:
        close(a, b)


def test_logins_are_counted_atomically_from_two_connections(database: str) -> None:
    a, b = two(database)
    try:
        user = UsersDatabase(store=a).create_user("alice", "correct horse battery staple")
        run_threads(30, lambda i: (a if i % 2 else b).record_login(user.id, T0 + i))
        again = a.user_by_id(user.id)
        assert again.logins_count == 30 and T0 <= again.last_login <= T0 + 29
        assert again.updated_at == user.updated_at
    finally:
        close(a, b)


def test_60_concurrent_reservations_from_two_connections_let_exactly_the_limit_through(database: str) -> None:
    a, b = two(database)
    try:
        keys = [AttemptKey("account:alice", POLICY)]
        results = run_threads(60, lambda i: (a if i % 2 else b).reserve_attempt(keys, T0))
        assert sum(1 for r in results if r.ok) == POLICY.max_failures
        assert a.failure("account:alice").count == POLICY.max_failures
        refused = [r for r in results if not r.ok]
        assert all(r.blocked_until == T0 + 1000 for r in refused)
    finally:
        close(a, b)


def test_reservations_naming_two_keys_in_opposite_orders_all_go_through(database: str) -> None:
    a, b = two(database)
    big = RateLimitPolicy(max_failures=1000, window_seconds=600, base_delay_seconds=1, max_delay_seconds=8)
    try:
        k1, k2 = AttemptKey("account:x", big), AttemptKey("address:1.2.3.4", big)
        results = run_threads(40, lambda i: (a if i % 2 else b).reserve_attempt([k1, k2] if i % 2 else [k2, k1], T0))
        assert all(r.ok for r in results)
        assert (a.failure("account:x").count, a.failure("address:1.2.3.4").count) == (40, 40)
    finally:
        close(a, b)


def test_release_gives_a_reservation_back_and_lifts_its_block(database: str) -> None:
    store = open_store(database)
    one = RateLimitPolicy(max_failures=1, window_seconds=600, base_delay_seconds=5, max_delay_seconds=8)
    try:
        r = store.reserve_attempt([AttemptKey("address:9.9.9.9", one)], T0)
        assert r.ok and r.reservations[0].blocked_until == T0 + 5000
        assert not store.reserve_attempt([AttemptKey("address:9.9.9.9", one)], T0 + 1).ok
        store.release_attempt(r.reservations[0])
        assert store.failure("address:9.9.9.9").count == 0 and store.failure("address:9.9.9.9").blocked_until is None
        store.clear_failures("address:9.9.9.9")
        assert store.failure("address:9.9.9.9") is None
    finally:
        store.close()


def test_hostile_counter_keys_stay_distinct(database: str) -> None:
    store = open_store(database)
    try:
        for key in ("account:a\0b", "account:a\\0b", "account:a\\b"):
            assert store.reserve_attempt([AttemptKey(key, POLICY)], T0).ok
        assert [store.failure(k).count for k in ("account:a\0b", "account:a\\0b", "account:a\\b")] == [1, 1, 1]
    finally:
        store.close()


def test_concurrent_wrong_passwords_get_at_most_the_limit_of_verifications(database: str) -> None:
    """The whole login path (attempt_login): 20 guesses at once, from two connections."""
    a, b = two(database)
    try:
        UsersDatabase(store=a).create_user("alice", "correct horse battery staple")
        counted = {"n": 0}
        lock = threading.Lock()

        class Counting(UsersDatabase):
            def check_password(self, username: str, password: str, now: int) -> Identity | None:
                with lock:
                    counted["n"] += 1
                return super().check_password(username, password, now)

        backends = [Counting(store=a), Counting(store=b)]
        outcomes = run_threads(
            20, lambda i: attempt_login(backends[i % 2], "alice", f"guess {i}", client="203.0.113.1", account_policy=POLICY, now=T0)
        )
        assert counted["n"] == POLICY.max_failures
        assert sorted(o.code for o in outcomes).count("rate_limited") == 20 - POLICY.max_failures
        # The owner is let in again once the block has passed (no permanent lockout).
        ok = attempt_login(backends[0], "alice", "correct horse battery staple", client="203.0.113.1", account_policy=POLICY, now=T0 + 10_000)
        assert ok.identity is not None and a.failure("account:alice") is None
    finally:
        close(a, b)


_RESERVE_WORKER = """
import sys, time
from pathlib import Path
from streamlit_auth_elements._ratelimit import AttemptKey, RateLimitPolicy
from streamlit_auth_elements._users_database import open_store
path, go, n = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
store = open_store(path)
keys = [AttemptKey("account:bob", RateLimitPolicy(max_failures=5, window_seconds=600, base_delay_seconds=1, max_delay_seconds=8))]
while not go.exists():
    time.sleep(0.01)
print(sum(1 for _ in range(n) if store.reserve_attempt(keys, 1_700_000_000_000).ok))
store.close()
"""


def test_reservations_from_four_processes_on_one_sqlite_file(tmp_path: Path) -> None:
    """Four OS processes (not threads: each has its own connection and its own GIL) race on one file."""
    path = str(tmp_path / "auth.db")
    open_store(path).close()
    go = tmp_path / "go"
    procs = [
        subprocess.Popen([sys.executable, "-c", _RESERVE_WORKER, path, str(go), "10"], stdout=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    go.touch()
    totals = [int(p.communicate(timeout=120)[0].strip()) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0]
    assert sum(totals) == POLICY.max_failures
    store = open_store(path)
    try:
        assert store.failure("account:bob").count == POLICY.max_failures
    finally:
        store.close()


def test_a_database_from_a_newer_version_is_refused(database: str) -> None:
    store = open_store(database)
    try:
        if store.kind == "sqlite":
            store._run("UPDATE schema_version SET version = version + 1")  # type: ignore[attr-defined]
        else:
            store._run("UPDATE schema_version SET version = version + 1")  # type: ignore[attr-defined]
    finally:
        store.close()
    with pytest.raises(RuntimeError, match="newer than this package"):
        open_store(database)


def test_opening_twice_migrates_once_and_keeps_the_data(database: str) -> None:
    a, b = two(database)
    try:
        UsersDatabase(store=a).create_user("alice", "correct horse battery staple")
    finally:
        close(a, b)
    c = open_store(database)
    try:
        assert c.user_by_normalized_name("alice") is not None
    finally:
        c.close()
