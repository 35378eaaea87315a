"""The users-database credential backend: users, sessions and failure counters in the reference
server's own tables (SQLite file by default, PostgreSQL by URL), so one database serves the server
and any number of Streamlit processes.

Streamlit sessions are rows of the server's ``sessions`` table (``id``, ``user_id``, created,
absolute expiry, ``revoked_at``), with no refresh token: a password change or reset on the server
(which revokes every session of the user), ``auth-admin disable`` and a deleted user (cascade) end
them exactly as they end the server's own sessions, with no second revocation list to keep in step.
The server can do nothing with such a row without a refresh token or an access token it signed.
"""

from __future__ import annotations

import os
import re
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from ._accounts import DatabaseAccounts
from ._errors import AuthConfigError, AuthError
from ._identity import check_email, check_name, check_username, normalize_email, normalize_username, username_skeletons
from ._mail import DEFAULT_MAIL_FROM, Mailer, MailQueue, OutboxMailer, SmtpMailer
from ._passwords import hash_password, needs_rehash, verify_password_or_dummy
from ._policy import DEFAULT_PASSWORD_MIN, PASSWORD_MAX_LENGTH, AccountSettings, RegistrationMode, password_refusal, settings_from_env
from ._ratelimit import AttemptKey, AttemptResult, FailureRecord, RateLimitPolicy
from ._records import (
    Identity,
    NewUserRow,
    OutboxMessage,
    PendingRegistration,
    ResetTokenRecord,
    SessionRecord,
    UserRecord,
)
from ._sqlite_store import SqliteStore

# The names phase 1 exported from here (the policy lives in _policy.py now).
PASSWORD_MIN_LENGTH = DEFAULT_PASSWORD_MIN
__all__ = ["PASSWORD_MAX_LENGTH", "PASSWORD_MIN_LENGTH", "UsersDatabase", "open_store", "shared_store", "now_ms"]


class Store(Protocol):
    """What both database stores offer (SqliteStore, PostgresStore)."""

    kind: str

    def create_user(self, row: NewUserRow, *, consume_preauthorized_email: str | None = None) -> UserRecord: ...
    def find_confusable_user(self, username: str) -> UserRecord | None: ...
    def user_by_email(self, email: str) -> UserRecord | None: ...
    def update_user_details(self, user_id: str, *, name: str | None = None, email: str | None = None, now: int) -> UserRecord | None: ...
    def user_by_normalized_name(self, normalized: str) -> UserRecord | None: ...
    def user_by_id(self, user_id: str) -> UserRecord | None: ...
    def list_users(self) -> list[UserRecord]: ...
    def update_password_hash(self, user_id: str, password_hash: str, now: int) -> None: ...
    def set_disabled(self, user_id: str, disabled: bool, now: int) -> None: ...
    def set_roles(self, user_id: str, roles: Sequence[str], now: int) -> None: ...
    def record_login(self, user_id: str, now: int) -> None: ...
    def create_session(self, session_id: str, user_id: str, absolute_expires_at: int, now: int) -> None: ...
    def session_with_user(self, session_id: str) -> tuple[SessionRecord, UserRecord] | None: ...
    def get_session(self, session_id: str) -> SessionRecord | None: ...
    def revoke_session(self, session_id: str, now: int) -> None: ...
    def revoke_all_sessions_of_user(self, user_id: str, now: int, except_session: str = "") -> None: ...
    def reserve_attempt(self, keys: Sequence[AttemptKey], now: int) -> AttemptResult: ...
    def release_attempt(self, reservation: FailureRecord) -> None: ...
    def clear_failures(self, key: str) -> None: ...
    def record_failure(self, key: str, now: int, policy: RateLimitPolicy) -> FailureRecord: ...
    def get_block(self, key: str, now: int) -> int | None: ...
    def failure(self, key: str) -> FailureRecord | None: ...
    def insert_reset_token(self, token_hash: str, user_id: str, expires_at: int, now: int) -> None: ...
    def consume_reset_token(self, token_hash: str, now: int) -> str | None: ...
    def find_reset_token(self, token_hash: str) -> ResetTokenRecord | None: ...
    def insert_pending_registration(self, r: PendingRegistration, now: int) -> None: ...
    def consume_pending_registration(self, token_hash: str, now: int) -> PendingRegistration | None: ...
    def find_pending_registration(self, token_hash: str) -> PendingRegistration | None: ...
    def is_preauthorized_email(self, email: str) -> bool: ...
    def add_preauthorized_emails(self, emails: Sequence[str], now: int) -> int: ...
    def remove_preauthorized_emails(self, emails: Sequence[str]) -> int: ...
    def list_preauthorized_emails(self) -> list[str]: ...
    def add_outbox_message(self, to: str, subject: str, text: str, html: str | None, now: int) -> None: ...
    def list_outbox(self, limit: int) -> list[OutboxMessage]: ...
    def close(self) -> None: ...


