"""The account rules of the reference server (server/password-policy.ts, server/config.ts), so a
users database shared with the server accepts and refuses the same things whichever door an
account comes in by.

Passwords (NIST SP 800-63-4): length only, counted in code points after NFC; at least 15 by default
(never below 8), at most 256; refused when in the common-password list or equal to the username or
email. The list is @zxcvbn-ts/language-common's ``passwords.json`` (49,233 entries), the very file
the server reads: ``npm run build`` copies it into the package (``_common_passwords.json``), as it
copies the confusables table, so the two never differ (a test compares them through Node).

``AccountSettings`` is the server's account configuration (registration mode, allowed domains,
minimum length, token lifetimes, the register and forgot limits, the application URL of mailed
links), read from the server's own environment variables when not given.
"""

from __future__ import annotations

import json
import os
import re
import threading
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Literal
from urllib.parse import urlsplit

from ._errors import AuthConfigError, AuthError
from ._identity import js_trim
from ._ratelimit import RateLimitPolicy

DEFAULT_PASSWORD_MIN = 15
#: The minimum may not go below this (NIST SP 800-63-4).
LOWEST_PASSWORD_MIN = 8
PASSWORD_MAX_LENGTH = 256

RegistrationMode = Literal["open", "preauthorized", "closed"]
REGISTRATION_MODES: tuple[RegistrationMode, ...] = ("open", "preauthorized", "closed")

_DOMAIN = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")

_common: frozenset[str] | None = None
_common_lock = threading.Lock()


def common_passwords() -> frozenset[str]:
    """The common-password set, lower-cased (loaded once)."""
    global _common
    with _common_lock:
        if _common is None:
            try:
                text = resources.files(__package__).joinpath("_common_passwords.json").read_text(encoding="utf-8")
            except FileNotFoundError as err:  # pragma: no cover - a build without `npm run build`
                raise RuntimeError(
                    "streamlit-auth-elements was built without its common-password list (_common_passwords.json): "
                    "build it from the repository with `npm run build`"
                ) from err
            _common = frozenset(p.lower() for p in json.loads(text) if isinstance(p, str))
        return _common


def password_length(password: str) -> int:
    """Length in code points after NFC."""
    return len(unicodedata.normalize("NFC", password))


@dataclass(frozen=True)
class PasswordRefusal:
    """Why a password is refused, as the server says it: ``reason`` (``too_short`` with ``min``,
    ``too_long`` with ``max``, ``common``, ``username``, ``email``) and the English ``message``."""

    reason: str
    message: str
    min: int | None = None
    max: int | None = None

    def details(self) -> dict[str, str | int]:
        """The members of the error body next to ``error_description``."""
        out: dict[str, str | int] = {"reason": self.reason}
        if self.min is not None:
            out["min"] = self.min
        if self.max is not None:
            out["max"] = self.max
        return out

    def error(self) -> AuthError:
        return AuthError("weak_password", self.message, description=self.message, details=self.details())


def password_refusal(password: str, min_length: int, *, username: str = "", email: str = "") -> PasswordRefusal | None:
    """Why the server would refuse ``password`` (its reason and exact message), or None."""
    length = password_length(password)
    if length < min_length:
        return PasswordRefusal("too_short", f"Use at least {min_length} characters.", min=min_length)
    if length > PASSWORD_MAX_LENGTH:
        return PasswordRefusal("too_long", f"Use at most {PASSWORD_MAX_LENGTH} characters.", max=PASSWORD_MAX_LENGTH)
    lower = unicodedata.normalize("NFC", password).lower()
    if lower in common_passwords():
        return PasswordRefusal("common", "This password is too common; it appears in lists of leaked passwords. Choose another one.")

    def same(other: str) -> bool:
        return other != "" and js_trim(lower) == js_trim(unicodedata.normalize("NFKC", other)).lower()

    if same(username):
        return PasswordRefusal("username", "The password may not be your username.")
    if same(email):
        return PasswordRefusal("email", "The password may not be your email address.")
    return None


def password_problem(password: str, min_length: int, *, username: str = "", email: str = "") -> str | None:
    """Why the server would refuse ``password`` (its exact message), or None."""
    refusal = password_refusal(password, min_length, username=username, email=email)
    return refusal.message if refusal is not None else None


def enforce_password_policy(password: str, min_length: int, *, username: str = "", email: str = "") -> None:
    """AuthError ``weak_password`` (the reason as description and in ``details``) when the password is refused."""
    refusal = password_refusal(password, min_length, username=username, email=email)
    if refusal is not None:
        raise refusal.error()


@dataclass(frozen=True)
class RegisterRateLimit:
    """At most ``max`` registration attempts per client address within ``window_seconds``."""

    max: int = 10
    window_seconds: int = 3600

    def __post_init__(self) -> None:
        if not (isinstance(self.max, int) and self.max >= 1 and isinstance(self.window_seconds, int) and self.window_seconds >= 1):
            raise AuthConfigError("register_rate_limit needs a positive integer max and window_seconds")


#: The server's DEFAULT_FORGOT_RATE_LIMIT: per account (mails; over it no mail goes out, silently)
#: and per client address (429).
FORGOT_ACCOUNT_POLICY = RateLimitPolicy(max_failures=5, window_seconds=3600, base_delay_seconds=60, max_delay_seconds=3600)
FORGOT_ADDRESS_POLICY = RateLimitPolicy(max_failures=30, window_seconds=15 * 60, base_delay_seconds=1, max_delay_seconds=15 * 60)


