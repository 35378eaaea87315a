"""What ``Auth`` needs from a backend, in two parts.

1. **The credentials** (``Credentials``): check a password, count a login, say who a session's user
   is now; and the account operations (``AccountOperations``), each optional: a backend that lacks
   one (or raises ``AuthError("unsupported")``) makes the widget answer ``unsupported``.
2. **The session store** (``SessionStore``): sessions and their revocation, and the failure counters
   (the login throttle, the register and forgot limits), so that every Streamlit process sees the
   same sessions and the same counts.

``UsersDatabase`` is both (the reference server's tables). A backend with no users table of its own
(a YAML users file, a JWT API) implements ``Credentials`` (and the account operations it can) and
is given a ``SessionDatabase`` as its session store: ``Auth(backend, sessions=SessionDatabase())``.

Times are milliseconds since the epoch. Account operations raise ``AuthError`` with the kit's codes
(src/core/errors.ts): ``invalid_input`` and ``weak_password`` with the reason as ``description``
(``weak_password`` also machine-readable in ``details``: ``{"reason": "too_short", "min": 15}``),
``rate_limited`` with ``retry_after``, ``registration_not_allowed``, ``username_taken``,
``email_taken``, ``invalid_credentials``, ``reset_token_invalid``, ``verification_token_invalid``,
``session_expired``, ``unsupported``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol, TypeVar, runtime_checkable

from ._errors import AuthError
from ._ratelimit import (
    ACCOUNT_POLICY,
    ADDRESS_POLICY,
    AttemptKey,
    AttemptResult,
    FailureRecord,
    RateLimitPolicy,
    account_key,
    address_key,
)
from ._records import Identity

T = TypeVar("T")

#: The role that makes a superuser: the reference server's (``auth-admin create-superuser`` gives
#: it; server/README.md "``admin`` is the superuser role"). One meaning for both.
SUPERUSER_ROLE = "admin"


@runtime_checkable
class SessionStore(Protocol):
    """Sessions and failure counters, shared by every process of the app."""

    def create_session(self, session_id: str, identity: Identity, absolute_expires_at: int, now: int) -> None: ...

    def resume_session(self, session_id: str, subject: str, now: int) -> Identity | None:
        """The identity the session was created for (or, for a store that reads the user's row,
        the user as they are now) while the session is live and belongs to ``subject``; else None."""
        ...

    def revoke_session(self, session_id: str, now: int) -> None: ...

    def revoke_user_sessions(self, user_id: str, now: int, *, except_session: str = "") -> None:
        """End every session of the user but ``except_session`` (a password change keeps its own)."""
        ...

    def reserve_attempt(self, keys: Sequence[AttemptKey], now: int) -> AttemptResult:
        """Count one failure on every key BEFORE a password is verified, atomically, or refuse
        (nothing counted) while a key is blocked (see _ratelimit.py)."""
        ...

    def release_attempt(self, reservation: FailureRecord) -> None: ...

    def clear_failures(self, key: str) -> None: ...

    def record_failure(self, key: str, now: int, policy: RateLimitPolicy) -> FailureRecord:
        """Count one failure (or request) on ``key``; the counter after it."""
        ...

    def get_block(self, key: str, now: int) -> int | None:
        """``blocked_until`` while ``key`` is blocked at ``now``, else None."""
        ...


@runtime_checkable
class Credentials(Protocol):
    """Who may sign in. The account operations (``AccountOperations``) are optional extras."""

    def check_password(self, username: str, password: str, now: int) -> Identity | None:
        """The identity when the password is right and the account may sign in, else None. Verify
        exactly once whatever the case (an unknown user costs the same as a wrong password)."""
        ...

    def record_login(self, identity: Identity, now: int) -> None:
        """A successful login (``last_login``, ``logins_count``); may do nothing."""
        ...

    def current_identity(self, identity: Identity, now: int, *, session_id: str = "") -> Identity | None:
        """Every script run, after the session store confirmed the session ``session_id``: the
        user as they are now (new name, roles; a JWT API backend may refresh its token here and
        store it with ``SessionDatabase.update_session_identity``), or None when they may no
        longer be signed in (deleted, disabled). A backend whose session store already read the
        user's row returns ``identity``."""
        ...


@runtime_checkable
class CredentialBackend(Credentials, SessionStore, Protocol):
    """A backend that is its own session store (``UsersDatabase``)."""