def is_postgres_url(database: str) -> bool:
    return database.startswith(("postgres://", "postgresql://"))


def open_store(database: str | os.PathLike[str], *, warn: Callable[[str], None] | None = None) -> Store:
    """A new store on ``database``: a ``postgres://`` / ``postgresql://`` URL, else a SQLite file."""
    text = os.fspath(database)
    if is_postgres_url(text):
        try:
            from ._postgres_store import PostgresStore
        except ImportError as err:  # pragma: no cover - depends on the extra
            raise ImportError(
                "PostgreSQL needs psycopg 3: pip install 'streamlit-auth-elements[postgres]'"
            ) from err
        return PostgresStore(text, warn=warn)
    return SqliteStore(text, warn=warn)


_stores: dict[str, Store] = {}
_stores_lock = threading.Lock()


def shared_store(database: str | os.PathLike[str]) -> Store:
    """One store per database per process (Streamlit reruns the script, building the backend
    again each time: the connection and the migration check happen once)."""
    text = os.fspath(database)
    key = text if is_postgres_url(text) else "sqlite:" + os.path.realpath(text)
    with _stores_lock:
        store = _stores.get(key)
        if store is None:
            store = open_store(text)
            _stores[key] = store
        return store


def now_ms() -> int:
    return int(time.time() * 1000)


def _env_flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


