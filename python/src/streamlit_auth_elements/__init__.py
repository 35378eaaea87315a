"""streamlit-auth-elements: the auth-elements widgets inside Streamlit, verified by Python.

    import streamlit as st
    from streamlit_auth_elements import Auth, UsersDatabase

    auth = Auth(UsersDatabase("auth.db"), cookie_key=st.secrets["cookie_key"])
    auth.login()
    if st.session_state["authentication_status"]:
        auth.logout(location="sidebar")
        st.write(f"Welcome, {st.session_state['name']}")
"""

from __future__ import annotations

from ._admin import NotAuthorizedError, UsersAdmin, admin_page
from ._auth import Auth, AuthStatus, has_access
from ._backend import (
    SUPERUSER_ROLE,
    AccountContext,
    AccountOperations,
    CredentialBackend,
    Credentials,
    PasswordResetRequest,
    Registration,
    SessionStore,
    UsernameReminder,
)
from ._errors import AuthConfigError, AuthError
from ._jwt_api import JwtApiBackend, TokenVerification
from ._mail import Mailer, MailMessage, SmtpMailer
from ._policy import AccountSettings, RegisterRateLimit, password_problem
from ._ratelimit import ACCOUNT_POLICY, ADDRESS_POLICY, RateLimitPolicy
from ._records import DuplicateUserError, Identity, UserRecord
from ._routes import routes
from ._session_database import SessionDatabase, TokenRecord
from ._tokens import check_cookie_key
from ._users_database import UsersDatabase
from ._users_file import UsersFile, UsersFileError

__version__ = "0.1.0"

__all__ = [
    "ACCOUNT_POLICY",
    "ADDRESS_POLICY",
    "SUPERUSER_ROLE",
    "AccountContext",
    "AccountOperations",
    "AccountSettings",
    "Auth",
    "AuthConfigError",
    "AuthError",
    "AuthStatus",
    "CredentialBackend",
    "Credentials",
    "DuplicateUserError",
    "Identity",
    "JwtApiBackend",
    "MailMessage",
    "Mailer",
    "NotAuthorizedError",
    "PasswordResetRequest",
    "RateLimitPolicy",
    "RegisterRateLimit",
    "Registration",
    "SessionDatabase",
    "SessionStore",
    "SmtpMailer",
    "TokenRecord",
    "TokenVerification",
    "UserRecord",
    "UsernameReminder",
    "UsersAdmin",
    "UsersDatabase",
    "UsersFile",
    "UsersFileError",
    "admin_page",
    "check_cookie_key",
    "has_access",
    "password_problem",
    "routes",
    "__version__",
]
