"""Streamlit-Authenticator's ``Hasher``: bcrypt hashes, the very format that library writes and
reads (``$2b$``, cost 12), so a users file keeps working with it.

Both APIs: the old ``Hasher(['pw1', 'pw2']).generate()`` (0.2 and 0.3) and today's class methods
``Hasher.hash``, ``hash_list``, ``hash_passwords``, ``check_pw`` and ``is_hash``. ``check_pw`` and
``is_hash`` also know the argon2id hashes a users file holds with ``hash_scheme="argon2id"``.
bcrypt reads only the first 72 bytes of a password: a longer one is refused (ValueError), never
silently cut."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ...._passwords import verify_password
from ...._users_file import BCRYPT_DEFAULT_ROUNDS, bcrypt_hash, is_hash


class Hasher:
    """Hashes plain text passwords (bcrypt) and checks them."""

    def __init__(self, passwords: Iterable[str] | None = None) -> None:
        self.passwords = list(passwords) if passwords is not None else None

    def generate(self) -> list[str]:
        """The hashes of the passwords given to ``Hasher([...])`` (the 0.2/0.3 API)."""
        if self.passwords is None:
            raise TypeError("Hasher(passwords).generate() hashes the passwords given to Hasher: Hasher(['pw']).generate(), or Hasher.hash_list(['pw'])")
        return self.hash_list(self.passwords)

    @classmethod
    def hash(cls, password: str) -> str:
        """A bcrypt hash of ``password`` (cost 12, as Streamlit-Authenticator makes them)."""
        return bcrypt_hash(str(password), BCRYPT_DEFAULT_ROUNDS)

    @classmethod
    def hash_list(cls, passwords: Iterable[str]) -> list[str]:
        return [cls.hash(p) for p in passwords]

    @classmethod
    def hash_passwords(cls, credentials: Mapping[str, Any]) -> Mapping[str, Any]:
        """Hash, in place, every plain text ``password`` of ``credentials['usernames']`` (hashes
        and users without a password are left as they are); returns ``credentials``."""
        for user in (credentials.get("usernames") or {}).values():
            password = user.get("password") if isinstance(user, Mapping) else None
            if password is None or password == "" or is_hash(password):
                continue
            user["password"] = cls.hash(str(password))  # type: ignore[index]
        return credentials

    @classmethod
    def check_pw(cls, password: str, hashed_password: str) -> bool:
        """Whether ``password`` matches the hash (bcrypt or argon2id). A value that is not a hash
        never matches."""
        return isinstance(hashed_password, str) and verify_password(hashed_password, password)

    @classmethod
    def is_hash(cls, hash_string: str) -> bool:
        """Whether the value is a bcrypt (or argon2) hash rather than a plain text password."""
        return is_hash(hash_string)

    # The 0.3 names.
    _hash = hash
    _is_hash = is_hash


__all__ = ["Hasher"]
