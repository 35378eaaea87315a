"""The account operations of the users database: the reference server's
``accountOperations`` (server/routes/account.ts) ported rule for rule, on the same tables, so an
account made, recovered or changed from Streamlit is the account the server knows, and the answers
(codes, messages, what is counted, what is mailed) are the server's.

What differs, and why:
- Without mail configured, a forgot-password request gives the app the single-use reset code
  (``PasswordResetRequest.code``) to deliver, as Streamlit-Authenticator's apps delivered its new
  password; the server has no app to give it to. With mail, the code goes by mail only.
- The register and forgot counters' address is Streamlit's (``st.context.ip_address``); without
  one, one shared counter (``AccountContext.client_key``).
- Registrations may give roles to the new account (``register_user(roles=...)``); the server
  gives none.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ._backend import (
    AccountContext,
    PasswordResetRequest,
    Registration,
    UsernameReminder,
    rate_limited,
    retry_after_seconds,
    throttled_check,
)
from ._errors import AuthError
from ._identity import check_email, check_name, check_username, js_trim, normalize_email, normalize_username, username_skeletons
from ._mail import (
    MailQueue,
    email_changed_mail,
    password_changed_mail,
    registration_exists_mail,
    registration_mail,
    reset_link,
    reset_password_mail,
    username_reminder_mail,
    verify_link,
)
from ._passwords import hash_password, verify_password
from ._policy import AccountSettings, enforce_password_policy
from ._ratelimit import RateLimitPolicy, account_key
from ._records import DuplicateUserError, Identity, NewUserRow, NotPreauthorizedError, PendingRegistration, UserRecord

if TYPE_CHECKING:
    from ._users_database import Store

#: Key prefixes of the forgot/reset/register counters (the server's, kept apart from the login's).
FORGOT_ADDRESS_PREFIX = "forgot-address:"
FORGOT_ACCOUNT_PREFIX = "forgot-account:"
REGISTER_ADDRESS_PREFIX = "register-address:"

#: The one answer for every registration refusal that must not reveal whether an email exists.
REGISTRATION_REFUSED = "Registration is not open for this email address."
RESET_TOKEN_FORMAT = re.compile(r"^[A-Za-z0-9_-]{43}$")
DEFAULT_APP_URL = "http://localhost:8501/"


def hash_token(token: str) -> str:
    """SHA-256 hex of a mailed token (the server's hashResetToken): stores keep only this."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """32 random bytes, base64url without padding (43 characters), as the server makes them."""
    return secrets.token_urlsafe(32)


def domain_allowed(email: str, allowed: Sequence[str]) -> bool:
    if not allowed:
        return True
    n = normalize_email(email)
    return n[n.rfind("@") + 1 :] in allowed


def invalid_input(reason: str) -> AuthError:
    return AuthError("invalid_input", reason, description=reason)


def registration_refused() -> AuthError:
    return AuthError("registration_not_allowed", REGISTRATION_REFUSED)


def username_taken() -> AuthError:
    return AuthError("username_taken", "This username is taken. Choose another one.")


def invalid_reset_token() -> AuthError:
    return AuthError("reset_token_invalid", "This reset link or code is invalid, expired or already used. Ask for a new one.")


def invalid_registration_token() -> AuthError:
    return AuthError("verification_token_invalid", "This registration link or code is invalid, expired or already used. Register again.")


def session_gone() -> AuthError:
    return AuthError("session_expired", "The account no longer exists.")


class DatabaseAccounts:
    """Mixed into UsersDatabase: needs ``store``, ``settings`` and ``mail`` (None: no mail)."""

    store: Store
    settings: AccountSettings
    mail: MailQueue | None

    @property
    def password_min_length(self) -> int:
        return self.settings.password_min_length

    @property
    def mail_delivers(self) -> bool:
        return self.mail is not None

    def _app_url(self) -> str:
        return self.settings.app_url or DEFAULT_APP_URL

    def _hash_new_password(self, password: str) -> str:
        """The hash a new password is stored as: the server's argon2id (a users file keeps
        bcrypt by default, _users_file.py)."""
        return hash_password(password)

    # ---- throttles ----

    def _count_forgot_request(self, ctx: AccountContext) -> None:
        """Per-address throttle of forgot/reset requests: every request counts; 429 when blocked."""
        key = FORGOT_ADDRESS_PREFIX + ctx.client_key
        until = ctx.sessions.get_block(key, ctx.now)
        if until is not None:
            raise rate_limited(retry_after_seconds(until, ctx.now), "requests from this address")
        ctx.sessions.record_failure(key, ctx.now, self.settings.forgot_address_policy)

    def _may_mail_account(self, ctx: AccountContext, account: str) -> bool:
        """Per-account throttle of mails (and issued codes): counts, and says whether one may go
        out. Never visible in the answer (that would tell which accounts exist)."""
        key = FORGOT_ACCOUNT_PREFIX + account
        blocked = ctx.sessions.get_block(key, ctx.now) is not None
        ctx.sessions.record_failure(key, ctx.now, self.settings.forgot_account_policy)
        return not blocked

    def _token_guard(self, ctx: AccountContext) -> None:
        """429 while the address is blocked (the endpoints that take a mailed token)."""
        until = ctx.sessions.get_block(FORGOT_ADDRESS_PREFIX + ctx.client_key, ctx.now)
        if until is not None:
            raise rate_limited(retry_after_seconds(until, ctx.now), "requests from this address")

    def _wrong_token(self, ctx: AccountContext, refusal: AuthError) -> AuthError:
        """A wrong token counts against the address, then is refused."""
        ctx.sessions.record_failure(FORGOT_ADDRESS_PREFIX + ctx.client_key, ctx.now, self.settings.forgot_address_policy)
        return refusal

    def _reserve_registration(self, ctx: AccountContext) -> None:
        """Count one registration attempt of the address; 429 over the limit. One atomic count
        (record_failure), so of N concurrent attempts exactly ``max`` are within the limit."""
        limit = self.settings.register_rate_limit
        window = limit.window_seconds
        policy = RateLimitPolicy(max_failures=limit.max + 1, window_seconds=window, base_delay_seconds=window, max_delay_seconds=window)
        counter = ctx.sessions.record_failure(REGISTER_ADDRESS_PREFIX + ctx.client_key, ctx.now, policy)
        if counter.count > limit.max:
            raise rate_limited(retry_after_seconds(counter.window_start + window * 1000, ctx.now), "registrations from this address")

    def _check_current_password(self, ctx: AccountContext, user: UserRecord, password: str) -> None:
        """The current password, through the login throttle (the login's keys)."""
        ok, retry_after = throttled_check(
            ctx.sessions,
            user.username_normalized,
            ctx.client,
            lambda: True if verify_password(user.password_hash, password) else None,
            account_policy=ctx.account_policy,
            address_policy=ctx.address_policy,
            now=ctx.now,
        )
        if retry_after is not None:
            raise rate_limited(retry_after, "wrong passwords")
        if ok is None:
            raise AuthError("invalid_credentials", "The current password is wrong.")

    def _notify_password_changed(self, user: UserRecord, how: str) -> None:
        if user.email != "" and self.mail is not None:
            self.mail.send(password_changed_mail(to=user.email, name=user.name, username=user.username, how=how), f"password-{how} notice")

    # ---- registration ----

    def _create_account(self, ctx: AccountContext, *, username: str, name: str, email: str, password_hash: str, roles: Sequence[str]) -> UserRecord:
        """The last step of a registration; in ``preauthorized`` mode the email's pre-authorization
        is used up in the same transaction. Every email-specific refusal is the one generic refusal."""
        try:
            return self.store.create_user(
                NewUserRow(
                    id=str(uuid.uuid4()),
                    username=username,
                    username_normalized=normalize_username(username),
                    name=name,
                    email=email,
                    email_normalized=normalize_email(email),
                    password_hash=password_hash,
                    roles=tuple(roles),
                    disabled=False,
                    skeletons=tuple(username_skeletons(username)),
                    now=ctx.now,
                ),
                consume_preauthorized_email=email if self.settings.registration == "preauthorized" else None,
            )
        except NotPreauthorizedError:
            raise registration_refused() from None
        except DuplicateUserError as err:
            raise (registration_refused() if err.field == "email" else username_taken()) from None

    def _mail_registration(self, ctx: AccountContext, *, username: str, name: str, email: str, password_hash: str) -> None:
        """Store the pending registration and mail its link, or mail the owner of an address that
        has an account, or do nothing (not invited): the caller answers the same either way."""
        token = new_token()
        existing = self.store.user_by_email(email)
        invited = self.settings.registration != "preauthorized" or self.store.is_preauthorized_email(email)
        if not self._may_mail_account(ctx, f"register:{normalize_email(email)}"):
            return
        if existing is not None:
            if not existing.disabled and self.mail is not None:
                self.mail.send(registration_exists_mail(to=existing.email, name=existing.name, username=existing.username), "registration notice")
            return
        if not invited:
            return
        ttl = self.settings.register_token_ttl
        self.store.insert_pending_registration(
            PendingRegistration(
                token_hash=hash_token(token), username=username, name=name, email=email, password_hash=password_hash, expires_at=ctx.now + ttl * 1000
            ),
            ctx.now,
        )
        if self.mail is not None:
            self.mail.send(
                registration_mail(to=email, name=name, link=verify_link(self._app_url(), token), token=token, ttl_minutes=round(ttl / 60)),
                "registration",
            )

    def register(self, ctx: AccountContext, *, username: str, email: str, password: str, name: str = "", roles: Sequence[str] = ()) -> Registration:
        if self.settings.registration == "closed":
            raise registration_refused()
        checked_username = check_username(username)
        if not checked_username.ok:
            raise invalid_input(checked_username.reason)
        checked_email = check_email(email)
        if not checked_email.ok:
            raise invalid_input(checked_email.reason)
        checked_name = check_name(name)
        if not checked_name.ok:
            raise invalid_input(checked_name.reason)
        enforce_password_policy(password, self.settings.password_min_length, username=checked_username.value, email=checked_email.value)
        # Every attempt that got this far counts, before anything is looked up or hashed.
        self._reserve_registration(ctx)
        # Checked before anything that depends on the email, and answered the same for every email.
        if self.store.find_confusable_user(checked_username.value) is not None:
            raise username_taken()
        if not domain_allowed(checked_email.value, self.settings.allowed_domains):
            raise registration_refused()
        # Hash before anything email-specific, so every email costs the same work.
        password_hash = self._hash_new_password(password)
        account = {"username": checked_username.value, "name": checked_name.value, "email": checked_email.value, "password_hash": password_hash}
        if self.mail_delivers:
            self._mail_registration(ctx, **account)
            return Registration(checked_username.value, checked_email.value, checked_name.value, True)
        user = self._create_account(ctx, roles=roles, **account)
        return Registration(user.username, user.email, user.name, False)

    def verify_registration(self, ctx: AccountContext, *, token: str, roles: Sequence[str] = ()) -> Registration:
        self._token_guard(ctx)
        if self.settings.registration == "closed":
            raise registration_refused()
        token = js_trim(token)
        if not RESET_TOKEN_FORMAT.match(token):
            raise self._wrong_token(ctx, invalid_registration_token())
        # Used up atomically: of concurrent calls with one token, one gets the registration.
        pending = self.store.consume_pending_registration(hash_token(token), ctx.now)
        if pending is None:
            raise self._wrong_token(ctx, invalid_registration_token())
        user = self._create_account(
            ctx, username=pending.username, name=pending.name, email=pending.email, password_hash=pending.password_hash, roles=roles
        )
        return Registration(user.username, user.email, user.name, False)

    # ---- passwords ----

    def _signed_in_user(self, identity: Identity) -> UserRecord:
        user = self.store.user_by_id(identity.id)
        if user is None or user.disabled:
            raise session_gone()
        return user

    def change_password(self, ctx: AccountContext, identity: Identity, *, current_password: str, new_password: str) -> None:
        user = self._signed_in_user(identity)
        # Policy first: a refusal here says nothing about the current password.
        enforce_password_policy(new_password, self.settings.password_min_length, username=user.username, email=user.email)
        self._check_current_password(ctx, user, current_password)
        self.store.update_password_hash(user.id, self._hash_new_password(new_password), ctx.now)
        # Every OTHER session ends now; this one stays.
        ctx.sessions.revoke_user_sessions(user.id, ctx.now, except_session=ctx.session_id)
        self._notify_password_changed(user, "changed")

    def request_password_reset(self, ctx: AccountContext, *, login: str) -> PasswordResetRequest:
        nothing = PasswordResetRequest(None, None, None)
        self._count_forgot_request(ctx)
        login = js_trim(login)
        by_email = "@" in login
        user = self.store.user_by_email(login) if by_email else self.store.user_by_normalized_name(normalize_username(login))
        # Same work whether or not the account exists: a token is made and hashed either way.
        token = new_token()
        token_hash = hash_token(token)
        account = f"user:{user.id}" if user is not None else f"login:{normalize_email(login) if by_email else normalize_username(login)}"
        allowed = self._may_mail_account(ctx, account)
        # With mail, an account without an email has nowhere to receive the link; without mail the
        # app delivers the code.
        if user is None or user.disabled or (self.mail_delivers and user.email == "") or not allowed:
            return nothing
        ttl = self.settings.reset_token_ttl
        self.store.insert_reset_token(token_hash, user.id, ctx.now + ttl * 1000, ctx.now)
        # An email change voids reset tokens in its own transaction; one that landed between the
        # look-up and the insert did not see this token: check again, never mail the old address.
        current = self.store.user_by_id(user.id)
        if current is None or current.disabled or normalize_email(current.email) != normalize_email(user.email):
            self.store.consume_reset_token(token_hash, ctx.now)
            return nothing
        if self.mail is None:
            return PasswordResetRequest(user.username, user.email, token)
        self.mail.send(
            reset_password_mail(to=user.email, name=user.name, link=reset_link(self._app_url(), token), token=token, ttl_minutes=round(ttl / 60)),
            "password reset",
        )
        return PasswordResetRequest(user.username, user.email, None)

    def reset_password(self, ctx: AccountContext, *, token: str, password: str) -> Identity:
        self._token_guard(ctx)
        token = js_trim(token)
        if not RESET_TOKEN_FORMAT.match(token):
            raise self._wrong_token(ctx, invalid_reset_token())
        token_hash = hash_token(token)
        # Look first (without using it up) so a refused password does not burn the token.
        record = self.store.find_reset_token(token_hash)
        if record is None or record.used_at is not None or record.expires_at <= ctx.now:
            raise self._wrong_token(ctx, invalid_reset_token())
        user = self.store.user_by_id(record.user_id)
        if user is None:
            raise self._wrong_token(ctx, invalid_reset_token())
        enforce_password_policy(password, self.settings.password_min_length, username=user.username, email=user.email)
        password_hash = self._hash_new_password(password)
        # Now use it up, atomically: of two concurrent resets with one token, one wins.
        if self.store.consume_reset_token(token_hash, ctx.now) != user.id:
            raise self._wrong_token(ctx, invalid_reset_token())
        self.store.update_password_hash(user.id, password_hash, ctx.now)
        ctx.sessions.revoke_user_sessions(user.id, ctx.now)  # every session, no exception
        ctx.sessions.clear_failures(account_key(user.username_normalized))
        self._notify_password_changed(user, "reset")
        return user.identity()

    def request_username_reminder(self, ctx: AccountContext, *, email: str) -> UsernameReminder:
        self._count_forgot_request(ctx)
        checked = check_email(email)
        if not checked.ok:
            raise invalid_input(checked.reason)
        user = self.store.user_by_email(checked.value)
        allowed = self._may_mail_account(ctx, f"user:{user.id}" if user is not None else f"email:{normalize_email(checked.value)}")
        if user is None or user.disabled or not allowed:
            return UsernameReminder(None, None)
        # The username goes by mail only, never into the widget's answer.
        if self.mail is not None:
            self.mail.send(username_reminder_mail(to=user.email, name=user.name, username=user.username), "username reminder")
        return UsernameReminder(user.username, user.email)

    def update_details(
        self, ctx: AccountContext, identity: Identity, *, name: str | None = None, email: str | None = None, current_password: str | None = None
    ) -> Identity:
        if name is None and email is None:
            raise invalid_input('Send "name" and/or "email".')
        user = self._signed_in_user(identity)
        new_name: str | None = None
        if name is not None:
            checked_name = check_name(name)
            if not checked_name.ok:
                raise invalid_input(checked_name.reason)
            new_name = checked_name.value
        new_email: str | None = None
        if email is not None:
            checked_email = check_email(email)
            if not checked_email.ok:
                raise invalid_input(checked_email.reason)
            if checked_email.value != user.email:
                if not domain_allowed(checked_email.value, self.settings.allowed_domains):
                    raise invalid_input("Email addresses of this domain are not allowed here.")
                # Whoever holds only a session (a stolen cookie) cannot move the account's mail.
                if current_password is None or current_password == "":
                    raise invalid_input('The field "current_password" is required to change the email address.')
                self._check_current_password(ctx, user, current_password)
                new_email = checked_email.value
        if new_name is None and new_email is None:
            return user.identity()
        try:
            updated = self.store.update_user_details(user.id, name=new_name, email=new_email, now=ctx.now)
        except DuplicateUserError:
            raise AuthError("email_taken", "Another account uses this email address.") from None
        if updated is None:
            raise session_gone()
        if new_email is not None and user.email != "" and self.mail is not None:
            # Tell the OLD address, so a hijacked account does not go unnoticed.
            self.mail.send(
                email_changed_mail(to=user.email, name=updated.name, username=user.username, new_email=updated.email), "email-change notice"
            )
        return updated.identity()