@dataclass(frozen=True)
class AccountContext:
    """What an account operation knows of its request besides the inputs."""

    #: Where the throttles count (and where sessions are revoked).
    sessions: SessionStore
    #: The client's rate-limit address (IPv4, or IPv6 by /64), or None when Streamlit does not know it.
    client: str | None
    now: int
    #: The session that asks (change_password keeps it), if any.
    session_id: str = ""
    #: The login throttle (a current password is checked through it, on the login's keys).
    account_policy: RateLimitPolicy = ACCOUNT_POLICY
    address_policy: RateLimitPolicy = ADDRESS_POLICY
    #: What the app passed as ``options=`` with the widget's call, for the backend (e.g. a
    #: compatibility layer's per-call ``pre_authorized`` or ``domains``); this package's own
    #: backends ignore it.
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def client_key(self) -> str:
        """The address part of the register and forgot counters' keys. Without a known address
        every such request shares one counter ("unknown"), as behind a proxy the server does not
        trust: the limits still hold, for everyone together."""
        return self.client if self.client is not None else "unknown"


class Registration(NamedTuple):
    """A registration that went through: the account exists (``verification_sent`` False), or a
    link and a code were mailed to finish it (True). Streamlit-Authenticator's ``register_user``
    returns ``(email, username, name)``."""

    username: str
    email: str
    name: str
    verification_sent: bool


class PasswordResetRequest(NamedTuple):
    """What a forgot-password request did, for the app (never for the visitor, whose widget answers
    the same whatever happened): the account it matched (``username``, ``email``; None when none
    matched, or when no code was issued: disabled, throttled), and the single-use ``code`` when no
    mail is configured (the app delivers it, as Streamlit-Authenticator's apps delivered its new
    password); None when the link and code were mailed. Never a password."""

    username: str | None
    email: str | None
    code: str | None


class UsernameReminder(NamedTuple):
    """What a forgot-username request matched (None, None when nothing), for the app: the username
    was mailed when mail is configured; otherwise the app delivers it."""

    username: str | None
    email: str | None


class AccountOperations(Protocol):
    """The account operations of PROTOCOL.md, each optional (see the module's doc)."""

    def register(self, ctx: AccountContext, *, username: str, email: str, password: str, name: str = "", roles: Sequence[str] = ()) -> Registration: ...

    def verify_registration(self, ctx: AccountContext, *, token: str, roles: Sequence[str] = ()) -> Registration: ...

    def change_password(self, ctx: AccountContext, identity: Identity, *, current_password: str, new_password: str) -> None: ...

    def request_password_reset(self, ctx: AccountContext, *, login: str) -> PasswordResetRequest: ...

    def reset_password(self, ctx: AccountContext, *, token: str, password: str) -> Identity:
        """Whose password was reset (every session of theirs ended)."""
        ...

    def request_username_reminder(self, ctx: AccountContext, *, email: str) -> UsernameReminder: ...

    def update_details(
        self, ctx: AccountContext, identity: Identity, *, name: str | None = None, email: str | None = None, current_password: str | None = None
    ) -> Identity: ...

    #: The policy's minimum length, shown by the new-password fields (optional attribute).
    password_min_length: int


ACCOUNT_OPERATIONS = (
    "register",
    "verify_registration",
    "change_password",
    "request_password_reset",
    "reset_password",
    "request_username_reminder",
    "update_details",
)

UNSUPPORTED_MESSAGE = "This operation is not available here."


def unsupported() -> AuthError:
    return AuthError("unsupported", UNSUPPORTED_MESSAGE)


def rate_limited(retry_after: int, what: str) -> AuthError:
    """The server's 429: ``Too many <what>. Try again later.``"""
    return AuthError("rate_limited", f"Too many {what}. Try again later.", retry_after=retry_after)


def retry_after_seconds(until: int, now: int) -> int:
    return max(1, math.ceil((until - now) / 1000))


def throttled_check(
    sessions: SessionStore,
    normalized_username: str,
    client: str | None,
    check: Callable[[], T | None],
    *,
    account_policy: RateLimitPolicy,
    address_policy: RateLimitPolicy,
    now: int,
) -> tuple[T | None, int | None]:
    """One password check counted as the reference server counts it (loginThrottle.reserve): a
    failure is reserved on ``account:<username>`` (and ``address:<client>`` when known) BEFORE
    ``check`` runs, atomically, or the attempt is refused while a key is blocked: ``(None,
    retry_after)``. A right password (``check`` returns a value) clears the account's failures and
    gives the address its reservation back. Returns ``(result, None)``."""
    keys = [AttemptKey(account_key(normalized_username), account_policy)]
    if client is not None:
        keys.append(AttemptKey(address_key(client), address_policy))
    attempt = sessions.reserve_attempt(keys, now)
    if not attempt.ok:
        return None, retry_after_seconds(attempt.blocked_until or now, now)
    try:
        result = check()
    except AuthError:
        # The backend says it could not judge the password (a JWT API's 429 or outage): the attempt
        # counts on no key. (Any other exception leaves it counted.)
        for reservation in attempt.reservations:
            sessions.release_attempt(reservation)
        raise
    if result is None:
        return None, None
    sessions.clear_failures(keys[0].key)
    if len(attempt.reservations) > 1:
        sessions.release_attempt(attempt.reservations[1])
    return result, None
