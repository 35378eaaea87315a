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
class NewUserRow:
    """A user to insert, every column computed (normalized forms, skeletons, hash) by the caller."""

    id: str
    username: str
    username_normalized: str
    name: str
    email: str
    email_normalized: str
    password_hash: str
    roles: tuple[str, ...]
    disabled: bool
    skeletons: tuple[str, ...]
    now: int


@dataclass(frozen=True)
class SessionRecord:
    """A row of the ``sessions`` table."""

    id: str
    user_id: str
    created_at: int
    absolute_expires_at: int
    revoked_at: int | None


#: The per-run check: a session and its user in one query (``{}`` is the store's placeholder).
SESSION_WITH_USER_SQL = (
    "SELECT s.id AS s_id, s.user_id AS s_user_id, s.created_at AS s_created_at,"
    " s.absolute_expires_at AS s_absolute_expires_at, s.revoked_at AS s_revoked_at, u.*"
    " FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = {}"
)


def session_record(row: Any, prefix: str = "") -> SessionRecord:
    """A SessionRecord from a row (a mapping) of the sessions table, its columns named ``prefix + name``."""
    revoked = row[prefix + "revoked_at"]
    return SessionRecord(
        id=row[prefix + "id"],
        user_id=row[prefix + "user_id"],
        created_at=int(row[prefix + "created_at"]),
        absolute_expires_at=int(row[prefix + "absolute_expires_at"]),
        revoked_at=None if revoked is None else int(revoked),
    )


@dataclass(frozen=True)
class ResetTokenRecord:
    """A row of ``reset_tokens``: only the SHA-256 hex of the token is ever stored."""

    token_hash: str
    user_id: str
    expires_at: int
    used_at: int | None
    created_at: int


@dataclass(frozen=True)
class PendingRegistration:
    """A row of ``pending_registrations``: a registration waiting for the proof of its mailbox (the
    password already hashed, the mailed token kept as its SHA-256 hex)."""

    token_hash: str
    username: str
    name: str
    email: str
    password_hash: str
    expires_at: int
    used_at: int | None = None
    created_at: int = 0


@dataclass(frozen=True)
class OutboxMessage:
    """A row of the development ``outbox`` (shared with the reference server's demo mailbox)."""

    id: str
    to: str
    subject: str
    text: str
    html: str | None
    created_at: int


def reset_token_record(row: Any) -> ResetTokenRecord:
    used = row["used_at"]
    return ResetTokenRecord(
        token_hash=row["token_hash"],
        user_id=row["user_id"],
        expires_at=int(row["expires_at"]),
        used_at=None if used is None else int(used),
        created_at=int(row["created_at"]),
    )


def pending_registration(row: Any) -> PendingRegistration:
    used = row["used_at"]
    return PendingRegistration(
        token_hash=row["token_hash"],
        username=row["username"],
        name=row["name"],
        email=row["email"],
        password_hash=row["password_hash"],
        expires_at=int(row["expires_at"]),
        used_at=None if used is None else int(used),
        created_at=int(row["created_at"]),
    )


def outbox_message(row: Any) -> OutboxMessage:
    return OutboxMessage(
        id=str(row["id"]),
        to=row["recipient"],
        subject=row["subject"],
        text=row["text_body"],
        html=row["html_body"],
        created_at=int(row["created_at"]),
    )


#: The look-alike check (the server's findConfusableUser): the oldest user holding the normalized
#: username or one of its skeletons (``{}`` is the store's placeholder, three times).
CONFUSABLE_USER_SQL = (
    "SELECT * FROM users WHERE username_normalized = {0}"
    " OR id IN (SELECT user_id FROM username_skeletons WHERE skeleton IN ({0}, {0}))"
)


class NotPreauthorizedError(ValueError):
    """create_user with ``consume_preauthorized_email`` for an email that is not (or no longer) on
    the pre-authorized list. Nothing was written."""


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
