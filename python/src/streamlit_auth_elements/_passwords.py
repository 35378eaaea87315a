"""Password hashes in the reference server's formats (server/passwords.ts), so one users database
serves both: argon2id PHC strings with the server's parameters (m=19456 KiB, t=2, p=1, 16-byte salt,
32-byte hash) for every new hash; bcrypt (``$2a$``/``$2b$``/``$2y$``, imported from a
Streamlit-Authenticator file) only verified, then replaced by argon2id after a successful login.

bcrypt reads only the first 72 bytes of a password, so a password longer than 72 UTF-8 bytes never
verifies against a bcrypt hash (otherwise any string sharing those 72 bytes would log in).
"""

from __future__ import annotations

import re
import secrets
import threading

import bcrypt
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

ARGON2_MEMORY_COST = 19456
ARGON2_TIME_COST = 2
ARGON2_PARALLELISM = 1

_HASHER = PasswordHasher(
    time_cost=ARGON2_TIME_COST,
    memory_cost=ARGON2_MEMORY_COST,
    parallelism=ARGON2_PARALLELISM,
    hash_len=32,
    salt_len=16,
    type=Type.ID,
)

_BCRYPT_HASH = re.compile(r"^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$")
BCRYPT_MAX_PASSWORD_BYTES = 72
_ARGON2_PARAMS = re.compile(r"^\$(argon2(?:id|i|d))\$v=\d+\$m=(\d+),t=(\d+),p=(\d+)\$")


def _utf8(password: str) -> bytes | None:
    """UTF-8 bytes, or None for a string that has none (a lone surrogate): it matches nothing."""
    try:
        return password.encode("utf-8")
    except UnicodeEncodeError:
        return None


def hash_password(password: str) -> str:
    """A new argon2id PHC string for ``password``."""
    if _utf8(password) is None:
        raise ValueError("the password is not valid Unicode (lone surrogate)")
    return _HASHER.hash(password)


def is_bcrypt_hash(encoded: str) -> bool:
    return _BCRYPT_HASH.match(encoded) is not None


def verify_bcrypt(encoded: str, password: str) -> bool:
    data = _utf8(password)
    if data is None or not is_bcrypt_hash(encoded) or len(data) > BCRYPT_MAX_PASSWORD_BYTES:
        return False
    # $2y$ is PHP's name for $2b$ (the same algorithm).
    stored = ("$2b$" + encoded[4:]) if encoded.startswith("$2y$") else encoded
    try:
        return bcrypt.checkpw(data, stored.encode("ascii"))
    except ValueError:
        return False


def verify_password(encoded: str, password: str) -> bool:
    """Whether ``password`` matches a stored hash of either kind. Never raises for a mismatch or a
    malformed stored hash (that is a mismatch, never a match)."""
    if is_bcrypt_hash(encoded):
        return verify_bcrypt(encoded, password)
    if _utf8(password) is None:
        return False
    try:
        return _HASHER.verify(encoded, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError, ValueError):
        return False


def argon2_params(encoded: str) -> tuple[str, int, int, int] | None:
    """(variant, m, t, p) of an argon2 PHC string, or None."""
    m = _ARGON2_PARAMS.match(encoded)
    if m is None:
        return None
    return m.group(1), int(m.group(2)), int(m.group(3)), int(m.group(4))


def needs_rehash(encoded: str) -> bool:
    """After a successful login: any bcrypt hash, and any argon2 hash that is not argon2id or is
    weaker than the server's parameters, is replaced (the server's rule, server/passwords.ts)."""
    if is_bcrypt_hash(encoded):
        return True
    params = argon2_params(encoded)
    if params is None:
        return False
    variant, m, t, _p = params
    return variant != "argon2id" or m < ARGON2_MEMORY_COST or t < ARGON2_TIME_COST


_dummy_lock = threading.Lock()
_dummy_hash: str | None = None


def dummy_hash() -> str:
    """A hash of a random password, verified when the user does not exist: an unknown user costs
    the same work as a wrong password."""
    global _dummy_hash
    with _dummy_lock:
        if _dummy_hash is None:
            _dummy_hash = hash_password(secrets.token_urlsafe(32))
        return _dummy_hash


def verify_password_or_dummy(stored: str | None, password: str) -> bool:
    """Verify exactly once: against ``stored``, or against the dummy hash when there is no user."""
    ok = verify_password(stored if stored is not None else dummy_hash(), password)
    return stored is not None and ok
