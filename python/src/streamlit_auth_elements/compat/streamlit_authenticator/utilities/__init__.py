"""``streamlit_authenticator.utilities``: the exception classes, ``Hasher`` and ``Validator``."""

from .exceptions import (
    AuthenticateError,
    CloudError,
    CredentialsError,
    DeprecationError,
    ForgotError,
    LoginError,
    LogoutError,
    RegisterError,
    ResetError,
    TwoFactorAuthError,
    UpdateError,
)
from .hasher import Hasher
from .validator import Validator

__all__ = [
    "AuthenticateError",
    "CloudError",
    "CredentialsError",
    "DeprecationError",
    "ForgotError",
    "Hasher",
    "LoginError",
    "LogoutError",
    "RegisterError",
    "ResetError",
    "TwoFactorAuthError",
    "UpdateError",
    "Validator",
]
