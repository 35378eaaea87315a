"""Streamlit-Authenticator's exception classes (``streamlit_authenticator.utilities.exceptions``),
with the same names and constructors, so an app's ``except`` clauses work unchanged.

The widgets show a refused operation's message themselves (a wrong password, a taken username,
a weak password), so these are raised only where that library raises them for a misuse of the API
(``logout`` while nobody is signed in, ``experimental_guest_login``, ``send_email`` without mail,
...) and for configuration mistakes (``AuthenticateError``)."""

from __future__ import annotations

from ...._errors import AuthConfigError


class _MessageError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AuthenticateError(_MessageError):
    """Raised by ``Authenticate``: a configuration it cannot work with."""


class CloudError(_MessageError):
    """Mail was asked for (``send_email``, ``two_factor_auth``) and none is configured."""


class CredentialsError(Exception):
    """Wrong credentials (``username``, ``password`` or both)."""

    def __init__(self, credential_type: str = "") -> None:
        message = {"username": "Username is incorrect", "password": "Password is incorrect"}.get(credential_type, "Username/password is incorrect")
        super().__init__(message)
        self.message = message


class DeprecationError(_MessageError):
    """A use of the API that Streamlit-Authenticator no longer supports."""


class ForgotError(_MessageError):
    """The forgot password / forgot username widgets."""


class LoginError(_MessageError):
    """The login widget (and ``experimental_guest_login``, which is not supported here)."""


class LogoutError(_MessageError):
    """``logout`` while nobody is signed in."""


class RegisterError(_MessageError):
    """The register user widget."""


class ResetError(_MessageError):
    """``reset_password`` while nobody (or somebody else) is signed in."""


class TwoFactorAuthError(_MessageError):
    """Two-factor authentication."""


class UpdateError(_MessageError):
    """``update_user_details`` while nobody (or somebody else) is signed in."""


class AuthenticateConfigError(AuthenticateError, AuthConfigError):
    """A configuration mistake found when ``Authenticate`` is built (a weak or missing cookie key,
    a malformed users file): both an ``AuthenticateError`` (this library's) and the package's
    ``AuthConfigError`` (a ValueError)."""


__all__ = [
    "AuthenticateConfigError",
    "AuthenticateError",
    "CloudError",
    "CredentialsError",
    "DeprecationError",
    "ForgotError",
    "LoginError",
    "LogoutError",
    "RegisterError",
    "ResetError",
    "TwoFactorAuthError",
    "UpdateError",
]
