"""Records shared by the stores, the backends and the core."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Identity:
    """Who a session belongs to, as the app sees it (``st.session_state`` keys, the widgets)."""

    id: str
    username: str
    name: str = ""
    email: str = ""
    roles: tuple[str, ...] = ()
    #: Backend-specific data (phase 2: every key of a JWT API's response, say). Never sent to the
    #: browser.
    extra: Mapping[str, Any] = field(default_factory=dict)

    def public(self) -> dict[str, Any]:
        """What the widgets may show (PROTOCOL.md ``session.user``)."""
        return {"id": self.id, "username": self.username, "name": self.name, "email": self.email, "roles": list(self.roles)}


@dataclass(frozen=True)
class UserRecord:
    """A row of the reference server's ``users`` table (times in ms since the epoch)."""

    id: str
    username: str
    username_normalized: str
    name: str
    email: str
    password_hash: str
    roles: tuple[str, ...]
    disabled: bool
    created_at: int
    updated_at: int
    last_login: int | None
    logins_count: int

    def identity(self) -> Identity:
        return Identity(id=self.id, username=self.username, name=self.name, email=self.email, roles=self.roles)


@dataclass(frozen=True)
class SessionRecord:
    """A row of the ``sessions`` table."""

    id: str
    user_id: str
    created_at: int
    absolute_expires_at: int
    revoked_at: int | None


class DuplicateUserError(ValueError):
    """The username (or a look-alike of it) or the non-empty email belongs to another user."""

    def __init__(self, message: str, field: str = "username"):
        super().__init__(message)
        self.field = field


def duplicate_user_error(kind: str, username: str) -> DuplicateUserError:
    """``taken``, ``lookalike`` or ``email``: the server's messages (server/store/types.ts)."""
    import json

    if kind == "email":
        return DuplicateUserError("this email belongs to another user", "email")
    what = "is taken" if kind == "taken" else "looks like another user's (confusable characters)"
    return DuplicateUserError(f"username {json.dumps(username, ensure_ascii=False)} {what}", "username")
