"""Hash formats (the reference server's) and the throttle's arithmetic."""

from __future__ import annotations

import bcrypt
import pytest

from streamlit_auth_elements._passwords import (
    dummy_hash,
    hash_password,
    needs_rehash,
    verify_password,
    verify_password_or_dummy,
)
from streamlit_auth_elements._ratelimit import FailureRecord, RateLimitPolicy, address_group, block_duration_ms, next_failure


def test_new_hashes_are_argon2id_with_the_servers_parameters() -> None:
    h = hash_password("correct horse battery staple")
    assert h.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    salt, digest = h.split("$")[4:6]
    assert (len(salt), len(digest)) == (22, 43)  # 16 and 32 bytes, base64 without padding
    assert verify_password(h, "correct horse battery staple")
    assert not verify_password(h, "correct horse battery stapl")
    assert not needs_rehash(h)


@pytest.mark.parametrize("prefix", ["$2a$", "$2b$", "$2y$"])
def test_bcrypt_hashes_verify_and_ask_for_a_rehash(prefix: str) -> None:
    h = bcrypt.hashpw(b"secret password", bcrypt.gensalt(rounds=4)).decode()
    h = prefix + h[4:]
    assert verify_password(h, "secret password")
    assert not verify_password(h, "secret passwore")
    assert needs_rehash(h)


def test_bcrypt_never_matches_a_password_past_72_bytes() -> None:
    long = "x" * 72
    h = bcrypt.hashpw(long.encode(), bcrypt.gensalt(rounds=4)).decode()
    assert verify_password(h, long)
    assert not verify_password(h, long + "anything")


@pytest.mark.parametrize(
    "encoded,rehash",
    [
        ("$argon2i$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$aGFzaA", True),
        ("$argon2id$v=19$m=4096,t=2,p=1$c29tZXNhbHQ$aGFzaA", True),
        ("$argon2id$v=19$m=19456,t=1,p=1$c29tZXNhbHQ$aGFzaA", True),
        ("$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$aGFzaA", False),
        ("plain text", False),
    ],
)
def test_needs_rehash_follows_the_server(encoded: str, rehash: bool) -> None:
    assert needs_rehash(encoded) is rehash


@pytest.mark.parametrize("stored", ["", "plain text", "$argon2id$v=19$m=19456,t=2,p=1$broken", "$2b$04$short"])
def test_a_malformed_stored_hash_is_a_mismatch_never_an_error(stored: str) -> None:
    assert verify_password(stored, "plain text") is False


def test_a_lone_surrogate_matches_nothing() -> None:
    assert verify_password(hash_password("pw"), "pw\ud800") is False


def test_an_unknown_user_costs_one_verification_and_never_matches() -> None:
    assert verify_password_or_dummy(None, "anything") is False
    assert dummy_hash() == dummy_hash()


POLICY = RateLimitPolicy(max_failures=3, window_seconds=600, base_delay_seconds=2, max_delay_seconds=10)


def test_counts_block_from_the_limit_doubling_capped_like_the_server() -> None:
    record = None
    blocks = []
    for i in range(7):
        record = next_failure(record, "k", 1000 + i, POLICY)
        blocks.append(None if record.blocked_until is None else record.blocked_until - (1000 + i))
    assert record == FailureRecord("k", 7, 1000, 1006 + 10_000)
    assert blocks == [None, None, 2000, 4000, 8000, 10_000, 10_000]
    assert block_duration_ms(3 + 100, POLICY) == 10_000


def test_a_new_window_starts_once_the_old_one_has_passed() -> None:
    first = next_failure(None, "k", 0, POLICY)
    assert next_failure(first, "k", 600_000, POLICY) == FailureRecord("k", 1, 600_000, None)
    assert next_failure(first, "k", 599_999, POLICY).count == 2


@pytest.mark.parametrize(
    "address,group",
    [
        ("203.0.113.9", "203.0.113.9"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
        ("2001:db8:0:1:2:3:4:5", "2001:db8:0:1::/64"),
        ("2001:0DB8:0000:0001::5", "2001:db8:0:1::/64"),
        ("fe80::1%eth0", "fe80:0:0:0::/64"),
        (None, None),
        ("", None),
        ("not an address", None),
    ],
)
def test_address_groups_like_the_server(address: str | None, group: str | None) -> None:
    assert address_group(address) == group