@dataclass(frozen=True)
class AccountSettings:
    """How accounts may be made and recovered (the reference server's configuration).

    ``registration``: ``open`` (anyone), ``preauthorized`` (default: only emails on the
    pre-authorized list, each used up by its registration), ``closed``. ``allowed_domains``: when
    non-empty, registration and email changes need an email in one of these domains (lower case,
    exact). ``app_url``: the page mailed links lead to (``<app_url>?reset_token=…`` and
    ``?verify_token=…``), never taken from a request's Host header.
    """

    registration: RegistrationMode = "preauthorized"
    allowed_domains: tuple[str, ...] = ()
    password_min_length: int = DEFAULT_PASSWORD_MIN
    register_rate_limit: RegisterRateLimit = field(default_factory=RegisterRateLimit)
    register_token_ttl: int = 30 * 60
    reset_token_ttl: int = 30 * 60
    forgot_account_policy: RateLimitPolicy = FORGOT_ACCOUNT_POLICY
    forgot_address_policy: RateLimitPolicy = FORGOT_ADDRESS_POLICY
    app_url: str | None = None

    def __post_init__(self) -> None:
        if self.registration not in REGISTRATION_MODES:
            raise AuthConfigError(f"registration must be one of open, preauthorized, closed, got {self.registration!r}")
        for d in self.allowed_domains:
            if not isinstance(d, str) or not _DOMAIN.match(d):
                raise AuthConfigError(f"allowed email domains must be lower-case domain names like example.com, got {d!r}")
        m = self.password_min_length
        if not isinstance(m, int) or isinstance(m, bool) or not LOWEST_PASSWORD_MIN <= m <= PASSWORD_MAX_LENGTH:
            raise AuthConfigError(f"the minimum password length must be an integer from {LOWEST_PASSWORD_MIN} to {PASSWORD_MAX_LENGTH}, got {m!r}")
        for name in ("register_token_ttl", "reset_token_ttl"):
            ttl = getattr(self, name)
            if not isinstance(ttl, int) or not 60 <= ttl <= 24 * 3600:
                raise AuthConfigError(f"{name} must be 60-86400 seconds, got {ttl!r}")
        if self.app_url is not None:
            check_app_url(self.app_url)


def check_app_url(url: str) -> str:
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc or parts.fragment or "#" in url:
        raise AuthConfigError(f"app_url (AUTH_APP_URL) must be an http(s) URL without #fragment, got {url!r}")
    return url


def _int_env(env: Mapping[str, str], name: str, low: int, high: int) -> int | None:
    raw = env.get(name, "")
    if raw == "":
        return None
    if not raw.isdigit():
        raise AuthConfigError(f"{name} must be an integer, got {raw!r}")
    n = int(raw)
    if not low <= n <= high:
        raise AuthConfigError(f"{name} must be between {low} and {high}, got {n}")
    return n


def normalize_domains(domains: Sequence[str]) -> tuple[str, ...]:
    """``@Example.COM`` -> ``example.com`` (as the server reads AUTH_ALLOWED_DOMAINS)."""
    out = []
    for d in domains:
        n = unicodedata.normalize("NFKC", d.strip().removeprefix("@")).lower()
        if n:
            out.append(n)
    return tuple(out)


def settings_from_env(env: Mapping[str, str] | None = None, **overrides: object) -> AccountSettings:
    """The server's environment variables (AUTH_REGISTRATION, AUTH_ALLOWED_DOMAINS,
    AUTH_PASSWORD_MIN, AUTH_RATE_REGISTER_MAX, AUTH_REGISTER_TTL, AUTH_RESET_TTL, AUTH_APP_URL),
    then ``overrides`` (keyword arguments that are not None win)."""
    env = os.environ if env is None else env
    values: dict[str, object] = {}
    registration = env.get("AUTH_REGISTRATION", "").strip().lower()
    if registration:
        values["registration"] = registration
    domains = env.get("AUTH_ALLOWED_DOMAINS", "")
    if domains.strip():
        values["allowed_domains"] = normalize_domains(domains.split(","))
    minimum = _int_env(env, "AUTH_PASSWORD_MIN", 0, 10**6)
    if minimum is not None:
        values["password_min_length"] = minimum
    register_max = _int_env(env, "AUTH_RATE_REGISTER_MAX", 1, 1_000_000)
    if register_max is not None:
        values["register_rate_limit"] = RegisterRateLimit(max=register_max)
    for var, name in (("AUTH_REGISTER_TTL", "register_token_ttl"), ("AUTH_RESET_TTL", "reset_token_ttl")):
        ttl = _int_env(env, var, 60, 24 * 3600)
        if ttl is not None:
            values[name] = ttl
    if env.get("AUTH_APP_URL"):
        values["app_url"] = env["AUTH_APP_URL"]
    for key, value in overrides.items():
        if value is not None:
            values[key] = normalize_domains(value) if key == "allowed_domains" and not isinstance(value, str) else value  # type: ignore[arg-type]
    if isinstance(values.get("allowed_domains"), str):
        raise AuthConfigError("allowed_domains must be a list of domains, e.g. ['example.com']")
    return AccountSettings(**values)  # type: ignore[arg-type]
