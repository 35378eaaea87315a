"""Streamlit-Authenticator's API on streamlit-auth-elements: change the import line, keep the app.

    import streamlit_auth_elements.compat.streamlit_authenticator as stauth   # was: import streamlit_authenticator as stauth
    from streamlit_auth_elements.compat.streamlit_authenticator import Authenticate, Hasher
    from streamlit_auth_elements.compat.streamlit_authenticator.utilities import Hasher, LoginError
    from streamlit_auth_elements.compat.streamlit_authenticator.utilities.hasher import Hasher

``Authenticate`` (today's keyword form, the older positional form with ``preauthorized``, or a
config file path), ``Hasher`` (``Hasher(['pw']).generate()`` and the class methods), ``Validator``
and the exception classes. A thin layer over ``streamlit_auth_elements.Auth`` and ``UsersFile``:
what differs from Streamlit-Authenticator, and why, is in the package README
("Streamlit-Authenticator: what differs").
"""

from . import utilities, views
from ._authenticate import Authenticate
from .utilities import (
    AuthenticateError,
    CloudError,
    CredentialsError,
    DeprecationError,
    ForgotError,
    Hasher,
    LoginError,
    LogoutError,
    RegisterError,
    ResetError,
    TwoFactorAuthError,
    UpdateError,
    Validator,
)
from .utilities.exceptions import AuthenticateConfigError

__all__ = [
    "Authenticate",
    "AuthenticateConfigError",
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
    "utilities",
    "views",
]