class UsersDatabase(DatabaseAccounts):
    """Users in a database shared with the reference server: the credentials, the account
    operations and the session store of ``Auth``, all on the server's tables.

    ``UsersDatabase()`` uses ``AUTH_DATABASE_URL`` when set (PostgreSQL), else the SQLite file
    ``AUTH_DB``, else ``auth.db`` in the working directory; ``UsersDatabase("users.db")`` or
    ``UsersDatabase("postgresql://user:pw@host/db")`` name one. Building it again on every rerun
    costs nothing: the store is opened once per process.

    Account rules (the reference server's; each falls back to the server's environment variable,
    then to the server's default): ``registration`` (``AUTH_REGISTRATION``: ``open``,
    ``preauthorized``, ``closed``), ``allowed_domains`` (``AUTH_ALLOWED_DOMAINS``),
    ``password_min_length`` (``AUTH_PASSWORD_MIN``, 15), ``app_url`` (``AUTH_APP_URL``: the page the
    mailed links lead to), or a whole ``settings=AccountSettings(...)``.

    Mail: ``mail="smtp://user:pass@host:587"`` (or ``smtps://…:465``; ``AUTH_SMTP_URL``),
    ``mail="outbox"`` (the development outbox: the database's ``outbox`` table, also chosen by
    ``AUTH_DEMO=1`` as on the server), a ``Mailer`` object, or None (no mail: registrations create
    the account at once; forgot-password gives the app the reset code). ``mail_from``
    (``AUTH_MAIL_FROM``). SMTP needs ``app_url``.
    """

    def __init__(
        self,
        database: str | os.PathLike[str] | None = None,
        *,
        store: Store | None = None,
        registration: RegistrationMode | None = None,
        allowed_domains: Sequence[str] | None = None,
        password_min_length: int | None = None,
        app_url: str | None = None,
        mail: str | Mailer | None = None,
        mail_from: str | None = None,
        settings: AccountSettings | None = None,
        env: Mapping[str, str] | None = None,
    ):
        env = os.environ if env is None else env
        if store is None:
            if database is None:
                database = env.get("AUTH_DATABASE_URL") or env.get("AUTH_DB") or "auth.db"
            store = shared_store(database)
        self.store: Store = store
        if settings is None:
            settings = settings_from_env(
                env, registration=registration, allowed_domains=allowed_domains, password_min_length=password_min_length, app_url=app_url
            )
        self.settings = settings
        self.mail = self._mail_queue(mail, mail_from, env)

    def _mail_queue(self, mail: str | Mailer | None, mail_from: str | None, env: Mapping[str, str]) -> MailQueue | None:
        if mail is None:
            mail = env.get("AUTH_SMTP_URL") or ("outbox" if _env_flag(env.get("AUTH_DEMO")) else None)
        if mail is None:
            return None
        if isinstance(mail, str):
            if mail == "outbox":
                return shared_mail_queue(("outbox", self.store), lambda: OutboxMailer(self.store.add_outbox_message, now_ms))
        return smtp_mail_queue(mail, mail_from, self.settings.app_url, env, "an smtp:// or smtps:// URL, 'outbox', a Mailer, or None")

    # ---- the credentials (used by Auth) ----

    def check_password(self, username: str, password: str, now: int) -> Identity | None:
        """The identity when ``password`` is right and the user is enabled, else None. Exactly one
        hash verification whatever the case (an unknown user is checked against a dummy hash). A
        bcrypt or weaker argon2 hash that verifies is replaced by the server's argon2id."""
        user = self.store.user_by_normalized_name(normalize_username(username))
        ok = verify_password_or_dummy(user.password_hash if user is not None else None, password)
        if not ok or user is None or user.disabled:
            return None
        if needs_rehash(user.password_hash):
            self.store.update_password_hash(user.id, hash_password(password), now)
        return user.identity()

    def record_login(self, identity: Identity, now: int) -> None:
        self.store.record_login(identity.id, now)

    def current_identity(self, identity: Identity, now: int, *, session_id: str = "") -> Identity | None:
        """``resume_session`` read the user's row in the same query: nothing more to read."""
        return identity

    # ---- the session store (used by Auth) ----

    def create_session(self, session_id: str, identity: Identity, absolute_expires_at: int, now: int) -> None:
        self.store.create_session(session_id, identity.id, absolute_expires_at, now)

    def resume_session(self, session_id: str, subject: str, now: int) -> Identity | None:
        """The session's identity while the session is live (not revoked, not expired) and its
        user exists, is the token's subject and is enabled; else None. One query."""
        found = self.store.session_with_user(session_id)
        if found is None:
            return None
        session, user = found
        if session.user_id != subject or session.revoked_at is not None or session.absolute_expires_at <= now or user.disabled:
            return None
        return user.identity()

    def revoke_session(self, session_id: str, now: int) -> None:
        self.store.revoke_session(session_id, now)

    def revoke_user_sessions(self, user_id: str, now: int, *, except_session: str = "") -> None:
        self.store.revoke_all_sessions_of_user(user_id, now, except_session)

    def reserve_attempt(self, keys: Sequence[AttemptKey], now: int) -> AttemptResult:
        return self.store.reserve_attempt(keys, now)

    def release_attempt(self, reservation: FailureRecord) -> None:
        self.store.release_attempt(reservation)

    def clear_failures(self, key: str) -> None:
        self.store.clear_failures(key)

    def record_failure(self, key: str, now: int, policy: RateLimitPolicy) -> FailureRecord:
        return self.store.record_failure(key, now, policy)

    def get_block(self, key: str, now: int) -> int | None:
        return self.store.get_block(key, now)

    # ---- administration (the admin page and the create-superuser command build on these) ----

    def create_user(
        self,
        username: str,
        password: str,
        *,
        name: str = "",
        email: str = "",
        roles: Sequence[str] = (),
        disabled: bool = False,
        password_min_length: int | None = None,
    ) -> UserRecord:
        """Create a user with the server's rules for usernames, emails, names and passwords (the
        password policy, common-password list included), and an argon2id hash. Raises AuthError
        (``invalid_input``, ``weak_password``) or DuplicateUserError (taken, confusable with an
        existing username, or email in use)."""
        checked = check_username(username)
        if not checked.ok:
            raise AuthError("invalid_input", checked.reason, description=checked.reason)
        mail = check_email(email) if email != "" else None
        if mail is not None and not mail.ok:
            raise AuthError("invalid_input", mail.reason, description=mail.reason)
        display = check_name(name)
        if not display.ok:
            raise AuthError("invalid_input", display.reason, description=display.reason)
        bad_role = next((r for r in roles if not isinstance(r, str) or not ROLE_NAME.match(r)), None)
        if bad_role is not None:
            raise AuthError("invalid_input", f"{bad_role!r} is not a valid role name (letters, digits, _ . : -)")
        email_value = mail.value if mail is not None else ""
        minimum = self.settings.password_min_length if password_min_length is None else max(8, password_min_length)
        refusal = password_refusal(password, minimum, username=checked.value, email=email_value)
        if refusal is not None:
            raise refusal.error()
        return self.store.create_user(
            NewUserRow(
                id=str(uuid.uuid4()),
                username=checked.value,
                username_normalized=normalize_username(checked.value),
                name=display.value,
                email=email_value,
                email_normalized=normalize_email(email_value),
                password_hash=hash_password(password),
                roles=tuple(dict.fromkeys(roles)),
                disabled=disabled,
                skeletons=tuple(username_skeletons(checked.value)),
                now=now_ms(),
            )
        )

    def find_user(self, username: str) -> UserRecord | None:
        return self.store.user_by_normalized_name(normalize_username(username))

    def list_users(self) -> list[UserRecord]:
        return self.store.list_users()

    def set_disabled(self, user_id: str, disabled: bool) -> None:
        """Disable (every session of the user ends, as with ``auth-admin disable``) or enable."""
        now = now_ms()
        self.store.set_disabled(user_id, disabled, now)
        if disabled:
            self.store.revoke_all_sessions_of_user(user_id, now)

    def set_roles(self, user_id: str, roles: Sequence[str]) -> None:
        """Replace the roles (``auth-admin set-roles``): effective at every session's next run."""
        unique = list(dict.fromkeys(r.strip() for r in roles if r.strip() != ""))
        bad = next((r for r in unique if not ROLE_NAME.match(r)), None)
        if bad is not None:
            raise AuthError("invalid_input", f"{bad!r} is not a valid role name (letters, digits, _ . : -)")
        self.store.set_roles(user_id, unique, now_ms())

    def set_password(self, user_id: str, password: str, *, keep_session: str = "") -> None:
        """A new password: argon2id, pending reset links voided, and every session of the user
        ended but ``keep_session`` (the one that changed it, if any)."""
        now = now_ms()
        self.store.update_password_hash(user_id, hash_password(password), now)
        self.store.revoke_all_sessions_of_user(user_id, now, keep_session)

    def issue_reset_code(self, user_id: str, *, now: int | None = None) -> str:
        """A single-use reset code for the user (an administrator's "reset password"): stored as
        SHA-256, valid ``reset_token_ttl``, voiding the user's older codes; with mail configured the
        link and code are also mailed to the user. The password does not change until the code is
        used. Returns the code (never a password)."""
        from ._accounts import hash_token, new_token
        from ._mail import reset_link, reset_password_mail

        now = now_ms() if now is None else now
        user = self.store.user_by_id(user_id)
        if user is None:
            raise AuthError("invalid_input", "There is no such user.")
        token = new_token()
        ttl = self.settings.reset_token_ttl
        self.store.insert_reset_token(hash_token(token), user.id, now + ttl * 1000, now)
        if self.mail is not None and user.email != "":
            self.mail.send(
                reset_password_mail(to=user.email, name=user.name, link=reset_link(self._app_url(), token), token=token, ttl_minutes=round(ttl / 60)),
                "password reset",
            )
        return token

    def preauthorize(self, emails: Sequence[str]) -> int:
        """Pre-authorize emails for registration (``auth-admin preauth add``): each validated;
        returns how many were new."""
        checked = []
        for raw in emails:
            c = check_email(raw)
            if not c.ok:
                raise AuthError("invalid_input", f"{raw!r}: {c.reason}", description=c.reason)
            checked.append(c.value)
        return self.store.add_preauthorized_emails(checked, now_ms())

    def unpreauthorize(self, emails: Sequence[str]) -> int:
        return self.store.remove_preauthorized_emails(list(emails))

    def preauthorized_emails(self) -> list[str]:
        return self.store.list_preauthorized_emails()

    def outbox(self, limit: int = 50) -> list[OutboxMessage]:
        """The latest messages of the development outbox, newest first."""
        return self.store.list_outbox(limit)


#: A role name (server/import-yaml.ts ROLE_NAME).
ROLE_NAME = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")

_queues: dict[object, MailQueue] = {}


def smtp_mail_queue(mail: str | Mailer, mail_from: str | None, app_url: str | None, env: Mapping[str, str], choices: str) -> MailQueue:
    """The shared queue of an smtp:// URL (which needs ``app_url``: mailed links lead there) or of
    a ``Mailer``; any other value is refused, naming the ``choices``."""
    if isinstance(mail, str):
        if app_url is None:
            raise AuthConfigError(
                "mail needs app_url (AUTH_APP_URL): the page of your app that mailed links lead to, e.g. "
                "'https://app.example.com/'. It is never taken from a request's Host header."
            )
        sender = mail_from or env.get("AUTH_MAIL_FROM") or DEFAULT_MAIL_FROM
        return shared_mail_queue(("smtp", mail, sender), lambda: SmtpMailer(mail, sender))
    if isinstance(mail, Mailer):
        return shared_mail_queue(("mailer", mail), lambda: mail)
    raise AuthConfigError(f"mail must be {choices}")


def shared_mail_queue(key: object, make: Callable[[], Mailer]) -> MailQueue:
    """One mail queue (one worker thread) per mailer per process, however often the backend is built."""
    with _stores_lock:
        queue = _queues.get(key)
        if queue is None:
            queue = MailQueue(make())
            _queues[key] = queue
        return queue
